// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: the module's life under load.  Eight forked workers make socket
 * calls all the time (socket + connect over TCP and UDP, sendto) while the
 * module is loaded and unloaded again and again: with no daemon, with a
 * daemon that answers some requests, denies some and leaves the rest
 * waiting, and with requests still waiting when the daemon lets go.
 * Unloading is refused while the device is open; it works once it is
 * closed (retried while a call is passing through).  Every worker call
 * returns: allowed, denied by the daemon, by the timeout or by a default
 * verdict; none hangs, none fails otherwise.  The runner checks the
 * console for splats and kmemleak at the end.
 *
 * SACTL_LOAD_CYCLES=N runs N cycles of each kind (default: see below).
 * The program leaves the module loaded, as it found it.
 *
 * The workers run at nice 19.  At nice 0, on the test VM's one emulated
 * CPU, they starved RCU callback invocation: grace periods kept ending
 * (every ~0.35 s), but each socket they close queues call_rcu() callbacks
 * (the file, the sockfs inode, a UDP sock) faster than ksoftirqd, one
 * nice-0 task among nine CPU-bound ones that runs RCU_SOFTIRQ ~9 times a
 * second and invokes a bounded batch each time, could run them.  The
 * backlog, and with it the latency of every synchronize_rcu() (which waits
 * behind it), grew without end: a callback queued after 9 s of load ran
 * 30 s later, and delete_module's three chained synchronize_rcu() calls
 * (sactl_unregister(), free_module() twice) took 1.8, 7 and 31 s.  At nice
 * 19 they still call flat out, but kernel threads get the CPU they need.
 * A stuck load or unload prints its kernel stack and dumps every task's
 * (sysrq t) after 30 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "harness.h"
#include "sactl_test.h"

#define WORKERS		8
#define UNLOAD_MS	10000
/* Callers wait this long at most; it is a load parameter, so no call
 * ever waits for the 60 s default. */
#define TIMEOUT_MS	300
#define PARAMS		"timeout_ms=300"
/* No call may take anywhere near this long. */
#define CALL_HANG_MS	10000
/* The daemon's denial, told apart from the defaults' EPERM. */
#define DENY_ERRNO	EACCES
/* The workers' nice value: see above. */
#define WORKER_NICE	19

#define NEED_MODULE_FILE()						\
	do {								\
		if (access(sactl_ko_path(), R_OK))			\
			SKIP(return, "no module file at %s (SACTL_KO)",	\
			     sactl_ko_path());				\
	} while (0)

/* Per worker, in shared memory (struct caller's out[]). */
enum {
	W_ROUNDS, W_ALLOWED, W_DENIED, W_OTHER, W_LAST_OTHER, W_MAX_MS,
	W_HANGS, W_OP,
};

struct targets {
	volatile long *stop;
	int listener;
	struct sockaddr_storage tcp, udp;
	socklen_t tcp_len, udp_len;
};

FIXTURE(load) {
	struct targets tg;
	int listener, peer;
	struct caller acc, wk[WORKERS];
	bool started;
	int fd;
};

static int cycles(int def)
{
	const char *s = getenv("SACTL_LOAD_CYCLES");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : def;
}

/* What one call returned: 0 or errno.  Allowed: 0 (or EINPROGRESS, a TCP
 * connect on its way); denied: the daemon's error or EPERM (timeout or a
 * deny default). */
static void note(struct caller *c, int op, long t0, int res)
{
	long dt = now_ms() - t0;

	if (dt > c->out[W_MAX_MS])
		c->out[W_MAX_MS] = dt;
	if (dt > CALL_HANG_MS)
		c->out[W_HANGS]++;
	if (!res || res == EINPROGRESS) {
		c->out[W_ALLOWED]++;
	} else if (res == DENY_ERRNO || res == EPERM) {
		c->out[W_DENIED]++;
	} else {
		c->out[W_OTHER]++;
		c->out[W_LAST_OTHER] = res;
		c->out[W_OP] = op;
	}
}

#define CALL(c, op, expr) ({					\
	long _t0 = now_ms();					\
	int _r = (expr);					\
	note((c), (op), _t0, _r < 0 ? errno : 0);		\
	_r;							\
})

/* socket + connect (TCP to the listener; UDP), or an unconnected sendto,
 * until told to stop.  The TCP connect waits for its handshake (2 s at
 * most, then EINPROGRESS), so that each worker has one at a time: a flood
 * of half-open connections on the loopback is not what this is about.
 * Flat out, but at WORKER_NICE, so that ksoftirqd keeps up with the RCU
 * callbacks their closes queue (see the top of the file). */
static int worker(struct caller *c)
{
	struct targets *tg = c->arg;
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	if (setpriority(PRIO_PROCESS, 0, WORKER_NICE))
		return errno;
	while (!*tg->stop) {
		switch (c->out[W_ROUNDS] % 3) {
		case 0:
			fd = CALL(c, 1, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			CALL(c, 2, connect(fd, (struct sockaddr *)&tg->tcp,
					   tg->tcp_len));
			close(fd);
			break;
		case 1:
			fd = CALL(c, 3, socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			CALL(c, 4, connect(fd, (struct sockaddr *)&tg->udp,
					   tg->udp_len));
			close(fd);
			break;
		default:
			fd = CALL(c, 5, socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
			if (fd < 0)
				break;
			CALL(c, 6, (int)sendto(fd, "x", 1, MSG_DONTWAIT,
					       (struct sockaddr *)&tg->udp,
					       tg->udp_len));
			close(fd);
			break;
		}
		c->out[W_ROUNDS]++;
	}
	return 0;
}

/* Accept what the workers' connects queue (its accepts are asked too). */
static int acceptor(struct caller *c)
{
	struct targets *tg = c->arg;

	while (!*tg->stop) {
		int fd;

		if (!fd_readable(tg->listener, 100))
			continue;
		fd = accept4(tg->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static void *stuck_watch(void *arg);

FIXTURE_SETUP(load)
{
	pthread_t tid;

	self->listener = self->peer = self->fd = -1;
	sactl_setup();
	if (!pthread_create(&tid, NULL, stuck_watch, NULL))
		pthread_detach(tid);
	self->tg.stop = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->tg.stop);
	*self->tg.stop = 0;
	self->listener = bound_socket("127.0.0.1", SOCK_STREAM, &self->tg.tcp,
				      &self->tg.tcp_len);
	ASSERT_LE(0, self->listener) TH_LOG("listener: %m");
	ASSERT_EQ(0, listen(self->listener, 1024));
	ASSERT_EQ(0, fcntl(self->listener, F_SETFL, O_NONBLOCK));
	self->peer = bound_socket("127.0.0.1", SOCK_DGRAM, &self->tg.udp,
				  &self->tg.udp_len);
	ASSERT_LE(0, self->peer) TH_LOG("peer: %m");
}

FIXTURE_TEARDOWN(load)
{
	int r;

	if (self->tg.stop && self->tg.stop != MAP_FAILED)
		*self->tg.stop = 1;
	sactl_teardown();	/* kills the workers; closes the device */
	if (!module_loaded()) {
		r = sactl_module_load(NULL);
		if (r)
			fprintf(stderr, "# could not load %s again: %s\n",
				sactl_ko_path(), strerror(-r));
	}
	params_restore();	/* a reload reset them */
	close(self->listener);
	close(self->peer);
}

static void start_workers(struct __test_metadata *_metadata,
			  FIXTURE_DATA(load) *self)
{
	self->tg.listener = self->listener;
	ASSERT_EQ(0, caller_start(&self->acc, acceptor, &self->tg));
	for (int i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, caller_start(&self->wk[i], worker, &self->tg));
	self->started = true;
}

/*
 * Stop the workers: each must come back (no call hangs), have made
 * progress, and have seen nothing but allowed and denied calls.
 */
static void stop_workers(struct __test_metadata *_metadata,
			 FIXTURE_DATA(load) *self)
{
	long rounds = 0, allowed = 0, denied = 0, max_ms = 0;

	*self->tg.stop = 1;
	for (int i = 0; i < WORKERS; i++) {
		struct caller *w = &self->wk[i];

		ASSERT_EQ(0, caller_wait(w, CALL_HANG_MS + WAIT_MS))
			TH_LOG("worker %d did not come back", i);
		EXPECT_EQ(0, w->result);
		EXPECT_LT(0, w->out[W_ROUNDS]) TH_LOG("worker %d made no calls", i);
		EXPECT_EQ(0, w->out[W_HANGS])
			TH_LOG("worker %d: %ld calls took over %d ms (longest %ld ms)",
			       i, w->out[W_HANGS], CALL_HANG_MS, w->out[W_MAX_MS]);
		EXPECT_EQ(0, w->out[W_OTHER])
			TH_LOG("worker %d: %ld calls failed otherwise, the last (call %ld) with %s",
			       i, w->out[W_OTHER], w->out[W_OP],
			       strerror((int)w->out[W_LAST_OTHER]));
		rounds += w->out[W_ROUNDS];
		allowed += w->out[W_ALLOWED];
		denied += w->out[W_DENIED];
		if (w->out[W_MAX_MS] > max_ms)
			max_ms = w->out[W_MAX_MS];
	}
	ASSERT_EQ(0, caller_wait(&self->acc, WAIT_MS));
	fprintf(stderr, "# workers: %ld rounds, %ld calls allowed, %ld denied, longest %ld ms\n",
		rounds, allowed, denied, max_ms);
}

/* Loaded, and a request/answer round trip works. */
static void round_trip(struct __test_metadata *_metadata,
		       FIXTURE_DATA(load) *self)
{
	struct sock_op op = { .kind = SOP_CONNECT };
	struct sactl_request req;
	struct caller c;

	ASSERT_TRUE(module_loaded());
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	op.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, op.fd);
	op.addr = self->tg.udp;
	op.addrlen = self->tg.udp_len;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, DENY_ERRNO));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(DENY_ERRNO, c.result);
	close(op.fd);
	sactl_close(&self->fd);
}

/*
 * A load or unload stuck in the kernel (it sleeps uninterruptibly, so the
 * harness's timeout cannot end it): once, show every task's stack on the
 * console (sysrq t), so that the run says where it hangs.
 */
#define STUCK_MS	30000
static volatile long mod_call_since;
static volatile int stuck_stop;

/* The kernel stack of the (main thread's) stuck load or unload. */
static void print_stack(void)
{
	char path[64], buf[2048];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "#   %s\n", line);
}

static void *stuck_watch(void *arg)
{
	(void)arg;
	while (!stuck_stop) {
		long since = mod_call_since;

		if (since && now_ms() - since > STUCK_MS) {
			int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

			fprintf(stderr, "# a module load/unload is stuck for %d s: sysrq t\n",
				STUCK_MS / 1000);
			print_stack();
			if (fd >= 0) {
				if (write(fd, "t", 1) != 1)
					fprintf(stderr, "# sysrq: %m\n");
				close(fd);
			}
			break;
		}
		sleep_ms(500);
	}
	return NULL;
}

static int timed_unload(void)
{
	int r;

	mod_call_since = now_ms();
	r = sactl_module_unload(UNLOAD_MS);
	mod_call_since = 0;
	return r;
}

static int timed_load(const char *params)
{
	int r;

	mod_call_since = now_ms();
	r = sactl_module_load(params);
	mod_call_since = 0;
	return r;
}

static void do_unload(struct __test_metadata *_metadata, int cycle)
{
	int r = timed_unload();

	ASSERT_EQ(0, r) TH_LOG("cycle %d: delete_module: %s", cycle, strerror(-r));
	ASSERT_FALSE(module_loaded());
}

static void do_load(struct __test_metadata *_metadata, int cycle,
		    const char *params)
{
	int r = timed_load(params);

	ASSERT_EQ(0, r) TH_LOG("cycle %d: finit_module(%s): %s", cycle, params,
			       strerror(-r));
	ASSERT_TRUE(module_loaded());
}

/* Refused while the device is open, whatever waits in it. */
static void unload_refused(struct __test_metadata *_metadata, int cycle)
{
	int r = sactl_module_unload_once();

	ASSERT_NE(0, r) TH_LOG("cycle %d: unloaded with the device open", cycle);
	EXPECT_TRUE(sactl_module_busy_errno(-r))
		TH_LOG("cycle %d: delete_module: %s", cycle, strerror(-r));
	ASSERT_TRUE(module_loaded());
}

/* ---- no daemon ------------------------------------------------------------ */

TEST_F_TIMEOUT(load, no_daemon, 150)
{
	int n = cycles(4);
	long t0 = now_ms();

	NEED_MODULE_FILE();

	start_workers(_metadata, self);
	ASSERT_EQ(0, timed_unload());
	for (int i = 0; i < n; i++) {
		/* Every other time, the default for no daemon is a denial. */
		do_load(_metadata, i, i % 2 ? PARAMS " detached_verdict=deny" :
					      PARAMS);
		sleep_ms(200);
		do_unload(_metadata, i);
		sleep_ms(50);
	}
	do_load(_metadata, n, PARAMS);
	fprintf(stderr, "# %d cycles in %ld ms\n", n, now_ms() - t0);
	stop_workers(_metadata, self);
	params_restore();
	round_trip(_metadata, self);
}

/* ---- a daemon that answers some and leaves others ---------------------------- */

struct daemon {
	int fd;
	volatile int stop;
	long read, allowed, denied, left;
	int err;		/* first unexpected error, positive */
};

/*
 * Read and answer in turn: allow, deny, leave waiting (it times out, or
 * the close lets it go).  Stops when told, and closes the device itself
 * with whatever is still waiting.
 */
static void *daemon_thread(void *arg)
{
	struct daemon *d = arg;
	struct sactl_request req;

	while (!d->stop) {
		int r = sactl_recv(d->fd, &req, 50);

		if (r == -ETIMEDOUT)
			continue;
		if (r) {
			d->err = d->err ?: -r;
			break;
		}
		d->read++;
		switch (d->read % 3) {
		case 0:
			r = sactl_allow(d->fd, req.id);
			d->allowed += !r;
			break;
		case 1:
			r = sactl_deny(d->fd, req.id, DENY_ERRNO);
			d->denied += !r;
			break;
		default:
			d->left++;
			r = 0;
			break;
		}
		/* Timed out in between: ENOENT. */
		if (r && r != -ENOENT)
			d->err = d->err ?: -r;
	}
	sactl_close(&d->fd);
	return NULL;
}

TEST_F_TIMEOUT(load, daemon_answers, 180)
{
	long read = 0, allowed = 0, denied = 0, left = 0, t0 = now_ms();
	int n = cycles(5);

	NEED_MODULE_FILE();

	start_workers(_metadata, self);
	ASSERT_EQ(0, timed_unload());
	for (int i = 0; i < n; i++) {
		struct daemon d = { .fd = -1 };
		pthread_t tid;

		do_load(_metadata, i, PARAMS);
		/* Callers get by without a daemon for a moment... */
		sleep_ms(50);
		d.fd = sactl_open(0);
		ASSERT_LE(0, d.fd) TH_LOG("cycle %d: open: %m", i);
		ASSERT_EQ(0, pthread_create(&tid, NULL, daemon_thread, &d));
		/* ...then it decides, and unloading is refused meanwhile. */
		for (int j = 0; j < 4; j++) {
			sleep_ms(120);
			unload_refused(_metadata, i);
		}
		d.stop = 1;
		ASSERT_EQ(0, pthread_join(tid, NULL));
		EXPECT_EQ(0, d.err) TH_LOG("cycle %d: daemon: %s", i,
					   strerror(d.err));
		read += d.read;
		allowed += d.allowed;
		denied += d.denied;
		left += d.left;
		do_unload(_metadata, i);
	}
	do_load(_metadata, n, PARAMS);
	fprintf(stderr, "# %d cycles in %ld ms; the daemon read %ld, allowed %ld, denied %ld, left %ld\n",
		n, now_ms() - t0, read, allowed, denied, left);
	EXPECT_LT(0, allowed);
	EXPECT_LT(0, denied);
	EXPECT_LT(0, left);
	stop_workers(_metadata, self);
	params_restore();
	round_trip(_metadata, self);
}

/* ---- requests waiting when the daemon lets go, and when unloading ------------ */

TEST_F_TIMEOUT(load, pending_at_unload, 180)
{
	int n = cycles(5);
	long t0 = now_ms(), held = 0;

	NEED_MODULE_FILE();

	start_workers(_metadata, self);
	ASSERT_EQ(0, timed_unload());
	for (int i = 0; i < n; i++) {
		struct sactl_request req;
		unsigned long long pending = 0;
		int r;

		/* Long timeouts: nothing leaves but by the close. */
		do_load(_metadata, i, i % 2 ? "timeout_ms=30000 detached_verdict=deny" :
					      "timeout_ms=30000");
		self->fd = sactl_open(0);
		ASSERT_LE(0, self->fd) TH_LOG("cycle %d: open: %m", i);
		/* Some read (waiting for an answer), the rest queued. */
		for (int j = 0; j < 3; j++) {
			r = sactl_recv(self->fd, &req, WAIT_MS);
			ASSERT_EQ(0, r) TH_LOG("cycle %d: no request: %s", i,
					       strerror(-r));
		}
		ASSERT_EQ(0, stat_wait_ge("pending", 6, WAIT_MS))
			TH_LOG("cycle %d: fewer than 6 callers waiting", i);
		unload_refused(_metadata, i);
		ASSERT_EQ(0, stat_read("pending", &pending));
		held += (long)pending;
		/* Closing lets every one of them go at once... */
		sactl_close(&self->fd);
		for (long end = now_ms() + WAIT_MS; now_ms() < end; sleep_ms(10))
			if (!stat_read("pending", &pending) && !pending)
				break;
		/* (new calls pass at once now: nothing waits without a daemon) */
		EXPECT_EQ(0ULL, pending) TH_LOG("cycle %d: %llu still waiting", i,
						pending);
		/* ...and then the module can go. */
		do_unload(_metadata, i);
	}
	do_load(_metadata, n, PARAMS);
	fprintf(stderr, "# %d cycles in %ld ms, %ld callers held at the close\n",
		n, now_ms() - t0, held);
	stop_workers(_metadata, self);
	params_restore();
	round_trip(_metadata, self);
}

TEST_HARNESS_MAIN
