// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<tgid>/reap_zombie.
 *
 * proc_tgid_base_lookup() and proc_tgid_base_readdir() hand the static
 * table tgid_base_stuff to proc_pident_lookup() and proc_pident_readdir().
 * Two kretprobes on those swap the table argument for the module's copy
 * with one entry appended, so the kernel's own code instantiates the file:
 * the module calls no kernel function through a pointer.
 *
 * The kretprobes' return handlers count the calls that got the module's
 * table, so switching the entry off can wait for them to finish and then
 * drop every cached reap_zombie dentry, while the module is still live:
 * after that nothing outside the module points into it.
 */
#include <linux/atomic.h>
#include <linux/dcache.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "compat.h"
#include "reap_zombie.h"

/* Name looked up once at load time to catch the table's address. */
#define RZ_PROBE_NAME "reap_zombie.probe"
/* Concurrent lookups/readdirs of /proc/<tgid> the probes can follow. */
#define RZ_MAXACTIVE 256
#define RZ_PRUNE_BATCH 64
/* How long a dropped entry may stay held by a path walk. */
#define RZ_SETTLE_JIFFIES HZ

static const struct rz_pid_entry *rz_tgid_base;
static unsigned int rz_tgid_nents;
static struct rz_pid_entry *rz_table;

static bool rz_served;
/*
 * Lookups and readdirs that got the module's table and have not returned.
 * The probe handlers run from the int3 trap, which lockdep rightly treats
 * like an NMI: they take no lock, not even a wait queue's, and only count;
 * rz_hook_serve(false) polls.
 */
static atomic_t rz_inflight = ATOMIC_INIT(0);

/* Set while init looks up RZ_PROBE_NAME; filled by the lookup probe. */
static struct task_struct *rz_learner;
static unsigned long rz_learn_ents, rz_learn_end, rz_learn_ret;
static struct pid *rz_learn_pid;

const char *rz_table_how;

/* Testing only: move the table before it is verified (load must fail). */
static int rz_test_skew;
module_param_named(test_skew_tgid_base, rz_test_skew, int, 0);

/* The caller whose code passes the table: fs/proc/base.c */
#define RZ_TABLE_CALLER "proc_tgid_base_lookup"

static bool rz_name_is(const struct dentry *d, const char *name)
{
	size_t len = strlen(name);

	return d->d_name.len == len && !memcmp(d->d_name.name, name, len);
}

/* Pairs with the smp_mb() in rz_hook_serve(false). */
static bool rz_enter(void)
{
	atomic_inc(&rz_inflight);
	/* count ourselves in before looking at rz_served */
	smp_mb__after_atomic();
	/* and the table is read only after rz_served: pairs with serve(true) */
	if (smp_load_acquire(&rz_served))
		return true;
	atomic_dec(&rz_inflight);
	return false;
}

static int rz_leave(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/* the call is done with the table before it counts itself out */
	smp_mb__before_atomic();
	atomic_dec(&rz_inflight);
	return 0;
}

/* proc_pident_lookup(dir, dentry, p, end) */
static int rz_lookup_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct dentry *dentry = (const struct dentry *)rz_arg(regs, 1);
	unsigned long ents = rz_arg(regs, 2);

	if (unlikely(READ_ONCE(rz_learner) == current) &&
	    rz_name_is(dentry, RZ_PROBE_NAME)) {
		rz_learn_pid = rz_inode_pid((struct inode *)rz_arg(regs, 0));
		rz_learn_ents = ents;
		rz_learn_end = rz_arg(regs, 3);
		rz_learn_ret = rz_return_address(regs);
		return 1;
	}
	if (ents != (unsigned long)rz_tgid_base ||
	    !rz_name_is(dentry, RZ_FILE_NAME) || !rz_enter())
		return 1;
	rz_set_arg2(regs, (unsigned long)&rz_table[rz_tgid_nents]);
	rz_set_arg3(regs, (unsigned long)&rz_table[rz_tgid_nents + 1]);
	return 0;
}

/* proc_pident_readdir(file, ctx, ents, nents) */
static int rz_readdir_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	if (rz_arg(regs, 2) != (unsigned long)rz_tgid_base ||
	    (unsigned int)rz_arg(regs, 3) != rz_tgid_nents || !rz_enter())
		return 1;
	rz_set_arg2(regs, (unsigned long)rz_table);
	rz_set_arg3(regs, rz_tgid_nents + 1);
	return 0;
}

static struct kretprobe rz_lookup_probe = {
	.kp.symbol_name = "proc_pident_lookup",
	.entry_handler = rz_lookup_entry,
	.handler = rz_leave,
	.maxactive = RZ_MAXACTIVE,
};

static struct kretprobe rz_readdir_probe = {
	.kp.symbol_name = "proc_pident_readdir",
	.entry_handler = rz_readdir_entry,
	.handler = rz_leave,
	.maxactive = RZ_MAXACTIVE,
};

static struct kretprobe *rz_probes[] = {
	&rz_lookup_probe,
	&rz_readdir_probe,
};

/* A probe sits on the function's first instruction, or after its ENDBR. */
static bool rz_probe_placed(const struct kretprobe *krp)
{
	unsigned long addr = (unsigned long)krp->kp.addr;
	const char *name = krp->kp.symbol_name;

	return rz_symbol_is(addr, name) || rz_symbol_is(addr - 4, name);
}

/*
 * Look up /proc/<our tgid>/RZ_PROBE_NAME on a private proc mount: the
 * lookup probe records the table proc_tgid_base_lookup() passes and the
 * struct pid of the directory's inode.
 */
static int rz_learn(void)
{
	struct file_system_type *proc = get_fs_type("proc");
	struct dentry *dir, *probe;
	struct vfsmount *mnt;
	char nr[16];

	if (!proc)
		return -ENODEV;
	mnt = kern_mount(proc);
	module_put(proc->owner);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	snprintf(nr, sizeof(nr), "%d",
		 task_tgid_nr_ns(current, proc_sb_info(mnt->mnt_sb)->pid_ns));
	dir = rz_lookup(mnt->mnt_root, nr);
	if (IS_ERR(dir)) {
		kern_unmount(mnt);
		return PTR_ERR(dir);
	}

	WRITE_ONCE(rz_learner, current);
	probe = rz_lookup(dir, RZ_PROBE_NAME);
	WRITE_ONCE(rz_learner, NULL);
	if (!IS_ERR(probe))
		dput(probe);
	dput(dir);
	kern_unmount(mnt);
	return 0;
}

/*
 * Where kallsyms has no data symbols: the table and its end that
 * proc_pident_lookup() was passed must be what the code of its caller,
 * proc_tgid_base_lookup() (a text symbol: kallsyms has those), builds for
 * its third and fourth arguments just before the call.
 */
static int rz_check_table_code(void)
{
	unsigned long off, args[4], known = 0;
	int err;

	if (!rz_symbol_offset(rz_learn_ret, RZ_TABLE_CALLER, &off, NULL) ||
	    off < 4) {
		pr_err("cannot load: proc_pident_lookup() was called from %pS, not proc_tgid_base_lookup()\n",
		       (void *)rz_learn_ret);
		return -ENXIO;
	}
	err = rz_decode_call_args((void *)(rz_learn_ret - off), off, args,
				  ARRAY_SIZE(args), &known);
	if (err || !(known & BIT(2)) || !(known & BIT(3))) {
		pr_err("cannot load: cannot read the table proc_tgid_base_lookup() passes from its code (%d, arguments known %#lx)\n",
		       err, known);
		return -ENXIO;
	}
	if (args[2] + rz_test_skew != rz_learn_ents ||
	    args[3] + rz_test_skew != rz_learn_end) {
		pr_err("cannot load: tgid_base_stuff: proc_tgid_base_lookup() passed %pS..%pS, its code builds %pS..%pS\n",
		       (void *)rz_learn_ents, (void *)rz_learn_end,
		       (void *)(args[2] + rz_test_skew),
		       (void *)(args[3] + rz_test_skew));
		return -ENXIO;
	}
	rz_table_how =
		"no kallsyms data symbols: passed by proc_tgid_base_lookup(), decoded from it";
	return 0;
}

/* Check what rz_learn() caught; on success rz_tgid_base is set. */
static int rz_check_table(void)
{
	const struct rz_pid_entry *ents = (const void *)rz_learn_ents;
	unsigned long bytes = rz_learn_end - rz_learn_ents;
	unsigned int i, n;

	if (!rz_learn_ents) {
		pr_err("cannot load: proc_pident_lookup() was not called for /proc/<pid>: cannot find tgid_base_stuff\n");
		return -ENXIO;
	}
	if (RZ_KALLSYMS_DATA) {
		if (!rz_symbol_is(rz_learn_ents + rz_test_skew,
				  "tgid_base_stuff")) {
			pr_err("cannot load: proc_pident_lookup() got %pS, not tgid_base_stuff\n",
			       (void *)(rz_learn_ents + rz_test_skew));
			return -ENXIO;
		}
		rz_table_how = "verified by kallsyms";
	} else if (rz_check_table_code()) {
		return -ENXIO;
	}
	n = bytes / sizeof(*ents);
	if (rz_learn_end < rz_learn_ents || bytes % sizeof(*ents) ||
	    n < 8 || n > 512) {
		pr_err("cannot load: tgid_base_stuff spans %lu bytes: struct pid_entry layout differs\n",
		       bytes);
		return -ENXIO;
	}
	for (i = 0; i < n; i++) {
		if (!ents[i].name || ents[i].len != strnlen(ents[i].name, 64) ||
		    !(S_ISDIR(ents[i].mode) || S_ISREG(ents[i].mode) ||
		      S_ISLNK(ents[i].mode))) {
			pr_err("cannot load: tgid_base_stuff entry %u is malformed: struct pid_entry layout differs\n",
			       i);
			return -ENXIO;
		}
		if (!strcmp(ents[i].name, RZ_FILE_NAME)) {
			pr_err("cannot load: /proc/<pid>/" RZ_FILE_NAME " already exists\n");
			return -EEXIST;
		}
	}
	if (rz_learn_pid != task_tgid(current)) {
		pr_err("cannot load: struct proc_inode layout differs: pid not found at -%d from vfs_inode\n",
		       RZ_PROC_INODE_VFS_OFFSET);
		return -ENXIO;
	}
	rz_tgid_nents = n;
	rz_tgid_base = ents;
	return 0;
}

static int rz_build_table(void)
{
	struct rz_pid_entry *e;

	rz_table = kcalloc(rz_tgid_nents + 1, sizeof(*rz_table), GFP_KERNEL);
	if (!rz_table)
		return -ENOMEM;
	memcpy(rz_table, rz_tgid_base, rz_tgid_nents * sizeof(*rz_table));
	e = &rz_table[rz_tgid_nents];
	e->name = RZ_FILE_NAME;
	e->len = strlen(RZ_FILE_NAME);
	e->mode = S_IFREG | 0600;
	e->fop = &rz_fops;
	return 0;
}

int rz_hook_init(void)
{
	unsigned int i;
	int err;

	err = register_kretprobes(rz_probes, ARRAY_SIZE(rz_probes));
	if (err) {
		pr_err("cannot load: cannot probe proc_pident_lookup/proc_pident_readdir: %d\n",
		       err);
		return err == -ENOENT ? -ENXIO : err;
	}
	for (i = 0; i < ARRAY_SIZE(rz_probes); i++) {
		if (!rz_probe_placed(rz_probes[i])) {
			pr_err("cannot load: probe for %s landed at %pS\n",
			       rz_probes[i]->kp.symbol_name,
			       rz_probes[i]->kp.addr);
			err = -ENXIO;
			goto fail;
		}
	}
	err = rz_learn();
	if (err) {
		pr_err("cannot load: cannot mount proc to look up /proc/<pid>: %d\n", err);
		goto fail;
	}
	err = rz_check_table();
	if (err)
		goto fail;
	err = rz_build_table();
	if (err)
		goto fail;
	return 0;
fail:
	unregister_kretprobes(rz_probes, ARRAY_SIZE(rz_probes));
	return err;
}

void rz_hook_exit(void)
{
	unregister_kretprobes(rz_probes, ARRAY_SIZE(rz_probes));
	kfree(rz_table);
	rz_table = NULL;
}

unsigned int rz_hook_nents(void)
{
	return rz_tgid_nents;
}

/*
 * Drop a cached <root>/<nr>/reap_zombie dentry, then wait until nobody but
 * open files holds it: a path walk that took a reference before the drop
 * may be about to open it, and must have done so (the open file pins the
 * module) or given up before the module may go. False on timeout.
 */
static bool rz_prune_one(struct dentry *root, const char *nr)
{
	unsigned long deadline = jiffies + RZ_SETTLE_JIFFIES;
	struct dentry *dir, *file;
	bool settled = true;

	dir = rz_lookup_cached(root, nr);
	if (IS_ERR_OR_NULL(dir))
		return true;
	file = rz_lookup_cached(dir, RZ_FILE_NAME);
	dput(dir);
	if (IS_ERR_OR_NULL(file))
		return true;
	d_invalidate(file);
	while (d_count(file) > 1 + rz_files_on(file)) {
		if (time_after(jiffies, deadline)) {
			settled = false;
			break;
		}
		usleep_range(50, 200);
	}
	dput(file);
	return settled;
}

/*
 * Every task visible in this proc instance, in batches: the dentries of
 * tasks that are gone fail pid_revalidate() and are never opened again, so
 * only live tasks (zombies included) matter.
 */
static void rz_prune_sb(struct super_block *sb, void *unsettled)
{
	struct pid_namespace *ns = proc_sb_info(sb)->pid_ns;
	struct pid *batch[RZ_PRUNE_BATCH];
	char name[16];
	int nr = 1;
	int i, n;

	do {
		n = 0;
		rcu_read_lock();
		while (n < RZ_PRUNE_BATCH) {
			struct pid *pid = rz_find_ge_pid(nr, ns);

			if (!pid)
				break;
			nr = pid_nr_ns(pid, ns) + 1;
			/* /proc/<tid>/ of a thread is a directory too */
			if (pid_has_task(pid, PIDTYPE_PID))
				batch[n++] = get_pid(pid);
		}
		rcu_read_unlock();

		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%d",
				 pid_nr_ns(batch[i], ns));
			if (!rz_prune_one(sb->s_root, name))
				*(bool *)unsettled = true;
			put_pid(batch[i]);
		}
		cond_resched();
	} while (n == RZ_PRUNE_BATCH);
}

static int rz_prune(void)
{
	struct file_system_type *proc = get_fs_type("proc");
	bool unsettled = false;

	if (!proc)
		return -ENODEV;
	iterate_supers_type(proc, rz_prune_sb, &unsettled);
	module_put(proc->owner);
	return unsettled ? -EBUSY : 0;
}

/*
 * Serve the entry, or stop serving it: then wait for every lookup or
 * readdir that got the module's table, drop the dentries they cached and
 * wait for the opens in progress. If a dropped entry stays held, serve
 * again and return -EBUSY: the module must then stay. Serialised by the
 * caller.
 */
int rz_hook_serve(bool on)
{
	int err;

	if (on) {
		/* the table is built before anyone can see it served */
		smp_store_release(&rz_served, true);
		return 0;
	}
	WRITE_ONCE(rz_served, false);
	smp_mb(); /* pairs with rz_enter() */
	while (atomic_read(&rz_inflight))
		usleep_range(50, 200);
	err = rz_prune();
	if (err) /* the table is still there: pairs with rz_enter() */
		smp_store_release(&rz_served, true);
	return err;
}
