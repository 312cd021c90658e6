// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/capability.h>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <sys/syscall.h>
#include <unistd.h>

#include "diagnose.hpp"
#include "json.hpp"
#include "reader.hpp"
#include "reap_engine.hpp"
#include "validate.hpp"

namespace rz
{

Result<Tree> open_root(const std::string &path, std::ostream &err)
{
	auto t = Tree::open(path);
	if (!t)
		err << "zombiectl: " << t.error().message << "\n";
	return t;
}

namespace
{

// Threads the kernel schedules now: the denominator of /proc/loadavg.
std::optional<long long> pids_in_use(const Tree &proc)
{
	auto s = proc.read("loadavg");
	if (!s)
		return std::nullopt;
	auto slash = s->find('/');
	if (slash == std::string::npos)
		return std::nullopt;
	return std::strtoll(s->c_str() + slash + 1, nullptr, 10);
}

std::string exit_text(const Stat &st)
{
	return st.exit_code ? describe_wait_status(*st.exit_code) : "unknown";
}

struct Zombie {
	ProcessInfo p;
	std::optional<ProcessInfo> parent;
	std::string cgroup;
};

// Every zombie of the proc root (optionally only the children of @ppid).
std::vector<Zombie> scan_zombies(const Tree &proc, int ppid)
{
	std::vector<Zombie> out;
	std::map<int, std::optional<ProcessInfo>> parents;
	for (int pid : proc.pids()) {
		auto dir = ProcDir::open(proc, pid);
		if (!dir)
			continue;
		auto stat = dir->read("stat");
		if (!stat)
			continue;
		auto st = parse_stat(*stat);
		if (!st || st->state != 'Z' || (ppid && st->ppid != ppid))
			continue;
		auto info = dir->info(false);
		if (!info)
			continue;
		Zombie z{*info, std::nullopt, info->cgroup.value_or("")};
		int pp = info->stat.ppid;
		auto it = parents.find(pp);
		if (it == parents.end()) {
			std::optional<ProcessInfo> pi;
			if (auto pd = ProcDir::open(proc, pp))
				if (auto i = pd->info(false))
					pi = *i;
			it = parents.emplace(pp, std::move(pi)).first;
		}
		z.parent = it->second;
		if ((z.cgroup.empty() || z.cgroup == "/") && z.parent &&
		    z.parent->cgroup)
			z.cgroup = *z.parent->cgroup;
		out.push_back(std::move(z));
	}
	return out;
}

// Left-aligned columns two spaces apart; the last one not padded.
void print_table(std::ostream &out,
		 const std::vector<std::vector<std::string>> &rows)
{
	std::vector<size_t> w(rows.front().size(), 0);
	for (auto &r : rows)
		for (size_t i = 0; i < r.size(); i++)
			w[i] = std::max(w[i], r[i].size());
	for (auto &r : rows) {
		std::string line;
		for (size_t i = 0; i < r.size(); i++) {
			line += r[i];
			if (i + 1 < r.size())
				line +=
				    std::string(w[i] - r[i].size() + 2, ' ');
		}
		out << line << "\n";
	}
}

int nspid(const ProcessInfo &p)
{
	return p.status.nspid.empty() ? p.pid : p.status.nspid.back();
}

ReapEnv reap_env(const Tree &proc, const Options &o);

} // namespace

int cmd_list(const Options &o, std::ostream &out, std::ostream &err)
{
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return EXIT_NONE;
	auto sys = Tree::open(o.sys_root);
	auto zombies = scan_zombies(*proc, o.parent);

	struct ParentRow {
		std::string comm;
		char state = '?';
		int count = 0;
	};
	std::map<int, ParentRow> parents;
	std::set<std::string> cgroups;
	for (auto &z : zombies) {
		auto &row = parents[z.p.stat.ppid];
		row.count++;
		if (z.parent) {
			row.comm = z.parent->stat.comm;
			row.state = z.parent->stat.state;
		}
		if (!z.cgroup.empty() && z.cgroup != "/")
			cgroups.insert(z.cgroup);
	}
	auto pid_max = read_number(*proc, "sys/kernel/pid_max");
	auto in_use = pids_in_use(*proc);
	auto cg_value = [&](const std::string &cg, const char *file) {
		return sys ? read_number(*sys, "fs/cgroup" + cg + "/" + file)
			   : std::nullopt;
	};

	if (o.json) {
		Json j;
		j.begin_object().begin_array("zombies");
		for (auto &z : zombies) {
			j.begin_object()
			    .value("pid", z.p.pid)
			    .value("comm", z.p.stat.comm)
			    .value("ppid", z.p.stat.ppid)
			    .value("parent_comm",
				   z.parent ? z.parent->stat.comm : "")
			    .value("parent_state",
				   std::string(1, z.parent
						      ? z.parent->stat.state
						      : '?'));
			if (z.p.stat.exit_code)
				j.value("exit_code", *z.p.stat.exit_code);
			else
				j.null("exit_code");
			j.value("exit", exit_text(z.p.stat))
			    .value("exit_signal", z.p.stat.exit_signal)
			    .value("live_threads",
				   static_cast<long long>(
				       std::max(0L, z.p.status.threads - 1)))
			    .value("nspid", nspid(z.p))
			    .value("tracer_pid", z.p.status.tracer_pid)
			    .value("cgroup", z.cgroup)
			    .end_object();
		}
		j.end_array().begin_array("parents");
		for (auto &[pid, row] : parents)
			j.begin_object()
			    .value("pid", pid)
			    .value("comm", row.comm)
			    .value("state", std::string(1, row.state))
			    .value("zombies", row.count)
			    .end_object();
		j.end_array().begin_array("cgroups");
		for (auto &cg : cgroups) {
			j.begin_object().value("path", cg);
			auto cur = cg_value(cg, "pids.current");
			auto max = cg_value(cg, "pids.max");
			cur ? (void)j.value("pids_current", *cur)
			    : (void)j.null("pids_current");
			max &&*max >= 0 ? (void)j.value("pids_max", *max)
					: (void)j.null("pids_max");
			j.end_object();
		}
		j.end_array();
		pid_max ? (void)j.value("pid_max", *pid_max)
			: (void)j.null("pid_max");
		in_use ? (void)j.value("pids_in_use", *in_use)
		       : (void)j.null("pids_in_use");
		j.end_object();
		out << j.str();
		return EXIT_OK;
	}

	if (zombies.empty()) {
		out << "no zombies\n";
	} else {
		std::vector<std::vector<std::string>> rows = {
		    {"PID", "COMM", "PPID", "PARENT", "PSTAT", "EXIT",
		     "THREADS", "NSPID", "CGROUP"}};
		for (auto &z : zombies)
			rows.push_back(
			    {std::to_string(z.p.pid), z.p.stat.comm,
			     std::to_string(z.p.stat.ppid),
			     z.parent ? z.parent->stat.comm : "?",
			     std::string(1,
					 z.parent ? z.parent->stat.state : '?'),
			     exit_text(z.p.stat),
			     std::to_string(
				 std::max(0L, z.p.status.threads - 1)),
			     std::to_string(nspid(z.p)),
			     z.cgroup.empty() ? "-" : z.cgroup});
		print_table(out, rows);
		out << "\n";
		for (auto &[pid, r] : parents)
			out << r.count << " zombie" << (r.count > 1 ? "s" : "")
			    << " of pid " << pid << " (" << r.comm << ", "
			    << state_name(r.state) << ")\n";
	}
	if (pid_max && in_use)
		out << "pids in use: " << *in_use << " of pid_max " << *pid_max
		    << "\n";
	for (auto &cg : cgroups) {
		auto cur = cg_value(cg, "pids.current");
		auto max = cg_value(cg, "pids.max");
		out << "cgroup " << cg << ": pids.current "
		    << (cur ? std::to_string(*cur) : "?") << ", pids.max "
		    << (max ? (*max < 0 ? "max" : std::to_string(*max)) : "?")
		    << "\n";
	}
	return EXIT_OK;
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

ReapEnv reap_env(const Tree &proc, const Options &o)
{
	ReapEnv env = clock_env(proc);
	env.grace_s = o.grace;
	env.force = o.force;
	env.privileged = has_cap_sys_admin();
	env.self_pid = getpid();
	return env;
}

} // namespace

int cmd_reap(const Options &o, std::ostream &out, std::ostream &err)
{
	int forms = !o.pids.empty() + (o.children_of > 0) + o.all;
	if (forms != 1) {
		err << "zombiectl reap: name the zombies: PID..., "
		       "--children-of PPID or --all\n";
		return EXIT_USAGE;
	}
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return EXIT_NONE;
	ReapRequest q;
	if (!o.pids.empty()) {
		for (auto &s : o.pids)
			q.named.push_back(parse_pid_arg(s));
	} else {
		q.scan = o.all ? 0 : o.children_of;
	}
	q.env = reap_env(*proc, o);
	// Once for all targets: the module puts reap_zombie in every process's
	// directory while it is loaded and enabled, ours included. A target
	// whose file is gone by the time it is opened is told so.
	q.env.module_present = proc->exists("self/reap_zombie");
	q.dry_run = o.dry_run;
	q.jobs = o.jobs;
	auto results = reap(*proc, q);
	const auto &scan = q.scan;

	if (scan && results.empty()) {
		if (o.json)
			out << Json()
				   .begin_object()
				   .begin_array("results")
				   .end_array()
				   .end_object()
				   .str();
		err << "zombiectl: no zombies"
		    << (o.all ? std::string()
			      : " among the children of pid " +
				    std::to_string(o.children_of))
		    << "\n";
		return EXIT_NONE;
	}
	int done = 0;
	for (auto &r : results)
		done += r.outcome == "reaped" || r.outcome == "dry-run";
	if (o.json) {
		Json j;
		j.begin_object().begin_array("results");
		for (auto &r : results) {
			j.begin_object()
			    .value("pid", r.pid)
			    .value("comm", r.comm)
			    .value("outcome", r.outcome)
			    .value("reason", r.reason);
			if (r.exit_code)
				j.value("exit_code", *r.exit_code)
				    .value("exit",
					   describe_wait_status(*r.exit_code));
			else
				j.null("exit_code").null("exit");
			j.value("ppid", r.ppid).end_object();
		}
		j.end_array().end_object();
		out << j.str();
	}
	// one write of each stream: 10,000 lines cost no more than one
	std::string text, errors;
	std::map<int, std::string> exits; // most share a few statuses
	for (auto &r : results) {
		auto exit = [&]() -> const std::string & {
			static const std::string unknown =
			    "exit status unknown";
			if (!r.exit_code)
				return unknown;
			auto it = exits.find(*r.exit_code);
			if (it == exits.end())
				it = exits
					 .emplace(
					     *r.exit_code,
					     describe_wait_status(*r.exit_code))
					 .first;
			return it->second;
		};
		if (r.outcome == "reaped" && !o.json)
			text.append("reaped pid ")
			    .append(std::to_string(r.pid))
			    .append(" (")
			    .append(r.comm)
			    .append("): ")
			    .append(exit())
			    .append(", parent ")
			    .append(std::to_string(r.ppid))
			    .append(" (")
			    .append(r.pcomm)
			    .append(")\n");
		else if (r.outcome == "dry-run" && !o.json)
			text += r.reason + ": " + exit() + " (dry run)\n";
		else if (r.outcome != "reaped" && r.outcome != "dry-run")
			errors += "zombiectl: " + r.reason + "\n";
	}
	out << text;
	err << errors;
	if (done == static_cast<int>(results.size()))
		return EXIT_OK;
	return done ? EXIT_PARTIAL : EXIT_NONE;
}

int cmd_why(const Options &o, std::ostream &out, std::ostream &err)
{
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return EXIT_NONE;
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
	auto d = diagnose(*info, parent);
	auto env = reap_env(*proc, o);
	// With the module, the age is DEAD_MS of the parent's listing (one
	// kernel clock); without, what /proc gives, said to be estimated.
	if (info->stat.state == 'Z')
		if (auto ms = listed_dead_ms(*proc, info->stat.ppid, info->pid,
					     info->stat.starttime))
			info->dead_ms = static_cast<double>(*ms);
	bool estimated = false, bound = false;
	auto age = zombie_age(*info, env, &estimated, &bound);

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
		    .end_object();
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

int cmd_status(const Options &o, std::ostream &out, std::ostream &err)
{
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return EXIT_NONE;
	auto sys = Tree::open(o.sys_root);
	bool loaded = sys && sys->exists("module/reap_zombie");
	std::string version, enabled;
	if (loaded) {
		if (auto v = sys->read("module/reap_zombie/version"))
			version = trim(*v);
		if (auto v = sys->read("module/reap_zombie/parameters/enabled"))
			enabled = trim(*v);
	}
	int reaper = 0;
	for (int pid : proc->pids()) {
		auto s = proc->read(std::to_string(pid) + "/stat");
		if (!s)
			continue;
		auto st = parse_stat(*s);
		if (st && st->comm == "zombie_reaper" && st->ppid == 2) {
			reaper = pid;
			break;
		}
	}
	bool hook = proc->exists("self/reap_zombie");
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

int cmd_unload(const Options &o, std::ostream &out, std::ostream &err)
{
	auto sys = Tree::open(o.sys_root);
	if (!sys || !sys->exists("module/reap_zombie")) {
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
