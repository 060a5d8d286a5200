// SPDX-License-Identifier: GPL-2.0
/*
 * Matching and precedence (policy.h): every field, the priority tier,
 * deny beats allow, system and remembered rules together; the rule set
 * index against a naive scan; and query.c's helpers.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "rules.h"

#include "host_test.h"
/* The harness's EXPECT_EQ(1, n) compares int literals with unsigned values. */
#pragma GCC diagnostic ignored "-Wsign-compare"


/* An address as the kernel would report it: AF_INET for dotted quads. */
static void set_addr(struct net_addr *a, const char *ip, uint16_t port)
{
	struct sactl_sockaddr sa = { .port = port };

	if (inet_pton(AF_INET, ip, sa.addr) == 1)
		sa.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, sa.addr) == 1)
		sa.family = AF_INET6;
	net_addr_from_sactl(a, &sa);
}

static struct query query(enum sactl_op op, const char *exe, const char *ip,
			  uint16_t port)
{
	struct query q = {
		.op = op, .pid = 4242, .uid = 1000, .euid = 1000, .gid = 100,
		.egid = 100, .family = AF_INET, .type = SOCK_STREAM,
		.exe = exe,
	};

	if (ip) {
		set_addr(&q.remote, ip, port);
		if (!q.remote.v4)
			q.family = AF_INET6;
		set_addr(&q.local, q.remote.v4 ? "192.168.1.2" : "fd00::2",
			 40000);
	}
	return q;
}

FIXTURE(rules) {
	char dir[64];
	char path[128];
	char err[1024];
	struct config *c;
	struct store *s;
};

FIXTURE_SETUP(rules)
{
	strcpy(self->dir, "/tmp/sactl-rules-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/sactl.conf", self->dir);
}

FIXTURE_TEARDOWN(rules)
{
	config_free(self->c);
	store_close(self->s);
	rm_tree(self->dir);
	EXPECT_EQ(0, LEAKS());
}

/* Load @text as the system rules (replacing earlier ones). */
static int load(FIXTURE_DATA(rules) *self, const char *text)
{
	int fd = open(self->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	config_free(self->c);
	self->c = config_load(self->path, self->err, sizeof(self->err));
	return self->c ? 0 : -1;
}

#define LOAD(text) ASSERT_EQ(0, load(self, text)) TH_LOG("%s", self->err)

/* The verdict for @q, system and remembered rules together. */
static enum verdict verdict(FIXTURE_DATA(rules) *self, const struct query *q)
{
	struct match_result m;

	if (!policy_decide(self->c, self->s, q, 1000, &m))
		return VERDICT_NONE;
	return m.verdict;
}

TEST_F(rules, deny_beats_allow)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);

	/* The broad deny wins over the specific allow, in either order. */
	LOAD("rules = ( { action = \"allow\"; exe = \"/usr/bin/curl\"; port = 443; },\n"
	     "          { action = \"deny\"; remote = \"192.0.2.0/24\"; } );\n");
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	LOAD("rules = ( { action = \"deny\"; remote = \"192.0.2.0/24\"; },\n"
	     "          { action = \"allow\"; exe = \"/usr/bin/curl\"; port = 443; } );\n");
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "198.51.100.1", 443);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.remote.port = 80;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, priority_tier)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/ping", "192.0.2.1", 7);
	struct match_result m;
	char buf[64];

	LOAD("rules = ( { action = \"deny\"; },\n"
	     "          { action = \"allow\"; priority = true; exe = \"/usr/bin/ping\"; } );\n");
	ASSERT_TRUE(ruleset_match(self->c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);
	EXPECT_STREQ("sactl.conf:2", rule_origin(m.rule, buf, sizeof(buf)));
	q.exe = "/usr/bin/nc";
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));

	/* Within the priority tier, deny beats allow again. */
	LOAD("rules = ( { action = \"allow\"; priority = true; exe = \"/usr/bin/ping\"; },\n"
	     "          { action = \"deny\"; priority = true; port = 7; errno = \"EACCES\"; },\n"
	     "          { action = \"allow\"; } );\n");
	q.exe = "/usr/bin/ping";
	ASSERT_TRUE(ruleset_match(self->c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_DENY, m.verdict);
	EXPECT_EQ(EACCES, m.error);
	q.remote.port = 8;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
}

TEST_F(rules, tie_goes_to_the_first)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 80);
	struct match_result m;
	char buf[64];

	LOAD("rules = ( { action = \"allow\"; },\n"
	     "          { action = \"deny\"; port = 80; errno = \"ENETUNREACH\"; },\n"
	     "          { action = \"deny\"; errno = \"ECONNREFUSED\"; } );\n");
	ASSERT_TRUE(ruleset_match(self->c->rules, &q, 0, &m));
	EXPECT_EQ(ENETUNREACH, m.error);
	EXPECT_STREQ("sactl.conf:2", rule_origin(m.rule, buf, sizeof(buf)));
	q.remote.port = 81;
	ASSERT_TRUE(ruleset_match(self->c->rules, &q, 0, &m));
	EXPECT_EQ(ECONNREFUSED, m.error);
}

TEST_F(rules, allow_has_no_errno)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 80);
	struct match_result m;

	LOAD("rules = ( { action = \"allow\"; } );\n");
	ASSERT_TRUE(ruleset_match(self->c->rules, &q, 0, &m));
	EXPECT_EQ(0, m.error);
}

TEST_F(rules, user_and_group)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 80);

	LOAD("rules = ( { action = \"allow\"; user = ( 1000, \"1001\" ); },\n"
	     "          { action = \"deny\"; group = 50; } );\n");
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.uid = q.euid = 1002;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.euid = 1001;		/* setuid to a listed user */
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.uid = q.euid = 1000;
	q.egid = 50;		/* setgid to a denied group */
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	q.egid = 100;
	q.gid = 50;
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
}

TEST_F(rules, cidr_ipv4_and_mapped)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "10.1.2.3", 80);

	LOAD("rules = ( { action = \"deny\"; remote = ( \"10.0.0.0/8\", \"192.0.2.128/25\" ); } );\n");
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	/* The same address from an AF_INET6 socket, IPv4-mapped. */
	set_addr(&q.remote, "::ffff:10.1.2.3", 80);
	q.family = AF_INET6;
	EXPECT_TRUE(q.remote.v4);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	set_addr(&q.remote, "11.0.0.1", 80);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	set_addr(&q.remote, "192.0.2.200", 80);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	set_addr(&q.remote, "192.0.2.127", 80);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	/* ::a01:203 has the same low 32 bits but is not IPv4. */
	set_addr(&q.remote, "::a01:203", 80);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, cidr_ipv6)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "2001:db8:1::1", 443);

	LOAD("rules = ( { action = \"deny\"; remote = \"2001:db8::/29\"; },\n"
	     "          { action = \"allow\"; remote = \"::1\"; },\n"
	     "          { action = \"allow\"; family = \"inet6\"; local = \"fd00::/8\"; port = 22; } );\n");
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	set_addr(&q.remote, "2001:dbf:ffff::1", 443);	/* still in the /29 */
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	set_addr(&q.remote, "2001:dc0::1", 443);	/* the next /29 */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	set_addr(&q.remote, "::1", 443);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	set_addr(&q.remote, "::2", 22);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));	/* local fd00::2 */
	q.family = AF_INET;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	/* An IPv4 address is not in an IPv4 rule's IPv6 look-alike. */
	q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "127.0.0.1", 443);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, every_address)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "8.8.8.8", 53);

	/* "::/0" is every address, IPv4 included (compared as mapped). */
	LOAD("rules = ( { action = \"deny\"; remote = \"::/0\"; },\n"
	     "          { action = \"allow\"; priority = true; remote = \"0.0.0.0/0\"; } );\n");
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	set_addr(&q.remote, "2001:4860::8888", 53);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	/* Without an address (socket()), an address rule cannot match. */
	q = query(SACTL_OP_SOCKET, "/usr/bin/curl", NULL, 0);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, ports)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 22);

	LOAD("rules = ( { action = \"allow\"; port = ( 22, \"8000-8080\" ); },\n"
	     "          { action = \"deny\"; local_port = \"0-1023\"; op = \"bind\"; } );\n");
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.remote.port = 8000;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.remote.port = 8080;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.remote.port = 8081;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.remote.port = 23;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q = query(SACTL_OP_BIND, "/usr/bin/nc", NULL, 0);
	set_addr(&q.local, "0.0.0.0", 80);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	q.local.port = 1024;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q = query(SACTL_OP_SOCKET, "/usr/bin/curl", NULL, 0);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, exe_globs)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/lib/apt/methods/http", "192.0.2.1", 80);

	LOAD("rules = ( { action = \"allow\"; exe = \"/usr/lib/apt/methods/*\"; },\n"
	     "          { action = \"allow\"; exe = \"/opt/app-?/bin/[ab]*\"; },\n"
	     "          { action = \"allow\"; exe = \"/srv/we\\\\*rd\"; } );\n");
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.exe = "/usr/lib/apt/methods/sub/http";	/* * stops at / */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.exe = "/usr/lib/apt/methods";
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.exe = "/opt/app-2/bin/beta";
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.exe = "/opt/app-2/bin/gamma";
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.exe = "/opt/app-22/bin/a";
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.exe = "/srv/we*rd";				/* escaped: literal */
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.exe = "/srv/weXrd";
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.exe = NULL;					/* unknown program */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, sha256)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 80);

	LOAD("rules = ( { action = \"allow\"; exe = \"/usr/bin/curl\";\n"
	     "  sha256 = \"0101010101010101010101010101010101010101010101010101010101010101\"; } );\n");
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));	/* hash unknown */
	q.has_sha256 = true;
	memset(q.sha256, 1, sizeof(q.sha256));
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.sha256[31] = 2;				/* replaced binary */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, parent)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 80);

	LOAD("rules = ( { action = \"deny\"; parent = \"/usr/bin/*sh\"; },\n"
	     "          { action = \"allow\"; parent = \"/usr/sbin/cron\"; } );\n");
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.parent_exe = "/usr/bin/bash";
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	q.parent_exe = "/usr/sbin/cron";
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
}

TEST_F(rules, protocols)
{
	struct query q = query(SACTL_OP_SOCKET, "/usr/bin/x", NULL, 0);

	LOAD("rules = ( { action = \"allow\"; proto = \"tcp\"; },\n"
	     "          { action = \"deny\"; proto = \"udp\"; errno = 1; },\n"
	     "          { action = \"deny\"; proto = \"icmp\"; errno = 2; },\n"
	     "          { action = \"deny\"; proto = \"raw\"; errno = 3; },\n"
	     "          { action = \"deny\"; proto = 132; errno = 4; } );\n");
	struct {
		int type, protocol;
		int error;	/* -1: allowed, 0: no match */
	} cases[] = {
		{ SOCK_STREAM, 0, -1 }, { SOCK_STREAM, IPPROTO_TCP, -1 },
		{ SOCK_STREAM | SOCK_NONBLOCK, 0, -1 },
		{ SOCK_DGRAM, 0, 1 }, { SOCK_DGRAM, IPPROTO_UDP, 1 },
		{ SOCK_DGRAM, IPPROTO_ICMP, 2 },	/* ping socket */
		{ SOCK_RAW, IPPROTO_ICMPV6, 2 },	/* raw ICMP: first */
		{ SOCK_RAW, IPPROTO_UDP, 3 },
		{ SOCK_STREAM, IPPROTO_SCTP, 4 },
		{ SOCK_SEQPACKET, IPPROTO_SCTP, 4 },
		{ SOCK_DGRAM, IPPROTO_UDPLITE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct match_result m;
		bool hit;

		q.type = cases[i].type;
		q.protocol = cases[i].protocol;
		hit = ruleset_match(self->c->rules, &q, 0, &m);
		EXPECT_EQ(cases[i].error != 0, hit) TH_LOG("case %zu", i);
		if (hit && cases[i].error < 0)
			EXPECT_EQ(VERDICT_ALLOW, m.verdict) TH_LOG("case %zu", i);
		if (hit && cases[i].error > 0)
			EXPECT_EQ(cases[i].error, m.error) TH_LOG("case %zu", i);
	}
	/* A number is the effective protocol: 6 is any TCP socket. */
	LOAD("rules = ( { action = \"allow\"; proto = 6; } );\n");
	q.type = SOCK_STREAM;
	q.protocol = 0;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
}

TEST_F(rules, ops_and_family)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/x", "192.0.2.1", 80);

	LOAD("rules = ( { action = \"allow\"; op = [ \"connect\", \"send\" ]; family = \"inet\"; } );\n");
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.op = SACTL_OP_SEND;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.op = SACTL_OP_LISTEN;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
	q.op = SACTL_OP_CONNECT;
	q.family = AF_INET6;		/* mapped address, v6 socket */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q));
}

TEST_F(rules, remembered_and_system)
{
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered deny = { VERDICT_DENY, DURATION_SESSION, 0, SCOPE_PROGRAM };
	struct remembered allow = { VERDICT_ALLOW, DURATION_SESSION, 0, SCOPE_PROGRAM };
	char path[128], buf[64];
	struct match_result m;

	snprintf(path, sizeof(path), "%s/state", self->dir);
	self->s = store_open(path, self->err, sizeof(self->err));
	ASSERT_NE(NULL, self->s) TH_LOG("%s", self->err);

	/* A remembered deny beats a system allow of the same tier. */
	LOAD("rules = ( { action = \"allow\"; exe = \"/usr/bin/curl\"; } );\n");
	ASSERT_EQ(0, store_add(self->s, &q, &deny, 1000, self->err, sizeof(self->err)));
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q));
	/* ... only for its own user. */
	q.uid = q.euid = 1001;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));
	q.uid = q.euid = 1000;

	/* An admin's priority allow beats it. */
	LOAD("rules = ( { action = \"allow\"; priority = true; exe = \"/usr/bin/curl\"; } );\n");
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q));

	/* A system deny beats a remembered allow; equal tiers: the system rule. */
	q.exe = "/usr/bin/wget";
	ASSERT_EQ(0, store_add(self->s, &q, &allow, 1000, self->err, sizeof(self->err)));
	LOAD("rules = ( { action = \"deny\"; port = 443; errno = \"ECONNREFUSED\"; } );\n");
	ASSERT_TRUE(policy_decide(self->c, self->s, &q, 1000, &m));
	EXPECT_EQ(VERDICT_DENY, m.verdict);
	EXPECT_EQ(ECONNREFUSED, m.error);
	q.exe = "/usr/bin/curl";
	ASSERT_TRUE(policy_decide(self->c, self->s, &q, 1000, &m));
	EXPECT_EQ(ECONNREFUSED, m.error);
	EXPECT_STREQ("sactl.conf:1", rule_origin(m.rule, buf, sizeof(buf)));
	EXPECT_FALSE(m.rule->remembered);

	/* Either side may be missing. */
	q.remote.port = 80;
	ASSERT_TRUE(policy_decide(NULL, self->s, &q, 1000, &m));
	EXPECT_TRUE(m.rule->remembered);
	EXPECT_STREQ("uid 1000, until sactld restarts", rule_origin(m.rule, buf, sizeof(buf)));
	EXPECT_FALSE(policy_decide(self->c, NULL, &q, 1000, &m));
}

/* Rules built directly, for the index tests. */
static uint64_t rnd_state = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

static char *exe_name(unsigned int i)
{
	char *s;

	if (asprintf(&s, "/usr/bin/prog%u", i) < 0)
		abort();
	return s;
}

static struct rule *random_rule(unsigned int nexes)
{
	struct rule *r = rule_new();

	r->action = rnd(2) ? VERDICT_ALLOW : VERDICT_DENY;
	r->priority = rnd(8) == 0;
	r->error = r->action == VERDICT_DENY ? (int)rnd(3) : 0;
	switch (rnd(500)) {
	case 0:
		break;				/* any program */
	case 1:
		r->exe = strdup("/usr/bin/prog1*");
		r->exe_glob = true;
		break;
	default:
		r->exe = exe_name(rnd(nexes));
	}
	if (rnd(4))
		r->ops = 1u << (1 + rnd(6));
	if (rnd(4)) {
		r->ports = calloc(1, sizeof(*r->ports));
		r->n_ports = 1;
		r->ports->lo = (uint16_t)rnd(8);
		r->ports->hi = (uint16_t)(r->ports->lo + rnd(3));
	}
	if (rnd(3) == 0) {
		r->remote = calloc(1, sizeof(*r->remote));
		r->n_remote = 1;
		r->remote->addr[10] = r->remote->addr[11] = 0xff;
		r->remote->addr[12] = 10;
		r->remote->addr[13] = (uint8_t)rnd(2);
		r->remote->bits = 96 + 16;
	}
	if (rnd(10) == 0)
		r->expires = 500 + rnd(1000);
	return r;
}

static const struct rule *naive(const struct ruleset *rs, const struct query *q,
				time_t now)
{
	const struct rule *best = NULL;

	for (size_t i = 0; i < ruleset_count(rs); i++) {
		const struct rule *r = ruleset_rule(rs, i);

		if (rule_matches(r, q, now) && rule_beats(r, best))
			best = r;
	}
	return best;
}

static bool odd_seq(const struct rule *r, void *ctx)
{
	(void)ctx;
	return r->seq % 3 == 1;
}

static int compare_random(struct __test_metadata *_metadata,
			  const struct ruleset *rs, unsigned int nexes,
			  unsigned int nqueries)
{
	char **exes = calloc(nexes, sizeof(*exes));
	unsigned int matched = 0;

	for (unsigned int i = 0; i < nexes; i++)
		exes[i] = exe_name(i);
	for (unsigned int i = 0; i < nqueries; i++) {
		struct query q = query((enum sactl_op)(1 + rnd(6)),
				       rnd(10) ? exes[rnd(nexes)] : NULL,
				       NULL, 0);
		struct match_result m = { 0 };
		const struct rule *want;
		bool hit;

		q.remote.present = true;
		q.remote.v4 = true;
		q.remote.addr[10] = q.remote.addr[11] = 0xff;
		q.remote.addr[12] = 10;
		q.remote.addr[13] = (uint8_t)rnd(3);
		q.remote.port = (uint16_t)rnd(12);
		want = naive(rs, &q, 1000);
		hit = ruleset_match(rs, &q, 1000, &m);
		EXPECT_EQ(want != NULL, hit);
		EXPECT_EQ(want, hit ? m.rule : NULL);
		if (want != (hit ? m.rule : NULL))
			break;
		matched += hit;
	}
	for (unsigned int i = 0; i < nexes; i++)
		free(exes[i]);
	free(exes);
	return (int)matched;
}

TEST_F(rules, index_matches_naive_scan)
{
	struct ruleset *rs = ruleset_new("random");
	const unsigned int nexes = 400;
	int matched;

	ASSERT_NE(NULL, rs);
	for (int i = 0; i < 3000; i++)
		ASSERT_EQ(0, ruleset_add(rs, random_rule(nexes)));
	matched = compare_random(_metadata, rs, nexes, 5000);
	/* The comparison means something only if both kinds of answer came. */
	EXPECT_LT(1000, matched);
	EXPECT_GT(4000, matched);

	/* And again once a third of the rules are gone (index rebuilt). */
	EXPECT_EQ(1000, ruleset_remove_if(rs, odd_seq, NULL));
	EXPECT_EQ(2000, ruleset_count(rs));
	compare_random(_metadata, rs, nexes, 5000);
	ruleset_free(rs);
}

TEST_F(rules, index_scales)
{
	struct ruleset *rs = ruleset_new("big");
	struct timespec t0, t1;
	const unsigned int n = 100000;
	double secs;

	ASSERT_NE(NULL, rs);
	for (unsigned int i = 0; i < n; i++) {
		struct rule *r = rule_new();

		r->action = i % 2 ? VERDICT_ALLOW : VERDICT_DENY;
		r->exe = exe_name(i);
		ASSERT_EQ(0, ruleset_add(rs, r));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int i = 0; i < n; i++) {
		char exe[64];
		struct query q;
		struct match_result m;

		snprintf(exe, sizeof(exe), "/usr/bin/prog%u", i);
		q = query(SACTL_OP_CONNECT, exe, "192.0.2.1", 80);
		ASSERT_TRUE(ruleset_match(rs, &q, 0, &m));
		ASSERT_EQ(i % 2 ? VERDICT_ALLOW : VERDICT_DENY, m.verdict);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* A linear scan would take minutes (10^10 rule checks). */
	EXPECT_GT(2.0, secs) TH_LOG("%.2f s for %u lookups", secs, n);
	ruleset_free(rs);
}

TEST_F(rules, expired_never_matches)
{
	struct ruleset *rs = ruleset_new("x");
	struct rule *r = rule_new();
	struct query q = query(SACTL_OP_CONNECT, "/usr/bin/x", "192.0.2.1", 1);
	struct match_result m;

	r->action = VERDICT_ALLOW;
	r->expires = 100;
	ASSERT_EQ(0, ruleset_add(rs, r));
	EXPECT_TRUE(ruleset_match(rs, &q, 99, &m));
	EXPECT_FALSE(ruleset_match(rs, &q, 100, &m));
	ruleset_free(rs);
}

TEST(op_and_proto_names)
{
	static const char *const ops[] = {
		"socket", "bind", "connect", "listen", "accept", "send",
	};

	for (int i = 0; i < 6; i++) {
		EXPECT_STREQ(ops[i], op_name((enum sactl_op)(i + 1)));
		EXPECT_EQ(i + 1, op_from_name(ops[i]));
	}
	EXPECT_STREQ("unknown", op_name((enum sactl_op)0));
	EXPECT_STREQ("unknown", op_name((enum sactl_op)99));
	EXPECT_EQ(-1, op_from_name("conect"));
	EXPECT_EQ(-1, op_from_name(""));

	EXPECT_STREQ("tcp", proto_name(SOCK_STREAM, 0));
	EXPECT_STREQ("tcp", proto_name(SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
	EXPECT_STREQ("udp", proto_name(SOCK_DGRAM, 0));
	EXPECT_STREQ("icmp", proto_name(SOCK_DGRAM, IPPROTO_ICMP));
	EXPECT_STREQ("icmp", proto_name(SOCK_RAW, IPPROTO_ICMPV6));
	EXPECT_STREQ("raw", proto_name(SOCK_RAW, IPPROTO_RAW));
	EXPECT_STREQ("sctp", proto_name(SOCK_SEQPACKET, IPPROTO_SCTP));
	EXPECT_STREQ("udplite", proto_name(SOCK_DGRAM, IPPROTO_UDPLITE));
	EXPECT_STREQ("mptcp", proto_name(SOCK_STREAM, IPPROTO_MPTCP));
	EXPECT_STREQ("other", proto_name(SOCK_DCCP, 33));
}

TEST(net_addr_text)
{
	struct sactl_sockaddr sa = { .family = AF_INET, .port = 80,
				     .addr = { 192, 0, 2, 1 } };
	struct net_addr a;
	char buf[80];

	net_addr_from_sactl(&a, &sa);
	EXPECT_TRUE(a.present);
	EXPECT_TRUE(a.v4);
	EXPECT_EQ(0xff, a.addr[10]);
	EXPECT_EQ(192, a.addr[12]);
	EXPECT_STREQ("192.0.2.1:80", net_addr_format(&a, buf, sizeof(buf)));

	sa.family = AF_INET6;
	ASSERT_EQ(1, inet_pton(AF_INET6, "::ffff:198.51.100.7", sa.addr));
	net_addr_from_sactl(&a, &sa);
	EXPECT_TRUE(a.v4);
	EXPECT_STREQ("198.51.100.7:80", net_addr_format(&a, buf, sizeof(buf)));

	ASSERT_EQ(1, inet_pton(AF_INET6, "2001:db8::1", sa.addr));
	sa.port = 443;
	net_addr_from_sactl(&a, &sa);
	EXPECT_FALSE(a.v4);
	EXPECT_STREQ("[2001:db8::1]:443", net_addr_format(&a, buf, sizeof(buf)));
	ASSERT_EQ(1, inet_pton(AF_INET6, "fe80::1", sa.addr));
	sa.scope_id = 2;
	net_addr_from_sactl(&a, &sa);
	EXPECT_EQ(2, a.scope_id);
	EXPECT_STREQ("[fe80::1%2]:443", net_addr_format(&a, buf, sizeof(buf)));
	/* Cut short, still terminated. */
	EXPECT_STREQ("[fe8", net_addr_format(&a, buf, 5));

	sa.family = 0;
	net_addr_from_sactl(&a, &sa);
	EXPECT_FALSE(a.present);
	EXPECT_STREQ("-", net_addr_format(&a, buf, sizeof(buf)));
	sa.family = AF_UNIX;
	net_addr_from_sactl(&a, &sa);
	EXPECT_FALSE(a.present);
}

TEST(request_to_query)
{
	struct sactl_request rec = {
		.size = sizeof(rec), .version = SACTL_ABI_VERSION,
		.op = SACTL_OP_ACCEPT, .id = 77, .exe_fd = 5, .exe_dev = 9,
		.exe_ino = 10, .pid = 11, .tid = 12, .ppid = 13, .uid = 14,
		.euid = 15, .gid = 16, .egid = 17, .netns = 18,
		.family = AF_INET, .type = SOCK_STREAM,
		.protocol = IPPROTO_TCP,
		.local = { .family = AF_INET, .port = 22, .addr = { 10, 0, 0, 1 } },
		.remote = { .family = AF_INET, .port = 50000, .addr = { 10, 0, 0, 2 } },
	};
	struct query q;
	char buf[64];

	memset(rec.comm, 'x', sizeof(rec.comm));	/* not terminated */
	query_from_request(&q, &rec);
	EXPECT_EQ(77, q.id);
	EXPECT_EQ(SACTL_OP_ACCEPT, q.op);
	EXPECT_EQ(11, q.pid);
	EXPECT_EQ(12, q.tid);
	EXPECT_EQ(13, q.ppid);
	EXPECT_EQ(14, q.uid);
	EXPECT_EQ(15, q.euid);
	EXPECT_EQ(16, q.gid);
	EXPECT_EQ(17, q.egid);
	EXPECT_EQ(18, q.netns);
	EXPECT_EQ(AF_INET, q.family);
	EXPECT_EQ(SOCK_STREAM, q.type);
	EXPECT_EQ(IPPROTO_TCP, q.protocol);
	EXPECT_EQ(9, q.exe_dev);
	EXPECT_EQ(10, q.exe_ino);
	EXPECT_EQ(16, strlen(q.comm));
	EXPECT_EQ(NULL, q.exe);
	EXPECT_EQ(NULL, q.parent_exe);
	EXPECT_FALSE(q.has_sha256);
	EXPECT_STREQ("10.0.0.1:22", net_addr_format(&q.local, buf, sizeof(buf)));
	EXPECT_STREQ("10.0.0.2:50000", net_addr_format(&q.remote, buf, sizeof(buf)));

	rec.flags = SACTL_REQ_NO_EXE;
	query_from_request(&q, &rec);
	EXPECT_EQ(SACTL_REQ_NO_EXE, q.flags);
	EXPECT_EQ(0, q.exe_ino);
}

TEST_HARNESS_MAIN
