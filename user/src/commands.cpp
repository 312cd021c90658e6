// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/capability.h>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diagnose.hpp"
#include "json.hpp"
#include "parallel.hpp"
#include "reader.hpp"
#include "validate.hpp"

namespace rz
{
namespace
{

Result<Tree> open_root(const std::string &path, std::ostream &err)
{
	auto t = Tree::open(path);
	if (!t)
		err << "zombiectl: " << t.error().message << "\n";
	return t;
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

std::optional<long long> read_number(const Tree &t, const std::string &rel)
{
	auto s = t.read(rel);
	if (!s)
		return std::nullopt;
	auto v = trim(*s);
	if (v == "max")
		return -1; // no limit
	char *end = nullptr;
	errno = 0;
	long long n = std::strtoll(v.c_str(), &end, 10);
	if (errno || end == v.c_str() || *end)
		return std::nullopt;
	return n;
}

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

// Whom `reap --children-of @ppid` (0: `--all`) looks at, ascending: the
// children /proc/<ppid>/task/*/children lists, else (no such file, as
// without CONFIG_PROC_CHILDREN) every numeric entry of the proc root.
// reap_one() reads each one's stat once and skips what scan_target() does
// not take.
std::vector<int> scan_candidates(const Tree &proc, int ppid)
{
	if (ppid)
		if (auto dir = ProcDir::open(proc, ppid))
			if (auto kids = dir->children())
				return *kids;
	return proc.pids();
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
	ReapEnv env;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	env.now_ms = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
	if (auto up = proc.read("uptime"))
		env.uptime_s = std::strtod(up->c_str(), nullptr);
	env.clk_tck = sysconf(_SC_CLK_TCK);
	env.grace_s = o.grace;
	env.force = o.force;
	env.privileged = has_cap_sys_admin();
	env.self_pid = getpid();
	return env;
}

// The comm of each parent, read once (only its stat) however many of its
// zombies are reaped; shared by the reap jobs.
class ParentComms
{
public:
	explicit ParentComms(const Tree &proc) : proc_(proc) {}
	std::string get(int ppid)
	{
		std::lock_guard<std::mutex> lock(mu_);
		auto it = comms_.find(ppid);
		if (it != comms_.end())
			return it->second;
		std::string comm;
		if (auto s = proc_.read(std::to_string(ppid) + "/stat"))
			if (auto st = parse_stat(*s))
				comm = st->comm;
		comms_.emplace(ppid, comm);
		return comm;
	}

private:
	const Tree &proc_;
	std::mutex mu_;
	std::map<int, std::string> comms_;
};

struct Outcome {
	bool skipped = false; // a candidate of a scan that is not a target
	int pid = 0;
	std::string comm;
	std::string outcome; // reaped, refused, failed, dry-run
	std::string reason;
	std::optional<int> exit_code;
	int ppid = 0;
	std::string pcomm;
};

std::string write_error(int e, const std::string &who)
{
	switch (e) {
	case EBUSY:
		return who + " is no longer a reapable zombie (running, traced "
			     "or a kernel thread)";
	case ESRCH:
		return who + " is gone: its parent reaped it meanwhile";
	case ENOENT:
		return who + ": its reap_zombie file is gone: the module was "
			     "unloaded or switched off meanwhile (modprobe "
			     "reap_zombie, or enable it)";
	case ENOTEMPTY:
		return who + " has live threads: they must exit first";
	case EPERM:
		return who + ": the kernel refused: reaping needs "
			     "CAP_SYS_ADMIN in the initial user namespace";
	case ETIMEDOUT:
		return who + ": the kernel did not finish in time; try again";
	default:
		return who + ": write to reap_zombie failed: " + errno_text(e);
	}
}

// Has the pidfd's process been released? (pidfd_send_signal: ESRCH)
bool released(int pidfd, const ProcDir &dir)
{
	if (pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) <
			   0 &&
		       errno == ESRCH;
	return !dir.read("stat");
}

// One target: named (@scan empty), or a candidate of `--children-of
// *@scan` (0: `--all`), skipped without a word unless scan_target() takes
// it. Before the write it reads stat alone (and sched only when the grace
// period decides): the kernel checks again under tasklist_lock whatever
// that cannot see (a tracer, a thread, live threads, a state changed
// since), so nothing unsafe is written. Every refusal, validate()'s or the
// kernel's, is then explained from a read of stat and status, as precisely
// as validate() can. A dry run reads them too, in place of the write.
Outcome reap_one(const Tree &proc, const PidArg &arg, const ReapEnv &env,
		 const Options &o, ParentComms &parents,
		 std::optional<int> scan)
{
	Outcome r;
	r.pid = arg.pid;
	auto dir = ProcDir::open(proc, arg.pid);
	if (!dir) {
		r.skipped = scan.has_value();
		r.outcome = "refused";
		r.reason = dir.error().message;
		return r;
	}
	// Hold the process: a pidfd where the kernel has them. A named target
	// takes it before its stat is read through the directory: a process
	// still there after pidfd_open() is the one the pidfd holds (its pid
	// could not be reused meanwhile), which PID:INODE needs before the
	// write. A candidate of a scan takes it just before the write, so the
	// processes skipped or refused cost none: its pidfd is only used once
	// a write through the directory has succeeded, which proves the same.
	UniqueFd pidfd;
	auto hold = [&] {
		pidfd.reset(
		    static_cast<int>(syscall(SYS_pidfd_open, arg.pid, 0)));
	};
	if (!scan)
		hold();
	auto info = dir->reap_info();
	if (!info) {
		r.skipped = scan.has_value();
		r.outcome = "refused";
		r.reason = info.error().message;
		return r;
	}
	if (scan && !scan_target(info->stat, *scan)) {
		r.skipped = true;
		return r;
	}
	r.comm = info->stat.comm;
	r.exit_code = info->stat.exit_code;
	r.ppid = info->stat.ppid;
	const std::string who =
	    "pid " + std::to_string(arg.pid) + " (" + r.comm + ")";
	if (arg.inode) {
		struct stat st {
		};
		if (!pidfd.valid() || fstat(pidfd.get(), &st) ||
		    st.st_ino != *arg.inode) {
			r.outcome = "refused";
			r.reason = who + " is not the process with inode " +
				   std::to_string(*arg.inode) +
				   " (PID:INODE needs pidfs, Linux 6.9+)";
			return r;
		}
	}
	// sched, read at most once for both verdicts
	std::optional<std::optional<double>> exec_start;
	auto load_exec_start = [&] {
		if (!exec_start)
			exec_start = dir->exec_start_ms();
		return *exec_start;
	};
	// Why it was refused, from stat and status read now; @fallback if
	// they cannot be read or show nothing wrong.
	auto explain = [&](bool after_write, const std::string &fallback) {
		auto full = dir->stat_and_status();
		if (!full)
			return fallback;
		return refusal_reason(*full, env, after_write, fallback,
				      load_exec_start);
	};
	auto v = validate_lazy(*info, env, load_exec_start);
	if (!v.ok) {
		r.outcome = "refused";
		r.reason = explain(false, v.reason);
		return r;
	}
	if (o.dry_run) {
		// No write, so no check by the kernel: stat and status stand
		// in for it, to refuse what the write would.
		auto full = dir->stat_and_status();
		if (!full) {
			r.outcome = "refused";
			r.reason = full.error().message;
			return r;
		}
		auto fv = validate_lazy(*full, env, load_exec_start);
		r.outcome = fv.ok ? "dry-run" : "refused";
		r.reason = fv.ok ? who + " would be reaped" : fv.reason;
		return r;
	}
	if (scan)
		hold();
	auto fd = dir->open_reap();
	if (!fd) {
		int e = fd.error().code;
		// no such file: the process is gone, or the module is
		if (e == ENOENT && !dir->read("stat"))
			e = ESRCH;
		r.outcome = e == ESRCH ? "refused" : "failed";
		r.reason = write_error(e, who);
		return r;
	}
	if (::write(fd->get(), "1", 1) != 1) {
		int e = errno;
		fd->reset();
		r.outcome = e == EBUSY || e == ESRCH || e == ENOTEMPTY
				? "refused"
				: "failed";
		r.reason = write_error(e, who);
		if (e == EBUSY || e == ENOTEMPTY)
			r.reason = explain(true, r.reason);
		return r;
	}
	if (!released(pidfd.get(), *dir)) {
		r.outcome = "failed";
		r.reason =
		    who +
		    ": the write succeeded but the process is still there";
		return r;
	}
	r.outcome = "reaped";
	r.pcomm = parents.get(r.ppid); // only the report of a reap shows it
	return r;
}

// Descriptors one reap_one() holds at most: the /proc/<pid> directory,
// the pidfd, then one file of it (stat, status, sched or reap_zombie) or a
// parent's stat; one more to spare.
constexpr rlim_t FDS_PER_JOB = 4;
constexpr rlim_t FDS_SPARE = 32; // stdio, the proc root, the library's

// How many of @jobs fit in RLIMIT_NOFILE, after raising its soft limit
// toward the hard one if they do not: a write refused with EMFILE would
// read as a failed reap.
unsigned jobs_within_fd_limit(unsigned jobs)
{
	struct rlimit rl {
	};
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return jobs;
	const rlim_t need = jobs * FDS_PER_JOB + FDS_SPARE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit up = rl;
		up.rlim_cur = rl.rlim_max == RLIM_INFINITY
				  ? need
				  : std::min(need, rl.rlim_max);
		if (up.rlim_cur > rl.rlim_cur && !setrlimit(RLIMIT_NOFILE, &up))
			rl = up;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return jobs;
	if (rl.rlim_cur < FDS_SPARE + FDS_PER_JOB)
		return 1;
	return static_cast<unsigned>((rl.rlim_cur - FDS_SPARE) / FDS_PER_JOB);
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
	std::vector<Result<PidArg>> targets;
	std::optional<int> scan; // the parent whose zombies, 0 for any
	if (!o.pids.empty()) {
		for (auto &s : o.pids)
			targets.push_back(parse_pid_arg(s));
	} else {
		scan = o.all ? 0 : o.children_of;
		for (int pid : scan_candidates(*proc, *scan))
			targets.push_back(PidArg{pid, std::nullopt});
	}
	auto env = reap_env(*proc, o);
	// Once for all targets: the module puts reap_zombie in every process's
	// directory while it is loaded and enabled, ours included. A target
	// whose file is gone by the time it is opened is told so.
	env.module_present = proc->exists("self/reap_zombie");
	// A pid named twice: its later mentions wait for the earlier ones to
	// finish, as they did one at a time, and find it gone.
	std::vector<std::size_t> round(targets.size(), 0);
	std::size_t rounds = 1;
	std::map<int, std::size_t> seen;
	for (std::size_t i = 0; i < targets.size(); i++)
		if (targets[i]) {
			round[i] = seen[targets[i]->pid]++;
			rounds = std::max(rounds, round[i] + 1);
		}
	const unsigned jobs = jobs_within_fd_limit(o.jobs);
	ParentComms parents(*proc);
	std::vector<Outcome> results(targets.size());
	for (std::size_t k = 0; k < rounds; k++) {
		std::vector<std::size_t> now;
		for (std::size_t i = 0; i < targets.size(); i++)
			if (round[i] == k)
				now.push_back(i);
		parallel_for(now.size(), jobs, [&](std::size_t j) {
			auto &t = targets[now[j]];
			auto &r = results[now[j]];
			if (t) {
				r = reap_one(*proc, *t, env, o, parents, scan);
				return;
			}
			r.outcome = "refused";
			r.reason = t.error().message;
		});
	}

	std::erase_if(results, [](const Outcome &r) { return r.skipped; });
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
	for (auto &r : results) {
		if (r.outcome == "reaped" && !o.json)
			out << "reaped pid " << r.pid << " (" << r.comm << "): "
			    << (r.exit_code ? describe_wait_status(*r.exit_code)
					    : "exit status unknown")
			    << ", parent " << r.ppid << " (" << r.pcomm
			    << ")\n";
		else if (r.outcome == "dry-run" && !o.json)
			out << r.reason << ": "
			    << (r.exit_code ? describe_wait_status(*r.exit_code)
					    : "exit status unknown")
			    << " (dry run)\n";
		else if (r.outcome != "reaped" && r.outcome != "dry-run")
			err << "zombiectl: " << r.reason << "\n";
	}
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
	bool estimated = false;
	auto age = zombie_age(*info, env, &estimated);

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
			std::snprintf(buf, sizeof(buf), ", dead %s%.1f s",
				      estimated ? "at most " : "", *age);
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
