// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: each operation is asked and each verdict is honoured.
 *
 * The test process plays the daemon (it holds /dev/sactl open, so its own
 * sockets are never asked); a forked caller makes the call and reports its
 * errno.  Sockets are usually created by the test and inherited by the
 * caller, so that only the call under test is asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <liburing.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "harness.h"
#include "sactl_test.h"

/* The peer of a denied or accepted-then-dropped connection sees it closed. */
static int peer_closed(int fd)
{
	char b[16];
	ssize_t n;

	if (!fd_readable(fd, WAIT_MS))
		return -ETIMEDOUT;
	n = read(fd, b, sizeof(b));
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 0;
	return n < 0 ? -errno : (int)n;
}

/* ==== connect ============================================================ */

FIXTURE(conn) {
	int fd;			/* /dev/sactl */
	int peer;		/* listener (TCP) or bound socket (UDP) */
	int sock;		/* the socket the caller connects */
	struct sockaddr_storage target;
	socklen_t tlen;
};

FIXTURE_VARIANT(conn) {
	int family;		/* of the caller's socket */
	int type;
	int protocol;		/* what the request should say */
	const char *peer_ip;	/* where the peer listens */
	const char *dst_ip;	/* what the caller connects to */
};

FIXTURE_VARIANT_ADD(conn, tcp4) {
	AF_INET, SOCK_STREAM, IPPROTO_TCP, "127.0.0.1", "127.0.0.1",
};
FIXTURE_VARIANT_ADD(conn, tcp6) {
	AF_INET6, SOCK_STREAM, IPPROTO_TCP, "::1", "::1",
};
FIXTURE_VARIANT_ADD(conn, udp4) {
	AF_INET, SOCK_DGRAM, IPPROTO_UDP, "127.0.0.1", "127.0.0.1",
};
FIXTURE_VARIANT_ADD(conn, udp6) {
	AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "::1", "::1",
};
FIXTURE_VARIANT_ADD(conn, tcp_v4mapped) {
	AF_INET6, SOCK_STREAM, IPPROTO_TCP, "127.0.0.1", "::ffff:127.0.0.1",
};
FIXTURE_VARIANT_ADD(conn, udp_v4mapped) {
	AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "127.0.0.1", "::ffff:127.0.0.1",
};

FIXTURE_SETUP(conn)
{
	struct sockaddr_storage ss;

	self->fd = self->peer = self->sock = -1;
	sactl_setup();
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	self->peer = bound_socket(variant->peer_ip, variant->type, &ss, NULL);
	ASSERT_LE(0, self->peer);
	self->tlen = make_addr(&self->target, variant->dst_ip, addr_port(&ss));
	ASSERT_NE(0U, self->tlen);
	self->sock = socket(variant->family, variant->type | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->sock);
}

FIXTURE_TEARDOWN(conn)
{
	sactl_teardown();
	close(self->sock);
	close(self->peer);
}

static void conn_op(FIXTURE_DATA(conn) *self, struct sock_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = SOP_CONNECT;
	op->fd = self->sock;
	op->addr = self->target;
	op->addrlen = self->tlen;
}

TEST_F(conn, allow)
{
	struct sactl_stats a, b;
	struct sactl_request req;
	struct sockaddr_storage ss;
	struct sock_op op;
	struct caller c;
	socklen_t len = sizeof(ss);

	conn_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(variant->family, req.family);
	EXPECT_EQ(variant->type, req.type);
	EXPECT_EQ(variant->protocol, req.protocol);
	EXPECT_EQ(0U, req.flags & SACTL_REQ_FASTOPEN);
	EXPECT_SA(req.remote, self->target);
	/* Not bound yet: the socket's own address is the wildcard, port 0. */
	EXPECT_EQ(variant->family, req.local.family);
	EXPECT_EQ(0, req.local.port);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);

	/* It really connected. */
	EXPECT_EQ(0, getpeername(self->sock, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(addr_port(&self->target), addr_port(&ss));
	if (variant->type == SOCK_STREAM) {
		int a_fd;

		ASSERT_TRUE(fd_readable(self->peer, WAIT_MS));
		a_fd = accept(self->peer, NULL, NULL);
		EXPECT_LE(0, a_fd);
		close(a_fd);
	}
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 1);
	EXPECT_DELTA(a, b, allowed, 1);
	EXPECT_DELTA(a, b, denied, 0);
	EXPECT_DELTA(a, b, defaults, 0);
}

TEST_F(conn, deny_default)
{
	struct sactl_stats a, b;
	struct sactl_request req;
	struct sockaddr_storage ss;
	struct sock_op op;
	struct caller c;
	socklen_t len = sizeof(ss);

	conn_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_SA(req.remote, self->target);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EPERM, c.result);

	/* The socket was not connected. */
	EXPECT_EQ(-1, getpeername(self->sock, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(ENOTCONN, errno);
	if (variant->type == SOCK_STREAM)
		EXPECT_FALSE(fd_readable(self->peer, 0));
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 1);
	EXPECT_DELTA(a, b, denied, 1);
	EXPECT_DELTA(a, b, allowed, 0);
}

TEST_F(conn, deny_errno)
{
	static const int errs[] = { ECONNREFUSED, EACCES, ENETUNREACH };
	struct sactl_request req;
	struct sock_op op;
	struct caller c;

	conn_op(self, &op);
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		ASSERT_EQ(0, caller_op(&c, &op));
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		EXPECT_EQ(SACTL_OP_CONNECT, req.op);
		ASSERT_EQ(0, sactl_deny(self->fd, req.id, errs[i]));
		ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
		EXPECT_EQ(errs[i], c.result);
	}
}

/*
 * A stream socket that is already connected is not asked again (the call
 * fails with EISCONN at once); a datagram socket changes its peer and is.
 */
TEST_F(conn, reconnect)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;

	ASSERT_EQ(0, connect(self->sock, (struct sockaddr *)&self->target,
			     self->tlen));
	conn_op(self, &op);
	ASSERT_EQ(0, caller_op(&c, &op));
	if (variant->type == SOCK_STREAM) {
		ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
		EXPECT_EQ(EISCONN, c.result);
		EXPECT_FALSE(sactl_readable(self->fd, 0));
	} else {
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		EXPECT_EQ(SACTL_OP_CONNECT, req.op);
		EXPECT_SA(req.remote, self->target);
		ASSERT_EQ(0, sactl_allow(self->fd, req.id));
		ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
		EXPECT_EQ(0, c.result);
	}
}

/* ==== socket, bind, listen, accept, send: IPv4 and IPv6 ================== */

FIXTURE(ops) {
	int fd;
	int s1, s2, s3;		/* closed in teardown if >= 0 */
	int tfo_saved;		/* net.ipv4.tcp_fastopen to restore, or -1 */
};

FIXTURE_VARIANT(ops) {
	int family;
	const char *ip;
};

FIXTURE_VARIANT_ADD(ops, ipv4) { AF_INET, "127.0.0.1" };
FIXTURE_VARIANT_ADD(ops, ipv6) { AF_INET6, "::1" };

#define TFO_SYSCTL "/proc/sys/net/ipv4/tcp_fastopen"

static int read_int_file(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int write_int_file(const char *path, int v)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", v);
	n = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return n;
}

FIXTURE_SETUP(ops)
{
	self->s1 = self->s2 = self->s3 = -1;
	self->tfo_saved = -1;
	self->fd = -1;
	sactl_setup();
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
}

FIXTURE_TEARDOWN(ops)
{
	sactl_teardown();
	if (self->s1 >= 0)
		close(self->s1);
	if (self->s2 >= 0)
		close(self->s2);
	if (self->s3 >= 0)
		close(self->s3);
	if (self->tfo_saved >= 0)
		write_int_file(TFO_SYSCTL, self->tfo_saved);
}

TEST_F(ops, socket_allow)
{
	struct sactl_request req;
	struct sock_op op = {
		.kind = SOP_SOCKET, .family = variant->family,
		.type = SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	};
	struct caller c;

	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(variant->family, req.family);
	EXPECT_EQ(SOCK_DGRAM, req.type);	/* without NONBLOCK/CLOEXEC */
	EXPECT_EQ(IPPROTO_UDP, req.protocol);	/* 0 was given */
	EXPECT_TRUE(sa_absent(&req.local));
	EXPECT_TRUE(sa_absent(&req.remote));
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	EXPECT_LE(0, c.out[0]);
}

TEST_F(ops, socket_deny)
{
	struct sactl_request req;
	struct sock_op op = {
		.kind = SOP_SOCKET, .family = variant->family,
		.type = SOCK_STREAM, .protocol = IPPROTO_TCP,
	};
	struct caller c;

	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EPERM, c.result);

	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, EAFNOSUPPORT));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EAFNOSUPPORT, c.result);
}

static void bind_test(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ops) *self,
		      const FIXTURE_VARIANT(ops) *variant, bool allow)
{
	struct sockaddr_storage want, got;
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_BIND };
	struct caller c;
	int port = free_port(variant->ip, SOCK_STREAM);

	ASSERT_LT(0, port);
	self->s1 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s1);
	op.fd = self->s1;
	op.addrlen = make_addr(&op.addr, variant->ip, port);
	want = op.addr;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_BIND, req.op);
	EXPECT_EQ(variant->family, req.family);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	EXPECT_SA(req.local, want);		/* the requested address */
	EXPECT_TRUE(sa_absent(&req.remote));
	if (allow) {
		ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	} else {
		ASSERT_EQ(0, sactl_deny(self->fd, req.id, EACCES));
	}
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(allow ? 0 : EACCES, c.result);
	/* The socket is shared with the caller: is it bound? */
	ASSERT_NE((socklen_t)-1, local_addr(self->s1, &got));
	EXPECT_EQ(allow ? port : 0, addr_port(&got));
}

TEST_F(ops, bind_allow)
{
	bind_test(_metadata, self, variant, true);
}

TEST_F(ops, bind_deny)
{
	bind_test(_metadata, self, variant, false);
}

static void listen_test(struct __test_metadata *_metadata,
			FIXTURE_DATA(ops) *self,
			const FIXTURE_VARIANT(ops) *variant, bool allow)
{
	struct sockaddr_storage addr;
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_LISTEN };
	struct caller c;
	socklen_t len = make_addr(&addr, variant->ip, 0);
	int r;

	self->s1 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s1);
	ASSERT_EQ(0, bind(self->s1, (struct sockaddr *)&addr, len));
	ASSERT_NE((socklen_t)-1, local_addr(self->s1, &addr));
	op.fd = self->s1;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_LISTEN, req.op);
	EXPECT_EQ(variant->family, req.family);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_SA(req.local, addr);		/* the bound address */
	EXPECT_TRUE(sa_absent(&req.remote));
	if (allow) {
		ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	} else {
		ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	}
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(allow ? 0 : EPERM, c.result);

	/* Does it listen? */
	self->s2 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	r = connect(self->s2, (struct sockaddr *)&addr, len);
	if (allow) {
		EXPECT_EQ(0, r) TH_LOG("connect: %m");
	} else {
		EXPECT_EQ(-1, r);
		EXPECT_EQ(ECONNREFUSED, errno);
	}
}

TEST_F(ops, listen_allow)
{
	listen_test(_metadata, self, variant, true);
}

TEST_F(ops, listen_deny)
{
	listen_test(_metadata, self, variant, false);
}

static void accept_test(struct __test_metadata *_metadata,
			FIXTURE_DATA(ops) *self,
			const FIXTURE_VARIANT(ops) *variant, bool allow, int err)
{
	struct sockaddr_storage laddr, caddr;
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_ACCEPT };
	struct caller c;
	socklen_t llen;
	char buf[8] = "";

	self->s1 = tcp_listener(variant->ip, &laddr, &llen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	ASSERT_EQ(0, connect(self->s2, (struct sockaddr *)&laddr, llen));
	ASSERT_NE((socklen_t)-1, local_addr(self->s2, &caddr));

	op.fd = self->s1;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_ACCEPT, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(variant->family, req.family);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	EXPECT_SA(req.remote, caddr);		/* the peer is known */
	EXPECT_SA(req.local, laddr);		/* the listening address */
	if (allow) {
		ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	} else {
		ASSERT_EQ(0, sactl_deny(self->fd, req.id, err));
	}
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));

	if (allow) {
		EXPECT_EQ(0, c.result);
		ASSERT_TRUE(fd_readable(self->s2, WAIT_MS));
		EXPECT_EQ(2, read(self->s2, buf, sizeof(buf)));
		EXPECT_STREQ("ok", buf);
	} else {
		EXPECT_EQ(err ? err : ECONNABORTED, c.result);
		/* The connection was closed, not handed to anybody. */
		EXPECT_EQ(0, peer_closed(self->s2));
		ASSERT_EQ(0, fcntl(self->s1, F_SETFL, O_NONBLOCK));
		EXPECT_EQ(-1, accept(self->s1, NULL, NULL));
		EXPECT_EQ(EAGAIN, errno);
	}
}

TEST_F(ops, accept_allow)
{
	accept_test(_metadata, self, variant, true, 0);
}

TEST_F(ops, accept_deny)
{
	accept_test(_metadata, self, variant, false, 0);
}

TEST_F(ops, accept_deny_errno)
{
	accept_test(_metadata, self, variant, false, EACCES);
}

/* Sends "denied" (to be denied) then "marker" (to be allowed). */
static int sendto_twice(struct caller *c)
{
	struct sock_op *op = c->arg;

	c->out[0] = ERRNO_OF(sendto(op->fd, "denied", 6, 0,
				    (struct sockaddr *)&op->addr, op->addrlen));
	c->out[1] = ERRNO_OF(sendto(op->fd, "marker", 6, 0,
				    (struct sockaddr *)&op->addr, op->addrlen));
	return 0;
}

TEST_F(ops, sendto_allow)
{
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_SENDTO, .data = "hello" };
	struct caller c;
	char buf[16] = "";

	self->s1 = bound_socket(variant->ip, SOCK_DGRAM, &op.addr, &op.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(variant->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	op.fd = self->s2;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SEND, req.op);
	EXPECT_EQ(SOCK_DGRAM, req.type);
	EXPECT_EQ(IPPROTO_UDP, req.protocol);
	EXPECT_SA(req.remote, op.addr);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	ASSERT_TRUE(fd_readable(self->s1, WAIT_MS));
	EXPECT_EQ(5, recv(self->s1, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_STREQ("hello", buf);
}

TEST_F(ops, sendto_deny)
{
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_SENDTO };
	struct caller c;
	char buf[16] = "";

	self->s1 = bound_socket(variant->ip, SOCK_DGRAM, &op.addr, &op.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(variant->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	op.fd = self->s2;
	ASSERT_EQ(0, caller_start(&c, sendto_twice, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SEND, req.op);
	EXPECT_SA(req.remote, op.addr);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SEND, req.op);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	EXPECT_EQ(EPERM, c.out[0]);
	EXPECT_EQ(0, c.out[1]);
	/* Only the allowed datagram arrived (loopback keeps the order). */
	ASSERT_TRUE(fd_readable(self->s1, WAIT_MS));
	EXPECT_EQ(6, recv(self->s1, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_STREQ("marker", buf);
	EXPECT_EQ(-1, recv(self->s1, buf, sizeof(buf), MSG_DONTWAIT));
}

/* sendmmsg() of 3 datagrams to one address; result: the count or -errno. */
static int sendmmsg3(struct caller *c)
{
	static char *payload[3] = { "m0", "m1", "m2" };
	struct sock_op *op = c->arg;
	struct mmsghdr m[3];
	struct iovec iov[3];
	int n;

	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = payload[i];
		iov[i].iov_len = 2;
		m[i].msg_hdr.msg_name = &op->addr;
		m[i].msg_hdr.msg_namelen = op->addrlen;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(op->fd, m, 3, 0);
	return n < 0 ? -errno : n;
}

static void sendmmsg_test(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ops) *self,
			  const FIXTURE_VARIANT(ops) *variant, int deny_at)
{
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_SENDTO };
	struct caller c;
	__u64 ids[3];
	int asked = deny_at >= 0 ? deny_at + 1 : 3;
	char buf[8];

	self->s1 = bound_socket(variant->ip, SOCK_DGRAM, &op.addr, &op.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(variant->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	op.fd = self->s2;
	ASSERT_EQ(0, caller_start(&c, sendmmsg3, &op));
	for (int i = 0; i < asked; i++) {
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS))
			TH_LOG("request for message %d", i);
		EXPECT_EQ(SACTL_OP_SEND, req.op);
		EXPECT_SA(req.remote, op.addr);
		ids[i] = req.id;
		for (int j = 0; j < i; j++)
			EXPECT_NE(ids[j], ids[i]);
		if (i == deny_at) {
			ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
		} else {
			ASSERT_EQ(0, sactl_allow(self->fd, req.id));
		}
	}
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(deny_at >= 0 ? deny_at : 3, c.result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
	/* Exactly the allowed messages arrived, in order. */
	for (int i = 0; i < (deny_at >= 0 ? deny_at : 3); i++) {
		memset(buf, 0, sizeof(buf));
		ASSERT_TRUE(fd_readable(self->s1, WAIT_MS));
		EXPECT_EQ(2, recv(self->s1, buf, sizeof(buf), MSG_DONTWAIT));
		EXPECT_EQ('0' + i, buf[1]);
	}
	EXPECT_EQ(-1, recv(self->s1, buf, sizeof(buf), MSG_DONTWAIT));
}

/* Every message of a batch is asked, though the address repeats. */
TEST_F(ops, sendmmsg_allow_all)
{
	sendmmsg_test(_metadata, self, variant, -1);
}

/* Denying the 2nd message ends the batch after the 1st. */
TEST_F(ops, sendmmsg_deny_second)
{
	sendmmsg_test(_metadata, self, variant, 1);
}

static void fastopen_test(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ops) *self,
			  const FIXTURE_VARIANT(ops) *variant, bool allow)
{
	struct sockaddr_storage laddr, ss;
	struct sactl_request req;
	struct sock_op op = {
		.kind = SOP_SENDTO, .data = "tfo", .flags = MSG_FASTOPEN,
	};
	struct caller c;
	socklen_t len = sizeof(ss);
	int qlen = 5, tfo = read_int_file(TFO_SYSCTL);
	char buf[8] = "";

	/* The client side of Fast Open must be enabled (the default: 1). */
	ASSERT_LE(0, tfo);
	if (!(tfo & 1)) {
		ASSERT_EQ(0, write_int_file(TFO_SYSCTL, tfo | 1));
		self->tfo_saved = tfo;
	}
	self->s1 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s1);
	ASSERT_EQ(0, setsockopt(self->s1, IPPROTO_TCP, TCP_FASTOPEN, &qlen,
				sizeof(qlen)));
	len = make_addr(&laddr, variant->ip, 0);
	ASSERT_EQ(0, bind(self->s1, (struct sockaddr *)&laddr, len));
	ASSERT_EQ(0, listen(self->s1, 8));
	ASSERT_NE((socklen_t)-1, local_addr(self->s1, &laddr));

	self->s2 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	op.fd = self->s2;
	op.addr = laddr;
	op.addrlen = len;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ((__u32)SACTL_REQ_FASTOPEN, req.flags & SACTL_REQ_FASTOPEN);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	EXPECT_SA(req.remote, laddr);
	if (allow) {
		ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	} else {
		ASSERT_EQ(0, sactl_deny(self->fd, req.id, ECONNREFUSED));
	}
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_FALSE(sactl_readable(self->fd, 0));	/* asked once */
	if (allow) {
		EXPECT_EQ(0, c.result);
		ASSERT_TRUE(fd_readable(self->s1, WAIT_MS));
		self->s3 = accept(self->s1, NULL, NULL);
		ASSERT_LE(0, self->s3);
		ASSERT_TRUE(fd_readable(self->s3, WAIT_MS));
		EXPECT_EQ(3, read(self->s3, buf, sizeof(buf)));
		EXPECT_STREQ("tfo", buf);
	} else {
		EXPECT_EQ(ECONNREFUSED, c.result);
		len = sizeof(ss);
		EXPECT_EQ(-1, getpeername(self->s2, (struct sockaddr *)&ss, &len));
		EXPECT_FALSE(fd_readable(self->s1, 0));
	}
}

/* sendto(MSG_FASTOPEN) connects without connect(): asked as CONNECT. */
TEST_F(ops, fastopen_allow)
{
	fastopen_test(_metadata, self, variant, true);
}

TEST_F(ops, fastopen_deny)
{
	fastopen_test(_metadata, self, variant, false);
}

static int stream_sends(struct caller *c)
{
	struct sock_op *op = c->arg;

	/* A name on a connected stream socket is ignored: not asked. */
	if (sendto(op->fd, "x", 1, 0, (struct sockaddr *)&op->addr,
		   op->addrlen) != 1)
		return errno ? errno : 1000;
	if (send(op->fd, "y", 1, 0) != 1)
		return errno ? errno : 1001;
	if (write(op->fd, "z", 1) != 1)
		return errno ? errno : 1002;
	return 0;
}

TEST_F(ops, stream_send_not_asked)
{
	struct sactl_stats a, b;
	struct sock_op op = { 0 };
	struct caller c;
	char buf[8] = "";
	size_t got = 0;

	self->s1 = tcp_listener(variant->ip, &op.addr, &op.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	ASSERT_EQ(0, connect(self->s2, (struct sockaddr *)&op.addr, op.addrlen));
	self->s3 = accept(self->s1, NULL, NULL);
	ASSERT_LE(0, self->s3);
	op.fd = self->s2;
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_start(&c, stream_sends, &op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(0, c.result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
	while (got < 3 && fd_readable(self->s3, WAIT_MS)) {
		ssize_t n = read(self->s3, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += n;
	}
	EXPECT_STREQ("xyz", buf);
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 0);
}

static int dgram_sends(struct caller *c)
{
	struct sock_op *op = c->arg;

	if (send(op->fd, "d", 1, 0) != 1)
		return errno ? errno : 1000;
	if (write(op->fd, "e", 1) != 1)
		return errno ? errno : 1001;
	return 0;
}

/* Datagrams on a connected socket without a name are not asked. */
TEST_F(ops, connected_dgram_send_not_asked)
{
	struct sock_op op = { 0 };
	struct caller c;
	char buf[8] = "";

	self->s1 = bound_socket(variant->ip, SOCK_DGRAM, &op.addr, &op.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(variant->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	ASSERT_EQ(0, connect(self->s2, (struct sockaddr *)&op.addr, op.addrlen));
	op.fd = self->s2;
	ASSERT_EQ(0, caller_start(&c, dgram_sends, &op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(0, c.result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
	ASSERT_TRUE(fd_readable(self->s1, WAIT_MS));
	EXPECT_EQ(1, recv(self->s1, buf, sizeof(buf), 0));
	EXPECT_EQ(1, recv(self->s1, buf + 1, sizeof(buf) - 1, 0));
	EXPECT_STREQ("de", buf);
}

/* ==== other families, raw sockets, io_uring, 32-bit callers ============== */

FIXTURE(other) {
	int fd;
	int s1, s2, s3;
};

FIXTURE_SETUP(other)
{
	self->s1 = self->s2 = self->s3 = -1;
	self->fd = -1;
	sactl_setup();
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
}

FIXTURE_TEARDOWN(other)
{
	sactl_teardown();
	if (self->s1 >= 0)
		close(self->s1);
	if (self->s2 >= 0)
		close(self->s2);
	if (self->s3 >= 0)
		close(self->s3);
}

static socklen_t abstract_addr(struct sockaddr_un *sun, const char *tag)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
			"sactl-test-%d-%s", getpid(), tag);
}

/* Everything AF_UNIX and AF_NETLINK; result: 0, or 100 + step. */
static int non_inet_calls(struct caller *c)
{
	struct sockaddr_un sun_d, sun_s;
	socklen_t ld, ls;
	int sv[2], d, l, s, a, n;
	char b[4];

	(void)c;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || write(sv[0], "p", 1) != 1 ||
	    read(sv[1], b, 1) != 1)
		return 100;
	ld = abstract_addr(&sun_d, "d");
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (d < 0 || bind(d, (struct sockaddr *)&sun_d, ld) ||
	    sendto(d, "u", 1, 0, (struct sockaddr *)&sun_d, ld) != 1 ||
	    recv(d, b, 1, 0) != 1)
		return 101;
	ls = abstract_addr(&sun_s, "s");
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || s < 0 || bind(l, (struct sockaddr *)&sun_s, ls) ||
	    listen(l, 4) || connect(s, (struct sockaddr *)&sun_s, ls))
		return 102;
	a = accept(l, NULL, NULL);
	if (a < 0)
		return 103;
	n = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (n < 0)
		return 104;
	return 0;
}

/* A non-INET socket is never asked. */
TEST_F(other, unix_not_asked)
{
	struct sactl_stats a, b;
	struct caller c;

	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_start(&c, non_inet_calls, NULL));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(0, c.result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 0);
}

static unsigned short csum(const void *p, size_t len)
{
	const unsigned short *w = p;
	unsigned int sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const unsigned char *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return (unsigned short)~sum;
}

static int raw_ping(struct caller *c)
{
	struct sock_op *op = c->arg;
	struct icmphdr icmp = { .type = ICMP_ECHO };

	icmp.un.echo.id = htons(0x5ac7);
	icmp.un.echo.sequence = htons(1);
	icmp.checksum = csum(&icmp, sizeof(icmp));
	if (sendto(op->fd, &icmp, sizeof(icmp), 0, (struct sockaddr *)&op->addr,
		   op->addrlen) != sizeof(icmp))
		return errno;
	return 0;
}

/* A datagram of a raw socket with a destination is asked as SEND. */
TEST_F(other, raw_sendto)
{
	struct sactl_request req;
	struct sock_op op = { 0 };
	struct caller c;

	self->s1 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	ASSERT_LE(0, self->s1);
	op.fd = self->s1;
	op.addrlen = make_addr(&op.addr, "127.0.0.1", 0);
	for (int allow = 0; allow < 2; allow++) {
		ASSERT_EQ(0, caller_start(&c, raw_ping, &op));
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		EXPECT_EQ(SACTL_OP_SEND, req.op);
		EXPECT_EQ(AF_INET, req.family);
		EXPECT_EQ(SOCK_RAW, req.type);
		EXPECT_EQ(IPPROTO_ICMP, req.protocol);
		EXPECT_EQ(AF_INET, req.remote.family);
		EXPECT_EQ(htonl(INADDR_LOOPBACK), *(__u32 *)req.remote.addr);
		if (allow) {
			ASSERT_EQ(0, sactl_allow(self->fd, req.id));
		} else {
			ASSERT_EQ(0, sactl_deny(self->fd, req.id, EHOSTUNREACH));
		}
		ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
		EXPECT_EQ(allow ? 0 : EHOSTUNREACH, c.result);
	}
}

/* ---- io_uring ----------------------------------------------------------- */

enum { RING_SOCKET, RING_CONNECT, RING_ACCEPT };

struct ring_args {
	int kind;
	int n;			/* operations, one after the other */
	int fds[2];		/* connect: the sockets; accept: fds[0] listens */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* out[i] = cqe->res of operation i; result 0, or 2000 + errno of setup. */
static int ring_calls(struct caller *c)
{
	struct ring_args *a = c->arg;
	struct io_uring ring;
	int r = io_uring_queue_init(4, &ring, 0);

	if (r < 0)
		return 2000 - r;
	for (int i = 0; i < a->n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		struct io_uring_cqe *cqe;

		if (!sqe)
			return 2000 + EBUSY;
		switch (a->kind) {
		case RING_SOCKET:
			io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM, 0, 0);
			break;
		case RING_CONNECT:
			io_uring_prep_connect(sqe, a->fds[i],
					      (struct sockaddr *)&a->addr,
					      a->addrlen);
			break;
		case RING_ACCEPT:
			io_uring_prep_accept(sqe, a->fds[0], NULL, NULL, 0);
			break;
		}
		r = io_uring_submit(&ring);
		if (r != 1)
			return 2000 + (r < 0 ? -r : EIO);
		r = io_uring_wait_cqe(&ring, &cqe);
		if (r < 0)
			return 2000 - r;
		c->out[i] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return 0;
}

/* Is io_uring there, with this opcode? */
static bool ring_supports(int opcode)
{
	struct io_uring_probe *p = io_uring_get_probe();
	bool ok;

	if (!p)
		return false;
	ok = io_uring_opcode_supported(p, opcode);
	io_uring_free_probe(p);
	return ok;
}

TEST_F(other, uring_socket)
{
	struct ring_args args = { .kind = RING_SOCKET, .n = 2 };
	struct sactl_request req;
	struct caller c;

	if (!ring_supports(IORING_OP_SOCKET))
		SKIP(return, "no io_uring or no IORING_OP_SOCKET");
	ASSERT_EQ(0, caller_start(&c, ring_calls, &args));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(AF_INET, req.family);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, EACCES));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	ASSERT_EQ(0, c.result);
	EXPECT_LE(0, c.out[0]);
	EXPECT_EQ(-EACCES, c.out[1]);
}

TEST_F(other, uring_connect)
{
	struct ring_args args = { .kind = RING_CONNECT, .n = 2 };
	struct sactl_request req;
	struct caller c;

	if (!ring_supports(IORING_OP_CONNECT))
		SKIP(return, "no io_uring");
	self->s1 = tcp_listener("127.0.0.1", &args.addr, &args.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = args.fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	self->s3 = args.fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	ASSERT_LE(0, self->s3);
	ASSERT_EQ(0, caller_start(&c, ring_calls, &args));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_SA(req.remote, args.addr);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_SA(req.remote, args.addr);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, ECONNREFUSED));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	ASSERT_EQ(0, c.result);
	EXPECT_EQ(0, c.out[0]);
	EXPECT_EQ(-ECONNREFUSED, c.out[1]);
	EXPECT_FALSE(sactl_readable(self->fd, 0));	/* asked once each */
}

TEST_F(other, uring_accept)
{
	struct ring_args args = { .kind = RING_ACCEPT, .n = 2 };
	struct sockaddr_storage c1, c2;
	struct sactl_request req;
	struct caller c;

	if (!ring_supports(IORING_OP_ACCEPT))
		SKIP(return, "no io_uring");
	self->s1 = args.fds[0] = tcp_listener("127.0.0.1", &args.addr,
					      &args.addrlen);
	ASSERT_LE(0, self->s1);
	self->s2 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	self->s3 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->s2);
	ASSERT_LE(0, self->s3);
	ASSERT_EQ(0, connect(self->s2, (struct sockaddr *)&args.addr, args.addrlen));
	ASSERT_EQ(0, connect(self->s3, (struct sockaddr *)&args.addr, args.addrlen));
	ASSERT_NE((socklen_t)-1, local_addr(self->s2, &c1));
	ASSERT_NE((socklen_t)-1, local_addr(self->s3, &c2));

	ASSERT_EQ(0, caller_start(&c, ring_calls, &args));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_ACCEPT, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_SA(req.remote, c1);
	EXPECT_SA(req.local, args.addr);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_ACCEPT, req.op);
	EXPECT_SA(req.remote, c2);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	ASSERT_EQ(0, c.result);
	EXPECT_LE(0, c.out[0]);
	EXPECT_EQ(-ECONNABORTED, c.out[1]);
	EXPECT_EQ(0, peer_closed(self->s3));
}

/* ---- 32-bit callers ------------------------------------------------------ */

/*
 * The 32-bit helper sits next to this program, in helpers/ (where the
 * Makefile puts it and the initramfs keeps it).
 */
static bool compat_helper(char *path, size_t len)
{
	char self_exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	self_exe[n] = 0;
	slash = strrchr(self_exe, '/');
	if (!slash)
		return false;
	*slash = 0;
	return snprintf(path, len, "%s/helpers/sactl-compat32", self_exe) < (int)len;
}

static void compat_test(struct __test_metadata *_metadata,
			FIXTURE_DATA(other) *self, char *mode)
{
	struct sockaddr_storage laddr;
	struct sactl_request req;
	struct caller c;
	char helper[PATH_MAX], port[16];
	char *probe[] = { helper, "probe", mode, NULL };
	char *argv[] = { helper, mode, port, NULL };
	struct stat st;

#ifdef SACTL_NO_COMPAT32
	SKIP(return, "built with COMPAT32=0");
#endif
	ASSERT_TRUE(compat_helper(helper, sizeof(helper)));
	ASSERT_EQ(0, access(helper, X_OK)) TH_LOG("missing %s", helper);
	ASSERT_EQ(0, caller_exec(&c, probe));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	if (c.result == 126)
		SKIP(return, "no 32-bit emulation (CONFIG_IA32_EMULATION)");
	if (c.result == 124)
		SKIP(return, "no direct i386 socket calls in the headers");
	ASSERT_EQ(0, c.result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));

	self->s1 = tcp_listener("127.0.0.1", &laddr, NULL);
	ASSERT_LE(0, self->s1);
	snprintf(port, sizeof(port), "%u", addr_port(&laddr));
	ASSERT_EQ(0, stat(helper, &st));

	/* Both allowed. */
	ASSERT_EQ(0, caller_exec(&c, argv));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(AF_INET, req.family);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	EXPECT_STREQ("sactl-compat32", req.comm);
	EXPECT_EQ((__u64)st.st_ino, req.exe_ino);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_SA(req.remote, laddr);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);

	/* connect denied with an errno. */
	ASSERT_EQ(0, caller_exec(&c, argv));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, ECONNREFUSED));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(ECONNREFUSED, c.result);

	/* socket denied. */
	ASSERT_EQ(0, caller_exec(&c, argv));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, EACCES));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EACCES, c.result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
}

TEST_F(other, compat_socketcall)
{
	compat_test(_metadata, self, "socketcall");
}

TEST_F(other, compat_direct)
{
	compat_test(_metadata, self, "direct");
}

TEST_HARNESS_MAIN
