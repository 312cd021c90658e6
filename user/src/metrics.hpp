// SPDX-License-Identifier: GPL-2.0
// `zombiectl metrics`: the facts of `list` in the Prometheus text format
// 0.0.4, for node_exporter's textfile collector. Pure: observe.hpp gathers.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rz
{

// One zombie, as the metrics count it.
struct ZombieFact {
	int pid = 0;
	int ppid = 0;
	std::string parent_comm;     // "" when unknown
	std::string cgroup;	     // v2 path, "" when unknown
	std::optional<double> age_s; // since it last ran, where known
};

// pids.current and pids.max of a cgroup; max -1 is "max" (no limit).
struct CgroupPids {
	std::optional<long long> current;
	std::optional<long long> max;
};

struct MetricsSnapshot {
	std::vector<ZombieFact> zombies;
	std::optional<long long> tasks;	  // threads in use
	std::optional<long long> pid_max; // /proc/sys/kernel/pid_max
	// every cgroup holding zombies
	std::map<std::string, CgroupPids> cgroups;
	bool module_loaded = false;
	bool module_enabled = false;
	std::optional<unsigned long long> reaped_total; // while loaded
};

// The parents with most zombies, most first (ties: lower pid first), at
// most @n; the zombies of the others summed into *@rest.
struct ParentCount {
	int ppid = 0;
	std::string comm;
	long long zombies = 0;
};
std::vector<ParentCount> top_parents(const std::vector<ZombieFact> &zombies,
				     std::size_t n, long long *rest);

// How many parents reap_zombie_zombies_by_parent names before "other".
constexpr std::size_t TOP_PARENTS = 20;

// A label value as the exposition format wants it: `\` as `\\`, `"` as
// `\"`, newline as `\n`; bytes that are not UTF-8 as U+FFFD (a comm is any
// bytes, a label value UTF-8).
std::string escape_label_value(std::string_view v);

// A sample value: integers as such, -1 of pids.max as +Inf.
std::string limit_value(long long v);

// The whole exposition, a `# HELP` and `# TYPE` line for each family.
std::string format_metrics(const MetricsSnapshot &s);

} // namespace rz
