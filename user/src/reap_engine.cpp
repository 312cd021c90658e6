// SPDX-License-Identifier: GPL-2.0
#include "reap_engine.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <set>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unordered_set>

#include "parallel.hpp"

namespace rz
{
namespace
{

class FdBatchFile : public BatchFile
{
public:
	explicit FdBatchFile(UniqueFd fd) : fd_(std::move(fd)) {}

	// pread from 0 until it returns 0: each pass is a fresh snapshot,
	// and the file position (where a plain file takes the write) stays.
	Result<std::string> read_listing() override
	{
		std::string out;
		std::size_t len = 0;
		out.resize(cap_);
		for (;;) {
			if (len == out.size())
				out.resize(out.size() * 2);
			ssize_t n =
			    ::pread(fd_.get(), out.data() + len,
				    out.size() - len, static_cast<off_t>(len));
			if (n < 0) {
				if (errno == EINTR)
					continue;
				int e = errno;
				return Error{e, "reading reap_zombie: " +
						    errno_text(e)};
			}
			if (n == 0)
				break;
			len += static_cast<std::size_t>(n);
		}
		out.resize(len);
		cap_ = std::max(cap_, len + 4096);
		return out;
	}

	int write(std::string_view payload) override
	{
		ssize_t n = ::write(fd_.get(), payload.data(), payload.size());
		return n < 0 ? errno : 0;
	}

private:
	UniqueFd fd_;
	std::size_t cap_ = 65536;
};

Outcome base(const Decision &d, int ppid, const std::string &pcomm)
{
	Outcome r;
	r.pid = d.pid;
	r.comm = d.comm;
	r.ppid = ppid;
	r.pcomm = pcomm;
	if (d.entry)
		r.exit_code = d.entry->status;
	return r;
}

} // namespace

Result<std::unique_ptr<BatchFile>> open_batch_file(const ProcDir &parent,
						   bool read_only)
{
	UniqueFd fd(::openat(parent.fd(), "reap_zombie",
			     (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
	if (!fd.valid()) {
		int e = errno;
		return Error{e, "pid " + std::to_string(parent.pid()) +
				    ": reap_zombie: " + errno_text(e)};
	}
	return std::unique_ptr<BatchFile>(new FdBatchFile(std::move(fd)));
}

std::string write_error(int e, const std::string &who)
{
	switch (e) {
	case EBUSY:
		return who + " is no longer a reapable zombie (running, traced "
			     "or a kernel thread)";
	case ESRCH:
		return who + " is gone: its parent reaped it meanwhile";
	case ENOENT:
		return who + ": its reap_zombie file is gone: the module was "
			     "unloaded or switched off meanwhile (modprobe "
			     "reap_zombie, or enable it)";
	case ENOTEMPTY:
		return who + " has live threads: they must exit first";
	case EPERM:
		return who + ": the kernel refused: reaping needs "
			     "CAP_SYS_ADMIN in the initial user namespace";
	case ETIMEDOUT:
		return who + ": the kernel did not finish in time; try again";
	default:
		return who + ": write to reap_zombie failed: " + errno_text(e);
	}
}

BatchReport reap_batch(BatchFile &f, int ppid, const std::string &pcomm,
		       const PlanOptions &o, bool dry_run,
		       const std::function<int(int)> &tracer_of)
{
	// "traced by pid T", as validate() says it, where it can be told
	auto traced = [&](int pid, const std::string &comm,
			  const std::string &reason) {
		int t = tracer_of ? tracer_of(pid) : 0;
		return t > 0 ? who(pid, comm) + " is traced by pid " +
				   std::to_string(t) +
				   ": its tracer must wait for it or detach"
			     : reason;
	};
	BatchReport rep;
	auto text = f.read_listing();
	if (!text) {
		rep.no_batch = text.error();
		return rep;
	}
	auto listing = parse_listing(*text);
	if (!listing) {
		rep.no_batch = listing.error();
		return rep;
	}
	auto plan = plan_batch(ppid, *listing, o);
	auto &out = rep.outcomes;

	// The writes: the errno of each (0: it reaped at least one).
	std::vector<int> errs;
	if (!dry_run)
		for (auto &payload : plan.writes) {
			errs.push_back(f.write(payload));
			rep.writes++;
		}
	// Which written ones are still listed: read again. Few, once the
	// writes reaped: the refused ones, and what came since.
	std::map<int, ListingEntry> still;
	std::optional<Error> reread;
	if (!errs.empty()) {
		auto t = f.read_listing();
		auto l = t ? parse_listing(*t)
			   : Result<std::vector<ListingEntry>>(t.error());
		if (l)
			for (auto &e : *l)
				still.emplace(e.pid, std::move(e));
		else
			reread = l.error();
	}
	out.reserve(plan.decisions.size());
	for (auto &d : plan.decisions) {
		Outcome r = base(d, ppid, pcomm);
		if (d.why == Why::REPEAT) {
			// as when named one at a time: gone once reaped
			r = out[d.first];
			if (r.outcome == "reaped") {
				r.outcome = "refused";
				r.reason = "pid " + std::to_string(d.pid) +
					   " does not exist";
				r.exit_code.reset();
				r.comm.clear();
			}
			out.push_back(std::move(r));
			continue;
		}
		if (!d.write) {
			r.outcome = "refused";
			r.reason = d.why == Why::TRACED
				       ? traced(d.pid, d.comm, d.reason)
				       : d.reason;
			out.push_back(std::move(r));
			continue;
		}
		if (dry_run) {
			r.outcome = "dry-run";
			r.reason = who(d.pid, d.comm) + " would be reaped";
			out.push_back(std::move(r));
			continue;
		}
		const int err = errs[d.chunk];
		if (reread) {
			r.outcome = "failed";
			r.reason = who(d.pid, d.comm) +
				   ": written, but the listing of pid " +
				   std::to_string(ppid) +
				   " could not be read again to see: " +
				   reread->message;
			out.push_back(std::move(r));
			continue;
		}
		auto a = still.find(d.pid);
		if (a == still.end() || a->second.start != d.entry->start) {
			// no longer listed: reaped, by this write if it
			// reaped any, else by someone else meanwhile
			r.outcome = err ? "refused" : "reaped";
			if (err)
				r.reason =
				    write_error(ESRCH, who(d.pid, d.comm));
			out.push_back(std::move(r));
			continue;
		}
		// still there: the kernel refused it; the listing says why
		const std::string w = who(d.pid, d.comm);
		std::string why;
		if (auto y = refusal_of(a->second, 0, true, &why);
		    y != Why::NONE) {
			r.outcome = "refused";
			r.reason =
			    y == Why::TRACED ? traced(d.pid, d.comm, why) : why;
		} else if (err && d.first_in_chunk) {
			r.outcome =
			    err == EBUSY || err == ESRCH || err == ENOTEMPTY
				? "refused"
				: "failed";
			r.reason = write_error(err, w);
		} else if (err) {
			r.outcome = "failed";
			r.reason = w +
				   ": not reaped: the write of its batch "
				   "failed: " +
				   errno_text(err) + "; try again";
		} else {
			r.outcome = "failed";
			r.reason = w + ": the write succeeded but the process "
				       "is still there";
		}
		out.push_back(std::move(r));
	}
	return rep;
}

std::optional<std::vector<ListingEntry>> read_listing_of(const Tree &proc,
							 int ppid)
{
	if (ppid <= 0)
		return std::nullopt;
	auto dir = ProcDir::open(proc, ppid);
	if (!dir)
		return std::nullopt;
	auto f = open_batch_file(*dir, true);
	if (!f)
		return std::nullopt;
	auto text = (*f)->read_listing();
	if (!text)
		return std::nullopt;
	auto l = parse_listing(*text);
	if (!l)
		return std::nullopt;
	return std::move(*l);
}

std::optional<long long> listed_dead_ms(const Tree &proc, int ppid, int pid,
					unsigned long long start)
{
	auto l = read_listing_of(proc, ppid);
	if (!l)
		return std::nullopt;
	for (auto &e : *l)
		if (e.pid == pid && e.start == start)
			return e.dead_ms;
	return std::nullopt;
}

namespace
{

// Whom the self form looks at for `--children-of @ppid` (0: `--all`),
// ascending: the children /proc/<ppid>/task/*/children lists, else (no
// such file, as without CONFIG_PROC_CHILDREN) every numeric entry of the
// proc root. reap_one() reads each one's stat once and skips what
// scan_target() does not take.
std::vector<int> scan_candidates(const Tree &proc, int ppid)
{
	if (ppid)
		if (auto dir = ProcDir::open(proc, ppid))
			if (auto kids = dir->children())
				return *kids;
	return proc.pids();
}

// The comm of each parent, read once (only its stat) however many of its
// zombies are reaped; shared by the reap jobs.
class ParentComms
{
public:
	explicit ParentComms(const Tree &proc) : proc_(proc) {}
	std::string get(int ppid)
	{
		std::lock_guard<std::mutex> lock(mu_);
		auto it = comms_.find(ppid);
		if (it != comms_.end())
			return it->second;
		std::string comm;
		if (auto s = proc_.read(std::to_string(ppid) + "/stat"))
			if (auto st = parse_stat(*s))
				comm = st->comm;
		comms_.emplace(ppid, comm);
		return comm;
	}

private:
	const Tree &proc_;
	std::mutex mu_;
	std::map<int, std::string> comms_;
};

// Has the pidfd's process been released? (pidfd_send_signal: ESRCH)
bool released(int pidfd, const ProcDir &dir)
{
	if (pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) <
			   0 &&
		       errno == ESRCH;
	return !dir.read("stat");
}

// A named target after the reads that come before any write: its stat
// (and, if refused, status). Either an outcome (refused), or what the
// write needs.
struct Prepared {
	std::optional<Outcome> done;
	std::optional<ProcDir> dir;
	UniqueFd pidfd;
	ProcessInfo info;
};

// The reads of one target before its write: named (@scan empty), or a
// candidate of `--children-of *@scan` (0: `--all`), skipped without a
// word unless scan_target() takes it. Stat alone is read (and the age only
// when the grace period decides: DEAD_MS of the parent's listing where
// the module gives it, else sched): the kernel checks again under
// tasklist_lock whatever that cannot see (a tracer, a thread, live
// threads, a state changed since), so nothing unsafe is written. Every
// refusal is explained from a read of stat and status, as precisely as
// validate() can. A dry run reads them too, in place of the write.
Prepared prepare(const Tree &proc, const PidArg &arg, const ReapEnv &env,
		 bool dry_run, std::optional<int> scan)
{
	Prepared p;
	Outcome r;
	r.pid = arg.pid;
	auto refuse = [&](const std::string &reason, bool skip = false) {
		r.skipped = skip;
		r.outcome = "refused";
		r.reason = reason;
		p.done = r;
		return std::move(p);
	};
	auto dir = ProcDir::open(proc, arg.pid);
	if (!dir)
		return refuse(dir.error().message, scan.has_value());
	// Hold the process: a pidfd where the kernel has them. A named target
	// takes it before its stat is read through the directory: a process
	// still there after pidfd_open() is the one the pidfd holds (its pid
	// could not be reused meanwhile), which PID:INODE needs before the
	// write. A candidate of a scan takes it just before the write, so the
	// processes skipped or refused cost none: its pidfd is only used once
	// a write through the directory has succeeded, which proves the same.
	if (!scan)
		p.pidfd.reset(
		    static_cast<int>(syscall(SYS_pidfd_open, arg.pid, 0)));
	auto info = dir->reap_info();
	if (!info)
		return refuse(info.error().message, scan.has_value());
	if (scan && !scan_target(info->stat, *scan)) {
		r.skipped = true;
		p.done = r;
		return p;
	}
	r.comm = info->stat.comm;
	r.exit_code = info->stat.exit_code;
	r.ppid = info->stat.ppid;
	const std::string w = who(arg.pid, r.comm);
	if (arg.inode) {
		struct stat st {
		};
		if (!p.pidfd.valid() || fstat(p.pidfd.get(), &st) ||
		    st.st_ino != *arg.inode)
			return refuse(w + " is not the process with inode " +
				      std::to_string(*arg.inode) +
				      " (PID:INODE needs pidfs, Linux 6.9+)");
	}
	// the age, read at most once for both verdicts
	std::optional<std::optional<long long>> listed;
	std::optional<std::optional<double>> exec_start;
	AgeLoader load_age = [&](ProcessInfo &q) {
		if (env.module_present) {
			if (!listed)
				listed = listed_dead_ms(
				    proc, q.stat.ppid, q.pid, q.stat.starttime);
			if (*listed) {
				q.dead_ms = static_cast<double>(**listed);
				return;
			}
		}
		if (!exec_start)
			exec_start = dir->exec_start_ms();
		q.exec_start_ms = *exec_start;
	};
	auto v = validate_lazy(*info, env, load_age);
	if (!v.ok) {
		auto full = dir->stat_and_status();
		return refuse(
		    full ? refusal_reason(*full, env, false, v.reason, load_age)
			 : v.reason);
	}
	if (dry_run) {
		// No write, so no check by the kernel: stat and status stand
		// in for it, to refuse what the write would.
		auto full = dir->stat_and_status();
		if (!full)
			return refuse(full.error().message);
		auto fv = validate_lazy(*full, env, load_age);
		r.outcome = fv.ok ? "dry-run" : "refused";
		r.reason = fv.ok ? w + " would be reaped" : fv.reason;
		p.done = r;
		return p;
	}
	p.info = *info;
	p.dir = std::move(*dir);
	return p;
}

// One target through the self form: prepare(), then "1" to its own file.
Outcome reap_one(const Tree &proc, const PidArg &arg, const ReapEnv &env,
		 bool dry_run, ParentComms &parents, std::optional<int> scan)
{
	auto p = prepare(proc, arg, env, dry_run, scan);
	if (p.done)
		return *p.done;
	Outcome r;
	r.pid = arg.pid;
	r.comm = p.info.stat.comm;
	r.exit_code = p.info.stat.exit_code;
	r.ppid = p.info.stat.ppid;
	const std::string w = who(arg.pid, r.comm);
	auto &dir = *p.dir;
	auto explain = [&](const std::string &fallback) {
		auto full = dir.stat_and_status();
		if (!full)
			return fallback;
		return refusal_reason(*full, env, true, fallback,
				      AgeLoader([](ProcessInfo &) {}));
	};
	if (scan)
		p.pidfd.reset(
		    static_cast<int>(syscall(SYS_pidfd_open, arg.pid, 0)));
	auto fd = dir.open_reap();
	if (!fd) {
		int e = fd.error().code;
		// no such file: the process is gone, or the module is
		if (e == ENOENT && !dir.read("stat"))
			e = ESRCH;
		r.outcome = e == ESRCH ? "refused" : "failed";
		r.reason = write_error(e, w);
		return r;
	}
	if (::write(fd->get(), "1", 1) != 1) {
		int e = errno;
		fd->reset();
		r.outcome = e == EBUSY || e == ESRCH || e == ENOTEMPTY
				? "refused"
				: "failed";
		r.reason = write_error(e, w);
		if (e == EBUSY || e == ENOTEMPTY)
			r.reason = explain(r.reason);
		return r;
	}
	if (!released(p.pidfd.get(), dir)) {
		r.outcome = "failed";
		r.reason =
		    w + ": the write succeeded but the process is still there";
		return r;
	}
	r.outcome = "reaped";
	r.pcomm = parents.get(r.ppid); // only the report of a reap shows it
	return r;
}

// Descriptors one reap_one() holds at most: the /proc/<pid> directory,
// the pidfd, then one file of it (stat, status, sched or reap_zombie) or a
// parent's directory and reap_zombie; one more to spare.
constexpr rlim_t FDS_PER_JOB = 5;
constexpr rlim_t FDS_SPARE = 32; // stdio, the proc root, the library's

// How many of @jobs fit in RLIMIT_NOFILE, after raising its soft limit
// toward the hard one if they do not: a write refused with EMFILE would
// read as a failed reap.
unsigned jobs_within_fd_limit(unsigned jobs)
{
	struct rlimit rl {
	};
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return jobs;
	const rlim_t need = jobs * FDS_PER_JOB + FDS_SPARE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit up = rl;
		up.rlim_cur = rl.rlim_max == RLIM_INFINITY
				  ? need
				  : std::min(need, rl.rlim_max);
		if (up.rlim_cur > rl.rlim_cur && !setrlimit(RLIMIT_NOFILE, &up))
			rl = up;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return jobs;
	if (rl.rlim_cur < FDS_SPARE + FDS_PER_JOB)
		return 1;
	return static_cast<unsigned>((rl.rlim_cur - FDS_SPARE) / FDS_PER_JOB);
}

// Every target one by one through the self form, @jobs at once. A pid
// named twice: its later mentions wait for the earlier ones to finish, as
// they did one at a time, and find it gone.
std::vector<Outcome> reap_each(const Tree &proc,
			       const std::vector<Result<PidArg>> &targets,
			       const ReapRequest &q, ParentComms &parents,
			       unsigned jobs)
{
	std::vector<std::size_t> round(targets.size(), 0);
	std::size_t rounds = 1;
	std::map<int, std::size_t> seen;
	for (std::size_t i = 0; i < targets.size(); i++)
		if (targets[i]) {
			round[i] = seen[targets[i]->pid]++;
			rounds = std::max(rounds, round[i] + 1);
		}
	std::vector<Outcome> results(targets.size());
	for (std::size_t k = 0; k < rounds; k++) {
		std::vector<std::size_t> now;
		for (std::size_t i = 0; i < targets.size(); i++)
			if (round[i] == k)
				now.push_back(i);
		parallel_for(now.size(), jobs, [&](std::size_t j) {
			auto &t = targets[now[j]];
			auto &r = results[now[j]];
			if (t) {
				r = reap_one(proc, *t, q.env, q.dry_run,
					     parents, q.scan);
				return;
			}
			r.outcome = "refused";
			r.reason = t.error().message;
		});
	}
	return results;
}

std::vector<Result<PidArg>> as_targets(const std::vector<int> &pids)
{
	std::vector<Result<PidArg>> out;
	out.reserve(pids.size());
	for (int pid : pids)
		out.push_back(PidArg{pid, std::nullopt});
	return out;
}

// fn(pid) for every process of the proc root, ascending, read from the
// directory a few entries at a time (getdents64 of 4 KiB): what fn does
// meanwhile (reaping) shows in what comes next.
template <class F> void for_each_pid(const Tree &proc, F &&fn)
{
	UniqueFd dir(
	    ::openat(proc.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!dir.valid())
		return;
	alignas(8) char buf[4096];
	std::vector<int> pids;
	for (;;) {
		long n = syscall(SYS_getdents64, dir.get(), buf, sizeof(buf));
		if (n <= 0)
			return;
		pids.clear();
		for (long at = 0; at < n;) {
			auto *d = reinterpret_cast<struct dirent64 *>(buf + at);
			at += d->d_reclen;
			int pid = 0;
			const char *c = d->d_name;
			for (; *c >= '0' && *c <= '9' && pid < 100000000; c++)
				pid = pid * 10 + (*c - '0');
			if (!*c && pid > 0 && d->d_name[0] != '0')
				pids.push_back(pid);
		}
		std::sort(pids.begin(), pids.end());
		for (int pid : pids)
			fn(pid);
	}
}

// State and ppid of @pid from the first 256 bytes of its stat.
std::optional<StatHead> stat_head(const Tree &proc, int pid)
{
	char path[32];
	std::snprintf(path, sizeof(path), "%d/stat", pid);
	UniqueFd fd(::openat(proc.fd(), path, O_RDONLY | O_CLOEXEC));
	if (!fd.valid())
		return std::nullopt;
	char buf[256];
	ssize_t n = ::read(fd.get(), buf, sizeof(buf));
	if (n <= 0)
		return std::nullopt;
	return parse_stat_head(
	    std::string_view(buf, static_cast<std::size_t>(n)));
}

// The batch of one parent: its directory, its comm, its reap_zombie file,
// then reap_batch(). no_batch set when the batch form is not there.
BatchReport batch_of(const Tree &proc, int ppid, const PlanOptions &po,
		     bool dry_run)
{
	BatchReport rep;
	auto dir = ProcDir::open(proc, ppid);
	if (!dir) {
		rep.no_batch = dir.error();
		return rep;
	}
	std::string pcomm;
	if (auto s = dir->read("stat"))
		if (auto st = parse_stat(*s))
			pcomm = st->comm;
	auto f = open_batch_file(*dir, dry_run);
	if (!f) {
		rep.no_batch = f.error();
		return rep;
	}
	// only for a refusal: the tracer from the zombie's status
	auto tracer_of = [&](int pid) {
		auto s = proc.read(std::to_string(pid) + "/status");
		auto st =
		    s ? parse_status_fields(*s) : Result<Status>(s.error());
		return st ? st->tracer_pid : 0;
	};
	return reap_batch(**f, ppid, pcomm, po, dry_run, tracer_of);
}

PlanOptions plan_options(const ReapRequest &q)
{
	PlanOptions po;
	po.grace_s = q.env.grace_s;
	po.force = q.env.force;
	return po;
}

// The batch form can serve: the module is there and we may use it.
bool batch_usable(const ReapEnv &env)
{
	return env.module_present && env.privileged;
}

// `--children-of P` (@q.scan P) or `--all` (0) through the batch form.
std::vector<Outcome> reap_scan(const Tree &proc, const ReapRequest &q,
			       ParentComms &parents, unsigned jobs)
{
	const int scan = *q.scan;
	auto self_form = [&](const std::vector<int> &pids) {
		auto out = reap_each(proc, as_targets(pids), q, parents, jobs);
		std::erase_if(out, [](const Outcome &r) { return r.skipped; });
		return out;
	};
	if (!batch_usable(q.env))
		return self_form(scan_candidates(proc, scan));
	auto po = plan_options(q);
	po.all = true;
	if (scan) {
		if (!ProcDir::open(proc, scan))
			return {}; // no such parent, no zombies
		auto rep = batch_of(proc, scan, po, q.dry_run);
		if (rep.no_batch)
			return self_form(scan_candidates(proc, scan));
		return rep.outcomes;
	}
	// --all: the zombies among all processes, from the first bytes of
	// each one's stat; the first zombie of a parent has the parent's
	// batch done at once, so the rest of its zombies are gone by the time
	// the scan gets to them: none of them is looked up in /proc, nor its
	// stat read (nor its proc entry made, which releasing it would then
	// have to drop). The proc root is read a little at a time for that.
	std::vector<Outcome> all;
	std::set<int> parents_done;
	std::unordered_set<int> handled;
	std::vector<int> fallback; // zombies of a parent without a listing
	std::set<int> no_listing;
	for_each_pid(proc, [&](int pid) {
		if (handled.count(pid))
			return;
		auto h = stat_head(proc, pid);
		if (!h || h->state != 'Z')
			return;
		if (!parents_done.insert(h->ppid).second) {
			if (no_listing.count(h->ppid))
				fallback.push_back(pid);
			return; // its parent's batch has told of it
		}
		if (h->ppid > 0) {
			auto rep = batch_of(proc, h->ppid, po, q.dry_run);
			if (!rep.no_batch) {
				for (auto &o : rep.outcomes) {
					handled.insert(o.pid);
					all.push_back(std::move(o));
				}
				return;
			}
		}
		no_listing.insert(h->ppid); // an older module, or outside
		fallback.push_back(pid);    // our pid namespace
	});
	auto rest = self_form(fallback);
	all.insert(all.end(), std::make_move_iterator(rest.begin()),
		   std::make_move_iterator(rest.end()));
	auto by_pid = [](const Outcome &a, const Outcome &b) {
		return a.pid < b.pid;
	};
	if (!std::is_sorted(all.begin(), all.end(), by_pid)) // one parent
		std::stable_sort(all.begin(), all.end(), by_pid);
	return all;
}

// Several named pids: their stat each, then one batch per parent.
std::vector<Outcome> reap_named(const Tree &proc, const ReapRequest &q,
				ParentComms &parents, unsigned jobs)
{
	const auto &named = q.named;
	std::vector<Outcome> results(named.size());
	// the targets that passed, by parent, in the order named
	std::map<int, std::vector<std::size_t>> by_parent;
	std::vector<Prepared> prepared(named.size());
	// the checks on stat, all but the grace period: the listing's
	ReapEnv env = q.env;
	env.force = true;
	parallel_for(named.size(), jobs, [&](std::size_t i) {
		if (!named[i]) {
			Outcome r;
			r.outcome = "refused";
			r.reason = named[i].error().message;
			prepared[i].done = r;
			return;
		}
		prepared[i] = prepare(proc, *named[i], env, false, {});
		// its stat is all the batch needs (START names the process
		// from here on): hold no descriptor for thousands of them
		prepared[i].dir.reset();
		prepared[i].pidfd.reset();
	});
	for (std::size_t i = 0; i < named.size(); i++) {
		if (prepared[i].done)
			results[i] = *prepared[i].done;
		else
			by_parent[prepared[i].info.stat.ppid].push_back(i);
	}
	auto po = plan_options(q);
	for (auto &[ppid, idx] : by_parent) {
		BatchReport rep;
		if (ppid > 0) {
			po.targets.clear();
			for (auto i : idx) {
				auto &st = prepared[i].info.stat;
				po.targets.push_back(PlanTarget{
				    named[i]->pid, st.starttime, st.comm});
			}
			rep = batch_of(proc, ppid, po, q.dry_run);
		}
		if (ppid > 0 && !rep.no_batch) {
			for (std::size_t k = 0; k < idx.size(); k++)
				results[idx[k]] = std::move(rep.outcomes[k]);
			continue;
		}
		// no listing (an older module): one by one, in order
		for (auto i : idx)
			results[i] = reap_one(proc, *named[i], q.env, q.dry_run,
					      parents, {});
	}
	return results;
}

} // namespace

ReapEnv clock_env(const Tree &proc)
{
	ReapEnv env;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	env.now_ms = static_cast<double>(ts.tv_sec) * 1e3 +
		     static_cast<double>(ts.tv_nsec) / 1e6;
	if (auto up = proc.read("uptime"))
		env.uptime_s = std::strtod(up->c_str(), nullptr);
	env.clk_tck = sysconf(_SC_CLK_TCK);
	return env;
}

std::vector<Outcome> reap(const Tree &proc, const ReapRequest &q)
{
	const unsigned jobs = jobs_within_fd_limit(q.jobs);
	ParentComms parents(proc);
	if (q.scan)
		return reap_scan(proc, q, parents, jobs);
	if (q.named.size() > 1 && batch_usable(q.env))
		return reap_named(proc, q, parents, jobs);
	return reap_each(proc, q.named, q, parents, jobs);
}

} // namespace rz
