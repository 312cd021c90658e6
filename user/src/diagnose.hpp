// SPDX-License-Identifier: GPL-2.0
// Why a zombie is not reaped: a pure decision over what reader.cpp gathered
// from /proc (no I/O here), for `zombiectl why PID`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"

namespace rz
{

// What would help, most useful first.
enum class Remedy {
	Reap,		// zombiectl reap PID
	SendSigcont,	// the parent is stopped: kill -CONT PPID
	SendSigchld,	// the parent may have lost a SIGCHLD: kill -CHLD PPID
	WaitForThreads, // the leader's other threads are alive
	WaitForTracer,	// a tracer holds the zombie
	Nothing,	// not a zombie
};

struct Finding {
	std::string
	    code; // short stable id for JSON, e.g. "parent-blocks-sigchld"
	std::string text; // one sentence for people, naming pids and comms
};

struct Diagnosis {
	std::vector<Finding> findings; // in the order they were checked
	Remedy remedy = Remedy::Nothing;
	std::string advice; // one sentence naming the next step
	// the commands the advice names, in the order to run them
	std::vector<std::string> commands;
	// a zombie dead for less than the grace period: in how many seconds
	// `zombiectl reap PID` takes it (`--force` takes it now)
	std::optional<double> reap_in_s;
};

// The machine as the advice must fit it, gathered by cmd_why. The defaults
// need no more than `zombiectl reap PID`.
struct Situation {
	bool module_loaded = true;  // /sys/module/reap_zombie exists
	bool module_enabled = true; // and its reap_zombie files are there
	// the zombie's age as `reap` judges it (zombie_age(): DEAD_MS of the
	// parent's listing with the module, else estimated), when known
	std::optional<double> age_s;
	bool age_estimated = false;
	double grace_s = 10; // reap's --grace
};

// zombie: the target; parent: its parent (zombie.stat.ppid), nullopt when
// gone or unreadable. Never advises killing PID 1 or a pid namespace's
// init (the last NSpid field 1).
Diagnosis diagnose(const ProcessInfo &zombie,
		   const std::optional<ProcessInfo> &parent,
		   const Situation &now = {});

// "reap", "sigcont", "sigchld", "wait-threads", "wait-tracer", "nothing".
std::string_view remedy_name(Remedy r);

} // namespace rz
