// SPDX-License-Identifier: GPL-2.0
/*
 * esc-peer: the peers of the escape tests.  Started by tests/vm/escape.sh
 * BEFORE sactld attaches, so the module's detached verdict (allow) lets it
 * listen, bind and connect without any rule of the deny-all configuration
 * allowing it.  It then hands all its sockets (escape.h, enum peer_fd) to
 * whoever connects to its AF_UNIX socket, with SCM_RIGHTS, so that each
 * test looks at the peers itself: a listener's queue, a sink's datagrams.
 *
 *   esc-peer SOCKPATH     prints "ready" once everything is set up
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "escape.h"

static void die(const char *what)
{
	fprintf(stderr, "esc-peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int sock_at(int type, int proto, const char *ip, unsigned int port,
		   bool listening)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, ip, port);
	int one = 1, fd = socket(ss.ss_family, type, proto);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* So that a same-user SO_REUSEPORT bind could join the listeners. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (port && bind(fd, (struct sockaddr *)&ss, len))
		die(ip);
	if (listening && listen(fd, 64))
		die("listen");
	return fd;
}

static int connected(int type, const char *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, ip, port);
	int fd = socket(ss.ss_family, type, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cbuf[CMSG_SPACE(sizeof(int) * P_NFDS)];
	int fd[P_NFDS], srv;

	if (argc != 2)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	fd[P_TCP4] = sock_at(SOCK_STREAM, 0, "127.0.0.1", PORT_TCP, true);
	fd[P_TCP6] = sock_at(SOCK_STREAM, 0, "::1", PORT_TCP, true);
	fd[P_UDP4] = sock_at(SOCK_DGRAM, 0, "127.0.0.1", PORT_UDP, false);
	fd[P_UDP6] = sock_at(SOCK_DGRAM, 0, "::1", PORT_UDP, false);
	fd[P_PEND4] = sock_at(SOCK_STREAM, 0, "127.0.0.1", PORT_PEND, true);
	fd[P_PEND6] = sock_at(SOCK_STREAM, 0, "::1", PORT_PEND, true);
	/* Queued, never accepted here: the tests' accept() is decided.  The
	 * client ends stay open (and leak on purpose) so the queue holds.
	 */
	for (int i = 0; i < PEND_QUEUED; i++) {
		connected(SOCK_STREAM, "127.0.0.1", PORT_PEND);
		connected(SOCK_STREAM, "::1", PORT_PEND);
	}
	srv = sock_at(SOCK_STREAM, 0, "127.0.0.1", PORT_TCP + 100, true);
	fd[P_CONN_C] = connected(SOCK_STREAM, "127.0.0.1", PORT_TCP + 100);
	fd[P_CONN_S] = accept(srv, NULL, NULL);
	if (fd[P_CONN_S] < 0)
		die("accept");
	close(srv);
	fd[P_USINK] = sock_at(SOCK_DGRAM, 0, "127.0.0.1", PORT_UCONN, false);
	fd[P_UCONN] = connected(SOCK_DGRAM, "127.0.0.1", PORT_UCONN);
	fd[P_UNCONN] = sock_at(SOCK_DGRAM, 0, "127.0.0.1", 0, false);
	fd[P_BOUND] = sock_at(SOCK_STREAM, 0, "127.0.0.1", PORT_BOUND, false);
	fd[P_RAW4] = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	fd[P_RAW6] = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd[P_RAW4] < 0 || fd[P_RAW6] < 0)
		die("raw socket");

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	unlink(sun.sun_path);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(srv, 16))
		die(argv[1]);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		char b = 'p';
		struct iovec iov = { .iov_base = &b, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		int cl = accept(srv, NULL, NULL);

		if (cl < 0)
			continue;
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * P_NFDS);
		memcpy(CMSG_DATA(c), fd, sizeof(int) * P_NFDS);
		if (sendmsg(cl, &msg, 0) != 1)
			perror("esc-peer: sendmsg");
		close(cl);
	}
}
