// SPDX-License-Identifier: GPL-2.0
/*
 * sactl: what a request says about the caller and the call.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "harness.h"
#include "sactl_test.h"

FIXTURE(req) {
	int fd;			/* /dev/sactl */
	int peer;		/* a bound UDP socket to connect to */
	int sock;		/* an unbound UDP socket for the callers */
	struct sockaddr_storage target;
	socklen_t tlen;
};

FIXTURE_SETUP(req)
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
}

FIXTURE_TEARDOWN(req)
{
	sactl_teardown();
	close(self->sock);
	close(self->peer);
}

static void connect_op(FIXTURE_DATA(req) *self, struct sock_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = SOP_CONNECT;
	op->fd = self->sock;
	op->addr = self->target;
	op->addrlen = self->tlen;
}

static ino_t ns_ino(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* The fixed part of every request, and a plain UDP connect. */
TEST_F(req, header)
{
	struct sactl_request req;
	struct sock_op op;
	struct stat me;
	struct caller c;

	connect_op(self, &op);
	op.comm = "sactl-caller";
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(sizeof(struct sactl_request), req.size);
	EXPECT_EQ(SACTL_ABI_VERSION, req.version);
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ(0U, req.flags);
	EXPECT_EQ(AF_INET, req.family);
	EXPECT_EQ(SOCK_DGRAM, req.type);
	EXPECT_EQ(IPPROTO_UDP, req.protocol);
	EXPECT_EQ(0, req.reserved1);
	/* The caller's parent is this program. */
	ASSERT_EQ(0, stat("/proc/self/exe", &me));
	EXPECT_EQ((__u64)me.st_dev, req.parent_exe_dev);
	EXPECT_EQ((__u64)me.st_ino, req.parent_exe_ino);
	EXPECT_SA(req.remote, self->target);
	/* The socket is not bound: its own address is 0.0.0.0:0. */
	EXPECT_EQ(AF_INET, req.local.family);
	EXPECT_EQ(0, req.local.port);
	EXPECT_EQ(0U, *(__u32 *)req.local.addr);
	EXPECT_STREQ("sactl-caller", req.comm);
	EXPECT_EQ(0, req.comm[15]);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

/* pid, tid, ppid, ids, net namespace of an ordinary caller. */
TEST_F(req, process)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ((__u32)c.pid, req.tid);
	EXPECT_EQ((__u32)getpid(), req.ppid);
	EXPECT_EQ(getuid(), req.uid);
	EXPECT_EQ(geteuid(), req.euid);
	EXPECT_EQ(getgid(), req.gid);
	EXPECT_EQ(getegid(), req.egid);
	EXPECT_EQ((__u32)ns_ino(getpid(), "net"), req.netns);
	EXPECT_EQ((__u32)ns_ino(c.pid, "net"), req.netns);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

/* Five connects in a row, by two callers: every id differs. */
static int connect_n(struct caller *c)
{
	struct sock_op *op = c->arg;

	for (int i = 0; i < 5; i++)
		if (connect(op->fd, (struct sockaddr *)&op->addr, op->addrlen))
			return errno;
	return 0;
}

TEST_F(req, ids_unique)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;
	__u64 ids[10];

	connect_op(self, &op);
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(0, caller_start(&c, connect_n, &op));
		for (int i = 0; i < 5; i++) {
			int n = k * 5 + i;

			ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
			EXPECT_EQ((__u32)c.pid, req.pid);
			ids[n] = req.id;
			for (int j = 0; j < n; j++)
				EXPECT_NE(ids[j], ids[n]);
			ASSERT_EQ(0, sactl_allow(self->fd, req.id));
		}
		ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
		EXPECT_EQ(0, c.result);
	}
}

/* A thread other than the main thread calls: tid and comm are its own. */
static void *thread_connect(void *arg)
{
	struct caller *c = arg;
	struct sock_op *op = c->arg;

	prctl(PR_SET_NAME, "sactl-thread");
	c->out[0] = syscall(SYS_gettid);
	c->out[1] = ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				     op->addrlen));
	return NULL;
}

static int threaded_connect(struct caller *c)
{
	pthread_t t;

	prctl(PR_SET_NAME, "sactl-main");
	if (pthread_create(&t, NULL, thread_connect, c))
		return 1000;
	pthread_join(t, NULL);
	return (int)c->out[1];
}

TEST_F(req, thread)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_start(&c, threaded_connect, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	/* The thread wrote its tid before it called. */
	EXPECT_EQ((__u32)c.out[0], req.tid);
	EXPECT_NE(req.pid, req.tid);
	EXPECT_EQ((__u32)getpid(), req.ppid);
	EXPECT_STREQ("sactl-thread", req.comm);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

/* Real and effective ids after setresgid/setresuid to distinct values. */
static int creds_connect(struct caller *c)
{
	struct sock_op *op = c->arg;

	if (setgroups(0, NULL) || setresgid(1001, 1002, 1003) ||
	    setresuid(2001, 2002, 2003))
		return 1000 + errno;
	return ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				op->addrlen));
}

TEST_F(req, credentials)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_start(&c, creds_connect, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(2001U, req.uid);
	EXPECT_EQ(2002U, req.euid);
	EXPECT_EQ(1001U, req.gid);
	EXPECT_EQ(1002U, req.egid);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

/* TCP connect from a bound socket: local is the bound address. */
TEST_F(req, addresses_v4)
{
	struct sockaddr_storage laddr, baddr;
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_CONNECT };
	struct caller c;
	socklen_t blen;
	int l, s;

	l = tcp_listener("127.0.0.1", &laddr, &op.addrlen);
	ASSERT_LE(0, l);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, s);
	blen = make_addr(&baddr, "127.0.0.1", 0);
	ASSERT_EQ(0, bind(s, (struct sockaddr *)&baddr, blen));
	ASSERT_NE((socklen_t)-1, local_addr(s, &baddr));
	op.fd = s;
	op.addr = laddr;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ(SOCK_STREAM, req.type);
	EXPECT_EQ(IPPROTO_TCP, req.protocol);
	EXPECT_SA(req.local, baddr);
	EXPECT_SA(req.remote, laddr);
	/* Byte order: address in network order, port in host order. */
	EXPECT_EQ(127, req.remote.addr[0]);
	EXPECT_EQ(1, req.remote.addr[3]);
	EXPECT_EQ(addr_port(&laddr), req.remote.port);
	EXPECT_EQ(0U, req.remote.scope_id);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	close(s);
	close(l);
}

/* IPv6: addresses, ports and the scope id of a link-local destination. */
TEST_F(req, addresses_v6)
{
	struct sockaddr_storage laddr, raddr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&raddr;
	struct sactl_request req;
	struct sock_op op = { .kind = SOP_CONNECT };
	struct caller c;
	socklen_t len;
	int r, s;

	r = bound_socket("::1", SOCK_DGRAM, &raddr, &len);
	ASSERT_LE(0, r);
	s = bound_socket("::1", SOCK_DGRAM, &laddr, NULL);
	ASSERT_LE(0, s);
	op.fd = s;
	op.addr = raddr;
	op.addrlen = len;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ(AF_INET6, req.family);
	EXPECT_SA(req.local, laddr);
	EXPECT_SA(req.remote, raddr);
	EXPECT_EQ(1, req.remote.addr[15]);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);

	/* fe80::1%lo, denied (whether it could connect does not matter). */
	op.addrlen = make_addr(&op.addr, "fe80::1", 4242);
	((struct sockaddr_in6 *)&op.addr)->sin6_scope_id = if_nametoindex("lo");
	ASSERT_NE(0U, ((struct sockaddr_in6 *)&op.addr)->sin6_scope_id);
	raddr = op.addr;
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_SA(req.remote, raddr);
	EXPECT_EQ(sin6->sin6_scope_id, req.remote.scope_id);
	ASSERT_EQ(0, sactl_deny(self->fd, req.id, 0));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(EPERM, c.result);
	close(s);
	close(r);
}

/* exe_fd: a read-only, close-on-exec fd of the caller's executable. */
TEST_F(req, exe_fd)
{
	struct sactl_request req;
	struct stat exe, got;
	struct sock_op op;
	struct caller c;
	char path[64], magic[4];
	int fl;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_op(&c, &op));
	ASSERT_EQ(0, sactl_recv_keep(self->fd, &req, WAIT_MS));
	EXPECT_EQ(0U, req.flags & SACTL_REQ_NO_EXE);
	ASSERT_LE(0, req.exe_fd);
	/* The caller is still waiting, /proc/<pid>/exe is there. */
	snprintf(path, sizeof(path), "/proc/%d/exe", c.pid);
	ASSERT_EQ(0, stat(path, &exe));
	ASSERT_EQ(0, fstat(req.exe_fd, &got));
	EXPECT_EQ(exe.st_dev, got.st_dev);
	EXPECT_EQ(exe.st_ino, got.st_ino);
	EXPECT_EQ((__u64)exe.st_dev, req.exe_dev);
	EXPECT_EQ((__u64)exe.st_ino, req.exe_ino);
	fl = fcntl(req.exe_fd, F_GETFD);
	EXPECT_EQ(FD_CLOEXEC, fl & FD_CLOEXEC);
	fl = fcntl(req.exe_fd, F_GETFL);
	EXPECT_EQ(O_RDONLY, fl & O_ACCMODE);
	EXPECT_EQ(4, pread(req.exe_fd, magic, 4, 0));
	EXPECT_EQ(0, memcmp(magic, "\177ELF", 4));
	EXPECT_EQ(-1, write(req.exe_fd, "x", 1));
	req_put(&req);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

/*
 * A caller in a child pid namespace: the request has its pid in the
 * reader's namespace, which is what fork() returned in the parent
 * namespace.  out[0] = that pid, out[1] = getpid() inside (1).
 */
static int pidns_connect(struct caller *c)
{
	struct sock_op *op = c->arg;
	int go[2], status;
	pid_t pid;
	char b;

	if (unshare(CLONE_NEWPID)) {
		caller_ready(c, errno);
		return 3000 + errno;
	}
	caller_ready(c, 0);
	if (pipe(go))
		return 1000 + errno;
	pid = fork();
	if (pid < 0)
		return 1000 + errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(99);
		c->out[1] = getpid();
		_exit(ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				       op->addrlen)));
	}
	close(go[0]);
	c->out[0] = pid;
	if (write(go[1], "g", 1) != 1)
		return 1000 + errno;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 2000;
	return WEXITSTATUS(status);
}

TEST_F(req, pid_namespace)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;
	long err;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_start(&c, pidns_connect, &op));
	ASSERT_EQ(0, caller_wait_ready(&c, WAIT_MS, &err));
	if (err == EINVAL)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS)) {
		if (!caller_wait(&c, 0))
			TH_LOG("caller returned %d", c.result);
	}
	EXPECT_NE(0, c.out[0]);
	EXPECT_EQ((__u32)c.out[0], req.pid);
	EXPECT_EQ((__u32)c.out[0], req.tid);
	EXPECT_EQ((__u32)c.pid, req.ppid);
	EXPECT_NE((__u32)c.out[1], req.pid);	/* inside, it is 1 */
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	EXPECT_EQ(1, c.out[1]);
}

/* A caller in a user namespace where its uid/gid 0 is 4242 outside. */
static int userns_connect(struct caller *c)
{
	struct sock_op *op = c->arg;

	if (unshare(CLONE_NEWUSER)) {
		caller_ready(c, errno);
		return 3000 + errno;
	}
	caller_ready(c, 0);
	caller_wait_go(c);	/* the parent wrote uid_map and gid_map */
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return 1000 + errno;
	c->out[0] = getuid();
	return ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
				op->addrlen));
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

TEST_F(req, user_namespace)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;
	char path[64];
	long err;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_start(&c, userns_connect, &op));
	ASSERT_EQ(0, caller_wait_ready(&c, WAIT_MS, &err));
	if (err == EINVAL || err == ENOSYS)
		SKIP(return, "no user namespaces");
	ASSERT_EQ(0, err);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", c.pid);
	ASSERT_EQ(0, write_file(path, "0 4242 1\n"));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", c.pid);
	ASSERT_EQ(0, write_file(path, "0 4242 1\n"));
	caller_go(&c);
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS)) {
		if (!caller_wait(&c, 0))
			TH_LOG("caller returned %d", c.result);
	}
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_EQ(4242U, req.uid);
	EXPECT_EQ(4242U, req.euid);
	EXPECT_EQ(4242U, req.gid);
	EXPECT_EQ(4242U, req.egid);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
	EXPECT_EQ(0, c.out[0]);		/* 0 inside */
}

/*
 * A caller in a new network namespace: its sockets carry the inode of
 * that namespace.  out[0] = the inode, seen from inside.
 */
static int netns_calls(struct caller *c)
{
	struct sock_op *op = c->arg;
	struct ifreq ifr;
	struct stat st;
	int u, s;

	if (unshare(CLONE_NEWNET)) {
		caller_ready(c, errno);
		return 3000 + errno;
	}
	caller_ready(c, 0);
	if (stat("/proc/self/ns/net", &st))
		return 1000 + errno;
	c->out[0] = st.st_ino;
	/* Bring lo up through an AF_UNIX socket (never asked). */
	u = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (u < 0 || ioctl(u, SIOCGIFFLAGS, &ifr))
		return 1100 + errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(u, SIOCSIFFLAGS, &ifr))
		return 1200 + errno;
	s = socket(AF_INET, SOCK_DGRAM, 0);	/* asked */
	if (s < 0)
		return 1300 + errno;
	return ERRNO_OF(connect(s, (struct sockaddr *)&op->addr,	/* asked */
				op->addrlen));
}

TEST_F(req, net_namespace)
{
	struct sactl_request req;
	struct sock_op op;
	struct caller c;
	__u32 mine = (__u32)ns_ino(getpid(), "net");
	long err;

	connect_op(self, &op);
	ASSERT_EQ(0, caller_start(&c, netns_calls, &op));
	ASSERT_EQ(0, caller_wait_ready(&c, WAIT_MS, &err));
	if (err == EINVAL)
		SKIP(return, "no network namespaces");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS)) {
		if (!caller_wait(&c, 0))
			TH_LOG("caller returned %d", c.result);
	}
	EXPECT_EQ(SACTL_OP_SOCKET, req.op);
	EXPECT_EQ((__u32)c.pid, req.pid);
	EXPECT_NE(mine, req.netns);
	EXPECT_EQ((__u32)c.out[0], req.netns);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, sactl_recv(self->fd, &req, WAIT_MS));
	EXPECT_EQ(SACTL_OP_CONNECT, req.op);
	EXPECT_EQ((__u32)c.out[0], req.netns);
	EXPECT_SA(req.remote, self->target);
	ASSERT_EQ(0, sactl_allow(self->fd, req.id));
	ASSERT_EQ(0, caller_wait(&c, WAIT_MS));
	EXPECT_EQ(0, c.result);
}

TEST_HARNESS_MAIN
