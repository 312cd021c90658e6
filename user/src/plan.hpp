// SPDX-License-Identifier: GPL-2.0
// What to write to a parent's reap_zombie file (the batch form), decided
// from its parsed listing and the options alone: pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "listing.hpp"

namespace rz
{

// The most one write() to reap_zombie takes (65,536 bytes is allowed).
constexpr std::size_t BATCH_WRITE_MAX = 65536;

// A zombie named on the command line, as its stat read it.
struct PlanTarget {
	int pid = 0;
	std::optional<unsigned long long> start; // field 22; nullopt: any
	std::string comm;			 // "" when unknown
};

struct PlanOptions {
	bool all = false; // every zombie listed; @targets is ignored
	std::vector<PlanTarget> targets;
	double grace_s = 10;
	bool force = false; // skip the grace period, only that
	std::size_t write_max = BATCH_WRITE_MAX;
};

enum class Why {
	NONE,	    // written (or, on a dry run, would be)
	NOT_LISTED, // not a zombie child of the parent (gone, or reused)
	THREADS,    // a leader with live threads
	TRACED,
	YOUNG,	// dead for less than the grace period
	REPEAT, // named again: decided by its first mention
};

struct Decision {
	int pid = 0;
	std::string comm; // the listing's, else the target's
	bool write = false;
	std::optional<ListingEntry> entry; // its line, when listed
	Why why = Why::NONE;
	std::string reason;    // a refusal: pid, why, the next step
	std::size_t first = 0; // Why::REPEAT: the index of the first mention
	std::size_t chunk = 0; // written: the index of its payload
	bool first_in_chunk = false; // its errno is the one a failed write
				     // of that payload returns
};

struct Plan {
	// One per target, in their order; for `all`, one per listed zombie
	// in ascending pid order.
	std::vector<Decision> decisions;
	// The payloads: "PID:START" entries one newline apart, a final
	// newline, each at most write_max bytes; every written entry once.
	std::vector<std::string> writes;
};

// Why @e would be refused (THREADS, TRACED, YOUNG in that order, as
// validate() orders them), or Why::NONE; @reason the sentence.
Why refusal_of(const ListingEntry &e, double grace_s, bool force,
	       std::string *reason);

// "pid N (comm)"
std::string who(int pid, const std::string &comm);

Plan plan_batch(int ppid, const std::vector<ListingEntry> &listing,
		const PlanOptions &o);

} // namespace rz
