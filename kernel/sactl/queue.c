// SPDX-License-Identifier: GPL-2.0
/*
 * The sactl queue: socket calls waiting for the daemon's verdict.
 *
 * A call is queued in a FIFO of unread requests and in a table by id.  The
 * daemon reads it (it leaves the FIFO) and answers it by id (it leaves the
 * table, and the caller is woken).  The caller waits killable and bounded:
 * on timeout or a fatal signal it withdraws the request itself, so a late
 * answer finds no such id.  When the daemon goes away every request still
 * in the table is answered with the detached verdict at once.
 *
 * One spinlock protects all of it; nobody sleeps or copies to user space
 * under it.  Callers sleep on their own request, so an answer wakes exactly
 * one task.
 */

#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

/* A caller re-arms its wait this often, so the hung task detector does
 * not mistake a user thinking about a prompt for a stuck task.
 */
#define SACTL_WAIT_SLICE	(5 * HZ)

#define SACTL_ID_BITS		8
#define SACTL_UID_BITS		6

/* Requests pending per user, for max_pending_per_uid. */
struct sactl_uid_count {
	struct hlist_node	node;
	kuid_t			uid;
	unsigned int		pending;
};

static DEFINE_SPINLOCK(sactl_lock);
static DEFINE_HASHTABLE(sactl_ids, SACTL_ID_BITS);
static DEFINE_HASHTABLE(sactl_uids, SACTL_UID_BITS);
static LIST_HEAD(sactl_unread);
static u64 sactl_next_id;
static unsigned int sactl_pending;
static bool sactl_daemon_attached;
/* The daemon's thread group; compared, never dereferenced, outside the lock. */
static struct pid *sactl_daemon;

DECLARE_WAIT_QUEUE_HEAD(sactl_readq);

bool sactl_is_daemon(void)
{
	return READ_ONCE(sactl_daemon) == task_tgid(current);
}

bool sactl_attached(void)
{
	return READ_ONCE(sactl_daemon_attached);
}

static struct sactl_req *sactl_lookup(u64 id)
{
	struct sactl_req *req;

	lockdep_assert_held(&sactl_lock);
	hash_for_each_possible(sactl_ids, req, id_node, id)
		if (req->rec.id == id)
			return req;
	return NULL;
}

static struct sactl_uid_count *sactl_uid_lookup(kuid_t uid)
{
	struct sactl_uid_count *uc;
	u32 key = __kuid_val(uid);

	lockdep_assert_held(&sactl_lock);
	hash_for_each_possible(sactl_uids, uc, node, key)
		if (uid_eq(uc->uid, uid))
			return uc;
	return NULL;
}

/* Take a place in the queue for @req: false if a cap is reached. */
static bool sactl_account_get(struct sactl_req *req)
{
	struct sactl_uid_count *uc;

	lockdep_assert_held(&sactl_lock);
	if (sactl_pending >= READ_ONCE(sactl_max_pending))
		return false;
	uc = sactl_uid_lookup(req->uid);
	if (!uc) {
		uc = kzalloc(sizeof(*uc), GFP_NOWAIT | __GFP_NOWARN);
		if (!uc)
			return false;
		uc->uid = req->uid;
		hash_add(sactl_uids, &uc->node, __kuid_val(req->uid));
	}
	if (uc->pending >= READ_ONCE(sactl_max_pending_per_uid)) {
		if (!uc->pending) {
			hash_del(&uc->node);
			kfree(uc);
		}
		return false;
	}
	uc->pending++;
	sactl_pending++;
	return true;
}

static void sactl_account_put(struct sactl_req *req)
{
	struct sactl_uid_count *uc;

	lockdep_assert_held(&sactl_lock);
	sactl_pending--;
	uc = sactl_uid_lookup(req->uid);
	if (WARN_ON_ONCE(!uc))
		return;
	if (!--uc->pending) {
		hash_del(&uc->node);
		kfree(uc);
	}
}

/* Give @req its verdict and let its caller go. */
static void sactl_finish(struct sactl_req *req, int err)
{
	lockdep_assert_held(&sactl_lock);
	hash_del(&req->id_node);
	list_del_init(&req->unread);
	req->err = err;
	/* Pairs with sactl_answered(): publish ->err before the state. */
	smp_store_release(&req->state, SACTL_ANSWERED);
	wake_up(&req->wait);
}

/* Apply the default verdict for @why to a call for @op, and count it. */
int sactl_apply_default(u16 op, enum sactl_default why)
{
	int err = sactl_default_verdict(op, why);

	sactl_count(SACTL_STAT_DEFAULTS);
	sactl_count_verdict(err);
	return err;
}

static bool sactl_answered(struct sactl_req *req)
{
	/* Pairs with sactl_finish(): ->err is valid once this is seen. */
	return smp_load_acquire(&req->state) == SACTL_ANSWERED;
}

/**
 * sactl_decide - queue @req and sleep until it has a verdict
 * @req: a request from sactl_req_alloc(), still owned by the caller
 *
 * Return: 0 to allow the call, or the negative errno it fails with.
 */
int sactl_decide(struct sactl_req *req)
{
	u16 op = req->rec.op;
	unsigned long deadline;
	bool answered;
	long left = 1;
	int err;

	might_sleep();
	if (sactl_cache_lookup(req, &err)) {
		sactl_count_verdict(err);
		return err;
	}
	spin_lock(&sactl_lock);
	if (!sactl_daemon_attached) {
		spin_unlock(&sactl_lock);
		return sactl_apply_default(op, SACTL_DEFAULT_DETACHED);
	}
	if (!sactl_account_get(req)) {
		spin_unlock(&sactl_lock);
		sactl_count(SACTL_STAT_OVERFLOWS);
		return sactl_apply_default(op, SACTL_DEFAULT_OVERFLOW);
	}
	req->rec.id = ++sactl_next_id;
	req->state = SACTL_QUEUED;
	hash_add(sactl_ids, &req->id_node, req->rec.id);
	list_add_tail(&req->unread, &sactl_unread);
	spin_unlock(&sactl_lock);
	wake_up_interruptible_poll(&sactl_readq, EPOLLIN | EPOLLRDNORM);

	deadline = jiffies + msecs_to_jiffies(READ_ONCE(sactl_timeout_ms));
	while (!sactl_answered(req)) {
		/* One read of jiffies: a tick between two could make the
		 * slice negative, which schedule_timeout() complains about.
		 */
		long slice = (long)(deadline - jiffies);

		if (slice <= 0)
			break;
		left = wait_event_killable_timeout(req->wait,
						   sactl_answered(req),
						   min_t(long, slice,
							 SACTL_WAIT_SLICE));
		if (left < 0)
			break;
	}

	spin_lock(&sactl_lock);
	answered = req->state == SACTL_ANSWERED;
	if (!answered) {
		/* Withdraw it: a late answer finds no such id. */
		hash_del(&req->id_node);
		list_del_init(&req->unread);
		req->state = SACTL_WITHDRAWN;
	}
	sactl_account_put(req);
	spin_unlock(&sactl_lock);

	if (answered) {
		sactl_count_verdict(req->err);
		return req->err;
	}
	if (left < 0) {
		/* Dying anyway: the call's result is never seen. */
		sactl_count(SACTL_STAT_CANCELLED);
		return -EINTR;
	}
	sactl_count(SACTL_STAT_TIMEOUTS);
	return sactl_apply_default(op, SACTL_DEFAULT_TIMEOUT);
}

/* The calling task opened the device: it is the daemon from now on. */
void sactl_queue_attach(void)
{
	struct pid *tgid = get_pid(task_tgid(current));

	spin_lock(&sactl_lock);
	WRITE_ONCE(sactl_daemon, tgid);
	WRITE_ONCE(sactl_daemon_attached, true);
	spin_unlock(&sactl_lock);
}

/* The daemon is gone: everybody still waiting gets the detached verdict. */
void sactl_queue_detach(void)
{
	struct sactl_req *req;
	struct hlist_node *tmp;
	struct pid *tgid;
	int bkt;

	spin_lock(&sactl_lock);
	WRITE_ONCE(sactl_daemon_attached, false);
	tgid = sactl_daemon;
	WRITE_ONCE(sactl_daemon, NULL);
	hash_for_each_safe(sactl_ids, bkt, tmp, req, id_node) {
		sactl_finish(req, sactl_default_verdict(req->rec.op,
							SACTL_DEFAULT_DETACHED));
		sactl_count(SACTL_STAT_DEFAULTS);
	}
	spin_unlock(&sactl_lock);
	put_pid(tgid);
}

/* The oldest unread request, off the FIFO and with a reference, or NULL. */
struct sactl_req *sactl_queue_take(void)
{
	struct sactl_req *req;

	spin_lock(&sactl_lock);
	req = list_first_entry_or_null(&sactl_unread, struct sactl_req,
				       unread);
	if (req) {
		list_del_init(&req->unread);
		refcount_inc(&req->ref);
	}
	spin_unlock(&sactl_lock);
	return req;
}

/* Copying @req out failed: put it back first in line, never lose it. */
void sactl_queue_untake(struct sactl_req *req)
{
	spin_lock(&sactl_lock);
	if (req->state == SACTL_QUEUED)
		list_add(&req->unread, &sactl_unread);
	spin_unlock(&sactl_lock);
	sactl_req_put(req);
}

/* @req reached the daemon, which may answer it now. */
void sactl_queue_reported(struct sactl_req *req)
{
	spin_lock(&sactl_lock);
	if (req->state == SACTL_QUEUED)
		req->state = SACTL_REPORTED;
	spin_unlock(&sactl_lock);
	sactl_req_put(req);
}

bool sactl_queue_has_unread(void)
{
	return !list_empty_careful(&sactl_unread);
}

int sactl_queue_wait_unread(void)
{
	return wait_event_interruptible(sactl_readq, sactl_queue_has_unread());
}

/**
 * sactl_queue_answer - the daemon's verdict on request @id
 * @id: the request's id
 * @deny: deny the call, else allow it
 * @error: with @deny, the positive errno for the call, or 0 for the default
 *
 * Return: 0; -ENOENT if no request @id waits (never was, answered, or
 * withdrawn); -EINPROGRESS if it was not read yet.
 */
int sactl_queue_answer(u64 id, bool deny, int error)
{
	struct sactl_req *req;
	int ret = 0;

	spin_lock(&sactl_lock);
	req = sactl_lookup(id);
	if (!req)
		ret = -ENOENT;
	else if (req->state != SACTL_REPORTED)
		ret = -EINPROGRESS;
	else if (!deny)
		sactl_finish(req, 0);
	else
		sactl_finish(req, error ? -error :
				  sactl_deny_errno(req->rec.op));
	spin_unlock(&sactl_lock);
	return ret;
}

/* 0 while request @id waits for a verdict, -ENOENT otherwise. */
int sactl_queue_id_valid(u64 id)
{
	int ret;

	spin_lock(&sactl_lock);
	ret = sactl_lookup(id) ? 0 : -ENOENT;
	spin_unlock(&sactl_lock);
	return ret;
}

unsigned int sactl_queue_pending(void)
{
	return READ_ONCE(sactl_pending);
}
