// SPDX-License-Identifier: GPL-2.0
#include "validate.hpp"

#include <cmath>
#include <cstdio>

namespace rz
{

std::optional<double> zombie_age(const ProcessInfo &p, const ReapEnv &env,
				 bool *estimated, bool *bound)
{
	*estimated = false;
	if (bound)
		*bound = false;
	if (p.dead_ms)
		return std::max(0.0, *p.dead_ms / 1000.0);
	if (p.exec_start_ms && env.now_ms > 0) {
		*estimated = true;
		return std::max(0.0, (env.now_ms - *p.exec_start_ms) / 1000.0);
	}
	if (env.uptime_s > 0 && env.clk_tck > 0) {
		*estimated = true;
		if (bound)
			*bound = true;
		double started = static_cast<double>(p.stat.starttime) /
				 static_cast<double>(env.clk_tck);
		return std::max(0.0, env.uptime_s - started);
	}
	return std::nullopt;
}

Verdict validate(const ProcessInfo &p, const ReapEnv &env)
{
	Verdict v;
	const std::string who =
	    "pid " + std::to_string(p.pid) + " (" + p.stat.comm + ")";

	if (p.status.tgid != p.stat.pid) {
		v.reason = who + " is a thread of process " +
			   std::to_string(p.status.tgid) +
			   ", not a process: name its process";
		return v;
	}
	if (p.pid == env.self_pid) {
		v.reason = who + " is zombiectl itself";
		return v;
	}
	if (p.stat.state != 'Z') {
		// the next step: kill, except a kernel thread or an init
		const char *next = ": use kill";
		if (p.stat.flags & 0x00200000 /* PF_KTHREAD */)
			next = ": it is a kernel thread";
		else if (is_init(p))
			next = ": it is init (PID 1): nothing to reap, and do "
			       "not kill it";
		else if (is_namespace_init(p))
			next =
			    ": it is the init of a pid namespace: nothing to "
			    "reap, and do not kill it";
		v.reason = who + " is not a zombie, it is " +
			   std::string(state_name(p.stat.state)) + next;
		return v;
	}
	if (p.status.threads > 1) {
		v.reason = who + " is a zombie leader with " +
			   std::to_string(p.status.threads - 1) +
			   " live thread(s): they must exit first (see "
			   "zombiectl why " +
			   std::to_string(p.pid) + ")";
		return v;
	}
	if (p.status.tracer_pid) {
		v.reason = who + " is traced by pid " +
			   std::to_string(p.status.tracer_pid) +
			   ": its tracer must wait for it or detach";
		return v;
	}
	if (!env.module_present) {
		v.reason = who + ": /proc/" + std::to_string(p.pid) +
			   "/reap_zombie is missing: load the module (modprobe "
			   "reap_zombie) or enable it";
		return v;
	}
	if (!env.privileged) {
		v.reason = who + ": reaping needs CAP_SYS_ADMIN: run as root";
		return v;
	}
	bool bound = false;
	v.age_s = zombie_age(p, env, &v.age_estimated, &bound);
	if (!env.force && v.age_s && *v.age_s < env.grace_s) {
		char buf[192];
		std::snprintf(
		    buf, sizeof(buf),
		    " died %s%.1f s ago%s, less than the grace period "
		    "of %g s: its parent may still reap it (use "
		    "--force)",
		    bound ? "at most " : "", *v.age_s,
		    v.age_estimated ? " (estimated)" : "", env.grace_s);
		v.reason = who + buf;
		return v;
	}
	v.ok = true;
	return v;
}

Verdict validate_lazy(ProcessInfo &p, const ReapEnv &env,
		      const AgeLoader &load_age)
{
	// The age is read last, by the grace check alone: every check before
	// it passes with or without --force alike.
	if (!env.force && env.grace_s > 0) {
		ReapEnv forced = env;
		forced.force = true;
		if (validate(p, forced).ok)
			load_age(p);
	}
	return validate(p, env);
}

Verdict validate_lazy(ProcessInfo &p, const ReapEnv &env,
		      const std::function<std::optional<double>()> &exec_start)
{
	return validate_lazy(p, env, AgeLoader([&](ProcessInfo &q) {
				     q.exec_start_ms = exec_start();
			     }));
}

std::string
refusal_reason(ProcessInfo &full, const ReapEnv &env, bool after_write,
	       const std::string &fallback,
	       const std::function<std::optional<double>()> &exec_start)
{
	return refusal_reason(
	    full, env, after_write, fallback,
	    AgeLoader([&](ProcessInfo &q) { q.exec_start_ms = exec_start(); }));
}

std::string refusal_reason(ProcessInfo &full, const ReapEnv &env,
			   bool after_write, const std::string &fallback,
			   const AgeLoader &load_age)
{
	ReapEnv e = env;
	if (after_write)
		e.force = true;
	auto v = validate_lazy(full, e, load_age);
	return v.ok ? fallback : v.reason;
}

bool scan_target(const Stat &st, int ppid)
{
	return st.state == 'Z' && (!ppid || st.ppid == ppid);
}

} // namespace rz
