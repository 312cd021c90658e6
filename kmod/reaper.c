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
 * carrier (children list, real_parent, parent), then tells the carrier to
 * exit. In the carrier's exit, forget_original_parent() hands the zombies
 * to the nearest subreaper, zombie_reaper; do_notify_parent() sees SIGCHLD
 * ignored and release_task() frees them: /proc/<pid> goes, the pid and the
 * cgroup's pids charge are given back.
 *
 * Each carrier takes at most RZ_CHUNK zombies, so that neither this
 * thread's nor the carrier's exit's hold of tasklist_lock grows with the
 * number of zombies. Requests are the writes: the self form asks for one
 * zombie, the batch form for many. Concurrent requests share carriers, and
 * a big one is spread over as many as it needs, pipelined: while one
 * carrier exits, the thread makes the next and loads it, and it confirms
 * each release (the held struct pid has no task any more) only when
 * RZ_SLOTS carriers are in flight or nothing is left to move.
 */
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
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
/* Carriers exiting at once, their releases not yet confirmed. */
#define RZ_SLOTS 8
/* How long a writer waits for its zombies (killable), plus per zombie. */
#define RZ_WAIT_JIFFIES (10 * HZ)
#define RZ_WAIT_PER_TARGET_MS 2
/* How long the thread waits for a carrier's exit to release its zombies. */
#define RZ_RELEASE_JIFFIES (5 * HZ)

struct rz_request;

/* One zombie asked for. */
struct rz_target {
	struct rz_request *req;
	struct pid *pid;	/* NULL: no such pid when it was asked for */
	u64 start;		/* batch form: START as the writer read it */
	int result;
	/* for the log line */
	int exit_code;
	pid_t ppid;
	char comm[TASK_COMM_LEN];
	char pcomm[TASK_COMM_LEN];
};

/* One write(). */
struct rz_request {
	struct list_head node;
	struct completion done;
	refcount_t ref;
	/* under rz_queue_lock: a target has been handed to the thread */
	bool started;
	/* the writer gave up: what is not yet moved is left alone */
	bool cancelled;
	/* batch form: every target must be a child of it; NULL: self form */
	struct pid *parent;
	s64 boot_off;		/* the writer's time namespace, for START */
	unsigned int nr;
	unsigned int next;	/* handed out; under rz_queue_lock */
	unsigned int left;	/* not yet done; the thread's */
	uid_t uid;
	pid_t req_pid;
	char req_comm[TASK_COMM_LEN];
	struct rz_target tgt[];
};

/* A carrier: made ready, then loaded and exiting until confirmed. */
struct rz_slot {
	struct task_struct *carrier;	/* NULL: the slot is free */
	struct pid *carrier_pid;
	bool quit;			/* read by the carrier */
	unsigned int n;
	struct rz_target *tv[RZ_CHUNK];
};

/*
 * The longest the module has held tasklist_lock (for writing, to reap) or
 * one RCU read-side section of a listing (which takes no tasklist_lock,
 * but holds off the grace periods exit() waits for and, on kernels
 * without preemptible RCU, preemption), so that a test or an operator can
 * see that chunking keeps both short. Time the holder spent preempted
 * (PREEMPT_RT: see rz_hold_clock()) is not counted.
 */
static unsigned long rz_max_hold_ns;
module_param_named(max_lock_hold_ns, rz_max_hold_ns, ulong, 0644);
MODULE_PARM_DESC(max_lock_hold_ns,
		 "longest hold of tasklist_lock, or of one RCU section of a listing, in ns (write 0 to reset)");

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
/*
 * Requests on rz_queue, and their targets not yet handed out; written
 * under rz_queue_lock, read without it.
 */
static unsigned int rz_queued, rz_queued_targets;
static DECLARE_WAIT_QUEUE_HEAD(rz_reaper_wq);
static struct task_struct *rz_reaper;

/*
 * The thread's own: a ring of carriers. Slots [tail, head) are loaded and
 * exiting, oldest first; slot head holds the carrier made ready, if any.
 */
static struct rz_slot rz_slots[RZ_SLOTS];
static unsigned int rz_head, rz_tail;
/* self-form requests completed: their writers may be back soon */
static unsigned int rz_finished_single;

static bool rz_pending(void)
{
	return READ_ONCE(rz_queued);
}

/* Enough queued to fill a carrier: load the next before confirming. */
static bool rz_pipelined(void)
{
	return READ_ONCE(rz_queued_targets) >= RZ_CHUNK;
}

/*
 * Just before unlocking: note how long the lock was held. @start is
 * rz_hold_clock() at the start; the runqueue clock that run_delay is kept
 * in may lag local_clock() a little when the holder is preempted, so a
 * preempted hold can come out a little short, even below zero: 0 then.
 */
void rz_hold_end(u64 start)
{
	s64 d = rz_hold_clock() - start;
	unsigned long held = d > 0 ? d : 0;

	/* racy between readers, and only ever a few ns off: a statistic */
	if (held > READ_ONCE(rz_max_hold_ns))
		WRITE_ONCE(rz_max_hold_ns, held);
}

static void rz_put(struct rz_request *req)
{
	unsigned int i;

	if (!refcount_dec_and_test(&req->ref))
		return;
	for (i = 0; i < req->nr; i++)
		put_pid(req->tgt[i].pid);
	put_pid(req->parent);
	kvfree(req);
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
 * Is @p on one of our carriers (moved, not yet released)? Only the thread
 * itself asks, under tasklist_lock: it alone fills and empties the slots.
 */
static bool rz_on_carrier(const struct task_struct *p)
{
	const struct task_struct *parent = rcu_access_pointer(p->real_parent);
	unsigned int i;

	for (i = 0; i < RZ_SLOTS; i++)
		if (rz_slots[i].carrier == parent)
			return true;
	return false;
}

/*
 * 0 when @t's task @p may be reaped now; under RCU, or under tasklist_lock
 * by the thread (@loading) before it moves @p onto a carrier. The batch form first asks that it
 * is a child of the file's process with the START the writer read, so that
 * a reused pid is never hit.
 */
static int rz_check_target(const struct rz_target *t, struct task_struct *p,
			   bool loading)
{
	const struct rz_request *req = t->req;

	if (!p)
		return -ESRCH;
	if (req->parent) {
		struct task_struct *parent = pid_task(req->parent, PIDTYPE_PID);

		if (!parent ||
		    !same_thread_group(rcu_dereference_check(p->real_parent,
				lockdep_is_held(rz_tasklist_lock)), parent) ||
		    rz_start_ticks(p, req->boot_off) != t->start)
			return -ESRCH;
	} else if (loading && rz_on_carrier(p)) {
		/* a second request for a zombie a carrier already took */
		return -ESRCH;
	}
	return rz_check(p);
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

/* Sleeps until its slot says quit; then its exit hands on its children. */
static int rz_carrier_fn(void *data)
{
	const bool *quit = data;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(*quit) || kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void rz_log(const struct rz_target *t)
{
	const struct rz_request *req = t->req;
	int sig = t->exit_code & 0x7f;

	if (sig)
		pr_info_ratelimited("reaped pid %d (%s), killed by signal %d%s, parent %d (%s), requested by uid %u pid %d (%s)\n",
				    pid_nr(t->pid), t->comm, sig,
				    t->exit_code & 0x80 ? " (core dumped)" : "",
				    t->ppid, t->pcomm, req->uid,
				    req->req_pid, req->req_comm);
	else
		pr_info_ratelimited("reaped pid %d (%s), exit %d, parent %d (%s), requested by uid %u pid %d (%s)\n",
				    pid_nr(t->pid), t->comm,
				    (t->exit_code >> 8) & 0xff, t->ppid,
				    t->pcomm, req->uid, req->req_pid,
				    req->req_comm);
}

/* @t has its final result: the last of its request completes it. */
static void rz_target_done(struct rz_target *t)
{
	struct rz_request *req = t->req;
	unsigned int i;

	if (--req->left)
		return;
	for (i = 0; i < req->nr; i++)
		if (!req->tgt[i].result)
			rz_log(&req->tgt[i]);
	if (!req->parent)
		rz_finished_single++;
	complete(&req->done);
	rz_put(req);
}

/* Make a carrier, child of zombie_reaper (current), in the head slot. */
static int rz_carrier_ready(void)
{
	struct rz_slot *s = &rz_slots[rz_head % RZ_SLOTS];
	struct task_struct *c;
	u64 start;

	if (s->carrier)
		return 0;
	s->quit = false;
	s->n = 0;
	c = kthread_create(rz_carrier_fn, &s->quit, "zombie_carrier");
	if (IS_ERR(c))
		return PTR_ERR(c);
	get_task_struct(c);
	s->carrier_pid = get_task_pid(c, PIDTYPE_PID);

	write_lock_irq(rz_tasklist_lock);
	start = rz_hold_clock();
	list_move_tail(&c->sibling, &current->children);
	rcu_assign_pointer(c->real_parent, current);
	rcu_assign_pointer(c->parent, current);
	c->signal->has_child_subreaper = 1;
	rz_hold_end(start);
	write_unlock_irq(rz_tasklist_lock);

	s->carrier = c;
	wake_up_process(c);
	return 0;
}

/* Wait for the oldest exiting carrier and give its zombies their result. */
static void rz_confirm_oldest(void)
{
	struct rz_slot *s = &rz_slots[rz_tail % RZ_SLOTS];
	unsigned int i;

	if (!rz_wait_released(s->carrier_pid))
		pr_warn("zombie_carrier %d did not exit\n",
			pid_nr(s->carrier_pid));
	for (i = 0; i < s->n; i++) {
		struct rz_target *t = s->tv[i];

		if (rz_wait_released(t->pid))
			WRITE_ONCE(rz_stat_reaped, rz_stat_reaped + 1);
		else
			t->result = -ETIMEDOUT;
		rz_target_done(t);
	}
	if (s->n)
		WRITE_ONCE(rz_stat_carriers, rz_stat_carriers + 1);
	put_pid(s->carrier_pid);
	put_task_struct(s->carrier);
	s->carrier = NULL;
	rz_tail++;
}

static void rz_confirm_all(void)
{
	while (rz_tail != rz_head)
		rz_confirm_oldest();
}

/* Under tasklist_lock: move @p from its parent to @carrier. */
static void rz_adopt(struct task_struct *p, struct task_struct *carrier,
		     struct rz_target *t, struct task_struct **woken)
{
	struct task_struct *parent = rcu_dereference_protected(p->real_parent,
							       true);

	t->exit_code = p->exit_code;
	t->ppid = task_tgid_nr(parent);
	strscpy(t->comm, p->comm, sizeof(t->comm));
	strscpy(t->pcomm, parent->comm, sizeof(t->pcomm));

	/*
	 * Let a parent blocked in wait() look at its children again, once
	 * per chunk (a batch has one parent): it does so only after we unlock.
	 */
	if (parent != *woken) {
		__wake_up_sync_key(&parent->signal->wait_chldexit,
				   TASK_INTERRUPTIBLE, p);
		*woken = parent;
	}

	list_move_tail(&p->sibling, &carrier->children);
	rcu_assign_pointer(p->real_parent, carrier);
	rcu_assign_pointer(p->parent, carrier);
}

/* Check @n targets again and move those that pass onto @s's carrier. */
static void rz_load(struct rz_slot *s, struct rz_target **tv, unsigned int n)
{
	struct task_struct *woken = NULL;
	unsigned int i;
	u64 start;

	write_lock_irq(rz_tasklist_lock);
	start = rz_hold_clock();
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		struct rz_target *t = tv[i];
		struct task_struct *p;

		if (READ_ONCE(t->req->cancelled)) {
			t->result = -EINTR;
			continue;
		}
		p = t->pid ? pid_task(t->pid, PIDTYPE_PID) : NULL;
		t->result = rz_check_target(t, p, true);
		if (t->result)
			continue;
		rz_adopt(p, s->carrier, t, &woken);
		s->tv[s->n++] = t;
	}
	rcu_read_unlock();
	rz_hold_end(start);
	write_unlock_irq(rz_tasklist_lock);
}

/* Reap what @tv asks for on the ready carrier; make the next one. */
static void rz_run(struct rz_target **tv, unsigned int n)
{
	struct rz_slot *s;
	unsigned int i;
	int err;

	if (rz_head - rz_tail == RZ_SLOTS - 1)
		rz_confirm_oldest();
	err = rz_carrier_ready();
	if (err) {
		for (i = 0; i < n; i++) {
			tv[i]->result = err;
			rz_target_done(tv[i]);
		}
		return;
	}
	s = &rz_slots[rz_head % RZ_SLOTS];
	rz_load(s, tv, n);
	/* the refused are done now; rz_confirm_oldest() does the others */
	for (i = 0; i < n; i++)
		if (tv[i]->result)
			rz_target_done(tv[i]);
	if (!s->n)
		return;		/* the carrier stays ready */
	WRITE_ONCE(s->quit, true);
	wake_up_process(s->carrier);
	rz_head++;
	/*
	 * A full chunk waiting (a big batch): make the next carrier while
	 * that one exits (failure: the next rz_run() tries again). Otherwise
	 * the writers are answered first, and the carrier made after.
	 */
	if (rz_pipelined() && rz_head - rz_tail < RZ_SLOTS - 1)
		rz_carrier_ready();
}

/* Up to RZ_CHUNK targets from the queue, oldest request first. */
static unsigned int rz_take(struct rz_target **tv)
{
	struct rz_request *req, *tmp;
	unsigned int n = 0, taken = 0;

	spin_lock(&rz_queue_lock);
	list_for_each_entry_safe(req, tmp, &rz_queue, node) {
		req->started = true;
		while (n < RZ_CHUNK && req->next < req->nr)
			tv[n++] = &req->tgt[req->next++];
		WRITE_ONCE(rz_queued_targets, rz_queued_targets - n + taken);
		taken = n;
		if (req->next == req->nr) {
			list_del_init(&req->node);
			WRITE_ONCE(rz_queued, rz_queued - 1);
		}
		if (n == RZ_CHUNK)
			break;
	}
	spin_unlock(&rz_queue_lock);
	return n;
}

/*
 * Batch concurrent self-form requests. The writers just answered (@expect
 * of them) are likely opening their next file: wait a little for them, so
 * that one carrier takes them all instead of one each. Stops when they are
 * there, when the queue stops growing, or after RZ_GATHER_US; a lone
 * writer (@expect <= 1) never waits.
 */
#define RZ_GATHER_US 2000
#define RZ_GATHER_STEP_US 100
static void rz_gather(unsigned int expect)
{
	ktime_t end = ktime_add_us(ktime_get(), RZ_GATHER_US);
	unsigned int n = READ_ONCE(rz_queued), last;

	if (expect <= 1)
		return;
	expect = min_t(unsigned int, expect, RZ_CHUNK);
	while (n < expect && ktime_before(ktime_get(), end)) {
		last = n;
		usleep_range(RZ_GATHER_STEP_US, 2 * RZ_GATHER_STEP_US);
		n = READ_ONCE(rz_queued);
		if (n == last)
			break;
	}
}

static int rz_reaper_fn(void *unused)
{
	struct rz_target *tv[RZ_CHUNK];
	unsigned int n;

	/* Orphans of our carriers come here, and are released at once. */
	current->signal->is_child_subreaper = 1;
	disallow_signal(SIGCHLD);

	while (!kthread_should_stop()) {
		rz_carrier_ready();	/* failure: rz_run() tries again */
		wait_event_interruptible(rz_reaper_wq,
					 rz_pending() || kthread_should_stop());
		for (;;) {
			n = rz_take(tv);
			if (!n && rz_tail == rz_head)
				break;
			if (n)
				rz_run(tv, n);
			if (rz_pipelined())
				continue;
			/*
			 * Answer the writers; those of the self form are
			 * likely back soon with their next zombie. Make the
			 * next carrier first: its kthread_create() is time
			 * they have to come back in, and those that do share
			 * it (failure: rz_run() tries again).
			 */
			rz_finished_single = 0;
			rz_confirm_all();
			rz_carrier_ready();
			rz_gather(rz_finished_single);
		}
	}
	rz_confirm_all();
	/* the ready carrier, with nothing on it */
	if (rz_slots[rz_head % RZ_SLOTS].carrier) {
		WRITE_ONCE(rz_slots[rz_head % RZ_SLOTS].quit, true);
		wake_up_process(rz_slots[rz_head % RZ_SLOTS].carrier);
		rz_head++;
		rz_confirm_all();
	}
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
	rz_reaper_sched(rz_reaper);
	return 0;
}

void rz_reaper_stop(void)
{
	if (rz_reaper)
		kthread_stop(rz_reaper);
	rz_reaper = NULL;
}

static struct rz_request *rz_request_new(unsigned int nr, struct pid *parent)
{
	struct rz_request *req;

	req = kvzalloc(struct_size(req, tgt, nr), GFP_KERNEL);
	if (!req)
		return NULL;
	init_completion(&req->done);
	refcount_set(&req->ref, 2);
	INIT_LIST_HEAD(&req->node);
	req->parent = get_pid(parent);
	req->boot_off = rz_boot_offset();
	req->nr = nr;
	req->left = nr;
	req->uid = from_kuid_munged(&init_user_ns, current_uid());
	req->req_pid = task_tgid_nr(current);
	get_task_comm(req->req_comm, current);
	return req;
}

/*
 * Hand @req to the thread and wait: the number of its zombies released,
 * or, if none, its first target's error. Killable and bounded; the writer
 * that gives up leaves alone what the thread has not moved yet. Drops the
 * writer's reference.
 */
static int rz_submit(struct rz_request *req)
{
	unsigned long timeout = RZ_WAIT_JIFFIES +
		msecs_to_jiffies(req->nr * RZ_WAIT_PER_TARGET_MS);
	unsigned int i, reaped = 0;
	long left;
	int err;

	spin_lock(&rz_queue_lock);
	list_add_tail(&req->node, &rz_queue);
	WRITE_ONCE(rz_queued, rz_queued + 1);
	WRITE_ONCE(rz_queued_targets, rz_queued_targets + req->nr);
	spin_unlock(&rz_queue_lock);
	wake_up(&rz_reaper_wq);

	left = wait_for_completion_killable_timeout(&req->done, timeout);
	if (left <= 0) {
		err = left ? -EINTR : -ETIMEDOUT;
		spin_lock(&rz_queue_lock);
		if (!req->started) {
			list_del(&req->node);
			WRITE_ONCE(rz_queued, rz_queued - 1);
			WRITE_ONCE(rz_queued_targets,
				   rz_queued_targets - req->nr);
			refcount_dec(&req->ref);
		} else {
			WRITE_ONCE(req->cancelled, true);
		}
		spin_unlock(&rz_queue_lock);
		if (!try_wait_for_completion(&req->done)) {
			rz_put(req);
			return err;
		}
	}
	for (i = 0; i < req->nr; i++)
		reaped += !req->tgt[i].result;
	err = reaped ? reaped : req->tgt[0].result;
	rz_put(req);
	return err;
}

/*
 * Reap the zombie @pid (the self form): 1 once it has been released, or
 * -errno with nothing done. Sleeps, killable and bounded.
 */
int rz_reap(struct pid *pid)
{
	struct rz_request *req;
	int err;

	rcu_read_lock();
	err = rz_check(pid_task(pid, PIDTYPE_PID));
	rcu_read_unlock();
	if (err)
		return err;

	req = rz_request_new(1, NULL);
	if (!req)
		return -ENOMEM;
	req->tgt[0].req = req;
	req->tgt[0].pid = get_pid(pid);
	return rz_submit(req);
}

/*
 * The batch form: reap those of the @n entries @ents (pids numbered in
 * @ns) that are zombie children of @parent with the START they name. The
 * number released, or the first entry's error if none was. A batch that
 * nothing in it could pass is answered without waking the thread.
 */
int rz_reap_batch(struct pid *parent, struct pid_namespace *ns,
		  const struct rz_entry *ents, unsigned int n)
{
	struct rz_request *req;
	unsigned int i;
	int first = 0;

	req = rz_request_new(n, parent);
	if (!req)
		return -ENOMEM;
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		struct rz_target *t = &req->tgt[i];

		t->req = req;
		t->start = ents[i].start;
		t->pid = get_pid(find_pid_ns(ents[i].pid, ns));
		/* until one entry passes: then the thread checks them all */
		if (i && !first)
			continue;
		t->result = rz_check_target(t, t->pid ?
					    pid_task(t->pid, PIDTYPE_PID) :
					    NULL, false);
		if (!i || !t->result)
			first = t->result;
	}
	rcu_read_unlock();
	if (first) {
		/* the reaper's reference, then ours */
		refcount_dec(&req->ref);
		rz_put(req);
		return first;
	}
	return rz_submit(req);
}
