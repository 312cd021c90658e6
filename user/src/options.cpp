// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <linux/capability.h>
#include <ostream>
#include <sys/syscall.h>
#include <unistd.h>

#include "reap_engine.hpp"

namespace rz
{

Result<Tree> open_root(const std::string &path, std::ostream &err)
{
	auto t = Tree::open(path);
	if (!t)
		err << "zombiectl: " << t.error().message << "\n";
	return t;
}

std::optional<Roots> open_roots(const Options &o, std::ostream &err)
{
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return std::nullopt;
	Roots r{std::move(*proc), std::nullopt};
	if (auto sys = Tree::open(o.sys_root))
		r.sys.emplace(std::move(*sys));
	return r;
}

bool module_loaded(const Tree *sys)
{
	return sys && sys->exists("module/reap_zombie");
}

std::string exit_text(const Stat &st)
{
	return st.exit_code ? describe_wait_status(*st.exit_code) : "unknown";
}

namespace
{

bool has_cap_sys_admin()
{
	__user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct d[2]{};
	if (syscall(SYS_capget, &h, d))
		return false;
	return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

} // namespace

ReapEnv reap_env(const Tree &proc, const Options &o)
{
	ReapEnv env = clock_env(proc);
	env.grace_s = o.grace;
	env.force = o.force;
	env.privileged = has_cap_sys_admin();
	env.self_pid = getpid();
	return env;
}

} // namespace rz
