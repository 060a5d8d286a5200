// SPDX-License-Identifier: GPL-2.0
/*
 * bench-listen: the peer of the measured loops, on 127.0.0.1:BENCH_PORT:
 * a TCP listener that accepts and closes, and a UDP socket the datagrams
 * go to (never read: once its buffer is full the kernel drops them, which
 * costs the sender the same on both sides of a comparison).
 *
 * Started before the module is loaded, so that its own socket(), bind()
 * and listen() are not asked; its accept()s are (bench-cached covers them).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

static int bound(int type)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(BENCH_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %m");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind %d: %m", BENCH_PORT);
	return fd;
}

int main(void)
{
	int lfd = bound(SOCK_STREAM), ufd = bound(SOCK_DGRAM);

	if (listen(lfd, 4096))
		die("listen: %m");
	printf("listening on 127.0.0.1:%d (tcp, udp fd %d)\n", BENCH_PORT, ufd);
	fflush(stdout);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			close(fd);
		else if (errno != EINTR && errno != ECONNABORTED && errno != EPERM)
			die("accept: %m");
	}
}
