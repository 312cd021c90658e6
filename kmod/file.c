// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<tgid>/reap_zombie. Its process is the struct pid the proc inode
 * holds, never the number in the path: a file opened before the pid
 * number was reused reaches nothing but -ESRCH.
 *
 * Writing "1" reaps that process, a zombie (the self form). Reading lists
 * its zombie children, writing "PID:START ..." reaps those (the batch
 * form); the listing is taken at a read from offset 0 and handed out from
 * there, so that a reader with a small buffer still gets one snapshot.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
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
	struct mutex lock;	/* the listing */
	bool listed;
	char *list;
	size_t list_len;
};

static int rz_open(struct inode *inode, struct file *file)
{
	struct rz_open_file *of = kzalloc(sizeof(*of), GFP_KERNEL);

	if (!of)
		return -ENOMEM;
	of->dentry = file->f_path.dentry;
	mutex_init(&of->lock);
	spin_lock(&rz_files_lock);
	list_add(&of->node, &rz_files);
	spin_unlock(&rz_files_lock);
	file->private_data = of;
	/* pread() at 0 takes a new listing; pwrite() has nothing to mean */
	file->f_mode &= ~FMODE_PWRITE;
	return 0;
}

static int rz_release(struct inode *inode, struct file *file)
{
	struct rz_open_file *of = file->private_data;

	spin_lock(&rz_files_lock);
	list_del(&of->node);
	spin_unlock(&rz_files_lock);
	kvfree(of->list);
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

/* The opener and the reader or writer both need it, in the initial namespace. */
static bool rz_allowed(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) &&
	       capable(CAP_SYS_ADMIN);
}

static struct pid_namespace *rz_file_ns(struct file *file)
{
	return proc_sb_info(file_inode(file)->i_sb)->pid_ns;
}

static ssize_t rz_read(struct file *file, char __user *ubuf, size_t count,
		       loff_t *ppos)
{
	struct rz_open_file *of = file->private_data;
	ssize_t ret;

	if (!rz_allowed(file))
		return -EPERM;
	if (mutex_lock_killable(&of->lock))
		return -EINTR;
	if (*ppos == 0 || !of->listed) {
		kvfree(of->list);
		of->list = NULL;
		of->list_len = 0;
		of->listed = false;
		ret = rz_list(rz_inode_pid(file_inode(file)), rz_file_ns(file),
			      &of->list, &of->list_len);
		if (ret)
			goto out;
		of->listed = true;
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, of->list,
				      of->list_len);
out:
	mutex_unlock(&of->lock);
	return ret;
}

static int rz_write_batch(struct file *file, const char __user *ubuf,
			  size_t count)
{
	unsigned int max = count / 4 + 1;
	struct rz_entry *ents;
	char *buf;
	int n;

	buf = vmemdup_user(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ents = kvmalloc_array(max, sizeof(*ents), GFP_KERNEL);
	if (!ents) {
		n = -ENOMEM;
		goto out;
	}
	n = rz_parse_batch(buf, count, ents, max);
	if (n > 0)
		n = rz_reap_batch(rz_inode_pid(file_inode(file)),
				  rz_file_ns(file), ents, n);
	kvfree(ents);
out:
	kvfree(buf);
	return n;
}

static ssize_t rz_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	char buf[2];
	int err;

	if (!rz_allowed(file))
		return -EPERM;
	if (count < 1 || count > RZ_BATCH_MAX)
		return -EINVAL;
	if (count > sizeof(buf)) {
		err = rz_write_batch(file, ubuf, count);
		return err < 0 ? err : count;
	}
	/* the self form; a batch entry is at least 3 bytes ("1:0") */
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (buf[0] != '1' || (count == 2 && buf[1] != '\n'))
		return -EINVAL;

	err = rz_reap(rz_inode_pid(file_inode(file)));
	return err < 0 ? err : count;
}

const struct file_operations rz_fops = {
	.owner = THIS_MODULE,
	.open = rz_open,
	.release = rz_release,
	.read = rz_read,
	.write = rz_write,
	.llseek = default_llseek,
};
