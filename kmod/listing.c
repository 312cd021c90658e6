// SPDX-License-Identifier: GPL-2.0
/*
 * What reading a parent's /proc/<tgid>/reap_zombie shows: one line per
 * zombie child (a child of any of its threads),
 *
 *	PID START STATUS SIGNAL DEAD_MS THREADS TRACED COMM
 *
 * with PID numbered in the pid namespace of the proc mount. It is built
 * without tasklist_lock: under RCU, the pids of that namespace are walked
 * in order (rz_find_ge_pid(), as readdir of /proc walks them), RZ_LIST_STEP
 * at a time, and a zombie is kept when its real_parent is in the file's
 * thread group. So a read costs a walk of the namespace's pids, holds off
 * nobody (neither fork() nor exit()), sees only what that namespace sees,
 * and lists 30,000 children as completely as 3: every line comes from one
 * walk, into one buffer, which read() then hands out piece by piece. Each
 * RCU section counts in max_lock_hold_ns, as a tasklist_lock hold does.
 */
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "reap_zombie.h"

/* pids looked at per RCU read-side section */
#define RZ_LIST_STEP 64
/* the longest line: numbers at their widest, COMM all escapes */
#define RZ_LINE_MAX (11 + 21 + 12 + 12 + 21 + 11 + 2 + 4 * TASK_COMM_LEN + 1)

struct rz_buf {
	char *p;
	size_t len, size;
};

static int rz_buf_add(struct rz_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->size) {
		size_t size = max3(b->size * 2, b->len + n, (size_t)PAGE_SIZE);
		char *p = kvmalloc(size, GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		if (b->len)
			memcpy(p, b->p, b->len);
		kvfree(b->p);
		b->p = p;
		b->size = size;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* @v in decimal and then @end at @out: the bytes written. */
static size_t rz_num(char *out, u64 v, char end)
{
	char digits[20];
	size_t n = 0, i = 0;

	do {
		digits[i++] = '0' + do_div(v, 10);
	} while (v);
	while (i)
		out[n++] = digits[--i];
	out[n++] = end;
	return n;
}

static size_t rz_int(char *out, int v, char end)
{
	if (v >= 0)
		return rz_num(out, v, end);
	*out = '-';
	return 1 + rz_num(out + 1, -(s64)v, end);
}

/* As /proc/self/mountinfo escapes: '\', newline, the unprintable. */
static size_t rz_escape(char *out, const char *comm)
{
	size_t n = 0;
	int i;

	for (i = 0; i < TASK_COMM_LEN && comm[i]; i++) {
		unsigned char c = comm[i];

		if (c == '\\' || c < 0x20 || c > 0x7e) {
			out[n++] = '\\';
			out[n++] = '0' + (c >> 6);
			out[n++] = '0' + ((c >> 3) & 7);
			out[n++] = '0' + (c & 7);
		} else {
			out[n++] = c;
		}
	}
	return n;
}

/*
 * The line of zombie @p, numbered @nr, START as a reader with time
 * namespace offset @off sees it; under RCU. Formatted by hand: vsnprintf()
 * was a tenth of the cost of reaping 10,000 zombies in make bench.
 */
static size_t rz_line(char *out, struct task_struct *p, int nr, s64 off)
{
	struct signal_struct *sig = p->signal;
	/* stat field 52, as do_task_stat() computes it for the process */
	int status = sig->flags & (SIGNAL_GROUP_EXIT | SIGNAL_STOP_STOPPED) ?
		     sig->group_exit_code : p->exit_code;
	int threads = max(READ_ONCE(sig->nr_threads) - 1, 0);
	char comm[TASK_COMM_LEN];
	size_t n = 0;

	memcpy(comm, p->comm, sizeof(comm));
	comm[sizeof(comm) - 1] = '\0';
	n += rz_num(out + n, nr, ' ');
	n += rz_num(out + n, rz_start_ticks(p, off), ' ');
	n += rz_int(out + n, status, ' ');
	n += rz_int(out + n, p->exit_signal, ' ');
	n += rz_num(out + n, div_u64(rz_dead_ns(p), NSEC_PER_MSEC), ' ');
	n += rz_num(out + n, threads, ' ');
	n += rz_num(out + n, p->ptrace ? 1 : 0, ' ');
	n += rz_escape(out + n, comm);
	out[n++] = '\n';
	return n;
}

/*
 * The listing of @parent's zombie children as @ns numbers them, into a
 * new buffer (kvfree() it; NULL when empty). 0, -ESRCH when @parent has
 * no task any more, -ENOMEM, or -EINTR on a fatal signal.
 */
int rz_list(struct pid *parent, struct pid_namespace *ns, char **buf,
	    size_t *len)
{
	s64 off = rz_boot_offset();
	struct rz_buf out = { };
	char *step;
	bool done = false;
	int nr = 1;
	int err = 0;

	step = kvmalloc(RZ_LIST_STEP * RZ_LINE_MAX, GFP_KERNEL);
	if (!step)
		return -ENOMEM;
	while (!done && !err) {
		struct task_struct *ptask;
		size_t used = 0;
		u64 start;
		int seen;

		rcu_read_lock();
		start = rz_hold_clock();
		ptask = pid_task(parent, PIDTYPE_PID);
		if (!ptask) {
			rz_hold_end(start);
			rcu_read_unlock();
			err = -ESRCH;
			break;
		}
		for (seen = 0; seen < RZ_LIST_STEP; seen++) {
			struct pid *pid = rz_find_ge_pid(nr, ns);
			struct task_struct *p;

			if (!pid) {
				done = true;
				break;
			}
			nr = pid_nr_ns(pid, ns) + 1;
			p = pid_task(pid, PIDTYPE_PID);
			if (!p || READ_ONCE(p->exit_state) != EXIT_ZOMBIE ||
			    !thread_group_leader(p) ||
			    !same_thread_group(rcu_dereference(p->real_parent),
					       ptask))
				continue;
			used += rz_line(step + used, p, nr - 1, off);
		}
		rz_hold_end(start);
		rcu_read_unlock();

		err = rz_buf_add(&out, step, used);
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
	kvfree(step);
	if (err) {
		kvfree(out.p);
		return err;
	}
	*buf = out.p;
	*len = out.len;
	return 0;
}
