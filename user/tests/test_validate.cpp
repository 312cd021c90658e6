// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include "fixture.hpp"
#include "validate.hpp"

using namespace rz;
using namespace rz::test;

namespace
{
ProcessInfo make(char state, long threads = 1, int tracer = 0, int tgid = 42)
{
	ProcessInfo p;
	p.pid = 42;
	p.stat =
	    *parse_stat(stat_text(42, "sleep", state, 7, threads, 42 << 8));
	p.status = *parse_status_fields(status_text(tgid, 7, tracer, threads));
	return p;
}

ReapEnv env()
{
	ReapEnv e;
	e.module_present = true;
	e.privileged = true;
	e.now_ms = 100000;
	e.grace_s = 10;
	e.self_pid = 1000;
	return e;
}
} // namespace

TEST_SUITE("validate")
{
	TEST_CASE("an old zombie is accepted")
	{
		auto p = make('Z');
		p.exec_start_ms = 50000; // dead 50 s
		auto v = validate(p, env());
		CHECK(v.ok);
		REQUIRE(v.age_s);
		CHECK(*v.age_s == doctest::Approx(50));
		CHECK_FALSE(v.age_estimated);
	}
	TEST_CASE("refusals name the pid, the reason and the next step")
	{
		auto p = make('S');
		auto v = validate(p, env());
		CHECK_FALSE(v.ok);
		CHECK(
		    v.reason ==
		    "pid 42 (sleep) is not a zombie, it is sleeping: use kill");

		v = validate(make('Z', 2), env());
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find("1 live thread") != std::string::npos);

		v = validate(make('Z', 1, 99), env());
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find("traced by pid 99") != std::string::npos);

		v = validate(make('Z', 1, 0, 40), env());
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find("is a thread of process 40") !=
		      std::string::npos);

		auto e = env();
		e.module_present = false;
		v = validate(make('Z'), e);
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find("modprobe reap_zombie") !=
		      std::string::npos);

		e = env();
		e.privileged = false;
		v = validate(make('Z'), e);
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find("CAP_SYS_ADMIN") != std::string::npos);

		e = env();
		e.self_pid = 42;
		CHECK_FALSE(validate(make('Z'), e).ok);
	}
	TEST_CASE("young zombies wait for the grace period unless forced")
	{
		auto p = make('Z');
		p.exec_start_ms = 97000; // dead 3 s
		auto v = validate(p, env());
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find("3.0 s ago") != std::string::npos);
		CHECK(v.reason.find("--force") != std::string::npos);
		auto e = env();
		e.force = true;
		CHECK(validate(p, e).ok);
		e = env();
		e.grace_s = 0;
		CHECK(validate(p, e).ok);
	}
	TEST_CASE("without sched the start time bounds the age")
	{
		auto p = make('Z'); // started at tick 100 = 1 s after boot
		auto e = env();
		e.now_ms = 0;
		e.uptime_s = 5;
		e.clk_tck = 100;
		auto v = validate(p, e);
		CHECK_FALSE(v.ok);
		CHECK(v.age_estimated);
		CHECK(v.reason.find("at most 4.0 s") != std::string::npos);
		e.uptime_s = 100;
		CHECK(validate(p, e).ok);
	}
}
