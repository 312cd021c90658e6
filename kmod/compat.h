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
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>

#ifndef CONFIG_X86_64
#error "reap_zombie supports x86_64 only"
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

/* Integer arguments at a function's entry, x86-64 SysV calling convention. */
static inline unsigned long rz_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

static inline void rz_set_arg2(struct pt_regs *regs, unsigned long v)
{
	regs->dx = v;
}

static inline void rz_set_arg3(struct pt_regs *regs, unsigned long v)
{
	regs->cx = v;
}

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

#endif /* REAP_ZOMBIE_COMPAT_H */
