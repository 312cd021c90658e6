// SPDX-License-Identifier: GPL-2.0
/*
 * rzbench: the measurements of make bench, run as root inside the QEMU
 * guest (scripts/bench.sh boots it; tests/guest/init runs it).
 *
 *   rzbench MODULE.ko
 *
 * For each N it makes N zombies under one sleeping parent and times, in
 * this one boot, how they go away:
 *   waitpid     R0, the reference: the parent's own waitpid() loop
 *   subreaper   R1, the kernel's own path: the parent is killed and a
 *               waiting subreaper (this program) reaps the orphans, timed
 *               until every one of them is really gone (kill(pid, 0))
 *   zombiectl   R2, the whole "zombiectl reap --children-of P --force"
 *   write1      R3, open + write "1" to each reap_zombie file, one thread
 *   write16     R3, the same from 16 threads
 *   prewrite64  the module's own part: every file opened beforehand
 *               (untimed), then 64 threads write "1" to them
 *   open        not a way to reap: open and close every reap_zombie file,
 *               nothing written (the zombies are then reaped, untimed, by
 *               their parent). What any tool pays per zombie before the
 *               module does anything: the ceiling of R2 and R3.
 * each run after run (RZ_BENCH_RUNS, default 3) in turn, so that a slow
 * moment of the host does not land on one method alone. A fork-latency
 * probe runs alongside every batch, and the module's longest hold of
 * tasklist_lock (its max_lock_hold_ns parameter, reset before) is read
 * after each.
 *
 * First, one zombie at a time (RZ_BENCH_SINGLE samples, default 101): the
 * whole "zombiectl reap PID" process next to /bin/true, one write() to an
 * open reap_zombie file next to the parent's own single waitpid().
 *
 * Knobs, from the guest command line (rz.bench_n=1000,10000 ...):
 * RZ_BENCH_N (default 1000,10000,30000), RZ_BENCH_RUNS, RZ_BENCH_SINGLE.
 *
 * Prints TAP (each batch really reaped every zombie, and nothing else) and
 * one line per figure for the host:
 *   # BENCH batch n=N method=M run=K secs=S fork_max_ms=X fork_p99_ms=Y hold_ms=H
 *   # BENCH single what=W samples=K median_us=M p99_us=P
 */
#include "rzlib.h"

#include <sys/resource.h>

#define SINGLE_MAX 10001
#define CARRIERS "/sys/module/reap_zombie/parameters/carriers"

enum method {
	WAITPID, SUBREAPER, ZOMBIECTL, WRITE1, WRITE16, PREWRITE64, OPEN,
	METHODS
};

static const char *const method_name[METHODS] = {
	"waitpid", "subreaper", "zombiectl", "write1", "write16", "prewrite64",
	"open",
};

struct prewriter {
	const int *fds;
	int n, first, stride;
	int reaped, other;
};

static void *prewriter_fn(void *arg)
{
	struct prewriter *w = arg;
	int i;

	for (i = w->first; i < w->n; i += w->stride) {
		int err = write_fd(w->fds[i], "1", 1);

		if (!err)
			w->reaped++;
		else
			w->other++;
	}
	return NULL;
}

/*
 * Open every reap_zombie file of @a first, then time 64 threads writing
 * them: what the module costs without the opens.
 */
static double prewrite(const struct agent *a, int *reaped, int *other)
{
	struct rlimit rl = { a->n + 64, a->n + 64 };
	struct prewriter w[64];
	pthread_t th[64];
	int *fds = calloc(a->n, sizeof(int));
	double t0;
	int i;

	if (!fds || setrlimit(RLIMIT_NOFILE, &rl))
		die("prewrite: fds");
	for (i = 0; i < a->n; i++)
		fds[i] = open_reap(a->kids[i]);
	t0 = now();
	for (i = 0; i < 64; i++) {
		w[i] = (struct prewriter){ .fds = fds, .n = a->n, .first = i,
					   .stride = 64 };
		pthread_create(&th[i], NULL, prewriter_fn, &w[i]);
	}
	*reaped = *other = 0;
	for (i = 0; i < 64; i++) {
		pthread_join(th[i], NULL);
		*reaped += w[i].reaped;
		*other += w[i].other;
	}
	t0 = now() - t0;
	for (i = 0; i < a->n; i++)
		close(fds[i]);
	free(fds);
	return t0;
}

/* Open and close every reap_zombie file of @a's zombies; how many opened. */
static int open_all(const struct agent *a)
{
	int i, opened = 0;

	for (i = 0; i < a->n; i++) {
		int fd = open_reap(a->kids[i]);

		if (fd >= 0) {
			opened++;
			close(fd);
		}
	}
	return opened;
}

/* Every kid of @a is gone: no task is left behind its pid. */
static int all_gone(const struct agent *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (!kill(a->kids[i], 0) || errno != ESRCH)
			return 0;
	return 1;
}

/*
 * R1: kill the parent; its zombies come to us, the subreaper, already
 * waiting; time until the last of them is gone.
 */
static double kernel_path(struct agent *a, int *reaped)
{
	double t0 = now();
	int st, got = 0, parent = 0;
	pid_t w;

	kill(a->pid, SIGKILL);
	while ((got < a->n || !parent) &&
	       (w = reap_any_child(__WALL, &st)) > 0) {
		if (w == a->pid)
			parent = 1;
		else
			got++;
	}
	while (!all_gone(a))
		;
	*reaped = got;
	return now() - t0;
}

/* Run argv with stdout and stderr to /dev/null; its exit code, or -1. */
static int run_quiet(char *const argv[])
{
	int st;
	pid_t c = fork();

	if (!c) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void batch(long n, enum method m, int run)
{
	struct agent a;
	struct probe p;
	struct probe_res pr;
	struct reply r;
	double secs = 0, t_make;
	int reaped = 0, other = 0, rc, left = 0;
	long hold = -1, carriers;
	char ppid[16];

	t_make = now();
	a = agent_new(n, 0, HOW_VFORK, 0, CG);
	t_make = now() - t_make;
	write_file(HOLD, "0");
	carriers = read_long(CARRIERS);
	p = probe_start();
	switch (m) {
	case WAITPID:
		r = agent_ask(&a, 'L');
		secs = r.ret / 1e9;
		reaped = r.status;
		break;
	case SUBREAPER:
		secs = kernel_path(&a, &reaped);
		break;
	case ZOMBIECTL: {
		char *argv[] = { ZCTL, "reap", "--children-of", ppid, "--force",
				 NULL };
		double t0;

		snprintf(ppid, sizeof(ppid), "%d", a.pid);
		t0 = now();
		rc = run_quiet(argv);
		secs = now() - t0;
		reaped = rc == 0 && all_gone(&a) ? n : 0;
		break;
	}
	case WRITE1:
	case WRITE16:
		secs = bulk_reap(&a, m == WRITE1 ? 1 : 16, &reaped, &other);
		break;
	case PREWRITE64:
		secs = prewrite(&a, &reaped, &other);
		break;
	case OPEN: {
		double t0 = now();
		int opened = open_all(&a);

		secs = now() - t0;
		left = count_left(&a);
		r = agent_ask(&a, 'L');
		reaped = r.status == n && opened == n && left == n ? n : 0;
		break;
	}
	default:
		break;
	}
	pr = probe_stop(&p);
	if (m != WAITPID && m != SUBREAPER && m != OPEN)
		hold = read_long(HOLD);
	carriers = read_long(CARRIERS) - carriers;
	if (m == OPEN)
		ok(reaped == n,
		   "open, run %d: %ld reap_zombie files opened and closed in %.3f s, %d zombies still there after",
		   run, n, secs, left);
	else
		ok(reaped == n && !other && all_gone(&a) &&
		   read_long(CG "/pids.current") == (m == SUBREAPER ? 0 : 1),
		   "%s, run %d: %ld zombies gone in %.3f s (%d reaped, %d errors; made in %.1f s)",
		   method_name[m], run, n, secs, reaped, other, t_make);
	/* the module's mean batch: zombies per carrier */
	printf("# BENCH batch n=%ld method=%s run=%d secs=%.6f fork_max_ms=%.3f fork_p99_ms=%.3f hold_ms=%.4f per_carrier=%.1f\n",
	       n, method_name[m], run, secs, pr.max_ms, pr.p99_ms,
	       hold < 0 ? -1 : hold / 1e6,
	       hold < 0 || carriers <= 0 ? 0 : (double)n / carriers);
	if (m == SUBREAPER) {
		close(a.cmd);
		close(a.rep);
		free(a.kids);
	} else {
		agent_end(&a);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void single_report(const char *what, double *t, int k)
{
	qsort(t, k, sizeof(*t), cmp_double);
	printf("# BENCH single what=%s samples=%d median_us=%.1f p99_us=%.1f\n",
	       what, k, t[k / 2] * 1e6, t[(k * 99) / 100] * 1e6);
}

static void singles(int k)
{
	static double t[SINGLE_MAX];
	char pid[16];
	char *zargv[] = { ZCTL, "reap", pid, NULL };
	char *targv[] = { "/bin/true", NULL };
	struct agent a;
	int i, bad = 0;

	/* the whole zombiectl reap PID process, and /bin/true */
	for (i = 0; i < k; i++) {
		double t0 = now();

		bad += run_quiet(targv) != 0;
		t[i] = now() - t0;
	}
	ok(!bad, "/bin/true ran %d times", k);
	single_report("true", t, k);

	/* old enough for zombiectl's default grace period (10 s) */
	a = agent_new(k, 0, HOW_VFORK, 0, NULL);
	sleep(11);
	for (i = 0; i < k; i++) {
		double t0 = now();

		snprintf(pid, sizeof(pid), "%d", a.kids[i]);
		bad += run_quiet(zargv) != 0;
		t[i] = now() - t0;
	}
	ok(!bad && all_gone(&a), "zombiectl reap PID reaped %d zombies, one each (%d failed)",
	   k, bad);
	single_report("zombiectl", t, k);
	agent_end(&a);

	/* one write() to an already open file */
	a = agent_new(k, 0, HOW_VFORK, 0, NULL);
	for (i = 0; i < k; i++) {
		int fd = open_reap(a.kids[i]);
		double t0 = now();

		bad += write_fd(fd, "1", 1) != 0;
		t[i] = now() - t0;
		close(fd);
	}
	ok(!bad && all_gone(&a), "single write() reaped %d zombies (%d failed)",
	   k, bad);
	single_report("write", t, k);
	agent_end(&a);

	/* the parent's own waitpid() of one zombie child */
	for (i = 0; i < k; i++) {
		pid_t c = fork();
		double t0;

		if (!c)
			_exit(0);
		if (c < 0 || !wait_state(c, 'Z', 10000))
			die("a child did not become a zombie");
		t0 = now();
		bad += waitpid(c, NULL, 0) != c;
		t[i] = now() - t0;
	}
	ok(!bad, "waitpid() reaped %d zombie children, one each", k);
	single_report("waitpid", t, k);
}

int main(int argc, char **argv)
{
	const char *ns = getenv("RZ_BENCH_N");
	int runs = (int)env_long("RZ_BENCH_RUNS", 3);
	int k = (int)env_long("RZ_BENCH_SINGLE", 101);
	long sizes[16], nmax = 0, pid_max, tmax;
	int nsizes = 0, i, run, m;
	char buf[256], *s, *save;

	guest_start(argc, argv, "rzbench");

	snprintf(buf, sizeof(buf), "%s", ns && *ns ? ns : "1000,10000,30000");
	for (s = strtok_r(buf, ",", &save); s && nsizes < 16;
	     s = strtok_r(NULL, ",", &save))
		if (atol(s) > 0)
			sizes[nsizes++] = atol(s);
	for (i = 0; i < nsizes; i++)
		nmax = sizes[i] > nmax ? sizes[i] : nmax;
	if (k < 1 || k > SINGLE_MAX)
		k = 101;

	pid_max = read_long(PID_MAX);
	tmax = read_long(THREADS_MAX);
	set_sysctl_long(PID_MAX, pid_max > 8 * nmax ? pid_max : 8 * nmax);
	set_sysctl_long(THREADS_MAX, tmax > 4 * nmax ? tmax : 4 * nmax);

	if (!ok(!load_module(), "the module loads"))
		return 1;
	diag("%ld vCPU(s), %d runs of each batch, %d samples of each single figure",
	     sysconf(_SC_NPROCESSORS_ONLN), runs, k);
	/*
	 * The single figures first, on a fresh guest: after the batches (a
	 * hundred thousand processes made and reaped) one zombiectl run took
	 * 18-26 ms instead of 14, /bin/true the same as before.
	 */
	singles(k);
	for (i = 0; i < nsizes; i++)
		for (run = 1; run <= runs; run++)
			for (m = 0; m < METHODS; m++)
				batch(sizes[i], m, run);
	ok(!unload_module_retry(), "the module unloads");
	set_sysctl_long(THREADS_MAX, tmax);
	set_sysctl_long(PID_MAX, pid_max);
	tap_plan_end();
	return tap_failed ? 1 : 0;
}
