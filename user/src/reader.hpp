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
	// What reaping needs and no more: stat and status, as info() reads
	// them. No cgroup, wchan, stack, sched nor task/ (empty in the result).
	Result<ProcessInfo> reap_info() const;
	// se.exec_start of sched, for the grace period; nullopt if unreadable.
	std::optional<double> exec_start_ms() const;
	Result<UniqueFd> open_reap() const; // openat(dir, "reap_zombie")
	bool has_reap_file() const;
	int pid() const { return pid_; }
	int fd() const { return fd_.get(); }

private:
	Result<ProcessInfo> stat_and_status() const;

	UniqueFd fd_;
	int pid_ = 0;
};

} // namespace rz
