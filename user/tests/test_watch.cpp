// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <pthread.h>
#include <sstream>
#include <string>
#include <sys/inotify.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "app.hpp"
#include "fixture.hpp"
#include "watch_policy.hpp"

using namespace rz;
using namespace rz::test;

namespace
{

ListingEntry entry(int pid, long long dead_ms, long threads = 0,
		   bool traced = false)
{
	ListingEntry e;
	e.pid = pid;
	e.start = 500 + static_cast<unsigned long long>(pid);
	e.dead_ms = dead_ms;
	e.threads = threads;
	e.traced = traced;
	e.comm = "z" + std::to_string(pid);
	return e;
}

WatchPolicy policy(double older, std::optional<double> pct = std::nullopt,
		   std::vector<std::string> parents = {})
{
	WatchPolicy p;
	p.older_than_s = older;
	p.pressure_pct = pct;
	p.parents = std::move(parents);
	return p;
}

const Pressure LOW{10, 32768};

struct Ran {
	int rc;
	std::string out, err;
	bool stopped; // it read the SIGTERM
};

// @sig (SIGTERM by default) blocked on this thread while it lives (watch
// reads it from a signalfd), the old mask back after.
struct SigtermBlocked {
	sigset_t term, old;
	explicit SigtermBlocked(int sig = SIGTERM)
	{
		sigemptyset(&term);
		sigaddset(&term, sig);
		pthread_sigmask(SIG_BLOCK, &term, &old);
	}
	~SigtermBlocked() { pthread_sigmask(SIG_SETMASK, &old, nullptr); }
	SigtermBlocked(const SigtermBlocked &) = delete;
	SigtermBlocked &operator=(const SigtermBlocked &) = delete;
};

// `zombiectl watch ARGS` on @t, @sig (SIGTERM or SIGINT) already pending:
// one round, then it stops as on a real signal.
Ran watch_once(const ProcTree &t, std::vector<std::string> args,
	       int sig = SIGTERM)
{
	std::vector<std::string> all = {"zombiectl", "--proc", t.proc(),
					"--sys",     t.sys(),  "watch"};
	all.insert(all.end(), args.begin(), args.end());
	std::vector<const char *> argv;
	for (auto &a : all)
		argv.push_back(a.c_str());
	SigtermBlocked blocked(sig);
	raise(sig); // pending on this thread until watch reads it
	std::ostringstream out, err;
	int rc = run(static_cast<int>(argv.size()), argv.data(), out, err);
	// a usage error returns before it reads the signal: take it here
	sigset_t pending;
	sigpending(&pending);
	bool stopped = !sigismember(&pending, sig);
	if (!stopped) {
		struct timespec zero = {0, 0};
		sigtimedwait(&blocked.term, nullptr, &zero);
	}
	return {rc, out.str(), err.str(), stopped};
}

// The names in @dir.
std::vector<std::string> names(const std::string &dir)
{
	std::vector<std::string> out;
	for (auto &e : std::filesystem::directory_iterator(dir))
		out.push_back(e.path().filename());
	std::sort(out.begin(), out.end());
	return out;
}

std::size_t count(const std::string &s, const std::string &what)
{
	std::size_t n = 0;
	for (auto at = s.find(what); at != std::string::npos;
	     at = s.find(what, at + 1))
		n++;
	return n;
}

// Parent 7 (leaky) with zombies 42 (dead 60 s) and 43 (dead 1 s).
void seed(ProcTree &t)
{
	t.process(7, stat_text(7, "leaky", 'S', 1), status_text(7, 1), true,
		  "0::/app\n");
	t.dead_ms = 60000;
	t.process(42, stat_text(42, "w", 'Z', 7, 1, 3 << 8, 4242),
		  status_text(42, 7));
	t.dead_ms = 1000;
	t.process(43, stat_text(43, "w", 'Z', 7, 1, 0, 4343),
		  status_text(43, 7));
	t.write("sys/fs/cgroup/app/pids.current", "3\n");
	t.write("sys/fs/cgroup/app/pids.max", "300\n");
	t.write("sys/module/reap_zombie/parameters/enabled", "Y\n");
	t.write("sys/module/reap_zombie/parameters/reaped", "0\n");
}

} // namespace

TEST_SUITE("watch")
{
	TEST_CASE("durations: ms, s, m, h; a bare number is seconds")
	{
		CHECK(*parse_duration("500ms") == doctest::Approx(0.5));
		CHECK(*parse_duration("1s") == 1);
		CHECK(*parse_duration("2m") == 120);
		CHECK(*parse_duration("1h") == 3600);
		CHECK(*parse_duration("1.5s") == doctest::Approx(1.5));
		CHECK(*parse_duration("0.25h") == doctest::Approx(900));
		CHECK(*parse_duration("10") == 10);
		CHECK(*parse_duration("0s") == 0);
		CHECK(*parse_duration(".5s") == doctest::Approx(0.5));
		for (const char *bad :
		     {"", "s", "ms", "-1s", "1x", "1 s", " 1s", "1s ", "1.2.3s",
		      "1e3s", "1sm", "+1s", "1d", ".s", "9999999h"}) {
			CAPTURE(bad);
			auto d = parse_duration(bad);
			REQUIRE(!d);
			CHECK(d.error().message.find("not a duration") !=
			      std::string::npos);
		}
	}

	TEST_CASE("percentages: 50% or 50, above 0, at most 100")
	{
		CHECK(*parse_percent("50%") == 50);
		CHECK(*parse_percent("50") == 50);
		CHECK(*parse_percent("12.5%") == doctest::Approx(12.5));
		CHECK(*parse_percent("100%") == 100);
		for (const char *bad : {"", "%", "0", "0%", "100.1%", "101",
					"-5%", "50%%", "abc", "5 0%", "%50"}) {
			CAPTURE(bad);
			CHECK(!parse_percent(bad));
		}
	}

	TEST_CASE("the pressure: in use against a limit, none without one")
	{
		CHECK(*pressure_pct(Pressure{150, 300}) == doctest::Approx(50));
		CHECK(!pressure_pct(Pressure{150, -1})); // pids.max "max"
		CHECK(!pressure_pct(Pressure{150, std::nullopt}));
		CHECK(!pressure_pct(Pressure{std::nullopt, 300}));
		CHECK(!pressure_pct(Pressure{1, 0}));
	}

	TEST_CASE("without a policy nothing is chosen")
	{
		WatchPolicy none;
		CHECK(!none.active());
		std::vector<ListingEntry> l = {entry(10, 3600000),
					       entry(11, 60000)};
		const Pressure full{32768, 32768};
		CHECK(pick(none, l[0], "p", full, full) == Pick::NO_POLICY);
		CHECK(choose(none, l, "p", full, [&](int) {
			      return full;
		      }).empty());
	}

	TEST_CASE("the age threshold, on DEAD_MS")
	{
		auto p = policy(2);
		CHECK(pick(p, entry(10, 1999), "p", LOW, {}) == Pick::YOUNG);
		CHECK(pick(p, entry(10, 0), "p", LOW, {}) == Pick::YOUNG);
		CHECK(pick(p, entry(10, 2000), "p", LOW, {}) == Pick::REAP);
		CHECK(pick(p, entry(10, 86400000), "p", LOW, {}) == Pick::REAP);
		// what the contract refuses is never chosen, however old
		CHECK(pick(p, entry(10, 60000, 1), "p", LOW, {}) ==
		      Pick::REFUSED);
		CHECK(pick(p, entry(10, 60000, 0, true), "p", LOW, {}) ==
		      Pick::REFUSED);
		auto c = choose(p,
				{entry(10, 500), entry(11, 2500),
				 entry(12, 60000, 2), entry(13, 9000)},
				"p", LOW, [](int) { return Pressure{}; });
		REQUIRE(c.size() == 2);
		CHECK(c[0].pid == 11);
		CHECK(c[0].start == 511u);
		CHECK(c[0].comm == "z11");
		CHECK(c[1].pid == 13);
		CHECK(c[1].start == 513u);
	}

	TEST_CASE("the pressure threshold, on pid_max and on pids.max")
	{
		auto p = policy(2, 50);
		auto old = entry(10, 5000);
		// pid_max
		CHECK(pick(p, old, "p", Pressure{16384, 32768}, {}) ==
		      Pick::REAP);
		CHECK(pick(p, old, "p", Pressure{16383, 32768}, {}) ==
		      Pick::LOW_PRESSURE);
		// the zombie's cgroup pids.max, host pressure low
		CHECK(pick(p, old, "p", LOW, Pressure{150, 300}) == Pick::REAP);
		CHECK(pick(p, old, "p", LOW, Pressure{149, 300}) ==
		      Pick::LOW_PRESSURE);
		CHECK(pick(p, old, "p", LOW, Pressure{299, -1}) ==
		      Pick::LOW_PRESSURE); // "max": no limit, no pressure
		CHECK(pick(p, old, "p", Pressure{}, Pressure{}) ==
		      Pick::LOW_PRESSURE); // nothing known: no pressure
		// high pressure does not make a young zombie old
		CHECK(pick(p, entry(10, 1000), "p", LOW, Pressure{300, 300}) ==
		      Pick::YOUNG);
		// per zombie: each its own cgroup
		auto c = choose(p, {entry(20, 5000), entry(21, 5000)}, "p", LOW,
				[](int pid) {
					return pid == 21 ? Pressure{200, 300}
							 : Pressure{10, 300};
				});
		REQUIRE(c.size() == 1);
		CHECK(c[0].pid == 21);
	}

	TEST_CASE("--parent: only zombies of parents so named")
	{
		auto p = policy(2, std::nullopt, {"leaky", "a) b (c"});
		auto old = entry(10, 5000);
		CHECK(pick(p, old, "leaky", LOW, {}) == Pick::REAP);
		CHECK(pick(p, old, "a) b (c", LOW, {}) == Pick::REAP);
		CHECK(pick(p, old, "leak", LOW, {}) == Pick::OTHER_PARENT);
		CHECK(pick(p, old, "leakyy", LOW, {}) == Pick::OTHER_PARENT);
		CHECK(pick(p, old, "", LOW, {}) == Pick::OTHER_PARENT);
		CHECK(choose(p, {old}, "init", LOW, [](int) {
			      return Pressure{};
		      }).empty());
	}

	TEST_CASE("watch without a policy: the textfile, no reap_zombie "
		  "opened for writing, exit 0 on SIGTERM")
	{
		ProcTree t;
		seed(t);
		auto listing = t.read("proc/7/reap_zombie");
		auto dir = t.sys() + "/textfile";
		std::filesystem::create_directories(dir);
		int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		REQUIRE(in >= 0);
		REQUIRE(inotify_add_watch(in, (t.proc() + "/7").c_str(),
					  IN_CLOSE_WRITE | IN_MODIFY) >= 0);
		REQUIRE(inotify_add_watch(in, (t.proc() + "/42").c_str(),
					  IN_CLOSE_WRITE | IN_MODIFY) >= 0);
		auto r = watch_once(t, {"--interval", "1s", "--textfile",
					dir + "/zombiectl.prom"});
		CHECK(r.rc == 0);
		CHECK(r.stopped);
		CHECK(r.err == "");
		CHECK(r.out.find("observing only") != std::string::npos);
		CHECK(r.out.find("stopping on SIGTERM") != std::string::npos);
		char buf[4096];
		CHECK(::read(in, buf, sizeof(buf)) < 0); // no event at all
		::close(in);
		CHECK(t.read("proc/7/reap_zombie") == listing);
		// the file, and no temporary beside it
		CHECK(names(dir) == std::vector<std::string>{"zombiectl.prom"});
		auto text = t.read("sys/textfile/zombiectl.prom");
		CHECK(text.find("\nreap_zombie_zombies 2\n") !=
		      std::string::npos);
		CHECK(text.find("reap_zombie_zombies_by_parent{ppid=\"7\","
				"comm=\"leaky\"} 2\n") != std::string::npos);
		CHECK(text.find("reap_zombie_cgroup_pids_max{cgroup=\"/app\"} "
				"300\n") != std::string::npos);
		CHECK(text.find("\nreap_zombie_reaped_total 0\n") !=
		      std::string::npos);
		CHECK((std::filesystem::status(dir + "/zombiectl.prom")
			   .permissions() &
		       std::filesystem::perms::all) ==
		      (std::filesystem::perms::owner_read |
		       std::filesystem::perms::owner_write |
		       std::filesystem::perms::group_read |
		       std::filesystem::perms::others_read));
	}

	TEST_CASE("watch stops on SIGINT too: exit 0, the textfile, no "
		  "temporary")
	{
		ProcTree t;
		seed(t);
		auto dir = t.sys() + "/textfile";
		std::filesystem::create_directories(dir);
		auto r =
		    watch_once(t, {"-i", "1s", "-t", dir + "/z.prom"}, SIGINT);
		CHECK(r.rc == 0);
		CHECK(r.stopped);
		CHECK(r.err == "");
		CHECK(r.out.find("stopping on SIGINT") != std::string::npos);
		CHECK(names(dir) == std::vector<std::string>{"z.prom"});
		CHECK(t.read("sys/textfile/z.prom")
			  .find("\nreap_zombie_zombies 2\n") !=
		      std::string::npos);
	}

	TEST_CASE("watch with a policy writes only the old zombie")
	{
		ProcTree t;
		seed(t);
		auto listing = t.read("proc/7/reap_zombie");
		auto dir = t.sys() + "/textfile";
		std::filesystem::create_directories(dir);
		auto r = watch_once(t, {"-i", "1s", "-t", dir + "/z.prom",
					"--reap-older-than", "30s"});
		CHECK(r.rc == 0);
		// a fixture's file is a plain file: the payload lands over
		// the start of the listing, which then reads malformed; what
		// matters is the payload: 42 (60 s), not 43 (1 s)
		const std::string payload = "42:4242\n";
		CHECK(t.read("proc/7/reap_zombie") ==
		      payload + listing.substr(payload.size()));
		CHECK(r.err.find("pid 42 (w): written") != std::string::npos);
		CHECK(r.err.find("pid 43") == std::string::npos);
		CHECK(names(dir) == std::vector<std::string>{"z.prom"});

		// --parent naming another parent: nothing written
		ProcTree u;
		seed(u);
		listing = u.read("proc/7/reap_zombie");
		r = watch_once(u, {"-t", dir + "/z.prom", "--reap-older-than",
				   "30s", "--parent", "other"});
		CHECK(r.rc == 0);
		CHECK(u.read("proc/7/reap_zombie") == listing);
		// --when-pressure not reached (3 of 300, 8 of 32768)
		r = watch_once(u, {"-t", dir + "/z.prom", "--reap-older-than",
				   "30s", "--when-pressure", "50%"});
		CHECK(r.rc == 0);
		CHECK(u.read("proc/7/reap_zombie") == listing);
		// reached on the cgroup
		u.write("sys/fs/cgroup/app/pids.current", "150\n");
		r = watch_once(u, {"-t", dir + "/z.prom", "--reap-older-than",
				   "30s", "--when-pressure", "50"});
		CHECK(u.read("proc/7/reap_zombie").rfind(payload, 0) == 0);
	}

	TEST_CASE("watch says once when the module goes and comes back")
	{
		ProcTree t;
		seed(t);
		auto file = t.sys() + "/m.prom";
		std::vector<std::string> all = {"zombiectl",
						"--proc",
						t.proc(),
						"--sys",
						t.sys(),
						"watch",
						"-i",
						"20ms",
						"-t",
						file,
						"--reap-older-than",
						"1h"};
		std::vector<const char *> argv;
		for (auto &a : all)
			argv.push_back(a.c_str());
		SigtermBlocked blocked;
		const pthread_t self = pthread_self();
		std::string unloaded_text, loaded_text;
		std::thread mover([&] {
			using namespace std::chrono_literals;
			// the textfile once it shows @what (at most 20 s: a
			// loaded machine), rounds being 20 ms apart
			auto shows = [&](const std::string &what) {
				for (int i = 0; i < 2000; i++) {
					auto s = t.read("sys/m.prom");
					if (s.find(what) != std::string::npos)
						return s;
					std::this_thread::sleep_for(10ms);
				}
				return std::string();
			};
			// the module directory goes and comes in one rename,
			// as it does for the tool (the files only after it)
			const auto mod = t.sys() + "/module/reap_zombie",
				   away = t.sys() + "/away";
			shows("\nreap_zombie_module_loaded 1\n");
			std::filesystem::rename(mod, away);
			t.module(false);
			unloaded_text =
			    shows("\nreap_zombie_module_loaded 0\n");
			std::filesystem::rename(away, mod); // loaded again
			loaded_text = shows("\nreap_zombie_module_loaded 1\n");
			std::this_thread::sleep_for(100ms);
			t.module(true);
			std::this_thread::sleep_for(100ms);
			pthread_kill(self, SIGTERM);
		});
		std::ostringstream out, err;
		int rc =
		    run(static_cast<int>(argv.size()), argv.data(), out, err);
		mover.join();
		CHECK(rc == 0);
		auto o = out.str();
		CAPTURE(o);
		CHECK(count(o, "module unloaded: observing only\n") == 1);
		CHECK(count(o, "module loaded again\n") == 1);
		// its files come after its directory: no "switched off" then
		CHECK(o.find("switched") == std::string::npos);
		CHECK(o.find("module unloaded") <
		      o.find("module loaded again"));
		CHECK(o.find("stopping on SIGTERM") != std::string::npos);
		CHECK(unloaded_text.find("\nreap_zombie_module_loaded 0\n") !=
		      std::string::npos);
		CHECK(loaded_text.find("\nreap_zombie_module_loaded 1\n") !=
		      std::string::npos);
		CHECK(names(t.sys()).size() == 3); // fs, module, m.prom
	}

	TEST_CASE("watch: usage errors exit 2, an unwritable textfile 1")
	{
		ProcTree t;
		seed(t);
		auto f = t.sys() + "/z.prom";
		for (std::vector<std::string> bad :
		     {std::vector<std::string>{"-i", "1s"},
		      {"-t", f, "-i", "0"},
		      {"-t", f, "-i", "1x"},
		      {"-t", f, "--when-pressure", "50%"},
		      {"-t", f, "--parent", "x"},
		      {"-t", f, "--reap-older-than", "soon"},
		      {"-t", f, "--reap-older-than", "2s", "--when-pressure",
		       "150%"}}) {
			auto r = watch_once(t, bad);
			CAPTURE(r.err);
			CHECK(r.rc == 2);
		}
		// the rename fails (a directory is in the way): the
		// temporary goes too
		std::filesystem::create_directories(t.sys() + "/out/d.prom/x");
		auto d = watch_once(t, {"-t", t.sys() + "/out/d.prom"});
		CHECK(d.rc == 1);
		CHECK(d.err.find("rename") != std::string::npos);
		CHECK(names(t.sys() + "/out") ==
		      std::vector<std::string>{"d.prom"});
		auto r = watch_once(t, {"-t", t.sys() + "/no/such/z.prom"});
		CHECK(r.rc == 1);
		CHECK(r.err.find("no/such") != std::string::npos);
		CHECK(!std::filesystem::exists(t.sys() + "/no"));
	}
}
