// SPDX-License-Identifier: GPL-2.0
/*
 * Under the strictest configuration (no rule at all, default deny, no
 * agent), socket() itself is refused for every IPv4/IPv6 kind, by the
 * system call and by io_uring's IORING_OP_SOCKET, and sactld logged each.
 * escape.sh runs this before it allows socket() for the other programs.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "esc_harness.h"

FIXTURE(sock) {
};

FIXTURE_VARIANT(sock) {
	int family, type, protocol;
};

FIXTURE_VARIANT_ADD(sock, tcp4) { AF_INET, SOCK_STREAM, 0 };
FIXTURE_VARIANT_ADD(sock, tcp6) { AF_INET6, SOCK_STREAM, 0 };
FIXTURE_VARIANT_ADD(sock, udp4) { AF_INET, SOCK_DGRAM, 0 };
FIXTURE_VARIANT_ADD(sock, udp6) { AF_INET6, SOCK_DGRAM, 0 };
FIXTURE_VARIANT_ADD(sock, ping4) { AF_INET, SOCK_DGRAM, IPPROTO_ICMP };
FIXTURE_VARIANT_ADD(sock, ping6) { AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6 };
FIXTURE_VARIANT_ADD(sock, raw4) { AF_INET, SOCK_RAW, IPPROTO_ICMP };
FIXTURE_VARIANT_ADD(sock, raw6) { AF_INET6, SOCK_RAW, IPPROTO_RAW };

FIXTURE_SETUP(sock)
{
}

FIXTURE_TEARDOWN(sock)
{
}

TEST_F(sock, syscall)
{
	EXPECT_REFUSED(socket(variant->family, variant->type, variant->protocol),
		       EPERM, "socket", NULL);
}

TEST_F(sock, io_uring)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int r = io_uring_queue_init(2, &ring, 0);

	ASSERT_EQ(0, r) TH_LOG("io_uring_queue_init: %s", strerror(-r));
	sqe = io_uring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_socket(sqe, variant->family, variant->type,
			     variant->protocol, 0);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	r = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	errno = r < 0 ? -r : 0;
	EXPECT_REFUSED(r < 0 ? -1 : r, EPERM, "socket", NULL);
}

TEST_HARNESS_MAIN
