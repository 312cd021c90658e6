/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that depends on the kernel's internal layout or version lives
 * here, each item with where it comes from. Values are checked at load time
 * where the kernel offers a way (see hook.c).
 */
#ifndef REAP_ZOMBIE_COMPAT_H
#define REAP_ZOMBIE_COMPAT_H

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/time_namespace.h>

#if !defined(CONFIG_X86_64) && !defined(CONFIG_ARM64)
#error "reap_zombie supports x86_64 and arm64 only"
#endif

/*
 * Whether kallsyms knows data symbols (tasklist_lock, tgid_base_stuff):
 * then sprint_symbol() verifies each address the module finds. Without
 * CONFIG_KALLSYMS_ALL (Debian's 6.1 arm64 kernel) each is verified by two
 * independent means instead (resolve.c, hook.c), which needs the AArch64
 * decoder (decode-arm64.c) and a queued rwlock (rz_word_read_held()).
 */
#define RZ_KALLSYMS_DATA IS_ENABLED(CONFIG_KALLSYMS_ALL)
#if !RZ_KALLSYMS_DATA && !defined(CONFIG_ARM64)
#error "reap_zombie needs CONFIG_KALLSYMS_ALL on x86_64"
#endif

#if !defined(CONFIG_KPROBES) || !defined(CONFIG_KRETPROBES)
#error "reap_zombie needs CONFIG_KPROBES and CONFIG_KRETPROBES"
#endif

/*
 * struct pid_entry, fs/proc/base.c (40 bytes on x86_64 since v2.6.x).
 * union proc_op is a union of function pointers: one pointer wide.
 */
struct rz_pid_entry {
	const char *name;
	unsigned int len;
	umode_t mode;
	const struct inode_operations *iop;
	const struct file_operations *fop;
	union {
		const void *ptr;
	} op;
};

/*
 * struct proc_inode, fs/proc/internal.h: ->pid is the first member and
 * ->vfs_inode sits at offset 72 (v5.7+: pid, fd, op, pde, sysctl,
 * sysctl_entry, sibling_inodes, ns_ops, vfs_inode). Checked at load time
 * against /proc/<tgid> of the loading process.
 */
#define RZ_PROC_INODE_VFS_OFFSET 72

static inline struct pid *rz_inode_pid(struct inode *inode)
{
	return *(struct pid **)((char *)inode - RZ_PROC_INODE_VFS_OFFSET);
}

/*
 * Integer arguments at a function's entry, from a kprobe on its first
 * instruction: x86-64 SysV (rdi, rsi, rdx, rcx), AAPCS64 (x0..x7). The
 * return address: on the stack (x86-64), in the link register (arm64).
 */
static inline unsigned long rz_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

#ifdef CONFIG_X86_64
static inline void rz_set_arg2(struct pt_regs *regs, unsigned long v)
{
	regs->dx = v;
}

static inline void rz_set_arg3(struct pt_regs *regs, unsigned long v)
{
	regs->cx = v;
}

static inline unsigned long rz_return_address(struct pt_regs *regs)
{
	return regs_get_kernel_stack_nth(regs, 0);
}
#else
static inline void rz_set_arg2(struct pt_regs *regs, unsigned long v)
{
	regs->regs[2] = v;
}

static inline void rz_set_arg3(struct pt_regs *regs, unsigned long v)
{
	regs->regs[3] = v;
}

static inline unsigned long rz_return_address(struct pt_regs *regs)
{
	return procedure_link_pointer(regs);
}
#endif

/*
 * A queued rwlock's word (include/asm-generic/qrwlock.h, used by x86 and
 * arm64 alike): the reader count above _QR_SHIFT, a writer in the low
 * byte. Read-held: a reader and no writer; one more: and exactly one
 * reader more than @before.
 */
#ifdef CONFIG_QUEUED_RWLOCKS
static inline bool rz_word_read_held(u32 now)
{
	return !(now & _QW_LOCKED) && (now >> _QR_SHIFT) >= 1;
}

static inline bool rz_word_one_more_reader(u32 before, u32 now)
{
	return rz_word_read_held(now) &&
	       (now >> _QR_SHIFT) == (before >> _QR_SHIFT) + 1;
}
#elif !RZ_KALLSYMS_DATA
#error "reap_zombie needs CONFIG_KALLSYMS_ALL or CONFIG_QUEUED_RWLOCKS"
#else
/* PREEMPT_RT: rwlock_t is an rt_rwlock; kallsyms verifies instead */
static inline bool rz_word_read_held(u32 now)
{
	return false;
}

static inline bool rz_word_one_more_reader(u32 before, u32 now)
{
	return false;
}
#endif

/*
 * A child of @dir by name through the filesystem (->lookup), and one only
 * if it is in the dcache. Both return a reference, NULL (cached lookup:
 * not cached) or an ERR_PTR. v6.16 (commit "VFS: rename lookup_one_len
 * family to lookup_noperm") renamed the first; d_hash_and_lookup() went
 * unexported for try_lookup_noperm().
 */
static inline struct dentry *rz_lookup(struct dentry *dir, const char *name)
{
#ifdef RZ_HAVE_LOOKUP_NOPERM
	struct qstr q = QSTR_INIT(name, strlen(name));

	return lookup_noperm_unlocked(&q, dir);
#else
	return lookup_one_len_unlocked(name, dir, strlen(name));
#endif
}

static inline struct dentry *rz_lookup_cached(struct dentry *dir,
					      const char *name)
{
	struct qstr q = QSTR_INIT(name, strlen(name));

#ifdef RZ_HAVE_LOOKUP_NOPERM
	return try_lookup_noperm(&q, dir);
#else
	return d_hash_and_lookup(dir, &q);
#endif
}

/*
 * START of the batch form: field 22 of /proc/PID/stat as current reads it,
 * do_task_stat()'s nsec_to_clock_t(timens_add_boottime_ns(start_boottime)).
 * nsec_to_clock_t() is not exported; USER_HZ divides NSEC_PER_SEC on every
 * architecture Linux has, where it is exact. @off: rz_boot_offset() of the
 * process that reads or wrote the number (its time namespace). Before
 * v5.11 (5.10) do_task_stat() printed nsec_to_clock_t(start_boottime)
 * with no time namespace offset; timens_add_boottime_ns() came with the
 * change that added it (RZ_HAVE_TIMENS_BOOTTIME_NS, Kbuild).
 */
static inline s64 rz_boot_offset(void)
{
#ifdef RZ_HAVE_TIMENS_BOOTTIME_NS
	return (s64)timens_add_boottime_ns(0);
#else
	return 0;
#endif
}

static inline u64 rz_start_ticks(const struct task_struct *p, s64 off)
{
	BUILD_BUG_ON(NSEC_PER_SEC % USER_HZ);
	return div_u64(p->start_boottime + off, NSEC_PER_SEC / USER_HZ);
}

/*
 * DEAD_MS: how long ago the zombie @p last ran, in ns. Both ends are read
 * from one clock, that of the runqueue of the CPU it last ran on:
 * rq_clock(), which update_rq_clock() takes from sched_clock_cpu(). Its
 * last slice began at sched_info.last_arrival (rq_clock()) and lasted
 * sum_exec_runtime - prev_sum_exec_runtime; now is sched_clock_cpu() of
 * that CPU. se.exec_start would be rq_clock_task(), which leaves out the
 * time spent in interrupts, and steal time, on kernels that account them
 * (IRQ_TIME_ACCOUNTING, PARAVIRT_TIME_ACCOUNTING): it falls behind by all
 * of that since boot, and no exported function reads it for "now".
 * CONFIG_SCHED_INFO (SCHEDSTATS or TASK_DELAY_ACCT) keeps last_arrival.
 */
#ifndef CONFIG_SCHED_INFO
#error "reap_zombie needs CONFIG_SCHED_INFO (CONFIG_SCHEDSTATS or CONFIG_TASK_DELAY_ACCT)"
#endif
/*
 * Without CONFIG_HAVE_UNSTABLE_SCHED_CLOCK (arm64) sched_clock_cpu() is
 * sched_clock() itself (kernel/sched/clock.c), and only that is exported.
 */
static inline u64 rz_sched_clock_cpu(int cpu)
{
#ifdef CONFIG_HAVE_UNSTABLE_SCHED_CLOCK
	return sched_clock_cpu(cpu);
#else
	return sched_clock();
#endif
}

static inline u64 rz_dead_ns(const struct task_struct *p)
{
	u64 end = p->sched_info.last_arrival +
		  (p->se.sum_exec_runtime - p->se.prev_sum_exec_runtime);
	u64 now = rz_sched_clock_cpu(task_cpu(p));

	return now > end ? now - end : 0;
}

/*
 * rz_find_ge_pid(): the first pid numbered @nr or above in @ns, as /proc's
 * readdir walks them; the caller holds rcu_read_lock(). find_ge_pid() is
 * exported since Linux 6.1 (commit 4480c27ca3ea "gfs2: Add glockfd debugfs
 * file", v6.1-rc1): RZ_HAVE_FIND_GE_PID says the kernel's Module.symvers
 * lists it (Kbuild). Without it, do what 5.10's find_ge_pid() does
 * (kernel/pid.c): idr_get_next() on the namespace's idr, which is exported.
 */
static inline struct pid *rz_find_ge_pid(int nr, struct pid_namespace *ns)
{
#ifdef RZ_HAVE_FIND_GE_PID
	return find_ge_pid(nr, ns);
#else
	return idr_get_next(&ns->idr, &nr);
#endif
}

/*
 * rz_hold_clock(): the clock of max_lock_hold_ns, read after taking
 * tasklist_lock (or entering a listing's RCU section) and before letting
 * go. local_clock() less the time the holder has spent preempted, waiting
 * on a runqueue (sched_info.run_delay, same clock): on PREEMPT_RT the
 * write lock is a sleeping rwlock that leaves interrupts and preemption
 * on, and RCU is preemptible, so interrupt threads and other tasks may run
 * in the middle of a hold. Elsewhere nothing preempts a hold and
 * run_delay stands still. Time spent blocked inside a hold still counts.
 */
static inline u64 rz_hold_clock(void)
{
	return local_clock() - READ_ONCE(current->sched_info.run_delay);
}

/*
 * rz_reaper_sched(): on PREEMPT_RT, zombie_reaper runs at the lowest
 * SCHED_FIFO priority, as the kernel's own helper threads there do: while
 * it holds tasklist_lock (a sleeping lock there) no ordinary task preempts
 * it, and a lock it waits for inside (a wait queue's spinlock_t, a
 * sleeping lock too) has its holder boosted. Elsewhere the lock is held
 * with interrupts off and nothing changes.
 */
static inline void rz_reaper_sched(struct task_struct *p)
{
#ifdef CONFIG_PREEMPT_RT
	sched_set_fifo_low(p);
#endif
}

#endif /* REAP_ZOMBIE_COMPAT_H */
