/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control server: the root-only socket sactlctl talks to (status,
 * rules, reload, watch).  Wire format: include/sactl/wire.h.  The socket
 * is 0600 and every peer must be uid 0 by SO_PEERCRED; anyone else gets an
 * ERROR and is disconnected.  Requests are served in order through the
 * control_ops the daemon core implements; each gets OK or ERROR.
 *
 * Ops return 0, or -errno with a message in @err (left empty, strerror()
 * of the errno is sent).  A NULL op answers ERROR(EOPNOTSUPP).  Ops run
 * synchronously inside the server's event callback and must not call
 * control_server_free(); they may call control_broadcast().
 */
#ifndef SACTLD_CONTROL_H
#define SACTLD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#define CONTROL_MAX_CLIENTS	32
/* Bytes queued to one client: a rule list or a WATCH backlog. */
#define CONTROL_MAX_QUEUE	(8 * 1024 * 1024)
/* Where the kernel module's counters are. */
#define SACTL_MODULE_STATS_DIR	"/sys/class/misc/sactl/stats"

struct control_server;

/* The module's counters (SACTL_MODULE_STATS_DIR/<name>). */
struct control_module_stats {
	bool present;		/* the directory could be read */
	uint64_t requests, allowed, denied, timeouts, defaults, overflows,
		 cancelled, pending;
	bool cache;		/* it has cache_hits or cache_rules (an older
				 * module has neither) */
	uint64_t cache_hits, cache_rules;
};

/* Whether sactld pushes verdicts into the module's cache, or why not. */
enum control_cache {
	CONTROL_CACHE_ON,
	CONTROL_CACHE_OFF,		/* `cache = false` in the configuration */
	CONTROL_CACHE_DETACHED,		/* not holding /dev/sactl */
	CONTROL_CACHE_UNSUPPORTED,	/* the module has no verdict cache */
	CONTROL_CACHE_FULL,		/* cache_max reached, until a flush */
};

/* The answer to STATUS; fields map 1:1 to WIRE_T_* of an OK frame. */
struct control_status {
	const char *version;	/* "sactld 0.1", or NULL */
	bool attached;		/* sactld holds /dev/sactl */
	uint64_t uptime;	/* seconds since sactld started */
	uint32_t pending;	/* requests read and not answered yet */
	uint32_t prompts;	/* prompts open (prompt_server_stats()) */
	uint32_t agents;	/* prompt agents connected */
	uint64_t requests, allowed, denied;
	uint64_t by_rule, by_user, by_default;
	enum control_cache cache;
	uint64_t cache_pushed;	/* records the module accepted, ever */
	uint64_t cache_flushes;
	struct control_module_stats module;
};

/* Which rules RULES_LIST wants. */
struct control_rule_filter {
	bool system;		/* the system rules (sactl.conf) */
	bool all_users;		/* every user's remembered rules */
	bool one_user;		/* ... or only @uid's */
	uid_t uid;
};

/* One rule of a listing. */
struct control_rule {
	unsigned int index;	/* from 1, within its system/user list;
				 * what RULE_DEL takes */
	bool system;		/* else a remembered rule of @uid */
	uid_t uid;
	const char *origin;	/* "sactl.conf:12", "1000.conf:3", or NULL */
	const char *text;	/* the rule in sactl.conf syntax */
};

/* Emit one rule of a listing: 0, or -errno to stop (then return it). */
typedef int (*control_emit_fn)(void *emit_ctx, const struct control_rule *r);

/* The rule RULE_DEL names: by index, or by origin when @origin is set. */
struct control_rule_ref {
	bool system;
	uid_t uid;		/* with !system */
	unsigned int index;	/* 0 when @origin is given */
	const char *origin;
};

/* What RULE_ADD reports back. */
struct control_added {
	unsigned int index;	/* 0: unknown */
	char origin[256];	/* "" : unknown */
};

struct control_ops {
	int (*status)(void *ctx, struct control_status *out);
	int (*reload)(void *ctx, char *err, size_t errlen);
	int (*rules_list)(void *ctx, const struct control_rule_filter *f,
			  control_emit_fn emit, void *emit_ctx,
			  char *err, size_t errlen);
	/* @text: one rule group in sactl.conf syntax; @system or @uid's. */
	int (*rule_add)(void *ctx, bool system, uid_t uid, const char *text,
			struct control_added *added, char *err, size_t errlen);
	int (*rule_del)(void *ctx, const struct control_rule_ref *ref,
			char *err, size_t errlen);
};

/*
 * Listen on @path (mode 0600; directory created 0755 if missing; a stale
 * socket is replaced, a live one is an error).  @ops and @ctx must outlive
 * the server.  NULL on error, with the reason in @err.
 */
struct control_server *control_server_new(struct ev_loop *loop,
					  const char *path,
					  const struct control_ops *ops,
					  void *ctx, char *err, size_t errlen);
/* Close every client and remove the socket. */
void control_server_free(struct control_server *cs);
/*
 * Send one decision line to every WATCH client.  A client too slow to keep
 * up loses lines (it is told how many in its next EVENT); it is never
 * allowed to hold more than CONTROL_MAX_QUEUE bytes.
 */
void control_broadcast(struct control_server *cs, const char *decision_line);
/* Is any client watching?  (Lets the caller skip formatting lines.) */
bool control_has_watchers(const struct control_server *cs);

/*
 * Read the module's counters from @dir (SACTL_MODULE_STATS_DIR).  0, or
 * -errno if the directory is missing (out->present is then false and the
 * counters 0); a single unreadable counter reads as 0, and out->cache says
 * whether the cache's counters exist.
 */
int control_read_module_stats(const char *dir,
			      struct control_module_stats *out);

#endif /* SACTLD_CONTROL_H */
