// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict cache (cache.h): rules as struct sactl_cache_rule records
 * (fields, masks, prefixes, port ranges, ttls, priorities), the rules it
 * refuses and what they keep out of the cache, and the pushing side's
 * handling of the module's answers, all without a kernel: the records go
 * to a capture instead of SACTL_IOC_CACHE_ADD.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "policy.h"
#include "rules.h"

#include "host_test.h"
#pragma GCC diagnostic ignored "-Wsign-compare"

#define NC	"/usr/bin/nc"
#define OPB(op)	(1u << (op))

struct capture {
	struct sactl_cache_rule rec[256];
	size_t n;
	int fail_after;		/* >= 0: this many succeed, then fail_with */
	int fail_with;
	int flush_ret;
	unsigned int flushes, adds;
};

static int capture_emit(void *ctx, const struct sactl_cache_rule *r)
{
	struct capture *c = ctx;

	c->adds++;
	if (c->fail_after >= 0 && c->n >= (size_t)c->fail_after)
		return c->fail_with;
	if (c->n < sizeof(c->rec) / sizeof(c->rec[0]))
		c->rec[c->n++] = *r;
	return 0;
}

static int capture_flush(void *ctx)
{
	struct capture *c = ctx;

	c->flushes++;
	if (!c->flush_ret)
		c->n = 0;
	return c->flush_ret;
}

static void capture_lost(void *ctx)
{
	(void)ctx;
}

static const struct cache_ops capture_ops = {
	.add = capture_emit,
	.flush = capture_flush,
	.lost = capture_lost,
};

FIXTURE(cache) {
	char dir[64];
	char err[512];
	struct config *cfg;
	struct store *s;
	struct capture cap;
	struct cache_exe exe;
	struct cache_subject sub;
	struct timespec now;
};

FIXTURE_SETUP(cache)
{
	char state[128];

	strcpy(self->dir, "/tmp/sactl-cache-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(state, sizeof(state), "%s/state", self->dir);
	self->s = store_open(state, self->err, sizeof(self->err));
	ASSERT_NE(NULL, self->s) TH_LOG("%s", self->err);
	self->cfg = calloc(1, sizeof(*self->cfg));
	ASSERT_NE(NULL, self->cfg);
	self->cfg->cache = true;
	self->cfg->rules = ruleset_new("sactl.conf");
	ASSERT_NE(NULL, self->cfg->rules);
	self->cap.fail_after = -1;
	self->exe = (struct cache_exe){
		.valid = true, .dev = 0x801, .ino = 4242,
		.ctime_sec = 1700000000, .ctime_nsec = 123,
	};
	self->sub = (struct cache_subject){
		.exe = &self->exe, .path = NC, .has_uid = true, .uid = 1000,
	};
	self->now = (struct timespec){ .tv_sec = 1800000000 };
}

FIXTURE_TEARDOWN(cache)
{
	config_free(self->cfg);
	store_close(self->s);
	rm_tree(self->dir);
	EXPECT_EQ(0, LEAKS());
}

static int sys_rule(FIXTURE_DATA(cache) *self, const char *text)
{
	struct rule *r = rule_parse_text(text, "sactl.conf", false, self->err,
					 sizeof(self->err));

	if (!r)
		return -1;
	if (ruleset_add(self->cfg->rules, r)) {
		rule_free(r);
		return -1;
	}
	return 0;
}

#define SYS(text) ASSERT_EQ(0, sys_rule(self, text)) TH_LOG("%s", self->err)

/* A remembered answer of @uid; @pid > 0 makes it "until @pid exits". */
static int mine(FIXTURE_DATA(cache) *self, uid_t uid, const char *text,
		pid_t pid)
{
	struct rule *r = rule_parse_text(text, "x.conf", true, self->err,
					 sizeof(self->err));

	if (!r)
		return -1;
	if (pid) {
		r->duration = DURATION_PROCESS;
		r->pid = pid;
	}
	if (store_add_rule(self->s, uid, r, self->now.tv_sec, self->err,
			   sizeof(self->err))) {
		rule_free(r);
		return -1;
	}
	return 0;
}

#define MINE(uid, text) ASSERT_EQ(0, mine(self, uid, text, 0)) TH_LOG("%s", self->err)

static int plan(FIXTURE_DATA(cache) *self)
{
	self->cap.n = 0;
	return cache_plan(self->cfg, self->s, &self->sub, &self->now,
			  capture_emit, &self->cap);
}

static bool addr_is(const struct sactl_cache_rule *r, int family,
		    const char *ip, unsigned int prefix)
{
	uint8_t want[16] = { 0 };

	inet_pton(family, ip, want);
	return r->family == family && r->prefix_len == prefix &&
	       !memcmp(r->addr, want, sizeof(want));
}

TEST_F(cache, fields_of_a_connect_rule)
{
	const struct sactl_cache_rule *r;

	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; "
	    "remote = \"10.0.0.0/8\"; port = \"8000-8080\"; }");
	ASSERT_EQ(2, plan(self));
	for (size_t i = 0; i < 2; i++) {
		r = &self->cap.rec[i];
		EXPECT_EQ(sizeof(*r), r->size);
		EXPECT_EQ(SACTL_MATCH_EXE | SACTL_MATCH_UID | SACTL_MATCH_FAMILY |
			  SACTL_MATCH_ADDR | SACTL_MATCH_PORT, r->match);
		EXPECT_EQ(OPB(SACTL_OP_CONNECT), r->ops);
		EXPECT_EQ(SACTL_ALLOW, r->verdict);
		EXPECT_EQ(0, r->error);
		EXPECT_EQ(0, r->ttl);
		EXPECT_EQ(0x801, r->exe_dev);
		EXPECT_EQ(4242, r->exe_ino);
		EXPECT_EQ(1700000000, r->exe_ctime_sec);
		EXPECT_EQ(123, r->exe_ctime_nsec);
		EXPECT_EQ(1000, r->uid);
		EXPECT_EQ(8000, r->port_lo);
		EXPECT_EQ(8080, r->port_hi);
		EXPECT_EQ(cache_priority(ruleset_rule(self->cfg->rules, 0)),
			  r->priority);
		EXPECT_EQ(0, r->reserved2);
	}
	/* IPv4 on IPv4 sockets, and IPv4-mapped on IPv6 ones. */
	EXPECT_TRUE(addr_is(&self->cap.rec[0], AF_INET, "10.0.0.0", 8));
	EXPECT_TRUE(addr_is(&self->cap.rec[1], AF_INET6, "::ffff:10.0.0.0", 104));
}

TEST_F(cache, any_address_is_both_halves_of_each_family)
{
	/* No address, all ops: socket alone, the rest with an address. */
	SYS("{ action = \"deny\"; exe = \"" NC "\"; errno = \"EACCES\"; }");
	ASSERT_EQ(5, plan(self));
	EXPECT_EQ(OPB(SACTL_OP_SOCKET), self->cap.rec[0].ops);
	EXPECT_EQ(SACTL_MATCH_EXE | SACTL_MATCH_UID, self->cap.rec[0].match);
	EXPECT_EQ(SACTL_DENY, self->cap.rec[0].verdict);
	EXPECT_EQ(EACCES, self->cap.rec[0].error);
	EXPECT_TRUE(addr_is(&self->cap.rec[1], AF_INET, "0.0.0.0", 1));
	EXPECT_TRUE(addr_is(&self->cap.rec[2], AF_INET, "128.0.0.0", 1));
	EXPECT_TRUE(addr_is(&self->cap.rec[3], AF_INET6, "::", 1));
	EXPECT_TRUE(addr_is(&self->cap.rec[4], AF_INET6, "8000::", 1));
	for (size_t i = 1; i < 5; i++)
		EXPECT_EQ(OPB(SACTL_OP_BIND) | OPB(SACTL_OP_CONNECT) |
			  OPB(SACTL_OP_LISTEN) | OPB(SACTL_OP_ACCEPT) |
			  OPB(SACTL_OP_SEND), self->cap.rec[i].ops);
}

TEST_F(cache, family_protocols_and_local_side)
{
	SYS("{ action = \"allow\"; exe = \"" NC "\"; family = \"inet6\"; "
	    "proto = ( \"icmp\", 132 ); op = ( \"bind\", \"listen\" ); "
	    "local = \"fd00::/8\"; local_port = 22; }");
	ASSERT_EQ(3, plan(self));
	EXPECT_EQ(IPPROTO_ICMP, self->cap.rec[0].protocol);
	EXPECT_EQ(IPPROTO_ICMPV6, self->cap.rec[1].protocol);
	EXPECT_EQ(132, self->cap.rec[2].protocol);
	for (size_t i = 0; i < 3; i++) {
		EXPECT_TRUE(self->cap.rec[i].match & SACTL_MATCH_PROTOCOL);
		EXPECT_TRUE(addr_is(&self->cap.rec[i], AF_INET6, "fd00::", 8));
		EXPECT_EQ(OPB(SACTL_OP_BIND) | OPB(SACTL_OP_LISTEN),
			  self->cap.rec[i].ops);
		EXPECT_EQ(22, self->cap.rec[i].port_lo);
		EXPECT_EQ(22, self->cap.rec[i].port_hi);
	}
}

TEST_F(cache, deny_beats_broader_allow_both_pushed)
{
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; "
	    "remote = \"127.0.0.0/8\"; }");
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"connect\"; "
	    "remote = \"127.0.0.1\"; port = 8081; errno = \"ECONNREFUSED\"; }");
	ASSERT_EQ(4, plan(self));
	/* Best first: the deny, with the higher priority. */
	EXPECT_EQ(SACTL_DENY, self->cap.rec[0].verdict);
	EXPECT_EQ(ECONNREFUSED, self->cap.rec[0].error);
	EXPECT_TRUE(addr_is(&self->cap.rec[0], AF_INET, "127.0.0.1", 32));
	EXPECT_EQ(SACTL_ALLOW, self->cap.rec[2].verdict);
	EXPECT_TRUE(addr_is(&self->cap.rec[2], AF_INET, "127.0.0.0", 8));
	EXPECT_GT(self->cap.rec[0].priority, self->cap.rec[2].priority);
}

TEST_F(cache, priorities_follow_sactld_precedence)
{
	const struct ruleset *rs;
	int32_t p[4];

	SYS("{ action = \"allow\"; exe = \"" NC "\"; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"socket\"; }");
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"send\"; }");
	SYS("{ action = \"allow\"; priority = true; exe = \"" NC "\"; op = \"send\"; }");
	for (size_t i = 0; i < 4; i++)
		p[i] = cache_priority(ruleset_rule(self->cfg->rules, i));
	EXPECT_GT(p[3], p[2]);		/* priority tier first */
	EXPECT_GT(p[2], p[0]);		/* deny beats allow */
	EXPECT_GT(p[0], p[1]);		/* then the earlier rule */
	MINE(1000, "{ action = \"deny\"; exe = \"" NC "\"; op = \"bind\"; }");
	MINE(1000, "{ action = \"allow\"; exe = \"" NC "\"; op = \"listen\"; }");
	rs = store_rules(self->s, 1000);
	/* A remembered deny beats system allows, not system denies. */
	EXPECT_GT(cache_priority(ruleset_rule(rs, 0)), p[0]);
	EXPECT_LT(cache_priority(ruleset_rule(rs, 0)), p[2]);
	/* Same tier: the system rule first, even a later one. */
	EXPECT_LT(cache_priority(ruleset_rule(rs, 1)), p[1]);
	ASSERT_EQ(5 + 1 + 4 + 4 + 4 + 4, plan(self));
	for (size_t i = 1; i < self->cap.n; i++)
		EXPECT_GE(self->cap.rec[i - 1].priority, self->cap.rec[i].priority);
}

TEST_F(cache, hash_only_rule_keeps_overlapping_rules_out)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "{ action = \"deny\"; sha256 = \"%064d\"; op = \"connect\"; }", 0);
	SYS(text);
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; port = 80; }");
	EXPECT_EQ(0, plan(self));
	/* Knowing the hash does not make it cacheable either. */
	self->sub.has_sha256 = true;
	EXPECT_EQ(0, plan(self));
	/* A rule it cannot overlap with is cached. */
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"bind\"; }");
	ASSERT_EQ(4, plan(self));
	EXPECT_EQ(OPB(SACTL_OP_BIND), self->cap.rec[0].ops);
}

TEST_F(cache, path_and_hash_rule_is_cached_for_that_content)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "{ action = \"allow\"; exe = \"" NC "\"; sha256 = \"%064d\"; op = \"socket\"; }", 0);
	SYS(text);
	EXPECT_EQ(0, plan(self));	/* hash unknown: not cached */
	self->sub.has_sha256 = true;
	EXPECT_EQ(1, plan(self));
	self->sub.sha256[0] = 1;	/* another file: not relevant */
	EXPECT_EQ(0, plan(self));
}

TEST_F(cache, parent_rule_refused_and_blocks)
{
	SYS("{ action = \"allow\"; exe = \"" NC "\"; parent = \"/bin/sh\"; op = \"connect\"; }");
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"connect\"; port = 25; }");
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"bind\"; }");
	/* The deny beats the parent allow: both denies cached. */
	EXPECT_EQ(8, plan(self));
	config_free(self->cfg);
	self->cfg = calloc(1, sizeof(*self->cfg));
	ASSERT_NE(NULL, self->cfg);
	self->cfg->rules = ruleset_new("sactl.conf");
	SYS("{ action = \"deny\"; priority = true; exe = \"" NC "\"; parent = \"/bin/sh\"; op = \"connect\"; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; port = 443; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"bind\"; }");
	/* Now it beats the connect allow: only the bind allow is cached. */
	ASSERT_EQ(4, plan(self));
	EXPECT_EQ(OPB(SACTL_OP_BIND), self->cap.rec[0].ops);
}

TEST_F(cache, same_answer_does_not_block)
{
	SYS("{ action = \"allow\"; exe = \"" NC "\"; parent = \"/bin/sh\"; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; port = 443; }");
	EXPECT_EQ(4, plan(self));
}

TEST_F(cache, tcp_udp_raw_are_type_and_protocol)
{
	SYS("{ action = \"allow\"; exe = \"" NC "\"; proto = \"tcp\"; op = \"connect\"; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; proto = \"udp\"; op = \"send\"; }");
	SYS("{ action = \"deny\"; exe = \"" NC "\"; proto = \"raw\"; op = \"socket\"; }");
	/* The deny first (its tier), then 4 address halves each. */
	ASSERT_EQ(9, plan(self));
	EXPECT_EQ(SACTL_MATCH_EXE | SACTL_MATCH_UID | SACTL_MATCH_TYPE,
		  self->cap.rec[0].match);
	EXPECT_EQ(SOCK_RAW, self->cap.rec[0].type);
	for (size_t i = 1; i < 9; i++) {
		EXPECT_TRUE(self->cap.rec[i].match & SACTL_MATCH_TYPE);
		EXPECT_TRUE(self->cap.rec[i].match & SACTL_MATCH_PROTOCOL);
		EXPECT_EQ(i < 5 ? SOCK_STREAM : SOCK_DGRAM, self->cap.rec[i].type);
		EXPECT_EQ(i < 5 ? IPPROTO_TCP : IPPROTO_UDP,
			  self->cap.rec[i].protocol);
	}
	/* A number is the protocol alone, whatever the type. */
	SYS("{ action = \"allow\"; exe = \"" NC "\"; proto = 6; op = \"listen\"; }");
	ASSERT_EQ(13, plan(self));
	EXPECT_FALSE(self->cap.rec[9].match & SACTL_MATCH_TYPE);
	EXPECT_EQ(IPPROTO_TCP, self->cap.rec[9].protocol);
}

TEST_F(cache, users_and_groups)
{
	SYS("{ action = \"allow\"; exe = \"" NC "\"; user = 1000; op = \"socket\"; }");
	EXPECT_EQ(1, plan(self));
	/* Another user's rule could still match by euid: not for uid 1000. */
	SYS("{ action = \"deny\"; exe = \"" NC "\"; user = 0; op = \"socket\"; }");
	EXPECT_EQ(0, plan(self));
	self->sub.uid = 0;
	EXPECT_EQ(1, plan(self));
	EXPECT_EQ(SACTL_DENY, self->cap.rec[0].verdict);
	EXPECT_EQ(0, self->cap.rec[0].uid);
	/* Groups are not in the cache: refused, and what it beats too. */
	SYS("{ action = \"allow\"; priority = true; exe = \"" NC "\"; group = 0; op = \"socket\"; }");
	EXPECT_EQ(0, plan(self));
}

TEST_F(cache, local_conditions_on_connect_are_not_expressible)
{
	SYS("{ action = \"deny\"; exe = \"" NC "\"; local_port = 22; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"socket\"; }");
	/* The deny's bind and listen; not the connect allow it may beat. */
	ASSERT_EQ(5, plan(self));
	for (size_t i = 0; i < 4; i++)
		EXPECT_EQ(OPB(SACTL_OP_BIND) | OPB(SACTL_OP_LISTEN),
			  self->cap.rec[i].ops);
	EXPECT_EQ(OPB(SACTL_OP_SOCKET), self->cap.rec[4].ops);
}

TEST_F(cache, remembered_minutes_get_a_ttl)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "{ action = \"allow\"; exe = \"" NC "\"; op = \"socket\"; expires = %lldL; }",
		 (long long)self->now.tv_sec + 900);
	MINE(1000, text);
	ASSERT_EQ(1, plan(self));
	EXPECT_EQ(900, self->cap.rec[0].ttl);
	EXPECT_EQ(1000, self->cap.rec[0].uid);
	/* Rounded down: the record never outlives the answer. */
	self->now.tv_nsec = 1;
	ASSERT_EQ(1, plan(self));
	EXPECT_EQ(899, self->cap.rec[0].ttl);
	/* Another user's answers are not theirs. */
	self->sub.uid = 1001;
	EXPECT_EQ(0, plan(self));
	/* Expired: gone. */
	self->sub.uid = 1000;
	self->now.tv_sec += 900;
	EXPECT_EQ(0, plan(self));
}

TEST_F(cache, timed_answer_keeps_what_it_shadows_out)
{
	char text[256];

	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"socket\"; }");
	snprintf(text, sizeof(text),
		 "{ action = \"deny\"; exe = \"" NC "\"; op = \"socket\"; expires = %lldL; }",
		 (long long)self->now.tv_sec + 60);
	MINE(1000, text);
	/* The deny (ttl), not the allow it hides, which would show early. */
	ASSERT_EQ(1, plan(self));
	EXPECT_EQ(SACTL_DENY, self->cap.rec[0].verdict);
	EXPECT_EQ(60, self->cap.rec[0].ttl);
}

TEST_F(cache, process_answers_are_never_cached)
{
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"bind\"; }");
	ASSERT_EQ(0, mine(self, 1000, "{ action = \"deny\"; exe = \"" NC "\"; op = \"socket\"; }", 4242));
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"socket\"; }");
	/* The bind deny only: the socket allow is beaten by the pid's deny. */
	ASSERT_EQ(4, plan(self));
	EXPECT_EQ(OPB(SACTL_OP_BIND), self->cap.rec[0].ops);
}

TEST_F(cache, any_executable)
{
	self->sub = (struct cache_subject){ 0 };
	SYS("{ action = \"allow\"; op = \"socket\"; proto = 17; }");
	ASSERT_EQ(1, plan(self));
	EXPECT_EQ(SACTL_MATCH_PROTOCOL, self->cap.rec[0].match);
	/* An executable's rule may beat it for that executable: refused. */
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"socket\"; }");
	EXPECT_EQ(0, plan(self));
}

TEST_F(cache, other_executables_are_not_relevant)
{
	SYS("{ action = \"deny\"; exe = \"/usr/bin/*\"; parent = \"/bin/sh\"; }");
	SYS("{ action = \"allow\"; exe = \"/opt/*\"; op = \"socket\"; }");
	EXPECT_EQ(0, plan(self));	/* the glob matches nc: it blocks */
	self->sub.path = "/opt/nc";
	ASSERT_EQ(1, plan(self));
	EXPECT_EQ(OPB(SACTL_OP_SOCKET), self->cap.rec[0].ops);
}

TEST_F(cache, emit_error_stops_the_plan)
{
	SYS("{ action = \"deny\"; exe = \"" NC "\"; op = \"connect\"; port = 1; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"connect\"; }");
	self->cap.fail_after = 2;
	self->cap.fail_with = -ENOSPC;
	EXPECT_EQ(-ENOSPC, plan(self));
	/* What went in is the better rule, never a lower one alone. */
	ASSERT_EQ(2, self->cap.n);
	EXPECT_EQ(SACTL_DENY, self->cap.rec[1].verdict);
}

static struct query nc_query(uid_t uid)
{
	return (struct query){ .op = SACTL_OP_CONNECT, .uid = uid, .exe = NC };
}

/* At attach, each existing exact path's rules go in, once per path. */
TEST_F(cache, eager_push_once_per_exact_path)
{
	struct cache *c = cache_new(&capture_ops, &self->cap);
	char prog[160], rule[256];
	const char *fmt = "{ action = \"allow\"; exe = \"%s\"; op = \"%s\"; }";
	int fd;

	ASSERT_NE(NULL, c);
	snprintf(prog, sizeof(prog), "%s/prog", self->dir);
	fd = open(prog, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(rule, sizeof(rule), fmt, prog, "socket");
	SYS(rule);
	SYS("{ action = \"allow\"; exe = \"/nonexistent/prog\"; op = \"socket\"; }");
	snprintf(rule, sizeof(rule), fmt, prog, "listen");
	SYS(rule);
	cache_attached(c, self->cfg, self->s);
	/* prog's socket rule, and its listen rule as 4 address halves. */
	ASSERT_EQ(5, self->cap.n);
	for (int i = 0; i < 5; i++)
		EXPECT_TRUE(self->cap.rec[i].match & SACTL_MATCH_EXE);
	cache_free(c);
}

TEST_F(cache, pushing_side)
{
	struct cache *c = cache_new(&capture_ops, &self->cap);
	struct query q = nc_query(1000);
	struct cache_stats st;

	ASSERT_NE(NULL, c);
	SYS("{ action = \"allow\"; op = \"socket\"; proto = 17; }");
	SYS("{ action = \"allow\"; exe = \"" NC "\"; op = \"socket\"; }");
	/* Not attached: nothing. */
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	EXPECT_EQ(0, self->cap.adds);
	cache_attached(c, self->cfg, self->s);
	EXPECT_EQ(1, self->cap.n);	/* any executable's */
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	EXPECT_EQ(3, self->cap.n);	/* and nc's for uid 1000 */
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	EXPECT_EQ(3, self->cap.n);	/* once */
	cache_stats(c, &st);
	EXPECT_EQ(3, st.pushed);
	EXPECT_TRUE(st.active);
	/* A reload flushes and pushes again; nc's again on its next call. */
	cache_reset(c, self->cfg, self->s);
	EXPECT_EQ(1, self->cap.flushes);
	EXPECT_EQ(1, self->cap.n);
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	EXPECT_EQ(3, self->cap.n);
	/* Full: no more until the next flush. */
	self->cap.fail_after = 3;
	self->cap.fail_with = -ENOSPC;
	q.uid = 1001;
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	q.uid = 1002;
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	EXPECT_EQ(4, self->cap.adds - 3);
	cache_stats(c, &st);
	EXPECT_FALSE(st.active);
	self->cap.fail_after = -1;
	cache_reset(c, self->cfg, self->s);
	EXPECT_EQ(1, self->cap.n);
	/* Disabled: one flush, then nothing. */
	self->cfg->cache = false;
	cache_reset(c, self->cfg, self->s);
	EXPECT_EQ(0, self->cap.n);
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	cache_reset(c, self->cfg, self->s);
	EXPECT_EQ(0, self->cap.n);
	EXPECT_EQ(3, self->cap.flushes);
	cache_free(c);
}

TEST_F(cache, unsupported_module_or_double)
{
	struct cache *c = cache_new(&capture_ops, &self->cap);
	struct query q = nc_query(1000);
	unsigned int adds;

	ASSERT_NE(NULL, c);
	SYS("{ action = \"allow\"; op = \"socket\"; proto = 17; }");
	self->cap.fail_after = 0;
	self->cap.fail_with = -ENOTTY;
	cache_attached(c, self->cfg, self->s);
	adds = self->cap.adds;
	EXPECT_EQ(1, adds);
	cache_decided(c, self->cfg, self->s, &q, &self->exe);
	cache_reset(c, self->cfg, self->s);
	EXPECT_EQ(adds, self->cap.adds);
	EXPECT_EQ(0, self->cap.flushes);
	/* Detached and attached again (a new module): tried again. */
	cache_detached(c);
	cache_attached(c, self->cfg, self->s);
	EXPECT_EQ(adds + 1, self->cap.adds);
	cache_free(c);
}

TEST_F(cache, exe_probe)
{
	char path[128], other[140];
	struct cache_exe_probe p;
	struct cache_exe e;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/prog", self->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	cache_exe_begin(&p, fd, st.st_dev, st.st_ino);
	cache_exe_end(&p, &e);
	EXPECT_TRUE(e.valid);
	EXPECT_EQ(st.st_ino, e.ino);
	EXPECT_EQ(st.st_ctim.tv_sec, e.ctime_sec);
	EXPECT_EQ(st.st_ctim.tv_nsec, e.ctime_nsec);
	/* Not the file the kernel named. */
	cache_exe_begin(&p, fd, st.st_dev, st.st_ino + 1);
	cache_exe_end(&p, &e);
	EXPECT_FALSE(e.valid);
	/* Changed while it was looked at. */
	cache_exe_begin(&p, fd, st.st_dev, st.st_ino);
	usleep(10000);
	ASSERT_EQ(0, fchmod(fd, 0700));
	cache_exe_end(&p, &e);
	EXPECT_FALSE(e.valid);
	/* Another path to the same file: its rules could differ. */
	snprintf(other, sizeof(other), "%s.2", path);
	ASSERT_EQ(0, link(path, other));
	ASSERT_EQ(0, fstat(fd, &st));
	cache_exe_begin(&p, fd, st.st_dev, st.st_ino);
	cache_exe_end(&p, &e);
	EXPECT_FALSE(e.valid);
	/* No descriptor. */
	cache_exe_begin(&p, -ENOENT, 0, 0);
	cache_exe_end(&p, &e);
	EXPECT_FALSE(e.valid);
	close(fd);
}

TEST_HARNESS_MAIN
