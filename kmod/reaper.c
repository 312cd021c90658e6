// SPDX-License-Identifier: GPL-2.0
/*
 * The zombie_reaper kernel thread.
 *
 * A zombie is released only by the kernel's own exit/wait code. The module
 * calls none of it (release_task() and friends are not exported and are
 * sealed on IBT kernels); it arranges for the kernel to do it:
 *
 * zombie_reaper is a child subreaper and, like every kthread, ignores
 * SIGCHLD. It keeps a "carrier" kthread, made its own child. Under
 * tasklist_lock it checks each requested zombie again and moves it onto the
 * carrier (children list, real_parent, parent), then stops the carrier. In
 * the carrier's exit, forget_original_parent() hands the zombies to the
 * nearest subreaper, zombie_reaper; do_notify_parent() sees SIGCHLD ignored
 * and release_task() frees them: /proc/<pid> goes, the pid and the cgroup's
 * pids charge are given back.
 *
 * Requests are batched: each carrier takes at most RZ_CHUNK zombies so that
 * neither this thread's nor the carrier's exit's hold of tasklist_lock grows
 * with the number of zombies.
 */
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <linux/refcount.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "compat.h"
#include "reap_zombie.h"

#define RZ_CHUNK 64
/* How long a writer waits for its zombie (killable). */
#define RZ_WAIT_JIFFIES (10 * HZ)
/* How long the thread waits for a carrier's exit to release its zombies. */
#define RZ_RELEASE_JIFFIES (5 * HZ)

struct rz_request {
	struct list_head node;
	struct pid *pid;
	struct completion done;
	refcount_t ref;
	bool taken;
	int result;
	/* for the log line */
	int exit_code;
	pid_t ppid;
	char comm[TASK_COMM_LEN];
	char pcomm[TASK_COMM_LEN];
	uid_t uid;
	pid_t req_pid;
	char req_comm[TASK_COMM_LEN];
};

/*
 * The longest the module has held tasklist_lock for writing, so that a
 * test or an operator can see that chunking keeps it short.
 */
static unsigned long rz_max_hold_ns;
module_param_named(max_lock_hold_ns, rz_max_hold_ns, ulong, 0644);
MODULE_PARM_DESC(max_lock_hold_ns,
		 "longest hold of tasklist_lock by zombie_reaper, in ns (write 0 to reset)");

/* What the thread has done, for operators and make bench. */
static unsigned long rz_stat_reaped;
module_param_named(reaped, rz_stat_reaped, ulong, 0444);
MODULE_PARM_DESC(reaped, "zombies released since the module was loaded");
static unsigned long rz_stat_carriers;
module_param_named(carriers, rz_stat_carriers, ulong, 0444);
MODULE_PARM_DESC(carriers,
		 "carriers retired with zombies on them (reaped/carriers: the mean batch)");

static DEFINE_SPINLOCK(rz_queue_lock);
static LIST_HEAD(rz_queue);
/* requests on rz_queue; written under rz_queue_lock, read without it */
static unsigned int rz_queued;
static DECLARE_WAIT_QUEUE_HEAD(rz_reaper_wq);
static struct task_struct *rz_reaper;

/* Under tasklist_lock, just before unlocking: note how long it was held. */
static void rz_hold_end(u64 start)
{
	unsigned long held = local_clock() - start;

	if (held > READ_ONCE(rz_max_hold_ns))
		WRITE_ONCE(rz_max_hold_ns, held);
}

static void rz_put(struct rz_request *req)
{
	if (refcount_dec_and_test(&req->ref)) {
		put_pid(req->pid);
		kfree(req);
	}
}

/* 0 when @p may be reaped; called under RCU or tasklist_lock. */
static int rz_check(struct task_struct *p)
{
	int state;

	if (!p)
		return -ESRCH;
	state = READ_ONCE(p->exit_state);
	if (state == EXIT_DEAD)
		return -ESRCH;
	if (state != EXIT_ZOMBIE || (p->flags & PF_KTHREAD) || p->ptrace ||
	    !thread_group_leader(p))
		return -EBUSY;
	if (!thread_group_empty(p))
		return -ENOTEMPTY;
	return 0;
}

/*
 * Wait until @pid has no task: release_task() has run. Nothing wakes us
 * then (the exiting carrier notifies its parent before it releases), so
 * poll, backing off from RZ_POLL_MIN_US to RZ_POLL_MAX_US: every poll is a
 * wakeup that takes the CPU from the carrier doing the releasing.
 */
#define RZ_POLL_MIN_US 20
#define RZ_POLL_MAX_US 1000
static bool rz_wait_released(struct pid *pid)
{
	unsigned long deadline = jiffies + RZ_RELEASE_JIFFIES;
	unsigned int us = RZ_POLL_MIN_US;

	while (pid_has_task(pid, PIDTYPE_PID)) {
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(us, us + us / 2);
		us = min(2 * us, RZ_POLL_MAX_US);
	}
	return true;
}

static int rz_carrier_fn(void *unused)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* A new carrier, child of zombie_reaper (current). */
static struct task_struct *rz_carrier_new(void)
{
	struct task_struct *c;
	u64 start;

	c = kthread_create(rz_carrier_fn, NULL, "zombie_carrier");
	if (IS_ERR(c))
		return c;
	get_task_struct(c);

	write_lock_irq(rz_tasklist_lock);
	start = local_clock();
	list_move_tail(&c->sibling, &current->children);
	rcu_assign_pointer(c->real_parent, current);
	rcu_assign_pointer(c->parent, current);
	c->signal->has_child_subreaper = 1;
	rz_hold_end(start);
	write_unlock_irq(rz_tasklist_lock);

	wake_up_process(c);
	return c;
}

/* Stop a carrier and wait until it is gone; false if it lingered. */
static bool rz_carrier_retire(struct task_struct *c)
{
	struct pid *pid = get_task_pid(c, PIDTYPE_PID);
	bool gone;

	kthread_stop(c);
	put_task_struct(c);
	gone = rz_wait_released(pid);
	put_pid(pid);
	return gone;
}

/* Under tasklist_lock: move @p from its parent to @carrier. */
static void rz_adopt(struct task_struct *p, struct task_struct *carrier,
		     struct rz_request *req)
{
	struct task_struct *parent = rcu_dereference_protected(p->real_parent,
							       true);

	req->exit_code = p->exit_code;
	req->ppid = task_tgid_nr(parent);
	strscpy(req->comm, p->comm, sizeof(req->comm));
	strscpy(req->pcomm, parent->comm, sizeof(req->pcomm));

	/* Let a parent blocked in wait() look at its children again. */
	__wake_up_sync_key(&parent->signal->wait_chldexit, TASK_INTERRUPTIBLE,
			   p);

	list_move_tail(&p->sibling, &carrier->children);
	rcu_assign_pointer(p->real_parent, carrier);
	rcu_assign_pointer(p->parent, carrier);
}

static void rz_log(const struct rz_request *req)
{
	int sig = req->exit_code & 0x7f;

	if (sig)
		pr_info_ratelimited("reaped pid %d (%s), killed by signal %d%s, parent %d (%s), requested by uid %u pid %d (%s)\n",
				    pid_nr(req->pid), req->comm, sig,
				    req->exit_code & 0x80 ? " (core dumped)" : "",
				    req->ppid, req->pcomm, req->uid,
				    req->req_pid, req->req_comm);
	else
		pr_info_ratelimited("reaped pid %d (%s), exit %d, parent %d (%s), requested by uid %u pid %d (%s)\n",
				    pid_nr(req->pid), req->comm,
				    (req->exit_code >> 8) & 0xff, req->ppid,
				    req->pcomm, req->uid, req->req_pid,
				    req->req_comm);
}

static void rz_finish(struct list_head *batch)
{
	struct rz_request *req, *tmp;

	list_for_each_entry_safe(req, tmp, batch, node) {
		list_del(&req->node);
		if (!req->result)
			rz_log(req);
		complete(&req->done);
		rz_put(req);
	}
}

static void rz_run_batch(struct list_head *batch, struct task_struct **carrier)
{
	struct rz_request *req;
	unsigned int moved = 0;
	u64 start;

	if (!*carrier) {
		*carrier = rz_carrier_new();
		if (IS_ERR(*carrier)) {
			int err = PTR_ERR(*carrier);

			*carrier = NULL;
			list_for_each_entry(req, batch, node)
				req->result = err;
			return;
		}
	}

	write_lock_irq(rz_tasklist_lock);
	start = local_clock();
	rcu_read_lock();
	list_for_each_entry(req, batch, node) {
		struct task_struct *p = pid_task(req->pid, PIDTYPE_PID);

		req->result = rz_check(p);
		/* a second request for a zombie this batch already took */
		if (!req->result && rcu_access_pointer(p->real_parent) == *carrier)
			req->result = -ESRCH;
		if (req->result)
			continue;
		rz_adopt(p, *carrier, req);
		moved++;
	}
	rcu_read_unlock();
	rz_hold_end(start);
	write_unlock_irq(rz_tasklist_lock);

	if (!moved)
		return;
	rz_carrier_retire(*carrier);
	*carrier = NULL;
	WRITE_ONCE(rz_stat_carriers, rz_stat_carriers + 1);
	list_for_each_entry(req, batch, node) {
		if (req->result)
			continue;
		if (rz_wait_released(req->pid))
			WRITE_ONCE(rz_stat_reaped, rz_stat_reaped + 1);
		else
			req->result = -ETIMEDOUT;
	}
}

/* How many requests the next batch takes; 0 when the queue is empty. */
static unsigned int rz_take_batch(struct list_head *batch)
{
	struct rz_request *req, *tmp;
	unsigned int n = 0;

	spin_lock(&rz_queue_lock);
	list_for_each_entry_safe(req, tmp, &rz_queue, node) {
		if (n == RZ_CHUNK)
			break;
		n++;
		req->taken = true;
		list_move_tail(&req->node, batch);
		WRITE_ONCE(rz_queued, rz_queued - 1);
	}
	spin_unlock(&rz_queue_lock);
	return n;
}

/*
 * Batch concurrent requests. The writers of the last batch (@expect of
 * them), just woken, are likely opening their next file: wait a little for
 * them, so that one carrier takes them all instead of one each. Stops when
 * they are there, when the queue stops growing, or after RZ_GATHER_US; a
 * lone writer (@expect <= 1) never waits.
 */
#define RZ_GATHER_US 2000
#define RZ_GATHER_STEP_US 100
static void rz_gather(unsigned int expect)
{
	ktime_t end = ktime_add_us(ktime_get(), RZ_GATHER_US);
	unsigned int n = READ_ONCE(rz_queued), last;

	expect = min_t(unsigned int, expect, RZ_CHUNK);
	while (n < expect && ktime_before(ktime_get(), end)) {
		last = n;
		usleep_range(RZ_GATHER_STEP_US, 2 * RZ_GATHER_STEP_US);
		n = READ_ONCE(rz_queued);
		if (n == last)
			break;
	}
}

static bool rz_pending(void)
{
	return READ_ONCE(rz_queued);
}

/* Have a carrier ready before the next batch needs one. */
static void rz_carrier_ready(struct task_struct **carrier)
{
	if (*carrier)
		return;
	*carrier = rz_carrier_new();
	if (IS_ERR(*carrier))
		*carrier = NULL;	/* rz_run_batch() tries again */
}

static int rz_reaper_fn(void *unused)
{
	struct task_struct *carrier = NULL;
	unsigned int n, last = 0;
	LIST_HEAD(batch);

	/* Orphans of our carriers come here, and are released at once. */
	current->signal->is_child_subreaper = 1;
	disallow_signal(SIGCHLD);

	while (!kthread_should_stop()) {
		rz_carrier_ready(&carrier);
		wait_event_interruptible(rz_reaper_wq,
					 rz_pending() || kthread_should_stop());
		rz_gather(last);
		while ((n = rz_take_batch(&batch))) {
			rz_run_batch(&batch, &carrier);
			rz_finish(&batch);
			last = n;
			/* made while the writers just woken come back */
			rz_carrier_ready(&carrier);
			rz_gather(last);
		}
	}
	if (carrier && !rz_carrier_retire(carrier))
		pr_warn("zombie_carrier did not exit\n");
	return 0;
}

int rz_reaper_start(void)
{
	rz_reaper = kthread_run(rz_reaper_fn, NULL, "zombie_reaper");
	if (IS_ERR(rz_reaper)) {
		int err = PTR_ERR(rz_reaper);

		rz_reaper = NULL;
		return err;
	}
	return 0;
}

void rz_reaper_stop(void)
{
	if (rz_reaper)
		kthread_stop(rz_reaper);
	rz_reaper = NULL;
}

/*
 * Reap the zombie @pid: returns once it has been released, or -errno with
 * nothing done. Sleeps, killable and bounded.
 */
int rz_reap(struct pid *pid)
{
	struct rz_request *req;
	long left;
	int err;

	rcu_read_lock();
	err = rz_check(pid_task(pid, PIDTYPE_PID));
	rcu_read_unlock();
	if (err)
		return err;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->pid = get_pid(pid);
	init_completion(&req->done);
	refcount_set(&req->ref, 2);
	req->uid = from_kuid_munged(&init_user_ns, current_uid());
	req->req_pid = task_tgid_nr(current);
	get_task_comm(req->req_comm, current);

	spin_lock(&rz_queue_lock);
	list_add_tail(&req->node, &rz_queue);
	WRITE_ONCE(rz_queued, rz_queued + 1);
	spin_unlock(&rz_queue_lock);
	wake_up(&rz_reaper_wq);

	left = wait_for_completion_killable_timeout(&req->done,
						    RZ_WAIT_JIFFIES);
	if (left > 0) {
		err = req->result;
	} else {
		err = left ? -EINTR : -ETIMEDOUT;
		spin_lock(&rz_queue_lock);
		if (!req->taken) {
			list_del(&req->node);
			WRITE_ONCE(rz_queued, rz_queued - 1);
			refcount_dec(&req->ref);
		}
		spin_unlock(&rz_queue_lock);
		if (try_wait_for_completion(&req->done))
			err = req->result;
	}
	rz_put(req);
	return err;
}
