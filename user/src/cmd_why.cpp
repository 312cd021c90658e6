// SPDX-License-Identifier: GPL-2.0
// `zombiectl why PID`: what keeps a zombie unreaped (diagnose.cpp decides)
// and what would help.
#include <cstdio>
#include <optional>
#include <ostream>

#include "commands.hpp"
#include "diagnose.hpp"
#include "json.hpp"
#include "reap_engine.hpp"

namespace rz
{

int cmd_why(const Options &o, std::ostream &out, std::ostream &err)
{
	auto roots = open_roots(o, err);
	if (!roots)
		return EXIT_NONE;
	const Tree *proc = &roots->proc;
	auto arg = parse_pid_arg(o.why_pid);
	if (!arg) {
		err << "zombiectl: " << arg.error().message << "\n";
		return EXIT_USAGE;
	}
	auto dir = ProcDir::open(*proc, arg->pid);
	if (!dir) {
		err << "zombiectl: " << dir.error().message << "\n";
		return EXIT_NONE;
	}
	auto info = dir->info(true);
	if (!info) {
		err << "zombiectl: " << info.error().message << "\n";
		return EXIT_NONE;
	}
	std::optional<ProcessInfo> parent;
	if (auto pd = ProcDir::open(*proc, info->stat.ppid))
		if (auto pi = pd->info(true))
			parent = *pi;
	auto env = reap_env(*proc, o);
	// With the module, the age is DEAD_MS of the parent's listing (one
	// kernel clock); without, what /proc gives, said to be estimated.
	if (info->stat.state == 'Z')
		if (auto ms = listed_dead_ms(*proc, info->stat.ppid, info->pid,
					     info->stat.starttime))
			info->dead_ms = static_cast<double>(*ms);
	bool estimated = false, bound = false;
	auto age = zombie_age(*info, env, &estimated, &bound);
	// the advice fitted to the machine: the module, and the age as
	// `reap` judges it
	Situation now;
	now.module_loaded = module_loaded(roots->sys ? &*roots->sys : nullptr);
	now.module_enabled =
	    now.module_loaded && proc->exists("self/reap_zombie");
	if (info->stat.state == 'Z')
		now.age_s = age;
	now.age_estimated = estimated;
	now.grace_s = o.grace;
	auto d = diagnose(*info, parent, now);

	if (o.json) {
		Json j;
		j.begin_object()
		    .value("pid", info->pid)
		    .value("comm", info->stat.comm)
		    .value("state", std::string(1, info->stat.state))
		    .value("ppid", info->stat.ppid);
		if (info->stat.state == 'Z' && info->stat.exit_code)
			j.value("exit_code", *info->stat.exit_code)
			    .value("exit",
				   describe_wait_status(*info->stat.exit_code));
		else
			j.null("exit_code").null("exit");
		if (info->stat.state == 'Z' && age)
			j.value("dead_seconds", *age)
			    .value("age_estimated", estimated);
		j.begin_array("findings");
		for (auto &f : d.findings)
			j.begin_object()
			    .value("code", f.code)
			    .value("text", f.text)
			    .end_object();
		j.end_array()
		    .value("remedy", std::string(remedy_name(d.remedy)))
		    .value("advice", d.advice)
		    .begin_array("commands");
		for (auto &c : d.commands)
			j.value("", c);
		j.end_array()
		    .value("module_loaded", now.module_loaded)
		    .value("module_enabled", now.module_enabled)
		    .value("grace_seconds", now.grace_s);
		d.reap_in_s ? (void)j.value("reap_in_seconds", *d.reap_in_s)
			    : (void)j.null("reap_in_seconds");
		j.end_object();
		out << j.str();
		return EXIT_OK;
	}
	out << "pid " << info->pid << " (" << info->stat.comm << ") is "
	    << state_name(info->stat.state);
	if (info->stat.state == 'Z') {
		out << ": " << exit_text(info->stat);
		if (age) {
			char buf[64];
			std::snprintf(buf, sizeof(buf), ", dead %s%.1f s%s",
				      bound ? "at most " : "", *age,
				      estimated ? " (estimated)" : "");
			out << buf;
		}
	}
	out << "\n";
	for (auto &f : d.findings)
		out << "  - " << f.text << "\n";
	out << "what would help: " << d.advice << "\n";
	return EXIT_OK;
}

} // namespace rz
