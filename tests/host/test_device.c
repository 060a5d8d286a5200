// SPDX-License-Identifier: GPL-2.0
/*
 * sactld's device channel (device.c) against the socket double, and its
 * uevent watch (udev.c): records in, executable descriptors passed along,
 * malformed packets dropped without leaking descriptors, answers out in
 * order even when the socket is full, attach/retry/detach, and the ABI
 * check refusing a device that is not /dev/sactl.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sanitizer/lsan_interface.h>

#include <ev.h>

#include "device.h"
#include "udev.h"

/* TEST_F() has unused parameters; EXPECT_EQ(1, n) compares int and size_t. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

#define MAX_SEEN 256

struct seen {
	struct sactl_request recs[MAX_SEEN];
	size_t n;
	int exe_ino_ok;		/* records whose exe_fd was the file sent */
	ino_t want_ino;
	int states[8];		/* 1 attached, 0 detached, in order */
	size_t nstates;
	size_t uevents_added, uevents_removed;
};

static void on_request(void *ctx, const struct sactl_request *rec)
{
	struct seen *s = ctx;
	struct stat st;

	if (s->n < MAX_SEEN)
		s->recs[s->n] = *rec;
	s->n++;
	if (rec->exe_fd >= 0) {
		if (!fstat(rec->exe_fd, &st) && st.st_ino == s->want_ino)
			s->exe_ino_ok++;
		close(rec->exe_fd);	/* the callee owns it */
	}
}

static void on_state(void *ctx, bool attached)
{
	struct seen *s = ctx;

	if (s->nstates < 8)
		s->states[s->nstates++] = attached;
}

static const struct device_ops ops = {
	.request = on_request,
	.state = on_state,
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int listen_at(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(fd, 4))
		return -1;
	return fd;
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	*(bool *)w->data = true;
	ev_break(loop, EVBREAK_ONE);
}

/* Run @loop until *@cond (a size_t) reaches @want or @ms pass. */
static bool run_until(struct ev_loop *loop, const size_t *cond, size_t want,
		      int ms)
{
	bool expired = false;
	ev_timer t;

	ev_timer_init(&t, timeout_cb, ms / 1000.0, 0.);
	t.data = &expired;
	ev_timer_start(loop, &t);
	while (*cond < want && !expired)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
	return *cond >= want;
}

static struct sactl_request make_rec(uint64_t id)
{
	struct sactl_request r = {
		.size = sizeof(r), .version = SACTL_ABI_VERSION,
		.op = SACTL_OP_CONNECT, .id = id, .exe_fd = 5,
		.pid = 4242, .uid = 1000, .family = AF_INET,
		.type = SOCK_STREAM, .protocol = 6,
		.remote = { .family = AF_INET, .port = 443,
			    .addr = { 192, 0, 2, 1 } },
	};

	memcpy(r.comm, "curl", 5);
	return r;
}

/* One packet, optionally carrying @fd. */
static ssize_t send_packet(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static int recv_resp(int sock, struct sactl_response *resp, int ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	n = recv(sock, resp, sizeof(*resp), 0);
	if (n < 0)
		return -errno;
	return n == sizeof(*resp) ? 0 : -EIO;
}

FIXTURE(dbl) {
	char dir[64], path[128];
	int lfd, peer;
	struct ev_loop *loop;
	struct device *dev;
	struct seen seen;
	int fds_before;
};

FIXTURE_SETUP(dbl)
{
	char err[256];

	self->fds_before = count_fds();
	strcpy(self->dir, "/tmp/sactl-device.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/dev.sock", self->dir);
	self->lfd = listen_at(self->path);
	ASSERT_LE(0, self->lfd);
	self->loop = ev_loop_new(EVFLAG_AUTO);
	ASSERT_NE(NULL, self->loop);
	self->dev = device_new(self->loop, self->path, &ops, &self->seen);
	ASSERT_NE(NULL, self->dev);
	ASSERT_EQ(0, device_attach(self->dev, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_TRUE(device_is_double(self->dev));
	self->peer = accept4(self->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, self->peer);
	ASSERT_EQ(1, self->seen.nstates);
	ASSERT_EQ(1, self->seen.states[0]);
}

FIXTURE_TEARDOWN(dbl)
{
	device_free(self->dev);
	if (self->loop)
		ev_loop_destroy(self->loop);
	if (self->peer > 0)
		close(self->peer);
	if (self->lfd > 0)
		close(self->lfd);
	unlink(self->path);
	rmdir(self->dir);
	/* Every descriptor passed in was closed, every one opened too. */
	EXPECT_EQ(self->fds_before, count_fds());
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
}

TEST_F(dbl, request_carries_the_executable_fd)
{
	struct sactl_request r = make_rec(7);
	int exe = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	struct stat st;

	ASSERT_LE(0, exe);
	ASSERT_EQ(0, fstat(exe, &st));
	self->seen.want_ino = st.st_ino;
	ASSERT_EQ(sizeof(r), send_packet(self->peer, &r, sizeof(r), exe));
	close(exe);
	ASSERT_TRUE(run_until(self->loop, &self->seen.n, 1, 5000));
	EXPECT_EQ(7, self->seen.recs[0].id);
	EXPECT_EQ(SACTL_OP_CONNECT, self->seen.recs[0].op);
	EXPECT_EQ(1000, self->seen.recs[0].uid);
	EXPECT_EQ(443, self->seen.recs[0].remote.port);
	EXPECT_STREQ("curl", self->seen.recs[0].comm);
	EXPECT_EQ(1, self->seen.exe_ino_ok);
	EXPECT_EQ(1, device_requests(self->dev));
}

/* The sender's descriptor number means nothing in the daemon. */
TEST_F(dbl, request_without_fd_has_none)
{
	struct sactl_request r = make_rec(8);

	ASSERT_EQ(sizeof(r), send_packet(self->peer, &r, sizeof(r), -1));
	ASSERT_TRUE(run_until(self->loop, &self->seen.n, 1, 5000));
	EXPECT_GT(0, self->seen.recs[0].exe_fd);
}

TEST_F(dbl, malformed_packets_are_dropped_with_their_fds)
{
	struct sactl_request r = make_rec(9), bad = make_rec(10);
	int exe = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	char big[sizeof(r) + 8] = { 0 };

	ASSERT_LE(0, exe);
	/* Too short, too long, wrong version, wrong size: all ignored. */
	ASSERT_EQ(20, send_packet(self->peer, &r, 20, exe));
	memcpy(big, &r, sizeof(r));
	ASSERT_EQ(sizeof(big), send_packet(self->peer, big, sizeof(big), exe));
	bad.version = 99;
	ASSERT_EQ(sizeof(bad), send_packet(self->peer, &bad, sizeof(bad), exe));
	bad = make_rec(11);
	bad.size = 12;
	ASSERT_EQ(sizeof(bad), send_packet(self->peer, &bad, sizeof(bad), exe));
	ASSERT_EQ(sizeof(r), send_packet(self->peer, &r, sizeof(r), -1));
	close(exe);
	ASSERT_TRUE(run_until(self->loop, &self->seen.n, 1, 5000));
	/* Give the loop a chance to deliver anything else it wrongly took. */
	run_until(self->loop, &self->seen.n, 2, 200);
	EXPECT_EQ(1, self->seen.n);
	EXPECT_EQ(9, self->seen.recs[0].id);
}

TEST_F(dbl, batches_keep_their_order)
{
	const size_t n = 200;

	for (size_t i = 0; i < n; i++) {
		struct sactl_request r = make_rec(1000 + i);

		ASSERT_EQ(sizeof(r), send_packet(self->peer, &r, sizeof(r), -1));
	}
	ASSERT_TRUE(run_until(self->loop, &self->seen.n, n, 5000));
	EXPECT_EQ(n, self->seen.n);
	for (size_t i = 0; i < MAX_SEEN && i < n; i++)
		ASSERT_EQ(1000 + i, self->seen.recs[i].id);
}

TEST_F(dbl, answers)
{
	struct sactl_response resp;

	ASSERT_EQ(0, device_answer(self->dev, 21, VERDICT_ALLOW, 0));
	ASSERT_EQ(0, recv_resp(self->peer, &resp, 1000));
	EXPECT_EQ(21, resp.id);
	EXPECT_EQ(SACTL_ALLOW, resp.verdict);
	EXPECT_EQ(0, resp.error);

	ASSERT_EQ(0, device_answer(self->dev, 22, VERDICT_DENY, ECONNREFUSED));
	ASSERT_EQ(0, recv_resp(self->peer, &resp, 1000));
	EXPECT_EQ(22, resp.id);
	EXPECT_EQ(SACTL_DENY, resp.verdict);
	EXPECT_EQ(ECONNREFUSED, resp.error);
	EXPECT_EQ(0, resp.flags);

	/* The kernel refuses an errno with an allow: never send one. */
	ASSERT_EQ(0, device_answer(self->dev, 23, VERDICT_ALLOW, EPERM));
	ASSERT_EQ(0, recv_resp(self->peer, &resp, 1000));
	EXPECT_EQ(SACTL_ALLOW, resp.verdict);
	EXPECT_EQ(0, resp.error);
	EXPECT_EQ(3, device_answers(self->dev));
	EXPECT_EQ(0, device_id_valid(self->dev, 23));
}

/* A full socket queues answers, in order, until it drains. */
TEST_F(dbl, answers_wait_for_a_full_socket)
{
	const uint64_t n = 3000;
	struct sactl_response resp;
	uint64_t got = 0;
	size_t answered;

	for (uint64_t i = 1; i <= n; i++)
		ASSERT_EQ(0, device_answer(self->dev, i, VERDICT_ALLOW, 0));
	while (got < n) {
		struct pollfd p = { .fd = self->peer, .events = POLLIN };

		ev_run(self->loop, EVRUN_NOWAIT);
		if (poll(&p, 1, 2000) != 1)
			break;
		while (recv(self->peer, &resp, sizeof(resp), MSG_DONTWAIT) ==
		       sizeof(resp)) {
			ASSERT_EQ(++got, resp.id);
		}
	}
	EXPECT_EQ(n, got);
	answered = device_answers(self->dev);
	EXPECT_EQ(n, answered);
}

TEST_F(dbl, peer_close_detaches)
{
	close(self->peer);
	self->peer = -1;
	ASSERT_TRUE(run_until(self->loop, &self->seen.nstates, 2, 5000));
	EXPECT_EQ(0, self->seen.states[1]);
	EXPECT_FALSE(device_attached(self->dev));
	EXPECT_EQ(-ENODEV, device_answer(self->dev, 1, VERDICT_ALLOW, 0));
	EXPECT_EQ(-ENODEV, device_id_valid(self->dev, 1));
}

TEST_F(dbl, detach_and_attach_again)
{
	struct sactl_request r = make_rec(31);
	char err[256];

	device_detach(self->dev);
	EXPECT_FALSE(device_attached(self->dev));
	ASSERT_EQ(2, self->seen.nstates);
	EXPECT_EQ(0, self->seen.states[1]);
	ASSERT_EQ(0, device_attach(self->dev, err, sizeof(err))) TH_LOG("%s", err);
	close(self->peer);
	self->peer = accept4(self->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, self->peer);
	EXPECT_EQ(3, self->seen.nstates);
	ASSERT_EQ(sizeof(r), send_packet(self->peer, &r, sizeof(r), -1));
	ASSERT_TRUE(run_until(self->loop, &self->seen.n, 1, 5000));
	EXPECT_EQ(31, self->seen.recs[0].id);
}

FIXTURE(nodev) {
	char dir[64], path[128];
	struct ev_loop *loop;
	struct device *dev;
	struct seen seen;
	int lfd;
};

FIXTURE_SETUP(nodev)
{
	strcpy(self->dir, "/tmp/sactl-device.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/dev.sock", self->dir);
	self->lfd = -1;
	self->loop = ev_loop_new(EVFLAG_AUTO);
	ASSERT_NE(NULL, self->loop);
}

FIXTURE_TEARDOWN(nodev)
{
	device_free(self->dev);
	ev_loop_destroy(self->loop);
	if (self->lfd >= 0)
		close(self->lfd);
	unlink(self->path);
	rmdir(self->dir);
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
}

TEST_F(nodev, missing_node_is_enoent)
{
	char err[256] = "";

	self->dev = device_new(self->loop, self->path, &ops, &self->seen);
	ASSERT_NE(NULL, self->dev);
	EXPECT_EQ(-ENOENT, device_attach(self->dev, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, self->path)) TH_LOG("%s", err);
	EXPECT_FALSE(device_attached(self->dev));
	EXPECT_EQ(0, self->seen.nstates);
}

struct node {
	int lfd;
	char path[128];
};

static void make_node(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct node *node = w->data;

	(void)loop;
	(void)revents;
	node->lfd = listen_at(node->path);
}

/* The node follows its uevent a moment later: attach_soon waits for it. */
TEST_F(nodev, attach_soon_waits_for_the_node)
{
	struct node node = { .lfd = -1 };
	ev_timer later;

	memcpy(node.path, self->path, sizeof(node.path));
	self->dev = device_new(self->loop, self->path, &ops, &self->seen);
	ASSERT_NE(NULL, self->dev);
	ev_timer_init(&later, make_node, 0.3, 0.);
	later.data = &node;
	ev_timer_start(self->loop, &later);
	device_attach_soon(self->dev);
	EXPECT_FALSE(device_attached(self->dev));
	ASSERT_TRUE(run_until(self->loop, &self->seen.nstates, 1, 5000));
	self->lfd = node.lfd;
	EXPECT_TRUE(device_attached(self->dev));
}

/* ... but not forever: a node that comes too late is not attached. */
TEST_F(nodev, attach_soon_gives_up)
{
	size_t never = 0;

	self->dev = device_new(self->loop, self->path, &ops, &self->seen);
	ASSERT_NE(NULL, self->dev);
	device_attach_soon(self->dev);
	run_until(self->loop, &never, 1,
		  DEVICE_RETRIES * DEVICE_RETRY_MS + 1000);
	EXPECT_FALSE(device_attached(self->dev));
	self->lfd = listen_at(self->path);
	ASSERT_LE(0, self->lfd);
	run_until(self->loop, &self->seen.nstates, 1, 500);
	EXPECT_FALSE(device_attached(self->dev));
	EXPECT_EQ(0, self->seen.nstates);
}

/* A character device that does not answer SACTL_IOC_GET_ABI is refused. */
TEST_F(nodev, abi_check_refuses_another_device)
{
	char err[256] = "";

	self->dev = device_new(self->loop, "/dev/null", &ops, &self->seen);
	ASSERT_NE(NULL, self->dev);
	EXPECT_EQ(-ENOTTY, device_attach(self->dev, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "SACTL_IOC_GET_ABI")) TH_LOG("%s", err);
	EXPECT_FALSE(device_attached(self->dev));
	EXPECT_FALSE(device_is_double(self->dev));
}

static void on_uevent(void *ctx, bool added)
{
	struct seen *s = ctx;

	if (added)
		s->uevents_added++;
	else
		s->uevents_removed++;
}

/*
 * The uevent watch, with a synthetic "add" for a misc device the host has
 * (what `udevadm trigger` does); in the VM the real module comes and goes.
 */
TEST_F(nodev, uevent_watch_sees_add)
{
	static const char *const names[] = { "loop-control", "tun", "fuse",
					     "cpu_dma_latency", "vga_arbiter" };
	const char *name = NULL;
	char path[128], err[256] = "", other[128];
	struct dev_watch *w, *other_w;
	struct seen other_seen = { 0 };
	int fd = -1;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && fd < 0; i++) {
		snprintf(path, sizeof(path), "/sys/class/misc/%s/uevent", names[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		name = names[i];
	}
	if (fd < 0)
		SKIP(return, "no writable misc device uevent file");
	w = dev_watch_new(self->loop, "misc", name, on_uevent, &self->seen,
			  err, sizeof(err));
	ASSERT_NE(NULL, w) TH_LOG("%s", err);
	/* Another name in the same subsystem hears nothing. */
	snprintf(other, sizeof(other), "not-%s", name);
	other_w = dev_watch_new(self->loop, "misc", other, on_uevent,
				&other_seen, err, sizeof(err));
	ASSERT_NE(NULL, other_w) TH_LOG("%s", err);
	if (write(fd, "add", 3) != 3) {
		close(fd);
		dev_watch_free(w);
		dev_watch_free(other_w);
		SKIP(return, "cannot write %s: %s", path, strerror(errno));
	}
	close(fd);
	EXPECT_TRUE(run_until(self->loop, &self->seen.uevents_added, 1, 5000));
	EXPECT_EQ(0, self->seen.uevents_removed);
	EXPECT_EQ(0, other_seen.uevents_added);
	dev_watch_free(w);
	dev_watch_free(other_w);
}

TEST_HARNESS_MAIN
