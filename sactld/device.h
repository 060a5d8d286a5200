/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The channel to the kernel: /dev/sactl on an ev_io, read in batches of
 * struct sactl_request, answered with struct sactl_response.
 *
 * For tests the path may instead name a unix SOCK_SEQPACKET socket (the
 * "device double"): the same records, one per packet, with the caller's
 * executable passed as an SCM_RIGHTS descriptor if at all.  It has no
 * ioctls: the ABI check is skipped and every id counts as still waiting.
 */
#ifndef SACTLD_DEVICE_H
#define SACTLD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <linux/sactl.h>

#include "policy.h"

#define DEVICE_PATH		"/dev/sactl"
#define DEVICE_BATCH		64	/* records per read() */
/* After a udev "add", how often and how long to wait for the node. */
#define DEVICE_RETRY_MS		50
#define DEVICE_RETRIES		40

struct device_ops {
	/* A request; the callee owns rec->exe_fd (a descriptor if >= 0). */
	void (*request)(void *ctx, const struct sactl_request *rec);
	/*
	 * Attached, or detached (closed, lost): on detach the kernel has
	 * released every caller, so their ids mean nothing any more.
	 */
	void (*state)(void *ctx, bool attached);
};

struct device;

struct device *device_new(struct ev_loop *loop, const char *path,
			  const struct device_ops *ops, void *ctx);
/* Detach (if attached) and free. */
void device_free(struct device *d);

/*
 * Open the device (or connect to the double), check the ABI and start
 * reading.  0, or -errno with the reason in @err.  -ENOENT: no such node.
 */
int device_attach(struct device *d, char *err, size_t errlen);
/* Attach, retrying a missing node briefly (it follows its uevent). */
void device_attach_soon(struct device *d);
void device_detach(struct device *d);
bool device_attached(const struct device *d);
/* The path given, and whether it is the socket double (once attached). */
const char *device_path(const struct device *d);
bool device_is_double(const struct device *d);

/*
 * Answer request @id.  0; -ENOENT if the request is gone (caller killed,
 * timed out); -ENODEV if not attached; other -errno on error.
 */
int device_answer(struct device *d, uint64_t id, enum verdict v, int error);
/* 0 if request @id is still waiting, -ENOENT if not, -ENODEV detached. */
int device_id_valid(struct device *d, uint64_t id);

/*
 * The verdict cache's ioctls (cache.h): 0 or -errno; -ENODEV if detached,
 * -ENOTTY from the double (a socket) and from a module without a cache.
 */
int device_cache_add(struct device *d, const struct sactl_cache_rule *r);
int device_cache_flush(struct device *d);

/* Counters for status: requests read, answers written. */
uint64_t device_requests(const struct device *d);
uint64_t device_answers(const struct device *d);

#endif /* SACTLD_DEVICE_H */
