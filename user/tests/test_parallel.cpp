// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "parallel.hpp"

using namespace rz;

namespace
{

// How many calls overlap: the most seen at once.
struct Overlap {
	std::atomic<int> now{0}, most{0};
	void enter()
	{
		int n = ++now;
		int m = most.load();
		while (n > m && !most.compare_exchange_weak(m, n)) {
		}
	}
	void leave() { --now; }
};

// The threads of this process now, idle ones included.
std::size_t threads_alive()
{
	std::size_t n = 0;
	for ([[maybe_unused]] auto &e :
	     std::filesystem::directory_iterator("/proc/self/task"))
		n++;
	return n;
}

void nap(int ms)
{
	std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

} // namespace

TEST_SUITE("parallel_for")
{
	TEST_CASE("runs every index exactly once")
	{
		for (unsigned jobs : {1u, 2u, 8u, 32u}) {
			for (std::size_t n :
			     {std::size_t{0}, std::size_t{1},
			      std::size_t{jobs - 1}, std::size_t{jobs},
			      std::size_t{10000}}) {
				CAPTURE(jobs);
				CAPTURE(n);
				auto hits =
				    std::make_unique<std::atomic<int>[]>(n);
				std::atomic<std::size_t> calls{0}, bad{0};
				parallel_for(n, jobs, [&](std::size_t i) {
					calls++;
					if (i >= n)
						bad++;
					else
						hits[i]++;
				});
				CHECK(calls == n);
				CHECK(bad == 0);
				std::size_t once = 0;
				for (std::size_t i = 0; i < n; i++)
					once += hits[i] == 1;
				CHECK(once == n);
			}
		}
	}
	TEST_CASE("jobs 0 counts as 1")
	{
		std::atomic<int> calls{0};
		parallel_for(5, 0, [&](std::size_t) { calls++; });
		CHECK(calls == 5);
	}
	TEST_CASE("never more than jobs at once, nor more threads than "
		  "indices")
	{
		for (unsigned jobs : {1u, 3u, 8u}) {
			CAPTURE(jobs);
			Overlap o;
			parallel_for(8 * jobs, jobs, [&](std::size_t) {
				o.enter();
				nap(2);
				o.leave();
			});
			CHECK(o.most <= static_cast<int>(jobs));
			// and it does run them side by side
			if (jobs > 1)
				CHECK(o.most > 1);
		}
		std::mutex m;
		std::set<std::thread::id> ids;
		Overlap o;
		const auto before = threads_alive();
		std::atomic<std::size_t> alive{0};
		parallel_for(3, 32, [&](std::size_t) {
			o.enter();
			{
				std::lock_guard<std::mutex> g(m);
				ids.insert(std::this_thread::get_id());
			}
			nap(20);
			auto n = threads_alive();
			auto a = alive.load();
			while (n > a && !alive.compare_exchange_weak(a, n)) {
			}
			o.leave();
		});
		CHECK(ids.size() <= 3);
		CHECK(o.most <= 3);
		// idle threads count too: at most 2 beside the caller
		CHECK(alive <= before + 2);
		ids.clear();
		parallel_for(4, 1, [&](std::size_t) {
			std::lock_guard<std::mutex> g(m);
			ids.insert(std::this_thread::get_id());
		});
		CHECK(ids ==
		      std::set<std::thread::id>{std::this_thread::get_id()});
	}
	TEST_CASE("an exception is rethrown once every call has returned")
	{
		Overlap o;
		std::atomic<int> started{0}, finished{0};
		bool caught = false;
		try {
			parallel_for(64, 8, [&](std::size_t i) {
				started++;
				o.enter();
				if (i == 9) {
					nap(2);
					o.leave();
					finished++;
					throw std::runtime_error("task 9");
				}
				nap(30); // still running when task 9 throws
				o.leave();
				finished++;
			});
		} catch (const std::runtime_error &e) {
			caught = true;
			CHECK(std::string(e.what()) == "task 9");
			// nothing left running, nothing abandoned
			CHECK(o.now == 0);
			CHECK(started == finished);
		}
		CHECK(caught);
		// no new index after the failure: far fewer than 64 ran
		CHECK(started < 64);
	}
	TEST_CASE("the first exception wins, and no index starts after it")
	{
		// side by side: 0 throws at once, 1 later
		std::string what;
		std::atomic<int> in{0};
		try {
			parallel_for(2, 2, [&](std::size_t i) {
				in++;
				for (int k = 0; k < 1000 && in < 2; k++)
					nap(1); // both started
				if (i == 1)
					nap(30);
				throw std::runtime_error("task " +
							 std::to_string(i));
			});
		} catch (const std::runtime_error &e) {
			what = e.what();
		}
		CHECK(in == 2);
		CHECK(what == "task 0");

		std::atomic<int> calls{0};
		int thrown = -1;
		try {
			parallel_for(10, 1, [&](std::size_t i) {
				calls++;
				if (i == 3 || i == 5)
					throw static_cast<int>(i);
			});
		} catch (int i) {
			thrown = i;
		}
		CHECK(thrown == 3);
		CHECK(calls == 4);
	}
}
