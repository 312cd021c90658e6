// SPDX-License-Identifier: GPL-2.0
#include "diagnose.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace rz
{
namespace
{

constexpr int stack_lines = 3; // how much of a kernel stack a sentence shows

std::string who(const ProcessInfo &p)
{
	return std::to_string(p.pid) + " (" + p.stat.comm + ")";
}

std::string who(const TaskInfo &t)
{
	return std::to_string(t.tid) + " (" + t.stat.comm + ")";
}

std::string state_text(char state)
{
	return std::string(state_name(state)) + " (" + state + ")";
}

// " in WCHAN" when the kernel told us where it sleeps.
std::string wchan_text(const std::string &wchan)
{
	if (wchan.empty() || wchan == "0")
		return "";
	return " in " + wchan;
}

// " (stack: a+0x1/0x2, b+0x3/0x4, ...)" from /proc/<pid>/stack lines such
// as "[<0>] msleep+0x2d/0x40".
std::string stack_text(const std::optional<std::string> &stack)
{
	if (!stack)
		return "";
	std::string_view s = *stack;
	std::string out;
	int n = 0;
	bool more = false;
	while (!s.empty()) {
		auto nl = s.find('\n');
		auto line = s.substr(0, nl);
		s = nl == std::string_view::npos ? std::string_view{}
						 : s.substr(nl + 1);
		if (line.size() > 1 && line[0] == '[') {
			auto close = line.find("] ");
			if (close != std::string_view::npos)
				line.remove_prefix(close + 2);
		}
		while (!line.empty() &&
		       (line.back() == ' ' || line.back() == '\r'))
			line.remove_suffix(1);
		if (line.empty())
			continue;
		if (n == stack_lines) {
			more = true;
			break;
		}
		out += n++ ? ", " : "";
		out += line;
	}
	if (!n)
		return "";
	return " (stack: " + out + (more ? ", ..." : "") + ")";
}

bool is_live(char state)
{
	return state != 'Z' && state != 'X' && state != 'x';
}

void add(Diagnosis &d, const char *code, std::string text)
{
	d.findings.push_back(Finding{code, std::move(text)});
}

// Live tasks of the zombie's thread group other than the leader.
std::vector<const TaskInfo *> live_threads(const ProcessInfo &z)
{
	std::vector<const TaskInfo *> out;
	for (const auto &t : z.tasks)
		if (t.tid != z.pid && is_live(t.stat.state))
			out.push_back(&t);
	return out;
}

void check_parent(Diagnosis &d, const ProcessInfo &z, const ProcessInfo &p)
{
	const std::string par = "parent " + who(p);
	const char st = p.stat.state;

	if (st == 'D')
		add(d, "parent-blocked-in-kernel",
		    par + " is stuck in the kernel, " + state_text(st) +
			wchan_text(p.wchan) + stack_text(p.stack) +
			": it cannot wait for " + std::to_string(z.pid) +
			" and killing it will not help");
	else if (st == 'T')
		add(d, "parent-stopped",
		    par + " is stopped (T): it cannot wait for " +
			std::to_string(z.pid) + " until SIGCONT lets it run");
	else if (st == 't')
		add(d, "parent-traced-stop",
		    par + " is stopped by its tracer" +
			(p.status.tracer_pid
			     ? " " + std::to_string(p.status.tracer_pid)
			     : std::string()) +
			" (t): it cannot wait for " + std::to_string(z.pid) +
			" until the tracer resumes it (SIGCONT does not)");
	else if (st == 'Z')
		add(d, "parent-zombie",
		    par +
			" has exited itself (Z) while other threads of it "
			"live: it will never wait for " +
			std::to_string(z.pid));
	else
		add(d, "parent-state",
		    par + " is " + state_text(st) + wchan_text(p.wchan) +
			" but has not waited for " + std::to_string(z.pid));

	const auto &s = p.status;
	if (mask_has(s.sig_blk, SIGCHLD))
		add(d, "parent-blocks-sigchld",
		    par + " blocks SIGCHLD, so it is not told that " +
			std::to_string(z.pid) + " exited");
	if (mask_has(s.sig_ign, SIGCHLD))
		add(d, "parent-ignores-sigchld",
		    par +
			" ignores SIGCHLD, which makes the kernel reap "
			"children at exit, so " +
			std::to_string(z.pid) +
			" died before it was set and stays until the "
			"parent waits");
	else if (mask_has(s.sig_cgt, SIGCHLD))
		add(d, "parent-catches-sigchld",
		    par + " catches SIGCHLD but has not waited for " +
			std::to_string(z.pid) +
			": it is busy or its handler does not reap");
	else
		add(d, "parent-default-sigchld",
		    par + " leaves SIGCHLD at its default, so it learns of " +
			std::to_string(z.pid) +
			" only by calling wait(), which it has not done");
	if (mask_has(s.sig_pnd | s.shd_pnd, SIGCHLD))
		add(d, "parent-sigchld-pending",
		    "SIGCHLD is pending for " + par +
			": delivered but not yet handled");

	if (is_init(p))
		add(d, "parent-is-init",
		    par + " is PID 1, which inherits orphans and should wait "
			  "for them: it is busy, or not a real init");
	else if (is_namespace_init(p))
		add(d, "parent-is-namespace-init",
		    par + " is the init (PID 1) of a pid namespace, which "
			  "inherits the namespace's orphans: an init that does "
			  "not wait() leaves them as zombies");
}

// The last step, `zombiectl reap PID`, fitted to the machine: the module
// loaded and switched on first, and a zombie younger than the grace period
// taken when `reap` will take it, or now with --force. Its commands are
// added to @d.
std::string reap_step(Diagnosis &d, const std::string &pid,
		      const Situation &now)
{
	std::string text;
	if (!now.module_loaded) {
		d.commands.push_back("modprobe reap_zombie");
		text = "load the module: modprobe reap_zombie; then ";
	} else if (!now.module_enabled) {
		d.commands.push_back(
		    "echo 1 > /sys/module/reap_zombie/parameters/enabled");
		text = "switch the module on: echo 1 > "
		       "/sys/module/reap_zombie/parameters/enabled; then ";
	}
	d.commands.push_back("zombiectl reap " + pid);
	text += "run: zombiectl reap " + pid;
	if (now.age_s && *now.age_s < now.grace_s) {
		d.reap_in_s = std::ceil(now.grace_s - *now.age_s);
		char buf[192];
		std::snprintf(buf, sizeof(buf),
			      " in %.0f s (dead %.1f s%s, less than the grace "
			      "period of %g s: its parent may still reap it), "
			      "or now: zombiectl reap --force ",
			      *d.reap_in_s, *now.age_s,
			      now.age_estimated ? ", estimated" : "",
			      now.grace_s);
		text += buf + pid;
	}
	return text;
}

} // namespace

std::string_view remedy_name(Remedy r)
{
	switch (r) {
	case Remedy::Reap:
		return "reap";
	case Remedy::SendSigcont:
		return "sigcont";
	case Remedy::SendSigchld:
		return "sigchld";
	case Remedy::WaitForThreads:
		return "wait-threads";
	case Remedy::WaitForTracer:
		return "wait-tracer";
	case Remedy::Nothing:
		return "nothing";
	}
	return "nothing";
}

Diagnosis diagnose(const ProcessInfo &z,
		   const std::optional<ProcessInfo> &parent,
		   const Situation &now)
{
	Diagnosis d;
	const std::string pid = std::to_string(z.pid);

	if (z.stat.state != 'Z') {
		const std::string what = "pid " + who(z) +
					 " is not a zombie, it is " +
					 state_text(z.stat.state);
		d.remedy = Remedy::Nothing;
		// never kill an init: its zombie children are what to look at
		const std::string children =
		    "; for its zombie children, run: zombiectl list -P " + pid;
		if (is_init(z)) {
			add(d, "not-zombie",
			    what + ": it is init (PID 1), which cannot be "
				   "killed and must not be ended");
			d.advice = "nothing to reap, and do not kill it: pid " +
				   pid + " is init" + children;
		} else if (is_namespace_init(z)) {
			add(d, "not-zombie",
			    what + ": it is the init (PID 1) of a pid "
				   "namespace; killing it ends every process "
				   "of that namespace");
			d.advice = "nothing to reap, and do not kill it: pid " +
				   pid + " is the init of a pid namespace" +
				   children;
		} else {
			add(d, "not-zombie", what + ": use kill");
			d.advice =
			    "nothing to reap; to end it, use kill: kill " + pid;
			d.commands.push_back("kill " + pid);
			return d;
		}
		d.commands.push_back("zombiectl list -P " + pid);
		return d;
	}

	// Threads of the group that still run keep the leader unreapable.
	auto live = live_threads(z);
	long others = 0;
	if (!z.tasks.empty())
		others = static_cast<long>(live.size());
	else if (z.stat.num_threads > 1 || z.status.threads > 1)
		others = std::max(z.stat.num_threads, z.status.threads) - 1;
	if (others > 0) {
		std::string text = "zombie leader " + who(z) + " still has " +
				   std::to_string(others) + " live thread" +
				   (others == 1 ? "" : "s");
		for (size_t i = 0; i < live.size(); i++)
			text += (i ? ", " : ": ") + who(*live[i]) + " " +
				state_text(live[i]->stat.state) +
				wchan_text(live[i]->wchan);
		add(d, "live-threads",
		    text + "; the group is not reaped until " +
			(others == 1 ? "it exits" : "they exit") +
			" (reaping is refused with ENOTEMPTY)");
		for (const auto *t : live)
			if (t->stat.state == 'D')
				add(d, "thread-blocked-in-kernel",
				    "thread " + who(*t) + " of " + pid +
					" is stuck in the kernel" +
					wchan_text(t->wchan) +
					stack_text(t->stack) +
					": killing it will not help");
	}

	if (z.status.tracer_pid)
		add(d, "traced",
		    "pid " + who(z) + " is traced by " +
			std::to_string(z.status.tracer_pid) +
			": the tracer must wait for it or detach");

	if (z.stat.exit_signal != SIGCHLD)
		add(d, "exit-signal-not-sigchld",
		    "pid " + who(z) + " exits with " +
			(z.stat.exit_signal ? signal_name(z.stat.exit_signal)
					    : std::string("no signal")) +
			", not SIGCHLD: a plain wait() never sees it, only "
			"waitpid() with __WALL or __WCLONE");

	if (!parent) {
		if (z.stat.ppid == 0)
			add(d, "parent-outside-namespace",
			    "the parent of " + who(z) +
				" is outside this pid namespace (ppid 0)");
		else
			add(d, "parent-gone",
			    "parent " + std::to_string(z.stat.ppid) + " of " +
				who(z) + " is gone or unreadable");
	} else {
		check_parent(d, z, *parent);
	}

	// The remedy, most binding first.
	const ProcessInfo *p = parent ? &*parent : nullptr;
	const std::string ppid = p ? std::to_string(p->pid) : "";
	// An init's zombies are the module's to reap: no signal to it, and
	// never a kill.
	const bool init_parent = p && (is_init(*p) || is_namespace_init(*p));
	if (others > 0) {
		std::string threads;
		if (live.empty()) {
			threads = "the " + std::to_string(others) +
				  " live thread" + (others == 1 ? "" : "s");
		} else {
			threads = live.size() == 1 ? "thread" : "threads";
			for (size_t i = 0; i < live.size(); i++)
				threads += (i ? ", " : " ") +
					   std::to_string(live[i]->tid);
		}
		d.remedy = Remedy::WaitForThreads;
		d.advice = "wait for " + threads + " of " + pid +
			   " to exit, then " + reap_step(d, pid, now);
	} else if (z.status.tracer_pid) {
		const auto tr = std::to_string(z.status.tracer_pid);
		d.remedy = Remedy::WaitForTracer;
		d.advice = "let tracer " + tr + " wait for or detach from " +
			   pid +
			   (z.status.tracer_pid == 1
				? std::string()
				: " (or end it: kill " + tr + ")") +
			   ", then run: zombiectl why " + pid;
		d.commands.push_back("zombiectl why " + pid);
	} else if (p && !init_parent && p->stat.state == 'T') {
		d.remedy = Remedy::SendSigcont;
		d.advice = "send SIGCONT to " + ppid + ": kill -CONT " + ppid;
		d.commands.push_back("kill -CONT " + ppid);
	} else if (p && !init_parent && p->stat.state == 'S' &&
		   mask_has(p->status.sig_cgt, SIGCHLD) &&
		   !mask_has(p->status.sig_ign, SIGCHLD) &&
		   !mask_has(p->status.sig_blk, SIGCHLD) &&
		   !mask_has(p->status.sig_pnd | p->status.shd_pnd, SIGCHLD) &&
		   z.stat.exit_signal == SIGCHLD) {
		d.remedy = Remedy::SendSigchld;
		d.commands.push_back("kill -CHLD " + ppid);
		d.advice = "send SIGCHLD to " + ppid +
			   " in case it lost one: kill -CHLD " + ppid +
			   "; if " + pid + " stays, " + reap_step(d, pid, now);
	} else {
		d.remedy = Remedy::Reap;
		d.advice = reap_step(d, pid, now);
		if (p && is_init(*p))
			d.advice += " (its parent " + ppid +
				    " is init: killing it is no remedy)";
		else if (init_parent)
			d.advice += " (its parent " + ppid +
				    " is a pid namespace's init: killing it "
				    "would end the whole namespace)";
	}
	return d;
}

} // namespace rz
