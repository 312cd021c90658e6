// SPDX-License-Identifier: GPL-2.0
// `zombiectl reap`: validate, reap (reap_engine.cpp), print each outcome.
#include <map>
#include <ostream>
#include <string>

#include "commands.hpp"
#include "json.hpp"
#include "reap_engine.hpp"

namespace rz
{

int cmd_reap(const Options &o, std::ostream &out, std::ostream &err)
{
	int forms = !o.pids.empty() + (o.children_of > 0) + o.all;
	if (forms != 1) {
		err << "zombiectl reap: name the zombies: PID..., "
		       "--children-of PPID or --all\n";
		return EXIT_USAGE;
	}
	auto proc = open_root(o.proc_root, err);
	if (!proc)
		return EXIT_NONE;
	ReapRequest q;
	if (!o.pids.empty()) {
		for (auto &s : o.pids)
			q.named.push_back(parse_pid_arg(s));
	} else {
		q.scan = o.all ? 0 : o.children_of;
	}
	q.env = reap_env(*proc, o);
	// Once for all targets: the module puts reap_zombie in every process's
	// directory while it is loaded and enabled, ours included. A target
	// whose file is gone by the time it is opened is told so.
	q.env.module_present = proc->exists("self/reap_zombie");
	q.dry_run = o.dry_run;
	q.jobs = o.jobs;
	auto results = reap(*proc, q);
	const auto &scan = q.scan;

	if (scan && results.empty()) {
		if (o.json)
			out << Json()
				   .begin_object()
				   .begin_array("results")
				   .end_array()
				   .end_object()
				   .str();
		err << "zombiectl: no zombies"
		    << (o.all ? std::string()
			      : " among the children of pid " +
				    std::to_string(o.children_of))
		    << "\n";
		return EXIT_NONE;
	}
	int done = 0;
	for (auto &r : results)
		done += r.outcome == "reaped" || r.outcome == "dry-run";
	if (o.json) {
		Json j;
		j.begin_object().begin_array("results");
		for (auto &r : results) {
			j.begin_object()
			    .value("pid", r.pid)
			    .value("comm", r.comm)
			    .value("outcome", r.outcome)
			    .value("reason", r.reason);
			if (r.exit_code)
				j.value("exit_code", *r.exit_code)
				    .value("exit",
					   describe_wait_status(*r.exit_code));
			else
				j.null("exit_code").null("exit");
			j.value("ppid", r.ppid).end_object();
		}
		j.end_array().end_object();
		out << j.str();
	}
	// one write of each stream: 10,000 lines cost no more than one
	std::string text, errors;
	std::map<int, std::string> exits; // most share a few statuses
	for (auto &r : results) {
		auto exit = [&]() -> const std::string & {
			static const std::string unknown =
			    "exit status unknown";
			if (!r.exit_code)
				return unknown;
			auto it = exits.find(*r.exit_code);
			if (it == exits.end())
				it = exits
					 .emplace(
					     *r.exit_code,
					     describe_wait_status(*r.exit_code))
					 .first;
			return it->second;
		};
		if (r.outcome == "reaped" && !o.json)
			text.append("reaped pid ")
			    .append(std::to_string(r.pid))
			    .append(" (")
			    .append(r.comm)
			    .append("): ")
			    .append(exit())
			    .append(", parent ")
			    .append(std::to_string(r.ppid))
			    .append(" (")
			    .append(r.pcomm)
			    .append(")\n");
		else if (r.outcome == "dry-run" && !o.json)
			text += r.reason + ": " + exit() + " (dry run)\n";
		else if (r.outcome != "reaped" && r.outcome != "dry-run")
			errors += "zombiectl: " + r.reason + "\n";
	}
	out << text;
	err << errors;
	if (done == static_cast<int>(results.size()))
		return EXIT_OK;
	return done ? EXIT_PARTIAL : EXIT_NONE;
}

} // namespace rz
