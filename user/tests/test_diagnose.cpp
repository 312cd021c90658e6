// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diagnose.hpp"

using namespace rz;

namespace
{

uint64_t bit(int sig)
{
	return uint64_t{1} << (sig - 1);
}

TaskInfo task(int tid, const std::string &comm, char state,
	      const std::string &wchan = "")
{
	TaskInfo t;
	t.tid = tid;
	t.stat.pid = tid;
	t.stat.comm = comm;
	t.stat.state = state;
	t.wchan = wchan;
	return t;
}

// A single-threaded process, exit signal SIGCHLD.
ProcessInfo process(int pid, const char *comm, char state, int ppid,
		    const char *wchan)
{
	ProcessInfo p;
	p.pid = pid;
	p.stat.pid = pid;
	p.stat.comm = comm;
	p.stat.state = state;
	p.stat.ppid = ppid;
	p.stat.num_threads = 1;
	p.stat.exit_signal = SIGCHLD;
	p.status.tgid = pid;
	p.status.ppid = ppid;
	p.status.threads = 1;
	p.status.nspid = {pid};
	p.wchan = wchan;
	p.tasks = {task(pid, comm, state)};
	return p;
}

// pid 42 (worker), a zombie child of 97.
ProcessInfo zombie(char state = 'Z')
{
	return process(42, "worker", state, 97, "0");
}

// pid 97 (stuck-parent), sleeping, SIGCHLD at its default.
ProcessInfo parent(char state = 'S')
{
	return process(97, "stuck-parent", state, 1, "hrtimer_nanosleep");
}

const Finding *find(const Diagnosis &d, const std::string &code)
{
	for (const auto &f : d.findings)
		if (f.code == code)
			return &f;
	return nullptr;
}

bool has(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE("diagnose")
{
	TEST_CASE("parent in D: wchan and stack, killing will not help")
	{
		auto p = parent('D');
		p.wchan = "msleep";
		p.stack = "[<0>] msleep+0x2d/0x40\n"
			  "[<0>] stuck_write+0x1a/0x30 [stuck]\n"
			  "[<0>] vfs_write+0xb9/0x260\n"
			  "[<0>] ksys_write+0x67/0xe0\n";
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-blocked-in-kernel");
		REQUIRE(f);
		CHECK(has(f->text, "parent 97 (stuck-parent)"));
		CHECK(has(f->text, "(D) in msleep"));
		CHECK(has(f->text, "stack: msleep+0x2d/0x40, "
				   "stuck_write+0x1a/0x30 [stuck], "
				   "vfs_write+0xb9/0x260, ...)"));
		CHECK_FALSE(has(f->text, "ksys_write"));
		CHECK_FALSE(has(f->text, "[<0>]"));
		CHECK(has(f->text, "42"));
		CHECK(has(f->text, "killing it will not help"));
		CHECK_FALSE(find(d, "parent-state"));
		CHECK(d.remedy == Remedy::Reap);
		CHECK(d.advice == "run: zombiectl reap 42");
	}

	TEST_CASE("parent in D without a readable stack")
	{
		auto p = parent('D');
		p.wchan = "";
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-blocked-in-kernel");
		REQUIRE(f);
		CHECK_FALSE(has(f->text, "stack"));
		CHECK(has(f->text, "in disk sleep (D): it cannot wait"));
	}

	TEST_CASE("parent blocks SIGCHLD")
	{
		auto p = parent();
		p.status.sig_blk = bit(SIGCHLD) | bit(SIGUSR1);
		p.status.sig_cgt = bit(SIGCHLD);
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-blocks-sigchld");
		REQUIRE(f);
		CHECK(f->text ==
		      "parent 97 (stuck-parent) blocks SIGCHLD, so it "
		      "is not told that 42 exited");
		// Caught but blocked: sending another SIGCHLD would not help.
		CHECK(d.remedy == Remedy::Reap);
		CHECK(d.advice == "run: zombiectl reap 42");
	}

	TEST_CASE("SIGCHLD blocked by another mask bit is not reported")
	{
		auto p = parent();
		p.status.sig_blk = bit(SIGUSR1) | bit(SIGCONT);
		auto d = diagnose(zombie(), p);
		CHECK_FALSE(find(d, "parent-blocks-sigchld"));
		CHECK(find(d, "parent-default-sigchld"));
	}

	TEST_CASE("parent ignores SIGCHLD")
	{
		auto p = parent();
		p.status.sig_ign = bit(SIGCHLD);
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-ignores-sigchld");
		REQUIRE(f);
		CHECK(has(f->text, "parent 97 (stuck-parent) ignores SIGCHLD"));
		CHECK(has(f->text, "42 died before it was set"));
		CHECK_FALSE(find(d, "parent-catches-sigchld"));
		CHECK_FALSE(find(d, "parent-default-sigchld"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("parent catches SIGCHLD but is busy: a lost signal")
	{
		auto p = parent('S');
		p.status.sig_cgt = bit(SIGCHLD) | bit(SIGTERM);
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-catches-sigchld");
		REQUIRE(f);
		CHECK(has(f->text, "parent 97 (stuck-parent) catches SIGCHLD"));
		CHECK(has(f->text, "not waited for 42"));
		CHECK(has(f->text, "busy"));
		auto st = find(d, "parent-state");
		REQUIRE(st);
		CHECK(has(st->text, "sleeping (S) in hrtimer_nanosleep"));
		CHECK(d.remedy == Remedy::SendSigchld);
		CHECK(has(d.advice, "kill -CHLD 97"));
		CHECK(has(d.advice, "zombiectl reap 42"));
	}

	TEST_CASE("parent catches SIGCHLD with one pending: reap")
	{
		auto p = parent('S');
		p.status.sig_cgt = bit(SIGCHLD);
		SUBCASE("thread-pending")
		{
			p.status.sig_pnd = bit(SIGCHLD);
		}
		SUBCASE("shared-pending")
		{
			p.status.shd_pnd = bit(SIGCHLD);
		}
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-sigchld-pending");
		REQUIRE(f);
		CHECK(has(f->text,
			  "SIGCHLD is pending for parent 97 (stuck-parent)"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("parent catches SIGCHLD but is running: reap")
	{
		auto p = parent('R');
		p.wchan = "0";
		p.status.sig_cgt = bit(SIGCHLD);
		auto d = diagnose(zombie(), p);
		auto st = find(d, "parent-state");
		REQUIRE(st);
		CHECK(has(st->text, "is running (R) but"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("parent leaves SIGCHLD at its default")
	{
		auto d = diagnose(zombie(), parent());
		auto f = find(d, "parent-default-sigchld");
		REQUIRE(f);
		CHECK(has(f->text, "parent 97 (stuck-parent)"));
		CHECK(has(f->text, "wait()"));
		CHECK_FALSE(find(d, "parent-catches-sigchld"));
		CHECK_FALSE(find(d, "parent-sigchld-pending"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("parent stopped: SIGCONT")
	{
		auto p = parent('T');
		p.status.sig_cgt = bit(SIGCHLD);
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-stopped");
		REQUIRE(f);
		CHECK(has(f->text, "parent 97 (stuck-parent) is stopped (T)"));
		CHECK(has(f->text, "42"));
		CHECK(d.remedy == Remedy::SendSigcont);
		CHECK(d.advice == "send SIGCONT to 97: kill -CONT 97");
		CHECK(remedy_name(d.remedy) == "sigcont");
	}

	TEST_CASE("parent in a tracing stop: SIGCONT does not resume it")
	{
		auto p = parent('t');
		p.status.tracer_pid = 500;
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-traced-stop");
		REQUIRE(f);
		CHECK(has(f->text, "parent 97 (stuck-parent) is stopped by its "
				   "tracer 500 (t)"));
		CHECK_FALSE(find(d, "parent-stopped"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("parent is PID 1")
	{
		auto p = parent();
		p.pid = p.stat.pid = p.status.tgid = 1;
		p.stat.comm = "systemd";
		p.status.nspid = {1};
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-is-init");
		REQUIRE(f);
		CHECK(has(f->text, "parent 1 (systemd) is PID 1"));
		CHECK_FALSE(find(d, "parent-is-namespace-init"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("parent is PID 1 though NSpid is missing")
	{
		auto p = parent();
		p.pid = 1;
		p.status.nspid.clear();
		auto d = diagnose(zombie(), p);
		CHECK(find(d, "parent-is-init"));
	}

	TEST_CASE("parent is a namespace init")
	{
		auto p = parent();
		p.pid = 5000;
		p.stat.comm = "container-init";
		p.status.nspid = {5000, 37, 1};
		auto d = diagnose(zombie(), p);
		auto f = find(d, "parent-is-namespace-init");
		REQUIRE(f);
		CHECK(has(f->text, "parent 5000 (container-init)"));
		CHECK(has(f->text, "pid namespace"));
		CHECK_FALSE(find(d, "parent-is-init"));
	}

	TEST_CASE("an ordinary parent is no init")
	{
		auto d = diagnose(zombie(), parent());
		CHECK_FALSE(find(d, "parent-is-init"));
		CHECK_FALSE(find(d, "parent-is-namespace-init"));
	}

	TEST_CASE("exit signal not SIGCHLD")
	{
		auto z = zombie();
		auto p = parent('S');
		p.status.sig_cgt =
		    bit(SIGCHLD); // would otherwise suggest SIGCHLD
		std::string sig;
		SUBCASE("no signal")
		{
			z.stat.exit_signal = 0;
			sig = "exits with no signal";
		}
		SUBCASE("SIGUSR1")
		{
			z.stat.exit_signal = SIGUSR1;
			sig = "exits with SIGUSR1";
		}
		auto d = diagnose(z, p);
		auto f = find(d, "exit-signal-not-sigchld");
		REQUIRE(f);
		CHECK(has(f->text, "pid 42 (worker) " + sig));
		CHECK(has(f->text, "__WALL"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("exit signal SIGCHLD is not reported")
	{
		auto d = diagnose(zombie(), parent());
		CHECK_FALSE(find(d, "exit-signal-not-sigchld"));
	}

	TEST_CASE("traced")
	{
		auto z = zombie();
		z.status.tracer_pid = 300;
		auto p = parent('T'); // the tracer dominates a stopped parent
		auto d = diagnose(z, p);
		auto f = find(d, "traced");
		REQUIRE(f);
		CHECK(f->text == "pid 42 (worker) is traced by 300: the tracer "
				 "must wait for it or detach");
		CHECK(d.remedy == Remedy::WaitForTracer);
		CHECK(has(d.advice, "tracer 300"));
		CHECK(has(d.advice, "42"));
	}

	TEST_CASE("zombie leader with a live thread in D")
	{
		auto z = zombie();
		z.stat.num_threads = 3;
		z.status.threads = 3;
		auto t = task(43, "io-thread", 'D', "stuck_wait");
		t.stack = "[<0>] stuck_wait+0x10/0x20 [stuck]\n";
		z.tasks.push_back(t);
		z.tasks.push_back(task(44, "done-thread", 'Z'));
		z.status.tracer_pid = 300; // live threads dominate the tracer
		auto d = diagnose(z, parent());
		auto f = find(d, "live-threads");
		REQUIRE(f);
		CHECK(has(f->text, "zombie leader 42 (worker) still has 1 live "
				   "thread: 43 (io-thread) in disk sleep (D) "
				   "in stuck_wait;"));
		CHECK_FALSE(has(f->text, "44"));
		CHECK(has(f->text, "until it exits (reaping is refused with "
				   "ENOTEMPTY)"));
		auto k = find(d, "thread-blocked-in-kernel");
		REQUIRE(k);
		CHECK(has(k->text, "thread 43 (io-thread) of 42"));
		CHECK(has(k->text, "stack: stuck_wait+0x10/0x20 [stuck])"));
		CHECK(d.remedy == Remedy::WaitForThreads);
		CHECK(d.advice == "wait for thread 43 of 42 to exit, "
				  "then run: zombiectl reap 42");
	}

	TEST_CASE("only dead threads: no live-threads finding")
	{
		auto z = zombie();
		z.tasks.push_back(task(44, "done-thread", 'Z'));
		z.tasks.push_back(task(45, "gone-thread", 'X'));
		auto d = diagnose(z, parent());
		CHECK_FALSE(find(d, "live-threads"));
		CHECK(d.remedy == Remedy::Reap);
	}

	TEST_CASE("live threads counted from stat when tasks are unreadable")
	{
		auto z = zombie();
		z.tasks.clear();
		z.stat.num_threads = 3;
		auto d = diagnose(z, parent());
		auto f = find(d, "live-threads");
		REQUIRE(f);
		CHECK(has(f->text, "42 (worker) still has 2 live threads;"));
		CHECK(has(f->text, "until they exit"));
		CHECK(d.remedy == Remedy::WaitForThreads);
		CHECK(has(d.advice, "wait for the 2 live threads of 42"));
	}

	TEST_CASE("not a zombie")
	{
		char state = 'S';
		std::string what;
		SUBCASE("sleeping")
		{
			state = 'S';
			what = "it is sleeping (S)";
		}
		SUBCASE("running")
		{
			state = 'R';
			what = "it is running (R)";
		}
		SUBCASE("stopped")
		{
			state = 'T';
			what = "it is stopped (T)";
		}
		SUBCASE("disk sleep")
		{
			state = 'D';
			what = "it is in disk sleep (D)";
		}
		auto z = zombie(state);
		z.status.tracer_pid = 300; // nothing else is examined
		auto d = diagnose(z, parent());
		REQUIRE(d.findings.size() == 1);
		CHECK(d.findings[0].code == "not-zombie");
		CHECK(has(d.findings[0].text,
			  "pid 42 (worker) is not a zombie, " + what));
		CHECK(has(d.findings[0].text, "use kill"));
		CHECK(d.remedy == Remedy::Nothing);
		CHECK(has(d.advice, "kill 42"));
	}

	TEST_CASE("parent gone")
	{
		auto d = diagnose(zombie(), std::nullopt);
		auto f = find(d, "parent-gone");
		REQUIRE(f);
		CHECK(f->text ==
		      "parent 97 of 42 (worker) is gone or unreadable");
		CHECK_FALSE(find(d, "parent-state"));
		CHECK(d.remedy == Remedy::Reap);
		CHECK(d.advice == "run: zombiectl reap 42");
	}

	TEST_CASE("parent outside the pid namespace")
	{
		auto z = zombie();
		z.stat.ppid = 0;
		auto d = diagnose(z, std::nullopt);
		CHECK_FALSE(find(d, "parent-gone"));
		auto f = find(d, "parent-outside-namespace");
		REQUIRE(f);
		CHECK(has(f->text, "42 (worker)"));
	}

	TEST_CASE("remedy names")
	{
		CHECK(remedy_name(Remedy::Reap) == "reap");
		CHECK(remedy_name(Remedy::SendSigcont) == "sigcont");
		CHECK(remedy_name(Remedy::SendSigchld) == "sigchld");
		CHECK(remedy_name(Remedy::WaitForThreads) == "wait-threads");
		CHECK(remedy_name(Remedy::WaitForTracer) == "wait-tracer");
		CHECK(remedy_name(Remedy::Nothing) == "nothing");
	}
}

TEST_SUITE("diagnose: advice that fits")
{
	TEST_CASE("PID 1 is not a zombie and is never to be killed")
	{
		auto z = process(1, "systemd", 'S', 0, "ep_poll");
		SUBCASE("NSpid 1") {}
		SUBCASE("no NSpid")
		{
			z.status.nspid.clear();
		}
		auto d = diagnose(z, std::nullopt);
		REQUIRE(d.findings.size() == 1);
		CHECK(d.findings[0].code == "not-zombie");
		CHECK(has(d.findings[0].text, "it is init (PID 1)"));
		CHECK_FALSE(has(d.findings[0].text, "use kill"));
		CHECK(d.remedy == Remedy::Nothing);
		CHECK(d.advice == "nothing to reap, and do not kill it: pid 1 "
				  "is init; for its zombie children, run: "
				  "zombiectl list -P 1");
		CHECK(d.commands == std::vector<std::string>{"zombiectl list "
							     "-P 1"});
	}

	TEST_CASE("a pid namespace's init is never to be killed")
	{
		auto z = process(5000, "container-init", 'S', 4000, "do_wait");
		z.status.nspid = {5000, 1};
		auto d = diagnose(z, parent());
		CHECK(
		    has(d.findings[0].text, "init (PID 1) of a pid namespace"));
		CHECK(d.remedy == Remedy::Nothing);
		CHECK_FALSE(has(d.advice, "kill 5000"));
		CHECK(has(d.advice, "do not kill it"));
		CHECK(has(d.advice, "zombiectl list -P 5000"));
		for (auto &c : d.commands)
			CHECK(c.rfind("kill", 0) == std::string::npos);
	}

	TEST_CASE("an ordinary live process: kill is the advice")
	{
		auto d = diagnose(zombie('S'), parent());
		CHECK(d.advice ==
		      "nothing to reap; to end it, use kill: kill 42");
		CHECK(d.commands == std::vector<std::string>{"kill 42"});
	}

	TEST_CASE("a zombie of an init: reap, never a signal to the init")
	{
		auto p = parent();
		std::string tail;
		SUBCASE("PID 1 catching SIGCHLD")
		{
			p.pid = p.stat.pid = p.status.tgid = 1;
			p.status.nspid = {1};
			p.status.sig_cgt = bit(SIGCHLD);
			tail =
			    " (its parent 1 is init: killing it is no remedy)";
		}
		SUBCASE("a namespace init, stopped")
		{
			p = parent('T');
			p.pid = 97;
			p.status.nspid = {97, 1};
			tail = " (its parent 97 is a pid namespace's init: "
			       "killing it would end the whole namespace)";
		}
		auto z = zombie();
		z.stat.ppid = p.pid;
		auto d = diagnose(z, p);
		CHECK(d.remedy == Remedy::Reap);
		CHECK(d.advice == "run: zombiectl reap 42" + tail);
		CHECK(d.commands == std::vector<std::string>{"zombiectl reap "
							     "42"});
	}

	TEST_CASE("traced by PID 1: no kill of it")
	{
		auto z = zombie();
		z.status.tracer_pid = 1;
		auto d = diagnose(z, parent());
		CHECK(d.remedy == Remedy::WaitForTracer);
		CHECK(d.advice == "let tracer 1 wait for or detach from 42, "
				  "then run: zombiectl why 42");
	}

	TEST_CASE("the module not loaded: modprobe first")
	{
		Situation now;
		now.module_loaded = now.module_enabled = false;
		auto d = diagnose(zombie(), parent(), now);
		CHECK(d.remedy == Remedy::Reap);
		CHECK(d.advice == "load the module: modprobe reap_zombie; then "
				  "run: zombiectl reap 42");
		CHECK(d.commands ==
		      std::vector<std::string>{"modprobe reap_zombie",
					       "zombiectl reap 42"});
		// the same step after the others
		auto p = parent();
		p.status.sig_cgt = bit(SIGCHLD);
		d = diagnose(zombie(), p, now);
		CHECK(d.remedy == Remedy::SendSigchld);
		CHECK(has(d.advice,
			  "; if 42 stays, load the module: modprobe "
			  "reap_zombie; then run: zombiectl reap 42"));
		CHECK(d.commands.size() == 3);
	}

	TEST_CASE("the module loaded but switched off: switch it on first")
	{
		Situation now;
		now.module_enabled = false;
		auto d = diagnose(zombie(), parent(), now);
		CHECK(d.advice ==
		      "switch the module on: echo 1 > "
		      "/sys/module/reap_zombie/parameters/enabled; then run: "
		      "zombiectl reap 42");
		CHECK(d.commands.size() == 2);
	}

	TEST_CASE("younger than the grace period: when reap takes it")
	{
		Situation now;
		now.age_s = 3.0;
		auto d = diagnose(zombie(), parent(), now);
		REQUIRE(d.reap_in_s);
		CHECK(*d.reap_in_s == 7);
		CHECK(d.advice ==
		      "run: zombiectl reap 42 in 7 s (dead 3.0 s, less than "
		      "the grace period of 10 s: its parent may still reap "
		      "it), or now: zombiectl reap --force 42");
		// estimated, another grace, rounded up
		now.age_s = 9.94;
		now.age_estimated = true;
		now.grace_s = 30;
		d = diagnose(zombie(), parent(), now);
		CHECK(*d.reap_in_s == 21);
		CHECK(has(d.advice, "reap 42 in 21 s (dead 9.9 s, estimated, "
				    "less than the grace period of 30 s"));
		// with modprobe first
		now.module_loaded = now.module_enabled = false;
		d = diagnose(zombie(), parent(), now);
		CHECK(d.advice.rfind("load the module: modprobe reap_zombie; "
				     "then run: zombiectl reap 42 in 21 s",
				     0) == 0);
		// old enough, or no age known: no wait
		now = Situation{};
		now.age_s = 10.0;
		d = diagnose(zombie(), parent(), now);
		CHECK_FALSE(d.reap_in_s);
		CHECK(d.advice == "run: zombiectl reap 42");
		CHECK_FALSE(diagnose(zombie(), parent()).reap_in_s);
		// --grace 0: never young
		now.age_s = 0.5;
		now.grace_s = 0;
		CHECK_FALSE(diagnose(zombie(), parent(), now).reap_in_s);
	}
}
