// SPDX-License-Identifier: GPL-2.0
#include "metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace rz
{
namespace
{

// The length of the UTF-8 sequence at @s[i], or 0 if it is not one.
std::size_t utf8_len(std::string_view s, std::size_t i)
{
	auto b = [&](std::size_t k) {
		return static_cast<unsigned char>(s[k]);
	};
	unsigned char c = b(i);
	std::size_t n = c < 0x80		   ? 1
			: (c >= 0xc2 && c <= 0xdf) ? 2
			: (c >= 0xe0 && c <= 0xef) ? 3
			: (c >= 0xf0 && c <= 0xf4) ? 4
						   : 0;
	if (n == 0 || i + n > s.size())
		return 0;
	for (std::size_t k = 1; k < n; k++)
		if ((b(i + k) & 0xc0) != 0x80)
			return 0;
	// no overlong forms, no surrogates, nothing above U+10FFFF
	if ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) > 0x9f) ||
	    (c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) > 0x8f))
		return 0;
	return n;
}

// A metric family: its HELP and TYPE lines, then its samples.
struct Family {
	std::string &out;
	const char *name;
	Family(std::string &o, const char *n, const char *type,
	       const char *help)
	    : out(o), name(n)
	{
		out.append("# HELP ").append(name).append(" ").append(help);
		out.append("\n# TYPE ").append(name).append(" ").append(type);
		out += '\n';
	}
	void sample(const std::string &labels, const std::string &value)
	{
		out.append(name);
		if (!labels.empty())
			out.append("{").append(labels).append("}");
		out.append(" ").append(value).append("\n");
	}
};

std::string label(const char *name, std::string_view v)
{
	return std::string(name) + "=\"" + escape_label_value(v) + "\"";
}

std::string seconds(double s)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.3f", s);
	return buf;
}

} // namespace

std::string escape_label_value(std::string_view v)
{
	std::string out;
	out.reserve(v.size());
	for (std::size_t i = 0; i < v.size();) {
		char c = v[i];
		if (c == '\\') {
			out += "\\\\";
		} else if (c == '"') {
			out += "\\\"";
		} else if (c == '\n') {
			out += "\\n";
		} else if (std::size_t n = utf8_len(v, i)) {
			out.append(v.substr(i, n));
			i += n;
			continue;
		} else {
			out += "\xef\xbf\xbd"; // U+FFFD
		}
		i++;
	}
	return out;
}

std::string limit_value(long long v)
{
	return v < 0 ? "+Inf" : std::to_string(v);
}

std::vector<ParentCount> top_parents(const std::vector<ZombieFact> &zombies,
				     std::size_t n, long long *rest)
{
	std::map<int, ParentCount> by;
	for (auto &z : zombies) {
		auto &p = by[z.ppid];
		p.ppid = z.ppid;
		if (p.comm.empty())
			p.comm = z.parent_comm;
		p.zombies++;
	}
	std::vector<ParentCount> all;
	all.reserve(by.size());
	for (auto &[ppid, p] : by)
		all.push_back(std::move(p));
	std::stable_sort(all.begin(), all.end(), [](auto &a, auto &b) {
		return a.zombies > b.zombies;
	}); // stable: ties keep pid order
	*rest = 0;
	for (std::size_t i = n; i < all.size(); i++)
		*rest += all[i].zombies;
	if (all.size() > n)
		all.resize(n);
	return all;
}

std::string format_metrics(const MetricsSnapshot &s)
{
	std::string out;
	Family(out, "reap_zombie_zombies", "gauge",
	       "Zombie processes this /proc shows.")
	    .sample("", std::to_string(s.zombies.size()));

	Family by(out, "reap_zombie_zombies_by_parent", "gauge",
		  "Zombies per parent, the 20 parents with most; the rest "
		  "summed under ppid=\"other\".");
	long long rest = 0;
	for (auto &p : top_parents(s.zombies, TOP_PARENTS, &rest))
		by.sample(label("ppid", std::to_string(p.ppid)) + "," +
			      label("comm", p.comm),
			  std::to_string(p.zombies));
	if (rest)
		by.sample(label("ppid", "other") + "," + label("comm", "other"),
			  std::to_string(rest));

	std::optional<double> oldest;
	for (auto &z : s.zombies)
		if (z.age_s && (!oldest || *z.age_s > *oldest))
			oldest = z.age_s;
	if (s.zombies.empty())
		oldest = 0;
	Family old(out, "reap_zombie_oldest_zombie_seconds", "gauge",
		   "Seconds since the oldest zombie last ran (0: no zombie).");
	if (oldest)
		old.sample("", seconds(*oldest));

	Family tasks(out, "reap_zombie_tasks", "gauge",
		     "Threads in use, zombies included.");
	if (s.tasks)
		tasks.sample("", std::to_string(*s.tasks));
	Family pm(out, "reap_zombie_pid_max", "gauge",
		  "The kernel's pid_max: the most pids in use at once.");
	if (s.pid_max)
		pm.sample("", std::to_string(*s.pid_max));

	Family cur(out, "reap_zombie_cgroup_pids_current", "gauge",
		   "pids.current of each cgroup holding zombies.");
	for (auto &[cg, p] : s.cgroups)
		if (p.current)
			cur.sample(label("cgroup", cg),
				   std::to_string(*p.current));
	Family max(out, "reap_zombie_cgroup_pids_max", "gauge",
		   "pids.max of each cgroup holding zombies (+Inf: max).");
	for (auto &[cg, p] : s.cgroups)
		if (p.max)
			max.sample(label("cgroup", cg), limit_value(*p.max));

	Family(out, "reap_zombie_module_loaded", "gauge",
	       "1 while the reap_zombie module is loaded.")
	    .sample("", s.module_loaded ? "1" : "0");
	Family(out, "reap_zombie_module_enabled", "gauge",
	       "1 while the module serves /proc/<pid>/reap_zombie.")
	    .sample("", s.module_loaded && s.module_enabled ? "1" : "0");
	if (s.module_loaded && s.reaped_total)
		Family(out, "reap_zombie_reaped_total", "counter",
		       "Zombies the module released since it was loaded.")
		    .sample("", std::to_string(*s.reaped_total));
	return out;
}

} // namespace rz
