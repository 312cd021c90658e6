// SPDX-License-Identifier: GPL-2.0
/*
 * rztool: zombiectl against the module, run as root inside the QEMU guest
 * after rzstress (the guest runs its programs in name order).
 *
 *   rztool MODULE.ko
 *
 * Loads the module, runs zombiectl (/bin/zombiectl in the guest) on real
 * zombies: status, list, why and reap, their JSON (-J) checked by a strict
 * syntax check, bad input, --children-of, --all with --grace, and unload;
 * then unloads the module. Prints TAP on stdout; exits 0 when every test
 * passed. Knob (rz.NAME=N on the guest's command line): rz.many (2000).
 */
#include "rzlib.h"

/* ------------------------------------------------------------------ tests */

/* A strict enough JSON syntax check. */
static const char *js;

static void jws(void)
{
	while (*js == ' ' || *js == '\n' || *js == '\t')
		js++;
}

static int jvalue(void);

static int jstring(void)
{
	if (*js++ != '"')
		return 0;
	while (*js && *js != '"') {
		if ((unsigned char)*js < 0x20)
			return 0;
		js += *js == '\\' ? 2 : 1;
	}
	return *js++ == '"';
}

static int jvalue(void)
{
	jws();
	if (*js == '{' || *js == '[') {
		char close = *js == '{' ? '}' : ']';
		int obj = *js++ == '{';

		jws();
		if (*js == close)
			return js++, 1;
		for (;;) {
			jws();
			if (obj && (!jstring() || (jws(), *js++ != ':')))
				return 0;
			if (!jvalue())
				return 0;
			jws();
			if (*js == ',') {
				js++;
				continue;
			}
			return *js++ == close;
		}
	}
	if (*js == '"')
		return jstring();
	if (!strncmp(js, "true", 4) || !strncmp(js, "null", 4))
		return js += 4, 1;
	if (!strncmp(js, "false", 5))
		return js += 5, 1;
	if (*js == '-' || (*js >= '0' && *js <= '9')) {
		js++;
		while ((*js >= '0' && *js <= '9') || *js == '.')
			js++;
		return 1;
	}
	return 0;
}

static int valid_json(const char *s)
{
	js = s;
	if (!jvalue())
		return 0;
	jws();
	return !*js;
}

static int count_lines(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

static void test_zombiectl_status(void)
{
	zctl("status", "-J", NULL);
	ok(zr.rc == 0 && valid_json(zr.out) &&
	   strstr(zr.out, "\"loaded\":true") && strstr(zr.out, "\"enabled\":true") &&
	   strstr(zr.out, "\"hook\":true") && !strstr(zr.out, "\"reaper_pid\":0"),
	   "zombiectl status -J: loaded, enabled, zombie_reaper found, hook present (%s)",
	   zr.out);
	zctl("status", NULL);
	ok(zr.rc == 0 && strstr(zr.out, "zombie_reaper: pid "),
	   "zombiectl status names the zombie_reaper thread");
}

static void test_zombiectl_sleeping_parent(void)
{
	struct agent a = agent_new(2, 3, HOW_FORK, 0, NULL);
	char pid[16], pid2[16], want[128];

	snprintf(pid, sizeof(pid), "%d", a.kids[0]);
	snprintf(pid2, sizeof(pid2), "%d", a.kids[1]);
	zctl("list", "-J", NULL);
	snprintf(want, sizeof(want), "\"pid\":%d,\"comm\":\"rz-zombie\",\"ppid\":%d",
		 a.kids[0], a.pid);
	ok(zr.rc == 0 && valid_json(zr.out) && strstr(zr.out, want) &&
	   strstr(zr.out, "\"exit\":\"exit 3\"") && strstr(zr.out, "\"pid_max\":"),
	   "list -J: valid JSON naming the zombie, its parent and exit 3");
	zctl("list", NULL);
	ok(zr.rc == 0 && strstr(zr.out, "2 zombies of pid") &&
	   strstr(zr.out, "rz-parent, sleeping"),
	   "list: table with the per-parent count");
	zctl("reap", pid, NULL);
	ok(zr.rc == 1 && strstr(zr.err, "grace period") && proc_state(a.kids[0]) == 'Z',
	   "reap refuses a zombie younger than the grace period, at once (%s)",
	   zr.err);
	zctl("reap", "--dry-run", "--force", pid, NULL);
	ok(zr.rc == 0 && proc_state(a.kids[0]) == 'Z',
	   "reap --dry-run writes nothing");
	zctl("why", pid, NULL);
	ok(zr.rc == 0 && strstr(zr.out, "is a zombie: exit 3") &&
	   strstr(zr.out, "zombiectl reap"),
	   "why: a sleeping parent that does not wait, reap would help");
	zctl("reap", "--force", "-J", pid, pid2, NULL);
	snprintf(want, sizeof(want), "\"pid\":%d,\"comm\":\"rz-zombie\",\"outcome\":\"reaped\"",
		 a.kids[0]);
	ok(zr.rc == 0 && valid_json(zr.out) && strstr(zr.out, want) &&
	   strstr(zr.out, "\"exit_code\":768,\"exit\":\"exit 3\"") &&
	   !exists(a.kids[0]) && !exists(a.kids[1]),
	   "reap --force -J: both reaped, exit status reported (%s)", zr.err);
	agent_end(&a);
}

static void test_zombiectl_blocked_sigchld(void)
{
	struct agent a;
	char pid[16];

	agent_blocks_sigchld = 1;
	a = agent_new(1, 0, HOW_FORK, 0, NULL);
	agent_blocks_sigchld = 0;
	snprintf(pid, sizeof(pid), "%d", a.kids[0]);
	zctl("why", pid, NULL);
	ok(zr.rc == 0 && strstr(zr.out, "blocks SIGCHLD"),
	   "why: the parent blocks SIGCHLD");
	zctl("why", "-J", pid, NULL);
	ok(valid_json(zr.out) && strstr(zr.out, "\"code\":\"parent-blocks-sigchld\""),
	   "why -J: valid JSON with the finding's code");
	zctl("reap", "--force", pid, NULL);
	ok(zr.rc == 0 && strstr(zr.out, "reaped pid") && !exists(a.kids[0]),
	   "reap: zombie of a parent blocking SIGCHLD reaped");
	agent_end(&a);
}

static int nsinit_child(void *unused)
{
	pid_t x;

	prctl(PR_SET_NAME, "rz-nsinit");
	x = fork();
	if (!x)
		_exit(4);
	for (;;)
		pause();
}

static void test_zombiectl_ns_init(void)
{
	pid_t init = clone(nsinit_child, ns_stack + sizeof(ns_stack),
			   CLONE_NEWPID | SIGCHLD, NULL);
	pid_t z = 0;
	char pid[16], ipid[16], want[32];
	int i;

	for (i = 0; i < 5000 && !z; i++) {
		z = global_pid(init, 2);
		if (!z)
			msleep(1);
	}
	wait_state(z, 'Z', 5000);
	snprintf(pid, sizeof(pid), "%d", z);
	zctl("why", pid, NULL);
	ok(zr.rc == 0 && strstr(zr.out, "is the init (PID 1) of a pid namespace"),
	   "why: the parent is a namespace init that never waits");
	snprintf(want, sizeof(want), "kill %d", init);
	ok(strstr(zr.out, "killing it would end the whole namespace") &&
	   !strstr(zr.out, want),
	   "why of its zombie: reap it, never kill the namespace's init");
	snprintf(ipid, sizeof(ipid), "%d", init);
	zctl("why", ipid, NULL);
	ok(zr.rc == 0 && strstr(zr.out, "is the init of a pid namespace") &&
	   strstr(zr.out, "do not kill it") && !strstr(zr.out, want),
	   "why of the namespace's init itself: nothing to reap, do not kill it");
	zctl("list", "-J", NULL);
	ok(valid_json(zr.out) && strstr(zr.out, "\"nspid\":2"),
	   "list -J shows the namespace pid");
	zctl("reap", "--force", pid, NULL);
	ok(zr.rc == 0 && !exists(z), "reap: zombie of a namespace init reaped");
	kill(init, SIGKILL);
	waitpid(init, NULL, 0);
}

static void test_zombiectl_live_thread(void)
{
	pid_t c, tid = 0, v = 0;
	char pid[16], want[64];
	int st;

	c = vfork_group(&tid, &v);
	wait_state(c, 'Z', 5000);
	msleep(100);
	snprintf(pid, sizeof(pid), "%d", c);
	zctl("reap", "--force", pid, NULL);
	ok(zr.rc == 1 && strstr(zr.err, "live thread") && proc_state(c) == 'Z',
	   "reap refuses a zombie leader with a live thread (%s)", zr.err);
	zctl("why", pid, NULL);
	snprintf(want, sizeof(want), "%d", tid);
	ok(zr.rc == 0 && strstr(zr.out, want) && strstr(zr.out, "disk sleep"),
	   "why names the live thread %d and its D state", tid);
	kill(v, SIGKILL);
	waitpid(c, &st, 0);
	while (reap_any_child(WNOHANG | __WALL, &st) > 0)
		;
}

static void test_zombiectl_bad_input(void)
{
	static const char *const bad[] = { "0", "abc", "99999999999", "1",
					   "4194304" };
	char tid[300], run[16];
	pthread_t th;
	unsigned int i;
	pid_t r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zctl("reap", "--force", bad[i], NULL);
		ok(zr.rc == 1 && count_lines(zr.err, "\n") == 1 && exists(1),
		   "reap %s: refused in one line (%.*s)", bad[i],
		   (int)strcspn(zr.err, "\n"), zr.err);
	}
	zctl("reap", "--force", "-5", NULL);
	ok(zr.rc == 1 && strstr(zr.err, "'-5' is not a process id"),
	   "reap -5: refused in one line (%.*s)", (int)strcspn(zr.err, "\n"),
	   zr.err);
	pthread_create(&th, NULL, idle_thread, NULL);
	snprintf(tid, sizeof(tid), "%d", getpid() + 0);
	{
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (atoi(e->d_name) > 0 && atoi(e->d_name) != getpid())
				snprintf(tid, sizeof(tid), "%s", e->d_name);
		if (d)
			closedir(d);
	}
	zctl("reap", "--force", tid, NULL);
	ok(zr.rc == 1 && strstr(zr.err, "is a thread of process"),
	   "reap of a thread id: refused (%s)", zr.err);
	pthread_cancel(th);
	pthread_join(th, NULL);
	r = fork();
	if (!r)
		for (;;)
			;
	snprintf(run, sizeof(run), "%d", r);
	wait_state(r, 'R', 2000);
	zctl("reap", "--force", run, NULL);
	ok(zr.rc == 1 && strstr(zr.err, "is not a zombie, it is running: use kill") &&
	   proc_state(r) == 'R', "reap of a running process: refused (%s)", zr.err);
	kill(r, SIGKILL);
	waitpid(r, NULL, 0);
}

static void test_zombiectl_many(void)
{
	int n = MANY(), left = 0, i;
	struct agent a = agent_new(n, 0, HOW_FORK, 0, NULL);
	char ppid[16];
	double t0;

	snprintf(ppid, sizeof(ppid), "%d", a.pid);
	t0 = now();
	zctl("reap", "--force", "--children-of", ppid, NULL);
	for (i = 0; i < n; i++)
		left += exists(a.kids[i]);
	diag("zombiectl reap --children-of: %d zombies in %.2f s", n, now() - t0);
	ok(zr.rc == 0 && count_lines(zr.out, "reaped pid") == n && !left,
	   "reap --children-of reaps %d zombies (%d left, rc %d)", n, left, zr.rc);
	agent_end(&a);
}

static void test_zombiectl_all_grace(void)
{
	struct agent old = agent_new(3, 1, HOW_FORK, 0, NULL), young;
	char want[96];
	int i, gone = 1;

	/* a wide grace: the debug kernel takes seconds to get to the young */
	msleep(6500);
	young = agent_new(2, 2, HOW_FORK, 0, NULL);
	zctl("reap", "--all", "--grace", "6", "-J", NULL);
	for (i = 0; i < 3; i++)
		gone &= !exists(old.kids[i]);
	snprintf(want, sizeof(want), "\"pid\":%d,\"comm\":\"rz-zombie\",\"outcome\":\"refused\"",
		 young.kids[0]);
	ok(zr.rc == 64 && valid_json(zr.out) && gone && strstr(zr.out, want) &&
	   proc_state(young.kids[0]) == 'Z' && proc_state(young.kids[1]) == 'Z',
	   "reap --all --grace 6: the old zombies reaped, the young refused (exit %d)",
	   zr.rc);
	zctl("reap", "--all", "--force", NULL);
	ok(zr.rc == 0 && !exists(young.kids[0]), "reap --all --force takes the rest");
	zctl("reap", "--all", NULL);
	ok(zr.rc == 1 && strstr(zr.err, "no zombies"), "then nothing is left (exit 1)");
	agent_end(&old);
	agent_end(&young);
}

/* why never advises killing PID 1; the advice fits the module's state */
static void test_zombiectl_advice(void)
{
	struct agent a = agent_new(1, 5, HOW_FORK, 0, NULL);
	char pid[16], want[160];

	/* first, while the zombie is seconds old, even on the debug kernel */
	snprintf(pid, sizeof(pid), "%d", a.kids[0]);
	zctl("why", pid, NULL);
	snprintf(want, sizeof(want), "or now: zombiectl reap --force %s", pid);
	ok(strstr(zr.out, want) && strstr(zr.out, " in ") &&
	   strstr(zr.out, "less than the grace period"),
	   "why of a zombie younger than the grace period: when reap takes it, or --force now (%.*s)",
	   (int)strcspn(strstr(zr.out, "what would help") ?: "", "\n"),
	   strstr(zr.out, "what would help") ?: "");
	zctl("why", "-J", pid, NULL);
	ok(valid_json(zr.out) && strstr(zr.out, "\"reap_in_seconds\":") &&
	   !strstr(zr.out, "\"reap_in_seconds\":null") &&
	   strstr(zr.out, "\"module_loaded\":true"),
	   "why -J of a young zombie: reap_in_seconds is a number, module_loaded true");
	zctl("why", "1", NULL);
	ok(zr.rc == 0 && strstr(zr.out, "do not kill it: pid 1 is init") &&
	   strstr(zr.out, "zombiectl list -P 1") && !strstr(zr.out, "kill 1"),
	   "why 1: nothing to reap, do not kill init, never 'kill 1'");
	zctl("why", "-J", "1", NULL);
	ok(valid_json(zr.out) && strstr(zr.out, "\"commands\":[\"zombiectl list -P 1\"]") &&
	   strstr(zr.out, "\"module_loaded\":true"),
	   "why -J 1: the one command is a listing, module_loaded true");
	zctl("reap", "1", NULL);
	ok(zr.rc == 1 && !strstr(zr.err, "use kill") && exists(1),
	   "reap 1: refused, and no advice to kill it (%.*s)",
	   (int)strcspn(zr.err, "\n"), zr.err);
	if (write_file(PARAM, "0")) {
		ok(0, "enabled=0 for why's advice");
	} else {
		zctl("why", pid, NULL);
		snprintf(want, sizeof(want),
			 "switch the module on: echo 1 > %s; then run: zombiectl reap %s",
			 PARAM, pid);
		ok(zr.rc == 0 && strstr(zr.out, want),
		   "why with the module switched off: enabled=1 first, then reap");
		write_file(PARAM, "1");
	}
	if (unload_module_retry())
		ok(0, "the module unloads for why's advice");
	zctl("why", pid, NULL);
	snprintf(want, sizeof(want),
		 "load the module: modprobe reap_zombie; then run: zombiectl reap %s", pid);
	ok(zr.rc == 0 && strstr(zr.out, want),
	   "why without the module: modprobe reap_zombie first, then reap");
	zctl("why", "-J", pid, NULL);
	ok(valid_json(zr.out) && strstr(zr.out, "\"module_loaded\":false") &&
	   strstr(zr.out, "\"modprobe reap_zombie\""),
	   "why -J without the module: module_loaded false, modprobe among the commands");
	ok(!load_module(), "the module loads again");
	agent_end(&a);
}

/* list's -o and -n, as ps and lsblk have them */
static void test_zombiectl_columns(void)
{
	struct agent a = agent_new(3, 1, HOW_FORK, 0, NULL), none;
	char ppid[16], want[96];
	int i, at = 0;

	snprintf(ppid, sizeof(ppid), "%d", a.pid);
	for (i = 0; i < 3; i++)
		at += snprintf(want + at, sizeof(want) - at, "%d\n", a.kids[i]);
	zctl("list", "-n", "-o", "pid", "-P", ppid, NULL);
	ok(zr.rc == 0 && !strcmp(zr.out, want),
	   "list -n -o pid: the zombies' pids alone, one a line (%s)", zr.out);
	zctl("list", "-o", "PID,age", "-P", ppid, NULL);
	ok(zr.rc == 0 && !strncmp(zr.out, "PID", 3) && strstr(zr.out, "AGE") &&
	   !strstr(zr.out, "PPID") && !strstr(zr.out, "~"),
	   "list -o PID,age: those two columns, the age from DEAD_MS (not ~estimated)");
	zctl("list", "-o", "bogus", NULL);
	ok(zr.rc == 2 && !*zr.out && count_lines(zr.err, "\n") == 1 &&
	   strstr(zr.err, "unknown column 'bogus'"),
	   "list -o bogus: usage error in one line (%.*s)",
	   (int)strcspn(zr.err, "\n"), zr.err);
	none = agent_new(0, 0, HOW_FORK, 0, NULL);
	snprintf(ppid, sizeof(ppid), "%d", none.pid);
	zctl("list", "-n", "-P", ppid, NULL);
	ok(zr.rc == 0 && !*zr.out, "list -n of a parent without zombies prints nothing");
	agent_end(&none);
	agent_end(&a);
}

static void test_zombiectl(void)
{
	if (access(ZCTL, X_OK)) {
		ok(0, "%s is in the guest", ZCTL);
		return;
	}
	test_zombiectl_status();
	test_zombiectl_sleeping_parent();
	test_zombiectl_blocked_sigchld();
	test_zombiectl_ns_init();
	test_zombiectl_live_thread();
	test_zombiectl_bad_input();
	test_zombiectl_many();
	test_zombiectl_all_grace();
	test_zombiectl_advice();
	test_zombiectl_columns();

	zctl("unload", NULL);
	ok(zr.rc == 0 && !module_loaded(), "zombiectl unload: enabled=0 and rmmod");
	zctl("status", NULL);
	ok(zr.rc == 1 && strstr(zr.out, "not loaded"),
	   "zombiectl status exits 1 when the module is not loaded");
	ok(!load_module(), "the module loads again");
}

static const struct rz_test tests[] = {
	{ "load", load_or_bail },
	T(zombiectl),
	{ "unload", unload_none_left },
};

int main(int argc, char **argv)
{
	return run_tests(argc, argv, "rztool", tests,
			 sizeof(tests) / sizeof(tests[0]));
}
