// SPDX-License-Identifier: GPL-2.0
// `zombiectl watch`: observe every interval into a textfile, and reap by
// the opt-in policy through the batch form.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "commands.hpp"
#include "metrics.hpp"
#include "observe.hpp"
#include "reap_engine.hpp"
#include "watch_policy.hpp"

namespace rz
{
namespace
{

// SIGTERM and SIGINT blocked and read from a signalfd while it lives; the
// mask as it was afterwards. No handler runs: the loop polls the fd.
class StopSignals
{
public:
	StopSignals()
	{
		sigemptyset(&set_);
		sigaddset(&set_, SIGTERM);
		sigaddset(&set_, SIGINT);
		pthread_sigmask(SIG_BLOCK, &set_, &old_);
		fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
	}
	~StopSignals()
	{
		fd_.reset();
		pthread_sigmask(SIG_SETMASK, &old_, nullptr);
	}
	StopSignals(const StopSignals &) = delete;
	StopSignals &operator=(const StopSignals &) = delete;
	bool ok() const { return fd_.valid(); }

	// Waits up to @ms for a stop signal: its number, or 0 at the timeout.
	int wait(long long ms)
	{
		struct pollfd p = {fd_.get(), POLLIN, 0};
		int n = ::poll(&p, 1, static_cast<int>(std::max(0LL, ms)));
		if (n <= 0)
			return 0; // the timeout, or EINTR: the loop looks again
		struct signalfd_siginfo si {
		};
		if (::read(fd_.get(), &si, sizeof(si)) != sizeof(si))
			return 0;
		return static_cast<int>(si.ssi_signo);
	}

private:
	sigset_t set_{}, old_{};
	UniqueFd fd_;
};

long long now_ms()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The module as watch says it changed: loaded and enabled, switched off,
// or not loaded. Judged on sysfs, not on the proc files: while a module
// loads, its parameters are there before its files, and that is no
// "switched off" to tell of. Reaping waits for the files all the same.
enum class Module { ON, OFF, UNLOADED };

Module module_state(const Observation &ob)
{
	if (!ob.metrics.module_loaded)
		return Module::UNLOADED;
	return ob.metrics.module_enabled ? Module::ON : Module::OFF;
}

// What to say when the module went from @was (nullopt: the first round)
// to @now; "" when there is nothing to say.
std::string transition(std::optional<Module> was, Module now)
{
	if (!was)
		return now == Module::OFF	 ? "module switched off"
		       : now == Module::UNLOADED ? "module not loaded"
						 : "";
	if (*was == now)
		return "";
	if (*was == Module::UNLOADED)
		return now == Module::ON ? "module loaded again"
					 : "module loaded again, switched off";
	if (now == Module::UNLOADED)
		return "module unloaded";
	return now == Module::ON ? "module switched on again"
				 : "module switched off";
}

// The policy's reaps of one observation: one batch per parent with
// targets. Logs one line per reap on @out, refusals and failures on @err.
// The reaps made.
int reap_by_policy(const Tree &proc, const Observation &ob,
		   const WatchPolicy &pol, std::ostream &out, std::ostream &err)
{
	const Pressure host{ob.metrics.tasks, ob.metrics.pid_max};
	auto cgroup_of = [&](int pid) {
		auto cg = ob.cgroup_of.find(pid);
		if (cg == ob.cgroup_of.end())
			return Pressure{};
		auto c = ob.metrics.cgroups.find(cg->second);
		if (c == ob.metrics.cgroups.end())
			return Pressure{};
		return Pressure{c->second.current, c->second.max};
	};
	int reaped = 0;
	for (auto &[ppid, p] : ob.parents) {
		if (!p.listing || ppid <= 0)
			continue;
		auto targets = choose(pol, *p.listing, p.comm, host, cgroup_of);
		if (targets.empty())
			continue;
		auto dir = ProcDir::open(proc, ppid);
		if (!dir)
			continue; // gone, and its zombies with it
		auto f = open_batch_file(*dir, false);
		if (!f) {
			err << "zombiectl watch: " << f.error().message << "\n";
			continue;
		}
		std::map<int, long long> dead_ms;
		for (auto &e : *p.listing)
			dead_ms[e.pid] = e.dead_ms;
		// the plan judges the age again, on a fresh listing, with the
		// policy's age as its grace period: never a younger one
		PlanOptions po;
		po.targets = std::move(targets);
		po.grace_s = *pol.older_than_s;
		auto rep = reap_batch(**f, ppid, p.comm, po, false);
		if (rep.no_batch) {
			err << "zombiectl watch: pid " << ppid << ": "
			    << rep.no_batch->message << "\n";
			continue;
		}
		std::string text, errors;
		for (auto &r : rep.outcomes) {
			if (r.outcome != "reaped") {
				errors += "zombiectl watch: " + r.reason + "\n";
				continue;
			}
			reaped++;
			char age[64];
			std::snprintf(age, sizeof(age), "%.1f s",
				      static_cast<double>(dead_ms[r.pid]) /
					  1000.0);
			text +=
			    "reaped pid " + std::to_string(r.pid) + " (" +
			    r.comm + "): " +
			    (r.exit_code ? describe_wait_status(*r.exit_code)
					 : "exit status unknown") +
			    ", parent " + std::to_string(ppid) + " (" + p.comm +
			    "), dead " + age + "\n";
		}
		out << text << std::flush;
		err << errors << std::flush;
	}
	return reaped;
}

std::string policy_text(const WatchPolicy &pol)
{
	if (!pol.active())
		return "observing only (no --reap-older-than)";
	std::string s = "reaping zombies dead for at least " +
			format_duration(*pol.older_than_s);
	if (pol.pressure_pct) {
		char buf[64];
		std::snprintf(buf, sizeof(buf), "%g%%", *pol.pressure_pct);
		s += std::string(" while pids in use reach ") + buf +
		     " of pid_max or of the zombie's cgroup pids.max";
	}
	if (!pol.parents.empty()) {
		s += ", only of parents named";
		for (auto &c : pol.parents)
			s += " '" + c + "'";
	}
	return s;
}

} // namespace

int cmd_watch(const Options &o, std::ostream &out, std::ostream &err)
{
	auto usage = [&](const std::string &msg) {
		err << "zombiectl watch: " << msg << "\n";
		return EXIT_USAGE;
	};
	auto interval = parse_duration(o.interval);
	if (!interval)
		return usage("--interval: " + interval.error().message);
	if (*interval < 0.001)
		return usage("--interval must be at least 1ms");
	if (o.textfile.empty())
		return usage("--textfile FILE is required");
	WatchPolicy pol;
	if (!o.reap_older_than.empty()) {
		auto d = parse_duration(o.reap_older_than);
		if (!d)
			return usage("--reap-older-than: " + d.error().message);
		pol.older_than_s = *d;
	}
	if (!o.when_pressure.empty()) {
		auto p = parse_percent(o.when_pressure);
		if (!p)
			return usage("--when-pressure: " + p.error().message);
		pol.pressure_pct = *p;
	}
	pol.parents = o.watch_parents;
	if (!pol.active() && (pol.pressure_pct || !pol.parents.empty()))
		return usage("--when-pressure and --parent need "
			     "--reap-older-than");

	auto proc = Tree::open(o.proc_root);
	if (!proc) {
		err << "zombiectl watch: " << proc.error().message << "\n";
		return EXIT_NONE;
	}
	StopSignals stop;
	if (!stop.ok()) {
		int e = errno;
		err << "zombiectl watch: signalfd: " << errno_text(e) << "\n";
		return EXIT_NONE;
	}
	const long long period =
	    std::max(1LL, static_cast<long long>(*interval * 1000 + 0.5));
	out << "zombiectl watch: every " << format_duration(*interval)
	    << " into " << o.textfile << "; " << policy_text(pol) << "\n"
	    << std::flush;

	std::optional<Module> said; // the module state last told
	bool write_failing = false, listing_failing = false;
	for (long long tick = 0;; tick++) {
		const long long started = now_ms();
		// sysfs opened each time: the module may come and go
		auto sys = Tree::open(o.sys_root);
		auto ob = observe(*proc, sys ? &*sys : nullptr);
		auto state = module_state(ob);
		if (auto t = transition(said, state); !t.empty())
			out << t
			    << (pol.active() && state != Module::ON
				    ? ": observing only"
				    : "")
			    << "\n";
		said = state;
		// ENOENT: the module went away between two reads, which the
		// next round tells of
		bool failing =
		    ob.listing_error && ob.listing_error->code != ENOENT;
		if (pol.active() && failing != listing_failing) {
			if (failing)
				err << "zombiectl watch: cannot read the "
				       "reap_zombie listings ("
				    << ob.listing_error->message
				    << "): observing only\n";
			listing_failing = failing;
		}
		out << std::flush;
		if (pol.active() && ob.module_present &&
		    reap_by_policy(*proc, ob, pol, out, err) > 0)
			ob = observe(*proc, sys ? &*sys : nullptr);

		if (auto e = write_textfile(o.textfile,
					    format_metrics(ob.metrics))) {
			err << "zombiectl watch: " << e->message << "\n"
			    << std::flush;
			if (tick == 0)
				return EXIT_NONE; // misconfigured: say so now
			write_failing = true;
		} else if (write_failing) {
			err << "zombiectl watch: " << o.textfile
			    << " written again\n";
			write_failing = false;
		}

		// at least one look at the signals, however long that took
		const long long next = started + period;
		for (long long left = next - now_ms();;
		     left = next - now_ms()) {
			if (int sig = stop.wait(left)) {
				out << "zombiectl watch: stopping on "
				    << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
				    << "\n"
				    << std::flush;
				return EXIT_OK;
			}
			if (left <= 0)
				break;
		}
	}
}

} // namespace rz
