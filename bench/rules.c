// SPDX-License-Identifier: GPL-2.0
/*
 * bench-rules ROUNDS SAMPLES SIZE...: figure 5, on the host.  One real
 * sactld per SIZE, each on a generated sactl.conf of SIZE rules and a
 * device double (tests/host/daemon_double.c) in place of /dev/sactl.
 * Each round sends every daemon SAMPLES connect requests one at a time
 * and times each round trip (send, decide, answer); the daemons take
 * turns request by request.  Then each daemon's resident memory.
 *
 * The rules are what a large policy looks like: SIZE - 1 rules for other
 * programs (five per executable, by address and port), and last the one
 * that matches the request, for /bin/true.  sactld indexes rules by exact
 * executable, so the decision should not depend on SIZE.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "daemon_double.h"

#define MAX_SIZES 8
#define WARMUP 100
#define PORT 8080

static char *make_rules(const char *exe, long size)
{
	size_t cap = 200 * (size_t)size + 256, len = 0;
	char *text = malloc(cap);

	if (!text)
		die("out of memory");
	for (long i = 0; i < size - 1; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"  { action = \"allow\"; exe = \"/opt/bench/prog-%06ld\"; "
			"op = \"connect\"; proto = \"tcp\"; remote = \"10.%ld.%ld.0/24\"; "
			"port = %ld; },\n",
			i / 5, (i >> 8) & 255, i & 255, 1000 + i % 5);
	snprintf(text + len, cap - len,
		 "  { action = \"allow\"; exe = \"%s\"; op = \"connect\"; "
		 "proto = \"tcp\"; remote = \"127.0.0.1\"; port = %d; }", exe, PORT);
	return text;
}

/*
 * sd_start() without -d: debug logging would add a log line per request
 * to what is timed.  A large rule set takes a while to read, so the wait
 * is longer too.
 */
static int start_sactld(struct sd *s)
{
	const char *args[] = { "-f", "-c", s->conf, "--device", s->dev,
			       "-p", s->pidfile, NULL };
	uint64_t end = now_ns() + 120 * 1000000000ull;

	unlink(s->pidfile);
	s->pid = sd_spawn(s, args);
	if (s->pid < 0)
		return -1;
	/* The pid file is written once the sockets are ready. */
	while (access(s->pidfile, F_OK)) {
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		if (now_ns() > end)
			return -1;	/* still running: stopped at exit */
		usleep(10000);
	}
	s->dev_fd = accept_within(s->lfd, WAIT_MS);
	return s->dev_fd >= 0 ? 0 : -1;
}

struct daemon {
	struct sd s;
	long size;
	uint64_t next_id;
	double start_ms;
};

static struct daemon daemons[MAX_SIZES];
static long n_daemons;

static void start(struct daemon *d, long size)
{
	uint64_t t0;
	char *rules;

	d->size = size;
	d->next_id = 1;
	if (sd_init(&d->s, "/tmp/sactl-bench-XXXXXX"))
		die("sd_init: %m");
	rules = make_rules(d->s.exe, size);
	if (sd_write_config(&d->s, "log_level = \"info\";", rules))
		die("writing %s: %m", d->s.conf);
	free(rules);
	t0 = now_ns();
	if (start_sactld(&d->s)) {
		sd_dump_log(&d->s);
		die("sactld with %ld rules did not start", size);
	}
	d->start_ms = (double)(now_ns() - t0) / 1e6;
}

/* One request to @d, timed: send, decide, answer; in microseconds. */
static double time_one(struct daemon *d)
{
	struct sactl_response resp;
	uint64_t id = d->next_id++, t0 = now_ns();

	if (sd_ask(&d->s, id, PORT) || sd_answer(&d->s, &resp, WAIT_MS))
		die("%ld rules: no answer to request %llu", d->size,
		    (unsigned long long)id);
	if (resp.id != id || resp.verdict != SACTL_ALLOW)
		die("%ld rules: request %llu got verdict %u", d->size,
		    (unsigned long long)id, resp.verdict);
	return (double)(now_ns() - t0) / 1000.0;
}

/*
 * A round: @n requests to each daemon, taking turns request by request,
 * so that whatever else the host does weighs on every size alike.
 */
static void time_round(struct daemon *d, long nd, double **us, long n)
{
	for (long i = -WARMUP; i < n; i++)
		for (long k = 0; k < nd; k++) {
			double t = time_one(&d[k]);

			if (i >= 0)
				us[k][i] = t;
		}
}

/* The scratch directory and what sactld made in it; once. */
static void cleanup(struct sd *s)
{
	const char *files[] = { s->conf, s->log, s->pidfile, s->dev, s->psock,
				s->csock };

	if (!s->dir[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(s->state);
	if (rmdir(s->dir))
		fprintf(stderr, "bench-rules: %s left behind: %m\n", s->dir);
	s->dir[0] = '\0';
}

/* On any exit, die() included: no daemon of ours may outlive us. */
static void kill_daemons(void)
{
	for (long i = 0; i < n_daemons; i++) {
		if (daemons[i].s.pid > 0) {
			kill(daemons[i].s.pid, SIGKILL);
			waitpid(daemons[i].s.pid, NULL, 0);
			daemons[i].s.pid = 0;
		}
		cleanup(&daemons[i].s);
	}
}

int main(int argc, char **argv)
{
	double *us[MAX_SIZES];
	long rounds, n;

	if (argc < 4 || argc - 3 > MAX_SIZES)
		die("usage: bench-rules ROUNDS SAMPLES SIZE...");
	atexit(kill_daemons);
	rounds = parse_count(argv[1], "ROUNDS");
	n = parse_count(argv[2], "SAMPLES");
	for (long i = 0; i < argc - 3; i++) {
		us[i] = calloc((size_t)n, sizeof(*us[i]));
		if (!us[i])
			die("out of memory");
		n_daemons = i + 1;
		start(&daemons[i], parse_count(argv[3 + i], "SIZE"));
	}

	for (long r = 1; r <= rounds; r++) {
		time_round(daemons, n_daemons, us, n);
		for (long i = 0; i < n_daemons; i++)
			printf("fig5 round=%ld rules=%ld n=%ld p50_us=%.1f p99_us=%.1f\n",
			       r, daemons[i].size, n, percentile(us[i], (size_t)n, 50),
			       percentile(us[i], (size_t)n, 99));
		fflush(stdout);
	}
	for (long i = 0; i < n_daemons; i++) {
		printf("fig5mem rules=%ld rss_kb=%ld hwm_kb=%ld start_ms=%.0f\n",
		       daemons[i].size, proc_status_kb(daemons[i].s.pid, "VmRSS"),
		       proc_status_kb(daemons[i].s.pid, "VmHWM"), daemons[i].start_ms);
		if (sd_stop(&daemons[i].s))
			die("sactld with %ld rules did not exit cleanly", daemons[i].size);
		sd_fini(&daemons[i].s);
		cleanup(&daemons[i].s);
		free(us[i]);
	}
	return 0;
}
