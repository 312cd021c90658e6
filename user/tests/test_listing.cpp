// SPDX-License-Identifier: GPL-2.0
#include <doctest/doctest.h>

#include <string>

#include "listing.hpp"

using namespace rz;

TEST_SUITE("listing")
{
	TEST_CASE("a line, field by field")
	{
		auto e =
		    parse_listing_line("42 1234 768 17 3012 0 0 rz-zombie");
		REQUIRE(e);
		CHECK(e->pid == 42);
		CHECK(e->start == 1234);
		CHECK(e->status == 768);
		CHECK(e->signal == 17);
		CHECK(e->dead_ms == 3012);
		CHECK(e->threads == 0);
		CHECK_FALSE(e->traced);
		CHECK(e->comm == "rz-zombie");

		e = parse_listing_line("7 0 0 0 0 2 1 x");
		REQUIRE(e);
		CHECK(e->start == 0);
		CHECK(e->signal == 0);
		CHECK(e->threads == 2);
		CHECK(e->traced);
		// big numbers: START and DEAD_MS are 64-bit
		e = parse_listing_line(
		    "2147483647 18446744073709551615 0 0 9223372036854775807 0 "
		    "0 x");
		REQUIRE(e);
		CHECK(e->pid == 2147483647);
		CHECK(e->start == 18446744073709551615ull);
		CHECK(e->dead_ms == 9223372036854775807ll);
	}
	TEST_CASE("COMM: the rest of the line, escapes undone")
	{
		auto comm = [](const std::string &c) {
			auto e = parse_listing_line("9 1 0 17 0 0 0 " + c);
			REQUIRE(e);
			return e->comm;
		};
		CHECK(comm("a b  c ") == "a b  c ");
		CHECK(comm("") == "");
		CHECK(comm(" ") == " ");
		CHECK(comm("a\\012b") == "a\nb");
		CHECK(comm("back\\134slash") == "back\\slash");
		CHECK(comm("\\001\\037\\177\\377") ==
		      std::string("\x01\x1f\x7f\xff"));
		CHECK(comm("(sd-pam)") == "(sd-pam)");
		CHECK(comm("1 2 3 4 5 6 7 8") == "1 2 3 4 5 6 7 8");
		CHECK(comm("\\134012") == "\\012"); // escaped, not again
		CHECK(comm("\\000") == std::string(1, '\0'));
	}
	TEST_CASE("escape_comm and listing_line are the inverse")
	{
		std::string all;
		for (int c = 1; c < 256; c++)
			all += static_cast<char>(c);
		CHECK(escape_comm("a\nb\\c d") == "a\\012b\\134c d");
		ListingEntry e;
		e.pid = 5;
		e.start = 6;
		e.status = 9;
		e.signal = 17;
		e.dead_ms = 100;
		e.threads = 1;
		e.traced = true;
		e.comm = all;
		auto line = listing_line(e);
		CHECK(line.back() == '\n');
		CHECK(line.find('\n') == line.size() - 1);
		auto back = parse_listing(line);
		REQUIRE(back);
		REQUIRE(back->size() == 1);
		CHECK((*back)[0].comm == all);
		CHECK((*back)[0].traced);
		CHECK((*back)[0].threads == 1);
	}
	TEST_CASE("malformed lines are refused with EINVAL")
	{
		for (const char *bad : {
			 "",
			 "42",
			 "42 1 0 17 0 0 0",	      // no COMM field at all
			 "42 1 0 17 0 0 x",	      // TRACED not 0/1, no comm
			 "42 1 0 17 0 0 2 x",	      // TRACED 2
			 "0 1 0 17 0 0 0 x",	      // PID 0
			 "-1 1 0 17 0 0 0 x",	      // a sign
			 "+1 1 0 17 0 0 0 x",	      // a sign
			 "042 1 0 17 0 0 0 x",	      // a leading zero
			 "42 01 0 17 0 0 0 x",	      // a leading zero
			 "42  1 0 17 0 0 0 x",	      // two spaces
			 " 42 1 0 17 0 0 0 x",	      // a leading space
			 "42\t1 0 17 0 0 0 x",	      // a tab
			 "42 1 0 17 0x10 0 0 x",      // hex
			 "42 1 0 17 1.5 0 0 x",	      // not an integer
			 "2147483648 1 0 17 0 0 0 x", // over INT_MAX
			 "42 18446744073709551616 0 17 0 0 0 x", // over u64
			 "42 1 0 17 0 0 0 a\\12",		 // short escape
			 "42 1 0 17 0 0 0 a\\",	     // lone backslash
			 "42 1 0 17 0 0 0 a\\x41",   // not octal
			 "42 1 0 17 0 0 0 a\\400",   // over 0377
			 "42 1 0 17 0 0 0 a\tb",     // raw control byte
			 "42 1 0 17 0 0 0 a\x7f",    // raw DEL
			 "42 1 0 17 0 0 0 \xc3\xa9", // raw UTF-8
		     }) {
			const std::string line = bad;
			CAPTURE(line);
			auto e = parse_listing_line(line);
			CHECK_FALSE(e);
			if (!e) {
				CHECK(e.error().code == EINVAL);
				CHECK(e.error().message.find(
					  "malformed reap_zombie listing") ==
				      0);
			}
		}
		CHECK_FALSE(parse_listing_line(
		    std::string("42 1 0 17 0 0 0 a\0b", 19)));
	}
	TEST_CASE("a whole read")
	{
		auto l = parse_listing("");
		REQUIRE(l);
		CHECK(l->empty());
		l = parse_listing("42 1 0 17 0 0 0 a b\n43 2 256 17 9 0 0 "
				  "c\\012d\n");
		REQUIRE(l);
		REQUIRE(l->size() == 2);
		CHECK((*l)[0].comm == "a b");
		CHECK((*l)[1].pid == 43);
		CHECK((*l)[1].comm == "c\nd");
		// every line ends with a newline: a cut read is refused
		auto cut = parse_listing("42 1 0 17 0 0 0 a\n43 2 0 17");
		REQUIRE_FALSE(cut);
		CHECK(cut.error().code == EINVAL);
		CHECK_FALSE(parse_listing("42 1 0 17 0 0 0 a"));
		// an empty line, a bad second line: named by its number
		CHECK_FALSE(parse_listing("\n"));
		auto bad = parse_listing("42 1 0 17 0 0 0 a\n\n");
		REQUIRE_FALSE(bad);
		CHECK(bad.error().message.find("(line 2)") !=
		      std::string::npos);
		bad = parse_listing("42 1 0 17 0 0 0 a\n43 x 0 17 0 0 0 b\n");
		REQUIRE_FALSE(bad);
		CHECK(bad.error().message.find("START 'x'") !=
		      std::string::npos);
		CHECK(bad.error().message.find("(line 2)") !=
		      std::string::npos);
		// 30,000 lines
		std::string big;
		for (int pid = 1; pid <= 30000; pid++)
			big += std::to_string(pid) + " " + std::to_string(pid) +
			       " 0 17 5000 0 0 w\n";
		l = parse_listing(big);
		REQUIRE(l);
		CHECK(l->size() == 30000);
		CHECK(l->back().pid == 30000);
	}
}
