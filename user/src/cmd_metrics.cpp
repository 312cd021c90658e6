// SPDX-License-Identifier: GPL-2.0
// `zombiectl metrics`: one observation in the Prometheus text format.
#include <ostream>

#include "commands.hpp"
#include "metrics.hpp"
#include "observe.hpp"

namespace rz
{

int cmd_metrics(const Options &o, std::ostream &out, std::ostream &err)
{
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return EXIT_NONE;
	auto sys = Tree::open(o.sys_root);
	auto ob = observe(*proc, sys ? &*sys : nullptr);
	out << format_metrics(ob.metrics);
	return EXIT_OK;
}

} // namespace rz
