// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "app.hpp"
#include "fixture.hpp"
#include "json.hpp"

using namespace rz;
using namespace rz::test;

namespace
{

struct Ran {
	int rc;
	std::string out, err;
};

Ran zombiectl(const ProcTree &t, std::vector<std::string> args)
{
	std::vector<std::string> all = {"zombiectl", "--proc", t.proc(),
					"--sys", t.sys()};
	all.insert(all.end(), args.begin(), args.end());
	std::vector<const char *> argv;
	for (auto &a : all)
		argv.push_back(a.c_str());
	std::ostringstream out, err;
	int rc = run(static_cast<int>(argv.size()), argv.data(), out, err);
	return {rc, out.str(), err.str()};
}

// Strict enough JSON syntax check: returns true when @s is one value.
struct JsonCheck {
	const std::string &s;
	size_t i = 0;
	void ws()
	{
		while (i < s.size() && (s[i] == ' ' || s[i] == '\n'))
			i++;
	}
	bool lit(const char *l)
	{
		std::string w(l);
		if (s.compare(i, w.size(), w))
			return false;
		i += w.size();
		return true;
	}
	bool str()
	{
		if (s[i++] != '"')
			return false;
		while (i < s.size() && s[i] != '"') {
			if (static_cast<unsigned char>(s[i]) < 0x20)
				return false;
			i += s[i] == '\\' ? 2 : 1;
		}
		return i++ < s.size();
	}
	bool num()
	{
		size_t st = i;
		if (s[i] == '-')
			i++;
		while (i < s.size() && (isdigit(s[i]) || s[i] == '.'))
			i++;
		return i > st;
	}
	bool value()
	{
		ws();
		if (i >= s.size())
			return false;
		bool ok;
		if (s[i] == '{') {
			i++;
			ws();
			if (s[i] == '}')
				return ++i;
			do {
				ws();
				if (!str())
					return false;
				ws();
				if (s[i++] != ':' || !value())
					return false;
				ws();
			} while (s[i] == ',' && ++i);
			ok = s[i++] == '}';
		} else if (s[i] == '[') {
			i++;
			ws();
			if (s[i] == ']')
				return ++i;
			do {
				if (!value())
					return false;
				ws();
			} while (s[i] == ',' && ++i);
			ok = s[i++] == ']';
		} else if (s[i] == '"') {
			ok = str();
		} else if (s[i] == 't' || s[i] == 'f' || s[i] == 'n') {
			ok = lit("true") || lit("false") || lit("null");
		} else {
			ok = num();
		}
		return ok;
	}
	bool whole()
	{
		bool ok = value();
		ws();
		return ok && i == s.size();
	}
};

bool valid_json(const std::string &s)
{
	return JsonCheck{s}.whole();
}

// Parent 7 (sh) sleeping with zombie 42 (exit 42) and a live child 43.
void seed(ProcTree &t, bool module = true)
{
	t.process(7, stat_text(7, "sh", 'S', 1), status_text(7, 1), module,
		  "0::/app\n");
	t.process(42, stat_text(42, "worker", 'Z', 7, 1, 42 << 8),
		  status_text(42, 7), module);
	t.process(43, stat_text(43, "busy", 'R', 7), status_text(43, 7), module,
		  "0::/app\n");
	t.write("sys/fs/cgroup/app/pids.current", "3\n");
	t.write("sys/fs/cgroup/app/pids.max", "3\n");
}

// The names opened in each of @dirs ("." for the directory itself) since
// the last take(), as inotify reports them.
class Opens
{
public:
	explicit Opens(const std::vector<std::string> &dirs)
	    : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
	{
		REQUIRE(fd_ >= 0);
		for (auto &d : dirs) {
			int wd = inotify_add_watch(fd_, d.c_str(), IN_OPEN);
			REQUIRE(wd >= 0);
			dirs_[wd] = d;
		}
	}
	~Opens() { ::close(fd_); }
	Opens(const Opens &) = delete;
	Opens &operator=(const Opens &) = delete;

	std::map<std::string, std::set<std::string>> take()
	{
		std::map<std::string, std::set<std::string>> out;
		alignas(inotify_event) char buf[65536];
		ssize_t n;
		while ((n = ::read(fd_, buf, sizeof(buf))) > 0) {
			for (char *p = buf; p < buf + n;) {
				auto *e = reinterpret_cast<inotify_event *>(p);
				out[dirs_[e->wd]].insert(
				    e->len ? std::string(e->name) : ".");
				p += sizeof(inotify_event) + e->len;
			}
		}
		return out;
	}

private:
	int fd_;
	std::map<int, std::string> dirs_;
};

// The pids of the results of `reap -J`, in their order.
std::vector<int> result_pids(const std::string &json)
{
	std::vector<int> out;
	const std::string key = "{\"pid\":";
	for (auto at = json.find(key); at != std::string::npos;
	     at = json.find(key, at + 1))
		out.push_back(std::stoi(json.substr(at + key.size())));
	return out;
}

} // namespace

TEST_SUITE("json")
{
	TEST_CASE("writer escapes and nests")
	{
		Json j;
		j.begin_object()
		    .value("s", "a\"b\\c\nd\x01")
		    .value("n", 42)
		    .value("b", true)
		    .null("z")
		    .begin_array("a")
		    .begin_object()
		    .value("x", 1.5)
		    .end_object()
		    .end_array()
		    .end_object();
		CHECK(j.str() ==
		      "{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":42,\"b\":true,"
		      "\"z\":null,\"a\":[{\"x\":1.500}]}\n");
		CHECK(valid_json(j.str()));
		CHECK_FALSE(valid_json("{\"a\":}"));
		CHECK_FALSE(valid_json("{\"a\":1"));
	}
}

TEST_SUITE("cli")
{
	TEST_CASE("list, as a table and as JSON")
	{
		ProcTree t;
		seed(t);
		auto r = zombiectl(t, {"list"});
		CHECK(r.rc == 0);
		CHECK(
		    r.out.find("\n42   worker  7     sh      S      exit 42") !=
		    std::string::npos);
		CHECK(r.out.find("exit 42") != std::string::npos);
		CHECK(r.out.find("1 zombie of pid 7 (sh, sleeping)") !=
		      std::string::npos);
		CHECK(r.out.find("pids in use: 120 of pid_max 32768") !=
		      std::string::npos);
		CHECK(r.out.find("cgroup /app: pids.current 3, pids.max 3") !=
		      std::string::npos);
		CHECK(r.out.find("busy") == std::string::npos);

		r = zombiectl(t, {"list", "-J"});
		CHECK(r.rc == 0);
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"pid\":42,\"comm\":\"worker\",\"ppid\":7") !=
		      std::string::npos);
		CHECK(r.out.find("\"exit_code\":10752,\"exit\":\"exit 42\"") !=
		      std::string::npos);
		CHECK(r.out.find("\"cgroup\":\"/app\"") != std::string::npos);
		CHECK(r.out.find("\"pid_max\":32768,\"pids_in_use\":120") !=
		      std::string::npos);

		r = zombiectl(t, {"list", "--parent", "99"});
		CHECK(r.out.find("no zombies") != std::string::npos);
	}
	TEST_CASE("reap validates before it writes")
	{
		ProcTree t;
		seed(t);
		auto r = zombiectl(t, {"reap", "43"});
		CHECK(r.rc == 1);
		CHECK(r.err == "zombiectl: pid 43 (busy) is not a zombie, it "
			       "is running: use kill\n");
		r = zombiectl(t, {"reap", "4343"});
		CHECK(r.rc == 1);
		CHECK(r.err == "zombiectl: pid 4343 does not exist\n");
		for (auto bad : {"0", "abc", "99999999999", "42:"}) {
			CAPTURE(bad);
			r = zombiectl(t, {"reap", bad});
			CHECK(r.rc == 1);
			CHECK(r.err.find("is not") != std::string::npos);
		}
		for (auto args : {std::vector<std::string>{"reap", "--", "-5"},
				  std::vector<std::string>{"reap", "-5"}}) {
			r = zombiectl(t, args);
			CHECK(r.rc == 1);
			CHECK(r.err == "zombiectl: '-5' is not a process id (a "
				       "positive number)\n");
		}
	}
	TEST_CASE("reap --dry-run, JSON, and partial results")
	{
		ProcTree t;
		seed(t);
		// the fixture zombie started at tick 100, uptime 1000 s: old
		auto r = zombiectl(t, {"reap", "--dry-run", "-J", "42"});
		INFO(r.err);
		CHECK(r.rc == 0);
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"outcome\":\"dry-run\"") !=
		      std::string::npos);
		CHECK(r.out.find("\"exit\":\"exit 42\"") != std::string::npos);

		r = zombiectl(t, {"reap", "--dry-run", "-J", "42", "43"});
		CHECK(r.rc == 64);
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"outcome\":\"refused\"") !=
		      std::string::npos);

		r = zombiectl(t, {"reap", "--dry-run", "--children-of", "7"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("pid 42 (worker) would be reaped: exit 42") !=
		      std::string::npos);
		r = zombiectl(t, {"reap", "--dry-run", "--children-of", "43"});
		CHECK(r.rc == 1);
		CHECK(r.err.find("no zombies among the children of pid 43") !=
		      std::string::npos);
	}
	TEST_CASE("reap --jobs keeps the order and writes nothing on a dry run")
	{
		ProcTree t;
		seed(t);
		std::vector<std::string> args = {"reap", "--dry-run", "-J"};
		for (int pid = 100; pid < 300; pid++) {
			t.process(pid,
				  stat_text(pid, "w" + std::to_string(pid), 'Z',
					    7, 1, (pid % 7) << 8),
				  status_text(pid, 7));
			args.push_back(std::to_string(pid));
		}
		args.push_back("43"); // refused, in the middle of the output
		args.push_back("123");
		auto one = zombiectl(t, [&] {
			auto a = args;
			a.insert(a.begin() + 1, {"--jobs", "1"});
			return a;
		}());
		CHECK(one.rc == 64);
		CHECK(valid_json(one.out));
		// ascending as given, then 43, then 123 again
		size_t at = 0;
		for (int pid = 100; pid < 300; pid++) {
			at = one.out.find(
			    "{\"pid\":" + std::to_string(pid) + ",", at);
			REQUIRE(at != std::string::npos);
		}
		CHECK(one.out.find("{\"pid\":43,", at) != std::string::npos);
		for (auto j : {"2", "16", "1024"}) {
			CAPTURE(j);
			auto a = args;
			a.insert(a.begin() + 1, {"-j", j});
			auto r = zombiectl(t, a);
			CHECK(r.rc == one.rc);
			CHECK(r.out == one.out);
			CHECK(r.err == one.err);
		}
		// the default, and text output
		args.erase(args.begin() + 2); // -J
		auto text = zombiectl(t, args);
		CHECK(text.rc == 64);
		CHECK(
		    text.out.find("pid 100 (w100) would be reaped: exit 2 (dry "
				  "run)\npid 101 (w101) would be reaped: "
				  "exit 3 (dry run)\n") == 0);
		CHECK(text.err ==
		      "zombiectl: pid 43 (busy) is not a zombie, it "
		      "is running: use kill\n");
		// nothing written to any reap_zombie file
		for (int pid : {42, 100, 199, 299}) {
			CAPTURE(pid);
			auto f = t.proc() + "/" + std::to_string(pid) +
				 "/reap_zombie";
			CHECK(std::filesystem::file_size(f) == 0);
		}
	}
	TEST_CASE("reap of many named pids holds few descriptors")
	{
		ProcTree t;
		seed(t);
		std::vector<std::string> args = {"reap", "--dry-run", "-j",
						 "1"};
		for (int pid = 100; pid < 300; pid++) {
			t.process(pid, stat_text(pid, "w", 'Z', 7),
				  status_text(pid, 7));
			args.push_back(std::to_string(pid));
		}
		struct rlimit old {
		};
		REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
		struct rlimit low = old;
		low.rlim_cur = 40; // room for one job, not for 200 held
		REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
		auto r = zombiectl(t, args);
		setrlimit(RLIMIT_NOFILE, &old);
		CHECK(r.rc == 0);
		CHECK(r.err == "");
	}
	TEST_CASE("reap --jobs takes 1 to 1024")
	{
		ProcTree t;
		seed(t);
		for (auto j : {"1", "32", "1024"}) {
			CAPTURE(j);
			auto r = zombiectl(
			    t, {"reap", "--dry-run", "--jobs", j, "42"});
			CHECK(r.rc == 0);
			CHECK(r.out.find("pid 42 (worker) would be reaped") ==
			      0);
		}
		for (auto j : {"0", "1025", "abc", "-1", "2x", ""}) {
			CAPTURE(j);
			auto r = zombiectl(
			    t, {"reap", "--dry-run", "--jobs", j, "42"});
			CHECK(r.rc == 2);
			CHECK(r.out == "");
			CHECK(r.err.find("--jobs: '" + std::string(j) +
					 "' is not a number of jobs from 1 to "
					 "1024\n") == 0);
		}
		auto r = zombiectl(t, {"reap", "--help"});
		CHECK(r.out.find("-j,--jobs N:1..1024=32") !=
		      std::string::npos);
	}
	TEST_CASE("reap without the module says how to load it")
	{
		ProcTree t;
		seed(t, false);
		auto r = zombiectl(t, {"reap", "--dry-run", "42"});
		CHECK(r.rc == 1);
		CHECK(r.err.find("modprobe reap_zombie") != std::string::npos);
	}
	TEST_CASE("usage errors exit 2, help and version 0")
	{
		ProcTree t;
		CHECK(zombiectl(t, {}).rc == 2);
		CHECK(zombiectl(t, {"frobnicate"}).rc == 2);
		CHECK(zombiectl(t, {"reap"}).rc == 2);
		CHECK(zombiectl(t, {"reap", "1", "--all"}).rc == 2);
		CHECK(zombiectl(t, {"reap", "--grace", "-1", "1"}).rc == 2);
		CHECK(zombiectl(t, {"list", "--parent", "0"}).rc == 2);
		auto r = zombiectl(t, {"--help"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("reap") != std::string::npos);
		r = zombiectl(t, {"reap", "--help"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("--children-of") != std::string::npos);
		CHECK(r.out.find("Examples:") != std::string::npos);
		r = zombiectl(t, {"--version"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("zombiectl ") == 0);
	}
	TEST_CASE("a subcommand named first gets only its own options built")
	{
		auto a = make_app("reap");
		CHECK(a->reap != nullptr);
		CHECK(a->list == nullptr);
		CHECK(a->why == nullptr);
		CHECK(a->status == nullptr);
		CHECK(a->unload == nullptr);
		auto all = make_app();
		CHECK(all->list != nullptr);
		CHECK(all->unload != nullptr);
		// the same answers as with the whole command line built
		auto bare = [](std::vector<const char *> argv) {
			std::ostringstream out, err;
			int rc = run(static_cast<int>(argv.size()), argv.data(),
				     out, err);
			return std::make_pair(rc, out.str());
		};
		auto h = bare({"zombiectl", "reap", "--help"});
		CHECK(h.first == 0);
		CHECK(h.second.find("--children-of") != std::string::npos);
		CHECK(bare({"zombiectl", "reap", "--bogus"}).first == 2);
		CHECK(bare({"zombiectl", "reap", "1", "--all"}).first == 2);
		CHECK(bare({"zombiectl", "list", "--parent", "0"}).first == 2);
		CHECK(bare({"zombiectl", "why"}).first == 2);
		CHECK(bare({"zombiectl", "unload", "extra"}).first == 2);
	}
	TEST_CASE("status without the module")
	{
		ProcTree t;
		auto r = zombiectl(t, {"status"});
		CHECK(r.rc == 1);
		CHECK(r.out.find("not loaded") != std::string::npos);
		t.write("sys/module/reap_zombie/version", "0.1.0\n");
		t.write("sys/module/reap_zombie/parameters/enabled", "Y\n");
		t.process(5, stat_text(5, "zombie_reaper", 'S', 2),
			  status_text(5, 2));
		r = zombiectl(t, {"status", "-J"});
		CHECK(r.rc == 0);
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"loaded\":true,\"version\":\"0.1.0\","
				 "\"enabled\":true,\"reaper_pid\":5") !=
		      std::string::npos);
	}
	TEST_CASE("why explains, as text and JSON")
	{
		ProcTree t;
		seed(t);
		auto r = zombiectl(t, {"why", "42"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("pid 42 (worker) is a zombie: exit 42") == 0);
		CHECK(r.out.find("what would help:") != std::string::npos);
		r = zombiectl(t, {"why", "-J", "42"});
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"remedy\":") != std::string::npos);
		r = zombiectl(t, {"why", "4343"});
		CHECK(r.rc == 1);
	}
	TEST_CASE("why: the age from DEAD_MS, else estimated and said so")
	{
		ProcTree t;
		seed(t); // listed by 7, dead 60 s
		auto r = zombiectl(t, {"why", "42"});
		CHECK(r.out.find("pid 42 (worker) is a zombie: exit 42, dead "
				 "60.0 s\n") == 0);
		r = zombiectl(t, {"why", "-J", "42"});
		CHECK(r.out.find("\"dead_seconds\":60.000,\"age_estimated\":"
				 "false") != std::string::npos);
		// no module: the start time bounds it (uptime 1000 s, started
		// at tick 100)
		ProcTree n;
		seed(n, false);
		r = zombiectl(n, {"why", "42"});
		CHECK(r.out.find("pid 42 (worker) is a zombie: exit 42, dead "
				 "at most 999.0 s (estimated)\n") == 0);
		r = zombiectl(n, {"why", "-J", "42"});
		CHECK(r.out.find("\"age_estimated\":true") !=
		      std::string::npos);
	}
	TEST_CASE("reap reads the target's stat and status, not what why reads")
	{
		ProcTree t;
		seed(t);
		t.write("proc/42/stack", "[<0>] do_exit+0x1/0x2\n");
		t.write("proc/42/sched", "se.exec_start : 1.0\n");
		t.write("proc/7/stack", "[<0>] do_wait+0x1/0x2\n");
		t.write("proc/7/sched", "se.exec_start : 1.0\n");
		const auto z = t.proc() + "/42", p = t.proc() + "/7";
		Opens opens({z, z + "/task", z + "/task/42", p});
		using Names = std::set<std::string>;

		auto r = zombiectl(t, {"reap", "--dry-run", "--force", "42"});
		CHECK(r.rc == 0);
		CHECK(r.out == "pid 42 (worker) would be reaped: exit 42 (dry "
			       "run)\n");
		auto o = opens.take();
		CHECK(o[z] == Names{".", "stat", "status"});
		CHECK(o[z + "/task"].empty());
		CHECK(o[z + "/task/42"].empty());
		CHECK(o[p].empty()); // the parent's comm only for a reap

		// the grace period of a named zombie: DEAD_MS of its
		// parent's listing, not sched
		r = zombiectl(t, {"reap", "--dry-run", "-J", "42"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("\"outcome\":\"dry-run\"") !=
		      std::string::npos);
		o = opens.take();
		CHECK(o[z] == Names{".", "stat", "status"});
		CHECK(o[p] == Names{".", "reap_zombie"});

		// the batch form reads the parent's listing, nothing of the
		// zombie: not its directory, not its sched
		r = zombiectl(
		    t, {"reap", "--dry-run", "-J", "--children-of", "7"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("\"outcome\":\"dry-run\"") !=
		      std::string::npos);
		o = opens.take();
		CHECK(o[z].empty());
		CHECK(o[z + "/task"].empty());
		CHECK(o[p] == Names{".", "stat", "reap_zombie"});

		r = zombiectl(t, {"reap", "--dry-run", "43"}); // refused
		CHECK(r.rc == 1);
		o = opens.take();
		CHECK(o[z].empty());
		CHECK(o[p].empty());

		// why still reads them all, for the target and its parent
		r = zombiectl(t, {"why", "42"});
		CHECK(r.rc == 0);
		o = opens.take();
		for (auto f : {"stat", "status", "cgroup", "wchan", "stack",
			       "sched", "task"}) {
			CAPTURE(f);
			CHECK(o[z].count(f) == 1);
			CHECK(o[p].count(f) == 1);
		}
		CHECK(o[z + "/task"] == Names{"."});
		CHECK(o[z + "/task/42"] == Names{"stat"});

		// so reap works where those cannot be read, and why tells
		for (auto f : {"wchan", "stack", "sched", "cgroup", "task"})
			std::filesystem::remove_all(z + "/" + f);
		for (auto f : {"wchan", "stack", "sched"})
			std::filesystem::create_directory(z + "/" + f);
		r = zombiectl(t, {"reap", "--dry-run", "-J", "42"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("\"outcome\":\"dry-run\"") !=
		      std::string::npos);
		r = zombiectl(t, {"why", "-J", "42"});
		CHECK(r.rc == 0);
		CHECK(valid_json(r.out));
	}
	TEST_CASE("reap writes after reading stat alone; the kernel checks")
	{
		ProcTree t;
		seed(t);
		const auto z = t.proc() + "/42";
		Opens opens({z});
		using Names = std::set<std::string>;
		// A fixture's reap_zombie is a plain file: the write succeeds
		// and nothing is released.
		auto r = zombiectl(t, {"reap", "--force", "42"});
		CHECK(r.rc == 1);
		CHECK(r.out == "");
		CHECK(r.err ==
		      "zombiectl: pid 42 (worker): the write succeeded "
		      "but the process is still there\n");
		CHECK(opens.take()[z] == Names{".", "stat", "reap_zombie"});
		CHECK(t.read("proc/42/reap_zombie") == "1");
	}
	TEST_CASE("reap checks the module once, and says when it went away")
	{
		ProcTree t;
		seed(t);
		// self/reap_zombie decides, not the target's own file
		std::filesystem::remove(t.proc() + "/42/reap_zombie");
		auto r = zombiectl(t, {"reap", "--dry-run", "42"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("pid 42 (worker) would be reaped") == 0);
		// gone between that check and the open: unloaded or disabled
		r = zombiectl(t, {"reap", "--force", "-J", "42"});
		CHECK(r.rc == 1);
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"outcome\":\"failed\"") !=
		      std::string::npos);
		CHECK(r.err ==
		      "zombiectl: pid 42 (worker): its reap_zombie file is "
		      "gone: the module was unloaded or switched off meanwhile "
		      "(modprobe reap_zombie, or enable it)\n");
		// no self/reap_zombie: missing for every target, whatever
		// their own directories hold
		t.write("proc/42/reap_zombie", "");
		t.module(false);
		const auto z = t.proc() + "/42";
		Opens opens({z});
		r = zombiectl(t, {"reap", "42"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: pid 42 (worker): /proc/42/reap_zombie "
		      "is missing: load the module (modprobe "
		      "reap_zombie) or enable it\n");
		// the refusal is explained from stat and status; no write
		CHECK(opens.take()[z] ==
		      std::set<std::string>{".", "stat", "status"});
		CHECK(t.read("proc/42/reap_zombie") == "");
	}
	// What the dry runs of the seed's 7 with 42, 46 (traced by 99) and 47
	// print.
	const std::string dry_run_42_47 =
	    "pid 42 (worker) would be reaped: exit 42 (dry run)\n"
	    "pid 47 (unlisted) would be reaped: exit 3 (dry run)\n";
	const std::string traced_46 =
	    "zombiectl: pid 46 (traced) is traced by pid 99: its tracer "
	    "must wait for it or detach\n";

	TEST_CASE("reap explains a refusal from status: thread, tracer")
	{
		ProcTree t;
		seed(t);
		// a thread of process 40 named: its stat looks like a process
		t.process(50, stat_text(50, "worker", 'S', 7),
			  status_text(40, 7));
		// a traced zombie
		t.process(51, stat_text(51, "traced", 'Z', 7, 1, 3 << 8),
			  status_text(51, 7, 99));
		auto r = zombiectl(t, {"reap", "--force", "50"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: pid 50 (worker) is a thread of process "
		      "40, not a process: name its process\n");
		CHECK(t.read("proc/50/reap_zombie") == "");
		// a dry run writes nothing for the kernel to check: it reads
		// status in its place
		r = zombiectl(t, {"reap", "--dry-run", "--force", "51"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: pid 51 (traced) is traced by pid 99: "
		      "its tracer must wait for it or detach\n");
		// refused for another reason on stat alone (no module): the
		// tracer still comes first, as before
		t.module(false);
		r = zombiectl(t, {"reap", "--force", "51"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: pid 51 (traced) is traced by pid 99: "
		      "its tracer must wait for it or detach\n");
		CHECK(t.read("proc/51/reap_zombie") == "");
	}
	TEST_CASE("reap --children-of reads its parent's listing, nothing else")
	{
		ProcTree t;
		seed(t); // 7 (sh) with zombie 42 and live 43
		t.process(44, stat_text(44, "moved", 'Z', 8, 1, 1 << 8),
			  status_text(44, 8)); // another parent's
		t.process(46, stat_text(46, "traced", 'Z', 7, 1, 2 << 8),
			  status_text(46, 7, 99));
		t.process(47, stat_text(47, "unlisted", 'Z', 7, 1, 3 << 8),
			  status_text(47, 7));
		t.children(7, 7, {46, 43, 42});
		const auto p = t.proc() + "/7";
		Opens opens({p, t.proc() + "/42", t.proc() + "/43",
			     t.proc() + "/46", t.proc() + "/47"});
		auto r =
		    zombiectl(t, {"reap", "--dry-run", "--children-of", "7"});
		CHECK(r.rc == 64);
		// the listing, not the children files, names them
		CHECK(r.out == dry_run_42_47);
		// the tracer named from its status, read for the refusal only
		CHECK(r.err == traced_46);
		auto o = opens.take();
		CHECK(o[p] ==
		      std::set<std::string>{".", "stat", "reap_zombie"});
		CHECK(o[t.proc() + "/42"].empty());
		CHECK(o[t.proc() + "/43"].empty());
		CHECK(o[t.proc() + "/46"] == std::set<std::string>{"status"});
		CHECK(o[t.proc() + "/47"].empty());
		r = zombiectl(
		    t, {"reap", "--dry-run", "-J", "--children-of", "7"});
		CHECK(valid_json(r.out));
		CHECK(result_pids(r.out) == std::vector<int>{42, 46, 47});
		CHECK(r.out.find("\"pid\":46,\"comm\":\"traced\",\"outcome\":"
				 "\"refused\"") != std::string::npos);
		CHECK(r.out.find("\"exit_code\":768,\"exit\":\"exit 3\"") !=
		      std::string::npos);

		// no such parent, or none listed: no zombies
		r = zombiectl(t, {"reap", "--dry-run", "--children-of", "99"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: no zombies among the children of pid 99\n");
		t.write("proc/43/reap_zombie", "");
		r = zombiectl(
		    t, {"reap", "--dry-run", "-J", "--children-of", "43"});
		CHECK(r.rc == 1);
		CHECK(r.out == "{\"results\":[]}\n");
		CHECK(r.err ==
		      "zombiectl: no zombies among the children of pid 43\n");
		// a malformed listing is no batch form: the self form decides
		t.write("proc/43/reap_zombie", "garbage\n");
		r = zombiectl(t, {"reap", "--dry-run", "--children-of", "43"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: no zombies among the children of pid 43\n");
	}
	TEST_CASE("reap --children-of: the grace period on DEAD_MS")
	{
		ProcTree t;
		seed(t);
		t.dead_ms = 3000;
		t.process(48, stat_text(48, "young", 'Z', 7, 1, 0),
			  status_text(48, 7));
		t.dead_ms = 4000;
		t.process(49, stat_text(49, "lead", 'Z', 7, 3, 0),
			  status_text(49, 7, 0, 3));
		// sched says long dead: not what decides
		t.write("proc/48/sched", "se.exec_start : 1.0\n");
		auto r =
		    zombiectl(t, {"reap", "--dry-run", "--children-of", "7"});
		CHECK(r.rc == 64);
		CHECK(r.out == "pid 42 (worker) would be reaped: exit 42 (dry "
			       "run)\n");
		CHECK(r.err ==
		      "zombiectl: pid 48 (young) died 3.0 s ago, less than "
		      "the grace period of 10 s: its parent may still reap it "
		      "(use --force)\nzombiectl: pid 49 (lead) is a zombie "
		      "leader with 2 live thread(s): they must exit first (see "
		      "zombiectl why 49)\n");
		r = zombiectl(t, {"reap", "--dry-run", "--grace", "2",
				  "--children-of", "7"});
		CHECK(r.out.find("pid 48 (young) would be reaped") !=
		      std::string::npos);
		r = zombiectl(
		    t, {"reap", "--dry-run", "--force", "--children-of", "7"});
		CHECK(r.rc == 64); // live threads, whatever --force
		CHECK(r.out.find("pid 48 (young) would be reaped") !=
		      std::string::npos);
		// a named zombie too: DEAD_MS of its parent's listing
		r = zombiectl(t, {"reap", "--dry-run", "48"});
		CHECK(r.rc == 1);
		CHECK(r.err ==
		      "zombiectl: pid 48 (young) died 3.0 s ago, less than "
		      "the grace period of 10 s: its parent may still reap it "
		      "(use --force)\n");
		// several named: one batch of their parent
		r = zombiectl(
		    t, {"reap", "--dry-run", "-J", "42", "48", "42", "43"});
		CHECK(r.rc == 64);
		CHECK(valid_json(r.out));
		CHECK(result_pids(r.out) == std::vector<int>{42, 48, 42, 43});
		CHECK(r.err.find("pid 48 (young) died 3.0 s ago") !=
		      std::string::npos);
		CHECK(r.err.find("pid 43 (busy) is not a zombie") !=
		      std::string::npos);
	}
	TEST_CASE("reap --children-of without the batch form: the self form")
	{
		ProcTree t;
		seed(t); // 7 (sh) with zombie 42 and live 43
		t.process(44, stat_text(44, "moved", 'Z', 8, 1, 1 << 8),
			  status_text(44, 8)); // reparented meanwhile
		t.process(46, stat_text(46, "traced", 'Z', 7, 1, 2 << 8),
			  status_text(46, 7, 99));
		t.process(47, stat_text(47, "unlisted", 'Z', 7, 1, 3 << 8),
			  status_text(47, 7));
		// an older module: the parent's file cannot be read
		const auto p = t.proc() + "/7";
		std::filesystem::remove(p + "/reap_zombie");
		std::filesystem::create_directory(p + "/reap_zombie");
		t.children(7, 7, {46, 43, 42});
		t.children(7, 8, {45, 44}); // another thread's; 45 gone
		Opens opens({p, t.proc() + "/43", t.proc() + "/47"});
		auto r =
		    zombiectl(t, {"reap", "--dry-run", "--children-of", "7"});
		CHECK(r.rc == 64);
		CHECK(r.out == "pid 42 (worker) would be reaped: exit 42 (dry "
			       "run)\n");
		CHECK(r.err == traced_46);
		auto o = opens.take();
		CHECK(o[p].count("task") == 1);
		CHECK(o[t.proc() + "/43"] ==
		      std::set<std::string>{".", "stat"});
		CHECK(o[t.proc() + "/47"].empty()); // not listed, not read
		r = zombiectl(
		    t, {"reap", "--dry-run", "-J", "--children-of", "7"});
		CHECK(valid_json(r.out));
		CHECK(result_pids(r.out) == std::vector<int>{42, 46});

		// without a children file: every pid, the same silence
		std::filesystem::remove_all(p + "/task");
		r = zombiectl(t, {"reap", "--dry-run", "--children-of", "7"});
		CHECK(r.rc == 64);
		CHECK(r.out == dry_run_42_47);
		CHECK(r.err == traced_46);

		// an empty children file: no children, no zombies
		t.children(7, 7, {});
		r = zombiectl(t, {"reap", "--dry-run", "--children-of", "7"});
		CHECK(r.rc == 1);
		CHECK(r.out == "");
		CHECK(r.err ==
		      "zombiectl: no zombies among the children of pid "
		      "7\n");
		r = zombiectl(
		    t, {"reap", "--dry-run", "-J", "--children-of", "7"});
		CHECK(r.rc == 1);
		CHECK(r.out == "{\"results\":[]}\n");
		// several named pids of that parent: one by one
		t.children(7, 7, {46, 43, 42});
		r = zombiectl(t, {"reap", "--dry-run", "42", "47"});
		CHECK(r.rc == 0);
		CHECK(r.out == dry_run_42_47);
	}
	TEST_CASE("reap --all skips what is not a zombie, in pid order")
	{
		ProcTree t;
		seed(t);
		t.process(300, stat_text(300, "orphan", 'Z', 1, 1, 5 << 8),
			  status_text(300, 1));
		t.process(44, stat_text(44, "other", 'Z', 8, 1, 1 << 8),
			  status_text(44, 8));
		auto r = zombiectl(t, {"reap", "--dry-run", "-J", "--all"});
		CHECK(r.rc == 0);
		CHECK(r.err == "");
		CHECK(valid_json(r.out));
		CHECK(result_pids(r.out) == std::vector<int>{42, 44, 300});
		r = zombiectl(t, {"reap", "--dry-run", "--all"});
		CHECK(r.rc == 0);
		CHECK(r.out == "pid 42 (worker) would be reaped: exit 42 (dry "
			       "run)\npid 44 (other) would be reaped: exit 1 "
			       "(dry run)\npid 300 (orphan) would be reaped: "
			       "exit 5 (dry run)\n");

		ProcTree live;
		live.process(7, stat_text(7, "sh", 'S', 1), status_text(7, 1));
		live.process(43, stat_text(43, "busy", 'R', 7),
			     status_text(43, 7));
		r = zombiectl(live, {"reap", "--dry-run", "--all"});
		CHECK(r.rc == 1);
		CHECK(r.out == "");
		CHECK(r.err == "zombiectl: no zombies\n");
		r = zombiectl(live, {"reap", "--dry-run", "-J", "--all"});
		CHECK(r.rc == 1);
		CHECK(r.out == "{\"results\":[]}\n");
	}
}

TEST_SUITE("cli: list -o and -n")
{
	TEST_CASE("list -o picks the table's columns, in any case")
	{
		ProcTree t;
		seed(t);
		auto r = zombiectl(t, {"list", "-o", "pid,PPID,Exit"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("PID  PPID  EXIT\n42   7     exit 42\n\n1 "
				 "zombie of pid 7 (sh, sleeping)\n") == 0);
		r = zombiectl(t, {"list", "--output", "cgroup,pid,pid"});
		CHECK(r.out.find("CGROUP  PID  PID\n/app    42   42\n") == 0);
		// JSON keeps every key
		r = zombiectl(t, {"list", "-J", "-o", "pid"});
		CHECK(r.rc == 0);
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"comm\":\"worker\"") != std::string::npos);
	}
	TEST_CASE("list -o AGE: DEAD_MS of the listing, else estimated")
	{
		ProcTree t;
		seed(t); // 42 listed by 7, dead 60 s
		t.dead_ms = 3500;
		t.process(48, stat_text(48, "young", 'Z', 7, 1, 0),
			  status_text(48, 7));
		auto r = zombiectl(t, {"list", "-o", "pid,age"});
		CHECK(r.out.find("PID  AGE\n42   60.0\n48   3.5\n") == 0);
		// not in the default table
		r = zombiectl(t, {"list"});
		CHECK(r.out.find("AGE") == std::string::npos);
		ProcTree n;
		seed(n, false); // started at tick 100 of uptime 1000 s
		r = zombiectl(n, {"list", "-n", "-o", "age,pid"});
		CHECK(r.out == "~999.0  42\n");
	}
	TEST_CASE("list -n: the rows alone")
	{
		ProcTree t;
		seed(t);
		t.process(44, stat_text(44, "other", 'Z', 7, 1, 1 << 8),
			  status_text(44, 7));
		auto r = zombiectl(t, {"list", "-n"});
		CHECK(r.rc == 0);
		CHECK(r.out == "42  worker  7  sh  S  exit 42  0  42  /app\n"
			       "44  other   7  sh  S  exit 1   0  44  /app\n");
		r = zombiectl(t, {"list", "--noheadings", "-o", "pid"});
		CHECK(r.out == "42\n44\n");
		// nothing at all when there are none
		r = zombiectl(t, {"list", "-n", "-P", "99"});
		CHECK(r.rc == 0);
		CHECK(r.out == "");
		CHECK(r.err == "");
		ProcTree empty;
		r = zombiectl(empty, {"list", "-n", "-o", "pid,comm"});
		CHECK(r.rc == 0);
		CHECK(r.out == "");
		// without -n, as before
		r = zombiectl(empty, {"list", "-o", "pid"});
		CHECK(r.out.find("no zombies\n") == 0);
	}
	TEST_CASE("list -o with an unknown column: usage, one line")
	{
		ProcTree t;
		seed(t);
		const std::string valid =
		    "; valid: PID,COMM,PPID,PARENT,PSTAT,EXIT,THREADS,NSPID,"
		    "CGROUP,AGE\n";
		for (auto [spec, bad] :
		     {std::pair<std::string, std::string>{"pid,bogus", "bogus"},
		      {"pid,", ""},
		      {"PID COMM", "PID COMM"}}) {
			CAPTURE(spec);
			auto r = zombiectl(t, {"list", "-o", spec});
			CHECK(r.rc == 2);
			CHECK(r.out == "");
			CHECK(r.err == "zombiectl list: unknown column '" +
					   bad + "' in --output" + valid);
		}
		auto r = zombiectl(t, {"list", "--help"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("-o,--output COLS") != std::string::npos);
		CHECK(r.out.find("-n,--noheadings") != std::string::npos);
	}
}

TEST_SUITE("cli: why advises what fits")
{
	TEST_CASE("why 1: never kill it")
	{
		ProcTree t;
		t.process(1, stat_text(1, "init", 'S', 0), status_text(1, 0));
		auto r = zombiectl(t, {"why", "1"});
		CHECK(r.rc == 0);
		CHECK(r.out.find("kill 1") == std::string::npos);
		CHECK(r.out.find("what would help: nothing to reap, and do not "
				 "kill it: pid 1 is init; for its zombie "
				 "children, run: zombiectl list -P 1\n") !=
		      std::string::npos);
		r = zombiectl(t, {"why", "-J", "1"});
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"commands\":[\"zombiectl list -P 1\"]") !=
		      std::string::npos);
		// a namespace's init seen from outside
		t.process(500, stat_text(500, "cinit", 'S', 1),
			  status_text(500, 1, 0, 1, "0", "0", "0", "500\t1"));
		r = zombiectl(t, {"why", "500"});
		CHECK(r.out.find("kill 500") == std::string::npos);
		CHECK(r.out.find("is the init of a pid namespace") !=
		      std::string::npos);
	}
	TEST_CASE("why without the module: modprobe first")
	{
		ProcTree t;
		seed(t, false);
		auto r = zombiectl(t, {"why", "42"});
		CHECK(
		    r.out.find("what would help: load the module: modprobe "
			       "reap_zombie; then run: zombiectl reap 42\n") !=
		    std::string::npos);
		r = zombiectl(t, {"why", "-J", "42"});
		CHECK(valid_json(r.out));
		CHECK(r.out.find("\"commands\":[\"modprobe reap_zombie\","
				 "\"zombiectl reap 42\"],\"module_loaded\":"
				 "false,\"module_enabled\":false,"
				 "\"grace_seconds\":10.000,\"reap_in_seconds\":"
				 "null}") != std::string::npos);
		// loaded: straight to reap
		ProcTree m;
		seed(m);
		m.write("sys/module/reap_zombie/parameters/enabled", "Y\n");
		r = zombiectl(m, {"why", "42"});
		CHECK(r.out.find("what would help: run: zombiectl reap 42\n") !=
		      std::string::npos);
		// loaded, switched off: no reap_zombie files
		m.module(false);
		r = zombiectl(m, {"why", "42"});
		CHECK(
		    r.out.find("what would help: switch the module on: echo 1 "
			       "> /sys/module/reap_zombie/parameters/"
			       "enabled; then run: zombiectl reap 42\n") !=
		    std::string::npos);
	}
	TEST_CASE("why a young zombie: when reap takes it, on reap's age")
	{
		ProcTree t;
		seed(t);
		t.write("sys/module/reap_zombie/parameters/enabled", "Y\n");
		t.dead_ms = 3000;
		t.process(48, stat_text(48, "young", 'Z', 7, 1, 0),
			  status_text(48, 7));
		auto r = zombiectl(t, {"why", "48"});
		CHECK(r.out.find("dead 3.0 s\n") != std::string::npos);
		CHECK(r.out.find("what would help: run: zombiectl reap 48 in 7 "
				 "s (dead 3.0 s, less than the grace period of "
				 "10 s: its parent may still reap it), or now: "
				 "zombiectl reap --force 48\n") !=
		      std::string::npos);
		// reap agrees
		r = zombiectl(t, {"reap", "--dry-run", "48"});
		CHECK(r.err.find("died 3.0 s ago") != std::string::npos);
		r = zombiectl(t, {"why", "-J", "48"});
		CHECK(r.out.find("\"reap_in_seconds\":7.000}") !=
		      std::string::npos);
		CHECK(valid_json(r.out));

		// no module: the estimate (uptime 1000 s, started at 996 s)
		ProcTree n;
		seed(n, false);
		n.process(48, stat_text(48, "young", 'Z', 7, 1, 0, 99600),
			  status_text(48, 7), false);
		r = zombiectl(n, {"why", "48"});
		CHECK(
		    r.out.find("what would help: load the module: modprobe "
			       "reap_zombie; then run: zombiectl reap 48 in 6 "
			       "s (dead 4.0 s, estimated, less than the grace "
			       "period of 10 s") != std::string::npos);
	}
}
