// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict cache: rules the daemon hands over (SACTL_IOC_CACHE_ADD) so
 * that calls it would decide from the request's fields alone are answered
 * here, without a round trip to user space.
 *
 * Rules that name an executable hang in a hash table keyed by its device
 * and inode; the others are on one list.  Lookups walk one bucket and that
 * list under rcu_read_lock() and take no lock; the daemon's adds and
 * flushes are serialized by sactl_cache_mutex and free entries after a
 * grace period.  Expired rules are skipped at once and freed when the
 * cache fills up or is flushed.
 */

#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "internal.h"

#define SACTL_CACHE_BITS	10
/* Longer ttls are taken as "until flushed": the daemon flushes anyway. */
#define SACTL_CACHE_MAX_TTL	(366U * 24 * 60 * 60)

struct sactl_cache_ent {
	struct hlist_node	node;
	struct rcu_head		rcu;
	u32			match;
	u32			ops;
	int			err;		/* 0: allow; deny: -errno or 1 */
	s32			priority;
	u64			expires;	/* jiffies_64; 0: never */
	kuid_t			uid;
	u64			exe_dev;
	u64			exe_ino;
	struct timespec64	exe_ctime;
	u16			family;
	u16			protocol;
	u16			port_lo;
	u16			port_hi;
	u8			prefix_len;
	u8			type;
	u8			addr[16];
};

/* Marks a deny that takes the operation's default error. */
#define SACTL_CACHE_DENY_DEFAULT	1

static DEFINE_HASHTABLE(sactl_cache_exe, SACTL_CACHE_BITS);
static HLIST_HEAD(sactl_cache_any);
static DEFINE_MUTEX(sactl_cache_mutex);
static unsigned int sactl_cache_count;	/* under sactl_cache_mutex */

unsigned int sactl_cache_max = 16384;
module_param_named(cache_max, sactl_cache_max, uint, 0644);
MODULE_PARM_DESC(cache_max,
		 "Most verdict cache rules (0: no cache, every call goes to the daemon)");

static u32 sactl_cache_hash(u64 dev, u64 ino)
{
	return hash_64(dev ^ ino, SACTL_CACHE_BITS);
}

static bool sactl_cache_expired(const struct sactl_cache_ent *e, u64 now)
{
	return e->expires && time_after_eq64(now, e->expires);
}

/* Do the first @bits bits of @a and @b agree? */
static bool sactl_prefix_match(const u8 *a, const u8 *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)));
}

/* The address an operation is about: bind and listen are about our own. */
static const struct sactl_sockaddr *sactl_op_addr(const struct sactl_req *req)
{
	u16 op = req->rec.op;

	return op == SACTL_OP_BIND || op == SACTL_OP_LISTEN ? &req->rec.local :
							      &req->rec.remote;
}

static bool sactl_cache_matches(const struct sactl_cache_ent *e,
				const struct sactl_req *req)
{
	const struct sactl_request *rec = &req->rec;
	const struct sactl_sockaddr *sa = sactl_op_addr(req);

	if (!(e->ops & BIT(rec->op)))
		return false;
	if ((e->match & SACTL_MATCH_EXE) &&
	    (!req->exe.mnt || e->exe_dev != rec->exe_dev ||
	     e->exe_ino != rec->exe_ino ||
	     !timespec64_equal(&e->exe_ctime, &req->exe_ctime)))
		return false;
	if ((e->match & SACTL_MATCH_UID) && !uid_eq(e->uid, req->uid))
		return false;
	if ((e->match & SACTL_MATCH_FAMILY) && e->family != rec->family)
		return false;
	if ((e->match & SACTL_MATCH_TYPE) && e->type != rec->type)
		return false;
	if ((e->match & SACTL_MATCH_PROTOCOL) && e->protocol != rec->protocol)
		return false;
	if ((e->match & (SACTL_MATCH_ADDR | SACTL_MATCH_PORT)) && !sa->family)
		return false;
	if ((e->match & SACTL_MATCH_PORT) &&
	    (sa->port < e->port_lo || sa->port > e->port_hi))
		return false;
	if ((e->match & SACTL_MATCH_ADDR) &&
	    (sa->family != e->family ||
	     !sactl_prefix_match(sa->addr, e->addr, e->prefix_len)))
		return false;
	return true;
}

/* Fold @e into the verdict so far: a higher priority wins, then deny. */
static void sactl_cache_consider(const struct sactl_cache_ent *e,
				 const struct sactl_cache_ent **best)
{
	if (!*best || e->priority > (*best)->priority ||
	    (e->priority == (*best)->priority && e->err && !(*best)->err))
		*best = e;
}

/**
 * sactl_cache_lookup - decide @req from the verdict cache
 * @req: a filled-in request
 * @err: the verdict, 0 or -errno, if one was found
 *
 * Never sleeps and takes no lock.
 *
 * Return: true if a cached rule decided the request.
 */
bool sactl_cache_lookup(const struct sactl_req *req, int *err)
{
	const struct sactl_cache_ent *e, *best = NULL;
	u64 now = get_jiffies_64();
	u32 key;

	if (!READ_ONCE(sactl_cache_count))
		return false;
	rcu_read_lock();
	if (req->exe.mnt) {
		key = sactl_cache_hash(req->rec.exe_dev, req->rec.exe_ino);
		hlist_for_each_entry_rcu(e, &sactl_cache_exe[key], node)
			if (!sactl_cache_expired(e, now) &&
			    sactl_cache_matches(e, req))
				sactl_cache_consider(e, &best);
	}
	hlist_for_each_entry_rcu(e, &sactl_cache_any, node)
		if (!sactl_cache_expired(e, now) && sactl_cache_matches(e, req))
			sactl_cache_consider(e, &best);
	if (best)
		*err = best->err == SACTL_CACHE_DENY_DEFAULT ?
		       sactl_deny_errno(req->rec.op) : best->err;
	rcu_read_unlock();
	if (best)
		sactl_count(SACTL_STAT_CACHE_HITS);
	return best;
}

/* Check @r and turn it into an entry; ERR_PTR(-EINVAL) if malformed. */
static struct sactl_cache_ent *
sactl_cache_ent_new(const struct sactl_cache_rule *r)
{
	const u32 all_ops = GENMASK(SACTL_OP_SEND, SACTL_OP_SOCKET);
	unsigned int addr_bits = r->family == AF_INET ? 32 : 128;
	struct sactl_cache_ent *e;
	u32 ttl = r->ttl;

	if (r->size != sizeof(*r) || r->match & ~SACTL_MATCH_ALL ||
	    !r->ops || r->ops & ~all_ops || r->reserved2 ||
	    memchr_inv(r->reserved1, 0, sizeof(r->reserved1)))
		return ERR_PTR(-EINVAL);
	if (r->verdict == SACTL_ALLOW && r->error)
		return ERR_PTR(-EINVAL);
	if (r->verdict != SACTL_ALLOW &&
	    (r->verdict != SACTL_DENY || !sactl_deny_error_valid(r->error)))
		return ERR_PTR(-EINVAL);
	if ((r->match & (SACTL_MATCH_FAMILY | SACTL_MATCH_ADDR)) &&
	    r->family != AF_INET && r->family != AF_INET6)
		return ERR_PTR(-EINVAL);
	if ((r->match & SACTL_MATCH_ADDR) &&
	    (!(r->match & SACTL_MATCH_FAMILY) || !r->prefix_len ||
	     r->prefix_len > addr_bits))
		return ERR_PTR(-EINVAL);
	if ((r->match & SACTL_MATCH_PORT) && r->port_lo > r->port_hi)
		return ERR_PTR(-EINVAL);
	if ((r->match & SACTL_MATCH_TYPE) && !r->type)
		return ERR_PTR(-EINVAL);
	if ((r->match & SACTL_MATCH_EXE) && r->exe_ctime_nsec >= NSEC_PER_SEC)
		return ERR_PTR(-EINVAL);

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->match = r->match;
	e->ops = r->ops;
	if (r->verdict == SACTL_DENY)
		e->err = r->error ? -r->error : SACTL_CACHE_DENY_DEFAULT;
	e->priority = r->priority;
	if (ttl && ttl <= SACTL_CACHE_MAX_TTL)
		e->expires = get_jiffies_64() + (u64)ttl * HZ;
	if (r->match & SACTL_MATCH_UID) {
		e->uid = make_kuid(current_user_ns(), r->uid);
		if (!uid_valid(e->uid)) {
			kfree(e);
			return ERR_PTR(-EINVAL);
		}
	}
	e->exe_dev = r->exe_dev;
	e->exe_ino = r->exe_ino;
	e->exe_ctime.tv_sec = r->exe_ctime_sec;
	e->exe_ctime.tv_nsec = r->exe_ctime_nsec;
	e->family = r->family;
	e->protocol = r->protocol;
	e->port_lo = r->port_lo;
	e->port_hi = r->port_hi;
	e->prefix_len = r->prefix_len;
	e->type = r->type;
	memcpy(e->addr, r->addr, sizeof(e->addr));
	return e;
}

static void sactl_cache_del(struct sactl_cache_ent *e)
{
	lockdep_assert_held(&sactl_cache_mutex);
	hlist_del_rcu(&e->node);
	kfree_rcu(e, rcu);
	WRITE_ONCE(sactl_cache_count, sactl_cache_count - 1);
}

/* Free what has expired; with @all, everything. */
static void sactl_cache_prune(bool all)
{
	struct sactl_cache_ent *e;
	struct hlist_node *tmp;
	u64 now = get_jiffies_64();
	int bkt;

	lockdep_assert_held(&sactl_cache_mutex);
	hash_for_each_safe(sactl_cache_exe, bkt, tmp, e, node)
		if (all || sactl_cache_expired(e, now))
			sactl_cache_del(e);
	hlist_for_each_entry_safe(e, tmp, &sactl_cache_any, node)
		if (all || sactl_cache_expired(e, now))
			sactl_cache_del(e);
}

/**
 * sactl_cache_add - the daemon's SACTL_IOC_CACHE_ADD
 * @urule: the rule in user memory
 *
 * Return: 0, -EFAULT, -EINVAL for a malformed rule, -ENOSPC when full,
 * -ENOMEM.
 */
int sactl_cache_add(const struct sactl_cache_rule __user *urule)
{
	struct sactl_cache_rule r;
	struct sactl_cache_ent *e;
	int err = 0;

	if (copy_from_user(&r, urule, sizeof(r)))
		return -EFAULT;
	e = sactl_cache_ent_new(&r);
	if (IS_ERR(e))
		return PTR_ERR(e);

	mutex_lock(&sactl_cache_mutex);
	if (sactl_cache_count >= READ_ONCE(sactl_cache_max))
		sactl_cache_prune(false);
	if (sactl_cache_count >= READ_ONCE(sactl_cache_max)) {
		err = -ENOSPC;
		goto out;
	}
	if (e->match & SACTL_MATCH_EXE)
		hlist_add_head_rcu(&e->node,
				   &sactl_cache_exe[sactl_cache_hash(e->exe_dev,
								     e->exe_ino)]);
	else
		hlist_add_head_rcu(&e->node, &sactl_cache_any);
	WRITE_ONCE(sactl_cache_count, sactl_cache_count + 1);
	e = NULL;
out:
	mutex_unlock(&sactl_cache_mutex);
	kfree(e);
	return err;
}

/* Empty the cache: on SACTL_IOC_CACHE_FLUSH and when the daemon leaves. */
void sactl_cache_flush(void)
{
	mutex_lock(&sactl_cache_mutex);
	sactl_cache_prune(true);
	mutex_unlock(&sactl_cache_mutex);
}

unsigned int sactl_cache_size(void)
{
	return READ_ONCE(sactl_cache_count);
}
