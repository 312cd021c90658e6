// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

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
	TEST_CASE("reap_info reads stat alone and fills what validate() needs")
	{
		ProcTree t;
		seed(t);
		auto proc = Tree::open(t.proc());
		REQUIRE(proc);
		auto dir = ProcDir::open(*proc, 42);
		REQUIRE(dir);
		// status unreadable: reap_info does not need it
		t.write("proc/42/status", "Name:\tworker\n");
		auto p = dir->reap_info();
		REQUIRE(p);
		CHECK(p->pid == 42);
		CHECK(p->stat.pid == 42);
		CHECK(p->stat.comm == "worker");
		CHECK(p->stat.state == 'Z');
		CHECK(p->stat.ppid == 7);
		CHECK(p->stat.num_threads == 3);
		CHECK(p->stat.starttime == 777);
		REQUIRE(p->stat.exit_code);
		CHECK(*p->stat.exit_code == 42 << 8);
		// the Status fields validate() reads, from stat
		CHECK(p->status.tgid == 42);
		CHECK(p->status.ppid == 7);
		CHECK(p->status.threads == 3);
		CHECK(p->status.tracer_pid == 0); // not read
		CHECK(p->status.nspid.empty());
		CHECK(p->status.sig_blk == 0);
		// and nothing of what only list and why show
		CHECK_FALSE(p->cgroup);
		CHECK(p->wchan.empty());
		CHECK_FALSE(p->stack);
		CHECK_FALSE(p->exec_start_ms);
		CHECK(p->tasks.empty());

		// stat_and_status reads the tracer, and no more
		t.write("proc/42/status", status_text(42, 7, 99, 3));
		auto ss = dir->stat_and_status();
		REQUIRE(ss);
		CHECK(ss->stat.comm == "worker");
		CHECK(ss->status.tgid == 42);
		CHECK(ss->status.tracer_pid == 99);
		CHECK(ss->status.threads == 3);
		CHECK_FALSE(ss->cgroup);
		CHECK_FALSE(ss->exec_start_ms);
		CHECK(ss->tasks.empty());

		// which info() still reads
		auto full = dir->info(true);
		REQUIRE(full);
		CHECK(full->stat.comm == p->stat.comm);
		CHECK(full->status.threads == p->status.threads);
		CHECK(full->status.tracer_pid == 99);
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
	TEST_CASE("reap_info_from_stat: a thread's stat cannot tell it is one")
	{
		auto st = parse_stat(stat_text(43, "worker", 'Z', 7, 3));
		REQUIRE(st);
		auto p = reap_info_from_stat(43, *st);
		CHECK(p.pid == 43);
		CHECK(p.stat.comm == "worker");
		CHECK(p.status.tgid == 43); // stat has no Tgid
		CHECK(p.status.ppid == 7);
		CHECK(p.status.threads == 3);
		CHECK(p.status.tracer_pid == 0);
	}
	TEST_CASE("reap_info and stat_and_status fail as info does")
	{
		ProcTree t;
		seed(t);
		auto proc = Tree::open(t.proc());
		REQUIRE(proc);
		auto dir = ProcDir::open(*proc, 42);
		REQUIRE(dir);
		t.write("proc/42/status", "Name:\tworker\n");
		auto ss = dir->stat_and_status();
		REQUIRE_FALSE(ss);
		auto full = dir->info(true);
		REQUIRE_FALSE(full);
		CHECK(ss.error().message == full.error().message);
		CHECK(ss.error().message.find("Threads") != std::string::npos);
		CHECK(dir->reap_info()); // status is not its business

		std::filesystem::remove(t.proc() + "/42/status");
		ss = dir->stat_and_status();
		REQUIRE_FALSE(ss);
		CHECK(ss.error().code == ESRCH);
		CHECK(ss.error().message == "pid 42 is gone");
		CHECK(dir->info(true).error().message == "pid 42 is gone");

		t.write("proc/42/stat", "42 (worker Z 7\n");
		auto p = dir->reap_info();
		REQUIRE_FALSE(p);
		CHECK(p.error().code == EINVAL);
		CHECK(p.error().message == "stat: no (comm)");

		std::filesystem::remove(t.proc() + "/42/stat");
		p = dir->reap_info();
		REQUIRE_FALSE(p);
		CHECK(p.error().code == ESRCH);
		CHECK(p.error().message == "pid 42 is gone");

		std::filesystem::remove(t.proc() + "/42/sched");
		CHECK_FALSE(dir->exec_start_ms());
	}
	TEST_CASE("children: from every thread's children file, ascending")
	{
		ProcTree t;
		t.process(7, stat_text(7, "sh", 'S', 1, 2), status_text(7, 1));
		auto proc = Tree::open(t.proc());
		REQUIRE(proc);
		auto dir = ProcDir::open(*proc, 7);
		REQUIRE(dir);
		using V = std::vector<int>;
		// no children file (no CONFIG_PROC_CHILDREN): nothing known
		CHECK_FALSE(dir->children());
		// an empty one: no children
		t.children(7, 7, {});
		REQUIRE(dir->children());
		CHECK(dir->children()->empty());
		// the leader's and another thread's, merged
		t.children(7, 7, {300, 42, 1000});
		t.children(7, 8, {43, 42});
		CHECK(*dir->children() == V{42, 43, 300, 1000});
		// a thread without the file (exited meanwhile) is passed over
		std::filesystem::create_directories(t.proc() + "/7/task/9");
		CHECK(*dir->children() == V{42, 43, 300, 1000});
		// no task directory at all
		std::filesystem::remove_all(t.proc() + "/7/task");
		CHECK_FALSE(dir->children());
	}
}
