// SPDX-License-Identifier: GPL-2.0
#include "reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rz
{
namespace
{

Error sys_error(const std::string &what)
{
	int e = errno;
	return Error{e, what + ": " + errno_text(e)};
}

Result<std::string> read_at(int dirfd, const std::string &rel)
{
	UniqueFd fd(::openat(dirfd, rel.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.valid())
		return sys_error(rel);
	std::string out;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sys_error(rel);
		}
		if (n == 0)
			break;
		out.append(buf, static_cast<size_t>(n));
	}
	return out;
}

std::vector<int> numeric_entries(int dirfd)
{
	std::vector<int> out;
	int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return out;
	DIR *d = ::fdopendir(fd);
	if (!d) {
		::close(fd);
		return out;
	}
	while (struct dirent *e = ::readdir(d)) {
		auto a = parse_pid_arg(e->d_name);
		if (a && !a->inode && std::to_string(a->pid) == e->d_name)
			out.push_back(a->pid);
	}
	::closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

} // namespace

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

std::optional<long long> read_number(const Tree &t, const std::string &rel)
{
	auto s = t.read(rel);
	if (!s)
		return std::nullopt;
	auto v = trim(*s);
	if (v == "max")
		return -1;
	char *end = nullptr;
	errno = 0;
	long long n = std::strtoll(v.c_str(), &end, 10);
	if (errno || v.empty() || *end)
		return std::nullopt;
	return n;
}

Result<Tree> Tree::open(const std::string &path)
{
	Tree t;
	t.fd_.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!t.fd_.valid())
		return sys_error(path);
	t.path_ = path;
	return t;
}

Result<std::string> Tree::read(const std::string &rel) const
{
	return read_at(fd_.get(), rel);
}

bool Tree::exists(const std::string &rel) const
{
	return ::faccessat(fd_.get(), rel.c_str(), F_OK, 0) == 0;
}

std::vector<int> Tree::pids() const
{
	return numeric_entries(fd_.get());
}

Result<ProcDir> ProcDir::open(const Tree &root, int pid)
{
	ProcDir d;
	d.pid_ = pid;
	auto name = std::to_string(pid);
	d.fd_.reset(::openat(root.fd(), name.c_str(),
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!d.fd_.valid()) {
		int e = errno;
		if (e == ENOENT)
			return Error{ESRCH, "pid " + name + " does not exist"};
		return Error{e, "pid " + name + ": " + errno_text(e)};
	}
	return d;
}

Result<std::string> ProcDir::read(const std::string &rel) const
{
	return read_at(fd_.get(), rel);
}

Result<UniqueFd> ProcDir::open_reap() const
{
	UniqueFd fd(::openat(fd_.get(), "reap_zombie", O_WRONLY | O_CLOEXEC));
	if (!fd.valid())
		return sys_error("pid " + std::to_string(pid_) +
				 ": reap_zombie");
	return fd;
}

Result<Stat> ProcDir::read_stat() const
{
	auto stat = read("stat");
	if (!stat)
		return Error{ESRCH, "pid " + std::to_string(pid_) + " is gone"};
	return parse_stat(*stat);
}

Result<ProcessInfo> ProcDir::stat_and_status() const
{
	ProcessInfo p;
	p.pid = pid_;
	auto st = read_stat();
	if (!st)
		return st.error();
	p.stat = *st;
	auto status = read("status");
	if (!status)
		return Error{ESRCH, "pid " + std::to_string(pid_) + " is gone"};
	auto ss = parse_status_fields(*status);
	if (!ss)
		return ss.error();
	p.status = *ss;
	return p;
}

ProcessInfo reap_info_from_stat(int pid, const Stat &st)
{
	ProcessInfo p;
	p.pid = pid;
	p.stat = st;
	p.status.tgid = st.pid;
	p.status.ppid = st.ppid;
	p.status.threads = st.num_threads;
	p.status.tracer_pid = 0; // not in stat
	return p;
}

Result<ProcessInfo> ProcDir::reap_info() const
{
	auto st = read_stat();
	if (!st)
		return st.error();
	return reap_info_from_stat(pid_, *st);
}

std::optional<std::vector<int>> ProcDir::children() const
{
	UniqueFd task(
	    ::openat(fd_.get(), "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!task.valid())
		return std::nullopt;
	std::optional<std::vector<int>> out;
	for (int tid : numeric_entries(task.get())) {
		auto c = read_at(task.get(), std::to_string(tid) + "/children");
		if (!c)
			continue; // no CONFIG_PROC_CHILDREN, or it exited
		if (!out)
			out.emplace();
		auto pids = parse_children(*c);
		out->insert(out->end(), pids.begin(), pids.end());
	}
	if (out) {
		std::sort(out->begin(), out->end());
		out->erase(std::unique(out->begin(), out->end()), out->end());
	}
	return out;
}

std::optional<double> ProcDir::exec_start_ms() const
{
	auto s = read("sched");
	return s ? parse_sched_exec_start(*s) : std::nullopt;
}

Result<ProcessInfo> ProcDir::info(bool with_tasks) const
{
	auto r = stat_and_status();
	if (!r)
		return r;
	ProcessInfo &p = *r;
	if (auto cg = read("cgroup"))
		p.cgroup = parse_cgroup_v2(*cg);
	if (auto w = read("wchan"))
		p.wchan = trim(*w);
	if (auto s = read("stack"))
		p.stack = trim(*s);
	if (auto s = read("sched"))
		p.exec_start_ms = parse_sched_exec_start(*s);
	if (!with_tasks)
		return r;
	UniqueFd task(
	    ::openat(fd_.get(), "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!task.valid())
		return r;
	for (int tid : numeric_entries(task.get())) {
		auto dir = std::to_string(tid) + "/";
		auto ts = read_at(task.get(), dir + "stat");
		if (!ts)
			continue; // exited meanwhile
		auto tstat = parse_stat(*ts);
		if (!tstat)
			continue;
		TaskInfo t;
		t.tid = tid;
		t.stat = *tstat;
		if (auto w = read_at(task.get(), dir + "wchan"))
			t.wchan = trim(*w);
		if (auto s = read_at(task.get(), dir + "stack"))
			t.stack = trim(*s);
		p.tasks.push_back(std::move(t));
	}
	return r;
}

} // namespace rz
