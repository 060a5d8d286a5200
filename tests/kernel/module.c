// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: loading and unloading the module, also while sockets are being
 * created and connected all the time.  The program leaves the module
 * loaded, as it found it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "harness.h"
#include "sactl_test.h"

#define CYCLES		50
#define WORKERS		4
#define UNLOAD_MS	5000

static int delete_module(const char *name, int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

/* Unload, retrying while callers in flight still hold the module. */
static int unload(int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		if (!delete_module("sactl", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EBUSY)
			return -errno;
		if (now_ms() >= deadline)
			return -errno;
		sleep_ms(2);
	}
}

static int load(void)
{
	int fd = open(sactl_ko_path(), O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return r;
}

FIXTURE(mod) {
	int fd;			/* /dev/sactl */
	int peer;		/* a bound UDP socket to connect to */
	int sock;		/* an unbound UDP socket for the callers */
	int listener;		/* TCP, for the workers */
	struct sock_op op;	/* connect sock to peer */
	volatile long *stop;	/* shared with the workers */
};

FIXTURE_SETUP(mod)
{
	self->fd = self->peer = self->sock = self->listener = -1;
	sactl_setup();
	self->peer = bound_socket("127.0.0.1", SOCK_DGRAM, &self->op.addr,
				  &self->op.addrlen);
	ASSERT_LE(0, self->peer);
	self->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->sock);
	self->op.kind = SOP_CONNECT;
	self->op.fd = self->sock;
	self->stop = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->stop);
	*self->stop = 0;
}

FIXTURE_TEARDOWN(mod)
{
	int r;

	if (self->stop != MAP_FAILED && self->stop)
		*self->stop = 1;
	sactl_teardown();	/* kills the workers; closes the device */
	if (!module_loaded()) {
		r = load();
		if (r)
			fprintf(stderr, "# could not load %s again: %s\n",
				sactl_ko_path(), strerror(-r));
	}
	params_restore();	/* a reload reset them */
	close(self->listener);
	close(self->sock);
	close(self->peer);
}

TEST_F(mod, unload_while_open)
{
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	EXPECT_EQ(-1, delete_module("sactl", O_NONBLOCK));
	EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK)
		TH_LOG("delete_module: %m");
	EXPECT_TRUE(module_loaded());
	/* Still working. */
	EXPECT_EQ(0, ioctl(self->fd, SACTL_IOC_GET_ABI,
			   &(struct sactl_abi){ 0 }));
	sactl_close(&self->fd);
}

/* Unload and load once; without the module calls pass, with it they are
 * asked again. */
TEST_F(mod, unload_load)
{
	struct sactl_request req;
	struct caller c;

	if (access(sactl_ko_path(), R_OK))
		SKIP(return, "no module file at %s (SACTL_KO)", sactl_ko_path());
	ASSERT_EQ(0, unload(UNLOAD_MS));
	EXPECT_FALSE(module_loaded());
	EXPECT_EQ(-1, access(SACTL_DEV, F_OK));

	ASSERT_EQ(0, caller_op(&c, &self->op));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);

	ASSERT_EQ(0, load()) TH_LOG("loading %s", sactl_ko_path());
	EXPECT_TRUE(module_loaded());
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	ASSERT_EQ(0, caller_op(&c, &self->op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, EACCES));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EACCES, c.result);
}

struct worker_arg {
	volatile long *stop;
	int listener;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Accept and close until killed. */
static int acceptor(struct caller *c)
{
	struct worker_arg *w = c->arg;

	while (!*w->stop) {
		int fd = accept(w->listener, NULL, NULL);

		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* socket + connect + close until told to stop; out[0] = rounds,
 * out[1] = failures, out[2] = the last errno.  Flat out, but at nice 19:
 * at nice 0, on the test VM's one emulated CPU, the loops queue RCU
 * callbacks (each close frees a file, a sockfs inode...) faster than
 * ksoftirqd, competing with them, invokes them; grace periods still end,
 * but the backlog grows without end and every synchronize_rcu() in the
 * unload waits behind all of it (see load.c). */
static int worker(struct caller *c)
{
	struct worker_arg *w = c->arg;

	if (setpriority(PRIO_PROCESS, 0, 19))
		return errno;
	while (!*w->stop) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			c->out[1]++;
			c->out[2] = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&w->addr, w->addrlen)) {
			c->out[1]++;
			c->out[2] = errno;
		}
		close(fd);
		c->out[0]++;
	}
	return 0;
}

/* The runner allows a program 300 s in all. */
TEST_F_TIMEOUT(mod, load_unload_cycles, 200)
{
	struct worker_arg w = { .stop = self->stop };
	struct caller acc, wk[WORKERS];
	struct sactl_request req;
	struct caller c;
	long t0 = now_ms();

	if (access(sactl_ko_path(), R_OK))
		SKIP(return, "no module file at %s (SACTL_KO)", sactl_ko_path());
	self->listener = tcp_listener("127.0.0.1", &w.addr, &w.addrlen);
	ASSERT_LE(0, self->listener);
	w.listener = self->listener;
	ASSERT_EQ(0, caller_start(&acc, acceptor, &w));
	for (int i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, caller_start(&wk[i], worker, &w));

	for (int i = 0; i < CYCLES; i++) {
		int r = unload(UNLOAD_MS);

		ASSERT_EQ(0, r) TH_LOG("cycle %d: delete_module: %s", i,
				       strerror(-r));
		r = load();
		ASSERT_EQ(0, r) TH_LOG("cycle %d: finit_module: %s", i,
				       strerror(-r));
	}
	TH_LOG("%d cycles in %ld ms", CYCLES, now_ms() - t0);

	*self->stop = 1;
	for (int i = 0; i < WORKERS; i++) {
		ASSERT_EQ(0, caller_wait(&wk[i], WAIT_MS));
		EXPECT_EQ(0, wk[i].result);
		EXPECT_LT(0, wk[i].out[0]) TH_LOG("worker %d made no progress", i);
		EXPECT_EQ(0, wk[i].out[1])
			TH_LOG("worker %d: %ld of %ld rounds failed, last: %s", i,
			       wk[i].out[1], wk[i].out[0],
			       strerror((int)wk[i].out[2]));
	}
	caller_kill(&acc);

	/* Loaded, and it works. */
	EXPECT_TRUE(module_loaded());
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	ASSERT_EQ(0, caller_op(&c, &self->op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

TEST_HARNESS_MAIN
