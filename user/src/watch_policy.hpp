// SPDX-License-Identifier: GPL-2.0
// `zombiectl watch`: its arguments and its opt-in reaping policy. Pure:
// which zombies the policy names is decided from the listing and the
// pressure alone; cmd_watch.cpp reads them and reaps.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "listing.hpp"
#include "plan.hpp"
#include "result.hpp"

namespace rz
{

// "500ms", "1s", "2m", "1h", "1.5s"; a bare number is seconds. Not
// negative; in seconds.
Result<double> parse_duration(std::string_view text);

// "50%" or "50": a percentage above 0, at most 100.
Result<double> parse_percent(std::string_view text);

// "1.5 s", "2 m", as people read a duration back.
std::string format_duration(double seconds);

struct WatchPolicy {
	// reap zombies dead for at least this long; none: no reaping at all
	std::optional<double> older_than_s;
	// only while pids in use reach this share of pid_max, or of the
	// zombie's cgroup pids.max
	std::optional<double> pressure_pct;
	std::vector<std::string> parents; // only zombies of parents so named
	bool active() const { return older_than_s.has_value(); }
};

// In use against a limit: tasks against pid_max, or pids.current against
// pids.max (limit -1: "max", no limit).
struct Pressure {
	std::optional<long long> in_use;
	std::optional<long long> limit;
};

// in_use / limit in percent; nullopt without both or without a limit.
std::optional<double> pressure_pct(const Pressure &p);

enum class Pick {
	REAP,
	NO_POLICY,    // no --reap-older-than: never
	OTHER_PARENT, // --parent names others
	LOW_PRESSURE, // --when-pressure not reached
	YOUNG,	      // dead for less than --reap-older-than
	REFUSED,      // live threads or traced: the contract refuses it
};

// What the policy makes of one listed zombie of a parent called
// @parent_comm, with @host the pressure on pid_max and @cgroup that on
// its cgroup's pids.max.
Pick pick(const WatchPolicy &p, const ListingEntry &e,
	  const std::string &parent_comm, const Pressure &host,
	  const Pressure &cgroup);

// The targets among @listing (one parent's) that pick() says REAP, in
// listing order, each with its START so a reused pid is never hit;
// @cgroup_of gives the pressure on the cgroup of a listed pid.
std::vector<PlanTarget>
choose(const WatchPolicy &p, const std::vector<ListingEntry> &listing,
       const std::string &parent_comm, const Pressure &host,
       const std::function<Pressure(int pid)> &cgroup_of);

} // namespace rz
