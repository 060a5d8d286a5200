/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sactld's log: syslog (LOG_DAEMON, ident "sactld"), and with -f stderr
 * too.  Messages less urgent than the threshold (info; debug with -d) are
 * dropped; each decision is one line at the level the configuration asks
 * for, and syslog decides whether to keep it.
 */
#ifndef SACTLD_LOG_H
#define SACTLD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "policy.h"
#include "query.h"

/* Open syslog; @to_stderr copies every line to stderr; @threshold: LOG_*. */
void log_open(bool to_stderr, int threshold);
void log_close(void);
void log_set_threshold(int threshold);
/* The syslog level of decision lines (the config's log_level). */
void log_set_decision_level(int level);
/* Would a message at @prio be written? */
bool log_enabled(int prio);

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * One decision as a line: the verdict (with its errno if one was asked),
 * the program, pid, user, operation, addresses, and @by, what decided
 * ("rule sactl.conf:12", "prompt", "default (no agent)", ...).
 */
char *log_format_decision(char *buf, size_t len, const struct query *q,
			  bool exe_deleted, enum verdict v, int error,
			  const char *by);
/*
 * Log such a line at the decision level, whatever the threshold: which
 * decisions to keep is syslog's choice, by that level.
 */
void log_decision(const char *line);

/* Copy @in into @out with control characters and '\\' escaped as \xNN. */
char *log_escape(const char *in, char *out, size_t len);

#endif /* SACTLD_LOG_H */
