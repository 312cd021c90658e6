// SPDX-License-Identifier: GPL-2.0
#include "observe.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "reap_engine.hpp"
#include "validate.hpp"

namespace rz
{
namespace
{

std::optional<std::string> cgroup_of(const Tree &proc, int pid)
{
	auto s = proc.read(std::to_string(pid) + "/cgroup");
	return s ? parse_cgroup_v2(*s) : std::nullopt;
}

} // namespace

Observation observe(const Tree &proc, const Tree *sys)
{
	Observation ob;
	auto &m = ob.metrics;
	m.module_loaded = sys && sys->exists("module/reap_zombie");
	if (m.module_loaded) {
		if (auto v = sys->read("module/reap_zombie/parameters/enabled"))
			m.module_enabled = trim(*v) == "Y" || trim(*v) == "1";
		if (auto v = read_number(
			*sys, "module/reap_zombie/parameters/reaped"))
			if (*v >= 0)
				m.reaped_total =
				    static_cast<unsigned long long>(*v);
	}
	ob.module_present = proc.exists("self/reap_zombie");
	m.pid_max = read_number(proc, "sys/kernel/pid_max");

	struct Seen {
		int pid;
		Stat st;
	};
	std::vector<Seen> zombies;
	long long tasks = 0;
	bool any = false;
	for (int pid : proc.pids()) {
		auto s = proc.read(std::to_string(pid) + "/stat");
		if (!s)
			continue; // gone meanwhile
		auto st = parse_stat(*s);
		if (!st)
			continue;
		any = true;
		tasks += std::max(1L, st->num_threads);
		if (st->state == 'Z')
			zombies.push_back({pid, std::move(*st)});
	}
	if (any)
		m.tasks = tasks;

	// each parent once: its comm, cgroup and listing
	std::map<int, std::optional<std::string>> parent_cgroup;
	for (auto &z : zombies) {
		if (ob.parents.count(z.st.ppid))
			continue;
		ParentObs p;
		p.ppid = z.st.ppid;
		auto dir = ProcDir::open(proc, p.ppid);
		if (dir) {
			if (auto s = dir->read("stat"))
				if (auto st = parse_stat(*s))
					p.comm = st->comm;
			if (auto s = dir->read("cgroup"))
				parent_cgroup[p.ppid] = parse_cgroup_v2(*s);
		}
		if (dir && ob.module_present) {
			auto f = open_batch_file(*dir, true);
			auto text = f ? (*f)->read_listing()
				      : Result<std::string>(f.error());
			auto l = text ? parse_listing(*text)
				      : Result<std::vector<ListingEntry>>(
					    text.error());
			if (l)
				p.listing = std::move(*l);
			else if (!ob.listing_error)
				ob.listing_error = l.error();
		}
		ob.parents.emplace(p.ppid, std::move(p));
	}

	// DEAD_MS by (pid, start): thousands of zombies of one parent
	std::map<std::pair<int, unsigned long long>, long long> listed;
	for (auto &[ppid, p] : ob.parents)
		if (p.listing)
			for (auto &e : *p.listing)
				listed.emplace(std::make_pair(e.pid, e.start),
					       e.dead_ms);
	const ReapEnv env = clock_env(proc);
	for (auto &z : zombies) {
		auto &p = ob.parents[z.st.ppid];
		ZombieFact f;
		f.pid = z.pid;
		f.ppid = z.st.ppid;
		f.parent_comm = p.comm;
		auto cg = cgroup_of(proc, z.pid);
		if ((!cg || *cg == "/") && parent_cgroup[z.st.ppid])
			cg = parent_cgroup[z.st.ppid];
		f.cgroup = cg.value_or("");
		ProcessInfo info;
		info.pid = z.pid;
		info.stat = z.st;
		if (auto it = listed.find({z.pid, z.st.starttime});
		    it != listed.end())
			info.dead_ms = static_cast<double>(it->second);
		if (!info.dead_ms)
			if (auto dir = ProcDir::open(proc, z.pid))
				info.exec_start_ms = dir->exec_start_ms();
		bool estimated = false;
		f.age_s = zombie_age(info, env, &estimated);
		if (!f.cgroup.empty() && f.cgroup != "/") {
			ob.cgroup_of[z.pid] = f.cgroup;
			if (sys && !m.cgroups.count(f.cgroup)) {
				auto dir = "fs/cgroup" + f.cgroup;
				m.cgroups[f.cgroup] = CgroupPids{
				    read_number(*sys, dir + "/pids.current"),
				    read_number(*sys, dir + "/pids.max")};
			}
		}
		m.zombies.push_back(std::move(f));
	}
	return ob;
}

std::optional<Error> write_textfile(const std::string &path,
				    const std::string &text)
{
	auto slash = path.rfind('/');
	std::string dir = slash == std::string::npos ? "."
			  : slash == 0		     ? "/"
						     : path.substr(0, slash);
	std::string base =
	    slash == std::string::npos ? path : path.substr(slash + 1);
	if (base.empty())
		return Error{EISDIR, path + ": names a directory, not a file"};
	std::string tmp =
	    dir + "/." + base + "." + std::to_string(getpid()) + ".tmp";
	auto fail = [&](const std::string &what) {
		int e = errno;
		::unlink(tmp.c_str());
		return Error{e, what + ": " + errno_text(e)};
	};
	UniqueFd fd(::open(
	    tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644));
	if (!fd.valid()) {
		int e = errno;
		return Error{e, tmp + ": " + errno_text(e)};
	}
	// readable by the collector whatever the umask
	if (::fchmod(fd.get(), 0644))
		return fail(tmp);
	for (std::size_t at = 0; at < text.size();) {
		ssize_t n =
		    ::write(fd.get(), text.data() + at, text.size() - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("writing " + tmp);
		at += static_cast<std::size_t>(n);
	}
	if (::fsync(fd.get()))
		return fail("fsync " + tmp);
	fd.reset();
	if (::rename(tmp.c_str(), path.c_str()))
		return fail("rename to " + path);
	UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (d.valid())
		::fsync(d.get()); // the rename itself: nice, not needed
	return std::nullopt;
}

} // namespace rz
