/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule behind policy.h's opaque struct rule: what it matches, where it
 * comes from, and the indexed rule set that finds the deciding rule for a
 * query (rules.c), and the rule language (rule_text.c).  Used by config.c
 * (the system rules), store.c (the remembered ones), the control requests
 * and the tests.
 */
#ifndef SACTLD_RULES_H
#define SACTLD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <libconfig.h>

#include "policy.h"
#include "query.h"

/* An address prefix in the IPv4-mapped IPv6 space (see struct net_addr). */
struct cidr {
	uint8_t addr[16];
	unsigned int bits;		/* 0..128; IPv4 a.b.c.d/n is 96 + n */
};

struct port_range {
	uint16_t lo, hi;		/* inclusive */
};

/* What a socket is, as far as the `proto` field is concerned. */
enum proto_kind {
	PROTO_TCP,			/* stream, TCP */
	PROTO_UDP,			/* datagram, UDP */
	PROTO_ICMP,			/* ping socket or raw ICMP/ICMPv6 */
	PROTO_RAW,			/* any raw socket */
	PROTO_NUMBER,			/* this IP protocol number */
};

struct proto_spec {
	enum proto_kind kind;
	int number;			/* with PROTO_NUMBER */
};

/* Empty lists and zero/NULL fields match anything. */
struct rule {
	enum verdict action;		/* VERDICT_ALLOW or VERDICT_DENY */
	int error;			/* errno for a deny; 0: the default */
	bool priority;
	char *comment;

	char *exe;			/* absolute path or glob */
	bool exe_glob;
	bool has_sha256;
	uint8_t sha256[SHA256_LEN];
	char *parent;
	bool parent_glob;
	uid_t *users;			/* uid or euid */
	size_t n_users;
	gid_t *groups;			/* gid or egid */
	size_t n_groups;
	unsigned int ops;		/* bit (1 << enum sactl_op); 0: any */
	int family;			/* AF_INET, AF_INET6; 0: any */
	struct proto_spec *protos;
	size_t n_protos;
	struct cidr *remote;
	size_t n_remote;
	struct cidr *local;
	size_t n_local;
	struct port_range *ports;	/* remote port */
	size_t n_ports;
	struct port_range *local_ports;
	size_t n_local_ports;

	/* Remembered answers only. */
	bool remembered;
	uid_t owner;			/* whose answer */
	enum duration duration;		/* DURATION_FOREVER for system rules */
	pid_t pid;			/* with DURATION_PROCESS */
	time_t created;			/* 0: unknown */
	time_t expires;			/* 0: never; matches while now < expires */

	/* Origin, for rule_origin(). */
	const char *file;		/* base name, owned by the ruleset */
	unsigned int line;		/* 0: not in a file */
	uint64_t seq;			/* order within its ruleset */
};

struct rule *rule_new(void);
void rule_free(struct rule *r);
bool rule_matches(const struct rule *r, const struct query *q, time_t now);
/* 3: priority deny, 2: priority allow, 1: deny, 0: allow; higher decides. */
int rule_tier(const struct rule *r);
/* Same match fields (sha256, verdict and lifetime aside)? */
bool rule_same_target(const struct rule *a, const struct rule *b);

/* How the `proto` field sees a socket of this type and protocol. */
enum proto_kind proto_classify(int type, int protocol, int *number);

/*
 * An ordered rule set, indexed by exact executable path so that matching
 * costs the rules of the caller's program plus the glob/any-program rules,
 * not every rule.  @origin is the file name rule_origin() shows.
 */
struct ruleset *ruleset_new(const char *origin);
void ruleset_free(struct ruleset *rs);
/* Append @r (the set owns it from now on); -ENOMEM leaves @r to the caller. */
int ruleset_add(struct ruleset *rs, struct rule *r);
/* The i-th rule in order, i < ruleset_count(). */
const struct rule *ruleset_rule(const struct ruleset *rs, size_t i);
/* Remove (and free) the rules @drop selects; the number removed. */
size_t ruleset_remove_if(struct ruleset *rs,
			 bool (*drop)(const struct rule *r, void *ctx),
			 void *ctx);
/* Does @a decide over @b (both matching)?  Higher tier, then earlier. */
bool rule_beats(const struct rule *a, const struct rule *b);

/*
 * The rule language (rule_text.c), shared by config.c and store.c.
 * Errors are written as "FILE:LINE: rule N: what is wrong".  @remembered
 * allows the store's own fields (expires, created).
 */
struct rule *rule_parse(const config_setting_t *g, const char *file,
			unsigned int index, bool remembered,
			char *err, size_t errlen);
/*
 * One rule group in sactl.conf syntax, "{ action = "deny"; ... }" (as
 * sactlctl sends it); errors name @file and line 1.
 */
struct rule *rule_parse_text(const char *text, const char *file,
			     bool remembered, char *err, size_t errlen);
/* @r in sactl.conf syntax on one line, as rule_parse() reads it back. */
void rule_write(FILE *f, const struct rule *r);
char *rule_to_text(const struct rule *r);	/* malloc'd, NULL: ENOMEM */
void cidr_format(const struct cidr *c, char *buf, size_t len);
const char *errno_name(int error);	/* NULL if it has no name here */

/* Where a configuration error is: "FILE:LINE: WHAT: ". */
struct conf_ctx {
	const char *file;
	char what[32];			/* "rule 3", "sactld" or "" */
	char *err;
	size_t errlen;
};

/* Write the error about @s into c->err; returns false. */
__attribute__((format(printf, 3, 4)))
bool conf_fail(struct conf_ctx *c, const config_setting_t *s,
	       const char *fmt, ...);
bool conf_int(const config_setting_t *s, long long *v);	/* int or int64 */
bool conf_bool(struct conf_ctx *c, const config_setting_t *s, bool *v);
bool conf_string(struct conf_ctx *c, const config_setting_t *s, char **v);

/*
 * Read the libconfig text of @fd (a regular file, at most 64 MiB, no NUL,
 * no @include) into @cfg.  Errors name @file.
 */
int config_read_fd(config_t *cfg, int fd, const char *file,
		   char *err, size_t errlen);

#endif /* SACTLD_RULES_H */
