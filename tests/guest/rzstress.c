// SPDX-License-Identifier: GPL-2.0
/*
 * rzstress: reap_zombie.ko under stress, faults and its own lifecycle, run
 * as root inside the QEMU guest after rzcontract (the guest runs its
 * programs in name order).
 *
 *   rzstress MODULE.ko
 *
 * Loads the module, then: random payloads (fuzz), racing writers, zombies
 * whose group or session leader dies, writers killed mid-way, rmmod with
 * writers queued, 30,000 zombies reaped while fork() latency is measured
 * (pressure), the enabled switch, and load/unload cycles while others
 * list and reap; then unloads it. Prints TAP on stdout; exits 0 when every
 * test passed. Knobs (rz.NAME=N on the guest's command line): rz.fuzz
 * (10000), rz.seed, rz.rounds (1000), rz.many (2000), rz.pressure (30000),
 * rz.cycles (1000).
 */
#include "rzlib.h"

/* ------------------------------------------------ stress and fault tests */

static uint64_t rnd_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed by test_fuzz */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (rnd_state * 2685821657736338717ULL) >> 32;
}

/* The self form, or a batch a parent's file takes (rzlib's own parser). */
static int valid_payload(const char *b, size_t n)
{
	unsigned long long s;
	pid_t p;

	return (n == 1 && b[0] == '1') || (n == 2 && b[0] == '1' && b[1] == '\n') ||
	       batch_parse(b, n, &p, &s, 1);
}

/* Fill @buf with an invalid payload; returns its length (0..8192). */
static size_t fuzz_payload(char *buf)
{
	static const char near[] = "1\n\0 0\r";
	size_t n, i;

	do {
		switch (rnd() % 6) {
		case 0:		/* random bytes, any length */
			n = rnd() % 8193;
			for (i = 0; i < n; i++)
				buf[i] = rnd();
			break;
		case 1:		/* short, from the bytes that matter */
			n = rnd() % 5;
			for (i = 0; i < n; i++)
				buf[i] = near[rnd() % (sizeof(near) - 1)];
			break;
		case 2:		/* "1" and a tail */
			n = 2 + rnd() % 16;
			buf[0] = '1';
			for (i = 1; i < n; i++)
				buf[i] = rnd();
			break;
		case 3:		/* a head, then "1\n" */
			n = 3 + rnd() % 16;
			for (i = 0; i < n - 2; i++)
				buf[i] = rnd();
			memcpy(buf + n - 2, "1\n", 2);
			break;
		case 4:		/* a run of '1' */
			n = 2 + rnd() % 8191;
			memset(buf, '1', n);
			break;
		default:	/* one or two random bytes */
			n = 1 + rnd() % 2;
			buf[0] = rnd();
			buf[1] = rnd();
			break;
		}
	} while (valid_payload(buf, n));
	return n;
}

static const char *volatile bad_ptr = (const char *)16;

enum { FZ_WRITE, FZ_PWRITE, FZ_WRITEV, FZ_PIECES, FZ_BADPTR, FZ_MODES };

/*
 * One fuzzed operation on @fd; returns the number of calls that
 * succeeded (must stay 0) and counts their errnos in @hist.
 */
static int fuzz_one(int fd, int mode, long *hist, int *calls)
{
	static char buf[8192 + 16];
	size_t n = fuzz_payload(buf), off, k, i;
	struct iovec iov[4];
	int good = 0;
	ssize_t r;

	switch (mode) {
	case FZ_WRITE:
		r = write(fd, buf, n);
		break;
	case FZ_PWRITE:		/* at any offset, even "1" itself */
		if (rnd() % 4 == 0) {
			n = 1 + rnd() % 2;
			memcpy(buf, "1\n", n);
		}
		r = pwrite(fd, buf, n, rnd() % 8193);
		break;
	case FZ_WRITEV:		/* 1-4 pieces, none a valid payload alone */
		k = 1 + rnd() % 4;
		for (i = 0, off = 0; i < k; i++) {
			size_t len = i + 1 == k ? n - off : rnd() % (n - off + 1);

			if (valid_payload(buf + off, len))
				len = 0;
			iov[i] = (struct iovec){ buf + off, len };
			off += len;
		}
		if (valid_payload(iov[k - 1].iov_base, iov[k - 1].iov_len))
			iov[k - 1].iov_len = 0;
		r = writev(fd, iov, k);
		break;
	case FZ_PIECES:		/* an invalid payload in several write()s */
		for (off = 0; off < n;) {
			size_t len = 1 + rnd() % (n - off);

			if (valid_payload(buf + off, len))
				len = len == 1 && off + 2 <= n ? 2 : len + 1;
			if (off + len > n || valid_payload(buf + off, len))
				break;
			r = write(fd, buf + off, len);
			(*calls)++;
			if (r > 0)
				good++;
			else
				hist[r ? errno & 255 : 0]++;
			off += len;
		}
		return good;
	default:		/* a bad user pointer: EFAULT, nothing else */
		r = write(fd, bad_ptr, 1 + rnd() % 2);
		break;
	}
	(*calls)++;
	if (r > 0)
		return 1;
	hist[r ? errno & 255 : 0]++;	/* hist[0]: nothing accepted */
	return 0;
}

/*
 * The batch grammar, fuzzed on a parent with zombies: entries exact,
 * stale, of another parent, of a live child, already reaped or random,
 * joined and then mutated byte by byte, or random strings of the grammar's
 * bytes. rzlib's batch_parse() (written from the contract, not from the
 * module) says whether a payload is valid; the model then says which
 * zombies it must reap and what write() must return. What was reaped is
 * what left the parent's listing, counted against the module's reaped
 * counter, and checked with /proc every 64 writes.
 */
#define FZ_Z 48
#define FZ_LIVE 2

struct fz_parent {
	struct agent a;
	unsigned long long start[FZ_Z + FZ_LIVE];
	char alive[FZ_Z];
	int left;
};

static void fz_parent_new(struct fz_parent *f)
{
	int i;

	f->a = agent_new(FZ_Z, rnd() & 0x7f, HOW_FORK, FZ_LIVE, NULL);
	for (i = 0; i < FZ_Z + FZ_LIVE; i++) {
		if (i >= FZ_Z)
			wait_state(f->a.kids[i], 'S', 5000);
		f->start[i] = start_of(f->a.kids[i]);
		if (i < FZ_Z)
			f->alive[i] = 1;
	}
	f->left = FZ_Z;
}

/* Does the payload hold a run of 10 or more digits (a PID beyond int: not judged)? */
static int fz_long_run(const char *b, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		run = b[i] >= '0' && b[i] <= '9' ? run + 1 : 0;
		if (run >= 10)
			return 1;
	}
	return 0;
}

static size_t fz_batch_payload(char *b, size_t cap, const struct fz_parent *f,
			       const struct agent *other)
{
	static const char alpha[] = "0123456789: \n\t\r+-x";
	size_t n;
	int k, i, m;

	do {
		n = 0;
		if (rnd() % 10 == 0) {	/* random, of the grammar's bytes */
			int len = rnd() % 80;

			for (i = 0; i < len; i++)
				b[n++] = rnd() % 16 ? alpha[rnd() % 12] : alpha[rnd() % (sizeof(alpha) - 1)];
			continue;
		}
		k = 1 + rnd() % 6;
		for (i = 0; i < k; i++) {
			int z = rnd() % FZ_Z, kind = rnd() % 100;
			pid_t pid = f->a.kids[z];
			unsigned long long st = f->start[z];

			if (kind < 4) {			/* exact (maybe already reaped) */
			} else if (kind < 30) {		/* stale START */
				st = rnd() % 3 == 0 ? st * 10 + rnd() % 10 : rnd() & 1 ? st + 1 + rnd() % 3 : st ? st - 1 : 1;
			} else if (kind < 45) {		/* another parent's zombie */
				pid = other->kids[rnd() % other->n];
				st = start_of(pid);
			} else if (kind < 60) {		/* a live child */
				pid = f->a.kids[FZ_Z + rnd() % FZ_LIVE];
				st = f->start[FZ_Z + (pid == f->a.kids[FZ_Z + 1])];
			} else if (kind < 70) {		/* the parent itself */
				pid = f->a.pid;
				st = start_of(pid);
			} else if (kind < 80) {		/* random */
				pid = 1 + rnd() % 40000;
				st = rnd() % 100000;
			} else {			/* pid of a zombie +- 1 */
				pid += rnd() & 1 ? 1 : -1;
			}
			if (i)
				b[n++] = rnd() & 1 ? ' ' : '\n';
			n += sprintf(b + n, "%d:%llu", pid, st);
		}
		if (rnd() & 1)
			b[n++] = '\n';
		for (m = rnd() % 4 == 0 ? 0 : 1 + rnd() % 2; m > 0 && n > 0; m--) {
			size_t pos = rnd() % (n + 1);
			char c = alpha[rnd() % (sizeof(alpha) - 1)];

			switch (rnd() % 6) {
			case 0:		/* insert a byte of the grammar or near it */
			case 1:
				memmove(b + pos + 1, b + pos, n - pos);
				b[pos] = rnd() % 8 ? c : rnd() % 2 ? 0 : 'a';
				n++;
				break;
			case 2:		/* delete one */
				if (pos < n) {
					memmove(b + pos, b + pos + 1, n - pos - 1);
					n--;
				}
				break;
			case 3:		/* replace one */
				if (pos < n)
					b[pos] = c;
				break;
			case 4:		/* a leading zero */
				memmove(b + pos + 1, b + pos, n - pos);
				b[pos] = '0';
				n++;
				break;
			default:	/* an extra separator at the end or the start */
				if (rnd() & 1) {
					b[n++] = rnd() & 1 ? ' ' : '\n';
				} else {
					memmove(b + 1, b, n);
					b[0] = rnd() & 1 ? ' ' : '\n';
					n++;
				}
				break;
			}
		}
	} while (n >= cap - 16 || fz_long_run(b, n) ||
		 /* the self form "1": another test's */
		 (n == 1 && b[0] == '1') || (n == 2 && b[0] == '1' && b[1] == '\n'));
	return n;
}

/* What the contract says a write of @b must do to @f: reaped mask, return. */
static long fz_expect(const char *b, size_t n, const struct fz_parent *f, char *reap)
{
	pid_t pids[64];
	unsigned long long starts[64];
	int k = batch_parse(b, n, pids, starts, 64), i, z, any = 0, first = 0;

	memset(reap, 0, FZ_Z);
	if (!k)
		return -EINVAL;
	if (k > 64)
		die("fuzz: payload of too many entries");
	for (i = 0; i < k; i++) {
		int err = ESRCH;

		for (z = 0; z < FZ_Z + FZ_LIVE; z++) {
			if (f->a.kids[z] != pids[i] || f->start[z] != starts[i])
				continue;
			if (z >= FZ_Z)
				err = EBUSY;
			else if (f->alive[z])
				err = 0;
		}
		if (!err)
			for (z = 0; z < FZ_Z; z++)
				if (f->a.kids[z] == pids[i])
					reap[z] = any = 1;
		if (i == 0)
			first = err;
	}
	return any ? (long)n : -first;
}

static void fuzz_batch(long ops)
{
	static char buf[4096], show[200];
	long i, valid = 0, reaped = 0, mism = 0, hist[256] = { 0 }, r0 = read_long(REAPED);
	struct agent other = agent_new(4, 9, HOW_FORK, 0, NULL);
	struct fz_parent f;
	char reap[FZ_Z];
	int fd, z, parents = 1;

	fz_parent_new(&f);
	fd = open_reap(f.a.pid);
	for (i = 0; i < ops; i++) {
		size_t n = fz_batch_payload(buf, sizeof(buf), &f, &other);
		long want = fz_expect(buf, n, &f, reap), got, dr;
		long before = read_long(REAPED);
		struct blist l = { 0 };
		int wrong = 0, nreap = 0;

		valid += want != -EINVAL;
		got = write(fd, buf, n);
		got = got < 0 ? -errno : got;
		hist[got < 0 && -got < 256 ? -got : 0]++;
		l = blist_read(f.a.pid, 1 << 16);
		for (z = 0; z < FZ_Z; z++) {
			int listed = blist_find(&l, f.a.kids[z]) != NULL;

			nreap += reap[z];
			if (!f.alive[z])
				continue;
			/* what the model keeps must be listed; what it reaps, not */
			if (listed == reap[z])
				wrong++;
			if ((i & 63) == 0 && exists(f.a.kids[z]) == reap[z])
				wrong++;
		}
		dr = read_long(REAPED) - before;
		if (dr != nreap) {	/* the counter may trail the writer's wake-up */
			msleep(20);
			dr = read_long(REAPED) - before;
		}
		if (l.err || l.bad || got != want || dr != nreap || wrong) {
			if (!mism++) {
				size_t k, o = 0;

				for (k = 0; k < n && o + 6 < sizeof(show); k++)
					o += (unsigned char)buf[k] < 0x20 || (unsigned char)buf[k] > 0x7e ?
						     sprintf(show + o, "\\x%02x", (unsigned char)buf[k]) :
						     sprintf(show + o, "%c", buf[k]);
				diag("fuzz: first mismatch at write %ld: \"%s\": got %s, want %s; reaped %ld, want %d; %d zombies wrong (listing: %s, %d bad)",
				     i, show, got < 0 ? ename(-got) : "success", want < 0 ? ename(-want) : "success",
				     dr, nreap, wrong, ename(l.err), l.bad);
			}
		}
		blist_free(&l);
		for (z = 0; z < FZ_Z; z++)
			if (f.alive[z] && !exists(f.a.kids[z])) {
				f.alive[z] = 0;
				f.left--;
				reaped++;
			}
		if (f.left < 8) {
			close(fd);
			agent_end(&f.a);
			fz_parent_new(&f);
			fd = open_reap(f.a.pid);
			parents++;
		}
	}
	close(fd);
	diag("fuzz: batch grammar: %ld writes to %d parents, %ld valid by the contract's grammar, %ld zombies reaped; %ld EINVAL, %ld ESRCH, %ld EBUSY, %ld succeeded",
	     ops, parents, valid, reaped, hist[EINVAL], hist[ESRCH], hist[EBUSY], hist[0]);
	ok(!mism && valid > 0 && valid < ops && reaped > 0 && read_long(REAPED) - r0 == reaped,
	   "%ld fuzzed batch payloads (random and near-valid): every result as the grammar and the entries say, only exact current entries reaped (%ld mismatches)",
	   ops, mism);
	ok(count_left(&other) == other.n && proc_state(other.kids[0]) == 'Z', "another parent's zombies, named throughout, untouched");
	agent_end(&other);
	agent_end(&f.a);
}

static void test_fuzz(void)
{
	long ops = env_long("RZ_FUZZ", 10000), i, hist[256] = { 0 };
	struct agent a = agent_new(4, 3, HOW_FORK, 3, NULL);
	int ntarget = a.n + a.nlive + 1, fds[8], t, good = 0, calls = 0;
	int changed = 0, j, err;
	pid_t targets[8];
	char before[8];
	uint64_t seed = env_long("RZ_SEED", 0);

	if (!seed)
		seed = (uint64_t)(now() * 1e6);
	rnd_state = seed;
	diag("fuzz: seed %llu (rz.seed= to replay), %ld operations",
	     (unsigned long long)seed, ops);
	for (t = 0; t < ntarget; t++) {
		targets[t] = t < a.n + a.nlive ? a.kids[t] : a.pid;
		if (t >= a.n)
			wait_state(targets[t], 'S', 5000);
		before[t] = proc_state(targets[t]);
		fds[t] = open_reap(targets[t]);
		if (fds[t] < 0)
			die("open reap_zombie");
	}
	for (i = 0; i < ops; i++) {
		t = rnd() % ntarget;
		good += fuzz_one(fds[t], rnd() % FZ_MODES, hist, &calls);
		if (proc_state(targets[t]) != before[t])
			changed++;
	}
	for (t = 0; t < ntarget; t++)
		changed += proc_state(targets[t]) != before[t];
	diag("fuzz: %d write calls: %ld EINVAL, %ld ESPIPE, %ld EFAULT, %ld empty writev, %d other, %d succeeded",
	     calls, hist[EINVAL], hist[ESPIPE], hist[EFAULT], hist[0],
	     calls - good -
		     (int)(hist[EINVAL] + hist[ESPIPE] + hist[EFAULT] + hist[0]),
	     good);
	ok(!good && hist[EINVAL] + hist[ESPIPE] + hist[EFAULT] + hist[0] ==
			    calls - good,
	   "%ld fuzzed writes (lengths 0-8192, random bytes, pieces, pwrite, writev, bad pointers): all refused with EINVAL/ESPIPE/EFAULT",
	   ops);
	ok(!changed, "no zombie and no live process changed state (%d changes)",
	   changed);
	for (j = 0, err = 0; j < a.n; j++)
		err |= write_fd(fds[j], j & 1 ? "1\n" : "1", 1 + (j & 1)) ||
		       exists(a.kids[j]);
	ok(!err, "the same fds then reap the %d zombies with a valid payload",
	   a.n);
	for (t = 0; t < ntarget; t++)
		close(fds[t]);
	agent_end(&a);
	fuzz_batch(ops / 2);
}

/* Two writers on the same zombie: one reaps it, the other gets ESRCH. */
static void test_two_writers(void)
{
	int rounds = env_long("RZ_ROUNDS", 1000), i, bad = 0, first = 0, st;
	int fd, err;
	struct race d = { .fd = -1 };	/* d.fd: the second writer's */

	racer_start(&d.rc, race_write, &d);
	for (i = 0; i < rounds; i++) {
		pid_t c = fork();

		if (!c)
			_exit(1);
		wait_state(c, 'Z', 5000);
		fd = open_reap(c);
		d.fd = open_reap(c);
		racer_go(&d.rc);
		err = fd < 0 ? ENOENT : write_fd(fd, "1", 1);
		racer_go(&d.rc);
		close(fd);
		close(d.fd);
		if ((!err && d.err == ESRCH) || (err == ESRCH && !d.err))
			first += !err;
		else if (!bad++)
			diag("two writers: round %d: the first got %s, the second %s", i,
			     ename(err), ename(d.err));
		if (exists(c) || waitpid(c, &st, WNOHANG) != -1) {
			if (!bad++)
				diag("two writers: round %d: zombie %d still there (%c)", i, c,
				     proc_state(c));
			waitpid(c, &st, 0);
		}
	}
	racer_stop(&d.rc);
	diag("two writers: the first won %d times, the second %d, wrong %d",
	     first, rounds - first - bad, bad);
	ok(!bad, "%d rounds of two writers on one zombie: one reaps it, the other gets ESRCH",
	   rounds);
}

/* Reap @a's zombies with @threads writers; runs @mid when a quarter is done. */
static void bulk_with(struct agent *a, int threads, void (*mid)(void *),
		      void *arg, int *reaped, int *other)
{
	struct bulk b[16];
	pthread_t th[16];
	int i, done;

	for (i = 0; i < threads; i++) {
		b[i] = (struct bulk){ .pids = a->kids, .n = a->n,
				      .stride = threads, .first = i };
		pthread_create(&th[i], NULL, bulk_writer, &b[i]);
	}
	for (done = 0; done < a->n / 4;) {
		msleep(1);
		for (done = 0, i = 0; i < threads; i++)
			done += atomic_load(&b[i].done);
	}
	if (mid)
		mid(arg);
	*reaped = *other = 0;
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		*reaped += b[i].reaped;
		*other += b[i].other;
	}
}

static void kill_and_wait(void *arg)
{
	pid_t p = *(pid_t *)arg;

	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

static void test_pgrp_leader(void)
{
	int n = MANY() / 5, reaped, other, left;
	pid_t leader = fork();
	struct agent a;
	struct reply r;

	if (!leader) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(leader, leader);
	agent_pgid = leader;
	a = agent_new(n, 0, HOW_FORK, 0, NULL);
	agent_pgid = 0;
	ok(getpgid(a.kids[0]) == leader && getpgid(a.kids[n - 1]) == leader,
	   "%d zombies in the process group of %d, a live process", n, leader);
	bulk_with(&a, 8, kill_and_wait, &leader, &reaped, &other);
	left = count_left(&a);
	r = agent_ask(&a, 'a');
	diag("pgrp leader killed after %d of %d: %d reaped, %d errors, %d left",
	     n / 4, n, reaped, other, left);
	ok(reaped == n && !other && !left && r.ret == -1 && r.err == ECHILD,
	   "their pgrp leader exits mid-way: all %d reaped once, parent has nothing left",
	   n);
	agent_end(&a);
}

/* Make sessions and process groups come and go. */
static void session_churn(int stopfd, int repfd)
{
	long made = 0;
	char b;

	prctl(PR_SET_CHILD_SUBREAPER, 1);	/* the orphaned members */
	while (read(stopfd, &b, 1) < 0 && errno == EAGAIN) {
		pid_t c = fork();

		if (!c) {
			if (setsid() < 0)
				_exit(1);
			if (fork() == 0)	/* a member that leaves at once */
				_exit(0);
			_exit(0);
		}
		if (c > 0) {
			waitpid(c, NULL, 0);
			made++;
		}
		while (reap_any_child(WNOHANG | __WALL, NULL) > 0)
			;
	}
	while (reap_any_child(WNOHANG | __WALL, NULL) > 0)
		;
	if (write(repfd, &made, sizeof(made)) != sizeof(made))
		_exit(1);
	_exit(0);
}

static void test_setsid(void)
{
	int n = MANY() < 500 ? 100 : MANY() / 250 * 50, batch = 50, i;
	int reaped = 0, other = 0;
	int stop[2], rep[2];
	struct agent a;
	long made = 0;
	pid_t churn, churn_one;

	agent_setsid = 1;
	a = agent_new(n, 0, HOW_FORK, 0, NULL);
	agent_setsid = 0;
	/* after the agent, which would otherwise hold the stop pipe open */
	if (pipe(stop) || pipe(rep))
		die("pipe");
	fcntl(stop[0], F_SETFL, O_NONBLOCK);
	churn = fork();
	if (!churn) {
		close(stop[1]);
		session_churn(stop[0], rep[1]);
	}
	close(stop[0]);
	close(rep[1]);
	ok(getsid(a.kids[0]) == a.kids[0], "%d zombies, each the leader of its own session",
	   n);
	/* batches of 50 by 8 writers, a setsid() of ours between them */
	for (i = 0; i < n; i += batch) {
		struct agent part = a;
		int r, o;

		part.kids = a.kids + i;
		part.n = batch;
		bulk_with(&part, 8, NULL, NULL, &r, &o);
		reaped += r;
		other += o;
		churn_one = fork();
		if (!churn_one)
			_exit(setsid() < 0);
		waitpid(churn_one, NULL, 0);
	}
	close(stop[1]);
	if (read(rep[0], &made, sizeof(made)) != sizeof(made))
		made = -1;
	waitpid(churn, NULL, 0);
	close(rep[0]);
	diag("setsid: %d reaped, %d errors while %ld sessions came and went",
	     reaped, other, made);
	ok(reaped == n && !other && !count_left(&a) && made > 0,
	   "session leaders reaped in batches while sessions come and go: all %d once",
	   n);
	agent_end(&a);
}

/* A writer process reaping every @stride-th zombie from @first. */
static pid_t writer_proc(const struct agent *a, int first, int stride)
{
	pid_t w = fork();
	int i;

	if (w)
		return w;
	prctl(PR_SET_NAME, "rz-writer");
	for (i = first; i < a->n; i += stride)
		reap(a->kids[i]);
	_exit(0);
}

/* Asleep in the module's queue: rz_reap() before the batch form, rz_submit() since. */
static int in_rz_reap(pid_t p)
{
	char path[64], stack[512] = "";
	const char *w;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/wchan", p);
	w = read_str(path);
	if (!strcmp(w, "rz_reap") || !strcmp(w, "rz_submit"))
		return 1;
	/*
	 * Before 5.16 x86's get_wchan() walked frame pointers, which an ORC
	 * kernel (Debian's 5.10) has not: wchan reads 0. Its stack is right.
	 * Only there: since 5.19 unwinding a task that runs inside a
	 * kretprobed function (this one may be in proc_pident_lookup())
	 * WARNs in rethook_find_ret_addr().
	 */
	if (!kernel_before(5, 16))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stack", p);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, stack, sizeof(stack) - 1);
	close(fd);
	stack[n > 0 ? n : 0] = 0;
	return strstr(stack, "] rz_reap+") || strstr(stack, "] rz_submit+");
}

static void test_writer_killed(void)
{
	int n = MANY() < 1000 ? 1000 : MANY(), nw = 8, i, seen = 0, killed = 0;
	int slow = 0, again = 0;
	int other = 0, st;
	struct agent a = agent_new(n, 0, HOW_FORK, 0, NULL);
	long r0 = read_long(REAPED);
	pid_t w[8];

	double end = now() + 10;

	for (i = 0; i < nw; i++)
		w[i] = writer_proc(&a, i, nw);
	/*
	 * Until an eighth is reaped, read from the module's counter: polling
	 * /proc for all n took seconds a pass on the debug kernel, long
	 * enough for the (batched) writers to finish before the kills.
	 */
	while (read_long(REAPED) - r0 < n / 8 && now() < end)
		msleep(2);
	/* kill each writer while it sleeps in the module's queue */
	for (i = 0; i < nw; i++) {
		double t;

		end = now() + 2;
		while (!in_rz_reap(w[i]) && now() < end)
			;
		seen += in_rz_reap(w[i]);
		kill(w[i], SIGKILL);
		t = now();
		if (waitpid(w[i], &st, 0) == w[i] && WIFSIGNALED(st) &&
		    WTERMSIG(st) == SIGKILL)
			killed++;
		slow += now() - t > 1.0;
	}
	/* what they left is still a zombie, reapable as usual */
	for (i = 0; i < n; i++) {
		int err;

		if (!exists(a.kids[i]))
			continue;
		err = reap(a.kids[i]);
		again += !err && !exists(a.kids[i]);
		other += err && err != ESRCH && err != ENOENT;
	}
	diag("writers killed: %d (%d seen asleep in rz_reap, %d slow to die); %d of %d zombies were left and reaped after",
	     killed, seen, slow, again, n);
	ok(killed == nw && seen > 0 && !slow,
	   "%d writers SIGKILLed while queued die at once (%d seen queued)",
	   nw, seen);
	ok(!other && !count_left(&a) && again > 0 && again < n,
	   "every zombie is reaped once, before or after the kills (%d errors)",
	   other);
	agent_end(&a);
}

static double rmmod_secs;
static int rmmod_err;

static void rmmod_now(void *unused)
{
	double t0 = now();
	int err = write_file(PARAM, "0");

	while (!err && now() - t0 < 30) {
		err = unload_module();
		if (err == EWOULDBLOCK || err == EAGAIN || err == EBUSY) {
			msleep(1);
			err = 0;
			continue;
		}
		break;
	}
	rmmod_err = err;
	rmmod_secs = now() - t0;
}

static void test_rmmod_queued(void)
{
	int n = MANY(), reaped, other, mine = 0, st, err;
	struct agent a = agent_new(n, 0, HOW_FORK, 0, NULL);
	struct reply r;

	bulk_with(&a, 8, rmmod_now, NULL, &reaped, &other);
	ok(!rmmod_err && !module_loaded(),
	   "rmmod while 8 writers are queued: refused while they hold files, done in %.2f s (%s)",
	   rmmod_secs, ename(rmmod_err));
	for (;;) {
		r = agent_ask(&a, 'w');
		if (r.ret <= 0)
			break;
		mine++;
	}
	diag("rmmod mid-way: module reaped %d, the parent %d, other errors %d",
	     reaped, mine, other);
	ok(reaped + mine == n && !other && r.err == ECHILD && reaped >= n / 4,
	   "writers saw success or a clean ENOENT; the parent reaped the rest itself");
	agent_end(&a);
	while (reap_any_child(WNOHANG | __WALL, &st) > 0)
		;
	err = load_module();
	ok(!err, "the module loads again (%s)", ename(err));
}

static void test_switch(void)
{
	char tpath[64];
	struct stat st;
	pthread_t th;
	int fd, err;
	pid_t tid;

	/* /proc/<tid>/ of a non-leader thread has the file too: cache it */
	pthread_create(&th, NULL, idle_thread, NULL);
	for (tid = 0; !tid;) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (atoi(e->d_name) > 0 && atoi(e->d_name) != getpid())
				tid = atoi(e->d_name);
		if (d)
			closedir(d);
	}
	snprintf(tpath, sizeof(tpath), "/proc/%d/" MODNAME, tid);
	ok(stat(tpath, &st) == 0, "/proc/<tid>/reap_zombie of a thread exists");

	err = unload_module();
	ok((err == EWOULDBLOCK || err == EAGAIN || err == EBUSY) && module_loaded(),
	   "rmmod while enabled is refused (%s)", ename(err));
	fd = open("/proc/self/" MODNAME, O_WRONLY);
	err = write_file(PARAM, "0");
	ok(!err && !strcmp(read_str(PARAM), "N"),
	   "enabled=0 accepted (%s)", ename(err));
	ok(stat("/proc/self/" MODNAME, &st) < 0 && errno == ENOENT &&
	   !dir_has("/proc/self", MODNAME) && !dir_has("/proc/1", MODNAME),
	   "enabled=0: the files are gone from lookup and readdir");
	ok(stat(tpath, &st) < 0 && errno == ENOENT,
	   "enabled=0: the cached /proc/<tid>/reap_zombie is gone too");
	pthread_cancel(th);
	pthread_join(th, NULL);
	err = fd < 0 ? -1 : write_fd(fd, "1", 1);
	ok(err == EBUSY, "a file opened before still answers (EBUSY for itself: %s)",
	   ename(err));
	err = unload_module();
	ok((err == EWOULDBLOCK || err == EAGAIN || err == EBUSY) && module_loaded(),
	   "rmmod with a reap_zombie file open is refused (%s)", ename(err));
	if (fd >= 0)
		close(fd);
	err = write_file(PARAM, "1");
	ok(!err && stat("/proc/self/" MODNAME, &st) == 0 &&
	   dir_has("/proc/self", MODNAME),
	   "enabled=1 brings them back (%s)", ename(err));
}

/* Loops over every /proc/<pid>/: readdir, stat and open of the file. */
static void lister(int stopfd, int repfd)
{
	long counts[3] = { 0, 0, 0 };	/* opened, clean failure, bad */
	char path[300];

	for (;;) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		char b;

		if (read(stopfd, &b, 1) == 0)
			break;
		while (d && (e = readdir(d))) {
			DIR *pd;
			struct dirent *pe;
			struct stat st;
			int fd;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s", e->d_name);
			pd = opendir(path);
			while (pd && (pe = readdir(pd)))
				;
			if (pd)
				closedir(pd);
			snprintf(path, sizeof(path), "/proc/%s/" MODNAME,
				 e->d_name);
			stat(path, &st);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				counts[0]++;
				close(fd);
			} else if (errno == ENOENT || errno == ESRCH) {
				counts[1]++;
			} else {
				counts[2]++;
			}
		}
		if (d)
			closedir(d);
		/*
		 * Sleep a moment per pass. Each load and unload registers
		 * kprobes, and the kernel's kprobe optimizer then waits for an
		 * RCU-tasks grace period: for every runnable task to switch
		 * voluntarily. On a preemptible kernel (the debug one) a loop
		 * that never sleeps held that off for minutes, and every
		 * kprobe user on the machine with it.
		 */
		msleep(1);
	}
	if (write(repfd, counts, sizeof(counts)) != sizeof(counts))
		_exit(1);
	_exit(0);
}

/* Forks children and reaps each through the module if it can, else itself. */
static void cycle_reaper(int stopfd, int repfd)
{
	long counts[3] = { 0, 0, 0 };	/* by the module, by waitpid, wrong */
	char b;

	prctl(PR_SET_NAME, "rz-cyclereap");
	while (read(stopfd, &b, 1) < 0 && errno == EAGAIN) {
		pid_t c = fork();
		int err, st;

		if (c < 0)
			continue;
		if (!c)
			_exit(0);
		wait_state(c, 'Z', 5000);
		err = reap(c);
		if (!err) {
			counts[0]++;
			if (waitpid(c, &st, WNOHANG) != -1 || errno != ECHILD)
				counts[2]++;
		} else if (err == ENOENT && waitpid(c, &st, 0) == c) {
			counts[1]++;
		} else {
			counts[2]++;
			waitpid(c, &st, 0);
		}
	}
	if (write(repfd, counts, sizeof(counts)) != sizeof(counts))
		_exit(1);
	_exit(0);
}

static void test_load_cycles(void)
{
	int cycles = env_long("RZ_CYCLES", 1000), i, k, failed = 0, stop[2];
	long counts[3][3];
	int rep[3][2];
	pid_t l[3];
	double t0 = now(), t_load = 0, t_unload = 0;

	if (pipe(stop))
		die("pipe");
	fcntl(stop[0], F_SETFL, O_NONBLOCK);
	for (k = 0; k < 3; k++) {
		if (pipe(rep[k]))
			die("pipe");
		l[k] = fork();
		if (!l[k]) {
			close(stop[1]);
			close(rep[k][0]);
			if (k < 2)
				lister(stop[0], rep[k][1]);
			cycle_reaper(stop[0], rep[k][1]);
		}
		close(rep[k][1]);
	}
	close(stop[0]);
	for (i = 0; i < cycles && !failed; i++) {
		double t1 = now();
		int err = module_loaded() ? 0 : load_module();

		t_load += now() - t1;
		if (err) {
			diag("cycle %d: load: %s", i, ename(err));
			failed++;
			break;
		}
		msleep(i % 7);
		t1 = now();
		err = unload_module_retry();
		t_unload += now() - t1;
		if (err) {
			diag("cycle %d: unload: %s", i, ename(err));
			failed++;
		}
	}
	close(stop[1]);
	for (k = 0; k < 3; k++) {
		if (read(rep[k][0], counts[k], sizeof(counts[k])) !=
		    sizeof(counts[k]))
			counts[k][2] = -1;
		waitpid(l[k], NULL, 0);
		close(rep[k][0]);
	}
	diag("%d load/unload cycles in %.1f s: %.1f ms per load, %.1f ms per unload",
	     i, now() - t0, t_load * 1e3 / (i ? i : 1),
	     t_unload * 1e3 / (i ? i : 1));
	for (k = 0; k < 2; k++)
		diag("lister %d: %ld opens, %ld ENOENT/ESRCH, %ld other errors",
		     k + 1, counts[k][0], counts[k][1], counts[k][2]);
	diag("reaper: %ld children reaped by the module, %ld by itself when the file was gone, %ld wrong",
	     counts[2][0], counts[2][1], counts[2][2]);
	ok(!failed && i == cycles,
	   "%d load/unload cycles while two processes list, stat and open /proc/*/reap_zombie and a third reaps",
	   cycles);
	ok(!counts[0][2] && !counts[1][2] && counts[0][0] > 0 && counts[1][0] > 0,
	   "every open of the two listers succeeded or failed with ENOENT/ESRCH");
	ok(!counts[2][2] && counts[2][0] > 0 && counts[2][1] > 0,
	   "every child of the third was reaped once: by the module while loaded, else by waitpid()");
}

static void test_pressure(void)
{
	long n = env_long("RZ_PRESSURE", 30000), cur;
	long pid_max = read_long(PID_MAX), tmax = read_long(THREADS_MAX);
	struct probe_res base, during;
	struct agent a;
	struct probe p;
	struct reply r;
	double t0, t_wait, t_zctl;
	long hold;
	int left;

	set_sysctl_long(PID_MAX, pid_max > 8 * n ? pid_max : 8 * n);
	set_sysctl_long(THREADS_MAX, tmax > 4 * n ? tmax : 4 * n);
	diag("pressure: %ld zombies (pid_max %ld -> %ld, threads-max %ld -> %ld)",
	     n, pid_max, read_long(PID_MAX), tmax, read_long(THREADS_MAX));

	/*
	 * The reference: the parent's own waitpid() loop, the probe alongside
	 * and on for 3 s at least, so that it sees what fork() costs here.
	 */
	a = agent_new(n, 0, HOW_FORK, 0, NULL);
	p = probe_start();
	t0 = now();
	r = agent_ask(&a, 'L');
	while (now() - t0 < 3)
		msleep(100);
	base = probe_stop(&p);
	t_wait = r.ret / 1e9;
	agent_end(&a);

	a = agent_new(n, 0, HOW_FORK, 0, CG);
	cur = read_long(CG "/pids.current");
	write_file(HOLD, "0");
	p = probe_start();
	t0 = now();
	zctl("reap", "--all", "--force", NULL);
	t_zctl = now() - t0;
	during = probe_stop(&p);
	hold = read_long(HOLD);
	left = count_left(&a);
	diag("pressure: zombiectl reap --all --force: %ld in %.2f s (%.0f/s), the parent's own waitpid: %.2f s (%.0f/s), ratio %.3f",
	     n, t_zctl, n / t_zctl, t_wait, n / t_wait, t_wait / t_zctl);
	diag("pressure: fork latency during zombiectl: %ld forks, max %.2f ms, p99 %.2f ms, %ld over 10 ms; during the parent's waitpid: %ld forks, max %.2f ms, p99 %.2f ms, %ld over 10 ms",
	     during.forks, during.max_ms, during.p99_ms, during.over_10ms,
	     base.forks, base.max_ms, base.p99_ms, base.over_10ms);
	ok(zr.rc == 0 && !left && cur == n + 1 &&
	   read_long(CG "/pids.current") == 1,
	   "zombiectl reap --all --force reaps %ld zombies (rc %d, %d left, pids.current %ld -> %ld)",
	   n, zr.rc, left, cur, read_long(CG "/pids.current"));
	/*
	 * The bounds: no fork() waits more than 10 ms, the module holds
	 * tasklist_lock at most 1 ms. They are checked on one vCPU only, in
	 * the boot make check gives a clock that counts instructions, 4 ns
	 * each (QEMU's -icount shift=2), so that the host's other work does
	 * not show in them: with the host's clock, two busy loops beside the
	 * guest turned a 0.39 ms hold into 5.8 ms. Under TCG two vCPUs take
	 * turns on one host thread, and one spinning on a lock the other
	 * holds spins for the rest of its turn: 10+ ms stalls the kernel's
	 * own path shows too. There the figures are only reported.
	 */
	if (sysconf(_SC_NPROCESSORS_ONLN) == 1) {
		/*
		 * p99, not the maximum: a single outlier is the host's doing
		 * as often as the guest's (13.6 ms once in 10,324 forks with
		 * another guest on the machine); the maximum is printed.
		 */
		ok(during.forks > 0 && during.p99_ms <= 10,
		   "fork() latency while they were reaped: p99 %.2f ms <= 10 ms (max %.2f ms, %ld over 10 ms, of %ld; reference max %.2f ms)",
		   during.p99_ms, during.max_ms, during.over_10ms, during.forks,
		   base.max_ms);
		ok(hold > 0 && hold <= 1000000,
		   "the module held tasklist_lock at most %.3f ms at a time (<= 1 ms)",
		   hold / 1e6);
	} else {
		diag("pressure: %ld vCPUs: latency bounds not judged here (see the one-vCPU boot); the module's longest tasklist_lock hold %.3f ms",
		     sysconf(_SC_NPROCESSORS_ONLN), hold / 1e6);
	}
	agent_end(&a);
	set_sysctl_long(THREADS_MAX, tmax);
	set_sysctl_long(PID_MAX, pid_max);
}

static const struct rz_test tests[] = {
	{ "load", load_or_bail },
	T(fuzz),	  T(two_writers),  T(pgrp_leader),
	T(setsid),	  T(writer_killed), T(rmmod_queued),
	T(pressure),	  T(switch),	   T(load_cycles),
	{ "unload", unload_none_left },
};

int main(int argc, char **argv)
{
	return run_tests(argc, argv, "rzstress", tests,
			 sizeof(tests) / sizeof(tests[0]));
}
