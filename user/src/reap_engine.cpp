// SPDX-License-Identifier: GPL-2.0
#include "reap_engine.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <unistd.h>

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
		       const PlanOptions &o, bool dry_run)
{
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

	// The writes, and for each written pid the errno of its chunk and
	// whether it came first in it (only the first entry's is named).
	struct Sent {
		int err = 0;
		bool first = false;
	};
	std::map<int, Sent> sent;
	if (!dry_run) {
		for (auto &payload : plan.writes) {
			int e = f.write(payload);
			rep.writes++;
			bool first = true;
			for (std::size_t at = 0; at < payload.size();) {
				auto nl = payload.find('\n', at);
				int pid =
				    std::stoi(payload.substr(at, nl - at));
				sent[pid] = Sent{e, first};
				first = false;
				at = nl + 1;
			}
		}
	}
	// Which written ones are still listed: read again.
	std::map<int, ListingEntry> after;
	std::optional<Error> reread;
	if (!sent.empty()) {
		auto t = f.read_listing();
		auto l = t ? parse_listing(*t)
			   : Result<std::vector<ListingEntry>>(t.error());
		if (l)
			for (auto &e : *l)
				after.emplace(e.pid, e);
		else
			reread = l.error();
	}

	for (auto &d : plan.decisions) {
		Outcome r = base(d, ppid, pcomm);
		const std::string w = who(d.pid, d.comm);
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
			r.reason = d.reason;
			out.push_back(std::move(r));
			continue;
		}
		if (dry_run) {
			r.outcome = "dry-run";
			r.reason = w + " would be reaped";
			out.push_back(std::move(r));
			continue;
		}
		const Sent s = sent[d.pid];
		if (reread) {
			r.outcome = "failed";
			r.reason = w + ": written, but the listing of pid " +
				   std::to_string(ppid) +
				   " could not be read again to see: " +
				   reread->message;
			out.push_back(std::move(r));
			continue;
		}
		auto a = after.find(d.pid);
		if (a == after.end() || a->second.start != d.entry->start) {
			// no longer listed: reaped, by this write if it
			// reaped any, else by someone else meanwhile
			r.outcome = s.err ? "refused" : "reaped";
			if (s.err)
				r.reason = write_error(ESRCH, w);
			out.push_back(std::move(r));
			continue;
		}
		// still there: the kernel refused it; the listing says why
		std::string why;
		if (refusal_of(a->second, 0, true, &why) != Why::NONE) {
			r.outcome = "refused";
			r.reason = why;
		} else if (s.err && s.first) {
			r.outcome = s.err == EBUSY || s.err == ESRCH ||
					    s.err == ENOTEMPTY
					? "refused"
					: "failed";
			r.reason = write_error(s.err, w);
		} else if (s.err) {
			r.outcome = "failed";
			r.reason = w +
				   ": not reaped: the write of its batch "
				   "failed: " +
				   errno_text(s.err) + "; try again";
		} else {
			r.outcome = "failed";
			r.reason = w + ": the write succeeded but the process "
				       "is still there";
		}
		out.push_back(std::move(r));
	}
	return rep;
}

} // namespace rz
