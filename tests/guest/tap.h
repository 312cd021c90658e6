/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP producer and helpers shared by the guest test programs. */
#ifndef RZ_TAP_H
#define RZ_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_count;
static int tap_failed;

static inline void tap_vreport(int pass, const char *fmt, va_list ap)
{
	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_count);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (!pass)
		tap_failed++;
}

static inline int __attribute__((format(printf, 2, 3)))
ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vreport(pass, fmt, ap);
	va_end(ap);
	return pass;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline void tap_plan_end(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
}

#endif
