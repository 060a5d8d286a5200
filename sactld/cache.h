/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's verdict cache, fed by sactld: the rules and remembered
 * answers whose verdict a request's fields alone decide become struct
 * sactl_cache_rule records (SACTL_IOC_CACHE_ADD), so that the module
 * answers matching calls itself.
 *
 * A cached verdict must never differ from what sactld would decide, so a
 * rule is pushed only when the cache reproduces sactld's precedence for
 * every call its records match: every rule that beats it and may match
 * the same call either is cached exactly as well (with a higher cache
 * priority) or gives the same verdict and errno.  Records are for one
 * executable (its dev, ino and ctime) and, when pushed for a request, one
 * user; rules that concern no executable are also pushed for all.
 */
#ifndef SACTLD_CACHE_H
#define SACTLD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <linux/sactl.h>

#include "policy.h"

/* Records one rule may expand to; a rule needing more is not cached. */
#define CACHE_RULE_RECORDS	64
/* Executables x users pushed for since the last flush. */
#define CACHE_SEEN_MAX		1024
/* The module takes longer ttls as "until flushed": never send one. */
#define CACHE_TTL_MAX		(366U * 24 * 60 * 60)

/* An executable as the cache keys it: the file, as fstat() saw it. */
struct cache_exe {
	bool valid;
	uint64_t dev, ino;
	int64_t ctime_sec;
	uint32_t ctime_nsec;
};

/*
 * Which calls a plan is for.  @exe NULL: any executable, records without
 * SACTL_MATCH_EXE.  Otherwise @path is its path as identity.c gives it,
 * and @has_sha256/@sha256 its hash if known.  @has_uid: one user's calls.
 */
struct cache_subject {
	const struct cache_exe *exe;
	const char *path;
	bool has_sha256;
	uint8_t sha256[32];
	bool has_uid;
	uid_t uid;
};

/* Receives each record, best first; 0 or -errno (which ends the plan). */
typedef int (*cache_emit_fn)(void *ctx, const struct sactl_cache_rule *r);

/*
 * Emit the records of every rule of @cfg and @s that may be cached for
 * @sub at @now (wall clock, for ttls).  Stops at the first emit error and
 * returns it; else the number of records emitted.
 */
int cache_plan(const struct config *cfg, const struct store *s,
	       const struct cache_subject *sub, const struct timespec *now,
	       cache_emit_fn emit, void *ctx);

/* The cache priority of @r: sactld's precedence as one number (-1: none). */
int32_t cache_priority(const struct rule *r);

/*
 * The pushing side.  @add and @flush are the device's ioctls (or a test's
 * capture): 0 or -errno.  -ENODEV: not attached, nothing to do now.
 */
struct cache_ops {
	int (*add)(void *ctx, const struct sactl_cache_rule *r);
	int (*flush)(void *ctx);
	/* A flush failed: stale verdicts may stay; closing drops them. */
	void (*lost)(void *ctx);
};

struct cache;

struct cache_stats {
	uint64_t pushed;	/* records the module accepted */
	uint64_t flushes;
	bool active;		/* pushing: attached, supported, not full */
	/* Why not, for status (the configuration's `cache` aside): */
	bool attached;		/* we hold the device */
	bool unsupported;	/* the module has no cache ioctls */
	bool full;		/* its cache_max was reached: until a flush */
};

struct cache *cache_new(const struct cache_ops *ops, void *ctx);
void cache_free(struct cache *c);

/* Attached (again): the module's cache is empty; push what we can. */
void cache_attached(struct cache *c, const struct config *cfg,
		    const struct store *s);
/* Detached: the module emptied its cache when we closed the device. */
void cache_detached(struct cache *c);
/* Rules or remembered answers changed: flush, then push again. */
void cache_reset(struct cache *c, const struct config *cfg,
		 const struct store *s);
/*
 * A rule decided @q (from executable @exe): push what may be cached for
 * its executable and user, once until the next flush.
 */
void cache_decided(struct cache *c, const struct config *cfg,
		   const struct store *s, const struct query *q,
		   const struct cache_exe *exe);

/*
 * @exe for the descriptor of a request's executable: taken before
 * identity_resolve() hashes it (cache_exe_begin(), which dups @fd) and
 * confirmed after (cache_exe_end()): if the file changed meanwhile, or
 * has other links (another path to the same inode could have other rules),
 * @exe stays invalid.
 */
struct cache_exe_probe {
	int fd;
	struct cache_exe exe;
	uint64_t rec_dev, rec_ino;
};
void cache_exe_begin(struct cache_exe_probe *p, int fd, uint64_t rec_dev,
		     uint64_t rec_ino);
void cache_exe_end(struct cache_exe_probe *p, struct cache_exe *out);

/* Pushing at all (enabled, attached, supported, not full)? */
bool cache_active(const struct cache *c, const struct config *cfg);
void cache_stats(const struct cache *c, struct cache_stats *out);

#endif /* SACTLD_CACHE_H */
