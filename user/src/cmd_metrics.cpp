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
	auto roots = open_roots(o, err);
	if (!roots)
		return EXIT_NONE;
	auto ob = observe(roots->proc, roots->sys ? &*roots->sys : nullptr);
	out << format_metrics(ob.metrics);
	return EXIT_OK;
}

} // namespace rz
