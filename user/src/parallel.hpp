// SPDX-License-Identifier: GPL-2.0
// A fixed pool over an index range: fn(i) for every i in [0, n), at most
// @jobs at once. No I/O, no global state.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace rz
{

// Calls fn(i) once for each i in [0, n), on at most min(jobs, n) threads:
// the caller's own and min(jobs, n) - 1 started here (none when n <= 1 or
// jobs <= 1; jobs 0 counts as 1). Indices are handed out in ascending order;
// fn must be safe to call concurrently for distinct i, and writes its
// result by index (e.g. into a pre-sized vector) to keep the order.
//
// Returns once every started call has returned and every thread is joined.
// If a call throws, no further index is started, the calls in flight
// finish, and the first exception is rethrown in the caller. If a thread
// cannot be started, the work goes on with the threads there are.
template <class F> void parallel_for(std::size_t n, unsigned jobs, F &&fn)
{
	const std::size_t threads =
	    std::min<std::size_t>(n, std::max(jobs, 1u));
	if (threads == 0)
		return;
	std::atomic<std::size_t> next{0};
	std::atomic<bool> failed{false};
	std::exception_ptr first;
	std::mutex first_lock;
	auto work = [&] {
		while (!failed.load(std::memory_order_relaxed)) {
			std::size_t i =
			    next.fetch_add(1, std::memory_order_relaxed);
			if (i >= n)
				return;
			try {
				fn(i);
			} catch (...) {
				std::lock_guard<std::mutex> g(first_lock);
				if (!first)
					first = std::current_exception();
				failed.store(true, std::memory_order_relaxed);
			}
		}
	};
	{
		std::vector<std::jthread> pool;
		pool.reserve(threads - 1);
		try {
			while (pool.size() < threads - 1)
				pool.emplace_back(work);
		} catch (const std::system_error &) {
			// EAGAIN: fewer helpers; the caller works too
		}
		work();
	} // joins the pool
	if (first)
		std::rethrow_exception(first);
}

} // namespace rz
