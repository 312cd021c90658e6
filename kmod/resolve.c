// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol resolution without kallsyms_lookup_name(): that function is not
 * exported and, on kernels built with CONFIG_X86_KERNEL_IBT, sealed, so it
 * cannot be called through a pointer. The only data address the module
 * needs from here, tasklist_lock, is read from the machine code of the
 * exported kill_pgrp(), which takes it first thing, and every candidate is
 * verified with sprint_symbol() before it is used.
 */
#include <linux/kallsyms.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "reap_zombie.h"

rwlock_t *rz_tasklist_lock;

/* How far into kill_pgrp() to look: endbr64 + fentry + a few moves. */
#define RZ_SCAN_BYTES 64

/* True when @addr is exactly the start of the kernel symbol @name. */
bool rz_symbol_is(unsigned long addr, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);

	sprint_symbol(buf, addr);
	return !strncmp(buf, name, len) && !strncmp(buf + len, "+0x0/", 5);
}

int rz_resolve_tasklist_lock(void)
{
	const u8 *fn = (const u8 *)kill_pgrp;
	u8 code[RZ_SCAN_BYTES];
	size_t i;

	if (copy_from_kernel_nofault(code, fn, sizeof(code)))
		return -EFAULT;

	for (i = 0; i + 7 <= sizeof(code); i++) {
		unsigned long addr;
		s32 imm;

		if (code[i] != 0x48)
			continue;
		memcpy(&imm, &code[i + 3], sizeof(imm));
		if (code[i + 1] == 0xc7 && code[i + 2] == 0xc7)
			/* mov $imm32, %rdi (sign-extended) */
			addr = (unsigned long)(long)imm;
		else if (code[i + 1] == 0x8d && code[i + 2] == 0x3d)
			/* lea rel32(%rip), %rdi */
			addr = (unsigned long)(fn + i + 7) + (long)imm;
		else
			continue;
		if (rz_symbol_is(addr, "tasklist_lock")) {
			rz_tasklist_lock = (rwlock_t *)addr;
			return 0;
		}
	}
	return -ENXIO;
}
