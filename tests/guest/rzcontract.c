// SPDX-License-Identifier: GPL-2.0
/*
 * rzcontract: the /proc/<pid>/reap_zombie contract, run as root inside the
 * QEMU guest, after rzbatch (the guest runs its programs in name order).
 *
 *   rzcontract MODULE.ko
 *
 * Loads the module with finit_module() (a wrong address refused first),
 * runs every scenario of the contract against real zombies, then unloads
 * it. Prints TAP on stdout; exits 0 when every test passed. Knobs (rz.NAME=N
 * on the guest's command line): rz.many (2000), rz.rounds (races, 1000).
 */
#include "rzlib.h"

/* ------------------------------------------------------------------ tests */

#define CARRIERS "/sys/module/reap_zombie/parameters/carriers"
/* kmod/reaper.c's RZ_GATHER_US */
#define GATHER_MS 2.0

/* Does /proc/kallsyms know @name (a data symbol: KALLSYMS_ALL)? */
static int kallsyms_has(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", sym) == 1 &&
			!strcmp(sym, name);
	fclose(f);
	return found;
}

/*
 * A wrong address is refused. Load-only test parameters move each address
 * the module finds before it is verified, by sprint_symbol() where
 * kallsyms has data symbols, by the second means where it has not: the
 * load must fail with ENXIO and one line that says why.
 */
static void wrong_address(void)
{
	static const struct {
		const char *param, *what;
	} c[] = {
		{ "test_skew_tasklist_lock=64", "tasklist_lock" },
		{ "test_skew_tasklist_lock=4", "tasklist_lock" },
		{ "test_skew_tgid_base=40", "tgid_base_stuff" },
		{ "test_skew_tgid_base=-8", "tgid_base_stuff" },
	};
	char last[512];
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int before = kmsg_count(MODNAME ": ", NULL, 0), after, err;

		err = load_module_params(c[i].param);
		after = kmsg_count(MODNAME ": ", last, sizeof(last));
		/* the taint lines come with the first load of a boot */
		ok(err == ENXIO && !module_loaded() && after > before &&
		   kmsg_count(MODNAME ": ", NULL, 0) == after &&
		   strstr(last, "cannot load: ") && strstr(last, c[i].what),
		   "%s: the load is refused (%s): \"%s\"", c[i].param,
		   ename(err), after > before ? last : "no log line");
		if (!err)
			unload_module_retry();
	}
}

static void test_load(void)
{
	int kallsyms = kallsyms_has("tasklist_lock");

	wrong_address();	/* first, while the module is not loaded */
	load_or_bail();
	ok(!strcmp(read_str(PARAM), "Y"), "parameter enabled reads Y (%s)",
	   read_str(PARAM));
	/*
	 * With data symbols in kallsyms both addresses are verified by it;
	 * without (arm64 6.1) by two means each, which the line names.
	 */
	if (kallsyms)
		ok(kmsg_has(MODNAME ": version ") &&
		   kmsg_has("tasklist_lock tasklist_lock+0x0/") &&
		   kmsg_has("via kill_pgrp() (verified by kallsyms)") &&
		   kmsg_has("via proc_pident_lookup() (verified by kallsyms)"),
		   "load line names the verified resolution path (kallsyms)");
	else
		ok(kmsg_has(MODNAME ": version ") &&
		   kmsg_has("via kill_pgrp() (no kallsyms data symbols: decoded from its code, seen read-held inside it)") &&
		   kmsg_has("via proc_pident_lookup() (no kallsyms data symbols: passed by proc_tgid_base_lookup(), decoded from it)"),
		   "load line names the two means that verified each address (no data symbols in kallsyms)");
}

static void test_presence(void)
{
	char path[96];
	struct stat st;
	int r;

	r = stat("/proc/self/" MODNAME, &st);
	ok(!r && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600,
	   "/proc/self/reap_zombie is a regular file, mode 0600 (%o)",
	   r ? 0 : st.st_mode);
	ok(dir_has("/proc/self", MODNAME), "readdir of /proc/<pid> lists it");
	snprintf(path, sizeof(path), "/proc/self/task/%d/" MODNAME, gettid());
	ok(stat(path, &st) < 0 && errno == ENOENT,
	   "not in /proc/<pid>/task/<tid>/ (lookup)");
	snprintf(path, sizeof(path), "/proc/self/task/%d", gettid());
	ok(!dir_has(path, MODNAME), "not in /proc/<pid>/task/<tid>/ (readdir)");
	ok(dir_has("/proc/1", MODNAME) && dir_has("/proc/2", MODNAME),
	   "present for init and kernel threads");
}

static void test_reap_one(void)
{
	struct agent a = agent_new(1, 42, HOW_FORK, 0, CG);
	pid_t z = a.kids[0];
	long before = read_long(CG "/pids.current");
	char needle[128];
	struct reply r;
	int err;

	err = reap(z);
	ok(!err, "reap one zombie of a sleeping parent (%s)", ename(err));
	ok(!exists(z), "/proc/%d is gone when write() returns", z);
	ok(before == 2 && read_long(CG "/pids.current") == 1,
	   "cgroup pids.current dropped when write() returns (%ld -> %ld)",
	   before, read_long(CG "/pids.current"));
	r = agent_ask(&a, 'w');
	ok(r.ret == -1 && r.err == ECHILD,
	   "the parent's waitpid() then fails with ECHILD (%ld, %s)", r.ret,
	   ename(r.err));
	snprintf(needle, sizeof(needle),
		 MODNAME ": reaped pid %d (rz-zombie), exit 42, parent %d (rz-parent), requested by uid 0 pid %d (rzcontract)",
		 z, a.pid, getpid());
	ok(kmsg_has(needle), "kernel log: %s", needle);
	agent_end(&a);

	a = agent_new(1, 0, HOW_FORK, 0, NULL);
	{
		int fd = open_reap(a.kids[0]);

		err = fd < 0 ? errno : write_fd(fd, "1\n", 2);
		if (fd >= 0)
			close(fd);
	}
	ok(!err && !exists(a.kids[0]), "payload \"1\\n\" reaps too (%s)",
	   ename(err));
	agent_end(&a);
}

static void test_payloads(void)
{
	static const struct {
		const char *name;
		const char *buf;
		size_t len;
	} bad[] = {
		{ "\"0\"", "0", 1 },	 { "\"11\"", "11", 2 },
		{ "\"1 \"", "1 ", 2 },	 { "empty", "", 0 },
		{ "\"\\n1\"", "\n1", 2 }, { "\"1\\n\\n\"", "1\n\n", 3 },
		{ "\"1\\0\"", "1", 2 },	 { "\"y\"", "y", 1 },
	};
	static char big[4096];
	struct agent a = agent_new(1, 0, HOW_FORK, 0, NULL);
	pid_t z = a.kids[0];
	unsigned int i;
	int fd, err;

	fd = open_reap(z);
	if (fd < 0)
		die("open reap_zombie");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = write_fd(fd, bad[i].buf, bad[i].len);
		ok(err == EINVAL && proc_state(z) == 'Z',
		   "payload %s: EINVAL, zombie untouched (%s)", bad[i].name,
		   ename(err));
	}
	memset(big, '1', sizeof(big));
	err = write_fd(fd, big, sizeof(big));
	ok(err == EINVAL && proc_state(z) == 'Z',
	   "payload of 4 KiB: EINVAL, zombie untouched (%s)", ename(err));
	err = pwrite(fd, "1", 1, 5) < 0 ? errno : 0;
	ok(err == ESPIPE && proc_state(z) == 'Z',
	   "pwrite() at an offset: ESPIPE, zombie untouched (%s)", ename(err));
	err = write_fd(fd, "1", 1);
	ok(!err && !exists(z), "the same fd then reaps with \"1\" (%s)",
	   ename(err));
	close(fd);
	agent_end(&a);
}

/* A process without CAP_SYS_ADMIN opens the file and passes us the fd. */
static int try_passed_fd(pid_t z)
{
	int fd = passed_fd(z, O_WRONLY), err;

	if (fd < 0)
		return -1;
	err = write_fd(fd, "1", 1);	/* we are fully privileged */
	close(fd);
	return err;
}

static void test_privilege(void)
{
	struct agent a = agent_new(1, 0, HOW_FORK, 0, NULL);
	pid_t z = a.kids[0];
	int err;

	err = try_priv(z, P_OPEN_UNPRIV, "1");
	ok(err == EACCES && proc_state(z) == 'Z',
	   "non-root cannot open a zombie's file: EACCES (%s)", ename(err));
	err = try_priv(z, P_SETUID, "1");
	ok(err == EPERM && proc_state(z) == 'Z',
	   "opened by root, written after setuid(65534): EPERM (%s)",
	   ename(err));
	err = try_priv(z, P_USERNS, "1");
	ok(err == EPERM && proc_state(z) == 'Z',
	   "root inside a new user namespace: EPERM (%s)", ename(err));
	err = try_priv(z, P_NOCAP_AFTER_OPEN, "1");
	ok(err == EPERM && proc_state(z) == 'Z',
	   "uid 0 without CAP_SYS_ADMIN: EPERM (%s)", ename(err));
	err = try_passed_fd(z);
	ok(err == EPERM && proc_state(z) == 'Z',
	   "fd opened without CAP_SYS_ADMIN, written by root: EPERM (%s)",
	   ename(err));
	agent_end(&a);
}

static void test_not_zombie(void)
{
	pid_t run, slp, stp;
	int err;

	run = fork();
	if (!run)
		for (;;)
			;
	slp = fork();
	if (!slp)
		for (;;)
			pause();
	stp = fork();
	if (!stp)
		for (;;)
			pause();
	kill(stp, SIGSTOP);
	wait_state(run, 'R', 2000);
	wait_state(slp, 'S', 2000);
	wait_state(stp, 'T', 2000);

	err = reap(run);
	ok(err == EBUSY && proc_state(run) == 'R', "running process: EBUSY (%s)",
	   ename(err));
	err = reap(slp);
	ok(err == EBUSY && proc_state(slp) == 'S', "sleeping process: EBUSY (%s)",
	   ename(err));
	err = reap(stp);
	ok(err == EBUSY && proc_state(stp) == 'T', "stopped process: EBUSY (%s)",
	   ename(err));
	err = reap(2);
	ok(err == EBUSY && exists(2), "kernel thread kthreadd: EBUSY (%s)",
	   ename(err));
	err = reap(1);
	ok(err == EBUSY && exists(1), "init: EBUSY (%s)", ename(err));
	err = reap(getpid());
	ok(err == EBUSY, "the writer itself: EBUSY (%s)", ename(err));
	kill(run, SIGKILL);
	kill(slp, SIGKILL);
	kill(stp, SIGKILL);
	waitpid(run, NULL, 0);
	waitpid(slp, NULL, 0);
	waitpid(stp, NULL, 0);
}

static void test_traced(void)
{
	int go[2], sync[2], quit[2];
	pid_t c, t;
	char b = 0;
	int err, st;

	if (pipe(go) || pipe(sync) || pipe(quit))
		die("pipe");
	c = fork();
	if (!c) {
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		_exit(7);
	}
	t = fork();
	if (!t) {
		close(quit[1]);
		if (ptrace(PTRACE_SEIZE, c, 0, 0))
			_exit(1);
		if (write(sync[1], &b, 1) != 1)
			_exit(2);
		if (read(quit[0], &b, 1) < 0)
			_exit(3);
		_exit(0);	/* without waiting for the tracee */
	}
	if (read(sync[0], &b, 1) != 1 || write(go[1], &b, 1) != 1)
		die("tracer did not attach");
	wait_state(c, 'Z', 5000);
	ok(status_field(c, "TracerPid:") == t, "zombie %d is traced by %d", c,
	   t);
	err = reap(c);
	ok(err == EBUSY && proc_state(c) == 'Z',
	   "traced zombie: EBUSY, untouched (%s)", ename(err));
	close(quit[1]);
	waitpid(t, NULL, 0);
	err = reap(c);
	ok(!err && !exists(c), "once the tracer is gone, it is reaped (%s)",
	   ename(err));
	ok(waitpid(c, &st, WNOHANG) < 0 && errno == ECHILD,
	   "and its parent has nothing to wait for");
	close(go[0]);
	close(go[1]);
	close(sync[0]);
	close(sync[1]);
	close(quit[0]);
}

static void test_live_thread(void)
{
	pid_t c, tid = 0, v = 0;
	char path[96];
	int err, st;

	c = vfork_group(&tid, &v);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", c, tid);
	ok(wait_state(c, 'Z', 5000) && wait_state_path(path, 'D', 5000),
	   "leader %d is a zombie, its thread %d is in D (vfork)", c, tid);
	err = reap(c);
	ok(err == ENOTEMPTY && proc_state(c) == 'Z' && task_state(path) == 'D',
	   "zombie leader with a live thread: ENOTEMPTY, untouched (%s)",
	   ename(err));
	kill(v, SIGKILL);
	ok(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 9,
	   "the group then ends normally and its parent reaps it");
	while (reap_any_child(WNOHANG | __WALL, &st) > 0)
		;
}

static void test_reaped_meanwhile(void)
{
	struct agent a = agent_new(1, 3, HOW_FORK, 0, NULL);
	pid_t z = a.kids[0];
	struct reply r;
	int fd, err;

	fd = open_reap(z);
	r = agent_ask(&a, 'w');
	ok(r.ret == z, "the parent reaps its zombie itself");
	err = fd < 0 ? -1 : write_fd(fd, "1", 1);
	ok(err == ESRCH, "a file opened before: ESRCH (%s)", ename(err));
	if (fd >= 0)
		close(fd);
	agent_end(&a);
}

/*
 * A pid namespace whose init never waits. Its /proc shows namespace pids;
 * a file opened there on zombie 2 must not reach the next process 2.
 */
#define NSPROC "/tmp/rz-nsproc"
static int ns_cmd[2], ns_rep[2];

/*
 * In ns_init: fork a child that exits with @code at once, report its pid,
 * wait for the next command; a failed write exits with @err, a failed
 * read with @err + 1.
 */
static pid_t ns_zombie(int code, int err)
{
	pid_t z = fork();
	char b;

	if (!z)
		_exit(code);
	if (write(ns_rep[1], &z, sizeof(z)) != sizeof(z))
		_exit(err);
	if (read(ns_cmd[0], &b, 1) != 1)
		_exit(err + 1);
	return z;
}

static int ns_init(void *unused)
{
	pid_t x;
	char b;

	prctl(PR_SET_NAME, "rz-nsinit");
	if (mount("proc", NSPROC, "proc", 0, NULL))
		_exit(1);
	/* 1: reap x, make pid 2 come back as a new zombie */
	x = ns_zombie(1, 2);
	waitpid(x, NULL, 0);
	if (write_file("/proc/sys/kernel/ns_last_pid", "1"))
		_exit(4);
	/* 2: report whether anything is left */
	ns_zombie(2, 5);
	b = waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD;
	if (write(ns_rep[1], &b, 1) != 1)
		_exit(7);
	umount(NSPROC);
	_exit(0);
}

static void test_pid_namespace(void)
{
	pid_t init, nsz, gz;
	char path[96], b = 1;
	int fd, err, st;

	init = ns_start(ns_init, ns_cmd, ns_rep, NSPROC);
	if (read(ns_rep[0], &nsz, sizeof(nsz)) != sizeof(nsz))
		die("namespace init");
	snprintf(path, sizeof(path), NSPROC "/%d/stat", nsz);
	wait_state_path(path, 'Z', 5000);
	snprintf(path, sizeof(path), NSPROC "/%d/" MODNAME, nsz);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok(fd >= 0, "opened %s on a zombie of the namespace", path);

	if (write(ns_cmd[1], &b, 1) != 1 ||
	    read(ns_rep[0], &nsz, sizeof(nsz)) != sizeof(nsz))
		die("namespace init");
	snprintf(path, sizeof(path), NSPROC "/%d/stat", nsz);
	wait_state_path(path, 'Z', 5000);
	ok(nsz == 2, "pid 2 of the namespace was reused (%d)", nsz);
	err = fd < 0 ? -1 : write_fd(fd, "1", 1);
	ok(err == ESRCH && task_state(path) == 'Z',
	   "stale fd after pid reuse: ESRCH, the newcomer untouched (%s)",
	   ename(err));
	if (fd >= 0)
		close(fd);

	gz = global_pid(init, nsz);
	snprintf(path, sizeof(path), NSPROC "/%d/" MODNAME, nsz);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	err = fd < 0 ? errno : write_fd(fd, "1", 1);
	if (fd >= 0)
		close(fd);
	ok(!err && gz > 0 && !exists(gz),
	   "zombie inside a pid namespace reaped (global pid %d) (%s)", gz,
	   ename(err));
	if (write(ns_cmd[1], &b, 1) != 1 || read(ns_rep[0], &b, 1) != 1)
		b = 0;
	ok(b == 1, "the namespace init has no child left (waitpid: ECHILD)");
	waitpid(init, &st, 0);
	close(ns_cmd[0]);
	close(ns_cmd[1]);
	close(ns_rep[0]);
	close(ns_rep[1]);
	rmdir(NSPROC);
}

static void test_clone_exit_signal(void)
{
	static const struct {
		int how;
		const char *name;
	} kinds[] = { { HOW_CLONE_SIGUSR1, "SIGUSR1" }, { HOW_CLONE_NOSIG, "0" } };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct agent a = agent_new(1, 5, kinds[k].how, 1, NULL);
		pid_t z = a.kids[0], live = a.kids[1];
		long sw0, sw1;
		struct reply r;
		char c = 'w';
		int err;

		/* the parent blocks in waitpid(-1): only the live child counts */
		if (write(a.cmd, &c, 1) != 1)
			die("agent");
		wait_state(a.pid, 'S', 2000);
		msleep(50);
		sw0 = status_field(a.pid, "voluntary_ctxt_switches:");
		err = reap(z);
		msleep(50);
		sw1 = status_field(a.pid, "voluntary_ctxt_switches:");
		ok(!err && !exists(z),
		   "clone() child with exit signal %s reaped (%s)",
		   kinds[k].name, ename(err));
		ok(sw1 > sw0, "the parent blocked in waitpid() was woken (%ld -> %ld switches)",
		   sw0, sw1);
		kill(live, SIGKILL);
		if (read(a.rep, &r, sizeof(r)) != sizeof(r))
			r.ret = -2;
		ok(r.ret == live, "its waitpid() goes on and returns the live child");
		r = agent_ask(&a, 'a');
		ok(r.ret == -1 && r.err == ECHILD,
		   "then waitpid(__WALL) finds nothing (%s)", ename(r.err));
		agent_end(&a);
	}
}

static void test_race_waitpid(void)
{
	struct race r = { .fd = -1 };
	int rounds = env_long("RZ_ROUNDS", 1000), i, ours = 0, theirs = 0;
	int bad = 0, st;

	racer_start(&r.rc, race_write, &r);
	for (i = 0; i < rounds; i++) {
		pid_t c = fork(), w;

		if (!c)
			_exit(i & 0x7f);
		wait_state(c, 'Z', 5000);
		r.fd = open_reap(c);
		racer_go(&r.rc);
		if (i & 1)	/* give the writer a head start every other round */
			msleep(1);
		w = waitpid(c, &st, 0);
		racer_go(&r.rc);
		if (r.fd >= 0)
			close(r.fd);
		if (!r.err && w < 0 && errno == ECHILD)
			ours++;
		else if (r.err == ESRCH && w == c && WEXITSTATUS(st) == (i & 0x7f))
			theirs++;
		else
			bad++;
		if (exists(c))
			bad++;
	}
	racer_stop(&r.rc);
	diag("race with waitpid(): module %d, parent %d, neither or both %d",
	     ours, theirs, bad);
	ok(!bad && ours + theirs == rounds && ours && theirs,
	   "%d rounds racing the parent's waitpid(): each zombie reaped exactly once, both sides won",
	   rounds);
}

/* The parent dies while its zombies are being reaped through the files. */
static void test_parent_exits(void)
{
	int n = 200, i, mine = 0, twice = 0, st;
	struct agent a = agent_new(n, 0, HOW_FORK, 0, NULL);
	struct bulk b = { .pids = a.kids, .n = n, .stride = 1 };
	char *seen = calloc(n, 1);
	pthread_t th;
	pid_t w;

	pthread_create(&th, NULL, bulk_writer, &b);
	while (atomic_load(&b.done) < n / 4)
		msleep(1);
	kill(a.pid, SIGKILL);
	waitpid(a.pid, &st, 0);
	/*
	 * The orphans came to us, the subreaper: reap them with waitpid()
	 * while the writer goes on, then whatever is left.
	 */
	for (;;) {
		int writing = atomic_load(&b.done) < n;

		while ((w = reap_any_child(WNOHANG | __WALL, &st)) > 0)
			for (i = 0; i < n; i++)
				if (a.kids[i] == w) {
					twice += seen[i];
					seen[i] = 1;
					mine++;
				}
		if (!writing)
			break;
	}
	pthread_join(th, NULL);
	diag("parent killed mid-way: module reaped %d, subreaper reaped %d",
	     b.reaped, mine);
	ok(b.reaped + mine == n && !twice && !b.other && b.reaped >= n / 4 &&
	   mine > 0,
	   "parent exiting while its %d zombies are reaped: each reaped once",
	   n);
	for (i = 0; i < n && !exists(a.kids[i]); i++)
		;
	ok(i == n, "none of them is left");
	close(a.cmd);
	close(a.rep);
	free(a.kids);
	free(seen);
}

static void test_many(void)
{
	int n = MANY(), reaped, other, i, left;
	struct agent ref = agent_new(n, 0, HOW_FORK, 0, NULL);
	double t_wait, t_one = 0, t_many = 0;
	struct reply r;

	r = agent_ask(&ref, 'L');
	t_wait = r.ret / 1e9;
	ok(r.status == n, "reference: the parent's own waitpid() loop over %d zombies",
	   n);
	agent_end(&ref);

	for (i = 0; i < 2; i++) {
		int threads = i ? 16 : 1;
		struct agent a = agent_new(n, 0, HOW_FORK, 0, CG);
		long before = read_long(CG "/pids.current");
		long r0 = read_long(REAPED), c0 = read_long(CARRIERS);
		double back, t = bulk_reap(&a, threads, &reaped, &other, &back);
		long dr = read_long(REAPED) - r0, dc = read_long(CARRIERS) - c0;
		int j, least;

		for (left = 0, j = 0; j < n; j++)
			left += exists(a.kids[j]);
		ok(reaped == n && !other && !left,
		   "%d zombies reaped through the files by %d writer%s (%d reaped, %d errors, %d left)",
		   n, threads, threads > 1 ? "s" : "", reaped, other, left);
		/*
		 * Concurrent writes share a carrier; one writer gets batches
		 * of one. After answering writers the module waits up to
		 * GATHER_MS for them to come back: where they do (0.1-0.4 ms
		 * on the Debian kernels under TCG) a carrier takes about 14.
		 * Where they take longer (some 30 ms on the debug kernel,
		 * whose open() alone takes 2-25 ms), only those that come
		 * back while a carrier is out share the next: about 5.
		 */
		least = threads == 1 ? 1 : back <= GATHER_MS ? 4 : 2;
		ok(dr == n && dc > 0 && (threads == 1 ? dc == n : dr >= least * dc),
		   "parameters: reaped +%ld, carriers +%ld, %.1f zombies per carrier (%s %d: writers back in %.2f ms)",
		   dr, dc, dc ? (double)dr / dc : 0,
		   threads == 1 ? "exactly" : "at least", least, back);
		ok(before == n + 1 && read_long(CG "/pids.current") == 1,
		   "cgroup pids.current back from %ld to %ld", before,
		   read_long(CG "/pids.current"));
		r = agent_ask(&a, 'a');
		ok(r.ret == -1 && r.err == ECHILD,
		   "the parent has no child left (%s)", ename(r.err));
		agent_end(&a);
		if (i)
			t_many = t;
		else
			t_one = t;
	}
	diag("%d zombies: parent's waitpid loop %.0f/s; files, 1 writer %.0f/s (%.2f x); 16 writers %.0f/s (%.2f x)",
	     n, n / t_wait, n / t_one, t_wait / t_one, n / t_many,
	     t_wait / t_many);
	printf("# RATE waitpid=%.0f one=%.0f sixteen=%.0f\n", n / t_wait,
	       n / t_one, n / t_many);
}

static const struct rz_test tests[] = {
	T(load),	   T(presence),	      T(reap_one),
	T(payloads),	   T(privilege),      T(not_zombie),
	T(traced),	   T(live_thread),    T(reaped_meanwhile),
	T(pid_namespace),  T(clone_exit_signal), T(race_waitpid),
	T(parent_exits),   T(many),
	{ "unload", unload_none_left },
};

int main(int argc, char **argv)
{
	return run_tests(argc, argv, "rzcontract", tests,
			 sizeof(tests) / sizeof(tests[0]));
}
