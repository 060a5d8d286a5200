// SPDX-License-Identifier: GPL-2.0
/*
 * bench-loop connect|udp N: the loops of figures 1 and 2, timed as a
 * whole (no clock read inside, so the loop is all system calls):
 *   connect  N times socket() + connect() to bench-listen, read() until
 *            bench-listen has accept()ed and closed, close()
 *   udp      one unconnected UDP socket, N times sendto() bench-listen
 * The read() puts the listener's side of each connection inside the loop:
 * without it this loop never sleeps, the listener's accept() and close()
 * ran whenever the scheduler preempted us, in the timed loop or after it,
 * and the loop took 10% less in some boots than in others.
 * Any failing call is fatal: a denied or refused call would measure
 * something else.  Prints "loop=... n=... ns_per_op=...".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

static struct sockaddr_in peer = { .sin_family = AF_INET };

static void connect_loop(long n)
{
	char byte;

	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket (call %ld): %m", i);
		if (connect(fd, (const struct sockaddr *)&peer, sizeof(peer)))
			die("connect (call %ld): %m", i);
		if (read(fd, &byte, 1) != 0)
			die("read (call %ld): no end of file: %m", i);
		close(fd);
	}
}

static void udp_loop(long n)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char byte = 'x';

	if (fd < 0)
		die("socket: %m");
	for (long i = 0; i < n; i++)
		if (sendto(fd, &byte, 1, 0, (const struct sockaddr *)&peer,
			   sizeof(peer)) != 1)
			die("sendto (call %ld): %m", i);
	close(fd);
}

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	long n;

	if (argc != 3)
		die("usage: bench-loop connect|udp N");
	n = parse_count(argv[2], "N");
	peer.sin_port = htons(BENCH_PORT);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t0 = now_ns();
	if (!strcmp(argv[1], "connect"))
		connect_loop(n);
	else if (!strcmp(argv[1], "udp"))
		udp_loop(n);
	else
		die("unknown loop %s", argv[1]);
	t1 = now_ns();
	printf("loop=%s n=%ld ns_per_op=%.0f\n", argv[1], n,
	       (double)(t1 - t0) / (double)n);
	return 0;
}
