/* SPDX-License-Identifier: GPL-2.0 */
#ifndef REAP_ZOMBIE_H
#define REAP_ZOMBIE_H

#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/spinlock.h>

#define RZ_FILE_NAME "reap_zombie"
/* The largest batch-form write. */
#define RZ_BATCH_MAX 65536

struct pid_namespace;

/* One PID:START entry of a batch-form write. */
struct rz_entry {
	int pid;
	u64 start;
};

/* resolve.c: kernel data found without calling non-exported code */
extern rwlock_t *rz_tasklist_lock;
extern const char *rz_tasklist_how;
bool rz_symbol_is(unsigned long addr, const char *name);
bool rz_symbol_offset(unsigned long addr, const char *name,
		      unsigned long *off, unsigned long *size);
int rz_resolve_tasklist_lock(void);

/* decode-<arch>.c: what kernel code computes, read and never run */
int rz_decode_lock_addrs(const void *fn, size_t len, unsigned long *vals,
			 unsigned int max);
/* decode-arm64.c only: called where kallsyms lacks data symbols (compat.h) */
int rz_decode_call_args(const void *fn, size_t len, unsigned long *args,
			unsigned int nargs, unsigned long *known);

/* hook.c: the /proc/<tgid>/reap_zombie entry */
int rz_hook_init(void);
void rz_hook_exit(void);
int rz_hook_serve(bool on);
unsigned int rz_hook_nents(void);
extern const char *rz_table_how;

/* reaper.c: the zombie_reaper kernel thread */
int rz_reaper_start(void);
void rz_reaper_stop(void);
void rz_hold_end(u64 start);
int rz_reap(struct pid *pid);
int rz_reap_batch(struct pid *parent, struct pid_namespace *ns,
		  const struct rz_entry *ents, unsigned int n);

/* listing.c: what the batch form reads */
int rz_list(struct pid *parent, struct pid_namespace *ns, char **buf,
	    size_t *len);

/* batch.c: what the batch form writes */
int rz_parse_batch(const char *buf, size_t len, struct rz_entry *ents,
		   unsigned int max);

/* file.c */
extern const struct file_operations rz_fops;
unsigned int rz_files_on(const struct dentry *dentry);

#endif /* REAP_ZOMBIE_H */
