// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes by namespaces: a program in a network namespace of its own, pid
 * 1 of a pid namespace, an unprivileged user in a user namespace (where it
 * has CAP_NET_RAW).  The hooks are not per namespace; sactld must see the
 * real pid and uid.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "esc_harness.h"

FIXTURE(ns) {
	int p[P_NFDS];
	char try[256];		/* esc-try */
};

FIXTURE_SETUP(ns)
{
	ASSERT_EQ(0, peers_get(self->p));
	bin_path("esc-try", self->try, sizeof(self->try));
	ASSERT_EQ(0, access(self->try, X_OK));
}

FIXTURE_TEARDOWN(ns)
{
	peers_put(self->p);
}

/* ---- namespaces ---------------------------------------------------------- */

/* What a child in its own namespaces reports through a pipe. */
struct ns_report {
	int setup;		/* errno of unshare() etc., 0 if fine */
	int err[2];		/* errno of its two attempts */
	long count[2];		/* counters of its netns afterwards */
	pid_t inner;		/* its pid as it sees it */
	pid_t outer;		/* for a pid namespace: its pid outside */
};

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo", .ifr_flags = IFF_UP | IFF_RUNNING };
	/* AF_UNIX: the interface ioctls need a socket, and this one is not
	 * sactl's business.
	 */
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), r;

	r = fd < 0 || ioctl(fd, SIOCSIFFLAGS, &ifr) ? errno : 0;
	close(fd);
	return r;
}

static int try_connect(const char *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, ip, port);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), r;

	if (fd < 0)
		return errno;
	r = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	close(fd);
	return r;
}

static int try_sendto(const char *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, ip, port);
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0), r;

	if (fd < 0)
		return errno;
	r = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) == 1 ? 0 : errno;
	close(fd);
	return r;
}

/* Run @fn in a child, which fills in a report; the child's pid. */
static pid_t in_child(void (*fn)(struct ns_report *), struct ns_report *rep)
{
	int pfd[2], status;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	rep->setup = -1;
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		fn(rep);
		_exit(write(pfd[1], rep, sizeof(*rep)) == sizeof(*rep) ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], rep, sizeof(*rep)) != sizeof(*rep))
		rep->setup = -1;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return pid;
}

/* A fresh network namespace: its own loopback, its own counters. */
static void netns_child(struct ns_report *r)
{
	r->setup = unshare(CLONE_NEWNET) ? errno : lo_up();
	if (r->setup)
		return;
	r->err[0] = try_connect("127.0.0.1", PORT_TCP);
	r->err[1] = try_sendto("::1", PORT_UDP);
	usleep(200 * 1000);
	r->count[0] = snmp("Tcp", "ActiveOpens");
	r->count[1] = snmp("Udp6OutDatagrams", NULL);
}

TEST_F(ns, another_network_namespace)
{
	struct ns_report r;
	pid_t pid = in_child(netns_child, &r);

	ASSERT_EQ(0, r.setup);
	EXPECT_EQ(EPERM, r.err[0]);
	EXPECT_EQ(EPERM, r.err[1]);
	EXPECT_LOGGED_DENY(pid, "connect", "-> 127.0.0.1:7001 ");
	EXPECT_LOGGED_DENY(pid, "send", "-> [::1]:7002 ");
	/* Nothing left: no SYN, no datagram, in that namespace either. */
	EXPECT_EQ(0, r.count[0]);
	EXPECT_EQ(0, r.count[1]);
}

/* pid 1 of a new pid namespace; sactld must see its real pid. */
static void pidns_child(struct ns_report *r)
{
	int pfd[2], status;
	pid_t pid;

	r->setup = unshare(CLONE_NEWPID) ? errno : 0;
	if (r->setup || pipe(pfd))
		return;
	pid = fork();
	if (pid == 0) {
		r->inner = getpid();
		r->err[0] = try_connect("127.0.0.1", PORT_TCP);
		r->err[1] = try_sendto("127.0.0.1", PORT_UDP);
		_exit(write(pfd[1], r, sizeof(*r)) == sizeof(*r) ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], r, sizeof(*r)) != sizeof(*r))
		r->setup = -1;
	r->outer = pid;
	waitpid(pid, &status, 0);
}

TEST_F(ns, another_pid_namespace)
{
	struct ns_report r;

	in_child(pidns_child, &r);
	ASSERT_EQ(0, r.setup);
	EXPECT_EQ(1, r.inner);
	EXPECT_EQ(EPERM, r.err[0]);
	EXPECT_EQ(EPERM, r.err[1]);
	EXPECT_LOGGED_DENY(r.outer, "connect", "-> 127.0.0.1:7001 ");
	EXPECT_LOGGED_DENY(r.outer, "send", "-> 127.0.0.1:7002 ");
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
}

/*
 * An unprivileged user in a user namespace of its own has CAP_NET_RAW
 * there: raw sockets are still sactl's (and logged with the real uid).
 */
static void userns_child(struct ns_report *r)
{
	if (setgid(NOBODY) || setuid(NOBODY)) {
		r->setup = errno;
		return;
	}
	r->setup = unshare(CLONE_NEWUSER | CLONE_NEWNET) ? errno : 0;
	if (r->setup)
		return;
	r->count[0] = sactl_stat("cache_hits");
	r->err[0] = socket(AF_INET, SOCK_RAW, IPPROTO_UDP) < 0 ? errno : 0;
	r->count[0] = sactl_stat("cache_hits") - r->count[0];
	r->err[1] = try_connect("127.0.0.1", PORT_TCP);
}

TEST_F(ns, user_namespace_as_nobody)
{
	struct ns_report r;
	pid_t pid = in_child(userns_child, &r);

	if (r.setup == EPERM || r.setup == EINVAL)
		SKIP(return, "no unprivileged user namespaces");
	ASSERT_EQ(0, r.setup);
	EXPECT_EQ(EPERM, r.err[0]);
	EXPECT_EQ(EPERM, r.err[1]);
	/* The raw socket's deny may come from the verdict cache, unlogged. */
	if (!r.count[0])
		EXPECT_LOGGED_DENY(pid, "socket", " uid 65534 ");
	EXPECT_LOGGED_DENY(pid, "connect", " uid 65534 ");
}

TEST_HARNESS_MAIN
