// SPDX-License-Identifier: GPL-2.0
/*
 * What a batch-form write says: "PID:START" entries as the listing gives
 * them, separated by one space or newline, with an optional final newline.
 * Numbers are decimal digits only, with no sign and no leading zero (START
 * may be 0, PID may not). The whole payload is parsed before anything is
 * done, and anything else is -EINVAL.
 */
#include <linux/kernel.h>
#include <linux/limits.h>

#include "reap_zombie.h"

/* A number at *@s, at most @max; -EINVAL if there is none. */
static int rz_number(const char **s, const char *end, u64 max, u64 *v)
{
	const char *p = *s;
	u64 n = 0;

	if (p == end || *p < '0' || *p > '9')
		return -EINVAL;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return -EINVAL;		/* leading zero */
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (n > div_u64(max - (*p - '0'), 10))
			return -EINVAL;
		n = n * 10 + (*p - '0');
	}
	*s = p;
	*v = n;
	return 0;
}

/*
 * Parse the @len bytes at @buf into @ents, room for @max of them: the
 * number of entries, or -EINVAL. @len / 4 + 1 is room enough ("1:0 ").
 */
int rz_parse_batch(const char *buf, size_t len, struct rz_entry *ents,
		   unsigned int max)
{
	const char *s = buf, *end = buf + len;
	unsigned int n = 0;

	if (!len || len > RZ_BATCH_MAX)
		return -EINVAL;
	for (;;) {
		u64 pid, start;

		if (n == max || rz_number(&s, end, INT_MAX, &pid) || !pid ||
		    s == end || *s++ != ':' ||
		    rz_number(&s, end, U64_MAX, &start))
			return -EINVAL;
		ents[n].pid = pid;
		ents[n].start = start;
		n++;
		if (s == end || (*s == '\n' && s + 1 == end))
			return n;
		if (*s != ' ' && *s != '\n')
			return -EINVAL;
		s++;	/* another entry must follow */
	}
}
