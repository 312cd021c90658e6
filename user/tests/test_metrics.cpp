// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app.hpp"
#include "fixture.hpp"
#include "metrics.hpp"

using namespace rz;
using namespace rz::test;

namespace
{

// One sample line of the text format, parsed back as a scraper would:
// name, labels (unescaped), value. False if the line is malformed.
struct Sample {
	std::string name;
	std::map<std::string, std::string> labels;
	std::string value;
};

bool parse_sample(const std::string &line, Sample &s)
{
	std::size_t i = 0;
	auto name_char = [](char c, bool first) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
	};
	while (i < line.size() && name_char(line[i], i == 0))
		i++;
	if (i == 0)
		return false;
	s.name = line.substr(0, i);
	if (i < line.size() && line[i] == '{') {
		i++;
		while (i < line.size() && line[i] != '}') {
			std::size_t k = i;
			while (k < line.size() && name_char(line[k], k == i))
				k++;
			if (k == i || k + 1 >= line.size() || line[k] != '=' ||
			    line[k + 1] != '"')
				return false;
			std::string key = line.substr(i, k - i), val;
			for (i = k + 2; i < line.size() && line[i] != '"';
			     i++) {
				if (line[i] != '\\') {
					val += line[i];
					continue;
				}
				if (++i >= line.size())
					return false;
				if (line[i] == 'n')
					val += '\n';
				else if (line[i] == '\\' || line[i] == '"')
					val += line[i];
				else
					return false;
			}
			if (i >= line.size() ||
			    !s.labels.emplace(key, val).second)
				return false;
			i++; // the closing quote
			if (i < line.size() && line[i] == ',')
				i++;
		}
		if (i >= line.size())
			return false;
		i++; // '}'
	}
	if (i >= line.size() || line[i] != ' ')
		return false;
	s.value = line.substr(i + 1);
	return !s.value.empty() && s.value.find(' ') == std::string::npos;
}

// The whole exposition parsed: every line a HELP, a TYPE or a sample;
// HELP and TYPE once per family, before its samples.
struct Exposition {
	std::vector<Sample> samples;
	std::map<std::string, std::string> types;
	std::map<std::string, int> helps;
	std::vector<std::string> errors;

	explicit Exposition(const std::string &text)
	{
		std::istringstream in(text);
		std::string line;
		if (text.empty() || text.back() != '\n')
			errors.push_back("no final newline");
		while (std::getline(in, line)) {
			if (line.rfind("# HELP ", 0) == 0) {
				auto name =
				    line.substr(7, line.find(' ', 7) - 7);
				if (helps[name]++)
					errors.push_back("HELP twice: " + name);
				continue;
			}
			if (line.rfind("# TYPE ", 0) == 0) {
				auto sp = line.find(' ', 7);
				auto name = line.substr(7, sp - 7);
				if (!types.emplace(name, line.substr(sp + 1))
					 .second)
					errors.push_back("TYPE twice: " + name);
				continue;
			}
			Sample s;
			if (!parse_sample(line, s)) {
				errors.push_back("malformed: " + line);
				continue;
			}
			if (!types.count(s.name) || !helps.count(s.name))
				errors.push_back("no HELP/TYPE before " +
						 s.name);
			samples.push_back(std::move(s));
		}
	}
	std::vector<const Sample *> of(const std::string &name) const
	{
		std::vector<const Sample *> out;
		for (auto &s : samples)
			if (s.name == name)
				out.push_back(&s);
		return out;
	}
	// The value of the one sample of @name; "" if none or several.
	std::string value(const std::string &name) const
	{
		auto v = of(name);
		return v.size() == 1 ? v[0]->value : "";
	}
};

ZombieFact zombie(int pid, int ppid, const std::string &comm, double age = 1,
		  const std::string &cgroup = "")
{
	ZombieFact z;
	z.pid = pid;
	z.ppid = ppid;
	z.parent_comm = comm;
	z.age_s = age;
	z.cgroup = cgroup;
	return z;
}

std::string run_metrics(const ProcTree &t)
{
	std::vector<std::string> all = {"zombiectl", "--proc", t.proc(),
					"--sys",     t.sys(),  "metrics"};
	std::vector<const char *> argv;
	for (auto &a : all)
		argv.push_back(a.c_str());
	std::ostringstream out, err;
	int rc = run(static_cast<int>(argv.size()), argv.data(), out, err);
	CHECK(rc == 0);
	CHECK(err.str() == "");
	return out.str();
}

const char *const FAMILIES[] = {"reap_zombie_zombies",
				"reap_zombie_zombies_by_parent",
				"reap_zombie_oldest_zombie_seconds",
				"reap_zombie_tasks",
				"reap_zombie_pid_max",
				"reap_zombie_cgroup_pids_current",
				"reap_zombie_cgroup_pids_max",
				"reap_zombie_module_loaded",
				"reap_zombie_module_enabled"};

} // namespace

TEST_SUITE("metrics")
{
	TEST_CASE("label values: backslash, quote and newline escaped")
	{
		CHECK(escape_label_value("a) b (c") == "a) b (c");
		CHECK(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
		CHECK(escape_label_value("back\\slash") == "back\\\\slash");
		CHECK(escape_label_value("two\nlines") == "two\\nlines");
		CHECK(escape_label_value("\\\"\n") == "\\\\\\\"\\n");
		CHECK(escape_label_value("") == "");
		// UTF-8 kept, other bytes as U+FFFD: a label value is UTF-8
		CHECK(escape_label_value("caf\xc3\xa9") == "caf\xc3\xa9");
		CHECK(escape_label_value("x\xffy") == "x\xef\xbf\xbdy");
		CHECK(escape_label_value("\xc3") == "\xef\xbf\xbd");
		CHECK(escape_label_value("\xed\xa0\x80") ==
		      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // a surrogate
		// tabs and other control bytes are valid in a label value
		CHECK(escape_label_value("a\tb") == "a\tb");
	}

	TEST_CASE("odd comms read back as they were")
	{
		MetricsSnapshot s;
		const std::vector<std::string> comms = {
		    "a) b (c",	 "q\"uote", "back\\slash",
		    "new\nline", "\\n\\\"", "}{,=\" "};
		for (std::size_t i = 0; i < comms.size(); i++)
			s.zombies.push_back(zombie(static_cast<int>(100 + i),
						   static_cast<int>(10 + i),
						   comms[i]));
		Exposition e(format_metrics(s));
		CHECK(e.errors == std::vector<std::string>{});
		auto by = e.of("reap_zombie_zombies_by_parent");
		REQUIRE(by.size() == comms.size());
		for (std::size_t i = 0; i < comms.size(); i++) {
			CHECK(by[i]->labels.at("ppid") ==
			      std::to_string(10 + i));
			CHECK(by[i]->labels.at("comm") == comms[i]);
			CHECK(by[i]->value == "1");
		}
	}

	TEST_CASE("pids.max of max is +Inf")
	{
		CHECK(limit_value(-1) == "+Inf");
		CHECK(limit_value(0) == "0");
		CHECK(limit_value(300) == "300");
		MetricsSnapshot s;
		s.zombies.push_back(zombie(5, 4, "p", 1, "/a"));
		s.cgroups["/a"] = CgroupPids{12, -1};
		s.cgroups["/b"] = CgroupPids{7, 300};
		s.cgroups["/c"] = CgroupPids{std::nullopt, std::nullopt};
		Exposition e(format_metrics(s));
		CHECK(e.errors == std::vector<std::string>{});
		auto max = e.of("reap_zombie_cgroup_pids_max");
		REQUIRE(max.size() == 2); // /c has neither file: no sample
		CHECK(max[0]->labels.at("cgroup") == "/a");
		CHECK(max[0]->value == "+Inf");
		CHECK(max[1]->labels.at("cgroup") == "/b");
		CHECK(max[1]->value == "300");
		auto cur = e.of("reap_zombie_cgroup_pids_current");
		REQUIRE(cur.size() == 2);
		CHECK(cur[0]->value == "12");
		CHECK(cur[1]->value == "7");
	}

	TEST_CASE("the 20 parents with most zombies, the rest summed")
	{
		// parent 1000+k has k+1 zombies, k = 0..24: 325 in all
		std::vector<ZombieFact> zs;
		int pid = 2000;
		for (int k = 0; k < 25; k++)
			for (int n = 0; n <= k; n++)
				zs.push_back(zombie(pid++, 1000 + k,
						    "p" + std::to_string(k)));
		long long rest = -1;
		auto top = top_parents(zs, 20, &rest);
		REQUIRE(top.size() == 20);
		CHECK(top.front().ppid == 1024);
		CHECK(top.front().zombies == 25);
		CHECK(top.back().ppid == 1005);
		CHECK(top.back().zombies == 6);
		CHECK(rest == 1 + 2 + 3 + 4 + 5); // parents 1000..1004

		MetricsSnapshot s;
		s.zombies = zs;
		Exposition e(format_metrics(s));
		CHECK(e.errors == std::vector<std::string>{});
		CHECK(e.value("reap_zombie_zombies") == "325");
		auto by = e.of("reap_zombie_zombies_by_parent");
		REQUIRE(by.size() == 21);
		CHECK(by[0]->labels.at("ppid") == "1024");
		CHECK(by[0]->labels.at("comm") == "p24");
		CHECK(by[0]->value == "25");
		CHECK(by[20]->labels.at("ppid") == "other");
		CHECK(by[20]->value == "15");
		long long sum = 0;
		for (auto *b : by)
			sum += std::stoll(b->value);
		CHECK(sum == 325);
	}

	TEST_CASE("ties keep pid order; no other line when all fit")
	{
		std::vector<ZombieFact> zs;
		for (int k = 0; k < 20; k++)
			zs.push_back(zombie(100 + k, 50 - k, "t"));
		zs.push_back(zombie(200, 7, "two"));
		zs.push_back(zombie(201, 7, "two"));
		long long rest = -1;
		auto top = top_parents(zs, 20, &rest);
		REQUIRE(top.size() == 20);
		CHECK(top[0].ppid == 7);
		CHECK(top[1].ppid == 31); // the lowest of the ones with one
		CHECK(rest == 1);	  // parent 50, the highest pid
		MetricsSnapshot s;
		for (int k = 0; k < 20; k++)
			s.zombies.push_back(zombie(100 + k, 50 - k, "t"));
		Exposition e(format_metrics(s));
		auto by = e.of("reap_zombie_zombies_by_parent");
		CHECK(by.size() == 20);
		for (auto *b : by)
			CHECK(b->labels.at("ppid") != "other");
	}

	TEST_CASE("every family has HELP and TYPE; the counter only loaded")
	{
		MetricsSnapshot s;
		s.tasks = 120;
		s.pid_max = 32768;
		s.reaped_total = 9; // read, but the module is not loaded
		Exposition e(format_metrics(s));
		CHECK(e.errors == std::vector<std::string>{});
		for (auto *f : FAMILIES) {
			CAPTURE(f);
			CHECK(e.types.count(f) == 1);
			CHECK(e.helps[f] == 1);
		}
		CHECK(e.types.at("reap_zombie_zombies") == "gauge");
		CHECK(e.value("reap_zombie_zombies") == "0");
		CHECK(e.value("reap_zombie_oldest_zombie_seconds") == "0.000");
		CHECK(e.value("reap_zombie_tasks") == "120");
		CHECK(e.value("reap_zombie_pid_max") == "32768");
		CHECK(e.value("reap_zombie_module_loaded") == "0");
		CHECK(e.value("reap_zombie_module_enabled") == "0");
		CHECK(e.of("reap_zombie_reaped_total").empty());
		CHECK(e.types.count("reap_zombie_reaped_total") == 0);

		s.module_loaded = true;
		s.module_enabled = true;
		Exposition l(format_metrics(s));
		CHECK(l.errors == std::vector<std::string>{});
		CHECK(l.types.at("reap_zombie_reaped_total") == "counter");
		CHECK(l.value("reap_zombie_reaped_total") == "9");
		CHECK(l.value("reap_zombie_module_loaded") == "1");
		CHECK(l.value("reap_zombie_module_enabled") == "1");
	}

	TEST_CASE("the oldest zombie: the largest known age")
	{
		MetricsSnapshot s;
		s.zombies = {zombie(1, 9, "p", 2.5), zombie(2, 9, "p", 61.25),
			     zombie(3, 9, "p", 0.1)};
		s.zombies[2].age_s.reset();
		Exposition e(format_metrics(s));
		CHECK(e.value("reap_zombie_oldest_zombie_seconds") == "61.250");
		// zombies whose age nobody knows: no sample, not a made-up 0
		for (auto &z : s.zombies)
			z.age_s.reset();
		Exposition u(format_metrics(s));
		CHECK(u.of("reap_zombie_oldest_zombie_seconds").empty());
		CHECK(u.errors == std::vector<std::string>{});
	}

	TEST_CASE("on a fixture proc tree, with the module")
	{
		ProcTree t;
		t.process(7, stat_text(7, "a) b (c", 'S', 1), status_text(7, 1),
			  true, "0::/app\n");
		t.dead_ms = 90500;
		t.process(42, stat_text(42, "w", 'Z', 7, 1, 42 << 8),
			  status_text(42, 7));
		t.dead_ms = 3000;
		t.process(43, stat_text(43, "w", 'Z', 7), status_text(43, 7));
		t.process(8, stat_text(8, "q\"uo\\te\n", 'S', 1, 3),
			  status_text(8, 1, 0, 3), true, "0::/web\n");
		t.process(50, stat_text(50, "z", 'Z', 8), status_text(50, 8),
			  true, "0::/web/inner\n");
		t.process(60, stat_text(60, "busy", 'R', 1),
			  status_text(60, 1));
		t.write("sys/fs/cgroup/app/pids.current", "4\n");
		t.write("sys/fs/cgroup/app/pids.max", "max\n");
		t.write("sys/fs/cgroup/web/inner/pids.current", "1\n");
		t.write("sys/fs/cgroup/web/inner/pids.max", "300\n");
		t.write("sys/module/reap_zombie/parameters/enabled", "Y\n");
		t.write("sys/module/reap_zombie/parameters/reaped", "1234\n");
		auto text = run_metrics(t);
		Exposition e(text);
		CHECK(e.errors == std::vector<std::string>{});
		CHECK(e.value("reap_zombie_zombies") == "3");
		auto by = e.of("reap_zombie_zombies_by_parent");
		REQUIRE(by.size() == 2);
		CHECK(by[0]->labels.at("ppid") == "7");
		CHECK(by[0]->labels.at("comm") == "a) b (c");
		CHECK(by[0]->value == "2");
		CHECK(by[1]->labels.at("ppid") == "8");
		CHECK(by[1]->labels.at("comm") == "q\"uo\\te\n");
		CHECK(text.find("comm=\"q\\\"uo\\\\te\\n\"") !=
		      std::string::npos);
		// DEAD_MS of the listing: one kernel clock
		CHECK(e.value("reap_zombie_oldest_zombie_seconds") == "90.500");
		// threads of what this /proc shows (1+1+1+3+1+1), not
		// loadavg's 120: inside a pid namespace, that namespace
		CHECK(e.value("reap_zombie_tasks") == "8");
		CHECK(e.value("reap_zombie_pid_max") == "32768");
		// the zombies showing "/" are counted in their parent's
		auto max = e.of("reap_zombie_cgroup_pids_max");
		REQUIRE(max.size() == 2);
		CHECK(max[0]->labels.at("cgroup") == "/app");
		CHECK(max[0]->value == "+Inf");
		CHECK(max[1]->labels.at("cgroup") == "/web/inner");
		CHECK(max[1]->value == "300");
		auto cur = e.of("reap_zombie_cgroup_pids_current");
		REQUIRE(cur.size() == 2);
		CHECK(cur[0]->value == "4");
		CHECK(cur[1]->value == "1");
		CHECK(e.value("reap_zombie_module_loaded") == "1");
		CHECK(e.value("reap_zombie_module_enabled") == "1");
		CHECK(e.value("reap_zombie_reaped_total") == "1234");
	}

	TEST_CASE("on a fixture proc tree, without the module")
	{
		ProcTree t;
		t.process(7, stat_text(7, "sh", 'S', 1), status_text(7, 1),
			  false);
		t.process(42, stat_text(42, "w", 'Z', 7), status_text(42, 7),
			  false);
		t.module(false);
		auto text = run_metrics(t);
		Exposition e(text);
		CHECK(e.errors == std::vector<std::string>{});
		CHECK(e.value("reap_zombie_zombies") == "1");
		CHECK(e.value("reap_zombie_module_loaded") == "0");
		CHECK(e.value("reap_zombie_module_enabled") == "0");
		CHECK(e.of("reap_zombie_reaped_total").empty());
		CHECK(e.of("reap_zombie_cgroup_pids_max").empty());

		// loaded but switched off: enabled 0, the counter still read
		t.write("sys/module/reap_zombie/parameters/enabled", "N\n");
		t.write("sys/module/reap_zombie/parameters/reaped", "5\n");
		Exposition off(run_metrics(t));
		CHECK(off.value("reap_zombie_module_loaded") == "1");
		CHECK(off.value("reap_zombie_module_enabled") == "0");
		CHECK(off.value("reap_zombie_reaped_total") == "5");
	}
}
