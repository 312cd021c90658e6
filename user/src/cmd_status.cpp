// SPDX-License-Identifier: GPL-2.0
// `zombiectl status`: the module loaded, its version, zombie_reaper, the
// proc file.
#include <ostream>
#include <string>

#include "commands.hpp"
#include "json.hpp"

namespace rz
{

int cmd_status(const Options &o, std::ostream &out, std::ostream &err)
{
	auto roots = open_roots(o, err);
	if (!roots)
		return EXIT_NONE;
	const auto &[proc, sys] = *roots;
	bool loaded = module_loaded(sys ? &*sys : nullptr);
	std::string version, enabled;
	if (loaded) {
		if (auto v = sys->read("module/reap_zombie/version"))
			version = trim(*v);
		if (auto v = sys->read("module/reap_zombie/parameters/enabled"))
			enabled = trim(*v);
	}
	int reaper = 0;
	for (int pid : proc.pids()) {
		auto s = proc.read(std::to_string(pid) + "/stat");
		if (!s)
			continue;
		auto st = parse_stat(*s);
		if (st && st->comm == "zombie_reaper" && st->ppid == 2) {
			reaper = pid;
			break;
		}
	}
	bool hook = proc.exists("self/reap_zombie");
	if (o.json) {
		out << Json()
			   .begin_object()
			   .value("loaded", loaded)
			   .value("version", version)
			   .value("enabled", enabled == "Y")
			   .value("reaper_pid", reaper)
			   .value("hook", hook)
			   .end_object()
			   .str();
	} else {
		out << "module:        " << (loaded ? "loaded" : "not loaded")
		    << "\n";
		if (loaded) {
			out << "version:       "
			    << (version.empty() ? "?" : version) << "\n";
			out << "enabled:       "
			    << (enabled == "Y" ? "yes" : "no") << "\n";
			out << "zombie_reaper: "
			    << (reaper ? "pid " + std::to_string(reaper)
				       : "not found")
			    << "\n";
			out << "proc file:     "
			    << (hook ? "/proc/<pid>/reap_zombie present"
				     : "missing (enabled=0?)")
			    << "\n";
		} else {
			out << "load it with: modprobe reap_zombie\n";
		}
	}
	return loaded ? EXIT_OK : EXIT_NONE;
}

} // namespace rz
