// SPDX-License-Identifier: GPL-2.0
#include "watch_policy.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>

namespace rz
{
namespace
{

// A plain decimal: digits, at most one '.', digits on at least one side.
std::optional<double> decimal(std::string_view s)
{
	if (s.empty() || s.size() > 32)
		return std::nullopt;
	double v = 0, scale = 0;
	bool digits = false;
	for (char c : s) {
		if (c == '.' && scale == 0) {
			scale = 1;
		} else if (c >= '0' && c <= '9') {
			digits = true;
			if (scale > 0)
				v += (c - '0') * (scale /= 10);
			else
				v = v * 10 + (c - '0');
		} else {
			return std::nullopt;
		}
	}
	if (!digits)
		return std::nullopt;
	return v;
}

} // namespace

Result<double> parse_duration(std::string_view text)
{
	struct Unit {
		std::string_view suffix;
		double seconds;
	};
	// "ms" before "m" and "s"
	static constexpr Unit units[] = {
	    {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
	for (auto &u : units) {
		if (text.size() < u.suffix.size() ||
		    text.substr(text.size() - u.suffix.size()) != u.suffix)
			continue;
		auto v = decimal(text.substr(0, text.size() - u.suffix.size()));
		if (!v)
			break;
		double s = *v * u.seconds;
		if (!std::isfinite(s) || s > 365.0 * 86400)
			break;
		return s;
	}
	return Error{EINVAL, "'" + std::string(text) +
				 "' is not a duration such as 500ms, 10s, "
				 "2m or 1h"};
}

Result<double> parse_percent(std::string_view text)
{
	auto t = text;
	if (!t.empty() && t.back() == '%')
		t.remove_suffix(1);
	auto v = decimal(t);
	if (v && *v > 0 && *v <= 100)
		return *v;
	return Error{EINVAL, "'" + std::string(text) +
				 "' is not a percentage above 0 and at most "
				 "100, such as 50%"};
}

std::string format_duration(double s)
{
	char buf[64];
	if (s < 1)
		std::snprintf(buf, sizeof(buf), "%g ms", s * 1000);
	else if (s < 60)
		std::snprintf(buf, sizeof(buf), "%g s", s);
	else if (s < 3600)
		std::snprintf(buf, sizeof(buf), "%g min", s / 60);
	else
		std::snprintf(buf, sizeof(buf), "%g h", s / 3600);
	return buf;
}

std::optional<double> pressure_pct(const Pressure &p)
{
	if (!p.in_use || !p.limit || *p.limit <= 0)
		return std::nullopt;
	return 100.0 * static_cast<double>(*p.in_use) /
	       static_cast<double>(*p.limit);
}

Pick pick(const WatchPolicy &p, const ListingEntry &e,
	  const std::string &parent_comm, const Pressure &host,
	  const Pressure &cgroup)
{
	if (!p.active())
		return Pick::NO_POLICY;
	if (!p.parents.empty() && std::find(p.parents.begin(), p.parents.end(),
					    parent_comm) == p.parents.end())
		return Pick::OTHER_PARENT;
	if (p.pressure_pct) {
		auto h = pressure_pct(host), c = pressure_pct(cgroup);
		bool high = (h && *h >= *p.pressure_pct) ||
			    (c && *c >= *p.pressure_pct);
		if (!high)
			return Pick::LOW_PRESSURE;
	}
	// the plan's own check, on the same DEAD_MS: what it would refuse
	// is never chosen
	std::string why;
	switch (refusal_of(e, *p.older_than_s, false, &why)) {
	case Why::NONE:
		return Pick::REAP;
	case Why::YOUNG:
		return Pick::YOUNG;
	default:
		return Pick::REFUSED;
	}
}

std::vector<PlanTarget>
choose(const WatchPolicy &p, const std::vector<ListingEntry> &listing,
       const std::string &parent_comm, const Pressure &host,
       const std::function<Pressure(int pid)> &cgroup_of)
{
	std::vector<PlanTarget> out;
	for (auto &e : listing)
		if (pick(p, e, parent_comm, host, cgroup_of(e.pid)) ==
		    Pick::REAP)
			out.push_back(PlanTarget{e.pid, e.start, e.comm});
	return out;
}

} // namespace rz
