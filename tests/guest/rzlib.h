/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest programs share (rzbatch, rzcontract, rzstress, rztool and
 * rzwatch, the suite; rzbench, make bench):
 * small /proc and file helpers, the module's load and unload, parent
 * "agents" that make zombies and never wait for them, writers through the
 * reap_zombie files, zombiectl runs and a fork-latency probe.
 */
#ifndef RZ_LIB_H
#define RZ_LIB_H

/* each program uses some of these helpers, not all */
#pragma GCC diagnostic ignored "-Wunused-function"

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define MODNAME "reap_zombie"
#define PARAM "/sys/module/reap_zombie/parameters/enabled"
#define CGROOT "/sys/fs/cgroup"
#define CG CGROOT "/rzsuite"

static const char *module_path;

/*
 * The suite's counts, from the guest's kernel command line (rz.NAME=N, see
 * init): the debug kernel runs fewer of the slowest.
 */
static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : def;
}

/* ---------------------------------------------------------------- helpers */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(2);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? errno : 0;
	close(fd);
	return n;
}

/* First line of a file, newline stripped; "" when unreadable. */
static const char *read_str(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return LONG_MAX;
	return strtol(buf, NULL, 10);
}

/*
 * Read a stat file into @buf: what follows its comm's ")", or NULL when it
 * cannot be read (gone).
 */
static char *read_stat_rest(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

/* State letter of /proc/<pid>/stat (or .../task/<tid>/stat); 0 if gone. */
static char task_state(const char *path)
{
	char buf[1024];
	char *p = read_stat_rest(path, buf, sizeof(buf));

	if (!p)
		return 0;
	return p[0] == ' ' ? p[1] : '?';
}

static char proc_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return task_state(path);
}

static int wait_state_path(const char *path, char want, int ms)
{
	double end = now() + ms / 1000.0;

	while (task_state(path) != want) {
		if (now() > end)
			return 0;
		msleep(1);
	}
	return 1;
}

static int wait_state(pid_t pid, char want, int ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return wait_state_path(path, want, ms);
}

static int exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) == 0;
}

static long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static int open_reap(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/" MODNAME, pid);
	return open(path, O_WRONLY | O_CLOEXEC);
}

/* Write @len bytes of @buf to an open reap file: 0 on success, else errno. */
static int write_fd(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return errno;
	return n == (ssize_t)len ? 0 : EIO;
}

/* Open and write "1": 0 when reaped, else errno (of open or write). */
static int reap(pid_t pid)
{
	int fd = open_reap(pid);
	int err;

	if (fd < 0)
		return errno;
	err = write_fd(fd, "1", 1);
	close(fd);
	return err;
}

static const char *ename(int err)
{
	static char buf[8][32];
	static int i;
	const char *n = strerrorname_np(err);

	if (!err)
		return "success";
	if (n)
		return n;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "errno %d", err);
	return buf[i];
}

/*
 * How many lines of the kernel log contain @needle; the text of the last
 * one (without the record's header) in @last, if not NULL.
 */
static int kmsg_count(const char *needle, char *last, size_t size)
{
	char rec[2048];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, needle)) {
			found++;
			if (last) {
				const char *text = strchr(rec, ';');

				snprintf(last, size, "%.*s",
					 (int)strcspn(text ? text + 1 : rec, "\n"),
					 text ? text + 1 : rec);
			}
		}
	}
	close(fd);
	return found;
}

/* Does the kernel log hold a line containing @needle? */
static int kmsg_has(const char *needle)
{
	return kmsg_count(needle, NULL, 0) > 0;
}

static int module_loaded(void)
{
	return access("/sys/module/" MODNAME, F_OK) == 0;
}

/* Whether the running kernel is older than @major.@minor. */
static int kernel_before(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma < major || (ma == major && mi < minor);
}

/* finit_module() with module parameters @params: 0 or an errno. */
static int load_module_params(const char *params)
{
	int fd = open(module_path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	return err;
}

static int load_module(void)
{
	return load_module_params("");
}

/* The first test of a program: load the module, or end the TAP there. */
static void load_or_bail(void)
{
	int err = load_module();

	ok(!err, "finit_module loads %s (%s)", module_path, ename(err));
	if (err) {
		tap_plan_end();
		exit(1);
	}
}

static int unload_module(void)
{
	return syscall(SYS_delete_module, MODNAME, O_NONBLOCK) ? errno : 0;
}

/* enabled=0 then rmmod, retrying while a racing open holds the module. */
static int unload_module_retry(void)
{
	int err, i;

	err = write_file(PARAM, "0");
	if (err)
		return err;
	for (i = 0; i < 5000; i++) {
		err = unload_module();
		if (err != EWOULDBLOCK && err != EAGAIN && err != EBUSY)
			return err;
		msleep(1);
	}
	return err;
}

/* The last test of a program: unload the module (loaded again if need be). */
static void unload_last(void)
{
	int err;

	if (!module_loaded() && (err = load_module()))
		diag("reload: %s", ename(err));
	err = unload_module_retry();
	ok(!err && !module_loaded(), "enabled=0 then rmmod unloads (%s)",
	   ename(err));
}

static pid_t reap_any_child(int flags, int *status)
{
	pid_t r;

	do
		r = waitpid(-1, status, flags);
	while (r < 0 && errno == EINTR);
	return r;
}

/* ------------------------------------------------ parent agent processes */

/*
 * A parent agent is a child of the test that makes zombies and then never
 * waits for them unless told to: it sleeps reading commands.
 */
/*
 * HOW_VFORK: like HOW_FORK, without copying the agent's page tables (many
 * times faster under TCG: make bench makes hundreds of thousands); the
 * child only names itself and exits.
 */
enum { HOW_FORK, HOW_CLONE_SIGUSR1, HOW_CLONE_NOSIG, HOW_VFORK };

struct agent {
	pid_t pid;
	int cmd;	/* commands to the agent */
	int rep;	/* its replies */
	int n;		/* zombies made */
	pid_t *kids;	/* the zombies, then the live children */
	int nlive;
};

struct reply {
	long ret;
	int err;
	int status;
};

/* In an agent: send @r, its errno taken from a failed r->ret. */
static void agent_reply(int rep, struct reply *r)
{
	r->err = r->ret < 0 ? errno : 0;
	if (write(rep, r, sizeof(*r)) != sizeof(*r))
		_exit(6);
}

static int agent_blocks_sigchld;	/* next agents block SIGCHLD */
static pid_t agent_pgid;	/* next agents' zombies join this pgrp */
static int agent_setsid;	/* next agents' zombies lead their session */
static char clone_stack[64 * 1024] __attribute__((aligned(16)));

static int clone_exit(void *arg)
{
	_exit((int)(intptr_t)arg);
}

static void agent_main(int cmd, int rep, int n, int code, int how, int nlive,
		       const char *cgroup)
{
	static pid_t pids[1024];
	struct reply r;
	int i, c, np = 0;

	prctl(PR_SET_NAME, "rz-parent");
	if (agent_blocks_sigchld) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	if (cgroup) {
		char path[128];

		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		if (write_file(path, "0"))
			_exit(3);
	}
	for (i = 0; i < n + nlive; i++) {
		pid_t pid;

		if (i >= n) {
			pid = fork();
			if (!pid) {
				for (;;)
					pause();
			}
		} else if (how == HOW_VFORK) {
			pid = vfork();
			if (!pid) {
				prctl(PR_SET_NAME, "rz-zombie");
				_exit(code);
			}
		} else if (how == HOW_FORK) {
			pid = fork();
			if (!pid) {
				prctl(PR_SET_NAME, "rz-zombie");
				if (agent_pgid && setpgid(0, agent_pgid))
					_exit(120);
				if (agent_setsid && setsid() < 0)
					_exit(121);
				_exit(code);
			}
		} else {
			pid = clone(clone_exit, clone_stack + sizeof(clone_stack),
				    how == HOW_CLONE_SIGUSR1 ? SIGUSR1 : 0,
				    (void *)(intptr_t)code);
		}
		if (pid < 0)
			_exit(4);
		/* in blocks: one wakeup of the test per 1024 children */
		pids[np++] = pid;
		if (np == 1024 || i + 1 == n + nlive) {
			ssize_t len = np * sizeof(pid_t);

			if (write(rep, pids, len) != len)
				_exit(5);
			np = 0;
		}
	}
	while (read(cmd, &c, 1) == 1) {
		double t0;

		memset(&r, 0, sizeof(r));
		switch (c & 0xff) {
		case 'w':	/* one blocking waitpid(-1) */
			r.ret = waitpid(-1, &r.status, 0);
			break;
		case 'a':	/* anything left, clone children included? */
			r.ret = waitpid(-1, &r.status, WNOHANG | __WALL);
			break;
		case 'L':	/* waitpid() loop over every zombie, timed */
			t0 = now();
			for (i = 0; i < n; i++)
				if (waitpid(-1, &r.status, __WALL) < 0)
					break;
			r.ret = (long)((now() - t0) * 1e9);
			r.status = i;
			break;
		default:
			_exit(0);
		}
		agent_reply(rep, &r);
	}
	_exit(0);
}

/* Global pid of the child of @parent that is @nspid in its namespace. */
static pid_t global_pid(pid_t parent, pid_t nspid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && (e = readdir(d))) {
		pid_t p = atoi(e->d_name);
		char path[64], line[256];
		int g, n;
		FILE *f;

		if (p <= 0 || status_field(p, "PPid:") != parent)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", p);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "NSpid:\t%d\t%d", &g, &n) == 2 &&
			    n == nspid)
				found = g;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static char ns_stack[256 * 1024] __attribute__((aligned(16)));

/*
 * Start @init as PID 1 of a new pid namespace, with a command pipe @cmd
 * and a reply pipe @rep, and @procdir made for its proc mount.
 */
static pid_t ns_start(int (*init)(void *), int cmd[2], int rep[2],
		      const char *procdir)
{
	pid_t pid;

	if (pipe(cmd) || pipe(rep))
		die("pipe");
	mkdir(procdir, 0755);
	pid = clone(init, ns_stack + sizeof(ns_stack), CLONE_NEWPID | SIGCHLD,
		    NULL);
	if (pid < 0)
		die("clone(CLONE_NEWPID)");
	return pid;
}

/* Drop CAP_SYS_ADMIN from every set of the calling thread: 0 or -1. */
static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].inheritable &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

/* Two pipes, a command's and a reply's, then fork(): the child's pid. */
static pid_t agent_fork(int cmd[2], int rep[2])
{
	pid_t pid;

	if (pipe(cmd) || pipe(rep))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	return pid;
}

static struct agent agent_new(int n, int code, int how, int nlive,
			      const char *cgroup)
{
	struct agent a = { .n = n, .nlive = nlive };
	int cmd[2], rep[2], i;

	a.pid = agent_fork(cmd, rep);
	if (!a.pid) {
		close(cmd[1]);
		close(rep[0]);
		agent_main(cmd[0], rep[1], n, code, how, nlive, cgroup);
	}
	close(cmd[0]);
	close(rep[1]);
	a.cmd = cmd[1];
	a.rep = rep[0];
	a.kids = calloc(n + nlive + 1, sizeof(pid_t));
	for (i = 0; i < (n + nlive) * (int)sizeof(pid_t);) {
		ssize_t r = read(a.rep, (char *)a.kids + i,
				 (n + nlive) * sizeof(pid_t) - i);

		if (r <= 0)
			die("agent did not start its children");
		i += r;
	}
	for (i = 0; i < n; i++)
		if (!wait_state(a.kids[i], 'Z', 10000))
			die("child did not become a zombie");
	return a;
}

static struct reply agent_ask(struct agent *a, char c)
{
	struct reply r = { .ret = -2 };

	if (write(a->cmd, &c, 1) != 1 || read(a->rep, &r, sizeof(r)) != sizeof(r))
		r.ret = -2;
	return r;
}

/* Kill the agent and whatever is left of its children, reap them all. */
static void agent_end(struct agent *a)
{
	int i, st;

	for (i = 0; i < a->n + a->nlive; i++)
		if (a->kids[i] > 0 && proc_state(a->kids[i]) != 'Z')
			kill(a->kids[i], SIGKILL);
	kill(a->pid, SIGKILL);
	waitpid(a->pid, &st, 0);
	close(a->cmd);
	close(a->rep);
	/* orphans come to us, the subreaper */
	while (reap_any_child(WNOHANG | __WALL, &st) > 0)
		;
	free(a->kids);
}

/* --------------------------------------------- writers through the files */

struct bulk {
	pid_t *pids;
	int n;
	int stride, first;
	atomic_int done;
	int reaped;
	int other;
	/* from a write()'s return to the next write(): close, open */
	double back;
	int backs;
};

/* As reap() for each pid, timing how long the writer takes to come back. */
static void *bulk_writer(void *arg)
{
	struct bulk *b = arg;
	double t_ret = 0, t;
	int i;

	for (i = b->first; i < b->n; i += b->stride) {
		int fd = open_reap(b->pids[i]);
		int err = fd < 0 ? errno : 0;

		if (fd >= 0) {
			t = now();
			if (t_ret) {
				b->back += t - t_ret;
				b->backs++;
			}
			err = write_fd(fd, "1", 1);
			t_ret = now();
			close(fd);
		}
		if (!err)
			b->reaped++;
		else if (err != ESRCH && err != ENOENT)
			b->other++;
		atomic_fetch_add(&b->done, 1);
	}
	return NULL;
}

/*
 * Reap @a's zombies through their files from @threads writers; the seconds
 * it took. @back (if not NULL): the writers' mean time from a write()'s
 * return to their next write(), in ms.
 */
static double bulk_reap(struct agent *a, int threads, int *reaped, int *other,
			double *back)
{
	struct bulk b[16];
	pthread_t th[16];
	double t0 = now(), sum = 0;
	int i, backs = 0;

	*reaped = *other = 0;
	for (i = 0; i < threads; i++) {
		b[i] = (struct bulk){ .pids = a->kids, .n = a->n,
				      .stride = threads, .first = i };
		pthread_create(&th[i], NULL, bulk_writer, &b[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		*reaped += b[i].reaped;
		*other += b[i].other;
		sum += b[i].back;
		backs += b[i].backs;
	}
	if (back)
		*back = backs ? 1e3 * sum / backs : 0;
	return now() - t0;
}

static int count_left(const struct agent *a)
{
	int i, left = 0;

	for (i = 0; i < a->n; i++)
		left += exists(a->kids[i]);
	return left;
}

/* ---------------------------------------------------------- zombiectl runs */

#define ZCTL "/bin/zombiectl"

struct zrun {
	int rc;
	char out[1 << 20];
	char err[8192];
};

static struct zrun zr;

static void slurp(int fd, char *buf, size_t size)
{
	static char sink[64 * 1024];
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	/*
	 * Drain what did not fit, in big reads: one byte at a time, the
	 * 2 MB that reaping 30,000 zombies prints took 30 s on one vCPU.
	 */
	while (read(fd, sink, sizeof(sink)) > 0)
		;
}

/* Run zombiectl with a NULL-terminated argument list; fills zr. */
static int zctl(const char *arg, ...)
{
	const char *argv[64] = { "zombiectl" };
	int o[2], e[2], i = 1, st;
	va_list ap;
	pid_t c;

	va_start(ap, arg);
	for (; arg && i < 63; arg = va_arg(ap, const char *))
		argv[i++] = arg;
	va_end(ap);
	argv[i] = NULL;
	if (pipe(o) || pipe(e))
		die("pipe");
	c = fork();
	if (!c) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		execv(ZCTL, (char **)argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	slurp(o[0], zr.out, sizeof(zr.out));
	slurp(e[0], zr.err, sizeof(zr.err));
	close(o[0]);
	close(e[0]);
	waitpid(c, &st, 0);
	zr.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return zr.rc;
}

/* A fork-latency probe: vforks (children never zombies) until told to stop. */
struct probe {
	pid_t pid;
	int stop;
	int rep;
};

struct probe_res {
	long forks;
	long over_10ms;
	double max_ms;
	double p99_ms;
};

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

static void probe_main(int stopfd, int repfd)
{
	static float lat[1 << 18];
	struct probe_res r = { 0 };
	char b;

	struct sched_param sp = { .sched_priority = 50 };

	prctl(PR_SET_NAME, "rz-forkprobe");
	signal(SIGCHLD, SIG_IGN);	/* released at exit, never a zombie */
	/*
	 * Real-time, so that what it measures is the kernel keeping fork()
	 * waiting (locks, interrupts off), not a busy CPU's run queue.
	 */
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(2);
	while (read(stopfd, &b, 1) < 0 && errno == EAGAIN) {
		double t0 = now(), ms;
		pid_t c = vfork();	/* no page tables to copy: the kernel's part */

		if (!c)
			_exit(0);
		ms = (now() - t0) * 1e3;
		if (c < 0)
			continue;
		if (r.forks < (long)(sizeof(lat) / sizeof(lat[0])))
			lat[r.forks] = ms;
		r.forks++;
		r.over_10ms += ms > 10;
		if (ms > r.max_ms)
			r.max_ms = ms;
		msleep(10);
	}
	if (r.forks) {
		long n = r.forks < (long)(sizeof(lat) / sizeof(lat[0])) ?
				 r.forks : (long)(sizeof(lat) / sizeof(lat[0]));

		qsort(lat, n, sizeof(lat[0]), cmp_float);
		r.p99_ms = lat[n * 99 / 100];
	}
	if (write(repfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

static struct probe probe_start(void)
{
	struct probe p;
	int stop[2], rep[2];

	if (pipe(stop) || pipe(rep))
		die("pipe");
	fcntl(stop[0], F_SETFL, O_NONBLOCK);
	p.pid = fork();
	if (!p.pid) {
		close(stop[1]);
		close(rep[0]);
		probe_main(stop[0], rep[1]);
	}
	close(stop[0]);
	close(rep[1]);
	p.stop = stop[1];
	p.rep = rep[0];
	msleep(20);
	return p;
}

static struct probe_res probe_stop(struct probe *p)
{
	struct probe_res r = { .forks = -1 };

	close(p->stop);
	if (read(p->rep, &r, sizeof(r)) != sizeof(r))
		r.forks = -1;
	close(p->rep);
	waitpid(p->pid, NULL, 0);
	return r;
}

static void set_sysctl_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	if (write_file(path, buf))
		die(path);
}

#define PID_MAX "/proc/sys/kernel/pid_max"
#define HOLD "/sys/module/reap_zombie/parameters/max_lock_hold_ns"
#define THREADS_MAX "/proc/sys/kernel/threads-max"

static void setup_cgroup(void)
{
	mkdir(CGROOT, 0755);
	mount("cgroup2", CGROOT, "cgroup2", 0, NULL);
	write_file(CGROOT "/cgroup.subtree_control", "+pids");
	mkdir(CG, 0755);
	if (access(CG "/pids.current", R_OK))
		die("cgroup v2 pids controller");
}

/*
 * What a guest program does first: take the module's path, name itself,
 * become the subreaper of the orphans it makes, mount the cgroup, start
 * the TAP.
 */
static void guest_start(int argc, char **argv, const char *name)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.ko\n", name);
		exit(2);
	}
	module_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	prctl(PR_SET_NAME, name);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		die("PR_SET_CHILD_SUBREAPER");
	setup_cgroup();
	printf("TAP version 13\n");
}

/* ------------------------------------------------ the batch form (issue 13) */

/*
 * A parent's /proc/<pid>/reap_zombie reads one line per zombie child:
 * "PID START STATUS SIGNAL DEAD_MS THREADS TRACED COMM\n", and takes
 * "PID:START" entries (design.md, "Batch form"). What the guest programs
 * need to read, check and write it, parsed strictly and independently of
 * the module.
 */
#define BATCH_MAX 65536

struct bline {
	pid_t pid;
	unsigned long long start;
	long long status, sig, dead_ms, threads, traced;
	char comm[4 * 16 + 1];	/* as listed: escaped */
};

struct blist {
	struct bline *v;
	int n;
	int bad;		/* lines that do not parse */
	int dups;		/* pids listed twice */
	int err;		/* errno of the open or read that failed, else 0 */
	long bytes;
	long reads;
	char first_bad[160];
};

/* Decimal digits, no sign, no leading zero, no overflow: 0 if not. */
static int parse_dec(const char **s, const char *end, unsigned long long *v)
{
	const char *p = *s;
	unsigned long long x = 0;

	if (p >= end || *p < '0' || *p > '9')
		return 0;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (x > (ULLONG_MAX - (unsigned)(*p - '0')) / 10)
			return 0;
		x = x * 10 + (*p - '0');
	}
	*s = p;
	*v = x;
	return 1;
}

/* One line, without its newline; 1 if it is well formed. */
static int bline_parse(const char *s, const char *e, struct bline *b)
{
	unsigned long long f[7];
	const char *p = s, *q;
	int i;

	for (i = 0; i < 7; i++) {
		if (!parse_dec(&p, e, &f[i]) || p >= e || *p != ' ')
			return 0;
		p++;
	}
	if (!f[0] || f[0] > INT_MAX || f[6] > 1 || (size_t)(e - p) >= sizeof(b->comm))
		return 0;
	for (q = p; q < e; q++) {
		unsigned char c = *q;

		if (c < 0x20 || c > 0x7e)
			return 0;
		if (c == '\\') {
			if (e - q < 4 || q[1] < '0' || q[1] > '3' || q[2] < '0' ||
			    q[2] > '7' || q[3] < '0' || q[3] > '7')
				return 0;
			q += 3;
		}
	}
	b->pid = f[0];
	b->start = f[1];
	b->status = f[2];
	b->sig = f[3];
	b->dead_ms = f[4];
	b->threads = f[5];
	b->traced = f[6];
	memcpy(b->comm, p, e - p);
	b->comm[e - p] = 0;
	return 1;
}

static int bline_cmp(const void *a, const void *b)
{
	const struct bline *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void blist_free(struct blist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Parse @len bytes of a listing; the lines sorted by pid. An unfinished
 * last line counts as bad unless @partial (the read was cut by an error).
 */
static void blist_parse(struct blist *l, const char *buf, size_t len,
			int partial)
{
	const char *s = buf, *e;
	int cap = 0, i;

	l->bytes = len;
	while (s < buf + len) {
		e = memchr(s, '\n', buf + len - s);
		if (!e) {
			if (!partial && !l->bad++)
				snprintf(l->first_bad, sizeof(l->first_bad),
					 "no final newline: %.*s",
					 (int)(buf + len - s > 100 ? 100 : buf + len - s), s);
			break;
		}
		if (l->n == cap) {
			cap = cap ? 2 * cap : 256;
			l->v = realloc(l->v, cap * sizeof(*l->v));
		}
		if (bline_parse(s, e, &l->v[l->n]))
			l->n++;
		else if (!l->bad++)
			snprintf(l->first_bad, sizeof(l->first_bad), "%.*s",
				 (int)(e - s > 150 ? 150 : e - s), s);
		s = e + 1;
	}
	qsort(l->v, l->n, sizeof(*l->v), bline_cmp);
	for (i = 1; i < l->n; i++)
		l->dups += l->v[i].pid == l->v[i - 1].pid;
}

/* Read a listing through @fd, @chunk bytes per read(), to its end. */
static struct blist blist_read_fd(int fd, size_t chunk)
{
	struct blist l = { 0 };
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);

	for (;;) {
		ssize_t r;

		if (len + chunk > cap) {
			cap = 2 * (len + chunk);
			buf = realloc(buf, cap + 1);
		}
		r = read(fd, buf + len, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			l.err = errno;
			break;
		}
		l.reads++;
		if (!r)
			break;
		len += r;
	}
	blist_parse(&l, buf, len, l.err != 0);
	free(buf);
	return l;
}

static int open_rz(pid_t pid, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/" MODNAME, pid);
	return open(path, flags | O_CLOEXEC);
}

/*
 * How try_priv() lacks the privilege: setuid(65534) after opening; a new
 * user namespace after opening; uid 0 without CAP_SYS_ADMIN from the
 * start; the same; CAP_SYS_ADMIN dropped after opening (the writer's own
 * check); uid 65534 from the start.
 */
enum { P_SETUID, P_USERNS, P_NOCAP, P_OPEN_NOCAP, P_NOCAP_AFTER_OPEN,
       P_OPEN_UNPRIV };

/*
 * In a child: open @parent's file, change credentials (@how), then read
 * (@payload NULL) or write @payload. Returns the errno, 0 on success.
 */
static int try_priv(pid_t parent, int how, const char *payload)
{
	int p[2], err = -1;
	pid_t c;

	if (pipe(p))
		die("pipe");
	c = fork();
	if (!c) {
		int fd, flags = payload ? O_WRONLY : O_RDONLY;
		char buf[256];

		if (how == P_OPEN_UNPRIV &&
		    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
			_exit(100);
		if ((how == P_OPEN_NOCAP || how == P_NOCAP) && drop_cap_sys_admin())
			_exit(101);
		fd = open_rz(parent, flags);
		if (fd < 0) {
			err = errno;
		} else {
			if (how == P_SETUID &&
			    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
				_exit(102);
			if (how == P_USERNS && unshare(CLONE_NEWUSER))
				_exit(103);
			if (how == P_NOCAP_AFTER_OPEN && drop_cap_sys_admin())
				_exit(104);
			err = payload ? write_fd(fd, payload, strlen(payload)) :
					(read(fd, buf, sizeof(buf)) < 0 ? errno : 0);
		}
		_exit(write(p[1], &err, sizeof(err)) != sizeof(err));
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(p[0]);
	waitpid(c, NULL, 0);
	return err;
}

/*
 * A process without CAP_SYS_ADMIN opens @parent's file (@flags) and passes
 * us the fd: -1 if it could not.
 */
static int passed_fd(pid_t parent, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int sv[2], fd = -1;
	pid_t c;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		die("socketpair");
	c = fork();
	if (!c) {
		if (drop_cap_sys_admin())
			_exit(1);
		fd = open_rz(parent, flags);
		if (fd < 0)
			_exit(2);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		_exit(sendmsg(sv[1], &m, 0) == 1 ? 0 : 3);
	}
	if (recvmsg(sv[0], &m, 0) == 1 && (cm = CMSG_FIRSTHDR(&m)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	waitpid(c, NULL, 0);
	close(sv[0]);
	close(sv[1]);
	return fd;
}


/* @parent's listing, read in @chunk-byte pieces. */
static struct blist blist_read(pid_t parent, size_t chunk)
{
	struct blist l = { 0 };
	int fd = open_rz(parent, O_RDONLY);

	if (fd < 0) {
		l.err = errno;
		return l;
	}
	l = blist_read_fd(fd, chunk);
	close(fd);
	return l;
}

static const struct bline *blist_find(const struct blist *l, pid_t pid)
{
	struct bline key = { .pid = pid };

	return l->n ? bsearch(&key, l->v, l->n, sizeof(*l->v), bline_cmp) : NULL;
}

/* What /proc/PID/stat says: fields 3 (state), 4, 22, 38 and 52. */
struct pstat {
	char state;
	pid_t ppid;
	unsigned long long start;
	long long exit_signal, exit_code;
};

static int pstat_path(const char *path, struct pstat *ps)
{
	char buf[2048], *p, *tok;
	int field;

	memset(ps, 0, sizeof(*ps));
	p = read_stat_rest(path, buf, sizeof(buf));
	if (!p)
		return 0;
	for (field = 3, tok = strtok(p, " \n"); tok;
	     tok = strtok(NULL, " \n"), field++) {
		if (field == 3)
			ps->state = tok[0];
		else if (field == 4)
			ps->ppid = atoi(tok);
		else if (field == 22)
			ps->start = strtoull(tok, NULL, 10);
		else if (field == 38)
			ps->exit_signal = strtoll(tok, NULL, 10);
		else if (field == 52)
			ps->exit_code = strtoll(tok, NULL, 10);
	}
	return field > 52;
}

static int pstat(pid_t pid, struct pstat *ps)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return pstat_path(path, ps);
}

static unsigned long long start_of(pid_t pid)
{
	struct pstat ps;

	return pstat(pid, &ps) ? ps.start : 0;
}

/* A comm as the listing writes it: \, newline, < 0x20, > 0x7e as \ooo. */
static void comm_escape(const char *raw, char *out)
{
	const unsigned char *c;

	for (c = (const unsigned char *)raw; *c; c++) {
		if (*c == '\\' || *c < 0x20 || *c > 0x7e)
			out += sprintf(out, "\\%03o", *c);
		else
			*out++ = *c;
	}
	*out = 0;
}

/* write() the whole @len bytes at once: what it returned, or -errno. */
static long bwrite(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

/* Open @parent's file, write @payload (a string), close. */
static long bwrite_to(pid_t parent, const char *payload)
{
	int fd = open_rz(parent, O_WRONLY);
	long r;

	if (fd < 0)
		return -errno;
	r = bwrite(fd, payload, strlen(payload));
	close(fd);
	return r;
}

/*
 * The write grammar, independent of the module: entries PID:START (decimal
 * digits, no sign, no leading zero, PID >= 1 and an int, START a 64-bit
 * number) separated by one space or one newline, an optional final
 * newline, 1..65536 bytes. Returns the number of entries, 0 when the
 * payload is invalid; the first @max entries go to @pids and @starts.
 */
static int batch_parse(const char *b, size_t n, pid_t *pids,
		       unsigned long long *starts, int max)
{
	const char *p = b, *end = b + n;
	unsigned long long pid, start;
	int k = 0;

	if (!n || n > BATCH_MAX)
		return 0;
	for (;;) {
		if (!parse_dec(&p, end, &pid) || !pid || pid > INT_MAX ||
		    p >= end || *p++ != ':' || !parse_dec(&p, end, &start))
			return 0;
		if (k < max) {
			pids[k] = pid;
			starts[k] = start;
		}
		k++;
		if (p == end)
			return k;
		if (*p != ' ' && *p != '\n')
			return 0;
		if (*p == '\n' && p + 1 == end)
			return k;
		p++;
	}
}

/* ---------------------------------------------------------------- racers */

/*
 * A thread that races the test: each round starts and ends at a barrier
 * both pass (racer_go() twice), and in between the racer runs @fn(@arg)
 * while the test does its own part.
 */
struct racer {
	pthread_barrier_t go;
	pthread_t th;
	int stop;
	void (*fn)(void *arg);
	void *arg;
};

static void *racer_main(void *p)
{
	struct racer *r = p;

	for (;;) {
		pthread_barrier_wait(&r->go);
		if (r->stop)
			return NULL;
		r->fn(r->arg);
		pthread_barrier_wait(&r->go);
	}
}

static void racer_start(struct racer *r, void (*fn)(void *), void *arg)
{
	r->stop = 0;
	r->fn = fn;
	r->arg = arg;
	pthread_barrier_init(&r->go, NULL, 2);
	if (pthread_create(&r->th, NULL, racer_main, r))
		die("pthread_create");
}

static void racer_go(struct racer *r)
{
	pthread_barrier_wait(&r->go);
}

static void racer_stop(struct racer *r)
{
	r->stop = 1;
	pthread_barrier_wait(&r->go);
	pthread_join(r->th, NULL);
	pthread_barrier_destroy(&r->go);
}

/* ------------------------------ shared by rzcontract, rzstress, rztool */

#define MANY() ((int)env_long("RZ_MANY", 2000))
#define REAPED "/sys/module/reap_zombie/parameters/reaped"

/* Does readdir of @dir list @name? */
static int dir_has(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	closedir(d);
	return found;
}

/*
 * Thread group with the leader dead and one thread stuck in vfork (D):
 * rzcontract's live_thread, rztool's zombiectl_live_thread.
 */
static int vfork_pipe[2];
static char vfork_stack[64 * 1024] __attribute__((aligned(16)));

static int vfork_child(void *arg)
{
	pid_t me = getpid();

	if (write(vfork_pipe[1], &me, sizeof(me)) != sizeof(me))
		_exit(1);
	for (;;)
		pause();
}

static void *vfork_thread(void *arg)
{
	pid_t tid = gettid();

	if (write(vfork_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	clone(vfork_child, vfork_stack + sizeof(vfork_stack),
	      CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	_exit(9);	/* the vfork child was killed: end the group */
}

/*
 * Start such a group: returns its pid (the leader, soon a zombie), with
 * @tid the thread in vfork and @v the vfork child, whose kill ends it.
 */
static pid_t vfork_group(pid_t *tid, pid_t *v)
{
	pid_t c;

	if (pipe(vfork_pipe))
		die("pipe");
	c = fork();
	if (!c) {
		pthread_t th;

		if (pthread_create(&th, NULL, vfork_thread, NULL))
			_exit(1);
		syscall(SYS_exit, 0);	/* the leader alone */
	}
	if (read(vfork_pipe[0], tid, sizeof(*tid)) != sizeof(*tid) ||
	    read(vfork_pipe[0], v, sizeof(*v)) != sizeof(*v))
		die("vfork thread");
	close(vfork_pipe[0]);
	close(vfork_pipe[1]);
	return c;
}

/*
 * The writer races the parent's own waitpid(): one of them wins, once
 * (rzcontract's race_waitpid, rzstress's two_writers).
 */
struct race {
	struct racer rc;
	int fd;
	int err;
};

static void race_write(void *arg)
{
	struct race *r = arg;

	r->err = r->fd < 0 ? ENOENT : write_fd(r->fd, "1", 1);
}

/* A thread that only waits (rzstress's switch, rztool's bad input). */
static void *idle_thread(void *arg)
{
	pause();
	return NULL;
}

/*
 * The last test of the suite's programs: unload the module, and no
 * /proc/<pid>/reap_zombie is left behind.
 */
static void unload_none_left(void)
{
	struct stat st;

	unload_last();
	ok(stat("/proc/self/" MODNAME, &st) < 0 && errno == ENOENT &&
	   !dir_has("/proc/self", MODNAME),
	   "after rmmod no /proc/<pid>/reap_zombie is left");
}

/* ------------------------------------------------------------ the runner */

struct rz_test {
	const char *name;
	void (*fn)(void);
};

#define T(name) { #name, test_##name }

/*
 * The guest program's main: start, run @tests in order (RZ_ONLY=name,name:
 * just those, and always the first and the last, which load and unload
 * the module), end the TAP. The exit status says whether all passed.
 */
static int run_tests(int argc, char **argv, const char *name,
		     const struct rz_test *tests, unsigned int n)
{
	const char *only = getenv("RZ_ONLY");
	unsigned int i;

	guest_start(argc, argv, name);
	signal(SIGUSR1, SIG_IGN);
	for (i = 0; i < n; i++) {
		double t0;

		if (only && i && i + 1 < n && !strstr(only, tests[i].name))
			continue;
		t0 = now();
		tests[i].fn();
		/* where a boot's time goes: docs/testing.md's table */
		diag("%s %s: %.1f s", name, tests[i].name, now() - t0);
	}
	tap_plan_end();
	return tap_failed ? 1 : 0;
}

#endif /* RZ_LIB_H */
