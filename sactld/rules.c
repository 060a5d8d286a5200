// SPDX-License-Identifier: GPL-2.0
/*
 * Matching a query against rules, and the rule set index.
 *
 * A rule set keeps its rules in order and indexes them by exact executable
 * path (a hash table of buckets); rules with a glob or no exe go to one
 * "other" list.  Every list is sorted by (tier descending, order), so the
 * first rule of a list that matches is that list's deciding rule, and a
 * query costs the rules of its own program plus the other list, with an
 * early stop once no later rule can beat the best found.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rules.h"

struct rule_list {
	struct rule **v;
	size_t n, cap;
};

struct bucket {
	const char *exe;		/* the rules' own string */
	struct rule_list list;
};

struct ruleset {
	char *origin;
	struct rule **rules;		/* in order, owned */
	size_t n, cap;
	uint64_t next_seq;
	/* Open addressing; slots hold bucket index + 1, 0 is empty. */
	uint32_t *slots;
	size_t nslots;			/* power of two, or 0 */
	struct bucket *buckets;
	size_t nbuckets, capbuckets;
	struct rule_list other;
	bool unindexed;			/* out of memory once: plain scans */
};

struct rule *rule_new(void)
{
	struct rule *r = calloc(1, sizeof(*r));

	if (r)
		r->duration = DURATION_FOREVER;
	return r;
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->comment);
	free(r->exe);
	free(r->parent);
	free(r->users);
	free(r->groups);
	free(r->protos);
	free(r->remote);
	free(r->local);
	free(r->ports);
	free(r->local_ports);
	free(r);
}

int rule_tier(const struct rule *r)
{
	return (r->priority ? 2 : 0) + (r->action == VERDICT_DENY ? 1 : 0);
}

bool rule_beats(const struct rule *a, const struct rule *b)
{
	if (!b)
		return true;
	if (rule_tier(a) != rule_tier(b))
		return rule_tier(a) > rule_tier(b);
	return a->seq < b->seq;
}

/* Only the type bits: the kernel may pass SOCK_NONBLOCK/SOCK_CLOEXEC too. */
#define SOCK_TYPE_BITS 0xf

enum proto_kind proto_classify(int type, int protocol, int *number)
{
	type &= SOCK_TYPE_BITS;
	*number = protocol;
	if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
		*number = IPPROTO_TCP;
		return PROTO_TCP;
	}
	if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
		*number = IPPROTO_UDP;
		return PROTO_UDP;
	}
	if ((type == SOCK_DGRAM || type == SOCK_RAW) &&
	    (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6))
		return PROTO_ICMP;
	if (type == SOCK_RAW)
		return PROTO_RAW;
	return PROTO_NUMBER;
}

static bool proto_matches(const struct proto_spec *p, int type, int protocol)
{
	int number;
	enum proto_kind kind = proto_classify(type, protocol, &number);

	switch (p->kind) {
	case PROTO_RAW:
		return (type & SOCK_TYPE_BITS) == SOCK_RAW;
	case PROTO_NUMBER:
		return number == p->number;
	default:
		return kind == p->kind;
	}
}

static bool cidr_contains(const struct cidr *c, const struct net_addr *a)
{
	unsigned int full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->addr, a->addr, full))
		return false;
	if (!rest)
		return true;
	return !((c->addr[full] ^ a->addr[full]) & (uint8_t)(0xff00 >> rest));
}

static bool addr_in(const struct cidr *v, size_t n, const struct net_addr *a)
{
	if (!n)
		return true;
	if (!a->present)
		return false;
	for (size_t i = 0; i < n; i++)
		if (cidr_contains(&v[i], a))
			return true;
	return false;
}

static bool port_in(const struct port_range *v, size_t n,
		    const struct net_addr *a)
{
	if (!n)
		return true;
	if (!a->present)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->port >= v[i].lo && a->port <= v[i].hi)
			return true;
	return false;
}

static bool id_in(const uint32_t *v, size_t n, uint32_t a, uint32_t b)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (v[i] == a || v[i] == b)
			return true;
	return false;
}

static bool path_matches(const char *pattern, bool glob, const char *path)
{
	if (!pattern)
		return true;
	if (!path)
		return false;
	if (glob)
		return fnmatch(pattern, path, FNM_PATHNAME) == 0;
	return strcmp(pattern, path) == 0;
}

bool rule_matches(const struct rule *r, const struct query *q, time_t now)
{
	if (r->expires && now >= r->expires)
		return false;
	if (r->duration == DURATION_PROCESS && r->pid != q->pid)
		return false;
	if (r->ops && !(q->op < 32 && (r->ops & (1u << q->op))))
		return false;
	if (r->family && r->family != q->family)
		return false;
	if (r->n_protos) {
		size_t i;

		for (i = 0; i < r->n_protos; i++)
			if (proto_matches(&r->protos[i], q->type, q->protocol))
				break;
		if (i == r->n_protos)
			return false;
	}
	if (!id_in(r->users, r->n_users, q->uid, q->euid) ||
	    !id_in(r->groups, r->n_groups, q->gid, q->egid))
		return false;
	if (!addr_in(r->remote, r->n_remote, &q->remote) ||
	    !addr_in(r->local, r->n_local, &q->local) ||
	    !port_in(r->ports, r->n_ports, &q->remote) ||
	    !port_in(r->local_ports, r->n_local_ports, &q->local))
		return false;
	if (!path_matches(r->exe, r->exe_glob, q->exe))
		return false;
	if (r->has_sha256 &&
	    (!q->has_sha256 || memcmp(r->sha256, q->sha256, SHA256_LEN)))
		return false;
	return path_matches(r->parent, r->parent_glob, q->parent_exe);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

#define ARRAY_EQ(a, b, field, n)					\
	((a)->n == (b)->n &&						\
	 (!(a)->n || !memcmp((a)->field, (b)->field, (a)->n * sizeof(*(a)->field))))

bool rule_same_target(const struct rule *a, const struct rule *b)
{
	return str_eq(a->exe, b->exe) && a->exe_glob == b->exe_glob &&
	       str_eq(a->parent, b->parent) &&
	       a->parent_glob == b->parent_glob &&
	       a->ops == b->ops && a->family == b->family &&
	       a->priority == b->priority && a->pid == b->pid &&
	       ARRAY_EQ(a, b, users, n_users) &&
	       ARRAY_EQ(a, b, groups, n_groups) &&
	       ARRAY_EQ(a, b, protos, n_protos) &&
	       ARRAY_EQ(a, b, remote, n_remote) &&
	       ARRAY_EQ(a, b, local, n_local) &&
	       ARRAY_EQ(a, b, ports, n_ports) &&
	       ARRAY_EQ(a, b, local_ports, n_local_ports);
}

/* The rule set */

struct ruleset *ruleset_new(const char *origin)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->origin = strdup(origin ? origin : "");
	if (!rs->origin) {
		free(rs);
		return NULL;
	}
	return rs;
}

static void index_clear(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nbuckets; i++)
		free(rs->buckets[i].list.v);
	free(rs->buckets);
	free(rs->slots);
	free(rs->other.v);
	rs->buckets = NULL;
	rs->slots = NULL;
	rs->nbuckets = rs->capbuckets = rs->nslots = 0;
	memset(&rs->other, 0, sizeof(rs->other));
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	index_clear(rs);
	for (size_t i = 0; i < rs->n; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	free(rs->origin);
	free(rs);
}

size_t ruleset_count(const struct ruleset *rs)
{
	return rs ? rs->n : 0;
}

const struct rule *ruleset_rule(const struct ruleset *rs, size_t i)
{
	return i < rs->n ? rs->rules[i] : NULL;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/* The slot of @exe: its bucket's, or the empty one where it would go. */
static uint32_t *slot_of(const struct ruleset *rs, const char *exe)
{
	size_t mask = rs->nslots - 1;

	for (size_t i = hash_str(exe) & mask;; i = (i + 1) & mask) {
		uint32_t *slot = &rs->slots[i];

		if (!*slot || !strcmp(rs->buckets[*slot - 1].exe, exe))
			return slot;
	}
}

static int grow_slots(struct ruleset *rs)
{
	size_t n = rs->nslots ? rs->nslots * 2 : 64;
	uint32_t *old = rs->slots;
	size_t oldn = rs->nslots;

	if (n > UINT32_MAX)
		return -ENOMEM;
	rs->slots = calloc(n, sizeof(*rs->slots));
	if (!rs->slots) {
		rs->slots = old;
		return -ENOMEM;
	}
	rs->nslots = n;
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			*slot_of(rs, rs->buckets[old[i] - 1].exe) = old[i];
	free(old);
	return 0;
}

static struct rule_list *list_for(struct ruleset *rs, const struct rule *r)
{
	uint32_t *slot;

	if (!r->exe || r->exe_glob)
		return &rs->other;
	/* Keep the load under 1/2 so probes stay short. */
	if ((rs->nbuckets + 1) * 2 > rs->nslots && grow_slots(rs))
		return NULL;
	slot = slot_of(rs, r->exe);
	if (!*slot) {
		if (rs->nbuckets == rs->capbuckets) {
			size_t cap = rs->capbuckets ? rs->capbuckets * 2 : 16;
			struct bucket *b = realloc(rs->buckets, cap * sizeof(*b));

			if (!b)
				return NULL;
			rs->buckets = b;
			rs->capbuckets = cap;
		}
		rs->buckets[rs->nbuckets] = (struct bucket){ .exe = r->exe };
		*slot = ++rs->nbuckets;
	}
	return &rs->buckets[*slot - 1].list;
}

/* Insert @r, the newest rule, at the end of its tier. */
static int list_insert(struct rule_list *l, struct rule *r)
{
	size_t pos = l->n;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 2;
		struct rule **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	while (pos > 0 && rule_tier(l->v[pos - 1]) < rule_tier(r))
		pos--;
	memmove(&l->v[pos + 1], &l->v[pos], (l->n - pos) * sizeof(*l->v));
	l->v[pos] = r;
	l->n++;
	return 0;
}

static int index_rule(struct ruleset *rs, struct rule *r)
{
	struct rule_list *l = list_for(rs, r);

	return l ? list_insert(l, r) : -ENOMEM;
}

int ruleset_add(struct ruleset *rs, struct rule *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct rule **v = realloc(rs->rules, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rs->rules = v;
		rs->cap = cap;
	}
	r->seq = rs->next_seq++;
	r->file = rs->origin;
	if (!rs->unindexed && index_rule(rs, r))
		return -ENOMEM;
	rs->rules[rs->n++] = r;
	return 0;
}

size_t ruleset_remove_if(struct ruleset *rs,
			 bool (*drop)(const struct rule *r, void *ctx),
			 void *ctx)
{
	size_t kept = 0, removed;

	for (size_t i = 0; i < rs->n; i++) {
		if (drop(rs->rules[i], ctx))
			rule_free(rs->rules[i]);
		else
			rs->rules[kept++] = rs->rules[i];
	}
	removed = rs->n - kept;
	rs->n = kept;
	if (!removed)
		return 0;
	/*
	 * Rebuild the index.  Should that run out of memory, every rule must
	 * still be found: fall back to scanning them all.
	 */
	index_clear(rs);
	rs->unindexed = false;
	for (size_t i = 0; i < rs->n; i++) {
		if (index_rule(rs, rs->rules[i])) {
			index_clear(rs);
			rs->unindexed = true;
			break;
		}
	}
	return removed;
}

/* The first rule of @l that matches and beats @best, or NULL. */
static const struct rule *list_match(const struct rule_list *l,
				     const struct query *q, time_t now,
				     const struct rule *best)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rule *r = l->v[i];

		if (best && !rule_beats(r, best))
			break;	/* sorted: nothing after this can beat it */
		if (rule_matches(r, q, now))
			return r;
	}
	return NULL;
}

bool ruleset_match(const struct ruleset *rs, const struct query *q,
		   time_t now, struct match_result *out)
{
	const struct rule *best = NULL, *r;

	if (!rs)
		return false;
	if (rs->unindexed) {
		for (size_t i = 0; i < rs->n; i++)
			if (rule_beats(rs->rules[i], best) &&
			    rule_matches(rs->rules[i], q, now))
				best = rs->rules[i];
	} else {
		if (q->exe && rs->nslots) {
			uint32_t slot = *slot_of(rs, q->exe);

			if (slot)
				best = list_match(&rs->buckets[slot - 1].list,
						  q, now, NULL);
		}
		r = list_match(&rs->other, q, now, best);
		if (r)
			best = r;
	}
	if (!best)
		return false;
	out->verdict = best->action;
	out->error = best->action == VERDICT_DENY ? best->error : 0;
	out->rule = best;
	return true;
}

const char *rule_origin(const struct rule *r, char *buf, size_t len)
{
	if (!r)
		snprintf(buf, len, "-");
	else if (r->line)
		snprintf(buf, len, "%s:%u", r->file ? r->file : "?", r->line);
	else if (r->remembered && r->duration == DURATION_PROCESS)
		snprintf(buf, len, "uid %u, until pid %d exits",
			 (unsigned int)r->owner, (int)r->pid);
	else if (r->remembered)
		snprintf(buf, len, "uid %u, until sactld restarts",
			 (unsigned int)r->owner);
	else
		snprintf(buf, len, "%s", r->file ? r->file : "?");
	return buf;
}

bool policy_decide(const struct config *c, const struct store *s,
		   const struct query *q, time_t now, struct match_result *out)
{
	struct match_result sys, mine;
	bool has_sys = c && ruleset_match(c->rules, q, now, &sys);
	bool has_mine = s && store_match(s, q, now, &mine);

	/* Same tier: the system rule decides (the admin's errno, origin). */
	if (has_mine && (!has_sys || rule_tier(mine.rule) > rule_tier(sys.rule)))
		*out = mine;
	else if (has_sys)
		*out = sys;
	return has_sys || has_mine;
}
