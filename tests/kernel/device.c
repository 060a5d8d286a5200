// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: /dev/sactl itself: who may open it, what read, write, poll and
 * ioctl accept and refuse, and that no request is lost on the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "harness.h"
#include "sactl_test.h"

#define PMASK (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLNVAL)

FIXTURE(dev) {
	int fd;			/* /dev/sactl */
	int peer;		/* a bound UDP socket to connect to */
	int sock;		/* an unbound UDP socket for the callers */
	struct sockaddr_storage target;
	socklen_t tlen;
	struct sock_op op;	/* connect sock to peer */
};

FIXTURE_SETUP(dev)
{
	self->fd = self->peer = self->sock = -1;
	sactl_setup();
	self->fd = sactl_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open " SACTL_DEV ": %m");
	self->peer = bound_socket("127.0.0.1", SOCK_DGRAM, &self->target,
				  &self->tlen);
	ASSERT_LE(0, self->peer);
	self->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->sock);
	self->op.kind = SOP_CONNECT;
	self->op.fd = self->sock;
	self->op.addr = self->target;
	self->op.addrlen = self->tlen;
}

FIXTURE_TEARDOWN(dev)
{
	sactl_teardown();
	close(self->sock);
	close(self->peer);
}

/* Start a caller that connects, and read its request. */
static void start_and_recv(struct __test_metadata *_metadata,
			   FIXTURE_DATA(dev) *self, struct caller *c,
			   struct sactl_request *req)
{
	ASSERT_EQ(0, caller_op(c, &self->op));
	ASSERT_EQ(0, sactl_recv(self->fd, req, WAIT_MS));
	ASSERT_EQ((__u32)c->pid, req->pid);
}

/* Start a caller and wait until its request is queued (not read). */
static void start_queued(struct __test_metadata *_metadata,
			 FIXTURE_DATA(dev) *self, struct caller *c)
{
	ASSERT_EQ(0, caller_op(c, &self->op));
	ASSERT_TRUE(sactl_readable(self->fd, WAIT_MS));
}

static void allow_and_wait(struct __test_metadata *_metadata,
			   FIXTURE_DATA(dev) *self, struct caller *c, __u64 id)
{
	ASSERT_EQ(0, sactl_allow(self->fd, id));
	ASSERT_EQ(0, caller_wait(c, WAIT_MS));
	EXPECT_EQ(0, c->result);
}

/* ---- open ----------------------------------------------------------------- */

TEST_F(dev, node)
{
	struct stat st;

	ASSERT_EQ(0, stat(SACTL_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(10U, major(st.st_rdev));	/* a misc device */
}

static int try_open(struct caller *c)
{
	int fd = open(SACTL_DEV, O_RDWR | O_CLOEXEC);

	(void)c;
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

TEST_F(dev, second_open)
{
	struct caller c;
	int fd;

	EXPECT_EQ(-1, open(SACTL_DEV, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, caller_start(&c, try_open, NULL));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EBUSY, c.result);

	/* Free again once closed. */
	sactl_close(&self->fd);
	fd = sactl_open(0);
	EXPECT_LE(0, fd) TH_LOG("reopen: %m");
	self->fd = fd;
}

static int open_without_net_admin(struct caller *c)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 1000 + errno;
	d[CAP_NET_ADMIN / 32].effective &= ~(1U << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].permitted &= ~(1U << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].inheritable &= ~(1U << (CAP_NET_ADMIN % 32));
	if (syscall(SYS_capset, &h, d))
		return 1000 + errno;
	/* Still root: the 0600 node itself lets us in. */
	return try_open(c);
}

static int open_as_nobody(struct caller *c)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 1000 + errno;
	return try_open(c);
}

TEST_F(dev, open_needs_cap)
{
	struct caller c;

	sactl_close(&self->fd);		/* else EBUSY would hide EPERM */

	ASSERT_EQ(0, caller_start(&c, open_without_net_admin, NULL));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EPERM, c.result);

	/* The node's mode stops nobody first (EACCES); either way, no. */
	ASSERT_EQ(0, caller_start(&c, open_as_nobody, NULL));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_TRUE(c.result == EACCES || c.result == EPERM)
		TH_LOG("open as nobody: %d", c.result);

	/* The refused opens did not take the device. */
	self->fd = sactl_open(0);
	EXPECT_LE(0, self->fd) TH_LOG("reopen: %m");
}

/* ---- ioctl ------------------------------------------------------------------ */

TEST_F(dev, ioctls)
{
	struct sactl_abi abi;
	__u64 id = ~0ULL;

	memset(&abi, 0xff, sizeof(abi));
	ASSERT_EQ(0, ioctl(self->fd, SACTL_IOC_GET_ABI, &abi));
	EXPECT_EQ((__u32)SACTL_ABI_VERSION, abi.version);
	EXPECT_EQ(sizeof(struct sactl_request), abi.request_size);
	EXPECT_EQ(sizeof(struct sactl_response), abi.response_size);
	EXPECT_EQ(0U, abi.reserved[0]);
	EXPECT_EQ(0U, abi.reserved[1]);

	EXPECT_EQ(-1, ioctl(self->fd, SACTL_IOC_ID_VALID, &id));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, SACTL_IOC_ID_VALID, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, SACTL_IOC_GET_ABI, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SACTL_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR('T', 1, int), &id));
	EXPECT_EQ(ENOTTY, errno);
}

/* ID_VALID holds while the request waits, read or not. */
TEST_F(dev, id_valid)
{
	struct sactl_request req;
	struct caller c;

	start_and_recv(_metadata, self, &c, &req);
	EXPECT_EQ(0, sactl_id_valid(self->fd, req.id));
	allow_and_wait(_metadata, self, &c, req.id);
	EXPECT_EQ(-ENOENT, sactl_id_valid(self->fd, req.id));
}

/* ---- write ------------------------------------------------------------------ */

TEST_F(dev, write_invalid)
{
	struct sactl_response r[3], ok;
	struct sactl_request req;
	struct caller c;

	start_and_recv(_metadata, self, &c, &req);
	memset(&ok, 0, sizeof(ok));
	ok.id = req.id;
	ok.verdict = SACTL_ALLOW;
	r[0] = r[1] = r[2] = ok;

	/* Sizes that are not a nonzero multiple of the record. */
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, 0));
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok) - 1));
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok) + 1));
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, 2 * sizeof(ok) + 1));
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, 1));

#define BAD(field, value) do {						\
	r[0] = ok;							\
	r[0].field = value;						\
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok)))	\
		TH_LOG("%s = %d", #field, (int)(value));		\
} while (0)
	BAD(verdict, 0);
	BAD(verdict, 3);
	BAD(verdict, SACTL_ALLOW | SACTL_DENY);
	BAD(flags, 1);
	BAD(flags, 0x80000000U);
	BAD(reserved, 1);
	r[0] = ok;
	r[0].verdict = SACTL_DENY;
	r[0].error = -1;
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok)));
	r[0].error = -EPERM;
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok)));
	r[0].error = 4096;
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok)));
	r[0] = ok;
	r[0].error = EPERM;		/* an error with ALLOW */
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, sizeof(ok)));
	/* A bad first record fails the write; the good second is not used. */
	r[0].verdict = 0;
	r[1] = ok;
	EXPECT_EQ(-EINVAL, sactl_write(self->fd, r, 2 * sizeof(ok)));
#undef BAD

	/* None of it answered the request. */
	EXPECT_EQ(0, sactl_id_valid(self->fd, req.id));
	EXPECT_FALSE(caller_finished(&c, 0));
	allow_and_wait(_metadata, self, &c, req.id);
}

/* The largest error there is comes through as it is. */
TEST_F(dev, write_error_max)
{
	struct sactl_request req;
	struct caller c;

	start_and_recv(_metadata, self, &c, &req);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 4095));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(4095, c.result);
}

TEST_F(dev, write_unknown_id)
{
	EXPECT_EQ(-ENOENT, sactl_allow(self->fd, ~0ULL - 7));
	EXPECT_EQ(-ENOENT, sactl_deny(self->fd, 0x5ac7000000000000ULL, EPERM));
}

TEST_F(dev, write_duplicate)
{
	struct sactl_request req;
	struct caller c;

	start_and_recv(_metadata, self, &c, &req);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, EACCES));
	EXPECT_EQ(-ENOENT, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EACCES, c.result);
	EXPECT_EQ(-ENOENT, sactl_allow(self->fd, req.id));
}

/*
 * The id of the oldest queued request, without reading it: a read into a
 * buffer whose page ends right after the id field fails with EFAULT, and
 * leaves the request queued, but the bytes up to the fault arrive.
 * Returns false if they did not.
 */
static bool peek_id(int fd, __u64 *id)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t head = offsetof(struct sactl_request, id) + sizeof(__u64);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	munmap(p + pg, pg);
	memset(p, 0, pg);
	ok = read(fd, p + pg - head, REQ_SIZE) < 0 && errno == EFAULT &&
	     *(__u32 *)(p + pg - head) == sizeof(struct sactl_request);
	if (ok)
		memcpy(id, p + pg - sizeof(__u64), sizeof(__u64));
	munmap(p, pg);
	return ok;
}

/*
 * An answer to a request that is queued but not read yet: EINPROGRESS.
 * Its id comes from peek_id(), or else from ID_VALID near the id of a
 * request that was read (assuming ids come from one counter).
 */
TEST_F(dev, write_unread)
{
	struct sactl_request req, req2;
	struct caller c, c2;
	__u64 found = 0;
	bool have;

	start_and_recv(_metadata, self, &c, &req);
	start_queued(_metadata, self, &c2);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	have = peek_id(self->fd, &found);
	if (have) {
		/* Waiting, though not read: valid. */
		EXPECT_EQ(0, sactl_id_valid(self->fd, found));
	} else {
		TH_LOG("no partial copy: looking for the id with ID_VALID");
		for (__u64 d = 1; d <= 256 && !have; d++) {
			if (!sactl_id_valid(self->fd, req.id + d)) {
				found = req.id + d;
				have = true;
			} else if (!sactl_id_valid(self->fd, req.id - d)) {
				found = req.id - d;
				have = true;
			}
		}
	}
	ASSERT_TRUE(have) TH_LOG("cannot find the id of the queued request");
	EXPECT_NE(req.id, found);
	EXPECT_EQ(-EINPROGRESS, sactl_allow(self->fd, found));
	EXPECT_FALSE(caller_finished(&c2, 0));
	ASSERT_EQ(0, sactl_recv(self->fd, &req2, WAIT_MS));
	EXPECT_EQ((__u32)c2.pid, req2.pid);
	EXPECT_EQ(found, req2.id);
	allow_and_wait(_metadata, self, &c2, req2.id);
	allow_and_wait(_metadata, self, &c, req.id);
}

TEST_F(dev, write_batch)
{
	struct sactl_request req[2];
	struct sactl_response r[2];
	struct caller c[2];

	for (int i = 0; i < 2; i++)
		start_and_recv(_metadata, self, &c[i], &req[i]);
	memset(r, 0, sizeof(r));
	r[0].id = req[0].id;
	r[0].verdict = SACTL_ALLOW;
	r[1].id = req[1].id;
	r[1].verdict = SACTL_DENY;
	r[1].error = ECONNREFUSED;
	EXPECT_EQ(2 * RESP_SIZE, sactl_write(self->fd, r, sizeof(r)));
	ASSERT_EQ(0, caller_wait(&c[0], WAIT_MS));
	EXPECT_EQ(0, c[0].result);
	ASSERT_EQ(0, caller_wait(&c[1], WAIT_MS));
	EXPECT_EQ(ECONNREFUSED, c[1].result);
}

TEST_F(dev, write_batch_partial)
{
	struct sactl_request a, b;
	struct sactl_response r[2];
	struct caller ca, cb;

	start_and_recv(_metadata, self, &ca, &a);
	start_and_recv(_metadata, self, &cb, &b);
	memset(r, 0, sizeof(r));
	r[0].verdict = r[1].verdict = SACTL_ALLOW;

	/* Good then unknown: the bytes of the good one. */
	r[0].id = a.id;
	r[1].id = ~0ULL - 7;
	EXPECT_EQ(RESP_SIZE, sactl_write(self->fd, r, sizeof(r)));
	ASSERT_EQ(0, caller_wait(&ca, WAIT_MS));
	EXPECT_EQ(0, ca.result);

	/* Unknown first: its error, and the second is not used. */
	r[0].id = ~0ULL - 7;
	r[1].id = b.id;
	EXPECT_EQ(-ENOENT, sactl_write(self->fd, r, sizeof(r)));
	EXPECT_EQ(0, sactl_id_valid(self->fd, b.id));
	EXPECT_FALSE(caller_finished(&cb, 0));

	/* The same id twice: the second is answered already. */
	r[0].id = r[1].id = b.id;
	r[0].verdict = SACTL_DENY;
	r[0].error = EACCES;
	EXPECT_EQ(RESP_SIZE, sactl_write(self->fd, r, sizeof(r)));
	ASSERT_EQ(0, caller_wait(&cb, WAIT_MS));
	EXPECT_EQ(EACCES, cb.result);
}

/* ---- read --------------------------------------------------------------------- */

TEST_F(dev, read_small)
{
	struct sactl_request req;
	char buf[REQ_SIZE];
	struct caller c;

	start_queued(_metadata, self, &c);
	EXPECT_EQ(-1, read(self->fd, buf, REQ_SIZE - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd, buf, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd, buf, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Still there. */
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	allow_and_wait(_metadata, self, &c, req.id);
}

/* Hidden from the compiler, which knows better than to write there. */
static void *volatile bad_ptr = (void *)1;

TEST_F(dev, read_efault)
{
	struct sactl_request req;
	struct caller c;
	struct stat st;
	long pg = sysconf(_SC_PAGESIZE);
	char *p;
	int nfds;

	start_queued(_metadata, self, &c);
	nfds = open_fd_count();
	ASSERT_LT(0, nfds);
	/* Should the request get lost, fail rather than wait for another. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));

	EXPECT_EQ(-1, read(self->fd, bad_ptr, REQ_SIZE));
	EXPECT_EQ(EFAULT, errno);
	/* An unmapped page; and a buffer running into one. */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + pg, pg));
	EXPECT_EQ(-1, read(self->fd, p + pg, REQ_SIZE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->fd, p + pg - 16, REQ_SIZE));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, pg);

	/* No exe fd was left behind by the failed reads. */
	EXPECT_EQ(nfds, open_fd_count());
	/* And the request was not lost. */
	ASSERT_TRUE(sactl_readable(self->fd, 0));
	ASSERT_EQ(0, sactl_recv_keep(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	ASSERT_LE(0, req.exe_fd);
	EXPECT_EQ(0, fstat(req.exe_fd, &st));
	EXPECT_EQ((__u64)st.st_ino, req.exe_ino);
	req_put(&req);
	EXPECT_EQ(nfds, open_fd_count());
	allow_and_wait(_metadata, self, &c, req.id);
}

TEST_F(dev, poll)
{
	struct sactl_request req;
	struct caller c;

	EXPECT_EQ(POLLOUT, sactl_poll(self->fd, 0) & PMASK);
	start_queued(_metadata, self, &c);
	EXPECT_EQ(POLLIN | POLLOUT, sactl_poll(self->fd, 0) & PMASK);
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	/* Read, not answered: nothing to read. */
	EXPECT_EQ(POLLOUT, sactl_poll(self->fd, 0) & PMASK);
	allow_and_wait(_metadata, self, &c, req.id);
	EXPECT_EQ(POLLOUT, sactl_poll(self->fd, 0) & PMASK);
}

TEST_F(dev, read_nonblock)
{
	char buf[REQ_SIZE];
	int fl = fcntl(self->fd, F_GETFL);

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);

	/* Opened that way, too. */
	sactl_close(&self->fd);
	self->fd = sactl_open(O_NONBLOCK);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

static int connect_on_go(struct caller *c)
{
	struct sock_op *op = c->arg;

	caller_wait_go(c);
	return ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				op->addrlen));
}

static void *go_later(void *arg)
{
	sleep_ms(200);
	caller_go(arg);
	return NULL;
}

/* A blocking read sleeps until a request comes. */
TEST_F(dev, read_blocking)
{
	struct sactl_request req;
	struct caller c;
	pthread_t t;
	ssize_t n;

	ASSERT_EQ(0, caller_start(&c, connect_on_go, &self->op));
	ASSERT_EQ(0, pthread_create(&t, NULL, go_later, &c));
	memset(&req, 0, sizeof(req));
	n = read(self->fd, &req, sizeof(req));
	pthread_join(t, NULL);
	ASSERT_EQ(REQ_SIZE, n);
	EXPECT_EQ((__u32)c.pid, req.pid);
	req_put(&req);
	allow_and_wait(_metadata, self, &c, req.id);
}

/* A read with room for several returns all queued ones, whole. */
TEST_F(dev, read_batch)
{
	struct sactl_request reqs[4], more[4];
	struct sactl_response resp[4];
	struct sactl_stats st;
	struct caller c[4];
	ssize_t n;
	int seen = 0;

	ASSERT_EQ(0, stats_read(&st));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, caller_op(&c[i], &self->op));
	ASSERT_EQ(0, stat_wait_ge("pending", st.pending + 3, WAIT_MS));
	ASSERT_TRUE(sactl_readable(self->fd, WAIT_MS));

	/* Room for 3 and a half: 3 whole records. */
	n = read(self->fd, reqs, 3 * sizeof(reqs[0]) + sizeof(reqs[0]) / 2);
	ASSERT_EQ(3 * REQ_SIZE, n);
	for (int i = 0; i < 3; i++) {
		req_put(&reqs[i]);
		EXPECT_EQ(sizeof(reqs[i]), reqs[i].size);
		for (int j = 0; j < 3; j++)
			if (reqs[i].pid == (__u32)c[j].pid)
				seen |= 1 << j;
		for (int j = 0; j < i; j++)
			EXPECT_NE(reqs[j].id, reqs[i].id);
	}
	EXPECT_EQ(7, seen);
	EXPECT_FALSE(sactl_readable(self->fd, 0));

	/* Room for 4, one queued: one. */
	ASSERT_EQ(0, caller_op(&c[3], &self->op));
	ASSERT_TRUE(sactl_readable(self->fd, WAIT_MS));
	n = read(self->fd, more, sizeof(more));
	ASSERT_EQ(REQ_SIZE, n);
	reqs[3] = more[0];
	EXPECT_EQ((__u32)c[3].pid, reqs[3].pid);
	req_put(&reqs[3]);
	memset(resp, 0, sizeof(resp));
	for (int i = 0; i < 4; i++) {
		resp[i].id = reqs[i].id;
		resp[i].verdict = SACTL_ALLOW;
	}
	EXPECT_EQ(4 * RESP_SIZE, sactl_write(self->fd, resp, sizeof(resp)));
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, caller_wait(&c[i], WAIT_MS));
		EXPECT_EQ(0, c[i].result);
	}
}

/* ---- counters -------------------------------------------------------------- */

TEST_F(dev, stats_files)
{
	static const char *const names[] = {
		"requests", "allowed", "denied", "timeouts", "defaults",
		"overflows", "cancelled", "pending",
	};
	struct sactl_stats a, b;
	struct sactl_request req;
	struct caller c;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[128];
		unsigned long long v;
		struct stat st;

		snprintf(path, sizeof(path), SACTL_STATS_DIR "/%s", names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
		EXPECT_EQ(0U, st.st_mode & 0222) TH_LOG("%s is writable", path);
		EXPECT_EQ(0, stat_read(names[i], &v)) TH_LOG("%s", path);
	}

	ASSERT_EQ(0, stats_read(&a));
	start_and_recv(_metadata, self, &c, &req);
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_EQ(a.pending + 1, b.pending);
	EXPECT_EQ(a.requests, b.requests);	/* not decided yet */
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	ASSERT_EQ(0, stats_read(&b));
	EXPECT_EQ(a.pending, b.pending);
	EXPECT_EQ(a.requests + 1, b.requests);
	EXPECT_EQ(a.denied + 1, b.denied);
	EXPECT_EQ(a.allowed, b.allowed);
	EXPECT_EQ(a.defaults, b.defaults);
}

TEST_HARNESS_MAIN
