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
		// the scheduler's task clock: an estimate
		CHECK(v.age_estimated);
		// DEAD_MS of the parent's listing: one kernel clock, preferred
		p.dead_ms = 20000;
		v = validate(p, env());
		CHECK(v.ok);
		REQUIRE(v.age_s);
		CHECK(*v.age_s == doctest::Approx(20));
		CHECK_FALSE(v.age_estimated);
	}
	TEST_CASE("the grace period on DEAD_MS, and the word estimated")
	{
		auto p = make('Z');
		p.exec_start_ms = 97000; // dead 3 s by sched
		auto v = validate(p, env());
		CHECK_FALSE(v.ok);
		CHECK(v.reason == "pid 42 (sleep) died 3.0 s ago (estimated), "
				  "less than the grace period of 10 s: its "
				  "parent may still reap it (use --force)");
		p.dead_ms = 12000; // but 12 s by the module
		CHECK(validate(p, env()).ok);
		p.dead_ms = 2500;
		v = validate(p, env());
		CHECK_FALSE(v.ok);
		CHECK(v.reason == "pid 42 (sleep) died 2.5 s ago, less than "
				  "the grace period of 10 s: its parent may "
				  "still reap it (use --force)");
		// validate_lazy with an age loader: called for the grace only
		ProcessInfo q = make('Z');
		int calls = 0;
		auto load = AgeLoader([&](ProcessInfo &x) {
			calls++;
			x.dead_ms = 30000;
		});
		CHECK(validate_lazy(q, env(), load).ok);
		CHECK(calls == 1);
		auto e = env();
		e.force = true;
		ProcessInfo r = make('Z');
		CHECK(validate_lazy(r, e, load).ok);
		CHECK(calls == 1);
		ProcessInfo s = make('S');
		CHECK_FALSE(validate_lazy(s, env(), load).ok);
		CHECK(calls == 1);
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

		// never "use kill" for an init
		auto init = make('S');
		init.pid = 1;
		init.status.nspid = {1};
		CHECK(
		    validate(init, env()).reason ==
		    "pid 1 (sleep) is not a zombie, it is sleeping: it is init "
		    "(PID 1): nothing to reap, and do not kill it");
		init.status.nspid.clear(); // stat alone
		CHECK(validate(init, env()).reason.find("do not kill it") !=
		      std::string::npos);
		auto ns = make('S');
		ns.status.nspid = {42, 1};
		CHECK(
		    validate(ns, env()).reason ==
		    "pid 42 (sleep) is not a zombie, it is sleeping: it is the "
		    "init of a pid namespace: nothing to reap, and do not kill "
		    "it");

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
		CHECK(v.reason.find("at most 4.0 s ago (estimated)") !=
		      std::string::npos);
		e.uptime_s = 100;
		CHECK(validate(p, e).ok);
	}
	TEST_CASE("validate_lazy reads sched only for the grace period")
	{
		int loads = 0;
		auto loader = [&](std::optional<double> v) {
			return [&loads, v] {
				loads++;
				return v;
			};
		};
		// young: loaded once, the same refusal as with sched up front
		auto p = make('Z');
		auto v = validate_lazy(p, env(), loader(97000));
		CHECK(loads == 1);
		CHECK_FALSE(v.ok);
		CHECK(v.reason.find(" died 3.0 s ago") != std::string::npos);
		auto full = make('Z');
		full.exec_start_ms = 97000;
		CHECK(v.reason == validate(full, env()).reason);
		// old: loaded, accepted
		loads = 0;
		p = make('Z');
		v = validate_lazy(p, env(), loader(50000));
		CHECK(loads == 1);
		CHECK(v.ok);
		REQUIRE(v.age_s);
		CHECK(*v.age_s == doctest::Approx(50));
		// sched unreadable: the start time bounds the age, as before
		loads = 0;
		p = make('Z');
		auto e = env();
		e.now_ms = 0;
		e.uptime_s = 5;
		e.clk_tck = 100;
		v = validate_lazy(p, e, loader(std::nullopt));
		CHECK(loads == 1);
		CHECK(v.reason == validate(make('Z'), e).reason);
		CHECK(v.reason.find("at most 4.0 s") != std::string::npos);
		// forced, or no grace period: never read
		loads = 0;
		e = env();
		e.force = true;
		p = make('Z');
		CHECK(validate_lazy(p, e, loader(97000)).ok);
		e = env();
		e.grace_s = 0;
		p = make('Z');
		CHECK(validate_lazy(p, e, loader(97000)).ok);
		CHECK(loads == 0);
		// refused before the grace period: never read, same reason
		auto no_module = env();
		no_module.module_present = false;
		auto unprivileged = env();
		unprivileged.privileged = false;
		auto self = env();
		self.self_pid = 42;
		struct Case {
			ProcessInfo p;
			ReapEnv e;
		};
		for (auto &c :
		     {Case{make('S'), env()}, Case{make('Z', 2), env()},
		      Case{make('Z', 1, 99), env()},
		      Case{make('Z', 1, 0, 40), env()},
		      Case{make('Z'), no_module}, Case{make('Z'), unprivileged},
		      Case{make('Z'), self}}) {
			auto q = c.p;
			v = validate_lazy(q, c.e, loader(97000));
			CHECK_FALSE(v.ok);
			CHECK(v.reason == validate(c.p, c.e).reason);
		}
		CHECK(loads == 0);
	}
	TEST_CASE("refusal_reason explains from stat and status")
	{
		int loads = 0;
		auto loader = [&loads] {
			loads++;
			return std::optional<double>(97000); // dead 3 s
		};
		const std::string fallback = "the kernel's word";
		// what stat alone cannot see
		auto p = make('Z', 1, 99);
		CHECK(refusal_reason(p, env(), false, fallback, loader) ==
		      "pid 42 (sleep) is traced by pid 99: its tracer must "
		      "wait for it or detach");
		p = make('Z', 1, 99);
		CHECK(refusal_reason(p, env(), true, fallback, loader)
			  .find("traced by pid 99") != std::string::npos);
		p = make('S', 1, 0, 40);
		CHECK(refusal_reason(p, env(), false, fallback, loader) ==
		      "pid 42 (sleep) is a thread of process 40, not a "
		      "process: name its process");
		p = make('Z', 3);
		CHECK(refusal_reason(p, env(), true, fallback, loader)
			  .find("2 live thread(s)") != std::string::npos);
		p = make('R');
		CHECK(
		    refusal_reason(p, env(), true, fallback, loader) ==
		    "pid 42 (sleep) is not a zombie, it is running: use kill");
		// a traced zombie without the module: the tracer first, as
		// validate() on stat and status has it
		auto no_module = env();
		no_module.module_present = false;
		p = make('Z', 1, 99);
		CHECK(refusal_reason(p, no_module, false, fallback, loader)
			  .find("traced by pid 99") != std::string::npos);
		CHECK(loads == 0);
		// before the write the grace period counts (sched loaded)...
		p = make('Z');
		CHECK(refusal_reason(p, env(), false, fallback, loader)
			  .find(" died 3.0 s ago") != std::string::npos);
		CHECK(loads == 1);
		// ...after the kernel refused it does not: nothing to say
		loads = 0;
		p = make('Z');
		CHECK(refusal_reason(p, env(), true, fallback, loader) ==
		      fallback);
		CHECK(loads == 0);
		// nothing wrong any more (it changed meanwhile): the fallback
		auto forced = env();
		forced.force = true;
		p = make('Z');
		CHECK(refusal_reason(p, forced, false, fallback, loader) ==
		      fallback);
	}
	TEST_CASE("scan_target: zombies of the parent, or of any for --all")
	{
		auto st = [](char state, int ppid) {
			return *parse_stat(stat_text(42, "x", state, ppid));
		};
		CHECK(scan_target(st('Z', 7), 7));
		CHECK(scan_target(st('Z', 7), 0));
		CHECK(scan_target(st('Z', 1), 0));
		CHECK_FALSE(scan_target(st('Z', 8), 7)); // reparented
		for (char c : {'R', 'S', 'D', 'T', 't', 'X', 'I'}) {
			CAPTURE(c);
			CHECK_FALSE(scan_target(st(c, 7), 7));
			CHECK_FALSE(scan_target(st(c, 7), 0));
		}
	}
}
