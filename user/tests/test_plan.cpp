// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "plan.hpp"

using namespace rz;

namespace
{
ListingEntry entry(int pid, long long dead_ms = 60000, long threads = 0,
		   bool traced = false, const std::string &comm = "w")
{
	ListingEntry e;
	e.pid = pid;
	e.start = 1000 + static_cast<unsigned long long>(pid);
	e.status = 3 << 8;
	e.signal = 17;
	e.dead_ms = dead_ms;
	e.threads = threads;
	e.traced = traced;
	e.comm = comm;
	return e;
}

PlanOptions all(double grace = 10, bool force = false)
{
	PlanOptions o;
	o.all = true;
	o.grace_s = grace;
	o.force = force;
	return o;
}

PlanOptions named(std::vector<PlanTarget> t, double grace = 10,
		  bool force = false)
{
	PlanOptions o;
	o.targets = std::move(t);
	o.grace_s = grace;
	o.force = force;
	return o;
}

// Every "PID:START" of the payloads, checking their grammar on the way.
std::vector<std::string> entries(const Plan &p)
{
	std::vector<std::string> out;
	for (auto &w : p.writes) {
		REQUIRE(!w.empty());
		REQUIRE(w.back() == '\n');
		size_t at = 0;
		while (at < w.size()) {
			auto nl = w.find('\n', at);
			auto e = w.substr(at, nl - at);
			REQUIRE(e.find(':') != std::string::npos);
			out.push_back(e);
			at = nl + 1;
		}
	}
	return out;
}
} // namespace

TEST_SUITE("plan")
{
	TEST_CASE("all: every listed zombie, in pid order, one write")
	{
		auto p =
		    plan_batch(7, {entry(50), entry(42), entry(44)}, all());
		REQUIRE(p.decisions.size() == 3);
		CHECK(p.decisions[0].pid == 42);
		CHECK(p.decisions[1].pid == 44);
		CHECK(p.decisions[2].pid == 50);
		for (auto &d : p.decisions) {
			CHECK(d.write);
			CHECK(d.why == Why::NONE);
			REQUIRE(d.entry);
			CHECK(d.entry->status == 768);
		}
		CHECK(p.writes ==
		      std::vector<std::string>{"42:1042\n44:1044\n50:1050\n"});
		// nothing listed: nothing to write
		p = plan_batch(7, {}, all());
		CHECK(p.decisions.empty());
		CHECK(p.writes.empty());
	}
	TEST_CASE("the grace period is judged on DEAD_MS, --force skips it")
	{
		auto l = std::vector<ListingEntry>{
		    entry(42, 3000), entry(43, 10000), entry(44, 9999)};
		auto p = plan_batch(7, l, all(10));
		REQUIRE(p.decisions.size() == 3);
		CHECK_FALSE(p.decisions[0].write);
		CHECK(p.decisions[0].why == Why::YOUNG);
		CHECK(p.decisions[0].reason ==
		      "pid 42 (w) died 3.0 s ago, less than the grace period "
		      "of 10 s: its parent may still reap it (use --force)");
		CHECK(p.decisions[1].write); // exactly the grace period
		CHECK(p.decisions[2].why == Why::YOUNG);
		CHECK(p.writes == std::vector<std::string>{"43:1043\n"});
		p = plan_batch(7, l, all(10, true));
		CHECK(entries(p).size() == 3);
		p = plan_batch(7, l, all(0));
		CHECK(entries(p).size() == 3);
		p = plan_batch(7, l, all(2.5));
		CHECK(entries(p).size() == 3);
		p = plan_batch(7, l, all(3.5));
		CHECK(entries(p) ==
		      std::vector<std::string>{"43:1043", "44:1044"});
	}
	TEST_CASE("traced and live threads are refused, even with --force")
	{
		auto l = std::vector<ListingEntry>{
		    entry(42), entry(43, 60000, 2), entry(44, 60000, 0, true),
		    entry(45, 60000, 1, true), entry(46, 10)};
		for (bool force : {false, true}) {
			CAPTURE(force);
			auto p = plan_batch(7, l, all(10, force));
			REQUIRE(p.decisions.size() == 5);
			CHECK(p.decisions[1].why == Why::THREADS);
			CHECK(p.decisions[1].reason ==
			      "pid 43 (w) is a zombie leader with 2 live "
			      "thread(s): they must exit first (see zombiectl "
			      "why 43)");
			CHECK(p.decisions[2].why == Why::TRACED);
			CHECK(p.decisions[2].reason.find(
				  "pid 44 (w) is traced: its tracer must wait "
				  "for it or detach") == 0);
			// threads are named before the tracer, as validate()
			CHECK(p.decisions[3].why == Why::THREADS);
			CHECK(p.decisions[4].why ==
			      (force ? Why::NONE : Why::YOUNG));
			auto want = std::vector<std::string>{"42:1042"};
			if (force)
				want.push_back("46:1046");
			CHECK(entries(p) == want);
		}
	}
	TEST_CASE("named targets: not listed, stale START, any START")
	{
		auto l =
		    std::vector<ListingEntry>{entry(42), entry(43), entry(44)};
		auto p = plan_batch(
		    7, l,
		    named({{44, 1044, "w"},
			   {99, 1099, "gone"},
			   {43, 5, "reused"}, // another process on pid 43
			   {42, std::nullopt, ""}}));
		REQUIRE(p.decisions.size() == 4);
		CHECK(p.decisions[0].pid == 44); // the order given
		CHECK(p.decisions[0].write);
		CHECK(p.decisions[1].why == Why::NOT_LISTED);
		CHECK(p.decisions[1].reason ==
		      "pid 99 (gone) is gone: it is no longer a zombie child "
		      "of pid 7 (its parent reaped it meanwhile)");
		CHECK_FALSE(p.decisions[1].entry);
		CHECK(p.decisions[2].why == Why::NOT_LISTED);
		CHECK(p.decisions[2].reason.find("pid 43 (reused) is gone") ==
		      0);
		CHECK(p.decisions[3].write); // no START to match: the listed
		CHECK(p.decisions[3].comm == "w"); // the listing's comm
		CHECK(entries(p) ==
		      std::vector<std::string>{"44:1044", "42:1042"});
	}
	TEST_CASE("duplicates: written once, the later mentions point back")
	{
		auto l = std::vector<ListingEntry>{entry(42), entry(43, 5)};
		auto p = plan_batch(7, l,
				    named({{42, 1042, "w"},
					   {43, 1043, "w"},
					   {42, 1042, "w"},
					   {43, 1043, "w"}}));
		REQUIRE(p.decisions.size() == 4);
		CHECK(p.decisions[2].why == Why::REPEAT);
		CHECK(p.decisions[2].first == 0);
		CHECK_FALSE(p.decisions[2].write);
		CHECK(p.decisions[3].why == Why::REPEAT);
		CHECK(p.decisions[3].first == 1);
		CHECK(entries(p) == std::vector<std::string>{"42:1042"});
		// a pid listed twice (never, but): decided once
		p = plan_batch(7, {entry(42), entry(42)}, all());
		CHECK(p.decisions.size() == 1);
		CHECK(entries(p).size() == 1);
	}
	TEST_CASE("writes are chunked at 64 KiB, 65,536 bytes allowed")
	{
		// entries of 16 bytes with their newline: "PPPPP:SSSSSSSSS\n"
		auto sized = [](int n) {
			std::vector<ListingEntry> l;
			for (int i = 0; i < n; i++) {
				auto e = entry(10000 + i);
				e.start = 100000000 + static_cast<unsigned>(i);
				l.push_back(e);
			}
			return l;
		};
		auto p = plan_batch(7, sized(4096), all()); // 65,536 bytes
		REQUIRE(p.writes.size() == 1);
		CHECK(p.writes[0].size() == 65536);
		p = plan_batch(7, sized(4097), all());
		REQUIRE(p.writes.size() == 2);
		CHECK(p.writes[0].size() == 65536);
		CHECK(p.writes[1] == "14096:100004096\n");
		// each written decision knows its payload, and which came
		// first in it (the one whose errno a failed write returns)
		CHECK(p.decisions[0].chunk == 0);
		CHECK(p.decisions[0].first_in_chunk);
		CHECK(p.decisions[1].chunk == 0);
		CHECK_FALSE(p.decisions[1].first_in_chunk);
		CHECK(p.decisions[4095].chunk == 0);
		CHECK(p.decisions[4096].chunk == 1);
		CHECK(p.decisions[4096].first_in_chunk);
		// 10,000 zombies: every entry once, in order, none cut
		auto l = sized(10000);
		p = plan_batch(7, l, all());
		CHECK(p.writes.size() == 3);
		std::set<std::string> seen;
		size_t total = 0;
		for (auto &w : p.writes) {
			CHECK(w.size() <= BATCH_WRITE_MAX);
			total += w.size();
		}
		CHECK(total == 16 * 10000);
		auto e = entries(p);
		REQUIRE(e.size() == 10000);
		CHECK(e.front() == "10000:100000000");
		CHECK(e.back() == "19999:100009999");
		seen.insert(e.begin(), e.end());
		CHECK(seen.size() == 10000);
		// a smaller bound, for the engine's tests
		auto o = all();
		o.write_max = 40;
		p = plan_batch(7, sized(5), o);
		CHECK(p.writes == std::vector<std::string>{
				      "10000:100000000\n10001:100000001\n",
				      "10002:100000002\n10003:100000003\n",
				      "10004:100000004\n"});
	}
}
