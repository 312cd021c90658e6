// SPDX-License-Identifier: GPL-2.0
// What the tool knows of a process, gathered from /proc by reader.cpp and
// consumed by the pure decisions (validate.cpp, diagnose.cpp) and output.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "procfs.hpp"

namespace rz
{

// One task of a thread group (/proc/<pid>/task/<tid>/).
struct TaskInfo {
	int tid = 0;
	Stat stat;
	std::string wchan;		  // "" when unknown, "0" when running
	std::optional<std::string> stack; // kernel stack, readable by root only
};

struct ProcessInfo {
	int pid = 0; // as seen in the proc root the tool reads
	Stat stat;
	Status status;
	std::optional<std::string> cgroup; // v2 path, e.g. "/app"
	std::string wchan;
	std::optional<std::string> stack;
	std::optional<double> exec_start_ms; // se.exec_start of .../sched
	// DEAD_MS of its parent's reap_zombie listing (the batch form): its
	// age on one kernel clock, where the module gives it
	std::optional<double> dead_ms;
	std::vector<TaskInfo> tasks; // every task/<tid>, leader included
};

// PID 1 of the proc root's pid namespace (NSpid's first field, else the
// pid): never to be killed.
inline bool is_init(const ProcessInfo &p)
{
	return !p.status.nspid.empty() ? p.status.nspid.front() == 1
				       : p.pid == 1;
}

// The init of a pid namespace below the proc root's (NSpid's last field):
// killing it ends the whole namespace.
inline bool is_namespace_init(const ProcessInfo &p)
{
	return p.status.nspid.size() > 1 && p.status.nspid.back() == 1;
}

} // namespace rz
