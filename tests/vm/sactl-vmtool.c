// SPDX-License-Identifier: GPL-2.0
/*
 * sactl-vmtool: what the end-to-end tests in tests/vm need and busybox
 * lacks, one static program with subcommands (tests/vm/Makefile builds it
 * into the tests directory's helpers/, /tests/helpers/ in the guest):
 *
 *   asuid UID GID PROG ARGS...   run PROG as UID:GID, no supplementary groups
 *   open PATH                    open PATH read-write; prints "ok" or the
 *                                errno's name (EACCES, EPERM, ...)
 *   flood [-u UID] [-n N] HOST PORT
 *                                N threads (2000) connect() to HOST:PORT at
 *                                once, as UID if given; prints how they
 *                                returned (see flood() below)
 *   agent SOCK MODE [ARG]        a hostile prompt agent on SOCK, MODE:
 *       garbage N                N pseudo-random bytes (seeded by N)
 *       frames N                 AGENT_HELLO, then up to N frames with a
 *                                valid header, a random type and random
 *                                fields (seeded by N), until sactld hangs up
 *       huge                     a frame header claiming 4 GiB
 *       big                      a frame just over the agent frame limit
 *       half                     half a frame, then hang up at once
 *       nohello                  connect and say nothing
 *       many N                   N connections at once, held for a second
 *       hello-as UID             AGENT_HELLO naming another uid
 *       forge ID                 AGENT_HELLO, then ANSWER(ID, allow forever)
 *     and prints what sactld did: "closed ERROR <text>", "closed",
 *     "open" (still connected after 10 s), "hello" (HELLO received) ...
 *     Exit status 0 when sactld refused or closed, 1 when it accepted.
 *
 * Exit status 2: usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sactl/wire.h"

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EAGAIN: return "EAGAIN";
	case EMFILE: return "EMFILE";
	case EINTR: return "EINTR";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void die(const char *what)
{
	fprintf(stderr, "sactl-vmtool: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		die("changing uid");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- asuid, open -------------------------------------------------------- */

static int cmd_asuid(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: asuid UID GID PROG ARGS...\n");
		return 2;
	}
	become((uid_t)strtoul(argv[1], NULL, 10), (gid_t)strtoul(argv[2], NULL, 10));
	execvp(argv[3], argv + 3);
	die(argv[3]);
	return 2;
}

static int cmd_open(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: open PATH\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	printf("%s\n", errno_name(fd < 0 ? errno : 0));
	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}

/* ---- flood -------------------------------------------------------------- */

struct caller {
	pthread_t thread;
	int fd;
	int err;		/* connect()'s errno, 0 if it connected */
	double ms;		/* how long connect() took */
	bool started;
};

static struct sockaddr_in flood_to;
static pthread_barrier_t flood_go;

static void *flood_one(void *p)
{
	struct caller *c = p;
	double t;

	pthread_barrier_wait(&flood_go);
	t = now_ms();
	c->err = connect(c->fd, (struct sockaddr *)&flood_to, sizeof(flood_to)) ?
		 errno : 0;
	c->ms = now_ms() - t;
	return NULL;
}

/*
 * Prints, one "key value" a line:
 *   callers N      threads started
 *   returned N     connect() calls that returned (all of them, or we hang)
 *   allowed N      sactl let them through: connected or ECONNREFUSED
 *   denied N       EPERM
 *   other N        any other error (then "error E count" lines)
 *   denied_max_ms  the slowest denial; allowed_max_ms the slowest allow
 * "ready" goes to stderr once every socket exists and the threads start.
 */
static int cmd_flood(int argc, char **argv)
{
	unsigned int n = 2000, nok = 0, ndeny = 0, nother = 0, nstarted = 0;
	double deny_max = 0, allow_max = 0;
	long uid = -1;
	struct caller *c;
	pthread_attr_t attr;
	struct rlimit rl;
	int opt;

	while ((opt = getopt(argc, argv, "u:n:")) != -1) {
		if (opt == 'u')
			uid = strtol(optarg, NULL, 10);
		else if (opt == 'n')
			n = (unsigned int)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind != 2 || !n) {
		fprintf(stderr, "usage: flood [-u UID] [-n N] HOST PORT\n");
		return 2;
	}
	flood_to.sin_family = AF_INET;
	flood_to.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &flood_to.sin_addr) != 1) {
		fprintf(stderr, "sactl-vmtool: bad address %s\n", argv[optind]);
		return 2;
	}
	/* Descriptors for every caller: raised while still root. */
	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE");
	/* Threads count as processes of the user. */
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_NPROC, &rl))
		die("RLIMIT_NPROC");
	if (uid >= 0)
		become((uid_t)uid, (gid_t)uid);
	c = calloc(n, sizeof(*c));
	if (!c)
		die("calloc");
	/* Sockets first, one by one: the flood is of connect()s. */
	for (unsigned int i = 0; i < n; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c[i].fd < 0)
			die("socket");
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_barrier_init(&flood_go, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		errno = pthread_create(&c[i].thread, &attr, flood_one, &c[i]);
		if (errno)
			die("pthread_create");
		c[i].started = true;
		nstarted++;
	}
	fprintf(stderr, "ready\n");
	pthread_barrier_wait(&flood_go);
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(c[i].thread, NULL);
		close(c[i].fd);
		if (!c[i].err || c[i].err == ECONNREFUSED) {
			nok++;
			if (c[i].ms > allow_max)
				allow_max = c[i].ms;
		} else if (c[i].err == EPERM) {
			ndeny++;
			if (c[i].ms > deny_max)
				deny_max = c[i].ms;
		} else {
			nother++;
			printf("error %s\n", errno_name(c[i].err));
		}
	}
	printf("callers %u\nreturned %u\nallowed %u\ndenied %u\nother %u\n"
	       "denied_max_ms %.0f\nallowed_max_ms %.0f\n",
	       nstarted, nok + ndeny + nother, nok, ndeny, nother, deny_max,
	       allow_max);
	free(c);
	return 0;
}

/* ---- agent -------------------------------------------------------------- */

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sun.sun_path))
		die("socket");
	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		die(path);
	return fd;
}

static void send_bytes(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* sactld hung up: what we test for */
		p += n;
		len -= (size_t)n;
	}
}

static void send_msg(int fd, const struct wire_msg *m)
{
	struct wire_buf b;
	char err[256];

	wire_buf_init(&b, WIRE_MAX_FRAME);
	if (wire_encode(m, &b, err, sizeof(err))) {
		fprintf(stderr, "sactl-vmtool: encode: %s\n", err);
		exit(2);
	}
	send_bytes(fd, b.data, b.len);
	wire_buf_free(&b);
}

static void send_agent_hello(int fd, long uid)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_str(&m, WIRE_T_NAME, "sactl-vmtool");
	if (uid >= 0)
		wire_set_num(&m, WIRE_T_UID, (uint64_t)uid);
	send_msg(fd, &m);
}

/*
 * What sactld does next, within @secs: "closed ERROR <text>" or "closed"
 * (returns 0), the type of the first other frame, e.g. "HELLO" (returns
 * 1), or "open": nothing in time (returns 1).  @agent: we said
 * AGENT_HELLO, so read past the HELLO and any ASK of our own uid.
 */
static int outcome(int fd, int secs, bool agent)
{
	struct wire_reader r;
	struct wire_msg m;
	char err[256], text[512] = "";
	double end = now_ms() + secs * 1000.0;

	wire_reader_init(&r, WIRE_MAX_FRAME);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(end - now_ms());
		ssize_t got;
		int next;

		while ((next = wire_reader_next(&r, &m, err, sizeof(err))) == 1) {
			uint16_t type = m.type;

			if (type == WIRE_ERROR)
				snprintf(text, sizeof(text), " ERROR %s",
					 wire_display(wire_str(&m, WIRE_T_TEXT),
						      err, sizeof(err)));
			wire_msg_clear(&m);
			if (type == WIRE_ERROR ||
			    (agent && (type == WIRE_HELLO || type == WIRE_ASK)))
				continue;	/* the close follows */
			printf("%s\n", wire_type_name(type));
			wire_reader_free(&r);
			return 1;
		}
		if (next < 0) {
			printf("bad frame from sactld: %s\n", err);
			wire_reader_free(&r);
			return 1;
		}
		if (left <= 0 || poll(&p, 1, left) == 0) {
			printf("open\n");
			wire_reader_free(&r);
			return 1;
		}
		got = wire_reader_read(&r, fd);
		if (got == -EAGAIN || got == -EINTR || got > 0)
			continue;
		printf("closed%s\n", text);
		wire_reader_free(&r);
		return 0;
	}
}

static int agent_many(const char *sock, unsigned int n)
{
	unsigned int open_after = 0, closed = 0;
	int *fds = calloc(n, sizeof(int));
	struct rlimit rl = { .rlim_cur = n + 64, .rlim_max = n + 64 };

	if (!fds)
		die("calloc");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (unsigned int i = 0; i < n; i++) {
		fds[i] = connect_unix(sock);
		send_agent_hello(fds[i], -1);
	}
	sleep(1);
	for (unsigned int i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		char buf[4096];
		ssize_t got = 1;

		/* Drain HELLOs; EOF means sactld refused this one. */
		while (poll(&p, 1, 0) == 1 &&
		       (got = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			;
		if (got == 0 || (got < 0 && errno != EAGAIN))
			closed++;
		else
			open_after++;
	}
	for (unsigned int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	printf("kept %u refused %u\n", open_after, closed);
	return 0;
}

static int cmd_agent(int argc, char **argv)
{
	const char *sock, *mode;
	uint8_t hdr[WIRE_HDR_LEN];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: agent SOCK MODE [ARG]\n");
		return 2;
	}
	sock = argv[1];
	mode = argv[2];
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "many"))
		return agent_many(sock, argc > 3 ? (unsigned int)atoi(argv[3]) : 300);

	fd = connect_unix(sock);
	if (!strcmp(mode, "garbage")) {
		unsigned int n = argc > 3 ? (unsigned int)atoi(argv[3]) : 4096;
		uint32_t x = n | 1;
		uint8_t *buf = malloc(n);

		if (!buf)
			die("malloc");
		for (unsigned int i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (uint8_t)x;
		}
		send_bytes(fd, buf, n);
		free(buf);
		return outcome(fd, 10, false);
	}
	if (!strcmp(mode, "frames")) {
		unsigned int n = argc > 3 ? (unsigned int)atoi(argv[3]) : 100;
		uint32_t x = n | 1;
		uint8_t frame[8 + 256];

		send_agent_hello(fd, -1);
		for (unsigned int i = 0; i < n; i++) {
			struct pollfd p = { .fd = fd, .events = POLLRDHUP };
			uint32_t len;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			len = 8 + x % 256;
			frame[0] = frame[1] = 0;
			frame[2] = (uint8_t)(len >> 8);
			frame[3] = (uint8_t)len;
			frame[4] = 0;
			frame[5] = WIRE_VERSION;
			frame[6] = 0;
			frame[7] = (uint8_t)(1 + (x >> 8) % 40);
			for (uint32_t k = 8; k < len; k++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				/* Small numbers make plausible tags and lengths. */
				frame[k] = (uint8_t)(x & 0x100 ? x % 64 : x);
			}
			send_bytes(fd, frame, len);
			if (poll(&p, 1, 0) == 1)
				break;		/* sactld hung up */
		}
		return outcome(fd, 10, true);
	}
	if (!strcmp(mode, "huge") || !strcmp(mode, "big") ||
	    !strcmp(mode, "half")) {
		uint32_t len = !strcmp(mode, "huge") ? 0xffffffffu :
			       !strcmp(mode, "big") ? 4097 : 200;
		uint8_t body[64] = { 0 };

		hdr[0] = (uint8_t)(len >> 24);
		hdr[1] = (uint8_t)(len >> 16);
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		hdr[4] = 0;
		hdr[5] = WIRE_VERSION;
		hdr[6] = 0;
		hdr[7] = WIRE_AGENT_HELLO;
		send_bytes(fd, hdr, sizeof(hdr));
		send_bytes(fd, body, sizeof(body));
		if (!strcmp(mode, "half")) {
			printf("hung up\n");
			close(fd);
			return 0;
		}
		return outcome(fd, 10, false);
	}
	if (!strcmp(mode, "nohello"))
		return outcome(fd, 10, false);
	if (!strcmp(mode, "hello-as")) {
		send_agent_hello(fd, argc > 3 ? atol(argv[3]) : 0);
		return outcome(fd, 10, false);
	}
	if (!strcmp(mode, "forge")) {
		struct wire_msg m;

		send_agent_hello(fd, -1);
		wire_msg_init(&m, WIRE_ANSWER);
		wire_set_num(&m, WIRE_T_PROMPT_ID,
			     argc > 3 ? strtoull(argv[3], NULL, 10) : 1);
		wire_set_num(&m, WIRE_T_VERDICT, WIRE_ALLOW);
		wire_set_num(&m, WIRE_T_DURATION, WIRE_FOREVER);
		send_msg(fd, &m);
		/* HELLO first, then (an ASK of our own uid, or) the refusal. */
		return outcome(fd, 10, true);
	}
	fprintf(stderr, "sactl-vmtool: unknown agent mode %s\n", mode);
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "asuid"))
		return cmd_asuid(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "open"))
		return cmd_open(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "flood"))
		return cmd_flood(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "agent"))
		return cmd_agent(argc - 1, argv + 1);
	fprintf(stderr, "usage: sactl-vmtool asuid|open|flood|agent ...\n");
	return 2;
}
