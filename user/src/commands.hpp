// SPDX-License-Identifier: GPL-2.0
// The subcommands, over a proc root and a sysfs root so tests can feed
// fixture trees. Each returns the process exit code.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "reader.hpp"
#include "result.hpp"

namespace rz
{

enum ExitCode { EXIT_OK = 0, EXIT_NONE = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 64 };

struct Options {
	std::string proc_root = "/proc";
	std::string sys_root = "/sys";
	bool json = false;
	// list
	int parent = 0;
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

int cmd_list(const Options &o, std::ostream &out, std::ostream &err);
int cmd_why(const Options &o, std::ostream &out, std::ostream &err);
int cmd_reap(const Options &o, std::ostream &out, std::ostream &err);
int cmd_status(const Options &o, std::ostream &out, std::ostream &err);
int cmd_unload(const Options &o, std::ostream &out, std::ostream &err);
int cmd_metrics(const Options &o, std::ostream &out, std::ostream &err);
// Runs until SIGTERM or SIGINT (exit 0); blocks both while it runs.
int cmd_watch(const Options &o, std::ostream &out, std::ostream &err);

} // namespace rz
