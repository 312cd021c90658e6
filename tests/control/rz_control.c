// SPDX-License-Identifier: GPL-2.0
/*
 * rz_control: the control of issue 12. The same two kretprobes that
 * reap_zombie registers (proc_pident_lookup, proc_pident_readdir), with
 * handlers that do nothing but count: no argument swap, no table, no proc
 * file, no reaper. Load/unload cycles of this module under the same
 * readers tell a fault of the emulator or of the kernel's kprobes apart
 * from a fault of reap_zombie's own code.
 */
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>

#define RZC_MAXACTIVE 256	/* as reap_zombie's probes */

static atomic_long_t rzc_entries = ATOMIC_LONG_INIT(0);
static atomic_long_t rzc_returns = ATOMIC_LONG_INIT(0);

static int rzc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_long_inc(&rzc_entries);
	return 0;	/* keep the instance: the return handler runs */
}

static int rzc_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_long_inc(&rzc_returns);
	return 0;
}

static struct kretprobe rzc_lookup_probe = {
	.kp.symbol_name = "proc_pident_lookup",
	.entry_handler = rzc_entry,
	.handler = rzc_return,
	.maxactive = RZC_MAXACTIVE,
};

static struct kretprobe rzc_readdir_probe = {
	.kp.symbol_name = "proc_pident_readdir",
	.entry_handler = rzc_entry,
	.handler = rzc_return,
	.maxactive = RZC_MAXACTIVE,
};

static struct kretprobe *rzc_probes[] = {
	&rzc_lookup_probe,
	&rzc_readdir_probe,
};

static int __init rzc_init(void)
{
	int err = register_kretprobes(rzc_probes, ARRAY_SIZE(rzc_probes));

	if (err)
		pr_err("cannot probe proc_pident_lookup/proc_pident_readdir: %d\n",
		       err);
	return err;
}

static void __exit rzc_exit(void)
{
	unregister_kretprobes(rzc_probes, ARRAY_SIZE(rzc_probes));
	pr_info("unloaded: %ld entries, %ld returns\n",
		atomic_long_read(&rzc_entries), atomic_long_read(&rzc_returns));
}

module_init(rzc_init);
module_exit(rzc_exit);

MODULE_DESCRIPTION("Control for reap_zombie's load/unload tests: the same kretprobes, empty handlers");
MODULE_LICENSE("GPL");
