/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sactld's policy: the configuration file (global settings and the
 * system rules) and the per-user remembered decisions, and how a query is
 * matched against both.
 *
 * Precedence (documented in sactl.conf(5)): every rule that matches is
 * considered, from the system file and from the caller's own remembered
 * rules alike.  Rules marked `priority = true` are considered first; within
 * the same tier a deny beats an allow.  So an explicit deny is never
 * overridden by a broader allow, unless an admin marks that allow as a
 * priority exception on purpose.  Only when nothing matches does the daemon
 * ask the user's prompt agents, and only when none answers does the default
 * verdict apply.
 */
#ifndef SACTLD_POLICY_H
#define SACTLD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "query.h"

enum verdict {
	VERDICT_NONE = 0,	/* no rule matched */
	VERDICT_ALLOW,
	VERDICT_DENY,
};

/* How long a remembered answer lasts. */
enum duration {
	DURATION_ONCE,		/* this request (and identical pending ones) */
	DURATION_PROCESS,	/* until the program (pid) exits; memory only */
	DURATION_MINUTES,	/* for N minutes; persisted with its expiry */
	DURATION_SESSION,	/* until sactld restarts; memory only */
	DURATION_FOREVER,	/* persisted */
};

/* What a remembered answer covers, from the narrowest. */
enum scope {
	SCOPE_DESTINATION,	/* this op, protocol, remote address and port */
	SCOPE_PORT,		/* this op and protocol, any address, this port */
	SCOPE_PROGRAM,		/* anything this program does */
};

struct rule;
struct ruleset;

struct match_result {
	enum verdict verdict;
	int error;			/* errno with a deny; 0: default */
	const struct rule *rule;	/* the deciding rule */
};

/*
 * Where @r comes from, for logs: "sactl.conf:12", "1000.conf:3", or for a
 * remembered answer kept in memory "uid 1000, until pid 4242 exits" /
 * "uid 1000, until sactld restarts".
 */
const char *rule_origin(const struct rule *r, char *buf, size_t len);

/* Global settings, from the `sactld` group of the config file. */
struct config {
	char *path;
	enum verdict default_verdict;	/* no rule, no agent answer */
	unsigned int prompt_timeout;	/* seconds an agent has to answer */
	int log_level;			/* syslog level of decision lines */
	bool root_answers_all;		/* root's agents may answer for anyone */
	bool cache;			/* push verdicts into the module (cache.h) */
	char *state_dir;		/* remembered decisions, one file per uid */
	char *prompt_socket;		/* agents connect here */
	char *control_socket;		/* sactlctl connects here, root only */
	struct ruleset *rules;		/* the system rules, in file order */
};

/*
 * Parse @path.  On error returns NULL and puts "FILE:LINE: what is wrong"
 * (or "FILE: ..." without a line) into @err.
 */
struct config *config_load(const char *path, char *err, size_t errlen);
void config_free(struct config *c);

/* The deciding system rule for @q at @now, or false if none matches. */
bool ruleset_match(const struct ruleset *rs, const struct query *q,
		   time_t now, struct match_result *out);
size_t ruleset_count(const struct ruleset *rs);

/* Per-user remembered decisions, under a root-owned state directory. */
struct store;

struct remembered {
	enum verdict verdict;
	enum duration duration;
	unsigned int minutes;		/* with DURATION_MINUTES */
	enum scope scope;
};

/*
 * The most remembered answers a user's prompts may leave (in the file and
 * in memory together): answering every prompt "forever" must not let one
 * user grow root's state file and each rewrite of it without bound.
 * Rules added by root (store_add_rule()) are not counted against it.
 */
#define STORE_MAX_ANSWERS	4096

/* Load every <uid>.conf of @dir (created 0700 if missing). */
struct store *store_open(const char *dir, char *err, size_t errlen);
void store_close(struct store *s);
/*
 * Remember @r for the program and destination of @q, for @q->uid.  Files are
 * rewritten atomically (temp file, fsync, rename, fsync dir).  Returns 0,
 * or -errno with the reason in @err (the old file is then untouched);
 * -ENOSPC also when the user has STORE_MAX_ANSWERS rules and this one
 * replaces none of them.
 */
int store_add(struct store *s, const struct query *q,
	      const struct remembered *r, time_t now, char *err, size_t errlen);
/* The deciding remembered rule of @q->uid, or false. */
bool store_match(const struct store *s, const struct query *q, time_t now,
		 struct match_result *out);
/* Drop expired rules (and rewrite their files); the next expiry or 0. */
time_t store_expire(struct store *s, time_t now);
/* The program with this pid exited: drop its DURATION_PROCESS rules. */
void store_process_exited(struct store *s, pid_t pid);
/*
 * For sactlctl: the uids with remembered rules (ascending; the count, which
 * may exceed @max), and one user's rules in order (NULL: none).
 */
size_t store_uids(const struct store *s, uid_t *out, size_t max);
const struct ruleset *store_rules(const struct store *s, uid_t uid);
/*
 * Remember @r (from rule_parse_text(..., remembered = true)) for @uid:
 * written to the user's file unless it is memory-only, replacing a rule
 * of the same target.  On success the store owns @r; on error (-errno,
 * reason in @err) the caller still does and nothing changed.
 */
int store_add_rule(struct store *s, uid_t uid, struct rule *r, time_t now,
		   char *err, size_t errlen);
/* Forget @uid's rule number @index (from 1, in store_rules() order). */
int store_remove(struct store *s, uid_t uid, size_t index, char *err,
		 size_t errlen);
/*
 * Problems that do not stop the store are passed to @warn (NULL: stderr):
 * a store file that is unsafe (a symlink, not root's, writable by others)
 * or unreadable and so ignored, a failed rewrite at expiry.
 */
void store_set_warn(void (*warn)(const char *msg));

/*
 * The verdict of the policy: system rules and remembered rules together,
 * with the precedence above.
 */
bool policy_decide(const struct config *c, const struct store *s,
		   const struct query *q, time_t now, struct match_result *out);

#endif /* SACTLD_POLICY_H */
