// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes by letting someone else make the call: a socket made here but
 * used by another program (inherited across fork/exec, passed with
 * SCM_RIGHTS), threads, a false comm or argv[0], setuid and setgid
 * programs.  sactld must decide each call for the process that makes it:
 * its pid, its real executable, its real uid.  Sockets connected before
 * sactld attached are the known limit (SECURITY.md): they carry data, also
 * in another program.
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

FIXTURE(proc) {
	int p[P_NFDS];
	char try[256];		/* esc-try */
};

FIXTURE_SETUP(proc)
{
	ASSERT_EQ(0, peers_get(self->p));
	bin_path("esc-try", self->try, sizeof(self->try));
	ASSERT_EQ(0, access(self->try, X_OK));
}

FIXTURE_TEARDOWN(proc)
{
	peers_put(self->p);
}

/* ---- fork/exec ---------------------------------------------------------- */

/* A socket made here, used by another program after exec. */
TEST_F(proc, exec_inherits_udp_socket)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;
	int keep[] = { fd, -1 };
	char n[16];
	pid_t pid;

	ASSERT_LE(0, fd);
	snprintf(n, sizeof(n), "%d", fd);
	ASSERT_EQ(0, run_try(self->try, (char *[]){ "esc-try", "fdsend", n,
			     "127.0.0.1", "7002", NULL }, keep, -1, -1, &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "send", "-> 127.0.0.1:7002 ",
			    self->try);
	EXPECT_EQ(0, udp_drain(self->p[P_UDP4]));
	close(fd);
}

TEST_F(proc, exec_inherits_tcp_socket)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), err;
	int keep[] = { fd, -1 };
	char n[16];
	pid_t pid;

	ASSERT_LE(0, fd);
	snprintf(n, sizeof(n), "%d", fd);
	ASSERT_EQ(0, run_try(self->try, (char *[]){ "esc-try", "fdconnect", n,
			     "::1", "7001", NULL }, keep, -1, -1, &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "connect", "-> [::1]:7001 ",
			    self->try);
	EXPECT_TRUE(listener_idle(self->p[P_TCP6]));
	close(fd);
}

/* Known limit: a connection from before attach, inherited, carries data. */
TEST_F(proc, limit_exec_inherits_connection_from_before_attach)
{
	int keep[] = { self->p[P_CONN_C], -1 }, err;
	char n[16], b = 0;
	pid_t pid;

	snprintf(n, sizeof(n), "%d", self->p[P_CONN_C]);
	ASSERT_EQ(0, run_try(self->try, (char *[]){ "esc-try", "fdsend", n,
			     "-", "0", NULL }, keep, -1, -1, &pid, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(1, read(self->p[P_CONN_S], &b, 1));
	EXPECT_EQ('x', b);
}

/* ---- SCM_RIGHTS --------------------------------------------------------- */

static int send_fd(int unix_fd, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	return sendmsg(unix_fd, &m, 0) == 1 ? 0 : -errno;
}

/* esc-try receives @fd over a socketpair and does @action with it. */
static int pass_fd(const char *try, int fd, const char *action,
		   const char *ip, const char *port, pid_t *pid, int *err)
{
	int sv[2], r;
	int keep[] = { -1, -1 };
	char n[16];
	struct try t;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	keep[0] = sv[1];
	snprintf(n, sizeof(n), "%d", sv[1]);
	r = try_start(&t, try, (char *[]){ "esc-try", "recvfd", n,
		      (char *)action, (char *)ip, (char *)port, NULL },
		      keep, -1, -1);
	close(sv[1]);
	if (!r)
		r = send_fd(sv[0], fd);
	*pid = t.pid;
	if (!r)
		r = try_finish(&t, err);
	close(sv[0]);
	return r;
}

TEST_F(proc, scm_rights_tcp_socket)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pass_fd(self->try, fd, "connect", "127.0.0.1", "7001",
			     &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "connect", "-> 127.0.0.1:7001 ",
			    self->try);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
	close(fd);
}

TEST_F(proc, scm_rights_udp_socket)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pass_fd(self->try, fd, "send", "::1", "7002", &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "send", "-> [::1]:7002 ", self->try);
	EXPECT_EQ(0, udp_drain(self->p[P_UDP6]));
	close(fd);
}

/* Known limit: an already connected socket, passed on, carries data. */
TEST_F(proc, limit_scm_rights_connection_from_before_attach)
{
	char b = 0;
	pid_t pid;
	int err;

	ASSERT_EQ(0, pass_fd(self->try, self->p[P_CONN_C], "send", "-", "0",
			     &pid, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(1, read(self->p[P_CONN_S], &b, 1));
	EXPECT_EQ('x', b);
}

/* ---- threads, comm, argv[0] -------------------------------------------- */

struct attempt {
	const char *name;	/* thread name to take first, or NULL */
	int err;
};

static void *connect_thread(void *arg)
{
	struct attempt *a = arg;
	struct sockaddr_storage ss;
	socklen_t len = sa_make(&ss, "127.0.0.1", PORT_TCP);
	int fd;

	if (a->name)
		prctl(PR_SET_NAME, a->name);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a->err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	close(fd);
	return NULL;
}

TEST_F(proc, thread_with_another_name)
{
	struct attempt a = { .name = "innocent" };
	char line[2048];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, connect_thread, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(EPERM, a.err);
	/* Logged for the process (its tgid), the thread's name shown. */
	EXPECT_TRUE(log_denied(getpid(), "connect", "(innocent)", line,
			       sizeof(line))) TH_LOG("%s", line);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
}

TEST_F(proc, threads_at_once)
{
	enum { N = 8 };
	struct attempt a[N] = { 0 };
	pthread_t t[N];
	int n = 0;

	for (int i = 0; i < N; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, connect_thread, &a[i]));
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(EPERM, a[i].err);
	}
	EXPECT_LOGGED_DENY(getpid(), "connect", "-> 127.0.0.1:7001 ");
	for (int tries = 0; tries < 100 && n < N; tries++, usleep(100000))
		n = log_count(getpid(), "connect");
	EXPECT_EQ(N, n);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
}

/* comm is what `ps` shows; sactld goes by the executable. */
TEST_F(proc, comm_of_another_program)
{
	struct attempt a = { .name = "sactld" };
	char line[2048], exe[256];

	connect_thread(&a);
	EXPECT_EQ(EPERM, a.err);
	EXPECT_TRUE(log_denied(getpid(), "connect", "(sactld)", line,
			       sizeof(line))) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, bin_path("process ", exe, sizeof(exe))))
		TH_LOG("%s", line);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
}

TEST_F(proc, argv0_of_another_program)
{
	pid_t pid;
	int err;

	ASSERT_EQ(0, run_try(self->try, (char *[]){ "/usr/sbin/sshd", "connect",
			     "127.0.0.1", "7001", NULL }, NULL, -1, -1, &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "connect", "-> 127.0.0.1:7001 ",
			    self->try);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
}

/* ---- setuid, setgid ------------------------------------------------------ */

/* A root-owned copy of esc-try with @mode, run by nobody. */
static void run_as_nobody(struct __test_metadata *_metadata, const char *try,
			  const char *name, mode_t mode, int peer)
{
	char exe[256];
	pid_t pid;
	int err;

	work_path(name, exe, sizeof(exe));
	ASSERT_EQ(0, copy_file(try, exe, 0755));
	ASSERT_EQ(0, chown(exe, 0, 0));
	ASSERT_EQ(0, chmod(exe, mode));		/* after chown: it clears them */
	ASSERT_EQ(0, run_try(exe, (char *[]){ (char *)name, "connect",
			     "127.0.0.1", "7001", NULL }, NULL, NOBODY, NOBODY,
			     &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "connect", " uid 65534 ", exe);
	EXPECT_TRUE(listener_idle(peer));
}

TEST_F(proc, setuid_root_program)
{
	run_as_nobody(_metadata, self->try, "suid-try", 04755, self->p[P_TCP4]);
}

TEST_F(proc, setgid_root_program)
{
	run_as_nobody(_metadata, self->try, "sgid-try", 02755, self->p[P_TCP4]);
}

TEST_HARNESS_MAIN
