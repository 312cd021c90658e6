// SPDX-License-Identifier: GPL-2.0
/*
 * reap_zombie: release zombie processes whose parent never waits for them.
 *
 * Writing "1" to /proc/<pid>/reap_zombie hands the zombie to the
 * zombie_reaper kernel thread, which reparents it so that the kernel's own
 * exit code releases it. See reaper.c for how, hook.c for the proc file.
 *
 * While enabled the module holds a reference on itself: cached proc
 * dentries point into it, and once unloading has begun nothing may open
 * them. Writing 0 to the "enabled" parameter removes the files, drops every
 * cached one and the reference; then rmmod can proceed.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>

#include "reap_zombie.h"

static bool rz_enabled = true;
static bool rz_active;	/* the files are served and we hold a reference */
static bool rz_ready;	/* init is done: parameter writes take effect */
static DEFINE_MUTEX(rz_switch_lock);

static int rz_switch(bool on)
{
	lockdep_assert_held(&rz_switch_lock);
	if (on == rz_active)
		return 0;
	if (on) {
		if (!try_module_get(THIS_MODULE))
			return -EBUSY;
		rz_hook_serve(true);
	} else {
		int err = rz_hook_serve(false);

		if (err) {
			pr_warn("cannot switch off: a reap_zombie entry is still held\n");
			return err;
		}
		module_put(THIS_MODULE);
	}
	rz_active = on;
	return 0;
}

static int rz_enabled_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	mutex_lock(&rz_switch_lock);
	if (rz_ready)
		err = rz_switch(on);
	if (!err)
		rz_enabled = on;
	mutex_unlock(&rz_switch_lock);
	return err;
}

static const struct kernel_param_ops rz_enabled_ops = {
	.set = rz_enabled_set,
	.get = param_get_bool,
};
module_param_cb(enabled, &rz_enabled_ops, &rz_enabled, 0644);
MODULE_PARM_DESC(enabled,
		 "1: /proc/<pid>/reap_zombie exists (module pinned); 0: removed, module may be unloaded");

static int __init rz_init(void)
{
	int err;

	/* each failure below logs its own reason */
	err = rz_resolve_tasklist_lock();
	if (err)
		return -ENXIO;
	err = rz_hook_init();
	if (err)
		return err;
	err = rz_reaper_start();
	if (err) {
		pr_err("cannot load: cannot start zombie_reaper (%d)\n", err);
		goto fail_hook;
	}

	mutex_lock(&rz_switch_lock);
	rz_ready = true;
	err = rz_switch(rz_enabled);
	mutex_unlock(&rz_switch_lock);
	if (err)
		goto fail_reaper;

	pr_info("version %s loaded: tasklist_lock %pS via kill_pgrp() (%s), tgid_base_stuff with %u entries via proc_pident_lookup() (%s), %s\n",
		RZ_VERSION, rz_tasklist_lock, rz_tasklist_how, rz_hook_nents(),
		rz_table_how, rz_enabled ? "enabled" : "disabled");
	return 0;

fail_reaper:
	rz_reaper_stop();
fail_hook:
	rz_hook_exit();
	return err;
}

static void __exit rz_exit(void)
{
	mutex_lock(&rz_switch_lock);
	rz_ready = false;
	if (rz_active) {
		/* only reachable by a forced unload */
		rz_hook_serve(false);
		rz_active = false;
	}
	mutex_unlock(&rz_switch_lock);

	rz_hook_exit();
	rz_reaper_stop();
	pr_info("unloaded\n");
}

module_init(rz_init);
module_exit(rz_exit);

MODULE_DESCRIPTION("Reap zombie processes whose parent never waits: /proc/<pid>/reap_zombie");
MODULE_AUTHOR("reap-zombie developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(RZ_VERSION);
