// SPDX-License-Identifier: GPL-2.0
// Pure parsers of /proc text: no I/O here, so tests can feed any text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace rz
{

// /proc/<pid>/stat, the fields the tool uses (numbers as in proc(5)).
struct Stat {
	int pid = 0;			  // 1
	std::string comm;		  // 2, without the parentheses
	char state = '?';		  // 3
	int ppid = 0;			  // 4
	int pgrp = 0;			  // 5
	int session = 0;		  // 6
	unsigned long flags = 0;	  // 9
	long num_threads = 0;		  // 20
	unsigned long long starttime = 0; // 22, clock ticks after boot
	int exit_signal = 0;		  // 38
	std::optional<int> exit_code;	  // 52, the raw wait status (3.5+)
};

Result<Stat> parse_stat(std::string_view text);

// Fields 3 and 4 (state, ppid) of stat, from its first bytes alone (a
// read of 256 bytes holds them: comm is at most 64): what `reap --all`
// reads of every process to find the zombies and their parents.
struct StatHead {
	char state = '?';
	int ppid = 0;
};
std::optional<StatHead> parse_stat_head(std::string_view text);

// /proc/<pid>/status as "Key" -> "value" (value without the tab).
using StatusMap = std::map<std::string, std::string, std::less<>>;
StatusMap parse_status(std::string_view text);

// The fields of status the tool uses.
struct Status {
	int tgid = 0;
	int ppid = 0;
	int tracer_pid = 0;
	long threads = 0;
	std::vector<int> nspid; // outermost first
	uint64_t sig_pnd = 0, shd_pnd = 0, sig_blk = 0, sig_ign = 0,
		 sig_cgt = 0;
};
Result<Status> parse_status_fields(std::string_view text);

// A hexadecimal signal mask as in SigBlk (bit n-1 is signal n).
std::optional<uint64_t> parse_sigmask(std::string_view hex);
bool mask_has(uint64_t mask, int sig);
std::string signal_name(int sig); // "SIGCHLD", "SIGRTMIN+3", "SIG32"
std::vector<std::string> mask_names(uint64_t mask);

// The cgroup v2 path ("0::/path") of /proc/<pid>/cgroup, if any.
std::optional<std::string> parse_cgroup_v2(std::string_view text);

// The pids of /proc/<pid>/task/<tid>/children ("12 13 "), in file order;
// anything that is not a positive pid is left out.
std::vector<int> parse_children(std::string_view text);

// se.exec_start (milliseconds of the scheduler clock) of /proc/<pid>/sched.
std::optional<double> parse_sched_exec_start(std::string_view text);

// A task state letter as people read it: 'D' -> "in disk sleep".
std::string_view state_name(char state);

// A raw wait status as people read it: "exit 42",
// "killed by SIGKILL (core dumped)".
std::string describe_wait_status(int status);

// A pid argument: "42" or util-linux's "42:inode". Positive, fits pid_t.
struct PidArg {
	int pid = 0;
	std::optional<uint64_t> inode;
};
Result<PidArg> parse_pid_arg(std::string_view text);

} // namespace rz
