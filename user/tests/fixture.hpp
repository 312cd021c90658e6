// SPDX-License-Identifier: GPL-2.0
// Fixture proc trees written to a temporary directory.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "listing.hpp"
#include "model.hpp"

namespace rz::test
{

// A stat line with the fields the tool reads; the rest zero.
inline std::string stat_text(int pid, const std::string &comm, char state,
			     int ppid, long threads = 1, int exit_code = 0,
			     unsigned long long start = 100,
			     int exit_signal = 17, unsigned long flags = 0)
{
	std::string s = std::to_string(pid) + " (" + comm + ") " + state + " " +
			std::to_string(ppid) + " " + std::to_string(ppid) +
			" 1 0 -1 " + std::to_string(flags);
	for (int f = 10; f <= 52; f++) {
		if (f == 20)
			s += " " + std::to_string(threads);
		else if (f == 22)
			s += " " + std::to_string(start);
		else if (f == 38)
			s += " " + std::to_string(exit_signal);
		else if (f == 52)
			s += " " + std::to_string(exit_code);
		else
			s += " 0";
	}
	return s + "\n";
}

inline std::string status_text(int tgid, int ppid, int tracer = 0,
			       long threads = 1, const std::string &blk = "0",
			       const std::string &ign = "0",
			       const std::string &cgt = "0",
			       const std::string &nspid = "")
{
	auto hex = [](const std::string &v) {
		return std::string(16 - v.size(), '0') + v;
	};
	return "Name:\tx\nTgid:\t" + std::to_string(tgid) + "\nPid:\t" +
	       std::to_string(tgid) + "\nPPid:\t" + std::to_string(ppid) +
	       "\nTracerPid:\t" + std::to_string(tracer) + "\nNSpid:\t" +
	       (nspid.empty() ? std::to_string(tgid) : nspid) + "\nThreads:\t" +
	       std::to_string(threads) + "\nSigPnd:\t" + hex("0") +
	       "\nShdPnd:\t" + hex("0") + "\nSigBlk:\t" + hex(blk) +
	       "\nSigIgn:\t" + hex(ign) + "\nSigCgt:\t" + hex(cgt) + "\n";
}

class ProcTree
{
public:
	ProcTree()
	{
		char tmpl[] = "/tmp/zombiectl-test-XXXXXX";
		root_ = ::mkdtemp(tmpl);
		write("proc/sys/kernel/pid_max", "32768\n");
		write("proc/loadavg", "0.00 0.00 0.00 1/120 300\n");
		write("proc/uptime", "1000.00 1900.00\n");
		std::filesystem::create_directories(root_ + "/sys");
	}
	~ProcTree() { std::filesystem::remove_all(root_); }
	ProcTree(const ProcTree &) = delete;
	ProcTree &operator=(const ProcTree &) = delete;

	void write(const std::string &rel, const std::string &text) const
	{
		auto path = std::filesystem::path(root_) / rel;
		std::filesystem::create_directories(path.parent_path());
		std::ofstream(path) << text;
	}

	// A process directory; with_file adds reap_zombie (module loaded),
	// there and in self/, the directory of the tool itself (without it,
	// self/ is left as it is: module(false) takes it away).
	void process(int pid, const std::string &stat,
		     const std::string &status, bool with_file = true,
		     const std::string &cgroup = "0::/\n")
	{
		auto d = "proc/" + std::to_string(pid) + "/";
		write(d + "stat", stat);
		write(d + "status", status);
		write(d + "cgroup", cgroup);
		write(d + "wchan", "0");
		write(d + "task/" + std::to_string(pid) + "/stat", stat);
		if (with_file) {
			// a parent's listing, kept when its children come
			// first
			if (!std::filesystem::exists(root_ + "/" + d +
						     "reap_zombie"))
				write(d + "reap_zombie", "");
			module(true);
		}
		// a zombie is listed by its parent, as the module does: dead
		// @dead_ms (60 s unless set), its live threads and tracer
		auto st = parse_stat(stat);
		auto ss = parse_status_fields(status);
		if (with_file && st && ss && st->state == 'Z' && st->ppid > 0) {
			ListingEntry e;
			e.pid = pid;
			e.start = st->starttime;
			e.status = st->exit_code.value_or(0);
			e.signal = st->exit_signal;
			e.dead_ms = dead_ms;
			e.threads = std::max(0L, ss->threads - 1);
			e.traced = ss->tracer_pid != 0;
			e.comm = st->comm;
			list(st->ppid, e);
		}
	}

	// DEAD_MS of the zombies process() adds next
	long long dead_ms = 60000;

	// @e added to the listing of @ppid (its reap_zombie).
	void list(int ppid, const ListingEntry &e) const
	{
		auto rel = "proc/" + std::to_string(ppid) + "/reap_zombie";
		write(rel, read(rel) + listing_line(e));
	}

	// The module loaded and enabled, as the tool sees it: whether
	// self/reap_zombie exists.
	void module(bool loaded) const
	{
		if (loaded)
			write("proc/self/reap_zombie", "");
		else
			std::filesystem::remove(root_ +
						"/proc/self/reap_zombie");
	}

	// /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN): @kids,
	// each followed by a space as the kernel writes them.
	void children(int pid, int tid, const std::vector<int> &kids) const
	{
		std::string s;
		for (int k : kids)
			s += std::to_string(k) + " ";
		write("proc/" + std::to_string(pid) + "/task/" +
			  std::to_string(tid) + "/children",
		      s);
	}

	std::string read(const std::string &rel) const
	{
		std::ifstream in(std::filesystem::path(root_) / rel);
		return std::string(std::istreambuf_iterator<char>(in), {});
	}

	std::string proc() const { return root_ + "/proc"; }
	std::string sys() const { return root_ + "/sys"; }

private:
	std::string root_;
};

} // namespace rz::test
