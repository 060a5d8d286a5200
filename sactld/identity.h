/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who is calling: the executable behind a request's exe_fd (its path as
 * the daemon sees it, whether it was deleted, its SHA-256) and the parent
 * process's executable.  Hashes are cached by dev/ino/mtime/size, so a
 * program is read once, not at every connect().
 */
#ifndef SACTLD_IDENTITY_H
#define SACTLD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/sactl.h>

#include "query.h"

/* Executables larger than this are not hashed (the loop would stall). */
#define IDENTITY_HASH_MAX	(1024ULL * 1024 * 1024)

struct identity {
	char *exe;		/* NULL if unknown */
	bool deleted;		/* the file was unlinked since it was run */
	uint64_t dev, ino;
	bool has_sha256;
	uint8_t sha256[SHA256_LEN];
	char *parent_exe;	/* NULL if unknown or not provably the parent */
};

struct identity_cache;

/* A cache of at most @entries hashes. */
struct identity_cache *identity_cache_new(size_t entries);
void identity_cache_free(struct identity_cache *c);

/*
 * "Is request @id still waiting?" (0 or -ENOENT); it proves that a pid read
 * from the request was not reused before /proc was read.
 */
typedef int (*identity_valid_fn)(void *ctx, uint64_t id);

/*
 * Fill @out for @rec.  Closes rec->exe_fd if it is a descriptor (always,
 * whatever happens).  Missing pieces stay NULL/false; never fails.
 */
void identity_resolve(struct identity_cache *c, const struct sactl_request *rec,
		      identity_valid_fn valid, void *ctx, struct identity *out);
/* Free what @id holds (and zero it). */
void identity_clear(struct identity *id);
/* Point @q's identity fields at @id's (which must outlive @q's use). */
void identity_apply(const struct identity *id, struct query *q);

/* Hash the file behind @fd (via pread); 0 or -errno. */
int identity_sha256_fd(int fd, uint64_t size, uint8_t out[SHA256_LEN]);

#endif /* SACTLD_IDENTITY_H */
