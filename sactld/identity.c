// SPDX-License-Identifier: GPL-2.0
/*
 * The caller's identity.  The kernel hands us a descriptor of the very file
 * the caller runs, so the hash is of that file even if the path now names
 * another one.  The parent has no such descriptor: its /proc entry is read
 * and then checked against pid reuse (see parent_exe()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "identity.h"

#define DELETED_SUFFIX	" (deleted)"

struct cache_entry {
	uint64_t dev, ino, size;
	/* mtime can be set back with utimensat(); ctime cannot. */
	struct timespec mtime, ctime;
	uint64_t used;		/* LRU clock; 0: free slot */
	uint8_t sha256[SHA256_LEN];
};

struct identity_cache {
	size_t n;
	uint64_t clock;
	struct cache_entry *e;
};

struct identity_cache *identity_cache_new(size_t entries)
{
	struct identity_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = entries ? entries : 1;
	c->e = calloc(c->n, sizeof(*c->e));
	if (!c->e) {
		free(c);
		return NULL;
	}
	return c;
}

void identity_cache_free(struct identity_cache *c)
{
	if (!c)
		return;
	free(c->e);
	free(c);
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool entry_is(const struct cache_entry *e, const struct stat *st)
{
	return e->used && e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == (uint64_t)st->st_size &&
	       same_time(&e->mtime, &st->st_mtim) &&
	       same_time(&e->ctime, &st->st_ctim);
}

/* The cached entry for @st, or NULL; *victim gets the slot to reuse. */
static struct cache_entry *cache_find(struct identity_cache *c,
				      const struct stat *st,
				      struct cache_entry **victim)
{
	struct cache_entry *old = &c->e[0];

	for (size_t i = 0; i < c->n; i++) {
		struct cache_entry *e = &c->e[i];

		if (entry_is(e, st)) {
			e->used = ++c->clock;
			return e;
		}
		/* A free slot (used 0) is always the oldest. */
		if (e->used < old->used)
			old = e;
	}
	*victim = old;
	return NULL;
}

int identity_sha256_fd(int fd, uint64_t size, uint8_t out[SHA256_LEN])
{
	enum { CHUNK = 64 * 1024 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	uint64_t off = 0;
	unsigned int len = 0;
	int err = 0;

	if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		err = -ENOMEM;
		goto out;
	}
	/* pread: the descriptor's offset is nobody's business. */
	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(md, buf, (size_t)n)) {
			err = -EIO;
			goto out;
		}
		off += (uint64_t)n;
	}
	/* A file that changed size under us is not the file we stat()ed. */
	if (off != size) {
		err = -ESTALE;
		goto out;
	}
	if (!EVP_DigestFinal_ex(md, out, &len) || len != SHA256_LEN)
		err = -EIO;
out:
	free(buf);
	EVP_MD_CTX_free(md);
	return err;
}

static void exe_hash(struct identity_cache *c, int fd, const struct stat *st,
		     struct identity *out)
{
	struct cache_entry *e, *victim = NULL;

	if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size > IDENTITY_HASH_MAX)
		return;
	e = cache_find(c, st, &victim);
	if (!e) {
		uint8_t sum[SHA256_LEN];

		if (identity_sha256_fd(fd, (uint64_t)st->st_size, sum))
			return;
		e = victim;
		*e = (struct cache_entry){
			.dev = st->st_dev, .ino = st->st_ino,
			.size = (uint64_t)st->st_size,
			.mtime = st->st_mtim, .ctime = st->st_ctim,
			.used = ++c->clock,
		};
		memcpy(e->sha256, sum, SHA256_LEN);
	}
	memcpy(out->sha256, e->sha256, SHA256_LEN);
	out->has_sha256 = true;
}

/* readlink() into a new string, or NULL. */
static char *read_link(const char *link)
{
	char buf[PATH_MAX + 1];
	ssize_t n = readlink(link, buf, sizeof(buf));

	if (n <= 0 || n >= (ssize_t)sizeof(buf))
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* Does @path name the file @dev/@ino here, in sactld's mount namespace? */
static bool names_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat here;

	return !stat(path, &here) && here.st_dev == dev && here.st_ino == ino;
}

/*
 * Does process @pid see the system's mounts, init's?  Not sactld's own:
 * systemd's sandboxing (ProtectSystem=, ReadWritePaths=) runs it in a
 * mount namespace of its own, a read-only copy of init's.
 */
static bool system_mounts(uint32_t pid)
{
	char link[64];
	struct stat theirs, ref;

	snprintf(link, sizeof(link), "/proc/%u/ns/mnt", pid);
	return pid && !stat(link, &theirs) &&
	       (!stat("/proc/1/ns/mnt", &ref) ||
		!stat("/proc/self/ns/mnt", &ref)) &&
	       theirs.st_dev == ref.st_dev && theirs.st_ino == ref.st_ino;
}

/*
 * The path is the file's in the caller's mount namespace: one with a
 * private mount over a directory can run its own file under another
 * program's path.  Rules go by path, so a path is only kept if it names
 * the same file here (a deleted file names none: then only if the caller
 * sees the system's mounts).
 */
static void exe_path(int fd, const struct stat *st, uint32_t pid,
		     struct identity *out)
{
	char link[64];
	size_t len, slen = strlen(DELETED_SUFFIX);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	out->exe = read_link(link);
	if (!out->exe)
		return;
	/* A name may really end in " (deleted)": trust the link count. */
	len = strlen(out->exe);
	if (st && st->st_nlink == 0 && len > slen &&
	    !strcmp(out->exe + len - slen, DELETED_SUFFIX)) {
		out->exe[len - slen] = '\0';
		out->deleted = true;
	}
	if (out->deleted ? system_mounts(pid) :
	    st && names_file(out->exe, st->st_dev, st->st_ino))
		return;
	free(out->exe);
	out->exe = NULL;
	out->deleted = false;
}

/* The parent pid of @pid from /proc/<pid>/stat, or -1. */
static long proc_ppid(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	long ppid;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything, even ")". */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

/*
 * The parent's executable.  Read it first, then check that the caller
 * (still waiting, hence not reused: @valid) still has that parent: a
 * parent that died in between would have left the caller reparented, and
 * a live process's pid cannot be reused.  The file must be the one the
 * module saw the parent run at the call: since then the parent may have
 * exec()ed another program or swapped its file with prctl(), and a
 * swapped file the module does not report at all.
 */
static char *parent_exe(const struct sactl_request *rec,
			identity_valid_fn valid, void *ctx)
{
	char link[64], *exe;
	struct stat st;

	if (!rec->pid || !rec->ppid || !rec->parent_exe_ino)
		return NULL;
	snprintf(link, sizeof(link), "/proc/%u/exe", rec->ppid);
	exe = read_link(link);
	if (!exe)
		return NULL;
	/* As for exe_path(): only a path that names that file here. */
	if (stat(link, &st) || (uint64_t)st.st_dev != rec->parent_exe_dev ||
	    (uint64_t)st.st_ino != rec->parent_exe_ino ||
	    !names_file(exe, st.st_dev, st.st_ino) ||
	    proc_ppid((pid_t)rec->pid) != (long)rec->ppid ||
	    (valid && valid(ctx, rec->id))) {
		free(exe);
		return NULL;
	}
	return exe;
}

void identity_resolve(struct identity_cache *c, const struct sactl_request *rec,
		      identity_valid_fn valid, void *ctx, struct identity *out)
{
	int fd = rec->exe_fd;
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->dev = rec->exe_dev;
	out->ino = rec->exe_ino;
	if (fd >= 0 && !(rec->flags & SACTL_REQ_NO_EXE)) {
		bool have_st = !fstat(fd, &st);

		exe_path(fd, have_st ? &st : NULL, rec->pid, out);
		if (have_st) {
			out->dev = st.st_dev;
			out->ino = st.st_ino;
			exe_hash(c, fd, &st, out);
		}
	}
	if (fd >= 0)
		close(fd);
	out->parent_exe = parent_exe(rec, valid, ctx);
}

void identity_clear(struct identity *id)
{
	free(id->exe);
	free(id->parent_exe);
	memset(id, 0, sizeof(*id));
}

void identity_apply(const struct identity *id, struct query *q)
{
	q->exe = id->exe;
	q->exe_dev = id->dev;
	q->exe_ino = id->ino;
	q->has_sha256 = id->has_sha256;
	memcpy(q->sha256, id->sha256, SHA256_LEN);
	q->parent_exe = id->parent_exe;
}
