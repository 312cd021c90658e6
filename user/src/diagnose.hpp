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
};

// zombie: the target; parent: its parent (zombie.stat.ppid), nullopt when
// gone or unreadable.
Diagnosis diagnose(const ProcessInfo &zombie,
		   const std::optional<ProcessInfo> &parent);

// "reap", "sigcont", "sigchld", "wait-threads", "wait-tracer", "nothing".
std::string_view remedy_name(Remedy r);

} // namespace rz
