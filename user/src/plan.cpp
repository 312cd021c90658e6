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
	const std::string w = who(e.pid, e.comm);
	if (e.threads > 0) {
		*reason = w + " is a zombie leader with " +
			  std::to_string(e.threads) +
			  " live thread(s): they must exit first (see "
			  "zombiectl why " +
			  std::to_string(e.pid) + ")";
		return Why::THREADS;
	}
	if (e.traced) {
		*reason = w +
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
		*reason = w + buf;
		return Why::YOUNG;
	}
	reason->clear();
	return Why::NONE;
}

Plan plan_batch(int ppid, const std::vector<ListingEntry> &listing,
		const PlanOptions &o)
{
	Plan p;
	std::map<int, const ListingEntry *> by_pid;
	for (auto &e : listing)
		by_pid.emplace(e.pid, &e); // a pid listed twice: the first

	std::vector<PlanTarget> all;
	if (o.all)
		for (auto &[pid, e] : by_pid)
			all.push_back(PlanTarget{pid, e->start, e->comm});
	const auto &targets = o.all ? all : o.targets;

	std::map<int, std::size_t> seen; // pid -> first mention
	std::vector<const ListingEntry *> to_write;
	for (std::size_t i = 0; i < targets.size(); i++) {
		const auto &t = targets[i];
		Decision d;
		d.pid = t.pid;
		d.comm = t.comm;
		auto [it, fresh] = seen.emplace(t.pid, i);
		if (!fresh) {
			d.why = Why::REPEAT;
			d.first = it->second;
			d.reason = who(d.pid, d.comm) + " is named twice";
			p.decisions.push_back(std::move(d));
			continue;
		}
		auto e = by_pid.find(t.pid);
		if (e == by_pid.end() ||
		    (t.start && *t.start != e->second->start)) {
			d.why = Why::NOT_LISTED;
			d.reason = who(d.pid, d.comm) +
				   " is gone: it is no longer a zombie child "
				   "of pid " +
				   std::to_string(ppid) +
				   " (its parent reaped it meanwhile)";
			p.decisions.push_back(std::move(d));
			continue;
		}
		d.entry = *e->second;
		d.comm = e->second->comm;
		d.why = refusal_of(*e->second, o.grace_s, o.force, &d.reason);
		d.write = d.why == Why::NONE;
		if (d.write)
			to_write.push_back(e->second);
		p.decisions.push_back(std::move(d));
	}

	std::string chunk;
	for (auto *e : to_write) {
		auto entry = std::to_string(e->pid) + ":" +
			     std::to_string(e->start) + "\n";
		if (!chunk.empty() &&
		    chunk.size() + entry.size() > o.write_max) {
			p.writes.push_back(std::move(chunk));
			chunk.clear();
		}
		chunk += entry;
	}
	if (!chunk.empty())
		p.writes.push_back(std::move(chunk));
	return p;
}

} // namespace rz
