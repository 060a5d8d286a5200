// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: a fuzzer of /dev/sactl.  Three threads of one "daemon" share the
 * device and throw random open/close/read/write/poll/ioctl/fcntl calls at
 * it, with random sizes, random and half-valid contents (request ids just
 * read, off by one, stale; batches that run into an unmapped page; every
 * ioctl with good and bad arguments), a second opener in and out of the
 * process, and random module parameters, while forked workers make socket
 * calls (socket, bind, connect, listen, accept, sendto; IPv4 and IPv6)
 * that are asked, cached, answered, timed out or let go.
 *
 * It passes when nothing hangs (every device call and every socket call
 * returns in bounded time), every answer is one the interface allows
 * (whole records, sane fields, known errors, no descriptor left behind,
 * no kernel-internal errno in a worker), and afterwards nothing is pending,
 * the cache is empty and a plain request/answer round trip works.  The
 * kernel's own checks (KASAN, lockdep, kmemleak, warnings) are read from
 * the console by the runner.
 *
 * Reproduce with the printed seed.  Knobs (environment):
 *   SACTL_FUZZ_SEED=N   the seed (default: from the clock)
 *   SACTL_FUZZ_OPS=N    device operations in all (default 20000)
 *   SACTL_FUZZ_SECS=N   stop after N seconds even if ops remain (default 60)
 * A longer run: SACTL_FUZZ_OPS=10000000 SACTL_FUZZ_SECS=3600 (the test's
 * own timeout follows SACTL_FUZZ_SECS).  Thread interleaving is not
 * reproducible; the sequence of operations each thread picks is.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "harness.h"
#include "sactl_test.h"

#define FUZZ_FD		900	/* where the device sits while open */
#define THREADS		3	/* the test's thread and two more */
#define WORKERS		3	/* forked processes making socket calls */
#define DEF_OPS		20000
#define DEF_SECS	60
/* A socket call waits timeout_ms (<= 400 here) at most; far more is a hang. */
#define CALL_HANG_MS	20000
/* A device call blocked longer than this is interrupted by a signal. */
#define POKE_MS		100
#define IDS		64
#define EXES		8
#define BUF_SIZE	16384
#define PAGE		4096

/* ---- a seeded generator (splitmix64) --------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* ---- shared state ------------------------------------------------------------ */

enum fop {
	F_READ, F_WRITE, F_ANSWER, F_POLL, F_EPOLL, F_IOCTL, F_NONBLOCK,
	F_MISC, F_SECOND, F_OPEN, F_CLOSE, F_PARAM, F_FORK_OPEN, F_NR,
};

static const char *const fop_names[F_NR] = {
	"read", "write", "answer", "poll", "epoll", "ioctl", "nonblock",
	"misc", "second", "open", "close", "param", "fork_open",
};

/* Weights; the last four only in the test's own thread. */
static const unsigned int fop_weight[F_NR] = {
	[F_READ] = 18, [F_WRITE] = 18, [F_ANSWER] = 14, [F_POLL] = 6,
	[F_EPOLL] = 2, [F_IOCTL] = 20, [F_NONBLOCK] = 4, [F_MISC] = 4,
	[F_SECOND] = 2, [F_OPEN] = 4, [F_CLOSE] = 2, [F_PARAM] = 3,
	[F_FORK_OPEN] = 1,
};

struct exe_id {
	uint64_t dev, ino;
	int64_t ctime_sec;
	uint32_t ctime_nsec;
};

struct fthread {
	int idx;
	struct rng rng;
	pthread_t tid;
	char *buf;		/* BUF_SIZE bytes */
	char *guard;		/* the first byte of an inaccessible page */
	volatile long busy_since; /* in a device call that may block */
	long ops[F_NR];
};

static struct {
	uint64_t seed;
	long max_ops, deadline;
	long ops_started;
	volatile int stop;
	volatile int fd_open;	/* FUZZ_FD holds the device (main thread) */

	pthread_mutex_t lock;	/* the rings and the failure log */
	uint64_t ids[IDS];
	unsigned int nids;
	struct exe_id exes[EXES];
	unsigned int nexes;
	long failures;
	char failure[512];

	long records, exe_fds, answered;
	struct fthread th[THREADS];
	pthread_t watchdog;
	volatile int watchdog_stop;
} F = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&F.lock);
	if (!F.failures++) {
		va_start(ap, fmt);
		vsnprintf(F.failure, sizeof(F.failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&F.lock);
	va_start(ap, fmt);
	fprintf(stderr, "# FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void add_id(uint64_t id)
{
	pthread_mutex_lock(&F.lock);
	F.ids[F.nids++ % IDS] = id;
	pthread_mutex_unlock(&F.lock);
}

/* An id read lately, a neighbour of one, or something else. */
static uint64_t pick_id(struct rng *r)
{
	uint64_t id = 0;

	pthread_mutex_lock(&F.lock);
	if (F.nids)
		id = F.ids[below(r, F.nids < IDS ? F.nids : IDS)];
	pthread_mutex_unlock(&F.lock);
	switch (below(r, 10)) {
	case 0:
		return id + 1;
	case 1:
		return id - 1;
	case 2:
		return id + 1 + below(r, 64);
	case 3:
		return below(r, 2) ? 0 : ~0ULL;
	case 4:
		return rnd(r);
	default:
		return id;
	}
}

static void add_exe(const struct stat *st)
{
	struct exe_id e = {
		.dev = st->st_dev, .ino = st->st_ino,
		.ctime_sec = st->st_ctim.tv_sec,
		.ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
	};

	pthread_mutex_lock(&F.lock);
	F.exes[F.nexes++ % EXES] = e;
	pthread_mutex_unlock(&F.lock);
}

static bool pick_exe(struct rng *r, struct exe_id *e)
{
	bool ok = false;

	pthread_mutex_lock(&F.lock);
	if (F.nexes) {
		*e = F.exes[below(r, F.nexes < EXES ? F.nexes : EXES)];
		ok = true;
	}
	pthread_mutex_unlock(&F.lock);
	return ok;
}

static void add_count(long *c, long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* An address the kernel must refuse (NULL, low, kernel, non-canonical),
 * or one len bytes before the end of our memory, where it runs into the
 * guard page after whatever part of len it reached. */
static void *bad_ptr(struct fthread *t, size_t len)
{
	switch (below(&t->rng, 5)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return (void *)0xffff888000000000UL;	/* the direct map */
	case 3:
		return (void *)(0x8000000000000000UL | rnd(&t->rng));
	default:
		/* Straddles the guard page: the head is ours, the rest faults. */
		return t->guard - below(&t->rng, len ? (uint32_t)len : 1);
	}
}

/* Mark a call that may block, for the watchdog. */
static void busy(struct fthread *t)
{
	t->busy_since = now_ms();
}

static void idle(struct fthread *t)
{
	t->busy_since = 0;
}

/* ---- what came out of a read ------------------------------------------------ */

static void check_records(const char *buf, ssize_t n, size_t count)
{
	const struct sactl_request *rec = (const void *)buf;

	if (n % REQ_SIZE || (size_t)n > count) {
		fail("read of %zu returned %zd: not whole records", count, n);
		return;
	}
	for (ssize_t i = 0; i < n / REQ_SIZE; i++, rec++) {
		struct stat st;

		add_count(&F.records, 1);
		if (rec->size != sizeof(*rec) || rec->version != SACTL_ABI_VERSION ||
		    rec->op < SACTL_OP_SOCKET || rec->op > SACTL_OP_SEND ||
		    !rec->id || rec->reserved1 ||
		    rec->flags & ~(SACTL_REQ_FASTOPEN | SACTL_REQ_NO_EXE |
				   SACTL_REQ_EXE_REPLACED) ||
		    (rec->family != AF_INET && rec->family != AF_INET6))
			fail("bad record: size %u version %u op %u id %llu flags %#x family %u",
			     rec->size, rec->version, rec->op,
			     (unsigned long long)rec->id, rec->flags, rec->family);
		else
			add_id(rec->id);
		if (rec->exe_fd < 0)
			continue;
		/* Ours to close, and only if it is what the record says. */
		if (fstat(rec->exe_fd, &st)) {
			fail("record %llu: exe_fd %d: %s",
			     (unsigned long long)rec->id, rec->exe_fd,
			     strerror(errno));
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_ino != rec->exe_ino ||
		    st.st_dev != rec->exe_dev) {
			fail("record %llu: exe_fd %d is not the executable (ino %llu, want %llu)",
			     (unsigned long long)rec->id, rec->exe_fd,
			     (unsigned long long)st.st_ino,
			     (unsigned long long)rec->exe_ino);
			continue;
		}
		add_exe(&st);
		add_count(&F.exe_fds, 1);
		close(rec->exe_fd);
	}
}

/* ---- the operations ------------------------------------------------------------ */

static size_t read_size(struct rng *r)
{
	switch (below(r, 8)) {
	case 0:
		return below(r, 3) ? below(r, REQ_SIZE) : 0;
	case 1:
		return REQ_SIZE - 1 + below(r, 3);
	case 2:
		return REQ_SIZE * (1 + below(r, 8)) + below(r, REQ_SIZE);
	case 3:
		return below(r, BUF_SIZE + 1);
	default:
		return REQ_SIZE * (1 + below(r, 4));
	}
}

static void op_read(struct fthread *t)
{
	struct rng *r = &t->rng;
	size_t count = read_size(r);
	char *buf = t->buf;
	ssize_t n;
	int e;

	if (chance(r, 15)) {
		/* Into (or across) memory that is not there. */
		buf = bad_ptr(t, count);
		if (chance(r, 30)) {
			/* A few whole records fit before the guard page. */
			buf = t->guard - REQ_SIZE * below(r, 4);
			count = chance(r, 50) ? (size_t)1 << (20 + below(r, 12)) :
						REQ_SIZE * (1 + below(r, 8));
		}
	}
	busy(t);
	n = read(FUZZ_FD, buf, count);
	e = errno;
	idle(t);
	if (n < 0) {
		if (e != EINVAL && e != EFAULT && e != EAGAIN && e != EINTR &&
		    e != EBADF)
			fail("read(%zu): %s", count, strerror(e));
		return;
	}
	check_records(buf, n, count);
}

static int32_t pick_error(struct rng *r, bool sane)
{
	static const int32_t common[] = {
		0, EPERM, EACCES, ECONNREFUSED, ENETUNREACH, EHOSTUNREACH,
		ETIMEDOUT, ECONNABORTED,
	};

	if (sane || chance(r, 60))
		return common[below(r, sizeof(common) / sizeof(common[0]))];
	switch (below(r, 5)) {
	case 0:
		return -(int32_t)below(r, 600);
	case 1:
		return 4095 + below(r, 3);
	case 2:
		return 512 + below(r, 20);	/* kernel-internal codes */
	case 3:
		return (int32_t)rnd(r);
	default:
		return 1 + below(r, 600);
	}
}

static void fill_response(struct rng *r, struct sactl_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->id = pick_id(r);
	switch (below(r, 10)) {
	case 0:
		resp->verdict = below(r, 2) ? 0 : (uint32_t)rnd(r);
		break;
	case 1: case 2: case 3: case 4:
		resp->verdict = SACTL_DENY;
		resp->error = pick_error(r, false);
		break;
	default:
		resp->verdict = SACTL_ALLOW;
		if (chance(r, 5))
			resp->error = pick_error(r, false);
	}
	if (chance(r, 5))
		resp->flags = (uint32_t)rnd(r);
	if (chance(r, 5))
		resp->reserved = (uint32_t)rnd(r);
}

static void op_write(struct fthread *t)
{
	struct rng *r = &t->rng;
	struct sactl_response resp[8];
	unsigned int k = 1 + below(r, 8);
	size_t len = k * RESP_SIZE;
	const void *buf = resp;
	ssize_t n;
	int e;

	for (unsigned int i = 0; i < k; i++)
		fill_response(r, &resp[i]);
	switch (below(r, 10)) {
	case 0:
		len = below(r, 4) ? len + 1 + below(r, RESP_SIZE - 1) :
				    below(r, RESP_SIZE);
		break;
	case 1:
		buf = bad_ptr(t, len);
		break;
	case 2:
		/* The first records are readable, the rest run off the end. */
		memcpy(t->guard - len, resp, len);
		buf = t->guard - len;
		len += RESP_SIZE * (1 + below(r, 1000));
		break;
	}
	n = write(FUZZ_FD, buf, len);
	e = errno;
	if (n < 0) {
		if (e != EINVAL && e != EFAULT && e != ENOENT &&
		    e != EINPROGRESS && e != EBADF)
			fail("write(%zu): %s", len, strerror(e));
		return;
	}
	if (n % RESP_SIZE || (size_t)n > len || (!n && len))
		fail("write(%zu) returned %zd", len, n);
}

/* What a daemon does: wait, read a batch, check ids, answer them. */
static void op_answer(struct fthread *t)
{
	struct rng *r = &t->rng;
	const struct sactl_request *rec = (const void *)t->buf;
	struct sactl_response resp[8];
	struct pollfd pfd = { .fd = FUZZ_FD, .events = POLLIN };
	size_t count = REQ_SIZE * (1 + below(r, 8));
	unsigned int k;
	ssize_t n;
	int e;

	busy(t);
	if (poll(&pfd, 1, (int)below(r, 50)) <= 0 || !(pfd.revents & POLLIN)) {
		idle(t);
		return;
	}
	n = read(FUZZ_FD, t->buf, count);
	e = errno;
	idle(t);
	if (n < 0) {
		if (e != EAGAIN && e != EINTR && e != EBADF)
			fail("answer: read(%zu): %s", count, strerror(e));
		return;
	}
	check_records(t->buf, n, count);
	k = (unsigned int)(n / REQ_SIZE);
	for (unsigned int i = 0; i < k; i++) {
		__u64 id = rec[i].id;

		if (ioctl(FUZZ_FD, SACTL_IOC_ID_VALID, &id) && errno != ENOENT &&
		    errno != EBADF)
			fail("answer: SACTL_IOC_ID_VALID: %s", strerror(errno));
		memset(&resp[i], 0, sizeof(resp[i]));
		resp[i].id = rec[i].id;
		if (chance(r, 55)) {
			resp[i].verdict = SACTL_ALLOW;
		} else {
			resp[i].verdict = SACTL_DENY;
			resp[i].error = pick_error(r, true);
		}
	}
	if (!k || chance(r, 10))	/* leave them to time out */
		return;
	if (chance(r, 50)) {
		n = write(FUZZ_FD, resp, k * RESP_SIZE);
		e = errno;
		/* A caller that timed out or was let go in between: ENOENT. */
		if (n < 0 ? e != ENOENT && e != EBADF :
			    n % RESP_SIZE || (size_t)n > k * RESP_SIZE)
			fail("answer: write of %u: %zd %s", k, n,
			     n < 0 ? strerror(e) : "");
		else if (n > 0)
			add_count(&F.answered, n / RESP_SIZE);
		return;
	}
	for (unsigned int i = 0; i < k; i++) {
		n = write(FUZZ_FD, &resp[i], RESP_SIZE);
		e = errno;
		if (n == RESP_SIZE)
			add_count(&F.answered, 1);
		else if (n >= 0 || (e != ENOENT && e != EBADF))
			fail("answer: write: %zd %s", n, strerror(e));
	}
}

static void op_poll(struct fthread *t)
{
	struct rng *r = &t->rng;
	struct pollfd pfd = { .fd = FUZZ_FD };
	int n;

	pfd.events = (short)(chance(r, 80) ? POLLIN | POLLOUT : rnd(r));
	busy(t);
	n = poll(&pfd, 1, (int)below(r, 30));
	idle(t);
	if (n < 0 && errno != EINTR)
		fail("poll: %s", strerror(errno));
	if (n > 0 && !(pfd.revents & POLLNVAL) && (pfd.events & POLLOUT) &&
	    !(pfd.revents & POLLOUT))
		fail("poll: revents %#x without POLLOUT", pfd.revents);
}

static void op_epoll(struct fthread *t)
{
	struct rng *r = &t->rng;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[2];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0) {
		fail("epoll_create1: %s", strerror(errno));
		return;
	}
	if (chance(r, 50))
		ev.events |= EPOLLET;
	if (!epoll_ctl(ep, EPOLL_CTL_ADD, FUZZ_FD, &ev)) {
		busy(t);
		epoll_wait(ep, out, 2, (int)below(r, 30));
		idle(t);
		if (chance(r, 50))
			epoll_ctl(ep, EPOLL_CTL_DEL, FUZZ_FD, NULL);
	}
	close(ep);
}

static void fill_rule(struct rng *r, struct sactl_cache_rule *c)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	struct exe_id exe;

	memset(c, 0, sizeof(*c));
	c->size = chance(r, 95) ? sizeof(*c) : below(r, 256);
	c->match = chance(r, 90) ? (uint32_t)rnd(r) & SACTL_MATCH_ALL :
				   (uint32_t)rnd(r);
	c->ops = chance(r, 90) ? ((uint32_t)rnd(r) & 0x7e) : (uint32_t)rnd(r);
	if (chance(r, 60)) {
		c->verdict = SACTL_DENY;
		c->error = pick_error(r, chance(r, 70));
	} else {
		c->verdict = chance(r, 95) ? SACTL_ALLOW : (uint32_t)rnd(r);
	}
	c->priority = (int32_t)below(r, 5) - 2;
	c->ttl = chance(r, 50) ? 0 : chance(r, 90) ? 1 + below(r, 3) :
						       (uint32_t)rnd(r);
	c->uid = chance(r, 80) ? 0 : (uint32_t)rnd(r);
	if (pick_exe(r, &exe) && chance(r, 80)) {
		c->exe_dev = exe.dev;
		c->exe_ino = exe.ino;
		c->exe_ctime_sec = exe.ctime_sec;
		c->exe_ctime_nsec = exe.ctime_nsec;
		if (chance(r, 10))
			c->exe_ctime_nsec = (uint32_t)rnd(r);
	} else {
		c->exe_dev = rnd(r);
		c->exe_ino = rnd(r);
	}
	c->family = chance(r, 50) ? AF_INET : chance(r, 90) ? AF_INET6 :
							       (uint16_t)rnd(r);
	c->protocol = chance(r, 80) ? (chance(r, 50) ? IPPROTO_TCP : IPPROTO_UDP) :
				      (uint16_t)rnd(r);
	c->port_lo = (uint16_t)rnd(r);
	c->port_hi = chance(r, 80) ? 65535 : (uint16_t)rnd(r);
	c->prefix_len = chance(r, 80) ? (uint8_t)(c->family == AF_INET ?
						  below(r, 33) : below(r, 129)) :
					(uint8_t)rnd(r);
	c->type = chance(r, 80) ? 1 + below(r, 3) : (uint8_t)rnd(r);
	if (c->family == AF_INET)
		memcpy(c->addr, lo4, 4);
	else if (chance(r, 80))
		c->addr[15] = 1;
	else
		for (int i = 0; i < 16; i++)
			c->addr[i] = (uint8_t)rnd(r);
	c->cookie = rnd(r);
	if (chance(r, 3))
		c->reserved1[below(r, 6)] = (uint8_t)rnd(r);
	if (chance(r, 3))
		c->reserved2 = (uint32_t)rnd(r);
}

/* An ioctl command of no meaning here, but never one of the generic
 * file system ones that act on the file system the node lives on. */
static unsigned long random_cmd(struct rng *r)
{
	unsigned int type = below(r, 2) ? SACTL_IOC_MAGIC : below(r, 256);

	if (type == 'X' || type == 'f' || type == 0x94 || type == 0x12 ||
	    type == 0x15)
		type = SACTL_IOC_MAGIC;
	return _IOC(below(r, 4), type, below(r, 2) ? below(r, 8) : below(r, 256),
		    below(r, 2) ? below(r, 128) : below(r, 1 << 14));
}

static void op_ioctl(struct fthread *t)
{
	struct rng *r = &t->rng;
	struct sactl_cache_rule rule;
	struct sactl_abi abi;
	unsigned long cmd;
	void *arg;
	int res, e, which = (int)below(r, 12);
	bool bad = chance(r, 15);
	__u64 id;
	int on;

	switch (which) {
	case 0:
		cmd = SACTL_IOC_GET_ABI;
		memset(&abi, 0xa5, sizeof(abi));
		arg = bad ? bad_ptr(t, sizeof(abi)) : &abi;
		break;
	case 1: case 2:
		cmd = SACTL_IOC_ID_VALID;
		id = pick_id(r);
		arg = bad ? bad_ptr(t, sizeof(id)) : &id;
		break;
	case 3: case 4: case 5: case 6:
		cmd = SACTL_IOC_CACHE_ADD;
		fill_rule(r, &rule);
		arg = &rule;
		if (bad) {
			arg = bad_ptr(t, sizeof(rule));
		} else if (chance(r, 5)) {
			/* The rule's head readable, its tail not. */
			size_t head = below(r, sizeof(rule));

			memcpy(t->guard - head, &rule, head);
			arg = t->guard - head;
		}
		break;
	case 7:
		cmd = SACTL_IOC_CACHE_FLUSH;
		arg = bad ? bad_ptr(t, 8) : (void *)(uintptr_t)rnd(r);
		break;
	case 8:
		cmd = FIONBIO;
		on = (int)below(r, 2);
		arg = bad ? bad_ptr(t, sizeof(on)) : &on;
		break;
	default:
		cmd = random_cmd(r);
		/* Anything the kernel might write lands in our scratch buffer. */
		arg = bad ? bad_ptr(t, 64) : chance(r, 80) ? (void *)t->buf :
				(void *)(uintptr_t)below(r, 1 << 16);
		if (arg == t->buf)
			for (int i = 0; i < 256; i++)
				t->buf[i] = (char)rnd(r);
		break;
	}
	res = ioctl(FUZZ_FD, cmd, arg);
	e = errno;
	if (res && e == EBADF)
		return;
	switch (which) {
	case 0:
		if (res ? e != EFAULT :
			  abi.version != SACTL_ABI_VERSION ||
			  abi.request_size != sizeof(struct sactl_request) ||
			  abi.response_size != sizeof(struct sactl_response) ||
			  abi.reserved[0] || abi.reserved[1])
			fail("SACTL_IOC_GET_ABI: %d %s", res, strerror(e));
		break;
	case 1: case 2:
		if (res && e != ENOENT && e != EFAULT)
			fail("SACTL_IOC_ID_VALID: %s", strerror(e));
		break;
	case 3: case 4: case 5: case 6:
		if (res && e != EINVAL && e != EFAULT && e != ENOSPC &&
		    e != ENOMEM)
			fail("SACTL_IOC_CACHE_ADD: %s", strerror(e));
		break;
	case 7:
		if (res)
			fail("SACTL_IOC_CACHE_FLUSH: %s", strerror(e));
		break;
	}
}

static void op_nonblock(struct fthread *t)
{
	int fl = fcntl(FUZZ_FD, F_GETFL);

	if (fl < 0)
		return;
	fl = chance(&t->rng, 50) ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	fcntl(FUZZ_FD, F_SETFL, fl);
}

/* The rest of the file interface: none of it may do anything. */
static void op_misc(struct fthread *t)
{
	struct rng *r = &t->rng;
	struct iovec iov[3];
	struct stat st;
	ssize_t n;
	void *p;
	int fd;

	switch (below(r, 7)) {
	case 0:
		if (lseek(FUZZ_FD, (off_t)below(r, 1000), SEEK_SET) >= 0)
			fail("lseek on the device worked");
		break;
	case 1:
		if (pread(FUZZ_FD, t->buf, REQ_SIZE, 0) >= 0 ||
		    pwrite(FUZZ_FD, t->buf, RESP_SIZE, 0) >= 0)
			fail("pread/pwrite on the device worked");
		break;
	case 2:
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, FUZZ_FD, 0);
		if (p != MAP_FAILED) {
			fail("mmap of the device worked");
			munmap(p, PAGE);
		}
		break;
	case 3:
		fstat(FUZZ_FD, &st);
		fsync(FUZZ_FD);
		break;
	case 4:
		fd = dup(FUZZ_FD);
		if (fd >= 0)
			close(fd);
		break;
	case 5:
		/* Vectored: the device sees one segment at a time. */
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = t->buf + i * REQ_SIZE * 4;
			iov[i].iov_len = chance(r, 50) ? REQ_SIZE : below(r, REQ_SIZE * 2);
		}
		busy(t);
		n = readv(FUZZ_FD, iov, 3);
		idle(t);
		/* Each segment holds whole records; the first short one ends it. */
		for (int i = 0; i < 3 && n > 0; i++) {
			ssize_t take = n < (ssize_t)iov[i].iov_len ?
				       n : (ssize_t)iov[i].iov_len;

			check_records(iov[i].iov_base, take, iov[i].iov_len);
			n -= take;
		}
		break;
	default:
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = t->buf;
			iov[i].iov_len = chance(r, 50) ? RESP_SIZE : below(r, RESP_SIZE * 2);
			memset(t->buf, 0, RESP_SIZE);
		}
		writev(FUZZ_FD, iov, 3);
		break;
	}
}

/* Open the device once more (it is taken: EBUSY, unless it was free). */
static void op_second(struct fthread *t)
{
	int flags = O_CLOEXEC | (chance(&t->rng, 30) ? O_NONBLOCK : 0);
	int fd = open(SACTL_DEV, O_RDWR | flags);

	if (fd >= 0)
		close(fd);
	else if (errno != EBUSY)
		fail("second open: %s", strerror(errno));
}

static void op_open(struct fthread *t)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_WRONLY };
	int flags = modes[below(&t->rng, 5)] | O_CLOEXEC |
		    (chance(&t->rng, 30) ? O_NONBLOCK : 0);
	int fd;

	if (F.fd_open)
		return;
	fd = open(SACTL_DEV, flags);
	if (fd < 0) {
		/* Another thread still inside the closed one keeps it busy. */
		if (errno != EBUSY)
			fail("open: %s", strerror(errno));
		return;
	}
	if (dup3(fd, FUZZ_FD, O_CLOEXEC) < 0)
		fail("dup3: %s", strerror(errno));
	else
		F.fd_open = 1;
	close(fd);
}

static void op_close(struct fthread *t)
{
	(void)t;
	if (F.fd_open) {
		F.fd_open = 0;
		close(FUZZ_FD);
	}
}

static void op_param(struct fthread *t)
{
	static const char *const timeouts[] = { "100", "150", "250", "400" };
	static const char *const pend[] = { "0", "1", "4", "64", "1024" };
	static const char *const per_uid[] = { "0", "1", "8", "128" };
	static const char *const cmax[] = { "0", "4", "64", "16384" };
	static const char *const junk[] = { "-1", "99999999999", "x", "50" };
	struct rng *r = &t->rng;
	const char *name, *value;

	switch (below(r, 8)) {
	case 0: case 1:
		name = "timeout_ms";
		value = timeouts[below(r, 4)];
		break;
	case 2:
		name = (const char *[]){ "detached_verdict", "timeout_verdict",
					  "overflow_verdict" }[below(r, 3)];
		value = below(r, 2) ? "allow" : "deny";
		break;
	case 3:
		name = "max_pending";
		value = pend[below(r, 5)];
		break;
	case 4:
		name = "max_pending_per_uid";
		value = per_uid[below(r, 4)];
		break;
	case 5:
		name = "cache_max";
		value = cmax[below(r, 4)];
		break;
	default:
		/* Nonsense is refused and changes nothing (timeout_ms stays low). */
		name = below(r, 2) ? "timeout_ms" : "detached_verdict";
		value = junk[below(r, 4)];
		if (!param_write(name, value))
			fail("param %s=\"%s\" accepted", name, value);
		return;
	}
	if (param_write(name, value))
		fail("param %s=%s refused", name, value);
}

/* A child process tries the device (EBUSY, or it is free and it answers). */
static int fork_opener(struct caller *c)
{
	char buf[REQ_SIZE * 2];
	ssize_t n;
	int fd;

	(void)c;
	close(FUZZ_FD);
	fd = open(SACTL_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf));
	for (ssize_t i = 0; i + REQ_SIZE <= n; i += REQ_SIZE) {
		struct sactl_request *rec = (void *)(buf + i);

		sactl_allow(fd, rec->id);
	}
	close(fd);
	return 0;
}

static void op_fork_open(struct fthread *t)
{
	struct caller c;
	int r;

	(void)t;
	if (caller_start(&c, fork_opener, NULL)) {
		fail("fork: %s", strerror(errno));
		return;
	}
	r = caller_wait(&c, WAIT_MS);
	if (r) {
		fail("second opener process: %s", strerror(-r));
		caller_kill(&c);
	} else if (c.result && c.result != EBUSY) {
		fail("second opener process: open: %s", strerror(c.result));
	}
}

static enum fop pick_op(struct fthread *t)
{
	unsigned int total = 0, x;
	int last = t->idx ? F_SECOND : F_NR - 1;

	for (int i = 0; i <= last; i++)
		total += fop_weight[i];
	x = below(&t->rng, total);
	for (int i = 0; i <= last; i++) {
		if (x < fop_weight[i])
			return (enum fop)i;
		x -= fop_weight[i];
	}
	return F_POLL;
}

static void run_op(struct fthread *t, enum fop op)
{
	t->ops[op]++;
	switch (op) {
	case F_READ:
		op_read(t);
		break;
	case F_WRITE:
		op_write(t);
		break;
	case F_ANSWER:
		op_answer(t);
		break;
	case F_POLL:
		op_poll(t);
		break;
	case F_EPOLL:
		op_epoll(t);
		break;
	case F_IOCTL:
		op_ioctl(t);
		break;
	case F_NONBLOCK:
		op_nonblock(t);
		break;
	case F_MISC:
		op_misc(t);
		break;
	case F_SECOND:
		op_second(t);
		break;
	case F_OPEN:
		op_open(t);
		break;
	case F_CLOSE:
		op_close(t);
		break;
	case F_PARAM:
		op_param(t);
		break;
	case F_FORK_OPEN:
		op_fork_open(t);
		break;
	case F_NR:
		break;
	}
}

static void *fuzz_thread(void *arg)
{
	struct fthread *t = arg;

	while (!F.stop) {
		if (__atomic_fetch_add(&F.ops_started, 1, __ATOMIC_RELAXED) >=
		    F.max_ops || now_ms() >= F.deadline) {
			F.stop = 1;
			break;
		}
		run_op(t, pick_op(t));
	}
	return NULL;
}

static void poke_handler(int sig)
{
	(void)sig;
}

/* Interrupt device calls that block for long (a read with nothing to
 * read, on a blocking descriptor): EINTR, and the thread goes on. */
static void *watchdog(void *arg)
{
	(void)arg;
	while (!F.watchdog_stop) {
		long now = now_ms();

		for (int i = 0; i < THREADS; i++) {
			long since = F.th[i].busy_since;

			if (since && now - since > POKE_MS)
				pthread_kill(F.th[i].tid, SIGUSR1);
		}
		sleep_ms(20);
	}
	return NULL;
}

/* ---- socket traffic ----------------------------------------------------------- */

struct targets {
	volatile long *stop;
	int listener;			/* TCP 127.0.0.1 */
	struct sockaddr_storage tcp4, udp4, udp6;
	socklen_t tcp4_len, udp4_len, udp6_len;
};

/* out[]: */
enum {
	W_ROUNDS, W_MAX_MS, W_HANGS, W_INTERNAL, W_INTERNAL_ERRNO, W_GOOD,
	W_FAILED,
};

static void note_call(struct caller *c, long t0, int res)
{
	long dt = now_ms() - t0;
	int e = res < 0 ? errno : 0;

	if (dt > c->out[W_MAX_MS])
		c->out[W_MAX_MS] = dt;
	if (dt > CALL_HANG_MS)
		c->out[W_HANGS]++;
	/* The daemon's errors come through as given, but never the kernel's
	 * own (ERESTARTSYS 512 up to ENOGRACE 531). */
	if (e >= 512 && e <= 531) {
		c->out[W_INTERNAL]++;
		c->out[W_INTERNAL_ERRNO] = e;
	}
	if (res < 0)
		c->out[W_FAILED]++;
	else
		c->out[W_GOOD]++;
}

#define TIMED(c, expr) ({			\
	long _t0 = now_ms();			\
	int _r = (expr);			\
	note_call((c), _t0, _r);		\
	_r;					\
})

static int traffic_worker(struct caller *c)
{
	struct targets *tg = c->arg;
	struct rng rng = { .s = F.seed ^ (uint64_t)getpid() };
	struct sockaddr_storage any;
	socklen_t any_len;
	int fd;

	close(FUZZ_FD);
	while (!*tg->stop) {
		bool v6 = chance(&rng, 30);
		struct linger lg = { 1, 0 };

		switch (below(&rng, 6)) {
		case 0:	/* socket() alone */
			fd = TIMED(c, socket(v6 ? AF_INET6 : AF_INET,
					     (chance(&rng, 50) ? SOCK_STREAM :
								 SOCK_DGRAM) |
					     SOCK_CLOEXEC, 0));
			break;
		case 1:	/* TCP connect, not waiting for the handshake */
			fd = TIMED(c, socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
					     SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			TIMED(c, connect(fd, (struct sockaddr *)&tg->tcp4,
					 tg->tcp4_len));
			break;
		case 2:	/* UDP connect */
			fd = TIMED(c, socket(v6 ? AF_INET6 : AF_INET,
					     SOCK_DGRAM | SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			TIMED(c, connect(fd, (struct sockaddr *)(v6 ? &tg->udp6 :
								     &tg->udp4),
					 v6 ? tg->udp6_len : tg->udp4_len));
			break;
		case 3:	/* unconnected UDP sendto */
			fd = TIMED(c, socket(v6 ? AF_INET6 : AF_INET,
					     SOCK_DGRAM | SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			TIMED(c, (int)sendto(fd, "x", 1, MSG_DONTWAIT,
					     (struct sockaddr *)(v6 ? &tg->udp6 :
								     &tg->udp4),
					     v6 ? tg->udp6_len : tg->udp4_len));
			break;
		case 4:	/* bind, listen */
			fd = TIMED(c, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			any_len = make_addr(&any, "127.0.0.1", 0);
			if (!TIMED(c, bind(fd, (struct sockaddr *)&any, any_len)))
				TIMED(c, listen(fd, 4));
			break;
		default: /* accept what the workers' connects left queued */
			fd = -1;
			if (fd_readable(tg->listener, 0)) {
				fd = TIMED(c, accept4(tg->listener, NULL, NULL,
						      SOCK_NONBLOCK | SOCK_CLOEXEC));
				if (fd < 0 && errno == EAGAIN)
					fd = -1;
			}
			break;
		}
		if (fd >= 0)
			close(fd);
		c->out[W_ROUNDS]++;
	}
	return 0;
}

/* ---- the test -------------------------------------------------------------------- */

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 0);
	return *end || v <= 0 ? def : v;
}

FIXTURE(fuzz) {
	struct targets tg;
	int udp4, udp6;
	struct caller wk[WORKERS];
	int nwk;
	char *mem;
};

FIXTURE_SETUP(fuzz)
{
	struct sigaction sa = { .sa_handler = poke_handler };

	self->udp4 = self->udp6 = self->tg.listener = -1;
	sactl_setup();
	ASSERT_TRUE(module_loaded()) TH_LOG("the sactl module is not loaded");
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	self->tg.stop = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->tg.stop);
	*self->tg.stop = 0;
	self->tg.listener = bound_socket("127.0.0.1", SOCK_STREAM,
					 &self->tg.tcp4, &self->tg.tcp4_len);
	ASSERT_LE(0, self->tg.listener) TH_LOG("listener: %m");
	ASSERT_EQ(0, fcntl(self->tg.listener, F_SETFL, O_NONBLOCK));
	self->udp4 = bound_socket("127.0.0.1", SOCK_DGRAM, &self->tg.udp4,
				  &self->tg.udp4_len);
	ASSERT_LE(0, self->udp4) TH_LOG("udp4: %m");
	self->udp6 = bound_socket("::1", SOCK_DGRAM, &self->tg.udp6,
				  &self->tg.udp6_len);
	ASSERT_LE(0, self->udp6) TH_LOG("udp6: %m");
	/* Per thread: a buffer, and a page that is not there after another. */
	self->mem = mmap(NULL, THREADS * 3 * PAGE + THREADS * BUF_SIZE,
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	for (int i = 0; i < THREADS; i++) {
		char *g = self->mem + i * 3 * PAGE;

		ASSERT_EQ(0, mprotect(g + 2 * PAGE, PAGE, PROT_NONE));
		F.th[i].guard = g + 2 * PAGE;
		F.th[i].buf = self->mem + THREADS * 3 * PAGE + i * BUF_SIZE;
		F.th[i].idx = i;
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->tg.stop && self->tg.stop != MAP_FAILED)
		*self->tg.stop = 1;
	F.stop = 1;
	F.watchdog_stop = 1;
	if (F.fd_open) {
		F.fd_open = 0;
		close(FUZZ_FD);
	}
	sactl_teardown();
	close(self->tg.listener);
	close(self->udp4);
	close(self->udp6);
}

/* Join a thread, giving up after timeout_ms: false if it is stuck. */
static bool join_within(pthread_t tid, int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	return !pthread_timedjoin_np(tid, NULL, &ts);
}

TEST_F_TIMEOUT(fuzz, device, DEF_SECS + 120)
{
	long secs = env_long("SACTL_FUZZ_SECS", DEF_SECS);
	struct sactl_request req;
	struct caller c;
	struct sock_op op = { .kind = SOP_CONNECT };
	unsigned long long pending = ~0ULL, rules = ~0ULL;
	long t0, totals[F_NR] = { 0 };
	int fds_before, fds_after, fd;
	char line[512];
	size_t len;

	F.seed = (uint64_t)env_long("SACTL_FUZZ_SEED", 0);
	if (!F.seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		F.seed = ((uint64_t)ts.tv_sec * 1000003ULL) ^ (uint64_t)ts.tv_nsec;
		F.seed &= 0x7fffffffffffULL;
		if (!F.seed)
			F.seed = 1;
	}
	F.max_ops = env_long("SACTL_FUZZ_OPS", DEF_OPS);
	fprintf(stderr, "# seed %llu (SACTL_FUZZ_SEED=%llu to repeat), %ld ops, %ld s at most\n",
		(unsigned long long)F.seed, (unsigned long long)F.seed,
		F.max_ops, secs);

	/* Low timeouts, so that unanswered callers come back soon. */
	ASSERT_EQ(0, param_write("timeout_ms", "150"));
	fds_before = open_fd_count();

	/* The workers first: they must not inherit the device. */
	for (int i = 0; i < WORKERS; i++) {
		ASSERT_EQ(0, caller_start(&self->wk[i], traffic_worker, &self->tg));
		self->nwk++;
	}

	t0 = now_ms();
	F.deadline = t0 + secs * 1000;
	for (int i = 0; i < THREADS; i++)
		F.th[i].rng.s = F.seed * 0x100000001b3ULL + (uint64_t)i;
	F.th[0].tid = pthread_self();
	op_open(&F.th[0]);
	ASSERT_EQ(1, F.fd_open) TH_LOG("could not open " SACTL_DEV);
	for (int i = 1; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_create(&F.th[i].tid, NULL, fuzz_thread,
					    &F.th[i]));
	}
	ASSERT_EQ(0, pthread_create(&F.watchdog, NULL, watchdog, NULL));
	fuzz_thread(&F.th[0]);

	/* Every thread comes back: no device call hangs. */
	for (int i = 1; i < THREADS; i++) {
		ASSERT_TRUE(join_within(F.th[i].tid, 30000))
			TH_LOG("thread %d stuck in a device call", i);
	}
	F.watchdog_stop = 1;
	ASSERT_TRUE(join_within(F.watchdog, 10000));
	op_close(&F.th[0]);

	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < F_NR; j++)
			totals[j] += F.th[i].ops[j];
	len = 0;
	for (int j = 0; j < F_NR; j++)
		len += snprintf(line + len, sizeof(line) - len, " %s %ld",
				fop_names[j], totals[j]);
	fprintf(stderr, "# %ld ops in %ld ms:%s\n",
		F.ops_started > F.max_ops ? F.max_ops : F.ops_started,
		now_ms() - t0, line);
	fprintf(stderr, "# %ld records read, %ld exe fds, %ld answered\n",
		F.records, F.exe_fds, F.answered);

	/* Every worker comes back, with no call that hung or leaked an
	 * internal errno. */
	*self->tg.stop = 1;
	for (int i = 0; i < self->nwk; i++) {
		struct caller *w = &self->wk[i];

		ASSERT_EQ(0, caller_wait(w, CALL_HANG_MS + WAIT_MS))
			TH_LOG("worker %d did not return", i);
		EXPECT_EQ(0, w->result);
		fprintf(stderr, "# worker %d: %ld rounds, %ld calls ok, %ld failed, longest %ld ms\n",
			i, w->out[W_ROUNDS], w->out[W_GOOD], w->out[W_FAILED],
			w->out[W_MAX_MS]);
		EXPECT_LT(0, w->out[W_ROUNDS]);
		EXPECT_EQ(0, w->out[W_HANGS])
			TH_LOG("worker %d: %ld calls took over %d ms (longest %ld)",
			       i, w->out[W_HANGS], CALL_HANG_MS, w->out[W_MAX_MS]);
		EXPECT_EQ(0, w->out[W_INTERNAL])
			TH_LOG("worker %d: %ld calls failed with kernel-internal errno %ld",
			       i, w->out[W_INTERNAL], w->out[W_INTERNAL_ERRNO]);
	}

	EXPECT_EQ(0, F.failures) TH_LOG("%ld failures, first: %s", F.failures,
				       F.failure);
	EXPECT_LT(0, F.records) TH_LOG("no request was ever read");

	params_restore();
	ASSERT_TRUE(module_loaded());
	/* Nothing left waiting or cached, no descriptor left behind. */
	for (long end = now_ms() + WAIT_MS; now_ms() < end; sleep_ms(20))
		if (!stat_read("pending", &pending) && !pending)
			break;
	EXPECT_EQ(0ULL, pending);
	EXPECT_EQ(0, stat_read("cache_rules", &rules));
	EXPECT_EQ(0ULL, rules);
	fds_after = open_fd_count();
	EXPECT_EQ(fds_before, fds_after);

	/* And it still works: an answer, both ways. */
	fd = sactl_open(0);
	ASSERT_LE(0, fd) TH_LOG("open " SACTL_DEV " after the run: %m");
	op.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, op.fd);
	op.addr = self->tg.udp4;
	op.addrlen = self->tg.udp4_len;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	ASSERT_EQ(0, sactl_allow(fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(fd, &req, WAIT_MS));
	ASSERT_EQ(0, sactl_deny(fd, req.id, EACCES));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EACCES, c.result);
	close(op.fd);
	sactl_close(&fd);
}

/* The harness's timeout follows SACTL_FUZZ_SECS (the object is the
 * harness's record of the test above). */
static void __attribute__((constructor)) fuzz_timeout(void)
{
	long secs = env_long("SACTL_FUZZ_SECS", DEF_SECS);

	_fuzz_device_object.timeout = (int)(secs + 120);
}

TEST_HARNESS_MAIN
