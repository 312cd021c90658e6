// SPDX-License-Identifier: GPL-2.0
// The batch reap of one parent's zombie children: read its reap_zombie
// listing, plan (plan.hpp), write the entries in chunks, read the listing
// again and report each target. No printing here: cmd_reap prints.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "reader.hpp"
#include "result.hpp"
#include "validate.hpp"

namespace rz
{

// What became of one target, as `reap` reports it.
struct Outcome {
	bool skipped = false; // a candidate of a scan that is not a target
	int pid = 0;
	std::string comm;
	std::string outcome; // reaped, refused, failed, dry-run
	std::string reason;
	std::optional<int> exit_code;
	int ppid = 0;
	std::string pcomm;
};

// A parent's reap_zombie file, as the engine uses it; tests fake it.
class BatchFile
{
public:
	virtual ~BatchFile() = default;
	// A fresh snapshot of the whole listing.
	virtual Result<std::string> read_listing() = 0;
	// One write(): 0 once it reaped at least one, else its errno.
	virtual int write(std::string_view payload) = 0;
};

// The file of @parent, opened through its directory fd (read and write,
// or read only for a dry run); an error when there is none (the module
// unloaded, switched off, or the caller not privileged).
Result<std::unique_ptr<BatchFile>> open_batch_file(const ProcDir &parent,
						   bool read_only);

// The message for @e, the errno of a write to reap_zombie, about @who.
std::string write_error(int e, const std::string &who);

struct BatchReport {
	// Set when the listing could not be read or parsed before anything
	// was written: no batch form (an older module); the caller may fall
	// back to the self form. @outcomes is empty then.
	std::optional<Error> no_batch;
	std::vector<Outcome> outcomes; // one per decision of the plan
	std::size_t writes = 0;	       // write() calls made
};

// Reaps @o's targets among the zombie children of @ppid (comm @pcomm)
// through @f: one read, the plan's writes, one more read to see which are
// gone (a reaped zombie is no longer listed). A dry run only reads.
// @tracer_of, when given, names the tracer of a zombie refused as traced
// (the listing says only that it is): 0 when unknown.
BatchReport reap_batch(BatchFile &f, int ppid, const std::string &pcomm,
		       const PlanOptions &o, bool dry_run,
		       const std::function<int(int)> &tracer_of = {});

// The listing of @ppid's zombie children, read once (read only); nullopt
// without the batch form (no module, an older one, not privileged).
std::optional<std::vector<ListingEntry>> read_listing_of(const Tree &proc,
							 int ppid);

// DEAD_MS of @pid (started at @start: stat field 22) in the listing of
// its parent @ppid; nullopt without the batch form or when not listed.
std::optional<long long> listed_dead_ms(const Tree &proc, int ppid, int pid,
					unsigned long long start);

// What `reap` was asked: named pids (@named), or the zombies of one parent
// (@scan, 0 for every parent: --all).
struct ReapRequest {
	std::vector<Result<PidArg>> named;
	std::optional<int> scan;
	ReapEnv env;
	bool dry_run = false;
	// targets worked on at once without the batch form; with it, stat
	// reads of named pids at once
	unsigned jobs = 32;
};

// Reaps what @q names and reports each target; a scan's outcomes are in
// pid order, named ones in the order named. With the module's batch form
// each parent costs one read of its listing and a few writes: named pids
// are grouped by parent after a read of their stat; --children-of reads
// nothing per process, --all the first bytes of /proc/N/stat of each
// process it meets (a parent's batch is done at its first zombie, so its
// other zombies are gone before the scan meets them). A single
// named pid takes the self form, its grace period judged on DEAD_MS of
// its parent's listing. Without the batch form (no module, an older one,
// not privileged) every target goes one by one through the self form, as
// validated from /proc.
std::vector<Outcome> reap(const Tree &proc, const ReapRequest &q);

// The clocks zombie_age() reads, now: CLOCK_MONOTONIC, @proc's uptime and
// the clock tick; every other field of ReapEnv at its default.
ReapEnv clock_env(const Tree &proc);

} // namespace rz
