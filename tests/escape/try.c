// SPDX-License-Identifier: GPL-2.0
/*
 * esc-try: one socket call, made by a program other than the test, then
 * "errno N" on stdout (0: the call worked).  The escape tests run it (or
 * copies of it: setuid, replaced on disk, deleted, from a memfd) so that
 * sactld has to decide for *this* executable, pid and user.
 *
 *   esc-try [-w] connect IP PORT          new TCP socket, connect()
 *   esc-try [-w] sendto IP PORT           new UDP socket, sendto()
 *   esc-try [-w] fdconnect FD IP PORT     connect() an inherited socket
 *   esc-try [-w] fdsend FD IP|- PORT      sendto() on it ("-": send())
 *   esc-try [-w] recvfd UNIX connect|send IP|- PORT
 *                                         the socket comes by SCM_RIGHTS
 *                                         on the AF_UNIX socket fd UNIX
 *   esc-try raw                           socket(AF_INET, SOCK_RAW, ICMP)
 * -w: wait for a byte on stdin first (the test changes something
 * meanwhile, e.g. renames another file over ours).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "escape.h"

static int result(int ok)
{
	printf("errno %d\n", ok ? 0 : errno);
	return 0;
}

static int do_connect(int fd, const char *ip, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, ip, atoi(port));

	return result(connect(fd, (struct sockaddr *)&ss, len) == 0);
}

static int do_send(int fd, const char *ip, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (!strcmp(ip, "-"))
		return result(send(fd, "x", 1, 0) == 1);
	len = sa_make(&ss, ip, atoi(port));
	return result(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) == 1);
}

static int family_of(const char *ip)
{
	return strchr(ip, ':') ? AF_INET6 : AF_INET;
}

/* One socket from the AF_UNIX socket @unix_fd, or -1. */
static int recv_fd(int unix_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(unix_fd, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int main(int argc, char **argv)
{
	char b;
	int fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-w")) {
		if (read(0, &b, 1) != 1)
			return 2;
		argv++;
		argc--;
	}
	if (argc == 4 && !strcmp(argv[1], "connect")) {
		fd = socket(family_of(argv[2]), SOCK_STREAM, 0);
		return fd < 0 ? result(0) : do_connect(fd, argv[2], argv[3]);
	}
	if (argc == 4 && !strcmp(argv[1], "sendto")) {
		fd = socket(family_of(argv[2]), SOCK_DGRAM, 0);
		return fd < 0 ? result(0) : do_send(fd, argv[2], argv[3]);
	}
	if (argc == 5 && !strcmp(argv[1], "fdconnect"))
		return do_connect(atoi(argv[2]), argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "fdsend"))
		return do_send(atoi(argv[2]), argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "recvfd")) {
		fd = recv_fd(atoi(argv[2]));
		if (fd < 0) {
			printf("no fd received\n");
			return 1;
		}
		if (!strcmp(argv[3], "connect"))
			return do_connect(fd, argv[4], argv[5]);
		return do_send(fd, argv[4], argv[5]);
	}
	if (argc == 2 && !strcmp(argv[1], "raw"))
		return result(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0);
	fprintf(stderr, "esc-try: bad arguments\n");
	return 2;
}
