// SPDX-License-Identifier: GPL-2.0
/*
 * sactld's log: syslog, optionally mirrored to stderr (-f).  Program paths
 * and thread names come from callers, so control characters are escaped
 * before they reach a log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static bool log_stderr;
static int log_threshold = LOG_INFO;
static int decision_level = LOG_INFO;

void log_open(bool to_stderr, int threshold)
{
	log_stderr = to_stderr;
	log_threshold = threshold;
	openlog("sactld", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_close(void)
{
	closelog();
}

void log_set_threshold(int threshold)
{
	log_threshold = threshold;
}

void log_set_decision_level(int level)
{
	decision_level = level;
}

bool log_enabled(int prio)
{
	return prio <= log_threshold;
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	va_list copy;

	if (!log_enabled(prio))
		return;
	if (log_stderr) {
		va_copy(copy, ap);
		fputs("sactld: ", stderr);
		vfprintf(stderr, fmt, copy);
		fputc('\n', stderr);
		va_end(copy);
	}
	vsyslog(prio, fmt, ap);
}

void log_msg(int prio, const char *fmt, ...)
{
	int saved = errno;	/* so "%m" still means the caller's errno */
	va_list ap;

	va_start(ap, fmt);
	errno = saved;
	log_vmsg(prio, fmt, ap);
	va_end(ap);
	errno = saved;
}

char *log_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (!len)
		return out;
	for (; *in && o + 1 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (o + 5 >= len)
				break;
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

void log_decision(const char *line)
{
	if (log_stderr)
		fprintf(stderr, "sactld: %s\n", line);
	syslog(decision_level, "%s", line);
}

char *log_format_decision(char *buf, size_t len, const struct query *q,
			  bool exe_deleted, enum verdict v, int error,
			  const char *by)
{
	char exe[512], comm[sizeof(q->comm) * 4 + 1], local[80], remote[80];
	char err[32] = "";
	const char *name;

	if (v == VERDICT_DENY && error) {
		name = strerrorname_np(error);
		if (name)
			snprintf(err, sizeof(err), " %s", name);
		else
			snprintf(err, sizeof(err), " errno %d", error);
	}
	snprintf(buf, len, "%s%s: %s%s (%s) pid %d uid %u %s %s %s -> %s (%s)",
		 v == VERDICT_DENY ? "deny" : "allow", err,
		 q->exe ? log_escape(q->exe, exe, sizeof(exe)) : "?",
		 exe_deleted ? " (deleted)" :
		 q->flags & SACTL_REQ_EXE_REPLACED ? " (replaced)" : "",
		 log_escape(q->comm, comm, sizeof(comm)), (int)q->pid,
		 (unsigned int)q->uid, op_name(q->op),
		 proto_name(q->type, q->protocol),
		 net_addr_format(&q->local, local, sizeof(local)),
		 net_addr_format(&q->remote, remote, sizeof(remote)), by);
	return buf;
}
