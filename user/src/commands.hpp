// SPDX-License-Identifier: GPL-2.0
// The subcommands, over a proc root and a sysfs root so tests can feed
// fixture trees, one file each (cmd_<name>.cpp). Each returns the process
// exit code.
#pragma once

#include <iosfwd>

#include "options.hpp"

namespace rz
{

int cmd_list(const Options &o, std::ostream &out, std::ostream &err);
int cmd_why(const Options &o, std::ostream &out, std::ostream &err);
int cmd_reap(const Options &o, std::ostream &out, std::ostream &err);
int cmd_status(const Options &o, std::ostream &out, std::ostream &err);
int cmd_unload(const Options &o, std::ostream &out, std::ostream &err);
int cmd_metrics(const Options &o, std::ostream &out, std::ostream &err);
// Runs until SIGTERM or SIGINT (exit 0); blocks both while it runs.
int cmd_watch(const Options &o, std::ostream &out, std::ostream &err);

} // namespace rz
