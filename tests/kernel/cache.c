// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: the verdict cache.  Rules added with SACTL_IOC_CACHE_ADD answer
 * matching calls in the kernel (no request reaches the daemon, cache_hits
 * counts them); the highest priority decides and a deny beats an allow of
 * the same priority; rules expire, are flushed by ioctl and when the
 * daemon closes the device; malformed rules and a full cache are refused.
 *
 * The test process plays the daemon; forked callers (running this same
 * executable) make the calls, on sockets the test created.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "harness.h"
#include "sactl_test.h"

/* How long a call may take to show up at the daemon. */
#define QUIET_MS	300

/* An allow rule for connect from this executable (the callers'). */
static struct sactl_cache_rule rule(__u32 verdict)
{
	struct sactl_cache_rule r = {
		.size = sizeof(r), .ops = 1U << SACTL_OP_CONNECT,
		.verdict = verdict, .match = SACTL_MATCH_EXE,
	};
	struct stat st;

	if (!stat("/proc/self/exe", &st)) {
		r.exe_dev = st.st_dev;
		r.exe_ino = st.st_ino;
		r.exe_ctime_sec = st.st_ctim.tv_sec;
		r.exe_ctime_nsec = st.st_ctim.tv_nsec;
	}
	return r;
}

static int cache_add(int fd, const struct sactl_cache_rule *r)
{
	return ioctl(fd, SACTL_IOC_CACHE_ADD, r) ? -errno : 0;
}

static unsigned long long stat_now(const char *name)
{
	unsigned long long v = ~0ULL;

	stat_read(name, &v);
	return v;
}

FIXTURE(cache) {
	int fd;			/* /dev/sactl */
	int peer;		/* TCP listener on 127.0.0.1 */
	int udp;		/* UDP socket bound on 127.0.0.1 */
	struct sockaddr_storage target, utarget;
	socklen_t tlen, ulen;
	uint16_t port;
};

FIXTURE_SETUP(cache)
{
	self->fd = self->peer = self->udp = -1;
	sactl_setup();
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	self->peer = tcp_listener("127.0.0.1", &self->target, &self->tlen);
	ASSERT_LE(0, self->peer);
	self->port = addr_port(&self->target);
	self->udp = bound_socket("127.0.0.1", SOCK_DGRAM, &self->utarget,
				 &self->ulen);
	ASSERT_LE(0, self->udp);
}

FIXTURE_TEARDOWN(cache)
{
	sactl_teardown();
	close(self->peer);
	close(self->udp);
}

/*
 * A caller connects a fresh TCP socket (made here, so only the connect is
 * asked) to @dst; unless the cache decides, the test answers @verdict.
 * Returns the caller's errno and says in *asked whether the daemon was.
 */
static int connect_via(FIXTURE_DATA(cache) *self, const char *dst,
		       __u32 verdict, bool *asked)
{
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_CONNECT };
	struct caller c;
	int result, fd, a;

	*asked = false;
	op.fd = fd = socket(strchr(dst, ':') ? AF_INET6 : AF_INET,
			    SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	op.addrlen = make_addr(&op.addr, dst, self->port);
	if (caller_op(&c, &op)) {
		close(fd);
		return -ECHILD;
	}
	/* Answer whatever reaches the daemon until the caller is done. */
	for (int waited = 0; !caller_finished(&c, 20) && waited < WAIT_MS;
	     waited += 40) {
		if (!sactl_recv(self->fd, &req, 20)) {
			*asked = true;
			sactl_answer(self->fd, req.id, verdict, 0);
		}
	}
	result = caller_wait(&c, WAIT_MS) ? -ETIMEDOUT : c.result;
	/* Keep the listener's backlog empty. */
	if (!result && fd_readable(self->peer, 0)) {
		a = accept(self->peer, NULL, NULL);
		if (a >= 0)
			close(a);
	}
	close(fd);
	return result;
}

TEST_F(cache, allow_answered_in_the_kernel)
{
	struct sactl_cache_rule r = rule(SACTL_ALLOW);
	unsigned long long hits = stat_now("cache_hits");
	unsigned long long reqs = stat_now("requests");
	bool asked;

	r.match |= SACTL_MATCH_PORT;
	r.port_lo = r.port_hi = self->port;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(1ULL, stat_now("cache_rules"));
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_DENY, &asked));
		EXPECT_FALSE(asked) TH_LOG("call %d reached the daemon", i);
	}
	EXPECT_EQ(hits + 3, stat_now("cache_hits"));
	EXPECT_EQ(reqs + 3, stat_now("requests"));
}

TEST_F(cache, miss_goes_to_the_daemon)
{
	struct sactl_cache_rule r = rule(SACTL_DENY);
	unsigned long long hits = stat_now("cache_hits");
	bool asked;

	/* Another port, another operation: neither matches. */
	r.match |= SACTL_MATCH_PORT;
	r.port_lo = r.port_hi = self->port + 1;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	r = rule(SACTL_DENY);
	r.ops = 1U << SACTL_OP_SEND;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked);
	EXPECT_EQ(hits, stat_now("cache_hits"));
}

TEST_F(cache, deny_beats_a_broader_allow)
{
	struct sactl_cache_rule allow = rule(SACTL_ALLOW);
	struct sactl_cache_rule deny = rule(SACTL_DENY);
	bool asked;

	/* Added in either order, the deny wins. */
	deny.match |= SACTL_MATCH_PORT;
	deny.port_lo = deny.port_hi = self->port;
	ASSERT_EQ(0, cache_add(self->fd, &deny));
	ASSERT_EQ(0, cache_add(self->fd, &allow));
	EXPECT_EQ(EPERM, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_FALSE(asked);

	ASSERT_EQ(0, ioctl(self->fd, SACTL_IOC_CACHE_FLUSH));
	ASSERT_EQ(0, cache_add(self->fd, &allow));
	deny.error = ECONNREFUSED;
	ASSERT_EQ(0, cache_add(self->fd, &deny));
	EXPECT_EQ(ECONNREFUSED, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_FALSE(asked);
}

TEST_F(cache, higher_priority_wins)
{
	struct sactl_cache_rule allow = rule(SACTL_ALLOW);
	struct sactl_cache_rule deny = rule(SACTL_DENY);
	bool asked;

	allow.priority = 1;
	ASSERT_EQ(0, cache_add(self->fd, &deny));
	ASSERT_EQ(0, cache_add(self->fd, &allow));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_DENY, &asked));
	EXPECT_FALSE(asked);
}

TEST_F(cache, address_prefixes)
{
	struct sactl_cache_rule r = rule(SACTL_ALLOW);
	bool asked;

	r.match |= SACTL_MATCH_FAMILY | SACTL_MATCH_ADDR;
	r.family = AF_INET;
	r.prefix_len = 8;
	inet_pton(AF_INET, "10.0.0.0", r.addr);
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked) TH_LOG("10.0.0.0/8 matched 127.0.0.1");

	inet_pton(AF_INET, "127.1.2.3", r.addr);
	r.prefix_len = 9;	/* 127.0.0.0/9 once masked */
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_DENY, &asked));
	EXPECT_FALSE(asked) TH_LOG("127.0.0.0/9 did not match 127.0.0.1");

	/* An IPv6 rule does not match an IPv4 address. */
	ASSERT_EQ(0, ioctl(self->fd, SACTL_IOC_CACHE_FLUSH));
	r.family = AF_INET6;
	r.prefix_len = 128;
	memset(r.addr, 0, sizeof(r.addr));
	r.addr[15] = 1;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked);
}

TEST_F(cache, other_user_or_changed_file_misses)
{
	struct sactl_cache_rule r = rule(SACTL_DENY);
	bool asked;

	r.match |= SACTL_MATCH_UID;
	r.uid = getuid() + 1;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	r = rule(SACTL_DENY);
	r.exe_ctime_sec++;	/* the file as it was before a change */
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked);

	r = rule(SACTL_DENY);
	r.match |= SACTL_MATCH_UID | SACTL_MATCH_FAMILY | SACTL_MATCH_PROTOCOL;
	r.uid = getuid();
	r.family = AF_INET;
	r.protocol = IPPROTO_TCP;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(EPERM, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_FALSE(asked);
}

TEST_F(cache, rules_expire)
{
	struct sactl_cache_rule r = rule(SACTL_DENY);
	bool asked;

	r.ttl = 1;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(EPERM, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_FALSE(asked);
	usleep(1200 * 1000);
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked) TH_LOG("the rule outlived its ttl");
}

TEST_F(cache, flushed_by_ioctl_and_by_close)
{
	struct sactl_cache_rule r = rule(SACTL_DENY);
	bool asked;

	ASSERT_EQ(0, cache_add(self->fd, &r));
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(2ULL, stat_now("cache_rules"));
	ASSERT_EQ(0, ioctl(self->fd, SACTL_IOC_CACHE_FLUSH));
	EXPECT_EQ(0ULL, stat_now("cache_rules"));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked);

	ASSERT_EQ(0, cache_add(self->fd, &r));
	sactl_close(&self->fd);
	EXPECT_EQ(0ULL, stat_now("cache_rules"))
		TH_LOG("the daemon's rules outlived it");
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked);
}

TEST_F(cache, datagrams_and_other_operations)
{
	struct sactl_cache_rule r = rule(SACTL_ALLOW);
	unsigned long long hits = stat_now("cache_hits");
	struct sactl_request req;
	struct sock_op op = {
		.kind = SOP_SENDTO, .data = "x", .addr = self->utarget,
		.addrlen = self->ulen,
	};
	struct caller c;

	r.ops = 1U << SACTL_OP_SEND | 1U << SACTL_OP_SOCKET;
	r.match |= SACTL_MATCH_PROTOCOL | SACTL_MATCH_TYPE;
	r.protocol = IPPROTO_UDP;
	r.type = SOCK_DGRAM;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	op.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, op.fd);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0, caller_op(&c, &op));
		EXPECT_NE(0, sactl_recv(self->fd, &req, QUIET_MS / 3));
		ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
		EXPECT_EQ(0, c.result);
	}
	close(op.fd);
	EXPECT_EQ(hits + 5, stat_now("cache_hits"));

	/* socket() of a UDP socket from the caller: covered too. */
	memset(&op, 0, sizeof(op));
	op.kind = SOP_SOCKET;
	op.family = AF_INET;
	op.type = SOCK_DGRAM;
	ASSERT_EQ(0, caller_op(&c, &op));
	EXPECT_NE(0, sactl_recv(self->fd, &req, QUIET_MS));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);

	/* A raw socket of protocol 17 is not a UDP one: asked. */
	op.type = SOCK_RAW;
	op.protocol = IPPROTO_UDP;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	EXPECT_EQ(SOCK_RAW, req.type);
	EXPECT_EQ(IPPROTO_UDP, req.protocol);
	EXPECT_EQ(0, sactl_answer(self->fd, req.id, SACTL_DENY, 0));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EPERM, c.result);
	EXPECT_EQ(hits + 6, stat_now("cache_hits"));
}

TEST_F(cache, malformed_rules_are_refused)
{
	struct sactl_cache_rule good = rule(SACTL_ALLOW), r;

#define REFUSED(change) do {						\
		r = good;						\
		change;							\
		EXPECT_EQ(-EINVAL, cache_add(self->fd, &r))		\
			TH_LOG("accepted: %s", #change);		\
	} while (0)
	REFUSED(r.size = sizeof(r) - 8);
	REFUSED(r.verdict = 3);
	REFUSED(r.error = EPERM);		/* an allow with an error */
	REFUSED(r.verdict = SACTL_DENY; r.error = -1);
	REFUSED(r.verdict = SACTL_DENY; r.error = 5000);
	REFUSED(r.ops = 0);
	REFUSED(r.ops = 1U << 7);
	REFUSED(r.ops |= 1U);			/* op 0 does not exist */
	REFUSED(r.match = 0x80);
	REFUSED(r.match |= SACTL_MATCH_TYPE; r.type = 0);
	REFUSED(r.match |= SACTL_MATCH_ADDR; r.prefix_len = 8);	/* no family */
	REFUSED(r.match |= SACTL_MATCH_FAMILY; r.family = AF_UNIX);
	REFUSED(r.match |= SACTL_MATCH_FAMILY | SACTL_MATCH_ADDR;
		r.family = AF_INET; r.prefix_len = 33);
	REFUSED(r.match |= SACTL_MATCH_FAMILY | SACTL_MATCH_ADDR;
		r.family = AF_INET6; r.prefix_len = 0);
	REFUSED(r.match |= SACTL_MATCH_PORT; r.port_lo = 2; r.port_hi = 1);
	REFUSED(r.exe_ctime_nsec = 1000000000);
	REFUSED(r.reserved1[3] = 1);
	REFUSED(r.reserved2 = 1);
#undef REFUSED
	EXPECT_EQ(0ULL, stat_now("cache_rules"));
	EXPECT_EQ(-EFAULT, ioctl(self->fd, SACTL_IOC_CACHE_ADD, (void *)8) ? -errno : 0);
	EXPECT_EQ(0, cache_add(self->fd, &good));
}

TEST_F(cache, bounded_by_cache_max)
{
	struct sactl_cache_rule r = rule(SACTL_ALLOW);
	bool asked;

	ASSERT_EQ(0, param_write("cache_max", "2"));
	ASSERT_EQ(0, cache_add(self->fd, &r));
	ASSERT_EQ(0, cache_add(self->fd, &r));
	EXPECT_EQ(-ENOSPC, cache_add(self->fd, &r));
	/* Expired rules make room. */
	ASSERT_EQ(0, ioctl(self->fd, SACTL_IOC_CACHE_FLUSH));
	r.ttl = 1;
	ASSERT_EQ(0, cache_add(self->fd, &r));
	ASSERT_EQ(0, cache_add(self->fd, &r));
	usleep(1200 * 1000);
	r.ttl = 0;
	EXPECT_EQ(0, cache_add(self->fd, &r));

	/* 0 turns the cache off. */
	ASSERT_EQ(0, ioctl(self->fd, SACTL_IOC_CACHE_FLUSH));
	ASSERT_EQ(0, param_write("cache_max", "0"));
	EXPECT_EQ(-ENOSPC, cache_add(self->fd, &r));
	EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
	EXPECT_TRUE(asked);
}

/* Only the holder of /dev/sactl can add: the device is 0600 and single-open. */
TEST_F(cache, only_the_daemon_adds)
{
	struct sactl_cache_rule r = rule(SACTL_ALLOW);

	EXPECT_EQ(-1, sactl_open(0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, cache_add(self->fd, &r));
}

struct churn {
	int fd;
	volatile bool stop;
	int adds;
};

/* Add and flush as fast as possible, racing the lookups. */
static void *churn_main(void *arg)
{
	struct churn *ch = arg;
	struct sactl_cache_rule r = rule(SACTL_ALLOW);

	while (!ch->stop) {
		for (int i = 0; i < 16; i++)
			if (!cache_add(ch->fd, &r))
				ch->adds++;
		ioctl(ch->fd, SACTL_IOC_CACHE_FLUSH);
	}
	return NULL;
}

/* Lookups under rcu_read_lock() while rules come and go: every call is
 * either a hit or reaches the daemon, and KASAN/lockdep stay quiet. */
TEST_F(cache, lookups_race_adds_and_flushes)
{
	struct churn ch = { .fd = self->fd };
	pthread_t t;
	int asked_n = 0;
	bool asked;

	ASSERT_EQ(0, pthread_create(&t, NULL, churn_main, &ch));
	for (int i = 0; i < 60; i++) {
		EXPECT_EQ(0, connect_via(self, "127.0.0.1", SACTL_ALLOW, &asked));
		asked_n += asked;
	}
	ch.stop = true;
	pthread_join(t, NULL);
	EXPECT_LT(0, ch.adds);
	TH_LOG("%d of 60 calls reached the daemon, %d rules added", asked_n,
	       ch.adds);
}

TEST_HARNESS_MAIN
