// SPDX-License-Identifier: GPL-2.0
/*
 * bench-cached: a stand-in daemon for figures 2 and 6 that decides
 * nothing itself.  It holds /dev/sactl, puts allow rules in the module's
 * verdict cache for the bench programs' calls to bench-listen, and runs a
 * command, which (a child: the holder's own thread group is never asked)
 * then gets its verdicts from the cache.
 *
 *   bench-cached [--fill N] [--mem] [-- CMD ARG...]
 *
 * --fill N adds N more rules (denies for other addresses, which the
 * measured calls never match) and --mem prints the slab caches that grew
 * by about one object per rule while adding them (figure 6).  A request that reaches the device was
 * missed by the cache: it is answered "allow" (so the command does not
 * hang) and counted; any miss is reported and fails the run, since the
 * figure would then measure the daemon path.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sactl.h>

#include "bench.h"
#include "slab.h"

#define OPS(x) (1u << SACTL_OP_##x)

/* A rule for the program at @exe, IPv4, the other fields from the caller. */
static struct sactl_cache_rule exe_rule(const char *exe, unsigned int ops)
{
	struct sactl_cache_rule r = {
		.size = sizeof(r), .ops = ops, .verdict = SACTL_ALLOW,
		.match = SACTL_MATCH_EXE | SACTL_MATCH_FAMILY,
		.family = AF_INET,
	};
	struct stat st;

	if (stat(exe, &st))
		die("stat %s: %m", exe);
	r.exe_dev = st.st_dev;
	r.exe_ino = st.st_ino;
	r.exe_ctime_sec = st.st_ctim.tv_sec;
	r.exe_ctime_nsec = (__u32)st.st_ctim.tv_nsec;
	return r;
}

static void add(int dev, struct sactl_cache_rule *r)
{
	if (ioctl(dev, SACTL_IOC_CACHE_ADD, r))
		die("SACTL_IOC_CACHE_ADD: %m");
}

/* The rules a real daemon would hand over for the bench programs. */
static void add_bench_rules(int dev)
{
	struct sactl_cache_rule r;
	const __u8 lo[4] = { 127, 0, 0, 1 };

	r = exe_rule("/bench/bench-loop", OPS(SOCKET));
	add(dev, &r);

	r = exe_rule("/bench/bench-loop", OPS(CONNECT) | OPS(SEND));
	r.match |= SACTL_MATCH_ADDR | SACTL_MATCH_PORT;
	r.port_lo = r.port_hi = BENCH_PORT;
	r.prefix_len = 32;
	memcpy(r.addr, lo, sizeof(lo));
	add(dev, &r);

	/* accept() is about the peer: loopback, any port. */
	r = exe_rule("/bench/bench-listen", OPS(ACCEPT));
	r.match |= SACTL_MATCH_ADDR;
	r.prefix_len = 32;
	memcpy(r.addr, lo, sizeof(lo));
	add(dev, &r);
}

/* @n distinct rules no bench call matches: denies for 10.x.y.z:port. */
static void fill(int dev, long n)
{
	for (long i = 0; i < n; i++) {
		struct sactl_cache_rule r = {
			.size = sizeof(r), .ops = OPS(CONNECT),
			.verdict = SACTL_DENY,
			.match = SACTL_MATCH_FAMILY | SACTL_MATCH_ADDR |
				 SACTL_MATCH_PORT,
			.family = AF_INET, .prefix_len = 32,
			.port_lo = (__u16)(1 + i % 60000),
			.addr = { 10, (__u8)(i >> 16), (__u8)(i >> 8), (__u8)i },
		};
		r.port_hi = r.port_lo;
		add(dev, &r);
	}
}

/* Answer "allow" to whatever reached the device; how many there were. */
static long answer_misses(int dev)
{
	struct sactl_request req;
	long n = 0;

	while (read(dev, &req, sizeof(req)) == (ssize_t)sizeof(req)) {
		struct sactl_response resp = {
			.id = req.id, .verdict = SACTL_ALLOW,
		};

		if (req.exe_fd >= 0)
			close(req.exe_fd);
		if (write(dev, &resp, sizeof(resp)) != (ssize_t)sizeof(resp))
			die("write response: %m");
		fprintf(stderr, "bench-cached: cache miss: op %u pid %u port %u\n",
			req.op, req.pid, req.remote.port);
		n++;
	}
	return n;
}

/* Run @argv while answering misses; its exit status, 3 for any miss. */
static int run(int dev, char **argv)
{
	pid_t pid = fork();
	long misses = 0;
	int status;

	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		execv(argv[0], argv);
		die("exec %s: %m", argv[0]);
	}
	for (;;) {
		struct pollfd p = { .fd = dev, .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			misses += answer_misses(dev);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	misses += answer_misses(dev);
	printf("cache_misses=%ld\n", misses);
	if (misses)
		return 3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

int main(int argc, char **argv)
{
	static struct slab_snap before, after;
	long extra = 0;
	bool mem = false;
	int i, dev, rc = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fill") && i + 1 < argc)
			extra = parse_count(argv[++i], "--fill");
		else if (!strcmp(argv[i], "--mem"))
			mem = true;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			die("usage: bench-cached [--fill N] [--mem] [-- CMD ARG...]");
	}

	dev = open("/dev/sactl", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (dev < 0)
		die("open /dev/sactl: %m");
	add_bench_rules(dev);
	if (mem)
		slab_snapshot(&before);
	fill(dev, extra);
	if (mem) {
		slab_snapshot(&after);
		printf("fig6cache rules=%ld in_cache=%ld\n", extra,
		       stat_read("cache_rules"));
		slab_print_growth("fig6cacheslab", &before, &after,
				  extra * 9 / 10);
	}
	if (i < argc)
		rc = run(dev, argv + i);
	fflush(stdout);
	close(dev);
	return rc;
}
