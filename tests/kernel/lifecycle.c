// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: the life of a request: default verdicts without a daemon,
 * timeouts, the daemon going away, fatal and non-fatal signals, the caps on
 * waiting requests, and the daemon's own exemption.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "harness.h"
#include "sactl_test.h"

FIXTURE(life) {
	int fd;			/* /dev/sactl, when the test opens it */
	int peer;		/* a bound UDP socket to connect to */
	int sock;		/* an unbound UDP socket for the callers */
	struct sockaddr_storage target;
	socklen_t tlen;
};

/* No device is open here: each test decides whether there is a daemon. */
FIXTURE_SETUP(life)
{
	self->fd = self->peer = self->sock = -1;
	sactl_setup();
	self->peer = bound_socket("127.0.0.1", SOCK_DGRAM, &self->target,
				  &self->tlen);
	ASSERT_LE(0, self->peer) TH_LOG("socket: %m");
	self->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->sock) TH_LOG("socket: %m");
}

FIXTURE_TEARDOWN(life)
{
	sactl_teardown();
	close(self->sock);
	close(self->peer);
}

static void connect_op(FIXTURE_DATA(life) *self, struct sock_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = SOP_CONNECT;
	op->fd = self->sock;
	op->addr = self->target;
	op->addrlen = self->tlen;
}

static void open_dev(struct __test_metadata *_metadata,
		     FIXTURE_DATA(life) *self)
{
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
}

#define PARAM(name, value) \
	ASSERT_EQ(0, param_write(name, value)) TH_LOG("setting %s=%s", name, value)

static void expect_param(struct __test_metadata *_metadata, const char *name,
			 const char *want)
{
	char buf[64] = "";

	ASSERT_EQ(0, param_read(name, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

/* ---- no daemon ----------------------------------------------------------- */

TEST_F(life, detached_allow)
{
	struct sactl_stats a, b;
	struct sock_op op;
	struct caller c;

	PARAM("detached_verdict", "allow");
	expect_param(_metadata, "detached_verdict", "allow\n");
	connect_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(0, c.result);
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 1);
	EXPECT_DELTA(a, b, allowed, 1);
	EXPECT_DELTA(a, b, denied, 0);
	EXPECT_DELTA(a, b, defaults, 1);
	EXPECT_DELTA(a, b, pending, 0);
}

TEST_F(life, detached_deny)
{
	struct sockaddr_storage laddr;
	struct sactl_stats a, b;
	struct sock_op op;
	struct caller c;
	socklen_t llen;
	int l, cl;
	char buf[4];

	/* Sockets for later, while calls still pass. */
	l = tcp_listener("127.0.0.1", &laddr, &llen);
	ASSERT_LE(0, l);
	cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, cl);
	ASSERT_EQ(0, connect(cl, (struct sockaddr *)&laddr, llen));

	PARAM("detached_verdict", "deny");
	expect_param(_metadata, "detached_verdict", "deny\n");
	connect_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(EPERM, c.result);
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 1);
	EXPECT_DELTA(a, b, denied, 1);
	EXPECT_DELTA(a, b, allowed, 0);
	EXPECT_DELTA(a, b, defaults, 1);

	/* Without a daemon this process is nobody special. */
	EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(EPERM, errno);

	/* accept: the denying default is ECONNABORTED; the peer sees EOF. */
	op.kind = SOP_ACCEPT;
	op.fd = l;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(ECONNABORTED, c.result);
	ASSERT_TRUE(fd_readable(cl, WAIT_MS));
	EXPECT_GE(0, read(cl, buf, sizeof(buf)));

	/* And back. */
	PARAM("detached_verdict", "allow");
	connect_op(self, &op);
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(0, c.result);
	close(cl);
	close(l);
}

TEST_F(life, param_values)
{
	static const char *const verdicts[] = {
		"detached_verdict", "timeout_verdict", "overflow_verdict",
	};
	char buf[64], was[64];
	int r;

	ASSERT_EQ(0, param_read("timeout_ms", was, sizeof(was)));
	/* Out of range: refused (EINVAL or ERANGE), nothing changed. */
	r = param_write("timeout_ms", "99");
	EXPECT_TRUE(r == -EINVAL || r == -ERANGE) TH_LOG("99: %d", r);
	r = param_write("timeout_ms", "600001");
	EXPECT_TRUE(r == -EINVAL || r == -ERANGE) TH_LOG("600001: %d", r);
	EXPECT_EQ(-EINVAL, param_write("timeout_ms", "soon"));
	expect_param(_metadata, "timeout_ms", was);
	EXPECT_EQ(0, param_write("timeout_ms", "100"));
	expect_param(_metadata, "timeout_ms", "100\n");
	EXPECT_EQ(0, param_write("timeout_ms", "600000"));
	expect_param(_metadata, "timeout_ms", "600000\n");
	for (size_t i = 0; i < ARRAY_SIZE(verdicts); i++) {
		ASSERT_EQ(0, param_read(verdicts[i], buf, sizeof(buf)));
		EXPECT_TRUE(!strcmp(buf, "allow\n") || !strcmp(buf, "deny\n"))
			TH_LOG("%s reads '%s'", verdicts[i], buf);
		EXPECT_EQ(-EINVAL, param_write(verdicts[i], "maybe"));
		EXPECT_EQ(0, param_write(verdicts[i], "deny"));
		expect_param(_metadata, verdicts[i], "deny\n");
		EXPECT_EQ(0, param_write(verdicts[i], "allow"));
		expect_param(_metadata, verdicts[i], "allow\n");
	}
	EXPECT_EQ(0, param_write("max_pending", "7"));
	expect_param(_metadata, "max_pending", "7\n");
	EXPECT_EQ(0, param_write("max_pending_per_uid", "5"));
	expect_param(_metadata, "max_pending_per_uid", "5\n");
}

/* ---- timeouts ------------------------------------------------------------ */

/* connect; out[0] = how long it took, in ms. */
static int timed_connect(struct caller *c)
{
	struct sock_op *op = c->arg;
	long t0 = now_ms();
	int r = ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				 op->addrlen));

	c->out[0] = now_ms() - t0;
	return r;
}

static void timeout_test(struct __test_metadata *_metadata,
			 FIXTURE_DATA(life) *self, bool allow, bool read_it)
{
	struct sactl_request req;
	struct sactl_stats a, b;
	struct sock_op op;
	struct caller c;

	PARAM("timeout_ms", "500");
	PARAM("timeout_verdict", allow ? "allow" : "deny");
	open_dev(_metadata, self);
	connect_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_start(&c, timed_connect, &op));
	if (read_it) {
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		EXPECT_EQ(0, sactl_id_valid(self->fd, req.id));
	} else {
		ASSERT_TRUE(sactl_readable(self->fd, WAIT_MS));
	}
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(allow ? 0 : EPERM, c.result);
	/* Not before the timeout (less a jiffy of rounding). */
	EXPECT_LE(450, c.out[0]);
	if (read_it) {
		EXPECT_EQ(-ENOENT, sactl_id_valid(self->fd, req.id));
		EXPECT_EQ(-ENOENT, sactl_allow(self->fd, req.id));
	} else {
		/* It left the queue. */
		EXPECT_FALSE(sactl_readable(self->fd, 0));
	}
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 1);
	EXPECT_DELTA(a, b, timeouts, 1);
	EXPECT_DELTA(a, b, defaults, 1);
	EXPECT_DELTA(a, b, allowed, allow ? 1 : 0);
	EXPECT_DELTA(a, b, denied, allow ? 0 : 1);
	EXPECT_DELTA(a, b, pending, 0);
}

TEST_F(life, timeout_deny)
{
	timeout_test(_metadata, self, false, true);
}

TEST_F(life, timeout_allow_unread)
{
	timeout_test(_metadata, self, true, false);
}

/* ---- the daemon closes the device ----------------------------------------- */

static void close_test(struct __test_metadata *_metadata,
		       FIXTURE_DATA(life) *self, bool allow)
{
	struct sactl_request req;
	struct sactl_stats a, b;
	struct sock_op op;
	struct caller c[3];
	__u64 ids[3];
	long t0;

	PARAM("detached_verdict", allow ? "allow" : "deny");
	open_dev(_metadata, self);
	connect_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, caller_op(&c[i], &op));
	/* Two read, one left queued. */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		ids[i] = req.id;
	}
	ASSERT_TRUE(sactl_readable(self->fd, WAIT_MS));
	ASSERT_EQ(0, stat_wait_ge("pending", a.pending + 3, WAIT_MS));
	for (int i = 0; i < 3; i++)
		EXPECT_FALSE(caller_finished(&c[i], 0));

	t0 = now_ms();
	sactl_close(&self->fd);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, caller_wait(&c[i], WAIT_MS));
		EXPECT_EQ(allow ? 0 : EPERM, c[i].result);
	}
	/* At once, not after timeout_ms (60 s by default). */
	EXPECT_GT(WAIT_MS, now_ms() - t0);
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 3);
	EXPECT_DELTA(a, b, defaults, 3);
	EXPECT_DELTA(a, b, allowed, allow ? 3 : 0);
	EXPECT_DELTA(a, b, denied, allow ? 0 : 3);
	EXPECT_DELTA(a, b, pending, 0);

	/* A new daemon gets new requests, under new ids. */
	open_dev(_metadata, self);
	ASSERT_EQ(0, caller_op(&c[0], &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_NE(ids[0], req.id);
	EXPECT_NE(ids[1], req.id);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, ECONNREFUSED));
	ASSERT_EQ(0, caller_wait(&c[0], WAIT_MS));
	EXPECT_EQ(ECONNREFUSED, c[0].result);
}

TEST_F(life, daemon_close_allow)
{
	close_test(_metadata, self, true);
}

TEST_F(life, daemon_close_deny)
{
	close_test(_metadata, self, false);
}

/* ---- signals ------------------------------------------------------------- */

static void kill_test(struct __test_metadata *_metadata,
		      FIXTURE_DATA(life) *self, bool read_it)
{
	struct sactl_request req;
	struct sactl_stats a, b;
	struct sock_op op;
	struct caller c;
	char buf[REQ_SIZE];

	open_dev(_metadata, self);
	connect_op(self, &op);
	ASSERT_EQ(0, stats_read(&a));
	ASSERT_EQ(0, caller_op(&c, &op));
	if (read_it) {
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		EXPECT_EQ(0, sactl_id_valid(self->fd, req.id));
	} else {
		ASSERT_TRUE(sactl_readable(self->fd, WAIT_MS));
	}
	caller_kill(&c);
	ASSERT_EQ(0, c.pid) TH_LOG("SIGKILL did not end the wait");
	EXPECT_TRUE(WIFSIGNALED(c.status));
	if (read_it) {
		EXPECT_EQ(-ENOENT, sactl_id_valid(self->fd, req.id));
		EXPECT_EQ(-ENOENT, sactl_allow(self->fd, req.id));
	} else {
		/* Gone from the queue. */
		EXPECT_FALSE(sactl_readable(self->fd, 0));
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
		EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
		EXPECT_EQ(EAGAIN, errno);
	}
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, cancelled, 1);
	EXPECT_DELTA(a, b, pending, 0);
}

TEST_F(life, sigkill_read)
{
	kill_test(_metadata, self, true);
}

TEST_F(life, sigkill_unread)
{
	kill_test(_metadata, self, false);
}

static volatile long *usr1_count;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count[0]++;
}

/* connect with a SIGUSR1 handler installed without SA_RESTART. */
static int connect_with_handler(struct caller *c)
{
	struct sock_op *op = c->arg;
	struct sigaction sa = { .sa_handler = on_usr1 };

	usr1_count = c->out;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 1000 + errno;
	return ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				op->addrlen));
}

/* A non-fatal signal does not end the wait: the daemon's verdict counts. */
TEST_F(life, signal_not_fatal)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;

	open_dev(_metadata, self);
	connect_op(self, &op);
	ASSERT_EQ(0, caller_start(&c, connect_with_handler, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));

	ASSERT_EQ(0, kill(c.pid, SIGUSR1));
	EXPECT_FALSE(caller_finished(&c, 300));
	ASSERT_EQ(0, kill(c.pid, SIGSTOP));
	ASSERT_EQ(0, kill(c.pid, SIGCONT));
	EXPECT_FALSE(caller_finished(&c, 300));
	/* Still the same request, not a restarted call. */
	EXPECT_EQ(0, sactl_id_valid(self->fd, req.id));
	EXPECT_FALSE(sactl_readable(self->fd, 0));

	ASSERT_EQ(0, sactl_deny(self->fd, req.id, ECONNREFUSED));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(ECONNREFUSED, c.result);
	EXPECT_EQ(1, c.out[0]);		/* the handler ran, afterwards */
	EXPECT_FALSE(sactl_readable(self->fd, 0));
}

/* ---- caps on waiting requests --------------------------------------------- */

struct uid_op {
	struct sock_op op;
	uid_t uid;
};

static int connect_as(struct caller *c)
{
	struct uid_op *u = c->arg;

	if (u->uid && (setresgid(u->uid, u->uid, u->uid) ||
		       setresuid(u->uid, u->uid, u->uid)))
		return 1000 + errno;
	return ERRNO_OF(connect(u->op.fd, (struct sockaddr *)&u->op.addr,
				u->op.addrlen));
}

static void recv_from(struct __test_metadata *_metadata, int fd,
		      struct caller *c, __u64 *id)
{
	struct sactl_request req;

	ASSERT_EQ(0, sactl_recv(fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c->pid, req.pid);
	*id = req.id;
}

TEST_F(life, overflow_per_uid)
{
	struct uid_op u3000, u3001;
	struct sactl_request req;
	struct sactl_stats a, b;
	struct caller c[4];
	__u64 id[4];

	connect_op(self, &u3000.op);
	u3000.uid = 3000;
	u3001 = u3000;
	u3001.uid = 3001;
	PARAM("max_pending_per_uid", "2");
	open_dev(_metadata, self);

	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, caller_start(&c[i], connect_as, &u3000));
		ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
		EXPECT_EQ(3000U, req.uid);
		id[i] = req.id;
	}
	ASSERT_EQ(0, stats_read(&a));
	EXPECT_LE(2ULL, a.pending);

	/* The third of uid 3000 gets overflow_verdict (deny) at once. */
	ASSERT_EQ(0, caller_start(&c[2], connect_as, &u3000));
	ASSERT_EQ(0, caller_wait(&c[2], WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(EPERM, c[2].result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, overflows, 1);
	EXPECT_DELTA(a, b, defaults, 1);
	EXPECT_DELTA(a, b, denied, 1);
	EXPECT_DELTA(a, b, requests, 1);

	/* Another uid is still asked. */
	ASSERT_EQ(0, caller_start(&c[3], connect_as, &u3001));
	recv_from(_metadata, self->fd, &c[3], &id[3]);
	for (int i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		ASSERT_EQ(0, sactl_allow(self->fd, id[i]));
	}
	for (int i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		ASSERT_EQ(0, caller_wait(&c[i], WAIT_MS));
		EXPECT_EQ(0, c[i].result);
	}
}

TEST_F(life, overflow_global)
{
	struct uid_op root, u3001;
	struct sactl_stats a, b;
	struct caller c[3];
	__u64 id;

	connect_op(self, &root.op);
	root.uid = 0;
	u3001 = root;
	u3001.uid = 3001;
	PARAM("max_pending", "1");
	open_dev(_metadata, self);

	ASSERT_EQ(0, caller_start(&c[0], connect_as, &root));
	recv_from(_metadata, self->fd, &c[0], &id);
	ASSERT_EQ(0, stats_read(&a));

	/* Full: anybody gets overflow_verdict at once. */
	ASSERT_EQ(0, caller_start(&c[1], connect_as, &u3001));
	ASSERT_EQ(0, caller_wait(&c[1], WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(EPERM, c[1].result);

	PARAM("overflow_verdict", "allow");
	ASSERT_EQ(0, caller_start(&c[2], connect_as, &root));
	ASSERT_EQ(0, caller_wait(&c[2], WAIT_MS)) TH_LOG("the caller was held up");
	EXPECT_EQ(0, c[2].result);
	EXPECT_FALSE(sactl_readable(self->fd, 0));
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, overflows, 2);
	EXPECT_DELTA(a, b, defaults, 2);
	EXPECT_DELTA(a, b, denied, 1);
	EXPECT_DELTA(a, b, allowed, 1);

	/* The one that got in still waits for the daemon. */
	EXPECT_FALSE(caller_finished(&c[0], 0));
	ASSERT_EQ(0, sactl_deny(self->fd, id, EACCES));
	ASSERT_EQ(0, caller_wait(&c[0], WAIT_MS));
	EXPECT_EQ(EACCES, c[0].result);
}

/* ---- the daemon itself ----------------------------------------------------- */

static void *thread_socket(void *arg)
{
	struct sockaddr_storage *to = arg;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long r;

	if (s < 0)
		return (void *)(long)errno;
	r = ERRNO_OF(connect(s, (struct sockaddr *)to, sizeof(struct sockaddr_in)));
	close(s);
	return (void *)r;
}

/* The daemon's thread group is never asked (else it would wait on itself). */
TEST_F(life, daemon_not_asked)
{
	struct sockaddr_storage laddr;
	struct sactl_stats a, b;
	socklen_t llen;
	pthread_t t;
	void *tr;
	int l, s, acc, u;

	/* Were we asked, the calls would fail after 0.5 s instead of hanging. */
	PARAM("timeout_ms", "500");
	PARAM("timeout_verdict", "deny");
	open_dev(_metadata, self);
	ASSERT_EQ(0, stats_read(&a));

	l = tcp_listener("127.0.0.1", &laddr, &llen);	/* socket, bind, listen */
	ASSERT_LE(0, l) TH_LOG("listener: %m");
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, s) TH_LOG("socket: %m");
	EXPECT_EQ(0, connect(s, (struct sockaddr *)&laddr, llen))
		TH_LOG("connect: %m");
	acc = accept(l, NULL, NULL);
	EXPECT_LE(0, acc) TH_LOG("accept: %m");
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u) TH_LOG("socket: %m");
	EXPECT_EQ(1, sendto(u, "x", 1, 0, (struct sockaddr *)&self->target,
			    self->tlen)) TH_LOG("sendto: %m");
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_socket, &self->target));
	ASSERT_EQ(0, pthread_join(t, &tr));
	EXPECT_EQ(0, (long)tr) TH_LOG("a thread: %s", strerror((int)(long)tr));

	EXPECT_FALSE(sactl_readable(self->fd, 0));
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_DELTA(a, b, requests, 0);
	close(u);
	if (acc >= 0)
		close(acc);
	close(s);
	close(l);
}

/*
 * rmmod attempts while a daemon is attached leave no gap.  delete_module()
 * drops the module's base reference for an instant to see whether anyone
 * else holds one; the hooks pin the module with try_module_get() on every
 * call, and a call that failed to would pass unasked.  While the daemon
 * holds the device the count never reaches zero, so every attempt fails
 * and every call meanwhile is still decided: here, all denied.
 */
#define GAP_WORKERS	3
#define GAP_ATTEMPTS	300

static volatile long *gap_stop;

static int socket_loop(struct caller *c)
{
	while (!*gap_stop) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd >= 0) {
			c->out[0]++;	/* passed */
			close(fd);
		} else if (errno == EACCES) {
			c->out[1]++;	/* denied by the daemon */
		} else {
			c->out[2] = errno;
		}
	}
	return 0;
}

struct denier {
	int fd;
	volatile int stop;
	long denied;
};

static void *deny_all(void *arg)
{
	struct denier *d = arg;
	struct sactl_request req;

	while (!d->stop)
		if (!sactl_recv(d->fd, &req, 50) &&
		    !sactl_deny(d->fd, req.id, EACCES))
			d->denied++;
	return NULL;
}

TEST_F(life, unload_attempts_leave_no_gap)
{
	struct caller wk[GAP_WORKERS];
	struct denier d = { .fd = -1 };
	long passed = 0, denied = 0;
	int refused = 0, r;
	pthread_t tid;

	if (!module_loaded())
		SKIP(return, "sactl is not a loaded module here");
	gap_stop = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gap_stop);
	*gap_stop = 0;
	open_dev(_metadata, self);
	d.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&tid, NULL, deny_all, &d));
	for (int i = 0; i < GAP_WORKERS; i++)
		ASSERT_EQ(0, caller_start(&wk[i], socket_loop, NULL));
	for (int i = 0; i < GAP_ATTEMPTS; i++) {
		r = sactl_module_unload_once();
		if (!r)
			break;
		refused += sactl_module_busy_errno(-r);
		if (i % 10 == 0)
			sleep_ms(1);
	}
	*gap_stop = 1;
	for (int i = 0; i < GAP_WORKERS; i++) {
		ASSERT_EQ(0, caller_wait(&wk[i], WAIT_MS));
		passed += wk[i].out[0];
		denied += wk[i].out[1];
		EXPECT_EQ(0, wk[i].out[2])
			TH_LOG("worker %d: %s", i, strerror((int)wk[i].out[2]));
	}
	d.stop = 1;
	pthread_join(tid, NULL);
	if (!module_loaded())
		EXPECT_EQ(0, sactl_module_load(NULL));
	ASSERT_EQ(GAP_ATTEMPTS, refused) TH_LOG("unloaded with the device open");
	EXPECT_EQ(0, passed) TH_LOG("%ld calls passed during unload attempts",
				   passed);
	EXPECT_LT(0, denied);
	EXPECT_EQ(d.denied, denied);
	munmap((void *)gap_stop, sizeof(long));
}

TEST_HARNESS_MAIN
