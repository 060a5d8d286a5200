// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes by changing the file behind the program: replaced on disk or
 * deleted while it runs, run from a memfd, its exe_file swapped with
 * prctl(PR_SET_MM_MAP), or run from a private mount over a trusted path.
 * sactld must name the file that runs, never another program.
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

FIXTURE(exe) {
	int p[P_NFDS];
	char try[256];		/* esc-try */
};

FIXTURE_SETUP(exe)
{
	ASSERT_EQ(0, peers_get(self->p));
	bin_path("esc-try", self->try, sizeof(self->try));
	ASSERT_EQ(0, access(self->try, X_OK));
}

FIXTURE_TEARDOWN(exe)
{
	peers_put(self->p);
}

/* ---- the file behind the program ------------------------------------- */

/*
 * esc-try started from a copy at @name, which @change() alters before
 * the call; the log must name the file that runs, marked deleted.
 */
static void changed_under(struct __test_metadata *_metadata, const char *try,
			  const char *name, bool replace, int peer)
{
	char exe[256], other[256], want[300], peer_bin[256];
	struct try t;
	int err;

	work_path(name, exe, sizeof(exe));
	ASSERT_EQ(0, copy_file(try, exe, 0755));
	ASSERT_EQ(0, try_start(&t, exe, (char *[]){ (char *)name, "-w",
			       "connect", "127.0.0.1", "7001", NULL }, NULL,
			       -1, -1));
	/* Wait until it runs the copy (its exe link is set by then). */
	for (int i = 0; i < 100; i++) {
		char link[64], target[300] = "";

		snprintf(link, sizeof(link), "/proc/%d/exe", (int)t.pid);
		if (readlink(link, target, sizeof(target) - 1) > 0 &&
		    !strncmp(target, exe, strlen(exe)))
			break;
		usleep(20000);
	}
	if (replace) {
		/* Another program now lives at the path it was run from. */
		work_path("other", other, sizeof(other));
		ASSERT_EQ(0, copy_file(bin_path("esc-peer", peer_bin,
						sizeof(peer_bin)), other, 0755));
		ASSERT_EQ(0, rename(other, exe));
	} else {
		ASSERT_EQ(0, unlink(exe));
	}
	ASSERT_EQ(0, try_go(&t));
	ASSERT_EQ(0, try_finish(&t, &err));
	snprintf(want, sizeof(want), "%s (deleted)", exe);
	EXPECT_CHILD_DENIED(t.pid, err, EPERM, "connect", "-> 127.0.0.1:7001 ",
			    want);
	EXPECT_TRUE(listener_idle(peer));
}

TEST_F(exe, replaced_on_disk_after_start)
{
	changed_under(_metadata, self->try, "victim", true, self->p[P_TCP4]);
}

TEST_F(exe, run_from_a_deleted_file)
{
	changed_under(_metadata, self->try, "gone", false, self->p[P_TCP4]);
}

/* No file at all: executed from a memfd (fexecve). */
TEST_F(exe, run_from_a_memfd)
{
	int mfd = memfd_create("innocent", 0), in, err;
	int keep[] = { mfd, -1 };
	char buf[65536], exe[64];
	ssize_t n;
	pid_t pid;

	ASSERT_LE(0, mfd);
	in = open(self->try, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, in);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ASSERT_EQ(n, write(mfd, buf, n));
	close(in);
	snprintf(exe, sizeof(exe), "/proc/self/fd/%d", mfd);
	ASSERT_EQ(0, run_try(exe, (char *[]){ "esc-try", "connect", "127.0.0.1",
			     "7001", NULL }, keep, -1, -1, &pid, &err));
	EXPECT_CHILD_DENIED(pid, err, EPERM, "connect", "-> 127.0.0.1:7001 ",
			    "/memfd:innocent (deleted)");
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
	close(mfd);
}

/*
 * No file swap at all: prctl(PR_SET_MM_MAP) with an exe_fd, which an
 * unprivileged user may call in a user namespace of its own (esc-exeswap).
 * The kernel flags the mm (patch 0005), the module reports no executable
 * for it, and sactld logs it as "? (replaced)": never as the file swapped
 * in, nor as any other program.  A fork() of it is flagged too; a program
 * it execs is itself again.
 */
TEST_F(exe, exe_swapped_by_prctl)
{
	char exe[256], target[256], out[512], shown[256], line[2048];
	long prctl_ret = 0, conn = 0, fork_pid = 0, fork_conn = 0, exec_pid = 0;
	struct try t;
	int pid = 0;

	bin_path("esc-exeswap", exe, sizeof(exe));
	bin_path("esc-peer", target, sizeof(target));
	ASSERT_EQ(0, try_start(&t, exe, (char *[]){ "esc-exeswap", target,
			       "127.0.0.1", "7001", self->try, NULL }, NULL,
			       NOBODY, NOBODY));
	ASSERT_EQ(0, try_output(&t, out, sizeof(out)));
	ASSERT_EQ(7, sscanf(out, "pid %d prctl %ld exe %255s connect %ld fork %ld %ld exec %ld",
			    &pid, &prctl_ret, shown, &conn, &fork_pid, &fork_conn,
			    &exec_pid)) TH_LOG("%s", out);
	if (prctl_ret == -EINVAL || prctl_ret == -EPERM)
		SKIP(return, "this kernel refuses the swap (prctl: %s)",
		     strerror(-prctl_ret));
	ASSERT_EQ(0, prctl_ret);
	/* The swap took: /proc shows the file swapped in. */
	EXPECT_STREQ(target, shown);
	EXPECT_EQ(-EPERM, conn);
	ASSERT_TRUE(log_denied(pid, "connect", "-> 127.0.0.1:7001 ", line,
			       sizeof(line))) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, ": ? (replaced) ")) TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, target)) TH_LOG("%s", line);

	ASSERT_LT(0, fork_pid);
	EXPECT_EQ(-EPERM, fork_conn);
	ASSERT_TRUE(log_denied((pid_t)fork_pid, "connect", "-> 127.0.0.1:7001 ",
			       line, sizeof(line))) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, ": ? (replaced) ")) TH_LOG("%s", line);

	ASSERT_LT(0, exec_pid);
	ASSERT_TRUE(log_denied((pid_t)exec_pid, "connect", "-> 127.0.0.1:7001 ",
			       line, sizeof(line))) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, self->try)) TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, "(replaced)")) TH_LOG("%s", line);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
}

/*
 * A path that names another program: an unprivileged user mounts a tmpfs
 * of its own (in a user and mount namespace of its own) over the
 * directory of a trusted program, and runs its own file from the trusted
 * program's path.  The path sactld reads for the exe descriptor is the
 * one in the caller's mount namespace, which sactld's does not have: it
 * must not name the trusted program (here esc-peer) for it.
 */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return r;
}

static void private_mount_child(const char *try, int out)
{
	char dir[256], dst[300], buf[65536];
	int src = open(try, O_RDONLY | O_CLOEXEC), fd;
	ssize_t n;

	dup2(out, 1);
	snprintf(dir, sizeof(dir), "%s", try);
	*strrchr(dir, '/') = '\0';
	snprintf(dst, sizeof(dst), "%s/esc-peer", dir);
	/* Files can be made in the tmpfs only by an id mapped in its user
	 * namespace: map ourselves to its root, as unshare -r does.  (Our
	 * setuid() made us undumpable, so /proc/self/uid_map root's: undo
	 * that, a user's own process is dumpable anyway.)
	 */
	if (src < 0 || setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ||
	    prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER | CLONE_NEWNS) ||
	    write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 65534 1") ||
	    write_file("/proc/self/gid_map", "0 65534 1") ||
	    mount("none", dir, "tmpfs", 0, NULL)) {
		dprintf(1, "setup %d\n", errno);
		_exit(0);
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	while (fd >= 0 && (n = read(src, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			break;
	close(fd);
	execv(dst, (char *[]){ "esc-peer", "connect", "127.0.0.1", "7001", NULL });
	dprintf(1, "setup %d\n", errno);
	_exit(0);
}

TEST_F(exe, path_of_another_program_by_private_mount)
{
	char out[256] = "", line[2048], trusted[300];
	int pfd[2], status, err = -1;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		private_mount_child(self->try, pfd[1]);
	close(pfd[1]);
	n = read(pfd[0], out, sizeof(out) - 1);
	close(pfd[0]);
	waitpid(pid, &status, 0);
	out[n > 0 ? n : 0] = '\0';
	if (sscanf(out, "setup %d", &err) == 1)
		SKIP(return, "no private mount for nobody: %s", strerror(err));
	ASSERT_EQ(1, sscanf(out, "errno %d", &err)) TH_LOG("%s", out);
	EXPECT_EQ(EPERM, err);
	EXPECT_TRUE(log_denied(pid, "connect", "-> 127.0.0.1:7001 ", line,
			       sizeof(line))) TH_LOG("%s", line);
	bin_path("esc-peer (", trusted, sizeof(trusted));
	EXPECT_EQ(NULL, strstr(line, trusted))
		TH_LOG("another program's path in \"%s\"", line);
	EXPECT_TRUE(listener_idle(self->p[P_TCP4]));
}

TEST_HARNESS_MAIN
