// SPDX-License-Identifier: GPL-2.0
/*
 * Reading AArch64 kernel code: which addresses a straight run of
 * instructions builds with ADRP and ADD, the way the kernel addresses its
 * own data (ARMv8 ARM, C6.2 ADRP, ADD (immediate), MOV (register), MOVZ;
 * C4.1.66 the load/store classes). Only those instructions are followed;
 * any other one that may write a register makes that register unknown,
 * and a call makes every caller-saved one unknown, so what is reported is
 * never a guess. Nothing here is executed.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "reap_zombie.h"

#define RZ_INSN_MAX 256		/* instructions looked at, at most */
#define RZ_LR 30
#define RZ_ZR 31		/* XZR or SP, by instruction */

struct rz_cpu {
	unsigned long x[31];
	unsigned long known;	/* bit n: x[n] holds a value built in code */
};

static void rz_set(struct rz_cpu *c, unsigned int rd, bool known,
		   unsigned long v)
{
	if (rd >= RZ_ZR)
		return;
	c->x[rd] = v;
	if (known)
		c->known |= BIT(rd);
	else
		c->known &= ~BIT(rd);
}

static bool rz_has(const struct rz_cpu *c, unsigned int r)
{
	return r < RZ_ZR && (c->known & BIT(r));
}

/* Branches, hints (NOP, PACIASP, BTI...), barriers: they write nothing. */
static bool rz_writes_nothing(u32 insn)
{
	return (insn & 0xfffff01f) == 0xd503201f || /* hints */
	       (insn & 0xfffff01f) == 0xd503301f || /* barriers */
	       (insn & 0x7c000000) == 0x14000000 || /* B */
	       (insn & 0xff000010) == 0x54000000;   /* B.cond */
}

/* The load/store classes (op0 x1x0), where Rn (bits 5..9) is the base. */
static bool rz_is_ldst(u32 insn)
{
	return (insn & 0x0a000000) == 0x08000000;
}

/*
 * Stores of the immediate-offset and pair classes write no register (but
 * for the write-back of Rn); any other load/store is taken to write Rt.
 */
static bool rz_is_store(u32 insn)
{
	/* STR/STP/STUR (immediate, register, pair): op0 x x 1 x 0 x, L=0 */
	if ((insn & 0x3a000000) == 0x28000000)	/* pairs */
		return !(insn & BIT(22));
	if ((insn & 0x3b000000) == 0x39000000)	/* unsigned offset */
		return !(insn & 0x00c00000);
	if ((insn & 0x3b200000) == 0x38000000 && !(insn & 0x00c00000))
		return true;	/* unscaled, pre/post-index */
	return false;
}

/*
 * LSE atomics (LDADD, SWP, CAS...) and the exclusives (LDXR, LDAXR, STXR):
 * the instructions spinlocks and rwlocks are made of.
 */
static bool rz_is_atomic(u32 insn)
{
	return (insn & 0x3f200c00) == 0x38200000 ||	/* LSE atomics */
	       (insn & 0x3f000000) == 0x08000000;	/* exclusives */
}

struct rz_addrs {
	unsigned long *vals;
	unsigned int max, n;
};

static void rz_note(struct rz_addrs *a, unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->vals[i] == addr)
			return;
	if (a->n < a->max)
		a->vals[a->n++] = addr;
}

/* Follow one instruction at @pc; its atomic accesses go to @atomic. */
static void rz_step(struct rz_cpu *c, unsigned long pc, u32 insn,
		    struct rz_addrs *atomic)
{
	unsigned int rd = insn & 0x1f, rn = (insn >> 5) & 0x1f;

	if ((insn & 0x9f000000) == 0x90000000) {	/* ADRP */
		long imm = ((insn >> 29) & 3) | (((insn >> 5) & 0x7ffff) << 2);

		imm = sign_extend64(imm, 20) << 12;
		rz_set(c, rd, true, (pc & ~0xfffUL) + imm);
	} else if ((insn & 0xff800000) == 0x91000000) {	/* ADD Xd, Xn, #imm */
		unsigned long imm = (insn >> 10) & 0xfff;

		if (insn & BIT(22))
			imm <<= 12;
		rz_set(c, rd, rz_has(c, rn), c->x[rn < RZ_ZR ? rn : 0] + imm);
	} else if ((insn & 0xffe0ffe0) == 0xaa0003e0) {	/* MOV Xd, Xm */
		unsigned int rm = (insn >> 16) & 0x1f;

		rz_set(c, rd, rz_has(c, rm), rm < RZ_ZR ? c->x[rm] : 0);
	} else if ((insn & 0x7f800000) == 0x52800000) {	/* MOVZ */
		unsigned long imm = (insn >> 5) & 0xffff;

		rz_set(c, rd, true, imm << (16 * ((insn >> 21) & 3)));
	} else if ((insn & 0xfc000000) == 0x94000000 ||	/* BL */
		   (insn & 0xfffffc1f) == 0xd63f0000) {	/* BLR */
		c->known &= ~(GENMASK(18, 0) | BIT(RZ_LR));
	} else if (rz_is_ldst(insn)) {
		if (rz_is_atomic(insn)) {
			if (rz_has(c, rn) && atomic)
				rz_note(atomic, c->x[rn]);
			/* Rs: CAS's old value, STXR's status */
			rz_set(c, (insn >> 16) & 0x1f, false, 0);
		}
		if (!rz_is_store(insn)) {
			rz_set(c, rd, false, 0);
			/* pairs load a second register, Rt2 (bits 10..14) */
			if ((insn & 0x3a000000) == 0x28000000)
				rz_set(c, (insn >> 10) & 0x1f, false, 0);
		}
		/* pre/post-index writes Rn back */
		if ((insn & 0x3a000000) == 0x28000000 ? (insn & BIT(23)) :
		    ((insn & 0x3b200000) == 0x38000000 && (insn & BIT(10))))
			rz_set(c, rn, false, 0);
	} else if (!rz_writes_nothing(insn)) {
		rz_set(c, rd, false, 0);
	}
}

static int rz_run(const void *fn, size_t len, struct rz_cpu *c,
		  struct rz_addrs *atomic)
{
	u32 code[RZ_INSN_MAX];
	size_t i, n = min_t(size_t, len / 4, RZ_INSN_MAX);

	if (copy_from_kernel_nofault(code, fn, n * 4))
		return -EFAULT;
	c->known = 0;
	for (i = 0; i < n; i++)
		rz_step(c, (unsigned long)fn + 4 * i, le32_to_cpu(code[i]),
			atomic);
	return 0;
}

/*
 * The distinct addresses @fn's first @len bytes access with atomic
 * instructions through a base register built by ADRP/ADD: the locks the
 * function takes, in both the LSE and the LL/SC alternative.
 */
int rz_decode_lock_addrs(const void *fn, size_t len, unsigned long *vals,
			 unsigned int max)
{
	struct rz_addrs a = { .vals = vals, .max = max };
	struct rz_cpu c;
	int err;

	err = rz_run(fn, len, &c, &a);
	return err ? err : a.n;
}

/*
 * The argument registers x0..x(@nargs - 1) after the straight-line code
 * from @fn to @fn + @len, i.e. as passed to the call that ends it. Bit n
 * of the result: argument n was built in that code (then in @args[n]).
 */
int rz_decode_call_args(const void *fn, size_t len, unsigned long *args,
			unsigned int nargs, unsigned long *known)
{
	struct rz_cpu c;
	unsigned int i;
	u32 last;
	int err;

	if (len < 4 || len % 4 || nargs > 8)
		return -EINVAL;
	if (copy_from_kernel_nofault(&last, fn + len - 4, sizeof(last)))
		return -EFAULT;
	if ((le32_to_cpu(last) & 0xfc000000) != 0x94000000)
		return -ENOEXEC;	/* not a BL */
	err = rz_run(fn, len - 4, &c, NULL);
	if (err)
		return err;
	*known = c.known & GENMASK(nargs - 1, 0);
	for (i = 0; i < nargs; i++)
		args[i] = c.x[i];
	return 0;
}
