// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes by ICMP: ping sockets (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6; the
 * configuration lets socket() of "icmp" through, as the example does) and
 * raw sockets (socket() is denied; esc-peer made one of each family
 * before sactld attached, as a program with CAP_NET_RAW could have).
 * Echo requests to loopback would be answered by the kernel, so the peer
 * is the kernel: its InEchos counters must not move.  Every datagram named
 * by the sender is asked, whatever the family field of the name says.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "esc_harness.h"

FIXTURE(raw) {
	int p[P_NFDS];
	long in4, in6;		/* echo requests the kernel got so far */
};

FIXTURE_SETUP(raw)
{
	ASSERT_EQ(0, peers_get(self->p));
	self->in4 = snmp("Icmp", "InEchos");
	self->in6 = snmp("Icmp6InEchos", NULL);
	ASSERT_LE(0, self->in4);
	ASSERT_LE(0, self->in6);
}

FIXTURE_TEARDOWN(raw)
{
	peers_put(self->p);
}

/* No echo request reached the kernel (give loopback a moment). */
#define EXPECT_NO_ECHO() do {						\
	usleep(200 * 1000);						\
	EXPECT_EQ(self->in4, snmp("Icmp", "InEchos"));			\
	EXPECT_EQ(self->in6, snmp("Icmp6InEchos", NULL));		\
} while (0)

static uint16_t csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	if (len)
		s += *(const uint8_t *)w;
	s = (s >> 16) + (s & 0xffff);
	s += s >> 16;
	return (uint16_t)~s;
}

/* An echo request; with a checksum for IPv4 (IPv6: the kernel's job). */
static size_t echo(void *buf, bool v6)
{
	struct icmphdr *h = buf;

	memset(buf, 0, 16);
	h->type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	h->un.echo.id = htons(0x5ac7);
	h->un.echo.sequence = htons(1);
	if (!v6)
		h->checksum = csum(buf, 16);
	return 16;
}

static ssize_t send_echo(int fd, bool v6, const char *ip, int family)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, ip, 0);
	char buf[16];

	ss.ss_family = family;
	return sendto(fd, buf, echo(buf, v6), 0, (struct sockaddr *)&ss, len);
}

TEST_F(raw, ping4_sendto)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);

	ASSERT_LE(0, fd) TH_LOG("ping socket: %s (ping_group_range?)", strerror(errno));
	EXPECT_REFUSED(send_echo(fd, false, "127.0.0.1", AF_INET), EPERM,
		       "send", "-> 127.0.0.1:");
	EXPECT_NO_ECHO();
	close(fd);
}

TEST_F(raw, ping4_connect)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", 0);
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	char buf[16];

	ASSERT_LE(0, fd);
	EXPECT_REFUSED(connect(fd, (struct sockaddr *)&ss, len), EPERM,
		       "connect", "-> 127.0.0.1:");
	EXPECT_EQ(-1, send(fd, buf, echo(buf, false), 0));
	EXPECT_NO_ECHO();
	close(fd);
}

TEST_F(raw, ping6_sendto)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);

	ASSERT_LE(0, fd);
	EXPECT_REFUSED(send_echo(fd, true, "::1", AF_INET6), EPERM,
		       "send", "-> [::1]:");
	EXPECT_NO_ECHO();
	close(fd);
}

/* socket() itself: raw sockets are denied by a rule, even to root. */
TEST_F(raw, raw_socket)
{
	EXPECT_REFUSED_BY_RULE(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM,
			       "socket", NULL);
}

TEST_F(raw, raw6_socket)
{
	EXPECT_REFUSED_BY_RULE(socket(AF_INET6, SOCK_RAW, IPPROTO_UDP), EPERM,
			       "socket", NULL);
}

/* Raw sockets made before sactld attached: each datagram is asked. */
TEST_F(raw, raw4_from_before_attach)
{
	EXPECT_REFUSED(send_echo(self->p[P_RAW4], false, "127.0.0.1", AF_INET),
		       EPERM, "send", "-> 127.0.0.1:");
	EXPECT_NO_ECHO();
}

/* raw_sendmsg() takes a name of family 0 as AF_INET. */
TEST_F(raw, raw4_unspec_name)
{
	EXPECT_REFUSED(send_echo(self->p[P_RAW4], false, "127.0.0.1", AF_UNSPEC),
		       EPERM, "send", "-> 127.0.0.1:");
	EXPECT_NO_ECHO();
}

TEST_F(raw, raw6_from_before_attach)
{
	EXPECT_REFUSED(send_echo(self->p[P_RAW6], true, "::1", AF_INET6),
		       EPERM, "send", "-> [::1]:");
	EXPECT_NO_ECHO();
}

/* rawv6_sendmsg() takes a name of family 0 as AF_INET6, too. */
TEST_F(raw, raw6_unspec_name)
{
	EXPECT_REFUSED(send_echo(self->p[P_RAW6], true, "::1", AF_UNSPEC),
		       EPERM, "send", NULL);
	EXPECT_NO_ECHO();
}

TEST_HARNESS_MAIN
