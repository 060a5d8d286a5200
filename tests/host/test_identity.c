// SPDX-License-Identifier: GPL-2.0
/*
 * Who is calling (identity.c): the executable's path, "deleted" only when
 * it really is, its SHA-256 read through the descriptor and cached by
 * dev/ino/mtime/ctime/size, the parent's executable only when provably
 * the parent's, and exe_fd closed whatever happens.  Also pidwatch.c,
 * which tells when a process exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sanitizer/lsan_interface.h>

#include <ev.h>

#include "identity.h"
#include "pidwatch.h"

/* TEST_F() has unused parameters; EXPECT_EQ(1, n) compares int and size_t. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
static const uint8_t sha_abc[SHA256_LEN] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};

static int still_waiting(void *ctx, uint64_t id)
{
	(void)id;
	return *(int *)ctx;
}

static struct sactl_request rec_for(int fd)
{
	return (struct sactl_request){
		.size = sizeof(struct sactl_request),
		.version = SACTL_ABI_VERSION, .op = SACTL_OP_CONNECT,
		.id = 1, .exe_fd = fd,
	};
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

FIXTURE(id) {
	char dir[64], file[128];
	struct identity_cache *cache;
	struct identity ident;
	int valid;
};

FIXTURE_SETUP(id)
{
	strcpy(self->dir, "/tmp/sactl-identity.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->file, sizeof(self->file), "%s/prog", self->dir);
	ASSERT_EQ(0, write_file(self->file, "abc"));
	self->cache = identity_cache_new(4);
	ASSERT_NE(NULL, self->cache);
}

FIXTURE_TEARDOWN(id)
{
	char cmd[128];

	identity_clear(&self->ident);
	identity_cache_free(self->cache);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	EXPECT_EQ(0, system(cmd));
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
}

TEST_F(id, path_hash_and_fd_closed)
{
	int fd = open(self->file, O_RDONLY | O_CLOEXEC);
	struct sactl_request rec = rec_for(fd);
	struct stat st;
	struct query q = { 0 };

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stat(self->file, &st));
	identity_resolve(self->cache, &rec, still_waiting, &self->valid,
			 &self->ident);
	EXPECT_FALSE(fd_open(fd));
	ASSERT_NE(NULL, self->ident.exe);
	EXPECT_STREQ(self->file, self->ident.exe);
	EXPECT_FALSE(self->ident.deleted);
	EXPECT_EQ(st.st_dev, self->ident.dev);
	EXPECT_EQ(st.st_ino, self->ident.ino);
	ASSERT_TRUE(self->ident.has_sha256);
	EXPECT_EQ(0, memcmp(sha_abc, self->ident.sha256, SHA256_LEN));

	identity_apply(&self->ident, &q);
	EXPECT_EQ(self->ident.exe, q.exe);
	EXPECT_TRUE(q.has_sha256);
	EXPECT_EQ(0, memcmp(sha_abc, q.sha256, SHA256_LEN));
}

/* The hash is of what the descriptor reads, not of what the path holds now. */
TEST_F(id, deleted_file_keeps_its_name_and_hash)
{
	int fd = open(self->file, O_RDONLY | O_CLOEXEC);
	struct sactl_request rec = rec_for(fd);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, unlink(self->file));
	ASSERT_EQ(0, write_file(self->file, "something else"));
	/* The caller (us) shares sactld's mounts: the name is trusted. */
	rec.pid = (uint32_t)getpid();
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	ASSERT_NE(NULL, self->ident.exe);
	EXPECT_STREQ(self->file, self->ident.exe);
	EXPECT_TRUE(self->ident.deleted);
	ASSERT_TRUE(self->ident.has_sha256);
	EXPECT_EQ(0, memcmp(sha_abc, self->ident.sha256, SHA256_LEN));
}

/*
 * A deleted file's path names no file, so it is only trusted for a caller
 * known to share sactld's mounts (else it could be a private mount's).
 */
TEST_F(id, deleted_file_of_unknown_mounts_has_no_path)
{
	int fd = open(self->file, O_RDONLY | O_CLOEXEC);
	struct sactl_request rec = rec_for(fd);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, unlink(self->file));
	rec.pid = 0;
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	EXPECT_EQ(NULL, self->ident.exe);
	EXPECT_FALSE(self->ident.deleted);
	ASSERT_TRUE(self->ident.has_sha256);
	EXPECT_EQ(0, memcmp(sha_abc, self->ident.sha256, SHA256_LEN));
}

/* A name that really ends in " (deleted)" is not a deleted file. */
TEST_F(id, deleted_suffix_in_a_real_name)
{
	char path[160];
	int fd;
	struct sactl_request rec;

	snprintf(path, sizeof(path), "%s/x (deleted)", self->dir);
	ASSERT_EQ(0, write_file(path, "abc"));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	rec = rec_for(fd);
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	ASSERT_NE(NULL, self->ident.exe);
	EXPECT_STREQ(path, self->ident.exe);
	EXPECT_FALSE(self->ident.deleted);
}

/*
 * A cached hash needs no read: an O_PATH descriptor (which cannot be read)
 * still gets it.  A changed file (same size, mtime put back, but a new
 * ctime) is read again.
 */
TEST_F(id, cache_hits_and_invalidation)
{
	struct sactl_request rec;
	struct stat st;
	struct timespec times[2];
	int fd;

	fd = open(self->file, O_PATH | O_CLOEXEC);
	rec = rec_for(fd);
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	EXPECT_FALSE(self->ident.has_sha256);	/* unreadable, not cached yet */
	identity_clear(&self->ident);

	fd = open(self->file, O_RDONLY | O_CLOEXEC);
	rec = rec_for(fd);
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	EXPECT_TRUE(self->ident.has_sha256);
	identity_clear(&self->ident);

	fd = open(self->file, O_PATH | O_CLOEXEC);
	rec = rec_for(fd);
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	EXPECT_TRUE(self->ident.has_sha256);	/* from the cache */
	EXPECT_EQ(0, memcmp(sha_abc, self->ident.sha256, SHA256_LEN));
	identity_clear(&self->ident);

	ASSERT_EQ(0, stat(self->file, &st));
	usleep(20000);	/* a ctime the cache has not seen */
	fd = open(self->file, O_WRONLY | O_CLOEXEC);
	ASSERT_EQ(3, pwrite(fd, "xyz", 3, 0));
	close(fd);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	ASSERT_EQ(0, utimensat(AT_FDCWD, self->file, times, 0));
	fd = open(self->file, O_PATH | O_CLOEXEC);
	rec = rec_for(fd);
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	EXPECT_FALSE(self->ident.has_sha256);	/* not the cached file any more */
}

/* The cache is bounded: the least recently used entry goes first. */
TEST_F(id, cache_evicts_the_oldest)
{
	char paths[6][160];
	struct sactl_request rec;
	int fd;

	for (int i = 0; i < 6; i++) {
		char text[16];

		snprintf(paths[i], sizeof(paths[i]), "%s/p%d", self->dir, i);
		snprintf(text, sizeof(text), "prog %d", i);
		ASSERT_EQ(0, write_file(paths[i], text));
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		rec = rec_for(fd);
		identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
		EXPECT_TRUE(self->ident.has_sha256);
		identity_clear(&self->ident);
	}
	/* 4 entries: p0 and p1 are gone, p2..p5 are there. */
	for (int i = 0; i < 6; i++) {
		fd = open(paths[i], O_PATH | O_CLOEXEC);
		rec = rec_for(fd);
		identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
		EXPECT_EQ(i >= 2, self->ident.has_sha256) TH_LOG("p%d", i);
		identity_clear(&self->ident);
	}
}

TEST_F(id, no_executable)
{
	struct sactl_request rec = rec_for(-ENOENT);

	rec.flags = SACTL_REQ_NO_EXE;
	identity_resolve(self->cache, &rec, NULL, NULL, &self->ident);
	EXPECT_EQ(NULL, self->ident.exe);
	EXPECT_FALSE(self->ident.has_sha256);
	EXPECT_EQ(NULL, self->ident.parent_exe);
}

/*
 * The parent: ours is the harness's process.  It counts only if the caller
 * (us) still has it as parent and the request is still waiting.
 */
TEST_F(id, parent_exe_only_when_proven)
{
	char want[PATH_MAX + 1], link[64];
	struct sactl_request rec = rec_for(-EBADF);
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)getppid());
	n = readlink(link, want, sizeof(want) - 1);
	ASSERT_LT(0, n);
	want[n] = '\0';
	ASSERT_EQ(0, stat(link, &st));
	rec.pid = (uint32_t)getpid();
	rec.ppid = (uint32_t)getppid();
	rec.parent_exe_dev = st.st_dev;
	rec.parent_exe_ino = st.st_ino;

	self->valid = 0;
	identity_resolve(self->cache, &rec, still_waiting, &self->valid,
			 &self->ident);
	ASSERT_NE(NULL, self->ident.parent_exe);
	EXPECT_STREQ(want, self->ident.parent_exe);
	identity_clear(&self->ident);

	/* The module saw another file (the parent exec()ed since), or none
	 * it could vouch for (swapped with prctl()). */
	rec.parent_exe_ino = st.st_ino + 1;
	identity_resolve(self->cache, &rec, still_waiting, &self->valid,
			 &self->ident);
	EXPECT_EQ(NULL, self->ident.parent_exe);
	identity_clear(&self->ident);
	rec.parent_exe_dev = rec.parent_exe_ino = 0;
	identity_resolve(self->cache, &rec, still_waiting, &self->valid,
			 &self->ident);
	EXPECT_EQ(NULL, self->ident.parent_exe);
	identity_clear(&self->ident);
	rec.parent_exe_dev = st.st_dev;
	rec.parent_exe_ino = st.st_ino;

	/* The request is gone: the pids may have been reused. */
	self->valid = -ENOENT;
	identity_resolve(self->cache, &rec, still_waiting, &self->valid,
			 &self->ident);
	EXPECT_EQ(NULL, self->ident.parent_exe);
	identity_clear(&self->ident);

	/* Not our parent (any more): a reused pid. */
	self->valid = 0;
	rec.ppid = 1;
	identity_resolve(self->cache, &rec, still_waiting, &self->valid,
			 &self->ident);
	if (getppid() != 1)
		EXPECT_EQ(NULL, self->ident.parent_exe);
}

TEST(sha256_of_a_larger_file)
{
	/* Several read chunks, the last one partial: SHA-256 of 200000 "a". */
	static const char want[] =
		"2287d207f24a941ff3b56c04c8a25ad56b63e3023207b3bb5b4ac0c9869d74be";
	char path[] = "/tmp/sactl-sha.XXXXXX", hex[2 * SHA256_LEN + 1];
	uint8_t sum[SHA256_LEN];
	char *buf = malloc(200000);
	int fd = mkstemp(path);

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, fd);
	unlink(path);
	memset(buf, 'a', 200000);
	ASSERT_EQ(200000, write(fd, buf, 200000));
	free(buf);
	ASSERT_EQ(0, identity_sha256_fd(fd, 200000, sum));
	for (int i = 0; i < SHA256_LEN; i++)
		sprintf(hex + 2 * i, "%02x", sum[i]);
	EXPECT_STREQ(want, hex);
	/* A size that does not match what is read: the file changed. */
	EXPECT_EQ(-ESTALE, identity_sha256_fd(fd, 100, sum));
	close(fd);
}

/* ---- pidwatch ------------------------------------------------------------ */

struct exited {
	pid_t pid;
	int calls;
};

static void on_exit_cb(struct pidwatch *w, pid_t pid, void *ctx)
{
	struct exited *e = ctx;

	(void)w;
	e->pid = pid;
	e->calls++;
}

static void give_up(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

TEST(pidwatch_sees_an_exit)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct exited e = { 0 };
	struct pidwatch w;
	ev_timer t;
	int go[2];
	pid_t child;

	ASSERT_NE(NULL, loop);
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	close(go[0]);
	pidwatch_init(&w);
	ASSERT_EQ(0, pidwatch_start(&w, loop, child, on_exit_cb, &e));
	EXPECT_TRUE(pidwatch_active(&w));
	ev_timer_init(&t, give_up, 0.2, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	EXPECT_EQ(0, e.calls);	/* still running */

	close(go[1]);		/* let it exit */
	ev_timer_set(&t, 5., 0.);
	ev_timer_start(loop, &t);
	while (!e.calls && ev_is_active(&t))
		ev_run(loop, EVRUN_ONCE);
	EXPECT_EQ(1, e.calls);
	EXPECT_EQ(child, e.pid);
	EXPECT_FALSE(pidwatch_active(&w));
	ev_timer_stop(loop, &t);
	waitpid(child, NULL, 0);
	EXPECT_EQ(-ESRCH, pidwatch_start(&w, loop, child, on_exit_cb, &e));
	ev_loop_destroy(loop);
}

TEST_HARNESS_MAIN
