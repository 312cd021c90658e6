// SPDX-License-Identifier: GPL-2.0
// Whether zombiectl may write to a process's reap_zombie file: pure.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "model.hpp"

namespace rz
{

struct ReapEnv {
	bool module_present = false; // reap_zombie files exist (once per run)
	bool privileged = false;     // CAP_SYS_ADMIN
	double now_ms = 0;	     // scheduler clock now (CLOCK_MONOTONIC)
	double uptime_s = 0;	     // /proc/uptime, for the start-time bound
	long clk_tck = 100;
	double grace_s = 10;
	bool force = false;
	int self_pid = 0;
};

struct Verdict {
	bool ok = false;
	std::string reason; // one sentence: pid, what is wrong, the next step
	std::optional<double> age_s;
	bool age_estimated = false;
};

// How long the zombie has been dead, in seconds: DEAD_MS of its parent's
// listing where the module gave it; else estimated (*@estimated): from
// se.exec_start (the scheduler's task clock, which leaves out interrupt
// and steal time where they are accounted), or bounded by the start time
// (*@bound: "at most").
std::optional<double> zombie_age(const ProcessInfo &p, const ReapEnv &env,
				 bool *estimated, bool *bound = nullptr);

Verdict validate(const ProcessInfo &p, const ReapEnv &env);

// validate(), for a @p read without sched (ProcDir::reap_info()): calls
// @exec_start once, into p.exec_start_ms, only when the grace period is
// what decides, so every other verdict costs no read of sched. The verdict
// is the one validate() gives @p with p.exec_start_ms loaded up front.
Verdict validate_lazy(ProcessInfo &p, const ReapEnv &env,
		      const std::function<std::optional<double>()> &exec_start);

// The same with the age loaded by @load_age into @p (p.dead_ms, else
// p.exec_start_ms), once, only when the grace period decides.
using AgeLoader = std::function<void(ProcessInfo &)>;
Verdict validate_lazy(ProcessInfo &p, const ReapEnv &env,
		      const AgeLoader &load_age);

// Why a refused target was refused, for the report: validate()'s reason on
// @full, a read of its stat and status made after the refusal (a verdict on
// stat alone cannot see a tracer or a thread named instead of its process;
// the kernel's EBUSY and ENOTEMPTY do not say which check failed). Once the
// kernel has refused the write (@after_write) the grace period is not
// judged again. @fallback when @full shows nothing to refuse (it changed
// meanwhile). @exec_start as for validate_lazy().
std::string
refusal_reason(ProcessInfo &full, const ReapEnv &env, bool after_write,
	       const std::string &fallback,
	       const std::function<std::optional<double>()> &exec_start);
std::string refusal_reason(ProcessInfo &full, const ReapEnv &env,
			   bool after_write, const std::string &fallback,
			   const AgeLoader &load_age);

// Is @st one that `reap --children-of @ppid` (0: `--all`) is about: a
// zombie, of that parent? The others are skipped without a word.
bool scan_target(const Stat &st, int ppid);

} // namespace rz
