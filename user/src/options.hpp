// SPDX-License-Identifier: GPL-2.0
// What the subcommands share: their options (filled in by app.cpp), the
// exit codes, and the helpers more than one of them uses.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "procfs.hpp"
#include "reader.hpp"
#include "result.hpp"
#include "validate.hpp"

namespace rz
{

enum ExitCode { EXIT_OK = 0, EXIT_NONE = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 64 };

struct Options {
	std::string proc_root = "/proc";
	std::string sys_root = "/sys";
	bool json = false;
	// list
	int parent = 0;
	std::string output; // -o: the table's columns, comma-separated
	bool noheadings = false;
	// why
	std::string why_pid;
	// reap
	std::vector<std::string> pids;
	int children_of = 0;
	bool all = false;
	double grace = 10;
	bool dry_run = false;
	bool force = false;
	unsigned jobs = 32; // writes in flight at once
	// watch (durations and the percentage as given: watch_policy.hpp)
	std::string interval = "15s";
	std::string textfile;
	std::string reap_older_than;
	std::string when_pressure;
	std::vector<std::string> watch_parents;
};

// The proc or sysfs root @path; on failure "zombiectl: why" on @err.
Result<Tree> open_root(const std::string &path, std::ostream &err);

// Both roots: the proc root, without which nothing is done (nullopt after
// saying why on @err), and the sysfs root, absent without a word (what needs
// it says so).
struct Roots {
	Tree proc;
	std::optional<Tree> sys;
};
std::optional<Roots> open_roots(const Options &o, std::ostream &err);

// Is the module loaded: /sys/module/reap_zombie under @sys (nullptr: no
// sysfs root)?
bool module_loaded(const Tree *sys);

// The decoded exit status of a zombie's stat ("exit 42"), or "unknown".
std::string exit_text(const Stat &st);

// What `reap` and `why` judge a zombie by: the clocks, --grace, --force,
// whether the caller has CAP_SYS_ADMIN, and its own pid.
ReapEnv reap_env(const Tree &proc, const Options &o);

} // namespace rz
