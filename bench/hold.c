// SPDX-License-Identifier: GPL-2.0
/*
 * bench-hold N ROUNDS: figure 6, the kernel memory one pending request
 * costs.  Per round, N children each open a UDP socket (while nobody
 * holds the device, so that is allowed at once) and wait on a pipe; the
 * slab caches are read twice: with the children still waiting on the
 * pipe, and with each of them blocked in connect() for a verdict that
 * never comes (we hold /dev/sactl and never read it).  The same processes
 * and sockets in both; what grew is the requests.  Prints the caches that
 * grew by about one object per request (slab.h says why not Slab).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "slab.h"

static void child(int go, int ready)
{
	const struct sockaddr_in peer = {
		.sin_family = AF_INET, .sin_port = htons(BENCH_PORT + 3),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char c = 'r';

	if (fd < 0 || write(ready, &c, 1) != 1)
		_exit(1);
	if (read(go, &c, 1) != 1)
		_exit(0);
	connect(fd, (const struct sockaddr *)&peer, sizeof(peer));
	_exit(0);
}

static void wait_pending(long n)
{
	for (int i = 0; i < 1200 && stat_read("pending") < n; i++)
		usleep(50000);
	if (stat_read("pending") != n)
		die("%ld requests pending, expected %ld", stat_read("pending"), n);
}

static void one_round(long n, long round)
{
	static struct slab_snap waiting, pending;
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	int go[2], ready[2], dev;
	char prefix[64], c;

	if (!kids || pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		die("setup: %m");
	for (long i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork: %m");
		if (kids[i] == 0)
			child(go[0], ready[1]);
	}
	for (long i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1)
			die("a child failed to start");
	/* Attached in both readings: the daemon's side is no part of it. */
	dev = open("/dev/sactl", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("open /dev/sactl: %m");
	wait_pending(0);
	slab_snapshot(&waiting);

	for (long i = 0; i < n; i++)
		if (write(go[1], &c, 1) != 1)
			die("write: %m");
	wait_pending(n);
	slab_snapshot(&pending);

	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	close(dev);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	free(kids);
	if (!round)
		return;
	printf("fig6 round=%ld requests=%ld\n", round, n);
	/* Caches that grew by one object per request or more, about. */
	snprintf(prefix, sizeof(prefix), "fig6slab round=%ld", round);
	slab_print_growth(prefix, &waiting, &pending, n * 9 / 10);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long n, rounds;

	if (argc != 3)
		die("usage: bench-hold N ROUNDS");
	n = parse_count(argv[1], "N");
	rounds = parse_count(argv[2], "ROUNDS");
	/* Round 0 is a warm-up, not printed: first-time allocations. */
	for (long r = 0; r <= rounds; r++)
		one_round(n, r);
	return 0;
}
