// SPDX-License-Identifier: GPL-2.0
// The listing a parent's reap_zombie file reads (the batch form): one line
// per zombie child, "PID START STATUS SIGNAL DEAD_MS THREADS TRACED COMM\n".
// Pure: no I/O here, so tests can feed any text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace rz
{

struct ListingEntry {
	int pid = 0;		      // in the pid namespace of the proc mount
	unsigned long long start = 0; // field 22 of /proc/PID/stat
	int status = 0;		      // the raw wait status (stat field 52)
	int signal = 0;		      // the exit signal, 0 for none
	long long dead_ms = 0;	      // since it last ran, one kernel clock
	long threads = 0;	      // live threads besides the leader
	bool traced = false;
	std::string comm; // unescaped
};

// One line, without its newline. Strict: eight fields one space apart,
// decimal digits only (no sign, no leading zero but "0"), PID at least 1,
// TRACED 0 or 1, COMM the rest of the line with `\`, newline and bytes
// below 0x20 or above 0x7e written as \ooo; anything else is EINVAL.
Result<ListingEntry> parse_listing_line(std::string_view line);

// A whole read: every line ends with a newline; empty means no zombie
// children. The first malformed line is the error, naming its number.
Result<std::vector<ListingEntry>> parse_listing(std::string_view text);

// COMM as the kernel escapes it (the inverse of the unescaping above), for
// tests and fixtures.
std::string escape_comm(std::string_view comm);

// The line the kernel writes for @e, newline included.
std::string listing_line(const ListingEntry &e);

} // namespace rz
