/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness of the kernel tree (found through
 * -I$(KDIR)/tools/testing/selftests), included with the one -Wextra
 * warning it triggers itself silenced, and a few checks of our own.
 * (TEST() trips -Wunused-parameter at its use site: use TEST_F().)
 */
#ifndef SACTL_HARNESS_H
#define SACTL_HARNESS_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

/* A request address equals a socket address (see sa_equal()). */
#define EXPECT_SA(sa, ss) do {						\
	char _why[256];							\
	EXPECT_TRUE(sa_equal(&(sa), &(ss), _why, sizeof(_why))) {	\
		TH_LOG("%s: %s", #sa, _why);				\
	}								\
} while (0)

/* A counter moved by n between two struct sactl_stats. */
#define EXPECT_DELTA(before, after, field, n) \
	EXPECT_EQ((unsigned long long)(n), (after).field - (before).field)

#endif /* SACTL_HARNESS_H */
