// SPDX-License-Identifier: GPL-2.0
/*
 * bench-latency ROUNDS SAMPLES daemon|echo|bare: figure 3, the latency of
 * one decision against a pipe ping-pong between two processes (two
 * context switches, the floor of any kernel<->daemon exchange).  Each
 * round times SAMPLES pipe round trips, then SAMPLES decisions, one by
 * one, and prints both p50 and p99; rounds alternate the two.
 *
 * A decision is a connect() of one UDP socket to 127.0.0.1:BENCH_PORT+1:
 * on a datagram socket every connect() is asked, and it sends nothing,
 * so the call is the decision plus a route lookup.  Who decides:
 *   daemon  whoever holds /dev/sactl (sactld, in make bench);
 *   echo    a child of ours that holds it and answers "allow" to every
 *           record it reads: the kernel's part of the exchange alone,
 *           with no daemon work, to split the figure in two;
 *   bare    nobody: no module loaded, no pipe side; the connect() itself.
 * Each round checks that the module counted a request per sample and
 * answered none from its cache.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sactl.h>

#include "bench.h"

#define WARMUP 20

struct pingpong {
	int to_child, from_child;
	pid_t child;
};

static void pingpong_start(struct pingpong *pp)
{
	int a[2], b[2];
	char c;

	if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
		die("pipe: %m");
	pp->child = fork();
	if (pp->child < 0)
		die("fork: %m");
	if (pp->child == 0) {
		/* Echo each byte back until the parent closes its end. */
		close(a[1]);
		close(b[0]);
		while (read(a[0], &c, 1) == 1)
			if (write(b[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	pp->to_child = a[1];
	pp->from_child = b[0];
}

static void pingpong_stop(struct pingpong *pp)
{
	close(pp->to_child);
	close(pp->from_child);
	waitpid(pp->child, NULL, 0);
}

static void time_pipe(struct pingpong *pp, double *us, long n)
{
	char c = 'p';

	for (long i = -WARMUP; i < n; i++) {
		uint64_t t0 = now_ns();

		if (write(pp->to_child, &c, 1) != 1 || read(pp->from_child, &c, 1) != 1)
			die("ping-pong: %m");
		if (i >= 0)
			us[i] = (double)(now_ns() - t0) / 1000.0;
	}
}

/* The echo responder: the smallest daemon there is. */
static pid_t echo_start(void)
{
	int ready[2];
	pid_t pid;
	char c = 'r';

	if (pipe2(ready, O_CLOEXEC))
		die("pipe: %m");
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		int dev = open("/dev/sactl", O_RDWR | O_CLOEXEC);
		struct sactl_request req;

		if (dev < 0)
			die("echo: open /dev/sactl: %m");
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(dev, &req, sizeof(req)) == (ssize_t)sizeof(req)) {
			struct sactl_response resp = {
				.id = req.id, .verdict = SACTL_ALLOW,
			};

			if (req.exe_fd >= 0)
				close(req.exe_fd);
			if (write(dev, &resp, sizeof(resp)) != (ssize_t)sizeof(resp))
				die("echo: write: %m");
		}
		die("echo: read: %m");
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		die("the echo responder did not start");
	close(ready[0]);
	return pid;
}

static void time_decisions(int fd, double *us, long n)
{
	const struct sockaddr_in peer = {
		.sin_family = AF_INET, .sin_port = htons(BENCH_PORT + 1),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	for (long i = -WARMUP; i < n; i++) {
		uint64_t t0 = now_ns();

		if (connect(fd, (const struct sockaddr *)&peer, sizeof(peer)))
			die("connect (sample %ld): %m", i);
		if (i >= 0)
			us[i] = (double)(now_ns() - t0) / 1000.0;
	}
}

int main(int argc, char **argv)
{
	struct pingpong pp = { -1, -1, -1 };
	const char *side;
	bool pipe_too;
	pid_t echo = -1;
	long rounds, n;
	double *us;
	int fd;

	if (argc != 4)
		die("usage: bench-latency ROUNDS SAMPLES daemon|echo|bare");
	rounds = parse_count(argv[1], "ROUNDS");
	n = parse_count(argv[2], "SAMPLES");
	side = argv[3];
	if (strcmp(side, "daemon") && strcmp(side, "echo") && strcmp(side, "bare"))
		die("unknown side %s", side);
	pipe_too = strcmp(side, "bare");
	us = calloc((size_t)n, sizeof(*us));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!us || fd < 0)
		die("setup: %m");
	if (!strcmp(side, "echo"))
		echo = echo_start();
	if (pipe_too)
		pingpong_start(&pp);

	for (long r = 1; r <= rounds; r++) {
		long req0 = stat_read("requests"), hit0 = stat_read("cache_hits");
		long req1, hit1;
		double p50, p99;

		if (pipe_too) {
			time_pipe(&pp, us, n);
			p50 = percentile(us, (size_t)n, 50);
			p99 = percentile(us, (size_t)n, 99);
			printf("fig3 round=%ld side=pipe n=%ld p50_us=%.1f p99_us=%.1f\n",
			       r, n, p50, p99);
		}
		time_decisions(fd, us, n);
		p50 = percentile(us, (size_t)n, 50);
		p99 = percentile(us, (size_t)n, 99);
		req1 = stat_read("requests");
		hit1 = stat_read("cache_hits");
		printf("fig3 round=%ld side=%s n=%ld p50_us=%.1f p99_us=%.1f requests=%ld cache_hits=%ld\n",
		       r, side, n, p50, p99,
		       req0 < 0 ? -1 : req1 - req0, hit0 < 0 ? 0 : hit1 - hit0);
		fflush(stdout);
		/* The figure is the daemon path: every sample must have been asked. */
		if (pipe_too && (req0 < 0 || req1 - req0 < n + WARMUP))
			die("round %ld: %ld requests counted for %ld decisions",
			    r, req1 - req0, n + WARMUP);
		if (pipe_too && hit0 >= 0 && hit1 != hit0)
			die("round %ld: %ld answered from the cache", r, hit1 - hit0);
	}
	if (pipe_too)
		pingpong_stop(&pp);
	if (echo > 0) {
		kill(echo, SIGKILL);
		waitpid(echo, NULL, 0);
	}
	close(fd);
	free(us);
	return 0;
}
