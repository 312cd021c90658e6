// SPDX-License-Identifier: GPL-2.0
#include "listing.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>

namespace rz
{
namespace
{

Error malformed(const std::string &why)
{
	return Error{EINVAL, "malformed reap_zombie listing: " + why};
}

bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

constexpr const char *FIELD[] = {"PID",	    "START",   "STATUS", "SIGNAL",
				 "DEAD_MS", "THREADS", "TRACED"};
constexpr unsigned long long FIELD_MAX[] = {
    INT_MAX, ULLONG_MAX, INT_MAX, INT_MAX, LLONG_MAX, LONG_MAX, 1};

// COMM with its \ooo escapes undone into @out; false if malformed.
bool unescape(std::string_view comm, std::string &out, std::string *why)
{
	// most are plain: one copy
	std::size_t i = 0;
	while (i < comm.size()) {
		unsigned char c = static_cast<unsigned char>(comm[i]);
		if (c < 0x20 || c > 0x7e || c == '\\')
			break;
		i++;
	}
	out.assign(comm.data(), i);
	for (; i < comm.size(); i++) {
		unsigned char c = static_cast<unsigned char>(comm[i]);
		if (c < 0x20 || c > 0x7e) {
			*why = "holds an unescaped byte";
			return false;
		}
		if (c != '\\') {
			out += static_cast<char>(c);
			continue;
		}
		if (comm.size() - i < 4 || !is_octal(comm[i + 1]) ||
		    !is_octal(comm[i + 2]) || !is_octal(comm[i + 3]) ||
		    comm[i + 1] > '3') {
			*why = "holds a '\\' that is not \\ooo";
			return false;
		}
		out += static_cast<char>((comm[i + 1] - '0') * 64 +
					 (comm[i + 2] - '0') * 8 +
					 (comm[i + 3] - '0'));
		i += 3;
	}
	return true;
}

// @line into @e, in place: a listing can be 30,000 lines.
std::optional<Error> parse_into(std::string_view line, ListingEntry &e)
{
	const char *const begin = line.data(), *const end = begin + line.size();
	const char *p = begin;
	unsigned long long v[7];
	for (int i = 0; i < 7; i++) {
		const char *s = p;
		unsigned long long n = 0;
		bool ok = true;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			unsigned d = static_cast<unsigned>(*p - '0');
			if (d > FIELD_MAX[i] || n > (FIELD_MAX[i] - d) / 10)
				ok = false;
			n = n * 10 + d;
		}
		ok = ok && p > s && (p - s == 1 || *s != '0');
		if (!ok || p == end || *p != ' ') {
			auto sp =
			    line.find(' ', static_cast<std::size_t>(s - begin));
			if (sp == std::string_view::npos)
				return malformed("fewer than 8 fields in '" +
						 std::string(line) + "'");
			return malformed(std::string(FIELD[i]) + " '" +
					 std::string(s, begin + sp) +
					 "' is not a decimal number" +
					 (i == 6 ? " 0 or 1" : ""));
		}
		v[i] = n;
		p++; // the space
	}
	if (v[0] < 1)
		return malformed("PID 0");
	e.pid = static_cast<int>(v[0]);
	e.start = v[1];
	e.status = static_cast<int>(v[2]);
	e.signal = static_cast<int>(v[3]);
	e.dead_ms = static_cast<long long>(v[4]);
	e.threads = static_cast<long>(v[5]);
	e.traced = v[6] == 1;
	std::string why;
	if (!unescape(std::string_view(p, static_cast<std::size_t>(end - p)),
		      e.comm, &why))
		return malformed("COMM of pid " + std::to_string(e.pid) + " " +
				 why);
	return std::nullopt;
}

} // namespace

Result<ListingEntry> parse_listing_line(std::string_view line)
{
	ListingEntry e;
	if (auto err = parse_into(line, e))
		return *err;
	return e;
}

Result<std::vector<ListingEntry>> parse_listing(std::string_view text)
{
	std::vector<ListingEntry> out;
	if (!text.empty() && text.back() != '\n')
		return malformed(
		    "the last line has no newline (a short read?)");
	out.reserve(static_cast<std::size_t>(
	    std::count(text.begin(), text.end(), '\n')));
	std::size_t at = 0, n = 0;
	while (at < text.size()) {
		auto nl = text.find('\n', at);
		n++;
		out.emplace_back();
		if (auto err = parse_into(text.substr(at, nl - at), out.back()))
			return Error{err->code, err->message + " (line " +
						    std::to_string(n) + ")"};
		at = nl + 1;
	}
	return out;
}

std::string escape_comm(std::string_view comm)
{
	std::string out;
	for (char ch : comm) {
		unsigned char c = static_cast<unsigned char>(ch);
		if (c == '\\' || c < 0x20 || c > 0x7e) {
			out += '\\';
			out += static_cast<char>('0' + (c >> 6));
			out += static_cast<char>('0' + ((c >> 3) & 7));
			out += static_cast<char>('0' + (c & 7));
		} else {
			out += ch;
		}
	}
	return out;
}

std::string listing_line(const ListingEntry &e)
{
	return std::to_string(e.pid) + " " + std::to_string(e.start) + " " +
	       std::to_string(e.status) + " " + std::to_string(e.signal) + " " +
	       std::to_string(e.dead_ms) + " " + std::to_string(e.threads) +
	       " " + (e.traced ? "1" : "0") + " " + escape_comm(e.comm) + "\n";
}

} // namespace rz
