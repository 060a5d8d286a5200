// SPDX-License-Identifier: GPL-2.0
/*
 * bench-load CALLERS SECONDS WARMUP: figure 4, decisions per second with
 * CALLERS processes at once, each opening new TCP connections as fast as its
 * verdicts come: socket(), connect() to 127.0.0.1:BENCH_PORT+2, close().
 * Nothing listens there, so an allowed connect() fails at once with
 * ECONNREFUSED: the caller's cost is the two decisions (socket and
 * connect), not a server's accept(), which would itself wait for a
 * decision in one process and serialize everything behind it.
 *
 * The callers start together once all are forked.  After WARMUP seconds
 * (so that every caller is in its loop), they count their connects and
 * time each connect() (one decision) for SECONDS; the module's counters
 * over the same window give the decisions per second and show that none
 * timed out or overflowed.  A connect() failing otherwise (EPERM: a
 * default verdict) counts as a failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* Latency histogram: 8 buckets per power of two of nanoseconds. */
#define STEPS 8
#define BUCKETS (40 * STEPS)

enum phase { WARM, MEASURE, STOP };

struct caller {
	long connects, failures;
	long hist[BUCKETS];
};

struct shared {
	volatile int phase;
	struct caller c[];
};

static int bucket(uint64_t ns)
{
	int b = ns ? (int)(log2((double)ns) * STEPS) : 0;

	return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
}

/*
 * @go: the read end of a pipe nobody writes to; its end of file (the
 * parent closes its write end once every caller is forked) starts us all
 * at once.  Blocked in read(), the callers forked first cost nothing while
 * the others are forked, as they would polling a flag.
 */
static void caller(struct shared *sh, struct caller *me, int go)
{
	const struct sockaddr_in peer = {
		.sin_family = AF_INET, .sin_port = htons(BENCH_PORT + 2),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char c;

	if (read(go, &c, 1) != 0)
		_exit(1);
	close(go);
	while (sh->phase != STOP) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		uint64_t t0;
		int ok;

		if (fd < 0) {
			if (sh->phase == MEASURE)
				me->failures++;
			continue;
		}
		t0 = now_ns();
		ok = connect(fd, (const struct sockaddr *)&peer, sizeof(peer)) &&
		     errno == ECONNREFUSED;
		if (sh->phase == MEASURE) {
			me->connects++;
			me->failures += !ok;
			me->hist[bucket(now_ns() - t0)]++;
		}
		close(fd);
	}
	_exit(0);
}

/* The @p-th percentile of the summed histograms, in microseconds. */
static double hist_percentile(const long *hist, long total, double p)
{
	long want = (long)ceil(p / 100.0 * (double)total), seen = 0;

	for (int b = 0; b < BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want && seen)
			/* The bucket's geometric middle. */
			return exp2(((double)b + 0.5) / STEPS) / 1000.0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n, secs, warmup, connects = 0, failures = 0, hist[BUCKETS] = { 0 };
	long req0, req1, to0, to1, ov0, ov1;
	struct shared *sh;
	uint64_t t0, t1;
	int go[2];
	size_t size;

	if (argc != 4)
		die("usage: bench-load CALLERS SECONDS WARMUP");
	n = parse_count(argv[1], "CALLERS");
	secs = parse_count(argv[2], "SECONDS");
	warmup = parse_count(argv[3], "WARMUP");
	size = sizeof(*sh) + (size_t)n * sizeof(struct caller);
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %m");

	if (pipe2(go, O_CLOEXEC))
		die("pipe: %m");
	sh->phase = WARM;
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork (caller %ld): %m", i);
		if (pid == 0) {
			close(go[1]);
			caller(sh, &sh->c[i], go[0]);
		}
	}
	close(go[0]);
	close(go[1]);
	sleep((unsigned int)warmup);

	req0 = stat_read("requests");
	to0 = stat_read("timeouts");
	ov0 = stat_read("overflows");
	t0 = now_ns();
	sh->phase = MEASURE;
	usleep((useconds_t)secs * 1000000);
	sh->phase = STOP;
	t1 = now_ns();
	req1 = stat_read("requests");
	to1 = stat_read("timeouts");
	ov1 = stat_read("overflows");
	while (wait(NULL) > 0)
		;

	for (long i = 0; i < n; i++) {
		connects += sh->c[i].connects;
		failures += sh->c[i].failures;
		for (int b = 0; b < BUCKETS; b++)
			hist[b] += sh->c[i].hist[b];
	}
	double el = (double)(t1 - t0) / 1e9;

	printf("fig4 callers=%ld secs=%.2f connects=%ld decisions=%ld "
	       "decisions_per_s=%.0f connects_per_s=%.0f p50_us=%.0f p99_us=%.0f "
	       "failures=%ld timeouts=%ld overflows=%ld\n",
	       n, el, connects, req1 - req0, (double)(req1 - req0) / el,
	       (double)connects / el, hist_percentile(hist, connects, 50),
	       hist_percentile(hist, connects, 99), failures, to1 - to0, ov1 - ov0);
	return failures || to1 != to0 || ov1 != ov0 || !connects;
}
