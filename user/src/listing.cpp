// SPDX-License-Identifier: GPL-2.0
#include "listing.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

namespace rz
{
namespace
{

Error malformed(const std::string &why)
{
	return Error{EINVAL, "malformed reap_zombie listing: " + why};
}

// A decimal number of digits alone, no leading zero, at most @max.
bool parse_number(std::string_view s, unsigned long long max,
		  unsigned long long *out)
{
	if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0'))
		return false;
	unsigned long long n = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		unsigned d = static_cast<unsigned>(c - '0');
		if (d > max || n > (max - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = n;
	return true;
}

bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

} // namespace

Result<ListingEntry> parse_listing_line(std::string_view line)
{
	std::string_view f[7];
	std::size_t at = 0;
	for (int i = 0; i < 7; i++) {
		auto sp = line.find(' ', at);
		if (sp == std::string_view::npos)
			return malformed("fewer than 8 fields in '" +
					 std::string(line) + "'");
		f[i] = line.substr(at, sp - at);
		at = sp + 1;
	}
	std::string_view comm = line.substr(at);
	static const char *const names[] = {
	    "PID", "START", "STATUS", "SIGNAL", "DEAD_MS", "THREADS", "TRACED"};
	static const unsigned long long max[] = {
	    INT_MAX, ULLONG_MAX, INT_MAX, INT_MAX, LLONG_MAX, LONG_MAX, 1};
	unsigned long long v[7];
	for (int i = 0; i < 7; i++)
		if (!parse_number(f[i], max[i], &v[i]))
			return malformed(std::string(names[i]) + " '" +
					 std::string(f[i]) +
					 "' is not a decimal number" +
					 (i == 6 ? " 0 or 1" : ""));
	if (v[0] < 1)
		return malformed("PID 0");

	ListingEntry e;
	e.pid = static_cast<int>(v[0]);
	e.start = v[1];
	e.status = static_cast<int>(v[2]);
	e.signal = static_cast<int>(v[3]);
	e.dead_ms = static_cast<long long>(v[4]);
	e.threads = static_cast<long>(v[5]);
	e.traced = v[6] == 1;
	e.comm.reserve(comm.size());
	for (std::size_t i = 0; i < comm.size(); i++) {
		unsigned char c = static_cast<unsigned char>(comm[i]);
		if (c < 0x20 || c > 0x7e)
			return malformed("COMM of pid " +
					 std::to_string(e.pid) +
					 " holds an unescaped byte");
		if (c != '\\') {
			e.comm += static_cast<char>(c);
			continue;
		}
		if (comm.size() - i < 4 || !is_octal(comm[i + 1]) ||
		    !is_octal(comm[i + 2]) || !is_octal(comm[i + 3]) ||
		    comm[i + 1] > '3')
			return malformed("COMM of pid " +
					 std::to_string(e.pid) +
					 " holds a '\\' that is not \\ooo");
		e.comm += static_cast<char>((comm[i + 1] - '0') * 64 +
					    (comm[i + 2] - '0') * 8 +
					    (comm[i + 3] - '0'));
		i += 3;
	}
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
		auto e = parse_listing_line(text.substr(at, nl - at));
		if (!e)
			return Error{e.error().code,
				     e.error().message + " (line " +
					 std::to_string(n) + ")"};
		out.push_back(std::move(*e));
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
