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
	bool module_present = false; // the process's reap_zombie file exists
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

// How long the zombie has been dead, in seconds: from se.exec_start, or
// bounded by the start time (estimated).
std::optional<double> zombie_age(const ProcessInfo &p, const ReapEnv &env,
				 bool *estimated);

Verdict validate(const ProcessInfo &p, const ReapEnv &env);

// validate(), for a @p read without sched (ProcDir::reap_info()): calls
// @exec_start once, into p.exec_start_ms, only when the grace period is
// what decides, so every other verdict costs no read of sched. The verdict
// is the one validate() gives @p with p.exec_start_ms loaded up front.
Verdict validate_lazy(ProcessInfo &p, const ReapEnv &env,
		      const std::function<std::optional<double>()> &exec_start);

} // namespace rz
