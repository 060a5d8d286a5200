// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes through io_uring, which makes the socket calls without the
 * system calls: IORING_OP_CONNECT (inline, forced into an io-wq worker
 * with IOSQE_ASYNC, and from an SQPOLL kernel-side submitter thread),
 * IORING_OP_ACCEPT, IORING_OP_SENDMSG and SENDMSG_ZC with a name,
 * IORING_OP_SEND and SEND_ZC with a destination address.  (IORING_OP_SOCKET is
 * in socket.c, under the configuration that denies socket().)  The
 * workers are threads of this process, so sactld logs this pid.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "esc_harness.h"

FIXTURE(ring) {
	int p[P_NFDS];
	struct io_uring ring;
	bool ring_ok;
};

FIXTURE_VARIANT(ring) {
	unsigned int sqe_flags;	/* IOSQE_* */
};

FIXTURE_VARIANT_ADD(ring, inline) { 0 };
FIXTURE_VARIANT_ADD(ring, async) { IOSQE_ASYNC };

static void ring_open(struct __test_metadata *_metadata, int p[P_NFDS],
		       struct io_uring *ring, unsigned int setup, bool *ok)
{
	int r;

	ASSERT_EQ(0, peers_get(p));
	r = io_uring_queue_init(8, ring, setup);
	ASSERT_EQ(0, r) TH_LOG("io_uring_queue_init: %s", strerror(-r));
	*ok = true;
}

FIXTURE_SETUP(ring)
{
	ring_open(_metadata, self->p, &self->ring, 0, &self->ring_ok);
}

FIXTURE_TEARDOWN(ring)
{
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	peers_put(self->p);
}

/* A ring whose submissions a kernel thread (of this process) polls. */
FIXTURE(sqpoll) {
	int p[P_NFDS];
	struct io_uring ring;
	bool ring_ok;
};

FIXTURE_SETUP(sqpoll)
{
	ring_open(_metadata, self->p, &self->ring, IORING_SETUP_SQPOLL,
		   &self->ring_ok);
}

FIXTURE_TEARDOWN(sqpoll)
{
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	peers_put(self->p);
}

static struct io_uring_sqe *sqe_get(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (sqe)
		io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

/* Submit what is queued and return the first completion's res. */
static int ring_run(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int r = io_uring_submit(ring);

	if (r < 0)
		return r;
	r = io_uring_wait_cqe(ring, &cqe);
	if (r < 0)
		return r;
	r = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return r;
}

/* A ring result as a call's: -1 with errno set. */
static int as_call(int res)
{
	if (res >= 0)
		return res;
	errno = -res;
	return -1;
}

static void connect_by_ring(struct __test_metadata *_metadata,
			 struct io_uring *ring, unsigned int flags, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_TCP);
	struct io_uring_sqe *sqe = sqe_get(ring, flags);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&ss, len);
	EXPECT_REFUSED(as_call(ring_run(ring)), EPERM, "connect",
		       "-> 127.0.0.1:7001 ");
	EXPECT_TRUE(listener_idle(peer));
	close(fd);
}

TEST_F(ring, connect)
{
	connect_by_ring(_metadata, &self->ring, variant->sqe_flags, self->p[P_TCP4]);
}

TEST_F(sqpoll, connect)
{
	connect_by_ring(_metadata, &self->ring, 0, self->p[P_TCP4]);
}

TEST_F(ring, accept)
{
	struct io_uring_sqe *sqe = sqe_get(&self->ring, variant->sqe_flags);

	ASSERT_NE(NULL, sqe);
	ASSERT_FALSE(listener_idle(self->p[P_PEND4]));	/* a connection waits */
	io_uring_prep_accept(sqe, self->p[P_PEND4], NULL, NULL, 0);
	EXPECT_REFUSED(as_call(ring_run(&self->ring)), ECONNABORTED, "accept",
		       "127.0.0.1:7003 ->");
}

static void sendmsg_by_ring(struct __test_metadata *_metadata,
			    struct io_uring *ring, unsigned int flags, bool zc,
			    int sink)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = {
		.msg_name = &ss, .msg_namelen = sa_make(&ss, "::1", PORT_UDP),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct io_uring_sqe *sqe = sqe_get(ring, flags);
	struct io_uring_cqe *cqe;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), res;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, sqe);
	if (zc)
		io_uring_prep_sendmsg_zc(sqe, fd, &m, 0);
	else
		io_uring_prep_sendmsg(sqe, fd, &m, 0);
	res = ring_run(ring);
	/* A zero-copy send may post a notification after its result. */
	if (zc && !io_uring_peek_cqe(ring, &cqe))
		io_uring_cqe_seen(ring, cqe);
	EXPECT_REFUSED(as_call(res), EPERM, "send", "-> [::1]:7002 ");
	EXPECT_EQ(0, udp_drain(sink));
	close(fd);
}

TEST_F(ring, sendmsg_with_name)
{
	sendmsg_by_ring(_metadata, &self->ring, variant->sqe_flags, false,
			self->p[P_UDP6]);
}

TEST_F(ring, sendmsg_zc_with_name)
{
	sendmsg_by_ring(_metadata, &self->ring, variant->sqe_flags, true,
			self->p[P_UDP6]);
}

/* IORING_OP_SEND, and SEND_ZC, with a destination (sendto by ring). */
static void send_to(struct __test_metadata *_metadata, struct io_uring *ring,
		    unsigned int flags, bool zc, int sink)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_UDP);
	struct io_uring_sqe *sqe = sqe_get(ring, flags);
	struct io_uring_cqe *cqe;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), res;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, sqe);
	if (zc)
		io_uring_prep_send_zc(sqe, fd, "x", 1, 0, 0);
	else
		io_uring_prep_send(sqe, fd, "x", 1, 0);
	io_uring_prep_send_set_addr(sqe, (struct sockaddr *)&ss, len);
	res = ring_run(ring);
	/* A zero-copy send may post a notification after its result. */
	if (zc && !io_uring_peek_cqe(ring, &cqe))
		io_uring_cqe_seen(ring, cqe);
	EXPECT_REFUSED(as_call(res), EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(sink));
	close(fd);
}

TEST_F(ring, send_with_addr)
{
	send_to(_metadata, &self->ring, variant->sqe_flags, false,
		self->p[P_UDP4]);
}

TEST_F(ring, send_zc_with_addr)
{
	send_to(_metadata, &self->ring, variant->sqe_flags, true,
		self->p[P_UDP4]);
}

TEST_HARNESS_MAIN
