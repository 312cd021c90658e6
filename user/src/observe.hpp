// SPDX-License-Identifier: GPL-2.0
// What `metrics` and `watch` read of a proc root and a sysfs root: every
// zombie, its parent, cgroup and age, the pid pressure and the module.
// Read only: a reap_zombie listing is opened O_RDONLY.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "listing.hpp"
#include "metrics.hpp"
#include "reader.hpp"
#include "result.hpp"

namespace rz
{

struct ParentObs {
	int ppid = 0;
	std::string comm; // "" when unknown
	// its reap_zombie listing, where the module gives it (loaded,
	// enabled, and the reader privileged)
	std::optional<std::vector<ListingEntry>> listing;
};

struct Observation {
	MetricsSnapshot metrics;
	// reap_zombie files exist (self/reap_zombie): loaded and enabled
	bool module_present = false;
	std::map<int, ParentObs> parents;     // every parent of a zombie
	std::map<int, std::string> cgroup_of; // zombie pid -> its cgroup
	// why a listing could not be read although the module is there
	std::optional<Error> listing_error;
};

// One pass over @proc (every numeric entry's stat; the cgroup of each
// zombie and its parent; each parent's listing once) and @sys (nullptr
// when there is none). Counts what this proc root shows, so inside a pid
// namespace what that namespace holds. Ages: DEAD_MS of the listing,
// else estimated from /proc/<pid>/sched as `list` does.
Observation observe(const Tree &proc, const Tree *sys);

// @text to @path atomically: a temporary file beside it (not ending in
// .prom, so the textfile collector never reads it half written), fsync,
// rename over @path, fsync of the directory. Mode 0644. The temporary
// is removed on any failure.
std::optional<Error> write_textfile(const std::string &path,
				    const std::string &text);

} // namespace rz
