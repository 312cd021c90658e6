// SPDX-License-Identifier: GPL-2.0
#include "procfs.hpp"

#include <cerrno>
#include <charconv>
#include <climits>
#include <csignal>
#include <cstring>

namespace rz
{
namespace
{

template <class T> std::optional<T> to_number(std::string_view s, int base = 10)
{
	T v{};
	if (s.empty())
		return std::nullopt;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
	if (ec != std::errc() || p != s.data() + s.size())
		return std::nullopt;
	return v;
}

std::vector<std::string_view> split_ws(std::string_view s)
{
	std::vector<std::string_view> out;
	size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() &&
		       (s[i] == ' ' || s[i] == '\n' || s[i] == '\t'))
			i++;
		size_t j = i;
		while (j < s.size() && s[j] != ' ' && s[j] != '\n' &&
		       s[j] != '\t')
			j++;
		if (j > i)
			out.push_back(s.substr(i, j - i));
		i = j;
	}
	return out;
}

Error bad(std::string what)
{
	return Error{EINVAL, std::move(what)};
}

} // namespace

Result<Stat> parse_stat(std::string_view text)
{
	// comm may hold spaces and parentheses: it ends at the last ')'.
	auto open = text.find('(');
	auto close = text.rfind(')');
	if (open == std::string_view::npos || close == std::string_view::npos ||
	    close < open)
		return bad("stat: no (comm)");
	Stat st;
	auto pid = to_number<int>(split_ws(text.substr(0, open)).empty()
				      ? std::string_view{}
				      : split_ws(text.substr(0, open))[0]);
	if (!pid)
		return bad("stat: no pid");
	st.pid = *pid;
	st.comm = std::string(text.substr(open + 1, close - open - 1));
	auto f = split_ws(text.substr(close + 1)); // f[0] is field 3
	if (f.size() < 36)
		return bad("stat: too few fields");
	auto field = [&](int n) { return f[n - 3]; };
	if (field(3).size() != 1)
		return bad("stat: bad state");
	st.state = field(3)[0];
	auto ppid = to_number<int>(field(4));
	auto pgrp = to_number<int>(field(5));
	auto sid = to_number<int>(field(6));
	auto flags = to_number<unsigned long>(field(9));
	auto thr = to_number<long>(field(20));
	auto start = to_number<unsigned long long>(field(22));
	auto esig = to_number<int>(field(38));
	if (!ppid || !pgrp || !sid || !flags || !thr || !start || !esig)
		return bad("stat: bad number");
	st.ppid = *ppid;
	st.pgrp = *pgrp;
	st.session = *sid;
	st.flags = *flags;
	st.num_threads = *thr;
	st.starttime = *start;
	st.exit_signal = *esig;
	if (f.size() >= 50) {
		st.exit_code = to_number<int>(field(52));
		if (!st.exit_code)
			return bad("stat: bad exit_code");
	}
	return st;
}

std::optional<StatHead> parse_stat_head(std::string_view text)
{
	auto close = text.rfind(')');
	if (close == std::string_view::npos ||
	    text.find('(') == std::string_view::npos)
		return std::nullopt;
	auto f = split_ws(text.substr(close + 1));
	if (f.size() < 3 || f[0].size() != 1) // a third: ppid is whole
		return std::nullopt;
	auto ppid = to_number<int>(f[1]);
	if (!ppid)
		return std::nullopt;
	return StatHead{f[0][0], *ppid};
}

StatusMap parse_status(std::string_view text)
{
	StatusMap m;
	while (!text.empty()) {
		auto nl = text.find('\n');
		auto line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view{}
						    : text.substr(nl + 1);
		auto colon = line.find(':');
		if (colon == std::string_view::npos)
			continue;
		auto value = line.substr(colon + 1);
		while (!value.empty() &&
		       (value.front() == '\t' || value.front() == ' '))
			value.remove_prefix(1);
		m.emplace(std::string(line.substr(0, colon)),
			  std::string(value));
	}
	return m;
}

std::optional<uint64_t> parse_sigmask(std::string_view hex)
{
	if (hex.empty() || hex.size() > 16)
		return std::nullopt;
	return to_number<uint64_t>(hex, 16);
}

Result<Status> parse_status_fields(std::string_view text)
{
	auto m = parse_status(text);
	Status s;
	auto num = [&](const char *key, auto &out) {
		auto it = m.find(key);
		if (it == m.end())
			return false;
		auto v = to_number<std::remove_reference_t<decltype(out)>>(
		    it->second);
		if (!v)
			return false;
		out = *v;
		return true;
	};
	auto mask = [&](const char *key, uint64_t &out) {
		auto it = m.find(key);
		if (it == m.end())
			return false;
		auto v = parse_sigmask(it->second);
		if (!v)
			return false;
		out = *v;
		return true;
	};
	if (!num("Tgid", s.tgid) || !num("PPid", s.ppid) ||
	    !num("TracerPid", s.tracer_pid) || !num("Threads", s.threads))
		return bad("status: missing Tgid, PPid, TracerPid or Threads");
	if (!mask("SigPnd", s.sig_pnd) || !mask("ShdPnd", s.shd_pnd) ||
	    !mask("SigBlk", s.sig_blk) || !mask("SigIgn", s.sig_ign) ||
	    !mask("SigCgt", s.sig_cgt))
		return bad("status: missing a signal mask");
	if (auto it = m.find("NSpid"); it != m.end()) {
		for (auto w : split_ws(it->second)) {
			auto v = to_number<int>(w);
			if (!v)
				return bad("status: bad NSpid");
			s.nspid.push_back(*v);
		}
	}
	return s;
}

bool mask_has(uint64_t mask, int sig)
{
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

std::string signal_name(int sig)
{
	static const char *const names[] = {
	    nullptr,   "SIGHUP",    "SIGINT",  "SIGQUIT",  "SIGILL",
	    "SIGTRAP", "SIGABRT",   "SIGBUS",  "SIGFPE",   "SIGKILL",
	    "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",  "SIGALRM",
	    "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",  "SIGSTOP",
	    "SIGTSTP", "SIGTTIN",   "SIGTTOU", "SIGURG",   "SIGXCPU",
	    "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
	    "SIGPWR",  "SIGSYS",
	};
	if (sig >= 1 && sig <= 31)
		return names[sig];
	if (sig == 32 || sig == 33) // used inside glibc, no name
		return "SIG" + std::to_string(sig);
	if (sig >= 34 && sig <= 64)
		return sig == 34 ? "SIGRTMIN"
				 : "SIGRTMIN+" + std::to_string(sig - 34);
	return "signal " + std::to_string(sig);
}

std::vector<std::string> mask_names(uint64_t mask)
{
	std::vector<std::string> out;
	for (int sig = 1; sig <= 64; sig++)
		if (mask_has(mask, sig))
			out.push_back(signal_name(sig));
	return out;
}

std::optional<std::string> parse_cgroup_v2(std::string_view text)
{
	for (auto line : split_ws(text))
		if (line.substr(0, 3) == "0::")
			return std::string(line.substr(3));
	return std::nullopt;
}

std::vector<int> parse_children(std::string_view text)
{
	std::vector<int> out;
	for (auto w : split_ws(text))
		if (auto v = to_number<int>(w); v && *v > 0)
			out.push_back(*v);
	return out;
}

std::optional<double> parse_sched_exec_start(std::string_view text)
{
	auto pos = text.find("se.exec_start");
	if (pos == std::string_view::npos)
		return std::nullopt;
	auto colon = text.find(':', pos);
	if (colon == std::string_view::npos)
		return std::nullopt;
	auto rest = split_ws(text.substr(colon + 1));
	if (rest.empty())
		return std::nullopt;
	std::string num(rest[0]);
	char *end = nullptr;
	errno = 0;
	double v = std::strtod(num.c_str(), &end);
	if (errno || end != num.c_str() + num.size())
		return std::nullopt;
	return v;
}

std::string_view state_name(char state)
{
	switch (state) {
	case 'R':
		return "running";
	case 'S':
		return "sleeping";
	case 'D':
		return "in disk sleep";
	case 'T':
		return "stopped";
	case 't':
		return "stopped by its tracer";
	case 'Z':
		return "a zombie";
	case 'X':
	case 'x':
		return "dead";
	case 'I':
		return "idle";
	case 'P':
		return "parked";
	case 'W':
		return "waking";
	case 'K':
		return "wakekill";
	default:
		return "in an unknown state";
	}
}

std::string describe_wait_status(int status)
{
	int sig = status & 0x7f;
	if (sig == 0)
		return "exit " + std::to_string((status >> 8) & 0xff);
	std::string s = "killed by " + signal_name(sig);
	if (status & 0x80)
		s += " (core dumped)";
	return s;
}

Result<PidArg> parse_pid_arg(std::string_view text)
{
	PidArg a;
	auto colon = text.find(':');
	auto num = text.substr(0, colon);
	auto v = to_number<long long>(num);
	if (!v || *v <= 0 || *v > INT_MAX)
		return Error{EINVAL,
			     "'" + std::string(text) +
				 "' is not a process id (a positive number)"};
	a.pid = static_cast<int>(*v);
	if (colon != std::string_view::npos) {
		auto ino = to_number<uint64_t>(text.substr(colon + 1));
		if (!ino || *ino == 0)
			return Error{EINVAL, "'" + std::string(text) +
						 "' is not PID:INODE"};
		a.inode = *ino;
	}
	return a;
}

} // namespace rz
