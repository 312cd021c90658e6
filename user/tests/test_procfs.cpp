// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "procfs.hpp"
#include "result.hpp"

using namespace rz;

namespace
{
// A zombie's stat line from Debian 6.1, exit status 42 << 8.
std::string stat_line(const std::string &comm, char state = 'Z',
		      const std::string &tail = " 10752")
{
	return "4242 (" + comm + ") " + state +
	       " 4241 4241 1 0 -1 4227148 81 0 0 0 0 0 0 0 20 0 1 0 1234 0 0 "
	       "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 "
	       "0 "
	       "0 0 0 0 0" +
	       tail + "\n";
}
} // namespace

TEST_SUITE("stat")
{
	TEST_CASE("plain zombie")
	{
		auto st = parse_stat(stat_line("sleep"));
		REQUIRE(st);
		CHECK(st->pid == 4242);
		CHECK(st->comm == "sleep");
		CHECK(st->state == 'Z');
		CHECK(st->ppid == 4241);
		CHECK(st->pgrp == 4241);
		CHECK(st->session == 1);
		CHECK(st->num_threads == 1);
		CHECK(st->starttime == 1234);
		CHECK(st->exit_signal == 17);
		REQUIRE(st->exit_code);
		CHECK(*st->exit_code == 42 << 8);
	}
	TEST_CASE("comm with spaces and parentheses")
	{
		for (std::string comm :
		     {"a) b (c", "(", ")", ") Z 1 (", "x y", ""}) {
			CAPTURE(comm);
			auto st = parse_stat(stat_line(comm, 'S'));
			REQUIRE(st);
			CHECK(st->comm == comm);
			CHECK(st->state == 'S');
			CHECK(st->ppid == 4241);
		}
	}
	TEST_CASE("old kernel without exit_code")
	{
		auto line = stat_line("x");
		auto st = parse_stat(
		    line.substr(0, line.rfind(" 0 0 0 0 0 10752")) + "\n");
		REQUIRE(st);
		CHECK_FALSE(st->exit_code);
	}
	TEST_CASE("malformed")
	{
		CHECK_FALSE(parse_stat(""));
		CHECK_FALSE(parse_stat("42 sleep S 1"));
		CHECK_FALSE(parse_stat("42 (sleep) S 1 2 3"));
		CHECK_FALSE(parse_stat("(sleep) S" + std::string(200, ' ')));
		CHECK_FALSE(parse_stat(stat_line("x", 'Z', " banana")));
	}
}

TEST_SUITE("status")
{
	const char *status =
	    "Name:\tworker\nUmask:\t0022\nState:\tZ (zombie)\nTgid:\t99\n"
	    "Ngid:\t0\nPid:\t99\nPPid:\t97\nTracerPid:\t0\n"
	    "Uid:\t0\t0\t0\t0\nNSpid:\t99\t2\nThreads:\t1\n"
	    "SigQ:\t0/7823\nSigPnd:\t0000000000000000\n"
	    "ShdPnd:\t0000000000000000\nSigBlk:\tfffffffe7ffbfeff\n"
	    "SigIgn:\t0000000000000000\nSigCgt:\t0000000000010000\n";

	TEST_CASE("fields")
	{
		auto s = parse_status_fields(status);
		REQUIRE(s);
		CHECK(s->tgid == 99);
		CHECK(s->ppid == 97);
		CHECK(s->tracer_pid == 0);
		CHECK(s->threads == 1);
		CHECK(s->nspid == std::vector<int>{99, 2});
		CHECK(mask_has(s->sig_blk, SIGCHLD));
		CHECK_FALSE(mask_has(s->sig_blk, SIGKILL));
		CHECK(mask_has(s->sig_cgt, SIGCHLD));
		CHECK(s->sig_ign == 0);
	}
	TEST_CASE("missing fields are an error")
	{
		CHECK_FALSE(parse_status_fields("Name:\tx\nTgid:\t1\n"));
		CHECK_FALSE(parse_status_fields(""));
	}
	TEST_CASE("raw map keeps values with spaces")
	{
		auto m = parse_status("State:\tS (sleeping)\nbad line\n");
		CHECK(m.at("State") == "S (sleeping)");
		CHECK(m.size() == 1);
	}
}

TEST_SUITE("signals")
{
	TEST_CASE("masks")
	{
		CHECK(parse_sigmask("0000000000000000") == 0u);
		CHECK(parse_sigmask("fffffffe7ffbfeff") ==
		      0xfffffffe7ffbfeffull);
		CHECK_FALSE(parse_sigmask(""));
		CHECK_FALSE(parse_sigmask("xyz"));
		CHECK_FALSE(parse_sigmask("00000000000000000"));
		CHECK(mask_names(0).empty());
		CHECK(mask_names(1ull << (SIGCHLD - 1)) ==
		      std::vector<std::string>{"SIGCHLD"});
	}
	TEST_CASE("all 64 signal bits have a name")
	{
		auto names = mask_names(~0ull);
		REQUIRE(names.size() == 64);
		CHECK(names[0] == "SIGHUP");
		CHECK(names[8] == "SIGKILL");
		CHECK(names[16] == "SIGCHLD");
		CHECK(names[30] == "SIGSYS");
		CHECK(names[31] == "SIG32");
		CHECK(names[32] == "SIG33");
		CHECK(names[33] == "SIGRTMIN");
		CHECK(names[63] == "SIGRTMIN+30");
		for (int sig = 1; sig <= 64; sig++)
			CHECK(mask_has(1ull << (sig - 1), sig));
		CHECK_FALSE(mask_has(~0ull, 0));
		CHECK_FALSE(mask_has(~0ull, 65));
	}
}

TEST_SUITE("misc")
{
	TEST_CASE("cgroup v2 line")
	{
		CHECK(parse_cgroup_v2("0::/system.slice/x.service\n") ==
		      "/system.slice/x.service");
		CHECK(parse_cgroup_v2("12:pids:/a\n0::/\n") == "/");
		CHECK_FALSE(parse_cgroup_v2("12:pids:/a\n"));
	}
	TEST_CASE("the head of stat: state and ppid from its first bytes")
	{
		auto h = parse_stat_head("42 (a) b) c) Z 7 7 1 0 -1 4194560 0");
		REQUIRE(h);
		CHECK(h->state == 'Z');
		CHECK(h->ppid == 7);
		h = parse_stat_head("1 (init) S 0 1");
		REQUIRE(h);
		CHECK(h->ppid == 0);
		CHECK_FALSE(parse_stat_head("42 (a) Z 7")); // ppid may be cut
		CHECK_FALSE(parse_stat_head("42 (a) Z"));
		CHECK_FALSE(parse_stat_head("42 a Z 7 7"));
		CHECK_FALSE(parse_stat_head("42 (a) ZZ 7 7"));
		CHECK_FALSE(parse_stat_head("42 (a) Z x 7"));
	}
	TEST_CASE("sched exec_start")
	{
		CHECK(parse_sched_exec_start(
			  "x (99, #threads: 1)\n---\nse.exec_start             "
			  "                   :          2961.113880\n") ==
		      doctest::Approx(2961.113880));
		CHECK_FALSE(parse_sched_exec_start("se.vruntime : 1\n"));
		CHECK_FALSE(parse_sched_exec_start("se.exec_start : abc\n"));
	}
	TEST_CASE("children files")
	{
		using V = std::vector<int>;
		CHECK(parse_children("4242 4243 17 ") == V{4242, 4243, 17});
		CHECK(parse_children("4242\n") == V{4242});
		CHECK(parse_children("") == V{});
		CHECK(parse_children(" \n") == V{});
		// what is not a pid is left out: the scan checks each one
		CHECK(parse_children("5 x 0 -3 99999999999 6") == V{5, 6});
	}
	TEST_CASE("state names")
	{
		CHECK(state_name('D') == "in disk sleep");
		CHECK(state_name('T') == "stopped");
		CHECK(state_name('R') == "running");
		CHECK(state_name('?') == "in an unknown state");
	}
	TEST_CASE("wait status")
	{
		CHECK(describe_wait_status(0) == "exit 0");
		CHECK(describe_wait_status(42 << 8) == "exit 42");
		CHECK(describe_wait_status(255 << 8) == "exit 255");
		CHECK(describe_wait_status(SIGKILL) == "killed by SIGKILL");
		CHECK(describe_wait_status(SIGSEGV | 0x80) ==
		      "killed by SIGSEGV (core dumped)");
	}
	TEST_CASE("pid arguments")
	{
		CHECK(parse_pid_arg("42")->pid == 42);
		auto a = parse_pid_arg("42:1234");
		REQUIRE(a);
		CHECK(a->pid == 42);
		CHECK(a->inode == 1234u);
		for (auto bad : {"0", "-5", "abc", "99999999999", "",
				 "42:", "42:x", "4 2", "+5"}) {
			CAPTURE(bad);
			auto r = parse_pid_arg(bad);
			CHECK_FALSE(r);
			if (!r)
				CHECK(r.error().code == EINVAL);
		}
	}
	TEST_CASE("errno_text is strerror without the shared buffer")
	{
		CHECK(errno_text(ENOENT) == "No such file or directory");
		CHECK(errno_text(EBUSY) == "Device or resource busy");
		CHECK(errno_text(4242) == "Unknown error 4242");
	}
}
