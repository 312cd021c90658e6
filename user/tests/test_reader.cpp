// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <string>

#include "fixture.hpp"
#include "reader.hpp"

using namespace rz;
using namespace rz::test;

namespace
{
// pid 42 (worker), a traced zombie leader with 3 threads, exit 42, started
// at tick 777, with every file info() reads.
void seed(ProcTree &t)
{
	t.process(42, stat_text(42, "worker", 'Z', 7, 3, 42 << 8, 777),
		  status_text(42, 7, 99, 3), true, "0::/app\n");
	t.write("proc/42/stack", "[<0>] do_exit+0x1/0x2\n");
	t.write("proc/42/sched",
		"worker (42, #threads: 3)\n"
		"---------------------------------------\n"
		"se.exec_start                :      1234.5\n");
	t.write("proc/42/task/43/stat",
		stat_text(43, "worker", 'D', 7, 3, 0, 778));
	t.write("proc/42/task/43/wchan", "io_schedule");
}
} // namespace

TEST_SUITE("reader")
{
	TEST_CASE("reap_info has what validate() needs, from stat and status")
	{
		ProcTree t;
		seed(t);
		auto proc = Tree::open(t.proc());
		REQUIRE(proc);
		auto dir = ProcDir::open(*proc, 42);
		REQUIRE(dir);
		auto p = dir->reap_info();
		REQUIRE(p);
		CHECK(p->pid == 42);
		CHECK(p->stat.pid == 42);
		CHECK(p->stat.comm == "worker");
		CHECK(p->stat.state == 'Z');
		CHECK(p->stat.ppid == 7);
		CHECK(p->stat.starttime == 777);
		REQUIRE(p->stat.exit_code);
		CHECK(*p->stat.exit_code == 42 << 8);
		CHECK(p->status.tgid == 42);
		CHECK(p->status.tracer_pid == 99);
		CHECK(p->status.threads == 3);
		// and nothing of what only list and why show
		CHECK_FALSE(p->cgroup);
		CHECK(p->wchan.empty());
		CHECK_FALSE(p->stack);
		CHECK_FALSE(p->exec_start_ms);
		CHECK(p->tasks.empty());
		// which info() still reads
		auto full = dir->info(true);
		REQUIRE(full);
		CHECK(full->stat.comm == p->stat.comm);
		CHECK(full->status.threads == p->status.threads);
		CHECK(full->cgroup == std::optional<std::string>("/app"));
		CHECK(full->wchan == "0");
		CHECK(full->stack ==
		      std::optional<std::string>("[<0>] do_exit+0x1/0x2"));
		REQUIRE(full->exec_start_ms);
		CHECK(*full->exec_start_ms == doctest::Approx(1234.5));
		REQUIRE(full->tasks.size() == 2);
		CHECK(full->tasks[1].wchan == "io_schedule");
		// the grace period's sched, on demand
		auto es = dir->exec_start_ms();
		REQUIRE(es);
		CHECK(*es == doctest::Approx(1234.5));
	}
	TEST_CASE("reap_info fails as info does")
	{
		ProcTree t;
		seed(t);
		auto proc = Tree::open(t.proc());
		REQUIRE(proc);
		auto dir = ProcDir::open(*proc, 42);
		REQUIRE(dir);
		t.write("proc/42/status", "Name:\tworker\n");
		auto p = dir->reap_info();
		REQUIRE_FALSE(p);
		auto full = dir->info(true);
		REQUIRE_FALSE(full);
		CHECK(p.error().message == full.error().message);
		CHECK(p.error().message.find("Threads") != std::string::npos);

		std::filesystem::remove(t.proc() + "/42/status");
		p = dir->reap_info();
		REQUIRE_FALSE(p);
		CHECK(p.error().code == ESRCH);
		CHECK(p.error().message == "pid 42 is gone");
		CHECK(dir->info(true).error().message == "pid 42 is gone");

		std::filesystem::remove(t.proc() + "/42/sched");
		CHECK_FALSE(dir->exec_start_ms());
	}
}
