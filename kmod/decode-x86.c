// SPDX-License-Identifier: GPL-2.0
/*
 * Reading x86-64 kernel code: the addresses a function loads into its
 * first argument register, %rdi, before it calls the lock function
 * (mov $imm32, %rdi, sign-extended, or lea rel32(%rip), %rdi). Every
 * byte offset is tried: the candidates are only candidates, each is
 * verified before it is used (resolve.c). Nothing here is executed.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "reap_zombie.h"

/* endbr64 + fentry + a few moves: where read_lock()'s argument is built */
#define RZ_SCAN_BYTES 64

int rz_decode_lock_addrs(const void *fn, size_t len, unsigned long *vals,
			 unsigned int max)
{
	const u8 *pc = fn;
	u8 code[RZ_SCAN_BYTES];
	unsigned int n = 0;
	size_t i;

	len = min_t(size_t, len, sizeof(code));
	if (copy_from_kernel_nofault(code, fn, len))
		return -EFAULT;
	for (i = 0; i + 7 <= len && n < max; i++) {
		s32 imm;

		if (code[i] != 0x48)
			continue;
		memcpy(&imm, &code[i + 3], sizeof(imm));
		if (code[i + 1] == 0xc7 && code[i + 2] == 0xc7)
			vals[n++] = (unsigned long)(long)imm;
		else if (code[i + 1] == 0x8d && code[i + 2] == 0x3d)
			vals[n++] = (unsigned long)(pc + i + 7) + (long)imm;
	}
	return n;
}
