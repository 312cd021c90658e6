// SPDX-License-Identifier: GPL-2.0
/*
 * Write-only /proc/<tgid>/reap_zombie. The target is the struct pid the
 * proc inode holds, never the number in the path: a file opened before
 * the pid number was reused reaches nothing but -ESRCH.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "reap_zombie.h"

/* Every open reap_zombie file, so that switching off can tell them apart. */
static LIST_HEAD(rz_files);
static DEFINE_SPINLOCK(rz_files_lock);

struct rz_open_file {
	struct list_head node;
	struct dentry *dentry;
};

static int rz_open(struct inode *inode, struct file *file)
{
	struct rz_open_file *of = kmalloc(sizeof(*of), GFP_KERNEL);

	if (!of)
		return -ENOMEM;
	of->dentry = file->f_path.dentry;
	spin_lock(&rz_files_lock);
	list_add(&of->node, &rz_files);
	spin_unlock(&rz_files_lock);
	file->private_data = of;
	return nonseekable_open(inode, file);
}

static int rz_release(struct inode *inode, struct file *file)
{
	struct rz_open_file *of = file->private_data;

	spin_lock(&rz_files_lock);
	list_del(&of->node);
	spin_unlock(&rz_files_lock);
	kfree(of);
	return 0;
}

/* How many open files hold @dentry. */
unsigned int rz_files_on(const struct dentry *dentry)
{
	struct rz_open_file *of;
	unsigned int n = 0;

	spin_lock(&rz_files_lock);
	list_for_each_entry(of, &rz_files, node)
		n += of->dentry == dentry;
	spin_unlock(&rz_files_lock);
	return n;
}

static ssize_t rz_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	char buf[2];
	int err;

	/* The opener and the writer both need it, in the initial namespace. */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ||
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count < 1 || count > sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (buf[0] != '1' || (count == 2 && buf[1] != '\n'))
		return -EINVAL;

	err = rz_reap(rz_inode_pid(file_inode(file)));
	return err ? err : count;
}

const struct file_operations rz_fops = {
	.owner = THIS_MODULE,
	.open = rz_open,
	.release = rz_release,
	.write = rz_write,
};
