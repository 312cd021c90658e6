// SPDX-License-Identifier: GPL-2.0
#include "plan.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace rz
{

std::string who(int pid, const std::string &comm)
{
	return "pid " + std::to_string(pid) + " (" + comm + ")";
}

Why refusal_of(const ListingEntry &e, double grace_s, bool force,
	       std::string *reason)
{
	// the sentence only for a refusal: most entries pass
	if (e.threads > 0) {
		*reason = who(e.pid, e.comm) + " is a zombie leader with " +
			  std::to_string(e.threads) +
			  " live thread(s): they must exit first (see "
			  "zombiectl why " +
			  std::to_string(e.pid) + ")";
		return Why::THREADS;
	}
	if (e.traced) {
		*reason = who(e.pid, e.comm) +
			  " is traced: its tracer must wait for it or "
			  "detach (see zombiectl why " +
			  std::to_string(e.pid) + ")";
		return Why::TRACED;
	}
	double age_s = static_cast<double>(e.dead_ms) / 1000.0;
	if (!force && age_s < grace_s) {
		char buf[160];
		std::snprintf(
		    buf, sizeof(buf),
		    " died %.1f s ago, less than the grace period of "
		    "%g s: its parent may still reap it (use --force)",
		    age_s, grace_s);
		*reason = who(e.pid, e.comm) + buf;
		return Why::YOUNG;
	}
	reason->clear();
	return Why::NONE;
}

namespace
{

// The decimal digits of @v appended to @out.
void append_number(std::string &out, unsigned long long v)
{
	char buf[20];
	char *p = buf + sizeof(buf);
	do {
		*--p = static_cast<char>('0' + v % 10);
		v /= 10;
	} while (v && p > buf);
	out.append(p, static_cast<std::size_t>(buf + sizeof(buf) - p));
}

// "PID:START\n" appended to @out.
void append_entry(std::string &out, const ListingEntry &e)
{
	append_number(out, static_cast<unsigned long long>(e.pid));
	out += ':';
	append_number(out, e.start);
	out += '\n';
}

} // namespace

Plan plan_batch(int ppid, const std::vector<ListingEntry> &listing,
		const PlanOptions &o)
{
	Plan p;
	// the listing by pid (a pid listed twice, never, but: the first)
	std::vector<const ListingEntry *> by_pid;
	by_pid.reserve(listing.size());
	for (auto &e : listing)
		by_pid.push_back(&e);
	auto pid_order = [](auto *a, auto *b) { return a->pid < b->pid; };
	if (!std::is_sorted(by_pid.begin(), by_pid.end(), pid_order))
		std::stable_sort(by_pid.begin(), by_pid.end(), pid_order);
	by_pid.erase(
	    std::unique(by_pid.begin(), by_pid.end(),
			[](auto *a, auto *b) { return a->pid == b->pid; }),
	    by_pid.end());
	auto find = [&](int pid) -> const ListingEntry * {
		auto it =
		    std::lower_bound(by_pid.begin(), by_pid.end(), pid,
				     [](auto *e, int v) { return e->pid < v; });
		return it != by_pid.end() && (*it)->pid == pid ? *it : nullptr;
	};

	std::vector<const ListingEntry *> to_write;
	std::vector<std::size_t> written; // their decisions
	auto decide = [&](Decision &d, const ListingEntry &e) {
		d.entry = e;
		d.comm = e.comm;
		d.why = refusal_of(e, o.grace_s, o.force, &d.reason);
		d.write = d.why == Why::NONE;
		if (d.write) {
			to_write.push_back(&e);
			written.push_back(p.decisions.size());
		}
	};
	if (o.all) {
		p.decisions.reserve(by_pid.size());
		for (auto *e : by_pid) {
			Decision d;
			d.pid = e->pid;
			decide(d, *e);
			p.decisions.push_back(std::move(d));
		}
	} else {
		std::map<int, std::size_t> seen; // pid -> first mention
		for (std::size_t i = 0; i < o.targets.size(); i++) {
			const auto &t = o.targets[i];
			Decision d;
			d.pid = t.pid;
			d.comm = t.comm;
			auto [it, fresh] = seen.emplace(t.pid, i);
			auto *e = fresh ? find(t.pid) : nullptr;
			if (!fresh) {
				d.why = Why::REPEAT;
				d.first = it->second;
				d.reason =
				    who(d.pid, d.comm) + " is named twice";
			} else if (!e || (t.start && *t.start != e->start)) {
				d.why = Why::NOT_LISTED;
				d.reason = who(d.pid, d.comm) +
					   " is gone: it is no longer a zombie "
					   "child of pid " +
					   std::to_string(ppid) +
					   " (its parent reaped it meanwhile)";
			} else {
				decide(d, *e);
			}
			p.decisions.push_back(std::move(d));
		}
	}

	std::string chunk;
	chunk.reserve(std::min(o.write_max, to_write.size() * 20));
	std::size_t first = 0; // the decision first in the chunk
	for (std::size_t k = 0; k < to_write.size(); k++) {
		const std::size_t before = chunk.size();
		append_entry(chunk, *to_write[k]);
		if (before && chunk.size() > o.write_max) {
			chunk.resize(before);
			p.writes.push_back(std::move(chunk));
			chunk.clear();
			chunk.reserve(o.write_max);
			append_entry(chunk, *to_write[k]);
			first = k;
		}
		auto &d = p.decisions[written[k]];
		d.chunk = p.writes.size();
		d.first_in_chunk = k == first;
	}
	if (!chunk.empty())
		p.writes.push_back(std::move(chunk));
	return p;
}

} // namespace rz
