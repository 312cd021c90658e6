// SPDX-License-Identifier: GPL-2.0
// `zombiectl list`: every zombie, grouped counts per parent, the pressure.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <ostream>
#include <set>

#include "commands.hpp"
#include "json.hpp"
#include "reap_engine.hpp"

namespace rz
{
namespace
{

// Threads the kernel schedules now: the denominator of /proc/loadavg.
std::optional<long long> pids_in_use(const Tree &proc)
{
	auto s = proc.read("loadavg");
	if (!s)
		return std::nullopt;
	auto slash = s->find('/');
	if (slash == std::string::npos)
		return std::nullopt;
	return std::strtoll(s->c_str() + slash + 1, nullptr, 10);
}

struct Zombie {
	ProcessInfo p;
	std::optional<ProcessInfo> parent;
	std::string cgroup;
};

// Every zombie of the proc root (optionally only the children of @ppid).
std::vector<Zombie> scan_zombies(const Tree &proc, int ppid)
{
	std::vector<Zombie> out;
	std::map<int, std::optional<ProcessInfo>> parents;
	for (int pid : proc.pids()) {
		auto dir = ProcDir::open(proc, pid);
		if (!dir)
			continue;
		auto stat = dir->read("stat");
		if (!stat)
			continue;
		auto st = parse_stat(*stat);
		if (!st || st->state != 'Z' || (ppid && st->ppid != ppid))
			continue;
		auto info = dir->info(false);
		if (!info)
			continue;
		Zombie z{*info, std::nullopt, info->cgroup.value_or("")};
		int pp = info->stat.ppid;
		auto it = parents.find(pp);
		if (it == parents.end()) {
			std::optional<ProcessInfo> pi;
			if (auto pd = ProcDir::open(proc, pp))
				if (auto i = pd->info(false))
					pi = *i;
			it = parents.emplace(pp, std::move(pi)).first;
		}
		z.parent = it->second;
		if ((z.cgroup.empty() || z.cgroup == "/") && z.parent &&
		    z.parent->cgroup)
			z.cgroup = *z.parent->cgroup;
		out.push_back(std::move(z));
	}
	return out;
}

// Left-aligned columns two spaces apart; the last one not padded.
void print_table(std::ostream &out,
		 const std::vector<std::vector<std::string>> &rows)
{
	std::vector<size_t> w(rows.front().size(), 0);
	for (auto &r : rows)
		for (size_t i = 0; i < r.size(); i++)
			w[i] = std::max(w[i], r[i].size());
	for (auto &r : rows) {
		std::string line;
		for (size_t i = 0; i < r.size(); i++) {
			line += r[i];
			if (i + 1 < r.size())
				line +=
				    std::string(w[i] - r[i].size() + 2, ' ');
		}
		out << line << "\n";
	}
}

int nspid(const ProcessInfo &p)
{
	return p.status.nspid.empty() ? p.pid : p.status.nspid.back();
}

// The table's columns, in their default order; -o/--output names them.
// AGE, last, only when named: it reads the parents' listings.
const std::vector<std::string> columns = {"PID",    "COMM", "PPID",    "PARENT",
					  "PSTAT",  "EXIT", "THREADS", "NSPID",
					  "CGROUP", "AGE"};
constexpr size_t age_column = 9;

// Sets the DEAD_MS of each zombie its parent's listing gives (one read a
// parent), the age `reap` judges it by.
void load_dead_ms(const Tree &proc, std::vector<Zombie> &zombies)
{
	using Key = std::pair<int, unsigned long long>; // pid, start
	std::map<int, std::map<Key, long long>> dead;	// by parent
	for (auto &z : zombies) {
		int pp = z.p.stat.ppid;
		auto it = dead.find(pp);
		if (it == dead.end()) {
			it = dead.emplace(pp, std::map<Key, long long>()).first;
			if (auto l = read_listing_of(proc, pp))
				for (auto &e : *l)
					it->second[{e.pid, e.start}] =
					    e.dead_ms;
		}
		auto d = it->second.find({z.p.pid, z.p.stat.starttime});
		if (d != it->second.end())
			z.p.dead_ms = static_cast<double>(d->second);
	}
}

// AGE: seconds since it died, "~" when estimated (no listing), "?" unknown.
std::string age_cell(const ProcessInfo &p, const ReapEnv &env)
{
	bool estimated = false;
	auto age = zombie_age(p, env, &estimated);
	if (!age)
		return "?";
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%s%.1f", estimated ? "~" : "", *age);
	return buf;
}

// The columns @spec names (comma-separated, any case; every column when
// empty), as indexes into columns; nullopt after one line on @err naming
// the valid ones.
std::optional<std::vector<size_t>> pick_columns(const std::string &spec,
						std::ostream &err)
{
	std::vector<size_t> out;
	if (spec.empty()) {
		for (size_t i = 0; i < age_column; i++)
			out.push_back(i);
		return out;
	}
	size_t from = 0;
	for (;;) {
		auto comma = spec.find(',', from);
		std::string name = spec.substr(from, comma - from);
		std::string upper = name;
		for (auto &c : upper)
			c = static_cast<char>(
			    std::toupper(static_cast<unsigned char>(c)));
		auto it = std::find(columns.begin(), columns.end(), upper);
		if (it == columns.end()) {
			std::string valid;
			for (auto &c : columns)
				valid += (valid.empty() ? "" : ",") + c;
			err << "zombiectl list: unknown column '" << name
			    << "' in --output; valid: " << valid << "\n";
			return std::nullopt;
		}
		out.push_back(static_cast<size_t>(it - columns.begin()));
		if (comma == std::string::npos)
			return out;
		from = comma + 1;
	}
}

} // namespace

int cmd_list(const Options &o, std::ostream &out, std::ostream &err)
{
	// a usage error before anything is read
	auto cols = pick_columns(o.output, err);
	if (!cols)
		return EXIT_USAGE;
	auto roots = open_roots(o, err);
	if (!roots)
		return EXIT_NONE;
	const Tree *proc = &roots->proc;
	const auto &sys = roots->sys;
	auto zombies = scan_zombies(*proc, o.parent);
	const bool want_age = !o.json && std::find(cols->begin(), cols->end(),
						   age_column) != cols->end();
	const ReapEnv env = want_age ? clock_env(*proc) : ReapEnv();
	if (want_age)
		load_dead_ms(*proc, zombies);

	struct ParentRow {
		std::string comm;
		char state = '?';
		int count = 0;
	};
	std::map<int, ParentRow> parents;
	std::set<std::string> cgroups;
	for (auto &z : zombies) {
		auto &row = parents[z.p.stat.ppid];
		row.count++;
		if (z.parent) {
			row.comm = z.parent->stat.comm;
			row.state = z.parent->stat.state;
		}
		if (!z.cgroup.empty() && z.cgroup != "/")
			cgroups.insert(z.cgroup);
	}
	auto pid_max = read_number(*proc, "sys/kernel/pid_max");
	auto in_use = pids_in_use(*proc);
	auto cg_value = [&](const std::string &cg, const char *file) {
		return sys ? read_number(*sys, "fs/cgroup" + cg + "/" + file)
			   : std::nullopt;
	};

	if (o.json) {
		Json j;
		j.begin_object().begin_array("zombies");
		for (auto &z : zombies) {
			j.begin_object()
			    .value("pid", z.p.pid)
			    .value("comm", z.p.stat.comm)
			    .value("ppid", z.p.stat.ppid)
			    .value("parent_comm",
				   z.parent ? z.parent->stat.comm : "")
			    .value("parent_state",
				   std::string(1, z.parent
						      ? z.parent->stat.state
						      : '?'));
			if (z.p.stat.exit_code)
				j.value("exit_code", *z.p.stat.exit_code);
			else
				j.null("exit_code");
			j.value("exit", exit_text(z.p.stat))
			    .value("exit_signal", z.p.stat.exit_signal)
			    .value("live_threads",
				   static_cast<long long>(
				       std::max(0L, z.p.status.threads - 1)))
			    .value("nspid", nspid(z.p))
			    .value("tracer_pid", z.p.status.tracer_pid)
			    .value("cgroup", z.cgroup)
			    .end_object();
		}
		j.end_array().begin_array("parents");
		for (auto &[pid, row] : parents)
			j.begin_object()
			    .value("pid", pid)
			    .value("comm", row.comm)
			    .value("state", std::string(1, row.state))
			    .value("zombies", row.count)
			    .end_object();
		j.end_array().begin_array("cgroups");
		for (auto &cg : cgroups) {
			j.begin_object().value("path", cg);
			auto cur = cg_value(cg, "pids.current");
			auto max = cg_value(cg, "pids.max");
			cur ? (void)j.value("pids_current", *cur)
			    : (void)j.null("pids_current");
			max &&*max >= 0 ? (void)j.value("pids_max", *max)
					: (void)j.null("pids_max");
			j.end_object();
		}
		j.end_array();
		pid_max ? (void)j.value("pid_max", *pid_max)
			: (void)j.null("pid_max");
		in_use ? (void)j.value("pids_in_use", *in_use)
		       : (void)j.null("pids_in_use");
		j.end_object();
		out << j.str();
		return EXIT_OK;
	}

	// -n: the rows alone, for scripts (as ps and lsblk do)
	if (zombies.empty()) {
		if (o.noheadings)
			return EXIT_OK;
		out << "no zombies\n";
	} else {
		std::vector<std::vector<std::string>> rows;
		if (!o.noheadings)
			rows.push_back(columns);
		for (auto &z : zombies)
			rows.push_back(
			    {std::to_string(z.p.pid), z.p.stat.comm,
			     std::to_string(z.p.stat.ppid),
			     z.parent ? z.parent->stat.comm : "?",
			     std::string(1,
					 z.parent ? z.parent->stat.state : '?'),
			     exit_text(z.p.stat),
			     std::to_string(
				 std::max(0L, z.p.status.threads - 1)),
			     std::to_string(nspid(z.p)),
			     z.cgroup.empty() ? "-" : z.cgroup,
			     want_age ? age_cell(z.p, env) : ""});
		for (auto &r : rows) {
			std::vector<std::string> picked;
			for (size_t i : *cols)
				picked.push_back(r[i]);
			r = std::move(picked);
		}
		print_table(out, rows);
		if (o.noheadings)
			return EXIT_OK;
		out << "\n";
		for (auto &[pid, r] : parents)
			out << r.count << " zombie" << (r.count > 1 ? "s" : "")
			    << " of pid " << pid << " (" << r.comm << ", "
			    << state_name(r.state) << ")\n";
	}
	if (pid_max && in_use)
		out << "pids in use: " << *in_use << " of pid_max " << *pid_max
		    << "\n";
	for (auto &cg : cgroups) {
		auto cur = cg_value(cg, "pids.current");
		auto max = cg_value(cg, "pids.max");
		out << "cgroup " << cg << ": pids.current "
		    << (cur ? std::to_string(*cur) : "?") << ", pids.max "
		    << (max ? (*max < 0 ? "max" : std::to_string(*max)) : "?")
		    << "\n";
	}
	return EXIT_OK;
}

} // namespace rz
