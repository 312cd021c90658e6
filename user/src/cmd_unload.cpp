// SPDX-License-Identifier: GPL-2.0
// `zombiectl unload`: enabled=0, then remove the module.
#include <cerrno>
#include <fcntl.h>
#include <ostream>
#include <sys/syscall.h>
#include <unistd.h>

#include "commands.hpp"
#include "fd.hpp"

namespace rz
{

int cmd_unload(const Options &o, std::ostream &out, std::ostream &err)
{
	auto sys = Tree::open(o.sys_root);
	if (!module_loaded(sys ? &*sys : nullptr)) {
		err << "zombiectl: the module is not loaded\n";
		return EXIT_NONE;
	}
	UniqueFd fd(::openat(sys->fd(), "module/reap_zombie/parameters/enabled",
			     O_WRONLY | O_CLOEXEC));
	if (!fd.valid() || ::write(fd.get(), "0", 1) != 1) {
		int e = errno; // before the stream can change it
		err << "zombiectl: cannot switch the module off: "
		    << errno_text(e) << "\n";
		return EXIT_NONE;
	}
	if (syscall(SYS_delete_module, "reap_zombie", O_NONBLOCK)) {
		int e = errno;
		err << "zombiectl: switched off, but rmmod failed: "
		    << (e == EWOULDBLOCK ? "a reap_zombie file is still open"
					 : errno_text(e))
		    << "\n";
		return EXIT_NONE;
	}
	out << "reap_zombie unloaded\n";
	return EXIT_OK;
}

} // namespace rz
