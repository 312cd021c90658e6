// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "reap_engine.hpp"

using namespace rz;

namespace
{
ListingEntry entry(int pid, long long dead_ms = 60000, long threads = 0,
		   bool traced = false)
{
	ListingEntry e;
	e.pid = pid;
	e.start = 1000 + static_cast<unsigned long long>(pid);
	e.status = (pid % 5) << 8;
	e.signal = 17;
	e.dead_ms = dead_ms;
	e.threads = threads;
	e.traced = traced;
	e.comm = "c" + std::to_string(pid);
	return e;
}

// The kernel's side of the batch form, as the contract puts it.
class FakeKernel : public BatchFile
{
public:
	std::vector<ListingEntry> zombies;
	std::vector<std::string> written;
	int reads = 0;
	int fail_read = 0;		// this read (1-based) fails: EIO
	std::set<int> traced_meanwhile; // become traced before the write
	std::set<int> reaped_by_parent; // gone before the write
	int fail_write = 0;		// every write fails so, doing nothing

	Result<std::string> read_listing() override
	{
		if (++reads == fail_read)
			return Error{EIO, "reading reap_zombie: I/O error"};
		std::string s;
		for (auto &z : zombies)
			s += listing_line(z);
		return s;
	}
	int write(std::string_view payload) override
	{
		written.emplace_back(payload);
		if (payload.size() > BATCH_WRITE_MAX)
			return EINVAL;
		if (fail_write)
			return fail_write;
		for (auto &z : zombies)
			z.traced = z.traced || traced_meanwhile.count(z.pid);
		std::erase_if(zombies, [&](const ListingEntry &z) {
			return reaped_by_parent.count(z.pid) > 0;
		});
		int first = 0;
		bool any = false;
		std::string p(payload);
		for (size_t at = 0; at < p.size();) {
			auto nl = p.find('\n', at);
			auto e = p.substr(at, nl - at);
			auto colon = e.find(':');
			int pid = std::stoi(e.substr(0, colon));
			auto start = std::stoull(e.substr(colon + 1));
			int err = ESRCH;
			for (size_t i = 0; i < zombies.size(); i++) {
				auto &z = zombies[i];
				if (z.pid != pid || z.start != start)
					continue;
				err = z.traced	  ? EBUSY
				      : z.threads ? ENOTEMPTY
						  : 0;
				if (!err)
					zombies.erase(zombies.begin() +
						      static_cast<long>(i));
				break;
			}
			any = any || !err;
			if (at == 0)
				first = err;
			at = nl + 1;
		}
		return any ? 0 : first;
	}
};

PlanOptions all(bool force = false)
{
	PlanOptions o;
	o.all = true;
	o.force = force;
	return o;
}
} // namespace

TEST_SUITE("reap_engine")
{
	TEST_CASE("one read, the writes, one more read; each target told")
	{
		FakeKernel k;
		k.zombies = {entry(42), entry(43, 60000, 1), entry(44, 100),
			     entry(45, 60000, 0, true)};
		auto r = reap_batch(k, 7, "sh", all(), false);
		CHECK_FALSE(r.no_batch);
		CHECK(k.reads == 2);
		CHECK(r.writes == 1);
		CHECK(k.written == std::vector<std::string>{"42:1042\n"});
		REQUIRE(r.outcomes.size() == 4);
		auto &a = r.outcomes[0];
		CHECK(a.pid == 42);
		CHECK(a.comm == "c42");
		CHECK(a.outcome == "reaped");
		CHECK(a.exit_code == 2 << 8);
		CHECK(a.ppid == 7);
		CHECK(a.pcomm == "sh");
		CHECK(r.outcomes[1].outcome == "refused");
		CHECK(r.outcomes[1].reason.find("1 live thread(s)") !=
		      std::string::npos);
		CHECK(r.outcomes[2].outcome == "refused");
		CHECK(r.outcomes[2].reason.find("grace period") !=
		      std::string::npos);
		CHECK(r.outcomes[3].outcome == "refused");
		CHECK(r.outcomes[3].reason.find("is traced") !=
		      std::string::npos);
		CHECK(k.zombies.size() == 3);
	}
	TEST_CASE("a dry run only reads")
	{
		FakeKernel k;
		k.zombies = {entry(42), entry(44, 100)};
		auto r = reap_batch(k, 7, "sh", all(), true);
		CHECK(k.reads == 1);
		CHECK(k.written.empty());
		CHECK(r.writes == 0);
		REQUIRE(r.outcomes.size() == 2);
		CHECK(r.outcomes[0].outcome == "dry-run");
		CHECK(r.outcomes[0].reason == "pid 42 (c42) would be reaped");
		CHECK(r.outcomes[0].exit_code == 2 << 8);
		CHECK(r.outcomes[1].outcome == "refused");
		CHECK(k.zombies.size() == 2);
	}
	TEST_CASE("nothing to write: no write, no second read")
	{
		FakeKernel k;
		k.zombies = {entry(44, 100)};
		auto r = reap_batch(k, 7, "sh", all(), false);
		CHECK(k.reads == 1);
		CHECK(k.written.empty());
		REQUIRE(r.outcomes.size() == 1);
		CHECK(r.outcomes[0].outcome == "refused");
		k.zombies.clear();
		r = reap_batch(k, 7, "sh", all(), false);
		CHECK(r.outcomes.empty());
		CHECK_FALSE(r.no_batch);
	}
	TEST_CASE("10,000 zombies: a handful of calls")
	{
		FakeKernel k;
		for (int pid = 10000; pid < 20000; pid++)
			k.zombies.push_back(entry(pid));
		auto r = reap_batch(k, 7, "sh", all(true), false);
		CHECK(k.reads == 2);
		CHECK(r.writes == 2); // 10,000 entries of 12 bytes
		for (auto &w : k.written)
			CHECK(w.size() <= BATCH_WRITE_MAX);
		CHECK(k.zombies.empty());
		REQUIRE(r.outcomes.size() == 10000);
		for (auto &o : r.outcomes)
			CHECK(o.outcome == "reaped");
	}
	TEST_CASE("refused by the kernel meanwhile, or gone meanwhile")
	{
		FakeKernel k;
		k.zombies = {entry(42), entry(43), entry(44)};
		k.traced_meanwhile = {43};
		k.reaped_by_parent = {44};
		auto r = reap_batch(k, 7, "sh", all(), false);
		REQUIRE(r.outcomes.size() == 3);
		CHECK(r.outcomes[0].outcome == "reaped");
		CHECK(r.outcomes[1].outcome == "refused");
		CHECK(r.outcomes[1].reason.find("pid 43 (c43) is traced") == 0);
		// gone from the listing after a write that reaped: counted
		// as reaped (the listing cannot tell who reaped it)
		CHECK(r.outcomes[2].outcome == "reaped");

		// a write that reaped none: its first entry's error
		FakeKernel n;
		n.zombies = {entry(42), entry(43)};
		n.reaped_by_parent = {42};
		n.traced_meanwhile = {43};
		r = reap_batch(n, 7, "sh", all(), false);
		REQUIRE(r.outcomes.size() == 2);
		CHECK(r.outcomes[0].outcome == "refused");
		CHECK(r.outcomes[0].reason ==
		      "pid 42 (c42) is gone: its parent reaped it meanwhile");
		CHECK(r.outcomes[1].outcome == "refused");
		CHECK(r.outcomes[1].reason.find("is traced") !=
		      std::string::npos);
	}
	TEST_CASE("named targets, repeats, not listed")
	{
		FakeKernel k;
		k.zombies = {entry(42), entry(43)};
		PlanOptions o;
		o.targets = {{43, 1043, "c43"},
			     {42, 1042, "c42"},
			     {43, 1043, "c43"},
			     {50, 1050, "c50"}};
		auto r = reap_batch(k, 7, "sh", o, false);
		REQUIRE(r.outcomes.size() == 4);
		CHECK(r.outcomes[0].outcome == "reaped");
		CHECK(r.outcomes[1].outcome == "reaped");
		CHECK(r.outcomes[2].outcome == "refused");
		CHECK(r.outcomes[2].reason == "pid 43 does not exist");
		CHECK(r.outcomes[3].outcome == "refused");
		CHECK(r.outcomes[3].reason.find("pid 50 (c50) is gone") == 0);
		CHECK(k.written ==
		      std::vector<std::string>{"43:1043\n42:1042\n"});
		// on a dry run a repeat says the same as its first mention
		k.zombies = {entry(42)};
		o.targets = {{42, 1042, "c42"}, {42, 1042, "c42"}};
		r = reap_batch(k, 7, "sh", o, true);
		REQUIRE(r.outcomes.size() == 2);
		CHECK(r.outcomes[1].outcome == "dry-run");
	}
	TEST_CASE("no batch form: the first read fails or is not a listing")
	{
		FakeKernel k;
		k.zombies = {entry(42)};
		k.fail_read = 1;
		auto r = reap_batch(k, 7, "sh", all(), false);
		REQUIRE(r.no_batch);
		CHECK(r.no_batch->code == EIO);
		CHECK(r.outcomes.empty());
		CHECK(k.written.empty());
	}
	TEST_CASE("the second read fails: failed, not reaped")
	{
		FakeKernel k;
		k.zombies = {entry(42), entry(44, 100)};
		k.fail_read = 2;
		auto r = reap_batch(k, 7, "sh", all(), false);
		REQUIRE(r.outcomes.size() == 2);
		CHECK(r.outcomes[0].outcome == "failed");
		CHECK(r.outcomes[0].reason.find("could not be read again") !=
		      std::string::npos);
		CHECK(r.outcomes[1].outcome == "refused");
	}
	TEST_CASE("a failed write: its first entry's errno, the rest retried")
	{
		FakeKernel k;
		k.zombies = {entry(42), entry(43), entry(44)};
		k.fail_write = EPERM;
		auto o = all();
		o.write_max = 16; // "42:1042\n43:1043\n", then "44:1044\n"
		auto r = reap_batch(k, 7, "sh", o, false);
		CHECK(r.writes == 2);
		REQUIRE(r.outcomes.size() == 3);
		CHECK(r.outcomes[0].outcome == "failed");
		CHECK(r.outcomes[0].reason ==
		      "pid 42 (c42): the kernel refused: reaping needs "
		      "CAP_SYS_ADMIN in the initial user namespace");
		CHECK(r.outcomes[1].outcome == "failed");
		CHECK(
		    r.outcomes[1].reason ==
		    "pid 43 (c43): not reaped: the write of its batch failed: "
		    "Operation not permitted; try again");
		CHECK(r.outcomes[2].outcome == "failed"); // first of its own
		CHECK(r.outcomes[2].reason.find("CAP_SYS_ADMIN") !=
		      std::string::npos);
		// still listed with nothing to tell: the write "succeeded"
		struct Liar : FakeKernel {
			int write(std::string_view) override { return 0; }
		} liar;
		liar.zombies = {entry(42)};
		r = reap_batch(liar, 7, "sh", all(), false);
		REQUIRE(r.outcomes.size() == 1);
		CHECK(r.outcomes[0].outcome == "failed");
		CHECK(r.outcomes[0].reason ==
		      "pid 42 (c42): the write succeeded but the process is "
		      "still there");
	}
}
