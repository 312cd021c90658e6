// SPDX-License-Identifier: GPL-2.0
/*
 * rzbatch: the batch form of /proc/<pid>/reap_zombie (design.md, "Batch
 * form: a parent's file lists and reaps its zombie children"), run as root
 * inside the QEMU guest, before rzcontract, rzstress and rztool (the guest
 * runs its programs in name order).
 *
 *   rzbatch MODULE.ko
 *
 * Loads the module, checks every row of the batch table against real
 * zombies, injects allocation failures where the kernel can (the debug
 * kernel), then unloads the module. TAP on stdout; exits 0 when every test
 * passed. Knobs (rz.NAME=N on the guest's command line): rz.batch (the big
 * listing, 30,000), rz.many (concurrent writers' list, 2000), rz.rounds
 * (races: a quarter of it), rz.faults (fault-injection rounds, 200).
 */
#include "rzlib.h"

#include <sys/mman.h>

#define CGB CGROOT "/rzbatch"
#define BIG() ((int)env_long("RZ_BATCH", 30000))
#define ROUNDS() ((int)env_long("RZ_ROUNDS", 1000))

/* -------------------------------------------------------------- helpers */

static const char *volatile bad_ptr_for_tests = (const char *)16;

static int count_char(const char *s, size_t n, char c)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* "PID:START" of a process, from its /proc/PID/stat. */
static char *entry(char *buf, pid_t pid)
{
	sprintf(buf, "%d:%llu", pid, start_of(pid));
	return buf;
}

/* Is @pid a zombie whose parent is @parent? */
static int zombie_of(pid_t pid, pid_t parent)
{
	struct pstat ps;

	return pstat(pid, &ps) && ps.state == 'Z' && ps.ppid == parent;
}

/* How many of @pids[0..n) are zombies of @parent. */
static int zombies_of(const pid_t *pids, int n, pid_t parent)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += zombie_of(pids[i], parent);
	return k;
}

static int gone(const pid_t *pids, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += !exists(pids[i]);
	return k;
}

static const char *ret_name(long r)
{
	static char buf[4][32];
	static int i;

	if (r < 0)
		return ename(-r);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%ld bytes", r);
	return buf[i];
}

/*
 * A parent with children made by @fn (in the parent process), which then
 * waits for commands like rzlib's agents: 'w' one waitpid(), 'a' a
 * WNOHANG one, 'L' waitpid() until ECHILD, 'f' fork a child that exits 7
 * (its pid in ret). struct agent, so that agent_ask() and agent_end() work.
 */
typedef int (*par_fn)(pid_t *kids, void *arg);

static void par_loop(int cmd, int rep)
{
	struct reply r;
	char c;

	while (read(cmd, &c, 1) == 1) {
		memset(&r, 0, sizeof(r));
		switch (c) {
		case 'w':
			r.ret = waitpid(-1, &r.status, __WALL);
			break;
		case 'a':
			r.ret = waitpid(-1, &r.status, WNOHANG | __WALL);
			break;
		case 'L':
			while (waitpid(-1, &r.status, __WALL) > 0)
				r.ret++;
			break;
		case 'f':
			r.ret = fork();
			if (!r.ret) {
				prctl(PR_SET_NAME, "rz-zombie");
				_exit(7);
			}
			break;
		default:
			_exit(0);
		}
		agent_reply(rep, &r);
	}
	_exit(0);
}

static struct agent par_new(par_fn fn, void *arg)
{
	struct agent a = { 0 };
	int cmd[2], rep[2], n = 0;

	a.pid = agent_fork(cmd, rep);
	if (!a.pid) {
		pid_t kids[64];

		close(cmd[1]);
		close(rep[0]);
		prctl(PR_SET_NAME, "rz-parent");
		n = fn(kids, arg);
		if (write(rep[1], &n, sizeof(n)) != sizeof(n) ||
		    write(rep[1], kids, n * sizeof(pid_t)) != (ssize_t)(n * sizeof(pid_t)))
			_exit(5);
		par_loop(cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	a.cmd = cmd[1];
	a.rep = rep[0];
	if (read(a.rep, &n, sizeof(n)) != sizeof(n) || n < 0 || n > 64)
		die("parent did not start its children");
	a.n = n;
	a.kids = calloc(n + 1, sizeof(pid_t));
	if (n && read(a.rep, a.kids, n * sizeof(pid_t)) != (ssize_t)(n * sizeof(pid_t)))
		die("parent did not report its children");
	return a;
}

static pid_t fork_exit(int code, const char *comm)
{
	pid_t c = fork();

	if (!c) {
		if (comm)
			prctl(PR_SET_NAME, comm);
		_exit(code);
	}
	return c;
}

/*
 * STATUS against stat's field 52. Before 5.17 that field was the task's own
 * exit_code, not the process's (commit "exit: Use the correct exit_code in
 * /proc/<pid>/stat", v5.17): a leader that called exit() before its group
 * was killed reads 0 there, while wait() and STATUS give the group's code.
 */
static int status_matches(long long listed, long long stat52)
{
	return listed == stat52 || (stat52 == 0 && kernel_before(5, 17));
}

/* Checks one listed line against /proc/PID/stat; 1 if all agree. */
static int line_matches_stat(const struct bline *b, char *why, size_t size)
{
	struct pstat ps;

	if (!pstat(b->pid, &ps)) {
		snprintf(why, size, "pid %d: no /proc/%d/stat", b->pid, b->pid);
		return 0;
	}
	if (ps.state != 'Z' || b->start != ps.start || !status_matches(b->status, ps.exit_code) ||
	    b->sig != ps.exit_signal) {
		snprintf(why, size,
			 "pid %d: listed START %llu STATUS %lld SIGNAL %lld, stat says state %c, 22: %llu, 52: %lld, 38: %lld",
			 b->pid, b->start, b->status, b->sig, ps.state, ps.start,
			 ps.exit_code, ps.exit_signal);
		return 0;
	}
	return 1;
}

/* -------------------------------------------------------- the tests */

static void test_load(void)
{
	load_or_bail();
}

static void test_mode(void)
{
	struct agent a = agent_new(1, 0, HOW_FORK, 0, NULL);
	char path[64];
	struct stat st;
	int r1, r2, r3;

	r1 = stat("/proc/self/" MODNAME, &st);
	ok(!r1 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600 && !st.st_uid,
	   "/proc/self/reap_zombie: regular, mode 0600, owner root (%o)",
	   r1 ? 0 : st.st_mode);
	snprintf(path, sizeof(path), "/proc/%d/" MODNAME, a.pid);
	r2 = stat(path, &st);
	ok(!r2 && (st.st_mode & 07777) == 0600, "a parent's file: mode 0600 (%o)",
	   r2 ? 0 : st.st_mode);
	snprintf(path, sizeof(path), "/proc/%d/" MODNAME, a.kids[0]);
	r3 = stat(path, &st);
	ok(!r3 && (st.st_mode & 07777) == 0600 && !st.st_uid,
	   "a zombie's file: mode 0600, owner root (%o)", r3 ? 0 : st.st_mode);
	agent_end(&a);
}

/* The fields: exit, killed, other exit signals, a live child (not listed). */
static int setup_fields(pid_t *kids, void *arg)
{
	kids[0] = fork_exit(42, "rz-zombie");
	kids[1] = fork();
	if (!kids[1]) {
		prctl(PR_SET_NAME, "rz-zombie");
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	kids[2] = clone(clone_exit, clone_stack + sizeof(clone_stack), SIGUSR1,
			(void *)3);
	wait_state(kids[2], 'Z', 5000);	/* off the shared stack */
	kids[3] = clone(clone_exit, clone_stack + sizeof(clone_stack), 0,
			(void *)4);
	kids[4] = fork();	/* live */
	if (!kids[4])
		for (;;)
			pause();
	return 5;
}

struct tn_result {
	int err;	/* why the time namespace could not be made, else 0 */
	unsigned long long stat_start, listed_start;
	int found;
	long wret;
};

/* In a new time namespace, boottime +1000 s: read @z's START, reap it. */
static void timens_reader(pid_t parent, pid_t z, int repfd)
{
	struct tn_result r = { 0 };
	int p[2];
	pid_t c;

	if (unshare(CLONE_NEWTIME)) {
		r.err = errno;
	} else if ((r.err = write_file("/proc/self/timens_offsets", "boottime 1000 0"))) {
		;
	} else if (pipe(p)) {
		r.err = errno;
	} else if (!(c = fork())) {
		struct blist l = blist_read(parent, 1 << 16);
		const struct bline *b = blist_find(&l, z);
		char e[64];

		r.stat_start = start_of(z);
		r.found = !!b;
		if (b) {
			r.listed_start = b->start;
			sprintf(e, "%d:%llu", z, b->start);
			r.wret = bwrite_to(parent, e);
		}
		_exit(write(p[1], &r, sizeof(r)) != sizeof(r));
	} else {
		if (c < 0 || read(p[0], &r, sizeof(r)) != sizeof(r))
			r.err = c < 0 ? errno : EIO;
		waitpid(c, NULL, 0);
	}
	_exit(write(repfd, &r, sizeof(r)) != sizeof(r));
}

static void test_fields(void)
{
	static const char *const what[] = { "exit 42", "SIGKILL", "exit signal SIGUSR1",
					    "exit signal 0" };
	struct agent a = par_new(setup_fields, NULL);
	struct blist l, e;
	char why[256] = "", why2[160] = "", buf[256], pay[256] = "";
	int i, bad = 0, fields_ok = 1, p[2];
	struct tn_result tr;
	struct pstat ps;
	pid_t h, z;
	long r;

	for (i = 0; i < 4; i++)
		wait_state(a.kids[i], 'Z', 10000);
	l = blist_read(a.pid, 1 << 16);
	ok(!l.err && !l.bad && l.n == 4 && !blist_find(&l, a.kids[4]),
	   "a parent's listing: its 4 zombies, not its live child (%d lines, %d bad, %s) %s",
	   l.n, l.bad, ename(l.err), l.first_bad);
	for (i = 0; i < 4; i++) {
		const struct bline *b = blist_find(&l, a.kids[i]);

		if (!b) {
			bad++;
			fields_ok = 0;
			continue;
		}
		if (!line_matches_stat(b, buf, sizeof(buf)))
			bad++, snprintf(why, sizeof(why), "%s", buf);
		/* clone()'s children keep the parent's name */
		if (b->threads || b->traced ||
		    strcmp(b->comm, i < 2 ? "rz-zombie" : "rz-parent") ||
		    b->dead_ms < 0 || b->dead_ms > 60000) {
			if (fields_ok)
				snprintf(why2, sizeof(why2),
					 ": pid %d THREADS %lld TRACED %lld COMM \"%s\" DEAD_MS %lld",
					 b->pid, b->threads, b->traced, b->comm, b->dead_ms);
			fields_ok = 0;
		}
	}
	ok(!bad, "START, STATUS and SIGNAL are /proc/PID/stat's fields 22, 52 and 38 %s",
	   why);
	ok(fields_ok, "THREADS 0, TRACED 0, COMM its name, DEAD_MS plausible%s", why2);
	{
		const struct bline *b[4];

		for (i = 0; i < 4; i++)
			b[i] = blist_find(&l, a.kids[i]);
		ok(b[0] && b[1] && b[2] && b[3] && WIFEXITED(b[0]->status) &&
		   WEXITSTATUS(b[0]->status) == 42 && b[0]->sig == SIGCHLD &&
		   WIFSIGNALED(b[1]->status) && WTERMSIG(b[1]->status) == SIGKILL &&
		   b[2]->sig == SIGUSR1 && WEXITSTATUS(b[2]->status) == 3 &&
		   !b[3]->sig && WEXITSTATUS(b[3]->status) == 4,
		   "the values: %s / %s / %s / %s", what[0], what[1], what[2], what[3]);
	}
	e = blist_read(a.kids[4], 1 << 16);
	ok(!e.err && !e.bytes && e.reads == 1,
	   "a live process without zombie children reads empty (%ld bytes, %s)",
	   e.bytes, ename(e.err));
	blist_free(&e);
	e = blist_read(a.kids[0], 1 << 16);
	ok(!e.err && !e.bytes, "a zombie's own file reads empty (%ld bytes, %s)",
	   e.bytes, ename(e.err));
	blist_free(&e);

	/* a reader in a time namespace: START as its own stat reads it */
	z = a.kids[3];
	if (pipe(p))
		die("pipe");
	h = fork();
	if (!h)
		timens_reader(a.pid, z, p[1]);
	close(p[1]);
	if (read(p[0], &tr, sizeof(tr)) != sizeof(tr))
		tr.err = EIO;
	close(p[0]);
	waitpid(h, NULL, 0);
	if (tr.err) {
		ok(1, "reader in a time namespace # SKIP no time namespace (%s)",
		   ename(tr.err));
	} else {
		unsigned long long root = blist_find(&l, z) ? blist_find(&l, z)->start : 0;
		/* stat applies the time namespace's offset since 5.11 only */
		unsigned long long shift = kernel_before(5, 11) ? 0 : 1000 * sysconf(_SC_CLK_TCK);

		ok(tr.found && tr.stat_start == root + shift && tr.listed_start == tr.stat_start,
		   "reader in a time namespace (boottime +1000 s): START %llu as its stat reads (%llu; %llu outside)",
		   tr.listed_start, tr.stat_start, root);
		ok(tr.wret > 0 && !exists(z),
		   "its PID:START as it read them reaps the zombie (%s)",
		   ret_name(tr.wret));
	}

	/* reap the rest with the entries as listed */
	for (i = 0; i < l.n; i++)
		if (l.v[i].pid != z || exists(z))
			sprintf(pay + strlen(pay), "%s%d:%llu", *pay ? " " : "",
				l.v[i].pid, l.v[i].start);
	strcat(pay, "\n");
	r = bwrite_to(a.pid, pay);
	ok(r == (long)strlen(pay) && gone(a.kids, 4) == 4 && pstat(a.kids[4], &ps) &&
	   ps.state == 'S',
	   "the entries as listed reap them: write returns %zu (%s), the live child untouched",
	   strlen(pay), ret_name(r));
	blist_free(&l);
	l = blist_read(a.pid, 1 << 16);
	ok(!l.err && !l.bytes, "then the listing is empty (%ld bytes)", l.bytes);
	blist_free(&l);
	agent_end(&a);
}

/* Children of a thread that is not the leader, and of the leader. */
static int thr_pipe[2];

static void *thr_forker(void *arg)
{
	pid_t k[3] = { fork_exit(5, "rz-thrchild"), fork_exit(6, "rz-thrchild"),
		       gettid() };

	if (write(thr_pipe[1], k, sizeof(k)) != sizeof(k))
		_exit(1);
	for (;;)
		pause();
}

static int setup_threads(pid_t *kids, void *arg)
{
	pthread_t th;

	if (pipe(thr_pipe) || pthread_create(&th, NULL, thr_forker, NULL) ||
	    read(thr_pipe[0], kids, 3 * sizeof(pid_t)) != 3 * sizeof(pid_t))
		_exit(1);
	kids[3] = fork_exit(8, "rz-leadchild");
	/* kids: thread's, thread's, the thread's tid, leader's */
	return 4;
}

static void test_threads(void)
{
	struct agent a = par_new(setup_threads, NULL);
	pid_t z[3] = { a.kids[0], a.kids[1], a.kids[3] }, tid = a.kids[2];
	char path[96], buf[256], pay[256], e[3][48];
	const char *kids;
	struct blist l;
	int i, bad = 0;
	long r;

	for (i = 0; i < 3; i++)
		wait_state(z[i], 'Z', 10000);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", a.pid, tid);
	kids = read_str(path);
	snprintf(buf, sizeof(buf), "%d %d ", z[0], z[1]);
	ok(tid != a.pid && (!strcmp(kids, buf) ||
			    (sprintf(buf, "%d %d ", z[1], z[0]), !strcmp(kids, buf))),
	   "zombies %d and %d are children of thread %d of %d (its children file: %s)",
	   z[0], z[1], tid, a.pid, kids);
	l = blist_read(a.pid, 1 << 16);
	for (i = 0; i < 3; i++) {
		const struct bline *b = blist_find(&l, z[i]);

		bad += !b || !line_matches_stat(b, buf, sizeof(buf));
	}
	ok(!l.err && !l.bad && l.n == 3 && !bad,
	   "the parent's listing has the thread's children and the leader's (%d lines, %d wrong)",
	   l.n, bad);
	blist_free(&l);
	snprintf(pay, sizeof(pay), "%s\n%s %s", entry(e[0], z[0]), entry(e[1], z[2]),
		 entry(e[2], z[1]));
	r = bwrite_to(a.pid, pay);
	ok(r == (long)strlen(pay) && gone(z, 3) == 3,
	   "one write through the parent's file reaps the three (%s)", ret_name(r));
	agent_end(&a);
}

/* COMM escaping. */
static const char *const comms[] = {
	"a b", "a\nb", "a\\b", "tab\there", "\x01\x1f\x7f", "\x80\xfe\xff",
	"a) (b", "123456789012345", "\\\\\\\\\\", "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
	"", "%s%n\"'",
};
#define NCOMMS (int)(sizeof(comms) / sizeof(comms[0]))

static int setup_comm(pid_t *kids, void *arg)
{
	int i;

	for (i = 0; i < NCOMMS; i++)
		kids[i] = fork_exit(0, comms[i]);
	return NCOMMS;
}

static void test_comm(void)
{
	struct agent a = par_new(setup_comm, NULL);
	char want[80], pay[1024] = "", e[48], first[200] = "";
	struct blist l;
	int i, right = 0;
	long r;

	for (i = 0; i < NCOMMS; i++)
		wait_state(a.kids[i], 'Z', 10000);
	l = blist_read(a.pid, 1 << 16);
	for (i = 0; i < NCOMMS; i++) {
		const struct bline *b = blist_find(&l, a.kids[i]);

		comm_escape(comms[i], want);
		if (b && !strcmp(b->comm, want))
			right++;
		else if (!*first)
			snprintf(first, sizeof(first), "; wanted \"%s\", listed \"%s\"",
				 want, b ? b->comm : "(no line)");
		sprintf(pay + strlen(pay), "%s%s", i ? " " : "", entry(e, a.kids[i]));
	}
	ok(!l.err && !l.bad && l.n == NCOMMS && right == NCOMMS,
	   "COMM with a space, a newline, a backslash, control and high bytes, 15 newlines, empty: escaped as \\ooo (%d of %d right, %d lines, %d bad%s)",
	   right, NCOMMS, l.n, l.bad, first);
	blist_free(&l);
	r = bwrite_to(a.pid, pay);
	ok(r == (long)strlen(pay) && gone(a.kids, NCOMMS) == NCOMMS,
	   "all %d reaped in one write (%s)", NCOMMS, ret_name(r));
	agent_end(&a);
}

/*
 * A pid namespace: its init has three zombies (2, 3, 4 there) and reads
 * them through the namespace's proc mount and through the host's.
 */
#define NSPROC "/tmp/rzb-nsproc"
static int ns_cmd[2], ns_rep[2];

static void ns_send(const void *buf, int len)
{
	if (write(ns_rep[1], &len, sizeof(len)) != sizeof(len) ||
	    (len > 0 && write(ns_rep[1], buf, len) != len))
		_exit(9);
}

static int ns_recv(void *buf, int max)
{
	int len, got = 0;

	if (read(ns_rep[0], &len, sizeof(len)) != sizeof(len) || len > max)
		return -1;
	while (got < len) {
		int r = read(ns_rep[0], (char *)buf + got, len - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	return len;
}

static int ns_init(void *unused)
{
	static char buf[4096];
	pid_t z[3];
	char c, path[128];
	int i;

	prctl(PR_SET_NAME, "rz-nsinit");
	if (mount("proc", NSPROC, "proc", 0, NULL))
		_exit(1);
	for (i = 0; i < 3; i++) {
		z[i] = fork_exit(11 + i, "rz-nszombie");
		snprintf(path, sizeof(path), NSPROC "/%d/stat", z[i]);
		wait_state_path(path, 'Z', 10000);
	}
	ns_send(z, sizeof(z));
	/* commands: r read a file (path follows), w write a payload to a file */
	while (read(ns_cmd[0], &c, 1) == 1) {
		int len, fd;
		long r = 0;

		if (read(ns_cmd[0], &len, sizeof(len)) != sizeof(len) ||
		    len >= (int)sizeof(path) ||
		    read(ns_cmd[0], path, len) != len)
			_exit(2);
		path[len] = 0;
		if (c == 'r') {
			fd = open(path, O_RDONLY);
			r = fd < 0 ? -errno : read(fd, buf, sizeof(buf));
			if (r < 0 && fd >= 0)
				r = -errno;
			if (fd >= 0)
				close(fd);
			ns_send(buf, r < 0 ? 0 : r);
			ns_send(&r, sizeof(r));
		} else if (c == 'w') {
			if (read(ns_cmd[0], &len, sizeof(len)) != sizeof(len) ||
			    len >= (int)sizeof(buf) ||
			    read(ns_cmd[0], buf, len) != len)
				_exit(3);
			buf[len] = 0;
			r = bwrite(fd = open(path, O_WRONLY), buf, len);
			if (fd >= 0)
				close(fd);
			ns_send(&r, sizeof(r));
		} else if (c == 'e') {	/* anything left to wait for? */
			r = waitpid(-1, NULL, WNOHANG | __WALL) < 0 ? errno : 0;
			ns_send(&r, sizeof(r));
		} else {
			break;
		}
	}
	umount(NSPROC);
	_exit(0);
}

static void ns_ask(char c, const char *path, const char *payload)
{
	int len = strlen(path);

	if (write(ns_cmd[1], &c, 1) != 1 || write(ns_cmd[1], &len, sizeof(len)) != sizeof(len) ||
	    write(ns_cmd[1], path, len) != len)
		die("ns init");
	if (payload) {
		len = strlen(payload);
		if (write(ns_cmd[1], &len, sizeof(len)) != sizeof(len) ||
		    write(ns_cmd[1], payload, len) != len)
			die("ns init");
	}
}

/* Read @path from inside the namespace: the listing and the read's return. */
static struct blist ns_read(const char *path)
{
	static char buf[4096];
	struct blist l = { 0 };
	long r = 0;
	int len;

	ns_ask('r', path, NULL);
	len = ns_recv(buf, sizeof(buf));
	if (ns_recv(&r, sizeof(r)) != sizeof(r) || len < 0)
		die("ns init");
	if (r < 0)
		l.err = -r;
	else
		blist_parse(&l, buf, len, 0);
	return l;
}

static long ns_write(const char *path, const char *payload)
{
	long r = 0;

	ns_ask('w', path, payload);
	if (ns_recv(&r, sizeof(r)) != sizeof(r))
		die("ns init");
	return r;
}

static void test_pidns(void)
{
	char own[64], host[64], pay[256], e[2][48];
	pid_t init, z[3], g[3];
	struct blist l;
	int i, bad = 0;
	long r;

	init = ns_start(ns_init, ns_cmd, ns_rep, NSPROC);
	close(ns_cmd[0]);	/* so that a dead init reads as EOF */
	close(ns_rep[1]);
	if (ns_recv(z, sizeof(z)) != sizeof(z))
		die("namespace init");
	for (i = 0; i < 3; i++)
		g[i] = global_pid(init, z[i]);
	snprintf(own, sizeof(own), NSPROC "/1/" MODNAME);
	snprintf(host, sizeof(host), "/proc/%d/" MODNAME, init);

	l = ns_read(own);
	for (i = 0; i < 3; i++) {
		const struct bline *b = blist_find(&l, z[i]);
		char sp[96];
		struct pstat ps;

		snprintf(sp, sizeof(sp), NSPROC "/%d/stat", z[i]);
		bad += !b || !pstat_path(sp, &ps) || b->start != ps.start ||
		       b->status != ps.exit_code || WEXITSTATUS(b->status) != 11 + i;
	}
	ok(!l.err && !l.bad && l.n == 3 && z[0] == 2 && !bad,
	   "reader inside a pid namespace, its proc mount: pids %d %d %d numbered there, fields as its stat (%d lines, %d wrong, %s)",
	   z[0], z[1], z[2], l.n, bad, ename(l.err));
	blist_free(&l);
	l = ns_read(host);
	for (bad = 0, i = 0; i < 3; i++)
		bad += !g[i] || !blist_find(&l, g[i]) || blist_find(&l, z[i]);
	ok(!l.err && l.n == 3 && !bad,
	   "the same reader through the host's /proc: the host's pids %d %d %d (%d lines, %d wrong)",
	   g[0], g[1], g[2], l.n, bad);
	blist_free(&l);
	{
		int fd = open(own, O_RDONLY | O_CLOEXEC);

		l = blist_read_fd(fd, 1 << 16);
		if (fd >= 0)
			close(fd);
	}
	for (bad = 0, i = 0; i < 3; i++)
		bad += !blist_find(&l, z[i]);
	ok(!l.err && l.n == 3 && !bad,
	   "a host reader through the namespace's proc mount: the namespace's pids (%d lines, %s)",
	   l.n, ename(l.err));
	blist_free(&l);

	/* numbers of the other namespace name nothing */
	snprintf(pay, sizeof(pay), "%d:%llu", z[1], start_of(g[1]));
	r = ns_write(host, pay);
	ok(r == -ESRCH && zombie_of(g[1], init),
	   "namespace pid %d written through the host's /proc: ESRCH, zombie untouched (%s)",
	   z[1], ret_name(r));
	snprintf(pay, sizeof(pay), "%d:%llu", g[1], start_of(g[1]));
	r = ns_write(own, pay);
	ok(r == -ESRCH && zombie_of(g[1], init),
	   "host pid %d written through the namespace's mount: ESRCH, zombie untouched (%s)",
	   g[1], ret_name(r));
	/* as listed there, they reap */
	snprintf(pay, sizeof(pay), "%d:%llu", z[0], start_of(g[0]));
	r = ns_write(own, pay);
	ok(r == (long)strlen(pay) && !exists(g[0]) && zombie_of(g[1], init),
	   "namespace pid %d written through the namespace's mount, by its init: reaped (%s)",
	   z[0], ret_name(r));
	snprintf(pay, sizeof(pay), "%s %s\n", entry(e[0], g[1]), entry(e[1], g[2]));
	r = bwrite_to(init, pay);
	ok(r == (long)strlen(pay) && !exists(g[1]) && !exists(g[2]),
	   "host pids through the host's /proc, by the host: reaped (%s)", ret_name(r));
	ns_ask('e', "-", NULL);
	if (ns_recv(&r, sizeof(r)) != sizeof(r))
		r = -1;
	ok(r == ECHILD, "the namespace init has no child left (%s)", ename(r));
	ns_ask('q', "-", NULL);
	waitpid(init, NULL, 0);
	close(ns_cmd[1]);
	close(ns_rep[0]);
	rmdir(NSPROC);
}

/* Payload of the entries of @a's zombies [from, to), in pieces of <= 64 KiB. */
struct pieces {
	char *buf;
	size_t len[1024];
	size_t off[1024];
	int n;
};

static void pieces_make(struct pieces *p, const struct agent *a, int from, int to,
			const unsigned long long *starts)
{
	size_t cap = (size_t)(to - from) * 32 + 64, used = 0, cur = 0;
	int i;

	p->buf = malloc(cap);
	p->n = 0;
	for (i = from; i < to; i++) {
		char e[48];
		int k = sprintf(e, "%d:%llu", a->kids[i], starts ? starts[i] : start_of(a->kids[i]));

		if (used - cur + k + 1 > BATCH_MAX) {
			p->off[p->n] = cur;
			p->len[p->n++] = used - cur;
			cur = used;
		}
		if (used > cur)
			p->buf[used++] = (i & 1) ? ' ' : '\n';
		memcpy(p->buf + used, e, k);
		used += k;
	}
	p->off[p->n] = cur;
	p->len[p->n++] = used - cur;
}

/* 30,000 zombies (rz.batch): read whole and 100 bytes at a time, reaped in pieces. */
static void test_big(void)
{
	long n = BIG(), cur, hold_read, hold_write, r0;
	long pid_max = read_long(PID_MAX), tmax = read_long(THREADS_MAX);
	struct blist big, small, mid;
	unsigned long long *starts;
	int judge, i, bad = 0, sampled = 0, missing = 0, wrong = 0;
	struct pieces pc;
	double t0, t_big, t_small, t_write;
	struct agent a;
	struct reply r;

	set_sysctl_long(PID_MAX, pid_max > 8 * n ? pid_max : 8 * n);
	set_sysctl_long(THREADS_MAX, tmax > 4 * n ? tmax : 4 * n);
	mkdir(CGB, 0755);
	a = agent_new(n, 0, HOW_VFORK, 0, CGB);
	cur = read_long(CGB "/pids.current");
	/*
	 * The lock bound is judged on one vCPU only, in the boot whose clock
	 * counts instructions (see test_pressure in rzstress.c): under TCG
	 * two vCPUs take turns on one host thread, and a clock that follows
	 * the host's runs on while the host runs anything else. Taking the
	 * other vCPU offline is not enough: with a kernel build beside it a
	 * chunk's hold read 1.3 ms, 0.56 ms without.
	 */
	judge = sysconf(_SC_NPROCESSORS_CONF) == 1;
	write_file(HOLD, "0");
	t0 = now();
	big = blist_read(a.pid, 1 << 20);
	t_big = now() - t0;
	hold_read = read_long(HOLD);
	t0 = now();
	small = blist_read(a.pid, 100);
	t_small = now() - t0;
	mid = blist_read(a.pid, 4096);
	for (i = 0; i < n; i++) {
		const struct bline *b = blist_find(&big, a.kids[i]);

		missing += !b || !blist_find(&small, a.kids[i]) || !blist_find(&mid, a.kids[i]);
		if (b && i % 97 == 0) {
			char why[256];

			sampled++;
			bad += !line_matches_stat(b, why, sizeof(why));
		}
	}
	/* all but DEAD_MS, which grows between the reads (and with it the bytes) */
	for (i = 0; i < big.n && i < small.n; i++)
		wrong += big.v[i].pid != small.v[i].pid || big.v[i].start != small.v[i].start ||
			 big.v[i].status != small.v[i].status || big.v[i].sig != small.v[i].sig ||
			 big.v[i].threads != small.v[i].threads ||
			 big.v[i].traced != small.v[i].traced || strcmp(big.v[i].comm, small.v[i].comm) ||
			 small.v[i].dead_ms < big.v[i].dead_ms;
	diag("big: %ld zombies: read in 1 MiB reads %.2f s (%ld reads, %ld bytes), in 100-byte reads %.2f s (%ld reads)",
	     n, t_big, big.reads, big.bytes, t_small, small.reads);
	ok(!big.err && !big.bad && !big.dups && big.n == n && !missing,
	   "%ld zombies listed completely, each once (%d lines, %d bad, %d twice, %d missing, %s) %s",
	   n, big.n, big.bad, big.dups, missing, ename(big.err), big.first_bad);
	ok(!small.err && !small.bad && !small.dups && small.n == n && !wrong,
	   "read 100 bytes at a time: the same %d lines (%d bad, %d differ, %ld reads, %s) %s",
	   small.n, small.bad, wrong, small.reads, ename(small.err), small.first_bad);
	ok(!mid.err && !mid.bad && mid.n == n, "read 4096 bytes at a time: %d lines",
	   mid.n);
	ok(sampled > 0 && !bad, "%d sampled lines agree with /proc/PID/stat (%d wrong)",
	   sampled, bad);
	if (judge)
		ok(hold_read >= 0 && hold_read <= 1000000,
		   "reading %ld children held tasklist_lock at most %.3f ms at a time (<= 1 ms)",
		   n, hold_read / 1e6);
	else
		diag("big: %ld vCPUs: the reads' hold %.3f ms not judged (see the one-vCPU boot)",
		     sysconf(_SC_NPROCESSORS_CONF), hold_read / 1e6);
	/* issue 13: "make max_lock_hold_ns cover the read path as well" */
	ok(hold_read > 0,
	   "max_lock_hold_ns covers the read path: after a reset, reads alone set it (%ld ns)",
	   hold_read);

	starts = calloc(n, sizeof(*starts));
	for (i = 0; i < n; i++) {
		const struct bline *b = blist_find(&big, a.kids[i]);

		starts[i] = b ? b->start : 0;
	}
	pieces_make(&pc, &a, 0, n, starts);
	write_file(HOLD, "0");
	r0 = read_long(REAPED);
	{
		int fd = open_rz(a.pid, O_WRONLY), p, wrong_ret = 0;
		long first_bad = 0;

		t0 = now();
		for (p = 0; p < pc.n; p++) {
			long w = bwrite(fd, pc.buf + pc.off[p], pc.len[p]);

			if (w != (long)pc.len[p] && !wrong_ret++)
				first_bad = w;
		}
		t_write = now() - t0;
		close(fd);
		hold_write = read_long(HOLD);
		diag("big: %ld zombies reaped in %d writes of <= 64 KiB in %.2f s (%.0f/s)",
		     n, pc.n, t_write, n / t_write);
		ok(!wrong_ret && gone(a.kids, n) == n && read_long(REAPED) - r0 == n,
		   "%ld zombies reaped by %d writes, each returning its length (%d did not: %s; reaped +%ld)",
		   n, pc.n, wrong_ret, ret_name(first_bad), read_long(REAPED) - r0);
	}
	ok(cur == n + 1 && read_long(CGB "/pids.current") == 1,
	   "cgroup pids.current back from %ld to %ld", cur, read_long(CGB "/pids.current"));
	r = agent_ask(&a, 'a');
	ok(r.ret == -1 && r.err == ECHILD, "the parent has no child left (%s)", ename(r.err));
	if (judge)
		ok(hold_write > 0 && hold_write <= 1000000,
		   "reaping them held tasklist_lock at most %.3f ms at a time (<= 1 ms)",
		   hold_write / 1e6);
	else
		diag("big: %ld vCPUs: the writes' hold %.3f ms not judged (see the one-vCPU boot)",
		     sysconf(_SC_NPROCESSORS_CONF), hold_write / 1e6);
	free(pc.buf);
	free(starts);
	blist_free(&big);
	blist_free(&small);
	blist_free(&mid);
	agent_end(&a);
	rmdir(CGB);
	set_sysctl_long(THREADS_MAX, tmax);
	set_sysctl_long(PID_MAX, pid_max);
}

/* A zombie dead 3 s reads DEAD_MS 3000 +- 500; one just dead, little. */
static void test_dead_ms(void)
{
	struct agent old = agent_new(1, 0, HOW_FORK, 0, NULL), young;
	double t_z = now(), t0, t1;
	const struct bline *b;
	struct blist l;
	long long young_ms = -1;

	while (now() < t_z + 3.0)
		msleep(20);
	t0 = now();
	l = blist_read(old.pid, 1 << 16);
	t1 = now();
	b = blist_find(&l, old.kids[0]);
	diag("dead_ms: the zombie was seen dead %.0f-%.0f ms before the read; DEAD_MS %lld",
	     (t0 - t_z) * 1e3, (t1 - t_z) * 1e3, b ? b->dead_ms : -1LL);
	ok(b && b->dead_ms >= 2500 && b->dead_ms <= 3500,
	   "a zombie dead 3 s reads DEAD_MS 3000 +- 500 (%lld)", b ? b->dead_ms : -1LL);
	blist_free(&l);
	young = agent_new(1, 0, HOW_FORK, 0, NULL);
	l = blist_read(young.pid, 1 << 16);
	if ((b = blist_find(&l, young.kids[0])))
		young_ms = b->dead_ms;
	ok(young_ms >= 0 && young_ms < 500, "a zombie just dead reads DEAD_MS %lld (< 500)",
	   young_ms);
	blist_free(&l);
	agent_end(&old);
	agent_end(&young);
}

/* Every malformed payload: EINVAL and nothing reaped. The valid forms. */
static void test_grammar(void)
{
	struct agent a = agent_new(4, 1, HOW_FORK, 0, NULL);
	pid_t *z = a.kids;
	char A[48], B[48], C[48], *big;
	char bad[64][160];
	size_t blen[64];
	int nb = 0, i, refused = 0, len;
	long r, r0 = read_long(REAPED);
	char first[200] = "";
	unsigned long long sa = start_of(z[0]);

	entry(A, z[0]);
	entry(B, z[1]);
	entry(C, z[2]);
#define BAD(...) (blen[nb] = snprintf(bad[nb], sizeof(bad[nb]), __VA_ARGS__), nb++)
	BAD("%d", z[0]);			/* no colon */
	BAD("%d:", z[0]);			/* no START */
	BAD(":%llu", sa);			/* no PID */
	BAD("%s:", A);				/* a colon too many */
	BAD("%d::%llu", z[0], sa);
	BAD("%s:%llu", A, sa);
	BAD("+%s", A);				/* signs */
	BAD("-%s", A);
	BAD("%d:+%llu", z[0], sa);
	BAD("%d:-%llu", z[0], sa);
	BAD("0%s", A);				/* leading zeros */
	BAD("%d:0%llu", z[0], sa);
	BAD("0:%llu", sa);			/* PID 0 */
	BAD("00:0");
	BAD("%d:00", z[0]);
	BAD("%s\t%s", A, B);			/* a tab */
	BAD("%s\t", A);
	BAD("%s  %s", A, B);			/* two spaces */
	BAD("%s ", A);				/* trailing space */
	BAD("%s\n\n", A);			/* two final newlines */
	BAD("%s\n\n%s", A, B);			/* an empty line */
	BAD(" %s", A);				/* leading space */
	BAD("\n%s", A);				/* leading newline */
	BAD("%s\r\n", A);			/* CR */
	BAD("%s \n", A);
	BAD("%s\n %s", A, B);
	BAD("%d :%llu", z[0], sa);
	BAD("%d: %llu", z[0], sa);
	BAD("0x%x:%llu", z[0], sa);		/* hex */
	BAD("%s,%s", A, B);
	BAD("%sa", A);
	BAD("%d.0:%llu", z[0], sa);
	BAD("99999999999999999999:%llu", sa);	/* overflows 64 bits */
	BAD("%d:99999999999999999999999", z[0]);
	BAD("%d:18446744073709551616", z[0]);	/* 2^64 */
	BAD("1\n%s", A);			/* the self form, then an entry */
	BAD("1 %s", A);
	BAD("%s 1", A);
	BAD("%s %s x", A, B);			/* valid entries, then garbage */
	BAD("%s\n%s\n%s:", A, B, C);
	BAD("\n");
	BAD(" ");
	BAD(":");
	BAD("%s\xff", A);
	/* with a NUL: the length counts it */
	blen[nb] = snprintf(bad[nb], sizeof(bad[nb]), "%s", A) + 1;
	nb++;
	len = snprintf(bad[nb], sizeof(bad[nb]), "%s", A);
	bad[nb][len] = 0;
	blen[nb] = len + 1 + sprintf(bad[nb] + len + 1, "%s", B);
	nb++;
	for (i = 0; i < nb; i++) {
		int fd = open_rz(a.pid, O_WRONLY);

		r = fd < 0 ? -errno : bwrite(fd, bad[i], blen[i]);
		if (fd >= 0)
			close(fd);
		if (r == -EINVAL && zombies_of(z, 4, a.pid) == 4) {
			refused++;
		} else if (!*first) {
			char shown[120];
			size_t k, o = 0;

			for (k = 0; k < blen[i] && o + 5 < sizeof(shown); k++)
				o += (unsigned char)bad[i][k] < 0x20 || (unsigned char)bad[i][k] > 0x7e ?
					     sprintf(shown + o, "\\x%02x", (unsigned char)bad[i][k]) :
					     sprintf(shown + o, "%c", bad[i][k]);
			snprintf(first, sizeof(first), "; \"%s\": %s, %d of 4 zombies left",
				 shown, ret_name(r), zombies_of(z, 4, a.pid));
		}
	}
	ok(refused == nb && read_long(REAPED) == r0,
	   "%d malformed payloads (no colon, signs, leading zeros, PID 0, tab, two spaces, trailing space, two final newlines, CR, NUL, overflow, garbage after valid entries...): each EINVAL, nothing reaped (%d right%s)",
	   nb, refused, first);
	/* 64 KiB: one real entry, then entries naming the parent itself */
	big = malloc(BATCH_MAX + 2);
	len = sprintf(big, "%s", C);
	{
		char f[48];
		int k = sprintf(f, " %d:", a.pid), digits;

		while (BATCH_MAX - len > k + 20)
			len += sprintf(big + len, "%s1000000000", f);
		digits = BATCH_MAX - len - k;	/* 11..20 */
		memcpy(big + len, f, k);
		len += k;
		big[len++] = '1';
		for (i = 1; i < digits; i++)
			big[len++] = '0';
	}
	big[BATCH_MAX] = '\n';
	r = bwrite_to(a.pid, "1");
	ok(r == -EBUSY && zombies_of(z, 4, a.pid) == 4,
	   "the self form \"1\" on a live parent's file: EBUSY, its zombies untouched (%s)",
	   ret_name(r));
	{
		int fd = open_rz(a.pid, O_WRONLY);

		r = bwrite(fd, big, BATCH_MAX + 1);
		ok(r == -EINVAL && zombies_of(z, 4, a.pid) == 4,
		   "65,537 bytes: EINVAL, nothing reaped (%s)", ret_name(r));
		r = bwrite(fd, bad_ptr_for_tests, 8);
		ok(r == -EFAULT && zombies_of(z, 4, a.pid) == 4,
		   "a bad user pointer: EFAULT, nothing reaped (%s)", ret_name(r));
		r = pwrite(fd, A, strlen(A), 3) < 0 ? -errno : 0;
		ok(r == -ESPIPE && zombies_of(z, 4, a.pid) == 4,
		   "pwrite() at an offset: ESPIPE, nothing reaped (%s)", ret_name(r));
		r = bwrite(fd, big, BATCH_MAX);
		ok(r == BATCH_MAX && !exists(z[2]) && zombies_of(z, 4, a.pid) == 3,
		   "exactly 65,536 bytes (one real entry, then %d naming the parent itself): returns 65536, the one reaped (%s)",
		   (int)(count_char(big, BATCH_MAX, ' ')), ret_name(r));
		close(fd);
	}
	free(big);
	r = bwrite_to(a.pid, A);
	ok(r == (long)strlen(A) && !exists(z[0]), "\"PID:START\" without a final newline reaps (%s)",
	   ret_name(r));
	snprintf(bad[0], sizeof(bad[0]), "%s %s\n", B, B);
	r = bwrite_to(a.pid, bad[0]);
	ok(r == (long)strlen(bad[0]) && !exists(z[1]) && zombie_of(z[3], a.pid),
	   "a duplicate entry, final newline: full length, reaped once (%s)", ret_name(r));
	ok(read_long(REAPED) - r0 == 3, "the module's reaped counter: +%ld (3)",
	   read_long(REAPED) - r0);
	agent_end(&a);
#undef BAD
}

/* A stale START; then the pid reused by a new child of the same parent. */
static void test_stale(void)
{
	struct agent a = par_new(setup_fields, NULL);
	pid_t z = a.kids[0], y = 0;
	unsigned long long s, s2 = 0;
	char pay[64];
	struct reply r;
	long w;
	int i, try;

	for (i = 0; i < 4; i++)
		wait_state(a.kids[i], 'Z', 10000);
	s = start_of(z);
	snprintf(pay, sizeof(pay), "%d:%llu", z, s + 1);
	w = bwrite_to(a.pid, pay);
	ok(w == -ESRCH && zombie_of(z, a.pid), "START one tick late: ESRCH, untouched (%s)",
	   ret_name(w));
	snprintf(pay, sizeof(pay), "%d:%llu", z, s ? s - 1 : 1);
	w = bwrite_to(a.pid, pay);
	ok(w == -ESRCH && zombie_of(z, a.pid), "START one tick early: ESRCH, untouched (%s)",
	   ret_name(w));
	snprintf(pay, sizeof(pay), "%d:%llu", z, s * 10 + 1);
	w = bwrite_to(a.pid, pay);
	ok(w == -ESRCH && zombie_of(z, a.pid), "START with a digit more: ESRCH (%s)",
	   ret_name(w));

	/* the parent reaps z itself; its pid comes back as a new child */
	do
		r = agent_ask(&a, 'w');
	while (r.ret > 0 && r.ret != z);
	msleep(30);	/* a new START: USER_HZ ticks are 10 ms */
	for (try = 0; try < 50 && y != z; try++) {
		char last[16];

		snprintf(last, sizeof(last), "%d", z - 1);
		write_file("/proc/sys/kernel/ns_last_pid", last);
		r = agent_ask(&a, 'f');
		y = r.ret;
		if (y > 0 && y != z) {
			wait_state(y, 'Z', 5000);
			bwrite_to(a.pid, entry(pay, y));
		}
	}
	wait_state(y, 'Z', 5000);
	s2 = start_of(y);
	if (!ok(y == z && s2 != s, "pid %d reused by a new zombie of the same parent (START %llu, was %llu; %d tries)",
		z, s2, s, try)) {
		agent_end(&a);
		return;
	}
	snprintf(pay, sizeof(pay), "%d:%llu", z, s);
	w = bwrite_to(a.pid, pay);
	ok(w == -ESRCH && zombie_of(z, a.pid),
	   "the old PID:START on the reused pid: ESRCH, the newcomer untouched (%s)", ret_name(w));
	snprintf(pay, sizeof(pay), "%d:%llu", z, s2);
	w = bwrite_to(a.pid, pay);
	ok(w == (long)strlen(pay) && !exists(z), "its own START reaps it (%s)", ret_name(w));
	agent_end(&a);
}

/* Zombies of another parent, the parent itself, our own zombie. */
static void test_foreign(void)
{
	struct agent a = agent_new(1, 0, HOW_FORK, 0, NULL);
	struct agent b = agent_new(1, 0, HOW_FORK, 0, NULL);
	pid_t mine = fork_exit(0, "rz-zombie");
	char pay[256], e[4][48];
	long w;

	wait_state(mine, 'Z', 5000);
	w = bwrite_to(a.pid, entry(e[0], b.kids[0]));
	ok(w == -ESRCH && zombie_of(b.kids[0], b.pid) && zombie_of(a.kids[0], a.pid),
	   "a zombie of another parent: ESRCH, both untouched (%s)", ret_name(w));
	w = bwrite_to(a.pid, entry(e[1], a.pid));
	ok(w == -ESRCH && zombie_of(a.kids[0], a.pid), "the parent itself: ESRCH (%s)",
	   ret_name(w));
	w = bwrite_to(a.pid, entry(e[2], mine));
	ok(w == -ESRCH && zombie_of(mine, getpid()),
	   "a zombie of the writer, through another parent's file: ESRCH (%s)", ret_name(w));
	snprintf(pay, sizeof(pay), "%s %s %s", e[0], entry(e[3], a.kids[0]), e[2]);
	w = bwrite_to(a.pid, pay);
	ok(w == (long)strlen(pay) && !exists(a.kids[0]) && zombie_of(b.kids[0], b.pid) &&
	   zombie_of(mine, getpid()),
	   "mixed with its own zombie: full length, only its own reaped (%s)", ret_name(w));
	waitpid(mine, NULL, 0);
	agent_end(&a);
	agent_end(&b);
}

/* Live children: sleeping, stopped, running. */
static void test_livechild(void)
{
	struct agent a = agent_new(1, 0, HOW_FORK, 2, NULL);
	pid_t s = a.kids[1], t = a.kids[2];
	char e[48], pay[128];
	long w;

	wait_state(s, 'S', 5000);
	kill(t, SIGSTOP);
	wait_state(t, 'T', 5000);
	w = bwrite_to(a.pid, entry(e, s));
	ok(w == -EBUSY && proc_state(s) == 'S', "a sleeping child: EBUSY, untouched (%s)",
	   ret_name(w));
	w = bwrite_to(a.pid, entry(e, t));
	ok(w == -EBUSY && proc_state(t) == 'T', "a stopped child: EBUSY, untouched (%s)",
	   ret_name(w));
	snprintf(pay, sizeof(pay), "%s ", entry(e, s));
	entry(pay + strlen(pay), a.kids[0]);
	w = bwrite_to(a.pid, pay);
	ok(w == (long)strlen(pay) && !exists(a.kids[0]) && proc_state(s) == 'S',
	   "a live child first, then a zombie: full length, the zombie reaped (%s)",
	   ret_name(w));
	kill(t, SIGCONT);
	agent_end(&a);
}

/*
 * A partial batch: plain zombies, a traced one, a leader whose thread
 * lives, a live child. The traced one exits when told (a byte on its pipe).
 */
static int part_go[2];

static void *part_idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static int setup_partial(pid_t *kids, void *arg)
{
	int i;

	for (i = 0; i < 4; i++)
		kids[i] = fork_exit(i + 1, "rz-zombie");
	kids[4] = fork();	/* traced, exits on a byte */
	if (!kids[4]) {
		char b;

		prctl(PR_SET_NAME, "rz-traced");
		if (read(part_go[0], &b, 1) != 1)
			_exit(1);
		_exit(9);
	}
	kids[5] = fork();	/* leader exits, its thread lives */
	if (!kids[5]) {
		pthread_t th;

		prctl(PR_SET_NAME, "rz-leader");
		if (pthread_create(&th, NULL, part_idle, NULL))
			_exit(1);
		syscall(SYS_exit, 0);
	}
	kids[6] = fork();	/* live */
	if (!kids[6])
		for (;;)
			pause();
	return 7;
}

static void test_partial(void)
{
	struct agent a;
	pid_t t, g, lv, tracer;
	int quit[2], sync[2], i;
	char e[7][48], pay[512], b = 0;
	const struct bline *lt, *lg;
	struct blist l;
	long w, r0;

	if (pipe(part_go))
		die("pipe");
	a = par_new(setup_partial, NULL);
	/* after the parent, which would hold the tracer's quit pipe open */
	if (pipe(quit) || pipe(sync))
		die("pipe");
	t = a.kids[4], g = a.kids[5], lv = a.kids[6];
	tracer = fork();
	if (!tracer) {
		close(quit[1]);
		if (ptrace(PTRACE_SEIZE, t, 0, 0))
			_exit(1);
		if (write(sync[1], &b, 1) != 1 || read(quit[0], &b, 1) < 0)
			_exit(2);
		_exit(0);	/* without waiting for the tracee */
	}
	close(quit[0]);
	if (read(sync[0], &b, 1) != 1 || write(part_go[1], &b, 1) != 1)
		die("tracer");
	for (i = 0; i < 6; i++)
		wait_state(a.kids[i], 'Z', 10000);
	wait_state(lv, 'S', 5000);
	for (i = 0; i < 7; i++)
		entry(e[i], a.kids[i]);
	l = blist_read(a.pid, 1 << 16);
	lt = blist_find(&l, t);
	lg = blist_find(&l, g);
	ok(l.n == 6 && lt && lt->traced == 1 && !lt->threads && lg && lg->threads == 1 &&
	   !lg->traced && !blist_find(&l, lv) && status_field(t, "TracerPid:") == tracer,
	   "listing: the traced zombie TRACED 1, the leader THREADS 1, the live child not listed (%d lines)",
	   l.n);
	blist_free(&l);
	r0 = read_long(REAPED);
	snprintf(pay, sizeof(pay), "%s %s\n%s %s %s\n%s %s\n", e[0], e[4], e[1], e[5], e[2],
		 e[6], e[3]);
	w = bwrite_to(a.pid, pay);
	ok(w == (long)strlen(pay) && gone(a.kids, 4) == 4 && zombie_of(t, a.pid) &&
	   zombie_of(g, a.pid) && proc_state(lv) == 'S' && read_long(REAPED) - r0 == 4,
	   "partial batch (4 plain zombies, a traced one, a leader with a live thread, a live child): full length, the 4 reaped, the others untouched (%s)",
	   ret_name(w));
	l = blist_read(a.pid, 1 << 16);
	ok(l.n == 2 && blist_find(&l, t) && blist_find(&l, g),
	   "read again: the traced zombie and the leader are still listed (%d lines)", l.n);
	blist_free(&l);
	{
		static const struct {
			const char *what;
			int idx[3];
			int err;
		} cases[] = {
			{ "the traced zombie", { 4, -1 }, EBUSY },
			{ "the leader with a live thread", { 5, -1 }, ENOTEMPTY },
			{ "the live child", { 6, -1 }, EBUSY },
			{ "traced, then leader", { 4, 5, -1 }, EBUSY },
			{ "leader, then traced", { 5, 4, -1 }, ENOTEMPTY },
			{ "leader, then live", { 5, 6, -1 }, ENOTEMPTY },
			{ "a reaped one, then leader", { 0, 5, -1 }, ESRCH },
			{ "live, then traced, then a reaped one", { 6, 4, 1 }, EBUSY },
		};
		unsigned int c;

		for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			*pay = 0;
			for (i = 0; i < 3 && cases[c].idx[i] >= 0; i++)
				sprintf(pay + strlen(pay), "%s%s", i ? " " : "", e[cases[c].idx[i]]);
			w = bwrite_to(a.pid, pay);
			ok(w == -cases[c].err && zombie_of(t, a.pid) && zombie_of(g, a.pid) &&
			   proc_state(lv) == 'S',
			   "all refused (%s): the first entry's %s, untouched (%s)", cases[c].what,
			   ename(cases[c].err), ret_name(w));
		}
	}
	/* the tracer leaves without waiting, the thread is killed: then they reap */
	close(quit[1]);
	waitpid(tracer, NULL, 0);
	for (i = 0; i < 1000 && status_field(t, "TracerPid:") != 0; i++)
		msleep(1);
	w = bwrite_to(a.pid, e[4]);
	ok(w == (long)strlen(e[4]) && !exists(t), "once its tracer is gone, the zombie reaps (%s)",
	   ret_name(w));
	kill(g, SIGKILL);
	for (i = 0; i < 5000 && status_field(g, "Threads:") > 1; i++)
		msleep(1);
	l = blist_read(a.pid, 1 << 16);
	lg = blist_find(&l, g);
	{
		char why[256] = "";

		ok(lg && !lg->threads && line_matches_stat(lg, why, sizeof(why)) &&
		   WIFSIGNALED(lg->status) && WTERMSIG(lg->status) == SIGKILL,
		   "the leader, its group killed since: THREADS 0, STATUS as stat's field 52 (killed by SIGKILL) %s",
		   why);
	}
	blist_free(&l);
	w = bwrite_to(a.pid, e[5]);
	ok(w == (long)strlen(e[5]) && !exists(g), "once its thread is gone, the leader reaps (%s)",
	   ret_name(w));
	close(part_go[0]);
	close(part_go[1]);
	close(sync[0]);
	close(sync[1]);
	agent_end(&a);
}

/* Four writers of one list at the same time: each zombie reaped once. */
struct bw {
	pthread_barrier_t *go;
	pid_t parent;
	struct pieces *pc;
	int rotate;
	long full, esrch, other, last_other;
};

static void *batch_writer(void *arg)
{
	struct bw *w = arg;
	int fd = open_rz(w->parent, O_WRONLY), i;

	pthread_barrier_wait(w->go);
	for (i = 0; i < w->pc->n; i++) {
		int p = (i + w->rotate) % w->pc->n;
		long r = bwrite(fd, w->pc->buf + w->pc->off[p], w->pc->len[p]);

		if (r == (long)w->pc->len[p])
			w->full++;
		else if (r == -ESRCH)
			w->esrch++;
		else
			w->other++, w->last_other = r;
	}
	close(fd);
	return NULL;
}

static void test_writers4(void)
{
	int n = MANY(), rounds = 3, k, i, bad = 0;
	long full = 0, esrch = 0, other = 0, last_other = 0;

	for (k = 0; k < rounds; k++) {
		struct agent a = agent_new(n, 0, HOW_VFORK, 0, NULL);
		pthread_barrier_t go;
		struct pieces pc;
		struct bw w[4];
		pthread_t th[4];
		long r0 = read_long(REAPED);
		struct reply r;

		/* round 0: one piece each; then 16 pieces, each writer from its own */
		if (k == 0) {
			pieces_make(&pc, &a, 0, n, NULL);
		} else {
			int per = (n + 15) / 16, p;
			struct pieces one;

			memset(&pc, 0, sizeof(pc));
			pc.buf = malloc((size_t)n * 32 + 64);
			for (p = 0, i = 0; i < n; i += per, p++) {
				size_t o = p ? pc.off[p - 1] + pc.len[p - 1] : 0;

				pieces_make(&one, &a, i, i + per > n ? n : i + per, NULL);
				memcpy(pc.buf + o, one.buf, one.len[0]);
				pc.off[p] = o;
				pc.len[p] = one.len[0];
				free(one.buf);
			}
			pc.n = p;
		}
		pthread_barrier_init(&go, NULL, 4);
		for (i = 0; i < 4; i++) {
			w[i] = (struct bw){ .go = &go, .parent = a.pid, .pc = &pc,
					    .rotate = k ? i * pc.n / 4 : 0 };
			pthread_create(&th[i], NULL, batch_writer, &w[i]);
		}
		for (i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			full += w[i].full;
			esrch += w[i].esrch;
			other += w[i].other;
			if (w[i].other)
				last_other = w[i].last_other;
		}
		r = agent_ask(&a, 'a');
		if (gone(a.kids, n) != n || read_long(REAPED) - r0 != n || r.ret != -1 ||
		    r.err != ECHILD)
			bad++;
		pthread_barrier_destroy(&go);
		free(pc.buf);
		agent_end(&a);
	}
	diag("writers4: %d rounds of %d zombies, 4 writers: %ld writes reaped, %ld ESRCH, %ld other (%s)",
	     rounds, n, full, esrch, other, ret_name(last_other));
	ok(!bad && !other && full > 0,
	   "4 concurrent writers of one list of %d, %d rounds: each zombie reaped exactly once (reaped counter), every write full length or ESRCH (%d rounds wrong)",
	   n, rounds, bad);
}

/* The parent's own waitpid() loop racing a batch of its zombies. */
struct wr {
	struct racer rc;
	int fd;
	char pay[512];
	long ret;
	int head;
};

static void race_batch(void *arg)
{
	struct wr *w = arg;

	if (w->head)
		msleep(1);
	w->ret = bwrite(w->fd, w->pay, strlen(w->pay));
}

static void test_waitrace(void)
{
	int rounds = ROUNDS() / 4, k = 6, i, j, bad = 0, mod_all = 0, par_all = 0, mixed = 0;
	long mod_total = 0, r0 = read_long(REAPED);
	struct wr w = { 0 };

	if (rounds < 10)
		rounds = 10;
	racer_start(&w.rc, race_batch, &w);
	for (i = 0; i < rounds; i++) {
		struct agent a = agent_new(k, i & 0x7f, HOW_FORK, 0, NULL);
		struct reply r;
		char e[48];
		int mod;

		*w.pay = 0;
		for (j = 0; j < k; j++)
			sprintf(w.pay + strlen(w.pay), "%s%s", j ? " " : "", entry(e, a.kids[j]));
		w.fd = open_rz(a.pid, O_WRONLY);
		w.head = i & 1;
		racer_go(&w.rc);
		if (!(i & 1))
			msleep(1);
		r = agent_ask(&a, 'L');	/* waitpid() until ECHILD: status counts */
		racer_go(&w.rc);
		close(w.fd);
		mod = k - r.status;
		mod_total += mod;
		if (gone(a.kids, k) != k || r.ret < 0 || r.status < 0 || r.status > k ||
		    (w.ret == (long)strlen(w.pay) ? mod < 1 : (w.ret != -ESRCH || mod)))
			bad++;
		mod_all += mod == k;
		par_all += !mod;
		mixed += mod && mod < k;
		agent_end(&a);
	}
	racer_stop(&w.rc);
	diag("waitrace: %d rounds of %d zombies: the batch took all %d times, the parent all %d, shared %d; module reaped %ld",
	     rounds, k, mod_all, par_all, mixed, mod_total);
	ok(!bad && read_long(REAPED) - r0 == mod_total && mod_total > 0 && mod_total < (long)rounds * k,
	   "%d rounds of a batch racing the parent's waitpid(): every zombie reaped once, the write's result matches (%d wrong, reaped counter +%ld for %ld)",
	   rounds, bad, read_long(REAPED) - r0, mod_total);
}

/* A cgroup's pids.max, full of zombies, freed by one write. */
static void test_pidsmax(void)
{
	int n = 200, i, p[2];
	struct agent a;
	struct pieces pc;
	char lim[16];
	long w, cur, ev0;
	int err_full = -1, err_after = -1;

	mkdir(CGB, 0755);
	a = agent_new(n, 0, HOW_VFORK, 0, CGB);
	cur = read_long(CGB "/pids.current");
	snprintf(lim, sizeof(lim), "%d", n + 2);
	write_file(CGB "/pids.max", lim);
	for (i = 0; i < 2; i++) {
		int *err = i ? &err_after : &err_full;
		pid_t c;

		if (i) {
			pieces_make(&pc, &a, 0, n, NULL);
			ev0 = read_long(CGB "/pids.current");
			{
				int fd = open_rz(a.pid, O_WRONLY);

				w = bwrite(fd, pc.buf, pc.len[0]);
				close(fd);
			}
			ok(pc.n == 1 && w == (long)pc.len[0] && gone(a.kids, n) == n &&
			   read_long(CGB "/pids.current") == 1,
			   "one write of %d entries: all reaped, pids.current %ld -> %ld (%s)",
			   n, ev0, read_long(CGB "/pids.current"), ret_name(w));
			free(pc.buf);
		}
		/* a process joins the cgroup (at the limit then) and forks */
		if (pipe(p))
			die("pipe");
		c = fork();
		if (!c) {
			int e = 0;
			pid_t g;

			if (write_file(CGB "/cgroup.procs", "0"))
				_exit(3);
			g = fork();
			if (g < 0)
				e = errno;
			else if (!g)
				_exit(0);
			else
				waitpid(g, NULL, 0);
			_exit(write(p[1], &e, sizeof(e)) != sizeof(e));
		}
		close(p[1]);
		if (read(p[0], err, sizeof(*err)) != sizeof(*err))
			*err = -1;
		close(p[0]);
		waitpid(c, NULL, 0);
		if (!i)
			ok(cur == n + 1 && *err == EAGAIN,
			   "%d zombies and their parent fill pids.max %s: fork() in the cgroup fails (%s)",
			   n, lim, ename(*err));
	}
	ok(err_after == 0, "after the write fork() in the cgroup works again (%s)",
	   ename(err_after));
	write_file(CGB "/pids.max", "max");
	agent_end(&a);
	rmdir(CGB);
}

/* Privilege: EPERM for read and write without CAP_SYS_ADMIN. */
static void test_perm(void)
{
	static const struct {
		int how, err;
		const char *what;
	} cases[] = {
		{ P_OPEN_UNPRIV, EACCES, "uid 65534 opens it: EACCES" },
		{ P_SETUID, EPERM, "opened by root, then setuid(65534): EPERM" },
		{ P_USERNS, EPERM, "opened by root, then into a new user namespace: EPERM" },
		{ P_NOCAP, EPERM, "uid 0 without CAP_SYS_ADMIN: EPERM" },
	};
	struct agent a = agent_new(2, 0, HOW_FORK, 0, NULL);
	char pay[128], e[48];
	unsigned int c;
	int err, fd, k;
	char buf[256];
	long w;

	snprintf(pay, sizeof(pay), "%s ", entry(e, a.kids[0]));
	entry(pay + strlen(pay), a.kids[1]);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (k = 0; k < 2; k++) {
			err = try_priv(a.pid, cases[c].how, k ? pay : NULL);
			ok(err == cases[c].err && zombies_of(a.kids, 2, a.pid) == 2,
			   "%s: %s, nothing reaped (%s)", k ? "write" : "read", cases[c].what,
			   ename(err));
		}
	}
	for (k = 0; k < 2; k++) {
		fd = passed_fd(a.pid, k ? O_WRONLY : O_RDONLY);
		err = fd < 0 ? -1 : k ? write_fd(fd, pay, strlen(pay)) :
					(read(fd, buf, sizeof(buf)) < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
		ok(err == EPERM && zombies_of(a.kids, 2, a.pid) == 2,
		   "%s by root through an fd opened without CAP_SYS_ADMIN: EPERM (%s)",
		   k ? "write" : "read", ename(err));
	}
	w = bwrite_to(a.pid, pay);
	ok(w == (long)strlen(pay) && gone(a.kids, 2) == 2, "then root reaps them (%s)",
	   ret_name(w));
	agent_end(&a);
}

/* ----------------------------------------------------- fault injection */

#define DBGFS "/sys/kernel/debug"
static const char *const fi_attr[] = { "failslab", "fail_page_alloc", "fail_usercopy" };
#define FI_N 3
#define FI_TIMES 100000000L

static int fi_set(const char *attr, const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DBGFS "/%s/%s", attr, knob);
	return write_file(path, val);
}

static long fi_times(int k)
{
	char path[128];

	snprintf(path, sizeof(path), DBGFS "/%s/times", fi_attr[k]);
	return read_long(path);
}

/* Which of the attributes the kernel has; 0 when none. */
static int fi_setup(void)
{
	int k, have = 0;
	char path[128], t[32];

	if (access(DBGFS "/failslab", F_OK))
		mount("debugfs", DBGFS, "debugfs", 0, NULL);
	snprintf(t, sizeof(t), "%ld", FI_TIMES);
	for (k = 0; k < FI_N; k++) {
		snprintf(path, sizeof(path), DBGFS "/%s/probability", fi_attr[k]);
		if (access(path, W_OK))
			continue;
		if (fi_set(fi_attr[k], "probability", "0") || fi_set(fi_attr[k], "task-filter", "Y") ||
		    fi_set(fi_attr[k], "interval", "1") || fi_set(fi_attr[k], "times", t) ||
		    fi_set(fi_attr[k], "space", "0") || fi_set(fi_attr[k], "verbose", "0"))
			continue;
		if (k < 2 && fi_set(fi_attr[k], "ignore-gfp-wait", "N"))
			continue;
		if (k == 1 && (fi_set(fi_attr[k], "ignore-gfp-highmem", "N") ||
			       fi_set(fi_attr[k], "min-order", "0")))
			continue;
		have |= 1 << k;
	}
	return have;
}

static void fi_prob(int mask, int pct)
{
	char v[8];
	int k;

	snprintf(v, sizeof(v), "%d", pct);
	for (k = 0; k < FI_N; k++)
		fi_set(fi_attr[k], "probability", mask & (1 << k) ? v : "0");
}

/* How many failures each attribute injected since @before. */
static void fi_count(const long *before, long *out)
{
	int k;

	for (k = 0; k < FI_N; k++)
		out[k] = before[k] >= 0 && fi_times(k) >= 0 ? before[k] - fi_times(k) : 0;
}

/*
 * An operation under injected faults runs in a thread of its own, which
 * sets its make-it-fail and ends with it set: nothing has to switch it off
 * (that write's own copy from user space may be the one that fails).
 * That thread must not fault a page in: a user page fault that cannot get
 * its page is retried for ever ("VM_FAULT_OOM leaked out"). Its buffer and
 * stack are not inherited by fork() (which would make them copy-on-write
 * again, locked or not), are touched before each run, and the memory is
 * locked; and no probability goes above 50 %, so that a fault we did not
 * foresee still gets its page after a few tries.
 */
enum { FI_READ, FI_OPEN_READ, FI_WRITE };

struct fi_op {
	int kind;
	pid_t parent;
	int fd;
	const char *pay;
	size_t len;
	long ret;	/* write: its return; reads: -errno or 0 */
	size_t got;	/* reads: bytes read */
};

static char fi_buf[1 << 16] __attribute__((aligned(4096)));
static char fi_stack[256 * 1024] __attribute__((aligned(4096)));

static void *fi_thread(void *arg)
{
	struct fi_op *o = arg;
	int mf = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);

	if (mf < 0 || write(mf, "1", 1) != 1) {
		o->ret = -ENOTRECOVERABLE;
		return NULL;
	}
	close(mf);
	if (o->kind == FI_WRITE) {
		o->ret = bwrite(o->fd, o->pay, o->len);
		return NULL;
	}
	if (o->kind == FI_OPEN_READ) {
		o->fd = open_rz(o->parent, O_RDONLY);
		if (o->fd < 0) {
			o->ret = -errno;
			return NULL;
		}
	}
	while (o->got + 100 <= sizeof(fi_buf)) {
		ssize_t r = read(o->fd, fi_buf + o->got, 100);

		if (r < 0)
			o->ret = -errno;
		if (r <= 0)
			break;
		o->got += r;
	}
	return NULL;
}

static void fi_run(struct fi_op *o)
{
	pthread_attr_t at;
	pthread_t th;

	o->ret = 0;
	o->got = 0;
	memset(fi_buf, 0, sizeof(fi_buf));
	memset(fi_stack, 0, sizeof(fi_stack));
	pthread_attr_init(&at);
	pthread_attr_setstack(&at, fi_stack, sizeof(fi_stack));
	if (pthread_create(&th, &at, fi_thread, o))
		die("pthread_create");
	pthread_join(th, NULL);
	pthread_attr_destroy(&at);
}

static int clean_errno(long r)
{
	return r == -ENOMEM || r == -EFAULT || r == -EAGAIN;
}

static void hist_add(long *hist, long r)
{
	hist[r < 0 && -r < 256 ? -r : 0]++;
}

static void hist_str(const long *hist, char *out, size_t size)
{
	int e;

	*out = 0;
	for (e = 1; e < 256; e++)
		if (hist[e])
			snprintf(out + strlen(out), size - strlen(out), "%s%s %ld",
				 *out ? ", " : "", ename(e), hist[e]);
	if (!*out)
		snprintf(out, size, "none");
}

/*
 * After a write of @a's zombies [0, k) that returned @r: a zombie is either
 * released (/proc gone) or still a listed zombie of its parent; none went
 * anywhere else; the write said so. Returns 1 if all holds.
 */
static int consistent(const struct agent *a, int k, long r, size_t len, int before,
		      char *why, size_t size)
{
	struct blist l = blist_read(a->pid, 1 << 16);
	int i, left = 0, bad = 0, gone_now = 0;

	for (i = 0; i < a->n; i++) {
		int there = exists(a->kids[i]);

		if (!there) {
			gone_now++;
			continue;
		}
		left++;
		if (!zombie_of(a->kids[i], a->pid) || !blist_find(&l, a->kids[i]))
			bad++;
	}
	if (l.err || l.bad || l.n != left) {
		snprintf(why, size, "listing: %d lines for %d zombies (%s)", l.n, left, ename(l.err));
		blist_free(&l);
		return 0;
	}
	blist_free(&l);
	if (bad) {
		snprintf(why, size, "%d zombies half-moved (not a listed zombie of %d)", bad, a->pid);
		return 0;
	}
	if (r == (long)len ? gone_now - before < 1 : !clean_errno(r) || gone_now != before) {
		snprintf(why, size, "write returned %s, %d of its %d zombies released",
			 ret_name(r), gone_now - before, k);
		return 0;
	}
	return 1;
}

static void faults_rw(int have)
{
	int rounds = env_long("RZ_FAULTS", 200), i, bad = 0, reads_ok = 0, writes_ok = 0;
	static const int pcts[] = { 5, 20, 35, 50 };
	long before[FI_N], inj[FI_N], rhist[256] = { 0 }, whist[256] = { 0 };
	char why[200] = "", h1[256], h2[256];
	struct agent a = agent_new(16, 0, HOW_FORK, 0, NULL);
	long r0 = read_long(REAPED), released = 0;

	for (i = 0; i < FI_N; i++)
		before[i] = fi_times(i);
	for (i = 0; i < rounds; i++) {
		int mask = (i / 4) % 4 == 3 ? have : have & (1 << ((i / 4) % 4));
		int pct = pcts[i % 4], fd, left, k, before_gone;
		char *pay = malloc(16 * 48), why1[160];
		size_t len = 0;
		struct blist l;
		long r;

		if (!mask)
			mask = have;
		if (gone(a.kids, a.n) > a.n - 4) {
			released += gone(a.kids, a.n);
			agent_end(&a);
			a = agent_new(16, 0, HOW_FORK, 0, NULL);
		}
		/* a read of the listing, 100 bytes at a time, the open included every other round */
		{
			struct fi_op o = { .kind = i & 1 ? FI_OPEN_READ : FI_READ, .parent = a.pid,
					   .fd = i & 1 ? -1 : open_rz(a.pid, O_RDONLY) };

			fi_prob(mask, pct);
			fi_run(&o);
			fi_prob(have, 0);
			fd = o.fd;
			r = o.ret;
			memset(&l, 0, sizeof(l));
			if (fd >= 0) {
				blist_parse(&l, fi_buf, o.got, r != 0);
				close(fd);
			}
		}
		hist_add(rhist, r);
		if (!r)
			reads_ok++;
		left = a.n - gone(a.kids, a.n);
		/*
		 * An open under failing allocations may also end in ENOENT:
		 * procfs's proc_pident_instantiate() answers a failed inode
		 * allocation so (seen once in 100 rounds).
		 */
		if ((r && !clean_errno(r) && !(r == -ENOENT && (i & 1) && fd < 0)) ||
		    (fd >= 0 && (l.bad || (!r && l.n != left)))) {
			if (!bad++)
				snprintf(why, sizeof(why), "read: %s, %d lines (%d bad) for %d zombies",
					 ret_name(r), fd >= 0 ? l.n : 0, fd >= 0 ? l.bad : 0, left);
		} else if (fd >= 0) {
			int j;

			for (j = 0; j < l.n; j++)
				if (!zombie_of(l.v[j].pid, a.pid) || start_of(l.v[j].pid) != l.v[j].start) {
					if (!bad++)
						snprintf(why, sizeof(why), "read: line of %d is not a zombie of %d",
							 l.v[j].pid, a.pid);
					break;
				}
		}
		if (fd >= 0)
			blist_free(&l);
		/* a write of 1-4 of the zombies left */
		k = 1 + i % 4;
		*pay = 0;
		for (int j = 0, taken = 0; j < a.n && taken < k; j++) {
			char e[48];

			if (!exists(a.kids[j]))
				continue;
			len += sprintf(pay + len, "%s%s", taken++ ? " " : "", entry(e, a.kids[j]));
		}
		before_gone = gone(a.kids, a.n);
		{
			struct fi_op o = { .kind = FI_WRITE, .fd = open_rz(a.pid, O_WRONLY),
					   .pay = pay, .len = len };

			fi_prob(mask, pct);
			fi_run(&o);
			fi_prob(have, 0);
			close(o.fd);
			r = o.ret;
		}
		hist_add(whist, r);
		writes_ok += r == (long)len;
		if (!consistent(&a, k, r, len, before_gone, why1, sizeof(why1)) && !bad++)
			snprintf(why, sizeof(why), "round %d: %s", i, why1);
		free(pay);
	}
	released += gone(a.kids, a.n);
	fi_count(before, inj);
	hist_str(rhist, h1, sizeof(h1));
	hist_str(whist, h2, sizeof(h2));
	diag("faults: %d rounds: failslab injected %ld, fail_page_alloc %ld, fail_usercopy %ld failures",
	     rounds, inj[0], inj[1], inj[2]);
	diag("faults: reads: %d complete, errors: %s; writes: %d reaped, errors: %s", reads_ok, h1,
	     writes_ok, h2);
	ok(!bad && inj[0] + inj[1] + inj[2] > 0 && reads_ok > 0 && writes_ok > 0,
	   "%d rounds of reads and batch writes with failing allocations (%ld injected): clean errnos, no zombie half-moved %s",
	   rounds, inj[0] + inj[1] + inj[2], why);
	ok(read_long(REAPED) - r0 == released,
	   "the module's reaped counter matches the zombies released (+%ld, %ld)",
	   read_long(REAPED) - r0, released);
	agent_end(&a);
}

/*
 * Every fault site in turn: /proc/thread-self/fail-nth = n fails the n-th
 * allocation or user copy this task makes from then on (whatever the
 * probabilities). An operation is repeated with n = 1, 2, ... until it
 * runs with the count left over: then every site it reaches was failed
 * once. Each failure must end in a clean errno, or be absorbed (success).
 */
static int nth_fd = -1;

static void nth_arm(int n)
{
	char b[16];
	int len = sprintf(b, "%d", n);

	if (write(nth_fd, b, len) != len)
		die("fail-nth");
}

/*
 * Did the armed failure fire? Disarms. Reading the count copies it out,
 * which counts too: EFAULT when 1 was left (then it is 0).
 */
static int nth_fired(void)
{
	char b[16];
	ssize_t r = pread(nth_fd, b, sizeof(b) - 1, 0);

	if (r < 0)
		return 0;
	b[r] = 0;
	if (!atoi(b))
		return 1;
	if (write(nth_fd, "0", 1) < 0)	/* may take the last count: EFAULT, 0 too */
		;
	return 0;
}

static void faults_nth(void)
{
	long before[FI_N], inj[FI_N], rhist[256] = { 0 }, whist[256] = { 0 };
	int n, rpoints = -1, wpoints = -1, bad = 0, fired_r = 0, fired_w = 0, cap = 2000;
	char why[200] = "", why1[160], h1[256], h2[256];
	struct agent a = agent_new(12, 0, HOW_FORK, 0, NULL);

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (!ok(nth_fd >= 0, "/proc/thread-self/fail-nth opens (%s)", nth_fd < 0 ? ename(errno) : "yes")) {
		agent_end(&a);
		return;
	}
	for (n = 0; n < FI_N; n++)
		before[n] = fi_times(n);
	/* the read: open, 100 bytes at a time to the end */
	for (n = 1; n <= cap && rpoints < 0; n++) {
		size_t len = 0;
		int fd, err = 0, fired, left;
		struct blist l = { 0 };

		nth_arm(n);
		fd = open_rz(a.pid, O_RDONLY);
		if (fd < 0)
			err = errno;
		while (fd >= 0 && len + 100 <= sizeof(fi_buf)) {
			ssize_t r = read(fd, fi_buf + len, 100);

			if (r < 0)
				err = errno;
			if (r <= 0)
				break;
			len += r;
		}
		fired = nth_fired();
		if (fd >= 0)
			close(fd);
		fired_r += fired;
		hist_add(rhist, -err);
		blist_parse(&l, fi_buf, len, err != 0);
		left = a.n - gone(a.kids, a.n);
		if ((err && !clean_errno(-err)) || l.bad || (!err && l.n != left) ||
		    (!fired && err)) {
			if (!bad++)
				snprintf(why, sizeof(why), "read, site %d: %s, %d lines (%d bad) for %d zombies%s",
					 n, ename(err), l.n, l.bad, left, fired ? "" : ", nothing injected");
		}
		blist_free(&l);
		if (!fired)
			rpoints = n - 1;
	}
	/* the write: a stale entry, then two zombies */
	for (n = 1; n <= cap && wpoints < 0; n++) {
		char pay[160], e[2][48];
		int fd, fired, g, g2;
		long r;

		if (a.n - gone(a.kids, a.n) < 2) {
			agent_end(&a);
			a = agent_new(12, 0, HOW_FORK, 0, NULL);
		}
		for (g = 0; !exists(a.kids[g]); g++)
			;
		for (g2 = g + 1; !exists(a.kids[g2]); g2++)
			;
		snprintf(pay, sizeof(pay), "%d:%llu %s\n%s", a.kids[g], start_of(a.kids[g]) + 7,
			 entry(e[0], a.kids[g]), entry(e[1], a.kids[g2]));
		g = gone(a.kids, a.n);
		fd = open_rz(a.pid, O_WRONLY);
		nth_arm(n);
		r = bwrite(fd, pay, strlen(pay));
		fired = nth_fired();
		close(fd);
		fired_w += fired;
		hist_add(whist, r);
		if ((!consistent(&a, 2, r, strlen(pay), g, why1, sizeof(why1)) ||
		     (!fired && r != (long)strlen(pay))) && !bad++)
			snprintf(why, sizeof(why), "write, site %d: %s", n, why1);
		if (!fired)
			wpoints = n - 1;
	}
	close(nth_fd);
	fi_count(before, inj);
	hist_str(rhist, h1, sizeof(h1));
	hist_str(whist, h2, sizeof(h2));
	diag("faults: every site in turn: a read reaches %d, a batch write %d; failed %d and %d times (failslab %ld, fail_page_alloc %ld, fail_usercopy %ld)",
	     rpoints, wpoints, fired_r, fired_w, inj[0], inj[1], inj[2]);
	diag("faults: reads: %s; writes: %s", h1, h2);
	ok(!bad && rpoints > 0 && wpoints > 0,
	   "each fault site of a read (%d) and of a batch write (%d) failed once: clean errnos or absorbed, no zombie half-moved %s",
	   rpoints, wpoints, why);
	agent_end(&a);
}

static pid_t find_comm(const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && (e = readdir(d)) && !found) {
		char path[64];
		pid_t p = atoi(e->d_name);

		if (p <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", p);
		if (!strcmp(read_str(path), comm))
			found = p;
	}
	if (d)
		closedir(d);
	return found;
}

/* zombie_reaper's allocations fail: the carrier's kthread_create() with them. */
static void faults_carrier(int have)
{
	pid_t reaper = find_comm("zombie_reaper");
	struct agent a = agent_new(8, 0, HOW_FORK, 0, NULL);
	long before[FI_N], inj[FI_N], hist[256] = { 0 }, w;
	char path[64], why[200] = "", why1[160], h[256], e[48];
	int i, bad = 0, fails = 0;

	if (!ok(reaper > 0, "zombie_reaper is pid %d", reaper)) {
		agent_end(&a);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", reaper);
	for (i = 0; i < FI_N; i++)
		before[i] = fi_times(i);
	fi_prob(have & 1, 100);
	write_file(path, "1");
	for (i = 0; i < 4; i++) {
		int g = gone(a.kids, a.n);
		int fd = open_rz(a.pid, O_WRONLY);

		entry(e, a.kids[i]);
		w = bwrite(fd, e, strlen(e));
		close(fd);
		hist_add(hist, w);
		fails += w == -ENOMEM;
		if (!consistent(&a, 1, w, strlen(e), g, why1, sizeof(why1)) && !bad++)
			snprintf(why, sizeof(why), "write %d: %s", i, why1);
	}
	write_file(path, "0");
	fi_prob(have, 0);
	fi_count(before, inj);
	hist_str(hist, h, sizeof(h));
	diag("faults: zombie_reaper failing: failslab injected %ld failures; writes: %s", inj[0], h);
	ok(!bad && fails > 0 && inj[0] > 0,
	   "zombie_reaper's kmalloc (the carrier's kthread_create) failing: writes end in ENOMEM, nothing half-moved (%d ENOMEM) %s",
	   fails, why);
	ok(proc_state(reaper) == 'S' || proc_state(reaper) == 'R' || proc_state(reaper) == 'I',
	   "zombie_reaper is still there (state %c)", proc_state(reaper));
	{
		struct pieces pc;
		int fd = open_rz(a.pid, O_WRONLY), left = a.n - gone(a.kids, a.n);
		pid_t rest[8];
		int nr = 0;

		for (i = 0; i < a.n; i++)
			if (exists(a.kids[i]))
				rest[nr++] = a.kids[i];
		{
			struct agent b = a;

			b.kids = rest;
			b.n = nr;
			pieces_make(&pc, &b, 0, nr, NULL);
		}
		w = bwrite(fd, pc.buf, pc.len[0]);
		close(fd);
		ok(w == (long)pc.len[0] && gone(a.kids, a.n) == a.n,
		   "then the module works: the %d left reaped in one write (%s)", left, ret_name(w));
		free(pc.buf);
	}
	agent_end(&a);
}

static void test_faults(void)
{
	int have = fi_setup();
	struct agent a;
	struct blist l;
	long w;
	char e[48];

	if (!(have & 3)) {
		ok(1, "fault injection # SKIP the kernel has no failslab/fail_page_alloc in debugfs");
		return;
	}
	diag("faults: failslab %s, fail_page_alloc %s, fail_usercopy %s", have & 1 ? "yes" : "no",
	     have & 2 ? "yes" : "no", have & 4 ? "yes" : "no");
	if (madvise(fi_buf, sizeof(fi_buf), MADV_DONTFORK) ||
	    madvise(fi_stack, sizeof(fi_stack), MADV_DONTFORK))
		diag("faults: madvise(MADV_DONTFORK): %s", ename(errno));
	memset(fi_buf, 0, sizeof(fi_buf));
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		diag("faults: mlockall: %s", ename(errno));
	faults_rw(have);
	faults_nth();
	if (have & 1)
		faults_carrier(have);
	fi_prob(have, 0);
	munlockall();
	/* the module still works, self form and batch */
	a = agent_new(17, 0, HOW_FORK, 0, NULL);
	l = blist_read(a.pid, 100);
	ok(!l.err && !l.bad && l.n == 17, "after the faults: a listing of 17 complete (%d lines)",
	   l.n);
	blist_free(&l);
	w = reap(a.kids[16]);
	ok(!w && !exists(a.kids[16]), "the self form reaps (%s)", ename(w));
	{
		struct pieces pc;

		a.n = 16;
		pieces_make(&pc, &a, 0, 16, NULL);
		w = bwrite_to(a.pid, (pc.buf[pc.len[0]] = 0, pc.buf));
		ok(w == (long)pc.len[0] && gone(a.kids, 16) == 16, "a batch reaps 16 (%s)",
		   ret_name(w));
		free(pc.buf);
	}
	(void)e;
	agent_end(&a);
}

static void test_unload(void)
{
	struct stat st;

	unload_last();
	ok(stat("/proc/self/" MODNAME, &st) < 0 && errno == ENOENT,
	   "after rmmod no /proc/<pid>/reap_zombie is left");
}

static const struct rz_test tests[] = {
	T(load),    T(mode),	 T(fields),    T(threads),  T(comm),
	T(pidns),   T(dead_ms),	 T(grammar),   T(stale),    T(foreign),
	T(livechild), T(partial), T(writers4), T(waitrace), T(pidsmax),
	T(perm),    T(big),	 T(faults),    T(unload),
};

int main(int argc, char **argv)
{
	return run_tests(argc, argv, "rzbatch", tests,
			 sizeof(tests) / sizeof(tests[0]));
}
