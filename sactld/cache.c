// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict cache (cache.h): which rules may be cached, as what records,
 * and pushing them to the module.
 *
 * Why a record may differ from its rule, and what is done about it:
 *   - "tcp" and "udp" are a socket type and the protocol the kernel
 *     reports for it (sk_protocol, never 0), "raw" a type alone, "icmp"
 *     protocol 1 or 58 (which only datagram and raw sockets have), a
 *     number the protocol alone, as proto_classify() sees them;
 *   - it matches the real uid only, sactld's `user` also the effective
 *     one; `group`, `parent` and a hash without a path not at all;
 *   - it looks at one address: the local one for bind and listen, the
 *     peer's otherwise.  `remote`/`port` thus fit connect, send and
 *     accept (sactld's remote is absent for socket, bind and listen, so
 *     it never matches those), `local`/`local_port` fit bind and listen;
 *   - an address only matches a record of the socket's own family, while
 *     sactld compares IPv4 as IPv4-mapped IPv6, also on an IPv6 socket
 *     sending to an AF_INET address.  Every record for an operation with
 *     an address therefore names the family and a prefix (two /1 halves
 *     for "any"), so the cache only ever answers calls whose address is
 *     of the socket's family, where both views agree.
 * A rule whose records match exactly the calls it matches (within that
 * domain) is "exact".  A rule is pushed when it has records and no rule
 * that beats it and may match the same calls is a "blocker": relevant to
 * the subject, not pushed exactly (or only for a while: a ttl ends a
 * little before the rule does), and of another verdict or errno.  Then
 * the best cached rule matching a call is the rule sactld would pick, or
 * one of the same answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "log.h"
#include "rules.h"

#define OP_BIT(op)	(1u << (op))
#define OPS_ALL		(OP_BIT(SACTL_OP_SOCKET) | OP_BIT(SACTL_OP_BIND) |   \
			 OP_BIT(SACTL_OP_CONNECT) | OP_BIT(SACTL_OP_LISTEN) | \
			 OP_BIT(SACTL_OP_ACCEPT) | OP_BIT(SACTL_OP_SEND))
/* The operations whose cache address is the peer's, or our own. */
#define OPS_REMOTE	(OP_BIT(SACTL_OP_CONNECT) | OP_BIT(SACTL_OP_SEND) | \
			 OP_BIT(SACTL_OP_ACCEPT))
#define OPS_LOCAL	(OP_BIT(SACTL_OP_BIND) | OP_BIT(SACTL_OP_LISTEN))

/* Priorities: tier, then system before remembered, then file order. */
#define PRIO_SEQ_BITS	27
#define PRIO_SEQ_MAX	((1u << PRIO_SEQ_BITS) - 1)

static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

/* ---- one rule as records ------------------------------------------------ */

struct xlat {
	bool relevant;		/* may match a call of the subject */
	bool exact;		/* the records match exactly those calls */
	size_t n;
	struct sactl_cache_rule rec[CACHE_RULE_RECORDS];
};

/* One address condition of a record. */
struct aspec {
	uint16_t family;
	uint8_t prefix;
	uint8_t addr[16];
};

int32_t cache_priority(const struct rule *r)
{
	if (r->seq > PRIO_SEQ_MAX)
		return -1;
	return (int32_t)(((uint32_t)rule_tier(r) << (PRIO_SEQ_BITS + 1)) |
			 (r->remembered ? 0 : 1u << PRIO_SEQ_BITS) |
			 (PRIO_SEQ_MAX - (uint32_t)r->seq));
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full))
		return false;
	return !rest || !((a[full] ^ b[full]) & (uint8_t)(0xff00 >> rest));
}

/* Both /1 halves of a family: "any address of this family". */
static size_t halves(uint16_t family, struct aspec *out)
{
	for (int i = 0; i < 2; i++) {
		out[i] = (struct aspec){ .family = family, .prefix = 1 };
		out[i].addr[0] = i ? 0x80 : 0;
	}
	return 2;
}

/*
 * The records' address conditions for @c (NULL: any address) on sockets
 * of @family (0: both): what sactld's IPv4-mapped view means for calls
 * whose address is of the socket's family.
 */
static size_t addr_specs(const struct cidr *c, int family, struct aspec *out)
{
	uint8_t mapped[16] = { 0 };
	size_t n = 0;

	memcpy(mapped, v4_mapped, sizeof(v4_mapped));
	if (!family || family == AF_INET) {
		if (!c || c->bits <= 96) {
			/* Holds all of IPv4, or none of it. */
			if (!c || prefix_equal(c->addr, mapped, c->bits))
				n += halves(AF_INET, out + n);
		} else if (prefix_equal(c->addr, mapped, 96)) {
			out[n] = (struct aspec){ .family = AF_INET,
						 .prefix = (uint8_t)(c->bits - 96) };
			memcpy(out[n].addr, c->addr + 12, 4);
			n++;
		}
	}
	if (!family || family == AF_INET6) {
		if (!c || !c->bits) {
			n += halves(AF_INET6, out + n);
		} else {
			out[n] = (struct aspec){ .family = AF_INET6,
						 .prefix = (uint8_t)c->bits };
			memcpy(out[n].addr, c->addr, 16);
			n++;
		}
	}
	return n;
}

static bool path_matches(const char *pattern, bool glob, const char *path)
{
	if (!path)
		return false;
	if (glob)
		return fnmatch(pattern, path, FNM_PATHNAME) == 0;
	return strcmp(pattern, path) == 0;
}

/* What all records of one rule share; varied by xlat_add(). */
struct base {
	const struct rule *r;
	const struct cache_subject *sub;
	int32_t priority;
	uint32_t ttl;
};

/* One socket kind of a rule's proto: type and/or protocol (0: any). */
struct pspec {
	int type;
	int protocol;
};

static bool xlat_add(struct xlat *x, const struct base *b, uint32_t ops,
		     const uid_t *uid, const struct pspec *proto,
		     const struct aspec *a, const struct port_range *port)
{
	struct sactl_cache_rule *rec;

	if (x->n == CACHE_RULE_RECORDS)
		return false;
	rec = &x->rec[x->n++];
	*rec = (struct sactl_cache_rule){
		.size = sizeof(*rec),
		.ops = ops,
		.verdict = b->r->action == VERDICT_ALLOW ? SACTL_ALLOW : SACTL_DENY,
		.error = b->r->action == VERDICT_ALLOW ? 0 : b->r->error,
		.priority = b->priority,
		.ttl = b->ttl,
		.cookie = b->r->seq | (b->r->remembered ? 1ULL << 63 : 0),
	};
	if (b->sub->exe) {
		rec->match |= SACTL_MATCH_EXE;
		rec->exe_dev = b->sub->exe->dev;
		rec->exe_ino = b->sub->exe->ino;
		rec->exe_ctime_sec = b->sub->exe->ctime_sec;
		rec->exe_ctime_nsec = b->sub->exe->ctime_nsec;
	}
	if (uid) {
		rec->match |= SACTL_MATCH_UID;
		rec->uid = *uid;
	}
	if (b->r->family) {
		rec->match |= SACTL_MATCH_FAMILY;
		rec->family = (uint16_t)b->r->family;
	}
	if (proto && proto->type) {
		rec->match |= SACTL_MATCH_TYPE;
		rec->type = (uint8_t)proto->type;
	}
	if (proto && proto->protocol) {
		rec->match |= SACTL_MATCH_PROTOCOL;
		rec->protocol = (uint16_t)proto->protocol;
	}
	if (a) {
		rec->match |= SACTL_MATCH_FAMILY | SACTL_MATCH_ADDR;
		rec->family = a->family;
		rec->prefix_len = a->prefix;
		memcpy(rec->addr, a->addr, sizeof(rec->addr));
	}
	if (port) {
		rec->match |= SACTL_MATCH_PORT;
		rec->port_lo = port->lo;
		rec->port_hi = port->hi;
	}
	return true;
}

/* The records of one user and protocol choice; false: too many. */
static bool xlat_ops(struct xlat *x, const struct base *b, const uid_t *uid,
		     const struct pspec *proto)
{
	const struct rule *r = b->r;
	uint32_t ops = (r->ops ? r->ops : OPS_ALL) & OPS_ALL;
	bool remote = r->n_remote || r->n_ports;
	const struct cidr *cidrs = remote ? r->remote : r->local;
	size_t n_cidrs = remote ? r->n_remote : r->n_local;
	const struct port_range *ports = remote ? r->ports : r->local_ports;
	size_t n_ports = remote ? r->n_ports : r->n_local_ports;
	uint32_t addr_ops;

	if (remote)
		addr_ops = ops & OPS_REMOTE;
	else if (r->n_local || r->n_local_ports)
		addr_ops = ops & OPS_LOCAL;
	else
		addr_ops = ops & (OPS_REMOTE | OPS_LOCAL);
	/* socket has no address: only rules without address conditions. */
	if (!remote && !r->n_local && !r->n_local_ports &&
	    (ops & OP_BIT(SACTL_OP_SOCKET)) &&
	    !xlat_add(x, b, OP_BIT(SACTL_OP_SOCKET), uid, proto, NULL, NULL))
		return false;
	if (!addr_ops)
		return true;
	for (size_t i = 0; i < (n_cidrs ? n_cidrs : 1); i++) {
		struct aspec a[4];
		size_t na = addr_specs(n_cidrs ? &cidrs[i] : NULL, r->family, a);

		for (size_t k = 0; k < na; k++)
			for (size_t p = 0; p < (n_ports ? n_ports : 1); p++)
				if (!xlat_add(x, b, addr_ops, uid, proto, &a[k],
					      n_ports ? &ports[p] : NULL))
					return false;
	}
	return true;
}

/* The rule's ttl at @now, 0 if none; false if it (nearly) expired. */
static bool rule_ttl(const struct rule *r, const struct timespec *now,
		     uint32_t *ttl)
{
	long long left;

	*ttl = 0;
	if (!r->expires)
		return true;
	/* Whole seconds left, rounded down: the record ends first. */
	left = (long long)r->expires - now->tv_sec - (now->tv_nsec > 0);
	if (left <= 0)
		return false;
	*ttl = left > CACHE_TTL_MAX ? CACHE_TTL_MAX : (uint32_t)left;
	return true;
}

/* The exe, hash and parent conditions; false if @r is settled already. */
static bool xlat_identity(const struct rule *r, const struct cache_subject *sub,
			  struct xlat *x)
{
	if (!sub->exe) {
		/* Any executable: a rule about one cannot be expressed. */
		if (r->exe || r->has_sha256 || r->parent)
			x->exact = false;
		return x->exact;
	}
	if (r->exe && !path_matches(r->exe, r->exe_glob, sub->path)) {
		x->relevant = false;
		return false;
	}
	if (r->has_sha256) {
		/* A hash alone names content wherever it is: not cached. */
		if (!r->exe || !sub->has_sha256) {
			x->exact = false;
			return false;
		}
		if (memcmp(r->sha256, sub->sha256, SHA256_LEN)) {
			x->relevant = false;
			return false;
		}
	}
	if (r->parent)
		x->exact = false;
	return x->exact;
}

static void translate(const struct rule *r, const struct cache_subject *sub,
		      const struct timespec *now, struct xlat *x)
{
	struct base b = { .r = r, .sub = sub, .priority = cache_priority(r) };
	const uid_t *fixed_uid = NULL;
	struct pspec protos[2 * 8];
	size_t n_protos = 0, n_uids;

	x->relevant = true;
	x->exact = true;
	x->n = 0;
	if (r->expires && now->tv_sec >= r->expires) {
		x->relevant = false;
		return;
	}
	if (r->remembered && sub->has_uid && r->owner != sub->uid) {
		x->relevant = false;
		return;
	}
	if (!xlat_identity(r, sub, x))
		return;
	/* Bound to a pid, groups, no room for a priority or a ttl. */
	if (r->duration == DURATION_PROCESS || r->n_groups || b.priority < 0 ||
	    !rule_ttl(r, now, &b.ttl) ||
	    ((r->n_remote || r->n_ports) && (r->n_local || r->n_local_ports))) {
		x->exact = false;
		return;
	}
	if (sub->has_uid)
		fixed_uid = &sub->uid;
	else if (r->remembered)
		fixed_uid = &r->owner;
	if (r->n_users) {
		bool in = false;

		for (size_t i = 0; fixed_uid && i < r->n_users; i++)
			in |= r->users[i] == *fixed_uid;
		/* sactld matches uid or euid; the cache the uid only. */
		if (fixed_uid && !in) {
			x->exact = false;
			return;
		}
		if (!fixed_uid)
			x->exact = false;
	}
	for (size_t i = 0; i < r->n_protos; i++) {
		const struct proto_spec *p = &r->protos[i];

		if (n_protos + 2 > sizeof(protos) / sizeof(protos[0])) {
			x->exact = false;
			return;
		}
		switch (p->kind) {
		case PROTO_TCP:
			protos[n_protos++] = (struct pspec){ SOCK_STREAM,
							     IPPROTO_TCP };
			break;
		case PROTO_UDP:
			protos[n_protos++] = (struct pspec){ SOCK_DGRAM,
							     IPPROTO_UDP };
			break;
		case PROTO_RAW:
			protos[n_protos++] = (struct pspec){ SOCK_RAW, 0 };
			break;
		case PROTO_ICMP:
			protos[n_protos++] = (struct pspec){ 0, IPPROTO_ICMP };
			protos[n_protos++] = (struct pspec){ 0, IPPROTO_ICMPV6 };
			break;
		default:
			if (p->number > 0 && p->number <= UINT16_MAX)
				protos[n_protos++] = (struct pspec){ 0, p->number };
			else
				x->exact = false;
		}
	}
	if (r->n_protos && !n_protos)
		return;
	n_uids = fixed_uid || !r->n_users ? 1 : r->n_users;
	for (size_t u = 0; u < n_uids; u++) {
		const uid_t *uid = fixed_uid ? fixed_uid :
				   r->n_users ? &r->users[u] : NULL;

		for (size_t p = 0; p < (n_protos ? n_protos : 1); p++) {
			if (xlat_ops(x, &b, uid, n_protos ? &protos[p] : NULL))
				continue;
			x->n = 0;	/* too many: none */
			x->exact = false;
			return;
		}
	}
	/* remote/local conditions on the other address side of an op. */
	if ((r->n_local || r->n_local_ports) &&
	    ((r->ops ? r->ops : OPS_ALL) & OPS_REMOTE))
		x->exact = false;
}

/* ---- precedence ------------------------------------------------------- */

static bool cidrs_disjoint(const struct cidr *a, size_t na,
			   const struct cidr *b, size_t nb)
{
	if (!na || !nb)
		return false;
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0; k < nb; k++) {
			unsigned int bits = a[i].bits < b[k].bits ? a[i].bits :
								    b[k].bits;

			if (prefix_equal(a[i].addr, b[k].addr, bits))
				return false;
		}
	return true;
}

static bool ports_disjoint(const struct port_range *a, size_t na,
			   const struct port_range *b, size_t nb)
{
	if (!na || !nb)
		return false;
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0; k < nb; k++)
			if (a[i].lo <= b[k].hi && b[k].lo <= a[i].hi)
				return false;
	return true;
}

/*
 * The operations @r can match at all: the kernel reports no peer for
 * socket, bind and listen, and no local address for socket.
 */
static uint32_t rule_ops(const struct rule *r)
{
	uint32_t ops = (r->ops ? r->ops : OPS_ALL) & OPS_ALL;

	if (r->n_remote || r->n_ports)
		ops &= OPS_REMOTE;
	if (r->n_local || r->n_local_ports)
		ops &= ~OP_BIT(SACTL_OP_SOCKET);
	return ops;
}

/* Could one call match both?  False only when that is certain. */
static bool may_overlap(const struct rule *a, const struct rule *b)
{
	uint32_t ops_a = rule_ops(a), ops_b = rule_ops(b);

	if (!(ops_a & ops_b))
		return false;
	if (a->family && b->family && a->family != b->family)
		return false;
	if (a->remembered && b->remembered && a->owner != b->owner)
		return false;
	return !cidrs_disjoint(a->remote, a->n_remote, b->remote, b->n_remote) &&
	       !cidrs_disjoint(a->local, a->n_local, b->local, b->n_local) &&
	       !ports_disjoint(a->ports, a->n_ports, b->ports, b->n_ports) &&
	       !ports_disjoint(a->local_ports, a->n_local_ports,
			       b->local_ports, b->n_local_ports);
}

static bool same_answer(const struct rule *a, const struct rule *b)
{
	return a->action == b->action &&
	       (a->action == VERDICT_ALLOW || a->error == b->error);
}

/* sactld's order: policy_decide() and rule_beats() as one sort. */
static int cmp_precedence(const void *pa, const void *pb)
{
	const struct rule *a = *(const struct rule *const *)pa;
	const struct rule *b = *(const struct rule *const *)pb;

	if (rule_tier(a) != rule_tier(b))
		return rule_tier(b) - rule_tier(a);
	if (a->remembered != b->remembered)
		return a->remembered ? 1 : -1;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int append_set(const struct rule ***v, size_t *n, size_t *cap,
		      const struct ruleset *rs)
{
	size_t k = ruleset_count(rs);

	if (*n + k > *cap) {
		size_t want = *n + k + 16;
		const struct rule **nv = realloc(*v, want * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = want;
	}
	for (size_t i = 0; i < k; i++)
		(*v)[(*n)++] = ruleset_rule(rs, i);
	return 0;
}

/* Every rule that may concern @sub, in sactld's order. */
static int gather(const struct config *cfg, const struct store *s,
		  const struct cache_subject *sub, const struct rule ***out,
		  size_t *n)
{
	const struct rule **v = NULL;
	size_t cap = 0;
	int err = 0;

	*n = 0;
	if (cfg)
		err = append_set(&v, n, &cap, cfg->rules);
	if (!err && s && sub->has_uid) {
		err = append_set(&v, n, &cap, store_rules(s, sub->uid));
	} else if (!err && s) {
		size_t nu = store_uids(s, NULL, 0);
		uid_t *uids = calloc(nu ? nu : 1, sizeof(*uids));

		if (!uids)
			err = -ENOMEM;
		nu = uids ? store_uids(s, uids, nu) : 0;
		for (size_t i = 0; !err && i < nu; i++)
			err = append_set(&v, n, &cap, store_rules(s, uids[i]));
		free(uids);
	}
	if (err) {
		free(v);
		return err;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_precedence);
	*out = v;
	return 0;
}

int cache_plan(const struct config *cfg, const struct store *s,
	       const struct cache_subject *sub, const struct timespec *now,
	       cache_emit_fn emit, void *ctx)
{
	const struct rule **v, **blockers;
	size_t n, nb = 0;
	struct xlat *x;
	int err, emitted = 0;

	err = gather(cfg, s, sub, &v, &n);
	if (err)
		return err;
	blockers = calloc(n ? n : 1, sizeof(*blockers));
	x = malloc(sizeof(*x));
	if (!blockers || !x) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = v[i];
		bool pushed;

		translate(r, sub, now, x);
		if (!x->relevant)
			continue;
		pushed = x->n > 0;
		for (size_t k = 0; pushed && k < nb; k++)
			if (!same_answer(blockers[k], r) &&
			    may_overlap(blockers[k], r))
				pushed = false;
		for (size_t k = 0; pushed && k < x->n; k++) {
			err = emit(ctx, &x->rec[k]);
			if (err)
				goto out;
			emitted++;
		}
		if (!pushed || !x->exact || r->expires)
			blockers[nb++] = r;
	}
out:
	free(x);
	free(blockers);
	free(v);
	return err ? err : emitted;
}

/* ---- the executable's identity ----------------------------------------- */

static bool exe_stat(int fd, struct cache_exe *e)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1)
		return false;
	*e = (struct cache_exe){
		.valid = true, .dev = st.st_dev, .ino = st.st_ino,
		.ctime_sec = st.st_ctim.tv_sec,
		.ctime_nsec = (uint32_t)st.st_ctim.tv_nsec,
	};
	return true;
}

void cache_exe_begin(struct cache_exe_probe *p, int fd, uint64_t rec_dev,
		     uint64_t rec_ino)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (p->fd >= 0 &&
	    (!exe_stat(p->fd, &p->exe) || p->exe.dev != rec_dev ||
	     p->exe.ino != rec_ino)) {
		close(p->fd);
		p->fd = -1;
	}
}

static bool exe_same(const struct cache_exe *a, const struct cache_exe *b)
{
	return a->valid == b->valid && a->dev == b->dev && a->ino == b->ino &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

void cache_exe_end(struct cache_exe_probe *p, struct cache_exe *out)
{
	struct cache_exe now;

	memset(out, 0, sizeof(*out));
	if (p->fd < 0)
		return;
	/* Unchanged while it was hashed: the hash is of this ctime's file. */
	if (exe_stat(p->fd, &now) && exe_same(&now, &p->exe))
		*out = now;
	close(p->fd);
	p->fd = -1;
}

/* ---- pushing ---------------------------------------------------------- */

struct seen {
	struct cache_exe exe;
	uid_t uid;
};

struct cache {
	const struct cache_ops *ops;
	void *ctx;
	bool attached;
	bool unsupported;	/* the module has no cache ioctls */
	bool full;		/* ENOSPC: until the next flush */
	bool dirty;		/* records may be in the module */
	struct seen seen[CACHE_SEEN_MAX];
	size_t n_seen;
	struct cache_stats st;
};

struct cache *cache_new(const struct cache_ops *ops, void *ctx)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (c) {
		c->ops = ops;
		c->ctx = ctx;
	}
	return c;
}

void cache_free(struct cache *c)
{
	free(c);
}

static bool active(const struct cache *c, const struct config *cfg)
{
	return cfg && cfg->cache && c->attached && !c->unsupported && !c->full;
}

/* One line per record, for -d: what the module now answers by itself. */
static void log_record(const struct sactl_cache_rule *r)
{
	char addr[INET6_ADDRSTRLEN + 8] = "any", exe[48] = "any";
	char uid[16] = "any", port[16] = "any";

	if (r->match & SACTL_MATCH_ADDR) {
		inet_ntop(r->family, r->addr, addr, sizeof(addr));
		snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr),
			 "/%u", r->prefix_len);
	}
	if (r->match & SACTL_MATCH_EXE)
		snprintf(exe, sizeof(exe), "%llx:%llu",
			 (unsigned long long)r->exe_dev,
			 (unsigned long long)r->exe_ino);
	if (r->match & SACTL_MATCH_UID)
		snprintf(uid, sizeof(uid), "%u", r->uid);
	if (r->match & SACTL_MATCH_PORT)
		snprintf(port, sizeof(port), "%u-%u", r->port_lo, r->port_hi);
	log_msg(LOG_DEBUG, "verdict cache: %s errno %d ops 0x%x exe %s uid %s type %d proto %d addr %s port %s priority %d ttl %u",
		r->verdict == SACTL_ALLOW ? "allow" : "deny", r->error, r->ops,
		exe, uid, r->match & SACTL_MATCH_TYPE ? r->type : -1,
		r->match & SACTL_MATCH_PROTOCOL ? r->protocol : -1,
		addr, port, r->priority, r->ttl);
}

static int push_one(void *ctx, const struct sactl_cache_rule *r)
{
	struct cache *c = ctx;
	int err = c->ops->add(c->ctx, r);

	if (!err) {
		log_record(r);
		c->st.pushed++;
		c->dirty = true;
	} else if (err == -ENOTTY || err == -EINVAL) {
		log_msg(LOG_DEBUG, "verdict cache: SACTL_IOC_CACHE_ADD: %s: not using it",
			strerror(-err));
		c->unsupported = true;
	} else if (err == -ENOSPC) {
		log_msg(LOG_NOTICE, "verdict cache full (the module's cache_max): no more until the next flush");
		c->full = true;
	} else if (err != -ENODEV) {
		log_msg(LOG_ERR, "verdict cache: SACTL_IOC_CACHE_ADD: %s",
			strerror(-err));
	}
	return err;
}

static void plan(struct cache *c, const struct config *cfg,
		 const struct store *s, const struct cache_subject *sub)
{
	struct timespec now;
	int r;

	clock_gettime(CLOCK_REALTIME, &now);
	r = cache_plan(cfg, s, sub, &now, push_one, c);
	if (r == -ENOMEM)
		log_msg(LOG_ERR, "verdict cache: out of memory");
}

/* The file @path names, if it is that path for identity.c too. */
static bool exe_of_path(const char *path, struct cache_exe *e)
{
	char *real = realpath(path, NULL);
	bool ok = false;
	int fd;

	/* A link on the way (/bin -> usr/bin) makes another path. */
	if (!real || strcmp(real, path)) {
		free(real);
		return false;
	}
	free(real);
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		ok = exe_stat(fd, e);
		close(fd);
	}
	return ok;
}

/* Exact-path rules by path, then by position: the first of each path. */
static int cmp_exe(const void *pa, const void *pb)
{
	const struct rule *a = *(const struct rule *const *)pa;
	const struct rule *b = *(const struct rule *const *)pb;
	int c = strcmp(a->exe, b->exe);

	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * At attach and after a flush: any program, then each exact path once
 * (sorted, so that many rules cost n log n, not n squared).
 */
static void push_eager(struct cache *c, const struct config *cfg,
		       const struct store *s)
{
	struct cache_subject any = { 0 };
	uint64_t before = c->st.pushed;
	size_t n = ruleset_count(cfg->rules), k = 0;
	const struct rule **v = calloc(n ? n : 1, sizeof(*v));

	plan(c, cfg, s, &any);
	if (!v) {
		log_msg(LOG_ERR, "verdict cache: out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = ruleset_rule(cfg->rules, i);

		if (r->exe && !r->exe_glob)
			v[k++] = r;
	}
	qsort(v, k, sizeof(*v), cmp_exe);
	for (size_t i = 0; active(c, cfg) && i < k; i++) {
		struct cache_exe exe;
		struct cache_subject sub = { .exe = &exe, .path = v[i]->exe };

		if ((i && !strcmp(v[i - 1]->exe, v[i]->exe)) ||
		    !exe_of_path(v[i]->exe, &exe))
			continue;
		plan(c, cfg, s, &sub);
	}
	free(v);
	log_msg(LOG_DEBUG, "verdict cache: %llu record(s) pushed",
		(unsigned long long)(c->st.pushed - before));
}

void cache_reset(struct cache *c, const struct config *cfg,
		 const struct store *s)
{
	int err;

	if (!c || !c->attached || c->unsupported)
		return;
	if (!c->dirty && !active(c, cfg) && !c->full)
		return;
	err = c->ops->flush(c->ctx);
	if (err == -ENOTTY || err == -EINVAL) {
		log_msg(LOG_DEBUG, "verdict cache: SACTL_IOC_CACHE_FLUSH: %s: not using it",
			strerror(-err));
		c->unsupported = true;
		return;
	}
	if (err == -ENODEV)
		return;
	if (err) {
		/* Stale verdicts must not stay: closing the device drops them. */
		log_msg(LOG_ERR, "verdict cache: SACTL_IOC_CACHE_FLUSH: %s: detaching",
			strerror(-err));
		c->ops->lost(c->ctx);
		return;
	}
	c->st.flushes++;
	c->dirty = false;
	c->full = false;
	c->n_seen = 0;
	if (active(c, cfg))
		push_eager(c, cfg, s);
}

void cache_attached(struct cache *c, const struct config *cfg,
		    const struct store *s)
{
	if (!c)
		return;
	c->attached = true;
	c->unsupported = false;
	c->full = false;
	c->dirty = false;
	c->n_seen = 0;
	/* Empty: the module flushed it when the last opener closed. */
	if (active(c, cfg))
		push_eager(c, cfg, s);
}

void cache_detached(struct cache *c)
{
	if (!c)
		return;
	c->attached = false;
	c->dirty = false;
	c->n_seen = 0;
}

void cache_decided(struct cache *c, const struct config *cfg,
		   const struct store *s, const struct query *q,
		   const struct cache_exe *exe)
{
	struct cache_subject sub = {
		.exe = exe, .path = q->exe, .has_sha256 = q->has_sha256,
		.has_uid = true, .uid = q->uid,
	};

	if (!c || !active(c, cfg) || !exe->valid || !q->exe)
		return;
	for (size_t i = 0; i < c->n_seen; i++)
		if (c->seen[i].uid == q->uid && exe_same(&c->seen[i].exe, exe))
			return;
	if (c->n_seen == CACHE_SEEN_MAX)
		return;
	c->seen[c->n_seen++] = (struct seen){ .exe = *exe, .uid = q->uid };
	memcpy(sub.sha256, q->sha256, sizeof(sub.sha256));
	plan(c, cfg, s, &sub);
}

bool cache_active(const struct cache *c, const struct config *cfg)
{
	return c && active(c, cfg);
}

void cache_stats(const struct cache *c, struct cache_stats *out)
{
	*out = c->st;
	out->active = c->attached && !c->unsupported && !c->full;
	out->attached = c->attached;
	out->unsupported = c->unsupported;
	out->full = c->full;
}
