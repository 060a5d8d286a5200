/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sactl module internals: one request per socket call waiting for the
 * daemon, the queue they wait in, and the knobs and counters around it.
 */
#ifndef _SACTL_INTERNAL_H
#define _SACTL_INTERNAL_H

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/path.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <uapi/linux/sactl.h>

struct file;
struct socket;
struct sockaddr;

enum sactl_req_state {
	SACTL_QUEUED,	/* waiting to be read (or being read) */
	SACTL_REPORTED,	/* read by the daemon, waiting for its answer */
	SACTL_ANSWERED,	/* verdict in ->err, the caller may go */
	SACTL_WITHDRAWN, /* the caller gave up: timeout or fatal signal */
};

/* Why a verdict was not the daemon's own. */
enum sactl_default {
	SACTL_DEFAULT_DETACHED,	/* no daemon, or it went away */
	SACTL_DEFAULT_TIMEOUT,	/* no answer within timeout_ms */
	SACTL_DEFAULT_OVERFLOW,	/* too many requests pending */
};

/*
 * One socket call waiting for a verdict.  The caller owns one reference, a
 * reader copying it to user space another; state and list membership are
 * protected by the queue lock.
 */
struct sactl_req {
	struct hlist_node	id_node;	/* in the id table while waiting */
	struct list_head	unread;		/* in the unread FIFO until read */
	wait_queue_head_t	wait;		/* the caller sleeps here */
	refcount_t		ref;
	enum sactl_req_state	state;
	int			err;		/* the verdict: 0 or -errno */
	kuid_t			uid;		/* for the per-uid cap */

	/* Who asks, translated into the reader's namespaces when read. */
	const struct cred	*cred;
	struct pid		*tid;
	struct pid		*tgid;
	struct pid		*ppid;
	struct path		exe;		/* .mnt is NULL: no executable */
	struct timespec64	exe_ctime;	/* for the verdict cache */

	/* Everything that does not depend on the reader. */
	struct sactl_request	rec;
};

/*
 * May a denial fail its call with @error (positive; 0: the default)?  Not
 * with the kernel's own codes (ERESTARTSYS up to ENOGRACE): user space must
 * never see them, and the ERESTART* ones would make the call restart, or
 * run a stale restart_syscall(2) block, once a signal is pending.
 */
static inline bool sactl_deny_error_valid(int error)
{
	return error >= 0 && error <= MAX_ERRNO &&
	       (error < ERESTARTSYS || error > ENOGRACE);
}

/* params.c */
extern unsigned int sactl_timeout_ms;
extern unsigned int sactl_max_pending;
extern unsigned int sactl_max_pending_per_uid;
int sactl_deny_errno(u16 op);
int sactl_default_verdict(u16 op, enum sactl_default why);

/* stats.c */
enum sactl_stat {
	SACTL_STAT_REQUESTS,
	SACTL_STAT_ALLOWED,
	SACTL_STAT_DENIED,
	SACTL_STAT_TIMEOUTS,
	SACTL_STAT_DEFAULTS,
	SACTL_STAT_OVERFLOWS,
	SACTL_STAT_CANCELLED,
	SACTL_STAT_CACHE_HITS,
	SACTL_NR_STATS,
};

void sactl_count(enum sactl_stat stat);
void sactl_count_verdict(int err);
extern const struct attribute_group *sactl_stat_groups[];

/* request.c */
struct sactl_req *sactl_req_alloc(struct socket *sock, u16 op, u32 flags);
void sactl_req_put(struct sactl_req *req);
void sactl_addr_from_sockaddr(struct sactl_sockaddr *out,
			      const struct socket *sock,
			      const struct sockaddr *sa, int len);
void sactl_addr_from_sock(struct sactl_sockaddr *out, struct socket *sock,
			  int peer);
int sactl_req_report(struct sactl_req *req,
		     struct sactl_request __user *buf);
int sactl_req_cache_init(void);
void sactl_req_cache_exit(void);

/* queue.c */
bool sactl_is_daemon(void);
bool sactl_attached(void);
int sactl_apply_default(u16 op, enum sactl_default why);
int sactl_decide(struct sactl_req *req);
void sactl_queue_attach(void);
void sactl_queue_detach(void);
struct sactl_req *sactl_queue_take(void);
void sactl_queue_untake(struct sactl_req *req);
void sactl_queue_reported(struct sactl_req *req);
bool sactl_queue_has_unread(void);
int sactl_queue_wait_unread(void);
int sactl_queue_answer(u64 id, bool deny, int error);
int sactl_queue_id_valid(u64 id);
unsigned int sactl_queue_pending(void);
extern wait_queue_head_t sactl_readq;

/* cache.c */
extern unsigned int sactl_cache_max;
bool sactl_cache_lookup(const struct sactl_req *req, int *err);
int sactl_cache_add(const struct sactl_cache_rule __user *urule);
void sactl_cache_flush(void);
unsigned int sactl_cache_size(void);

/* hooks.c */
int sactl_hooks_register(void);
void sactl_hooks_unregister(void);

/* device.c */
int sactl_device_register(void);
void sactl_device_unregister(void);

#endif /* _SACTL_INTERNAL_H */
