// SPDX-License-Identifier: GPL-2.0
// Reading a proc tree. Every read of a process goes through one directory
// fd opened once, so a pid reused meanwhile is never mistaken for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fd.hpp"
#include "model.hpp"
#include "result.hpp"

namespace rz
{

// A directory of text files: the proc root, or a sysfs root.
class Tree
{
public:
	static Result<Tree> open(const std::string &path);
	Result<std::string> read(const std::string &rel) const;
	bool exists(const std::string &rel) const;
	std::vector<int> pids() const; // numeric entries, ascending
	int fd() const { return fd_.get(); }
	const std::string &path() const { return path_; }

private:
	UniqueFd fd_;
	std::string path_;
};

class ProcDir
{
public:
	static Result<ProcDir> open(const Tree &root, int pid);
	Result<std::string> read(const std::string &rel) const;
	// Everything the tool can read of the process: for list and why.
	Result<ProcessInfo> info(bool with_tasks = true) const;
	// What reaping needs before the write and no more: stat alone, as
	// reap_info_from_stat() turns it into a ProcessInfo (no tracer seen).
	Result<ProcessInfo> reap_info() const;
	// stat and status, as info() reads them, nothing else: what explains
	// a refusal (a tracer, a thread named instead of its process).
	Result<ProcessInfo> stat_and_status() const;
	// se.exec_start of sched, for the grace period; nullopt if unreadable.
	std::optional<double> exec_start_ms() const;
	// The children of the process, from task/<tid>/children of each of
	// its threads (CONFIG_PROC_CHILDREN), ascending; nullopt when no such
	// file could be read. A snapshot, and a loose one: the kernel resumes
	// each read() of the file by position, so a child released meanwhile
	// can hide another from it.
	std::optional<std::vector<int>> children() const;
	Result<UniqueFd> open_reap() const; // openat(dir, "reap_zombie")
	int pid() const { return pid_; }
	int fd() const { return fd_.get(); }

private:
	Result<Stat> read_stat() const; // "pid N is gone" when unreadable

	UniqueFd fd_;
	int pid_ = 0;
};

// The ProcessInfo of @pid for validate() from its stat alone: status.tgid
// is stat's pid (so the thread check cannot fire), ppid and threads come
// from stat, tracer_pid is 0 meaning "not read". Enough to write safely:
// the kernel checks again, under tasklist_lock, everything this cannot
// see or what changed since (not a zombie, not a thread-group leader,
// traced: EBUSY; live threads: ENOTEMPTY), and a refusal is explained from
// ProcDir::stat_and_status() afterwards.
ProcessInfo reap_info_from_stat(int pid, const Stat &st);

// @s without its trailing newlines and spaces (a one-line /proc or sysfs file).
std::string trim(std::string s);

// A number file of @t such as pid_max or pids.max: "123", or "max" as -1
// (no limit); nullopt when it cannot be read or is not a number.
std::optional<long long> read_number(const Tree &t, const std::string &rel);

} // namespace rz
