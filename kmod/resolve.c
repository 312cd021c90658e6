// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol resolution without kallsyms_lookup_name(): that function is not
 * exported and, on kernels built with CONFIG_X86_KERNEL_IBT, sealed, so it
 * cannot be called through a pointer. The only data address the module
 * needs from here, tasklist_lock, is read from the machine code of the
 * exported kill_pgrp(), which takes it first thing (decode-*.c).
 *
 * Every candidate is verified before it is used: with sprint_symbol()
 * where kallsyms knows data symbols; elsewhere (compat.h) by a second,
 * independent means: kill_pgrp() is called for our own process group
 * with signal 0 (which sends nothing), and a kprobe inside it, on
 * __kill_pgrp_info(), must see the candidate's lock word hold exactly one
 * reader more than just before the call.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "reap_zombie.h"

rwlock_t *rz_tasklist_lock;
const char *rz_tasklist_how;

/* Testing only: move the candidate before it is verified (load must fail). */
static int rz_test_skew;
module_param_named(test_skew_tasklist_lock, rz_test_skew, int, 0);

#define RZ_CANDIDATES 8
/* kill_pgrp() is called this often; once must show our reader alone. */
#define RZ_WATCH_ROUNDS 8

/* True when @addr is exactly the start of the kernel symbol @name. */
bool rz_symbol_is(unsigned long addr, const char *name)
{
	unsigned long off;

	return rz_symbol_offset(addr, name, &off, NULL) && !off;
}

/*
 * True when @addr lies in the kernel symbol @name, @off bytes into it;
 * @size (if not NULL): the symbol's size. From sprint_symbol()'s
 * "name+0xoff/0xsize".
 */
bool rz_symbol_offset(unsigned long addr, const char *name,
		      unsigned long *off, unsigned long *size)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	char *slash;

	sprint_symbol(buf, addr);
	if (strncmp(buf, name, len) || strncmp(buf + len, "+0x", 3))
		return false;
	slash = strchr(buf + len, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (kstrtoul(buf + len + 3, 16, off))
		return false;
	if (size) {
		char *end = strchr(slash + 1, ' ');

		if (end)
			*end = '\0';
		if (kstrtoul(slash + 1, 0, size))
			return false;
	}
	return true;
}

static struct task_struct *rz_watcher;
static const u32 *rz_watch_word;
static u32 rz_watch_before;
static unsigned int rz_watch_calls, rz_watch_held, rz_watch_alone;

static int rz_watch_pre(struct kprobe *kp, struct pt_regs *regs)
{
	u32 now;

	if (READ_ONCE(rz_watcher) != current)
		return 0;
	rz_watch_calls++;
	if (copy_from_kernel_nofault(&now, rz_watch_word, sizeof(now)))
		return 0;
	if (rz_word_read_held(now))
		rz_watch_held++;
	if (rz_word_one_more_reader(rz_watch_before, now))
		rz_watch_alone++;
	return 0;
}

static struct kprobe rz_watch_probe = {
	.symbol_name = "__kill_pgrp_info",
	.pre_handler = rz_watch_pre,
};

/*
 * The second means: @addr is seen read-held every time inside
 * kill_pgrp(), and at least once with exactly our reader more than
 * before the call. 0, or -ENXIO with the reason logged.
 */
static int rz_seen_in_kill_pgrp(unsigned long addr)
{
	unsigned int i;
	int err;

	err = register_kprobe(&rz_watch_probe);
	if (err) {
		pr_err("cannot load: cannot probe __kill_pgrp_info() to verify tasklist_lock (%d)\n",
		       err);
		return -ENXIO;
	}
	if (!rz_symbol_is((unsigned long)rz_watch_probe.addr,
			  "__kill_pgrp_info")) {
		pr_err("cannot load: the probe for __kill_pgrp_info() landed at %pS\n",
		       rz_watch_probe.addr);
		err = -ENXIO;
		goto out;
	}
	rz_watch_word = (const u32 *)addr;
	rz_watch_calls = 0;
	rz_watch_held = 0;
	rz_watch_alone = 0;
	WRITE_ONCE(rz_watcher, current);
	for (i = 0; i < RZ_WATCH_ROUNDS; i++) {
		if (copy_from_kernel_nofault(&rz_watch_before, rz_watch_word,
					     sizeof(rz_watch_before)))
			break;
		kill_pgrp(task_pgrp(current), 0, 1);
	}
	WRITE_ONCE(rz_watcher, NULL);
	if (rz_watch_calls != RZ_WATCH_ROUNDS ||
	    rz_watch_held != RZ_WATCH_ROUNDS || !rz_watch_alone) {
		pr_err("cannot load: tasklist_lock decoded from kill_pgrp() at %pS, but it was read-held in %u and ours alone in %u of %u calls (%u seen)\n",
		       (void *)addr, rz_watch_held, rz_watch_alone,
		       RZ_WATCH_ROUNDS, rz_watch_calls);
		err = -ENXIO;
	}
out:
	unregister_kprobe(&rz_watch_probe);
	return err;
}

int rz_resolve_tasklist_lock(void)
{
	unsigned long cand[RZ_CANDIDATES], off, size, addr;
	const void *fn = kill_pgrp;
	int i, n;

	if (!rz_symbol_offset((unsigned long)fn, "kill_pgrp", &off, &size) ||
	    off) {
		pr_err("cannot load: kill_pgrp() is not where kallsyms says\n");
		return -ENXIO;
	}
	n = rz_decode_lock_addrs(fn, size, cand, ARRAY_SIZE(cand));
	if (n < 0) {
		pr_err("cannot load: cannot read kill_pgrp()'s code (%d)\n", n);
		return n;
	}
	if (RZ_KALLSYMS_DATA) {
		for (i = 0; i < n; i++) {
			addr = cand[i] + rz_test_skew;
			if (rz_symbol_is(addr, "tasklist_lock")) {
				rz_tasklist_lock = (rwlock_t *)addr;
				rz_tasklist_how = "verified by kallsyms";
				return 0;
			}
		}
		pr_err("cannot load: tasklist_lock not found in kill_pgrp() (%d candidates, none is tasklist_lock in kallsyms)\n",
		       n);
		return -ENXIO;
	}
	/* one lock, in every alternative of the code */
	if (n != 1) {
		pr_err("cannot load: kill_pgrp() takes %d locks where tasklist_lock is expected\n",
		       n);
		return -ENXIO;
	}
	addr = cand[0] + rz_test_skew;
	if (rz_seen_in_kill_pgrp(addr))
		return -ENXIO;
	rz_tasklist_lock = (rwlock_t *)addr;
	rz_tasklist_how =
		"no kallsyms data symbols: decoded from its code, seen read-held inside it";
	return 0;
}
