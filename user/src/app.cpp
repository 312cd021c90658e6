// SPDX-License-Identifier: GPL-2.0
#include "app.hpp"

#include <ostream>
#include <sstream>

#include "watch_policy.hpp"

#ifndef RZ_VERSION
#define RZ_VERSION "unknown"
#endif

namespace rz
{
namespace
{

// -j: a plain decimal 1..1024; CLI11's Range would call "abc" out of range.
std::string check_jobs(std::string &s)
{
	unsigned n = 0;
	bool digits = !s.empty() && s.size() <= 4;
	for (char c : s) {
		digits = digits && c >= '0' && c <= '9';
		n = digits ? n * 10 + static_cast<unsigned>(c - '0') : 0;
	}
	if (digits && n >= 1 && n <= 1024)
		return {};
	return "'" + s + "' is not a number of jobs from 1 to 1024";
}

} // namespace

std::unique_ptr<App> make_app(std::string_view only)
{
	// Building every option costs CLI11 most of a short run's instructions
	// (callgrind: 300,000 of 520,000 for "reap PID"): a named subcommand
	// gets only its own.
	auto want = [&](std::string_view name) {
		return only.empty() || only == name;
	};
	auto a = std::make_unique<App>();
	auto &app = a->app;
	auto &o = a->opt;
	app.set_version_flag("-V,--version", "zombiectl " RZ_VERSION);
	app.require_subcommand(1);
	app.fallthrough();
	app.add_option("--proc", o.proc_root, "proc root to read")
	    ->capture_default_str()
	    ->group("");
	app.add_option("--sys", o.sys_root, "sysfs root to read")
	    ->capture_default_str()
	    ->group("");
	app.footer("Exit status: 0 all done, 1 nothing done, 2 usage, 64 some "
		   "done.\nScripts should use -J/--json.");

	if (want("list")) {
		a->list = app.add_subcommand("list",
					     "List zombies, their parents and "
					     "the pid pressure");
		a->list->add_flag("-J,--json", o.json, "JSON output");
		a->list
		    ->add_option("-P,--parent", o.parent,
				 "only the zombies of this parent")
		    ->check(CLI::PositiveNumber);
		a->list
		    ->add_option(
			"-o,--output", o.output,
			"the table's columns, comma-separated, any "
			"case: PID,COMM,PPID,PARENT,PSTAT,EXIT,"
			"THREADS,NSPID,CGROUP, and AGE (seconds dead, ~ "
			"when estimated); the table only, JSON keeps "
			"every key")
		    ->type_name("COLS");
		a->list->add_flag("-n,--noheadings", o.noheadings,
				  "no header line and no summary after the "
				  "table: the rows alone");
		a->list->footer("Examples:\n  zombiectl list -P 1\n"
				"  zombiectl list -n -o pid,ppid,exit");
	}

	if (want("why")) {
		a->why = app.add_subcommand(
		    "why", "Explain why a zombie is not reaped "
			   "and what would help");
		a->why->add_flag("-J,--json", o.json, "JSON output");
		a->why
		    ->add_option("pid", o.why_pid,
				 "the zombie (PID or PID:INODE)")
		    ->required();
		a->why->footer("Example: zombiectl why 4242");
	}

	if (want("reap")) {
		a->reap = app.add_subcommand("reap", "Reap zombies through "
						     "/proc/<pid>/reap_zombie");
		a->reap->add_flag("-J,--json", o.json, "JSON output");
		a->reap->add_option("pids", o.pids,
				    "zombies to reap (PID or PID:INODE)");
		a->reap
		    ->add_option("-c,--children-of", o.children_of,
				 "every zombie of this parent")
		    ->check(CLI::PositiveNumber);
		a->reap->add_flag("-a,--all", o.all,
				  "every zombie on the system");
		a->reap
		    ->add_option("-g,--grace", o.grace,
				 "refuse zombies dead for less than SECONDS")
		    ->capture_default_str()
		    ->check(CLI::NonNegativeNumber);
		a->reap->add_flag("-n,--dry-run", o.dry_run,
				  "validate and report, write nothing");
		a->reap->add_flag("-f,--force", o.force,
				  "skip the grace period");
		a->reap
		    ->add_option(
			"-j,--jobs", o.jobs,
			"targets worked on at once without the batch form "
			"(with it: stat reads of named pids)")
		    ->type_name("N")
		    ->capture_default_str()
		    ->check(CLI::Validator(check_jobs, "1..1024"));
		a->reap->footer("Examples:\n  zombiectl reap 4242\n"
				"  zombiectl reap --children-of 1 --grace 60\n"
				"  zombiectl reap --all --dry-run");
	}

	if (want("status")) {
		a->status =
		    app.add_subcommand("status", "Is the module loaded and "
						 "working?");
		a->status->add_flag("-J,--json", o.json, "JSON output");
		a->status->footer("Exits 1 when the module is not loaded.\n"
				  "Example: zombiectl status -J");
	}

	if (want("unload")) {
		a->unload =
		    app.add_subcommand("unload", "Switch the module off and "
						 "unload it");
		a->unload->footer(
		    "Writes 0 to /sys/module/reap_zombie/parameters/"
		    "enabled, then removes the module.\n"
		    "Example: zombiectl unload");
	}
	if (want("metrics")) {
		a->metrics = app.add_subcommand(
		    "metrics", "Print the zombie and pid pressure metrics in "
			       "the Prometheus text format");
		a->metrics->footer(
		    "For node_exporter's textfile collector; works without "
		    "the module.\nExample: zombiectl metrics");
	}

	if (want("watch")) {
		a->watch = app.add_subcommand(
		    "watch", "Rewrite a metrics textfile every interval; "
			     "optionally reap by policy");
		auto duration = CLI::Validator(
		    [](std::string &s) {
			    auto d = parse_duration(s);
			    return d ? std::string() : d.error().message;
		    },
		    "");
		a->watch
		    ->add_option("-i,--interval", o.interval,
				 "how often (500ms, 10s, 2m, 1h)")
		    ->capture_default_str()
		    ->type_name("DURATION")
		    ->check(duration);
		a->watch
		    ->add_option("-t,--textfile", o.textfile,
				 "the file to rewrite atomically (*.prom)")
		    ->type_name("FILE")
		    ->required();
		auto older =
		    a->watch
			->add_option("--reap-older-than", o.reap_older_than,
				     "reap zombies dead for at least DURATION "
				     "(without it: never reap)")
			->type_name("DURATION")
			->check(duration);
		a->watch
		    ->add_option("--when-pressure", o.when_pressure,
				 "only while pids in use reach PERCENT of "
				 "pid_max or of the zombie's cgroup pids.max")
		    ->type_name("PERCENT")
		    ->check(CLI::Validator(
			[](std::string &s) {
				auto p = parse_percent(s);
				return p ? std::string() : p.error().message;
			},
			""))
		    ->needs(older);
		a->watch
		    ->add_option("--parent", o.watch_parents,
				 "only zombies of a parent with this comm "
				 "(repeatable)")
		    ->type_name("COMM")
		    ->needs(older);
		a->watch->footer(
		    "Stops on SIGTERM or SIGINT.\nExamples:\n"
		    "  zombiectl watch --interval 15s --textfile "
		    "/var/lib/prometheus/node-exporter/zombiectl.prom\n"
		    "  zombiectl watch -i 1s -t z.prom --reap-older-than 2s "
		    "--when-pressure 50%");
	}
	return a;
}

int run(int argc, const char *const *argv, std::ostream &out, std::ostream &err)
{
	std::string_view first = argc > 1 ? argv[1] : "";
	bool named = false;
	for (std::string_view sub :
	     {"list", "why", "reap", "status", "unload", "metrics", "watch"})
		named = named || first == sub;
	auto a = make_app(named ? first : std::string_view());
	try {
		a->app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		std::ostringstream o, er;
		int rc = a->app.exit(e, o, er);
		out << o.str();
		err << er.str();
		return rc == 0 ? EXIT_OK : EXIT_USAGE;
	}
	auto parsed = [](CLI::App *sub) { return sub && sub->parsed(); };
	if (parsed(a->list))
		return cmd_list(a->opt, out, err);
	if (parsed(a->why))
		return cmd_why(a->opt, out, err);
	if (parsed(a->reap))
		return cmd_reap(a->opt, out, err);
	if (parsed(a->status))
		return cmd_status(a->opt, out, err);
	if (parsed(a->unload))
		return cmd_unload(a->opt, out, err);
	if (parsed(a->metrics))
		return cmd_metrics(a->opt, out, err);
	if (parsed(a->watch))
		return cmd_watch(a->opt, out, err);
	return EXIT_USAGE; // require_subcommand(1) lets nothing else through
}

} // namespace rz
