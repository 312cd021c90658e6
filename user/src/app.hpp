// SPDX-License-Identifier: GPL-2.0
// The command line: built in a function so tests can feed it argv.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>
#include <string_view>

#include "commands.hpp"

namespace rz
{

struct App {
	CLI::App app{"zombiectl: list, explain and reap zombie processes whose "
		     "parent never waits for them",
		     "zombiectl"};
	Options opt;
	CLI::App *list = nullptr, *why = nullptr, *reap = nullptr,
		 *status = nullptr, *unload = nullptr, *metrics = nullptr,
		 *watch = nullptr;
};

// The whole command line, or with @only naming a subcommand, the global
// options and that subcommand alone (the others stay nullptr).
std::unique_ptr<App> make_app(std::string_view only = {});

// Parse @argv and run the subcommand: the process exit code.
int run(int argc, const char *const *argv, std::ostream &out,
	std::ostream &err);

} // namespace rz
