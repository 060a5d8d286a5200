/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel tree's kselftest harness (through tests/kernel/harness.h,
 * which silences the one warning it triggers) and the checks every escape
 * test ends with.
 */
#ifndef ESC_HARNESS_H
#define ESC_HARNESS_H

#include <unistd.h>

#include "../kernel/harness.h"
#include "escape.h"

/* sactld logged a deny of @op by process @pid, with @what in the line. */
#define EXPECT_LOGGED_DENY(pid, op, what) do {				\
	const char *_what = (what);					\
	char _line[2048];						\
	EXPECT_TRUE(log_denied((pid), (op), _what, _line,		\
			       sizeof(_line))) {			\
		TH_LOG("no deny of %s %s by pid %d in sactld's log; "	\
		       "last match: \"%s\"", (op), _what ? _what : "",	\
		       (int)(pid), _line);				\
	}								\
} while (0)

/* A call that sactl must refuse: -1 with @err, and sactld decided it. */
#define EXPECT_REFUSED(ret, err, op, what) do {				\
	long _r = (long)(ret);						\
	int _e = errno;							\
									\
	EXPECT_EQ(-1, _r);						\
	if (_r == -1) {							\
		EXPECT_EQ((err), _e) {					\
			TH_LOG("errno %d (%s)", _e, strerror(_e));	\
		}							\
	}								\
	EXPECT_LOGGED_DENY(getpid(), op, what);				\
} while (0)

/*
 * The same for a call that a rule denies: sactld may have pushed that rule
 * into the module's verdict cache, which then answers unlogged.  Either
 * the cache answered (its hit counter moved during the call, and nothing
 * else runs) or sactld logged the deny.
 */
#define EXPECT_REFUSED_BY_RULE(call, err, op, what) do {			\
	long _hits = sactl_stat("cache_hits");				\
	long _r = (long)(call);						\
	int _e = errno;							\
									\
	EXPECT_EQ(-1, _r);						\
	if (_r == -1) {							\
		EXPECT_EQ((err), _e) {					\
			TH_LOG("errno %d (%s)", _e, strerror(_e));	\
		}							\
	}								\
	if (sactl_stat("cache_hits") == _hits)				\
		EXPECT_LOGGED_DENY(getpid(), op, what);			\
} while (0)

#define NOBODY	65534

/*
 * esc-try's call was refused with @err, and sactld logged a deny of it
 * for the child, with @exe_text (its real executable) in the line.
 */
#define EXPECT_CHILD_DENIED(pid, got, want, op, what, exe_text) do {	\
	char _l[2048];							\
	EXPECT_EQ((want), (got));					\
	EXPECT_TRUE(log_denied((pid), (op), (what), _l, sizeof(_l)))	\
		TH_LOG("no deny of pid %d's %s: \"%s\"", (int)(pid), (op), _l); \
	EXPECT_NE(NULL, strstr(_l, (exe_text)))				\
		TH_LOG("\"%s\" not in \"%s\"", (exe_text), _l);		\
} while (0)

#endif /* ESC_HARNESS_H */
