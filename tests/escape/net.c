// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes by the plain socket calls, made by this program itself:
 * connect (IPv4, IPv6, IPv4-mapped IPv6), bind (also SO_REUSEPORT onto a
 * live listener's port), listen (also without bind: autobind), accept,
 * datagrams to explicit addresses (sendto, sendmsg, sendmmsg with one
 * address many times, AF_INET and AF_UNSPEC names on other families), and
 * TCP Fast Open.  Each must fail with sactl's errno, reach no peer, and be
 * a deny in sactld's log.  Sockets handed over by esc-peer that were
 * connected before sactld attached are the known limit: they work.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "esc_harness.h"

/* net: once per variant below; one: tests of their own. */
FIXTURE(net) {
	int p[P_NFDS];
};
FIXTURE_SETUP(net) { ASSERT_EQ(0, peers_get(self->p)); }
FIXTURE_TEARDOWN(net) { peers_put(self->p); }

FIXTURE(one) {
	int p[P_NFDS];
};
FIXTURE_SETUP(one) { ASSERT_EQ(0, peers_get(self->p)); }
FIXTURE_TEARDOWN(one) { peers_put(self->p); }

/* ---- connect -------------------------------------------------------------- */

FIXTURE_VARIANT(net) {
	int family, type;
	const char *ip;		/* what is connected/sent to */
	int peer;		/* who would see it */
	const char *logged;	/* the address as sactld logs it */
};

/* The TCP variants use the listeners, the UDP ones the sinks. */
FIXTURE_VARIANT_ADD(net, tcp4) {
	AF_INET, SOCK_STREAM, "127.0.0.1", P_TCP4, "-> 127.0.0.1:7001 ",
};
FIXTURE_VARIANT_ADD(net, tcp6) {
	AF_INET6, SOCK_STREAM, "::1", P_TCP6, "-> [::1]:7001 ",
};
FIXTURE_VARIANT_ADD(net, tcp_v4mapped) {
	AF_INET6, SOCK_STREAM, "::ffff:127.0.0.1", P_TCP4, "-> 127.0.0.1:7001 ",
};
FIXTURE_VARIANT_ADD(net, udp4) {
	AF_INET, SOCK_DGRAM, "127.0.0.1", P_UDP4, "-> 127.0.0.1:7002 ",
};
FIXTURE_VARIANT_ADD(net, udp6) {
	AF_INET6, SOCK_DGRAM, "::1", P_UDP6, "-> [::1]:7002 ",
};
FIXTURE_VARIANT_ADD(net, udp_v4mapped) {
	AF_INET6, SOCK_DGRAM, "::ffff:127.0.0.1", P_UDP4, "-> 127.0.0.1:7002 ",
};

static unsigned int port_of(int type)
{
	return type == SOCK_STREAM ? PORT_TCP : PORT_UDP;
}

/* Nothing reached @fd: no connection queued, no datagram. */
static bool peer_untouched(int fd, int type)
{
	return type == SOCK_STREAM ? listener_idle(fd) : udp_drain(fd) == 0;
}

TEST_F(net, connect)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, variant->ip, port_of(variant->type));
	int fd = socket(variant->family, variant->type, 0);
	int r;

	ASSERT_LE(0, fd);
	r = connect(fd, (struct sockaddr *)&ss, len);
	EXPECT_REFUSED(r, EPERM, "connect", variant->logged);
	/* A UDP socket whose connect failed has no default peer either. */
	if (variant->type == SOCK_DGRAM)
		EXPECT_EQ(-1, send(fd, "x", 1, 0));
	EXPECT_TRUE(peer_untouched(self->p[variant->peer], variant->type));
	close(fd);
}

/* sendto() on a fresh socket: for TCP, Fast Open (a connect by sendto). */
TEST_F(net, sendto)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, variant->ip, port_of(variant->type));
	int fd = socket(variant->family, variant->type, 0);
	int flags = variant->type == SOCK_STREAM ? MSG_FASTOPEN : 0;
	ssize_t r;

	ASSERT_LE(0, fd);
	r = sendto(fd, "x", 1, flags, (struct sockaddr *)&ss, len);
	EXPECT_REFUSED(r, EPERM, variant->type == SOCK_STREAM ? "connect" : "send",
		       variant->logged);
	EXPECT_TRUE(peer_untouched(self->p[variant->peer], variant->type));
	close(fd);
}

/* ---- datagrams ------------------------------------------------------------ */

TEST_F(one, sendmsg_udp4)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = {
		.msg_name = &ss, .msg_namelen = sa_make(&ss, "127.0.0.1", PORT_UDP),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	EXPECT_REFUSED(sendmsg(fd, &m, 0), EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
	close(fd);
}

/*
 * The same address N times: the kernel skips the LSM for a repeat; sactl
 * must not.  Whatever sendmmsg() returns, nothing may arrive.
 */
TEST_F(one, sendmmsg_same_address)
{
	enum { N = 8 };
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct mmsghdr mm[N];
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_UDP);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int r;

	ASSERT_LE(0, fd);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < N; i++) {
		mm[i].msg_hdr.msg_name = &ss;
		mm[i].msg_hdr.msg_namelen = len;
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = sendmmsg(fd, mm, N, 0);
	EXPECT_REFUSED(r, EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
	/* Each message sent must have had its own decision. */
	EXPECT_GE(log_count(getpid(), "send"), r < 0 ? 1 : r);
	close(fd);
}

/* An AF_INET name on an IPv6 UDP socket sends over IPv4. */
TEST_F(one, sendto_inet_name_on_udp6)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_UDP);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	EXPECT_REFUSED(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len),
		       EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
	close(fd);
}

/* IPv4 UDP takes an AF_UNSPEC name as AF_INET (udp_sendmsg). */
TEST_F(one, sendto_unspec_name_on_udp4)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_UDP);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	ss.ss_family = AF_UNSPEC;
	EXPECT_REFUSED(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len),
		       EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
	close(fd);
}

/*
 * IPv6 UDP reads an AF_UNSPEC name as no name at all (sactl does not ask):
 * on an unconnected socket there is nowhere to send.
 */
TEST_F(one, sendto_unspec_name_on_udp6)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "::1", PORT_UDP);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	ss.ss_family = AF_UNSPEC;
	EXPECT_EQ(-1, sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len));
	EXPECT_EQ(EDESTADDRREQ, errno);
	EXPECT_EQ(0, udp_drain(self->p[P_UDP6]));
	close(fd);
}

/* A socket the peer made before sactld attached, never connected. */
TEST_F(one, sendto_on_socket_from_before_attach)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_UDP);

	EXPECT_REFUSED(sendto(self->p[P_UNCONN], "x", 1, 0,
			      (struct sockaddr *)&ss, len),
		       EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
}

/*
 * Known limit (SECURITY.md): a UDP socket connected before sactld attached
 * sends to its peer without a question; a name elsewhere is still asked.
 */
TEST_F(one, limit_udp_connected_before_attach)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_UDP);

	EXPECT_EQ(1, send(self->p[P_UCONN], "x", 1, 0));
	EXPECT_EQ(1, udp_drain(self->p[P_USINK]));
	EXPECT_EQ(0, log_count(getpid(), "send"));
	EXPECT_REFUSED(sendto(self->p[P_UCONN], "x", 1, 0,
			      (struct sockaddr *)&ss, len),
		       EPERM, "send", "-> 127.0.0.1:7002 ");
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
}

/* Known limit: a TCP connection from before attach carries data. */
TEST_F(one, limit_tcp_connected_before_attach)
{
	char b = 0;

	EXPECT_EQ(1, write(self->p[P_CONN_C], "y", 1));
	EXPECT_EQ(1, read(self->p[P_CONN_S], &b, 1));
	EXPECT_EQ('y', b);
}

/* ---- bind, listen, accept ------------------------------------------------- */

TEST_F(net, bind)
{
	struct sockaddr_storage ss;
	char what[64];
	unsigned int port = variant->type == SOCK_STREAM ? PORT_FREE : PORT_FREE + 1;
	socklen_t len = sa_make(&ss, variant->ip, port);
	int fd = socket(variant->family, variant->type, 0);

	ASSERT_LE(0, fd);
	snprintf(what, sizeof(what), "%s:%u ->",
		 variant->family == AF_INET6 && strcmp(variant->ip, "::1") ?
		 "127.0.0.1" : variant->family == AF_INET6 ? "[::1]" : variant->ip,
		 port);
	EXPECT_REFUSED(bind(fd, (struct sockaddr *)&ss, len), EPERM, "bind", what);
	len = sizeof(ss);
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(0, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	close(fd);
}

/* SO_REUSEPORT onto the port of a listener that exists. */
TEST_F(one, bind_reuseport_onto_listener)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_TCP);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	EXPECT_REFUSED(bind(fd, (struct sockaddr *)&ss, len), EPERM, "bind",
		       "127.0.0.1:7001 ->");
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(2, listeners_on(PORT_TCP));	/* the peer's two */
	close(fd);
}

/* Listening sockets: TCP only, IPv4 and IPv6 (one fixture per family). */
FIXTURE(tcp) {
	int p[P_NFDS];
};
FIXTURE_SETUP(tcp) { ASSERT_EQ(0, peers_get(self->p)); }
FIXTURE_TEARDOWN(tcp) { peers_put(self->p); }

FIXTURE_VARIANT(tcp) {
	int family;
	int pend;		/* the peer's listener with connections queued */
	const char *logged;	/* its address as sactld logs it */
	bool four;		/* accept4() rather than accept() */
};
FIXTURE_VARIANT_ADD(tcp, v4) { AF_INET, P_PEND4, "127.0.0.1:7003 ->", true };
FIXTURE_VARIANT_ADD(tcp, v6) { AF_INET6, P_PEND6, "[::1]:7003 ->", false };

/* listen() on an unbound socket binds it to some port itself. */
TEST_F(tcp, listen_autobind)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(variant->family, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	EXPECT_REFUSED(listen(fd, 8), EPERM, "listen", NULL);
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(0, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	close(fd);
}

/* A connection waits in the peer's queue: accept() is decided. */
TEST_F(tcp, accept)
{
	int lfd = self->p[variant->pend];

	/* The control: the peer check does see a queued connection. */
	ASSERT_FALSE(listener_idle(lfd));
	EXPECT_REFUSED(variant->four ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) :
		       accept(lfd, NULL, NULL), ECONNABORTED, "accept",
		       variant->logged);
}

/* A socket bound before attach (so its port is taken) listens now. */
TEST_F(one, listen_on_socket_bound_before_attach)
{
	EXPECT_REFUSED(listen(self->p[P_BOUND], 8), EPERM, "listen",
		       "127.0.0.1:7005 ->");
	EXPECT_EQ(0, listeners_on(PORT_BOUND));
}

TEST_HARNESS_MAIN
