// SPDX-License-Identifier: GPL-2.0
/*
 * The remembered decisions: one libconfig file per uid (<uid>.conf) in a
 * root-owned 0700 directory, plus the memory-only answers (until the
 * process exits, until sactld restarts).
 *
 * Files are only ever replaced whole: written to .<uid>.conf.tmp
 * (O_EXCL|O_NOFOLLOW), fdatasync'd, renamed over, and the directory
 * fsync'd; so after a crash at any point the file is the old or the new
 * version.  Everything is opened relative to the directory's descriptor
 * with O_NOFOLLOW, and a file that is not root's own plain file is
 * reported and ignored, never trusted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"

/* The first rule's line in a file we write: after the 3 header lines. */
#define FIRST_RULE_LINE 4

struct user_rules {
	uid_t uid;
	struct ruleset *rs;
};

struct store {
	int dirfd;
	char *dir;
	struct user_rules *users;	/* sorted by uid */
	size_t n, cap;
};

static void (*warn_fn)(const char *msg);

void store_set_warn(void (*warn)(const char *msg))
{
	warn_fn = warn;
}

__attribute__((format(printf, 1, 2)))
static void warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (warn_fn)
		warn_fn(msg);
	else
		fprintf(stderr, "sactld: %s\n", msg);
}

static bool persisted(const struct rule *r)
{
	return r->duration == DURATION_MINUTES ||
	       r->duration == DURATION_FOREVER;
}

static bool expired(const struct rule *r, time_t now)
{
	return r->expires && now >= r->expires;
}

/* Users */

static struct user_rules *find_user(const struct store *s, uid_t uid)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->users[mid].uid == uid)
			return &s->users[mid];
		if (s->users[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct user_rules *get_user(struct store *s, uid_t uid)
{
	struct user_rules *u = find_user(s, uid);
	char origin[32];
	size_t pos = 0;

	if (u)
		return u;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;

		u = realloc(s->users, cap * sizeof(*u));
		if (!u)
			return NULL;
		s->users = u;
		s->cap = cap;
	}
	while (pos < s->n && s->users[pos].uid < uid)
		pos++;
	snprintf(origin, sizeof(origin), "%u.conf", (unsigned int)uid);
	u = &s->users[pos];
	memmove(u + 1, u, (s->n - pos) * sizeof(*u));
	u->uid = uid;
	u->rs = ruleset_new(origin);
	if (!u->rs) {
		memmove(u, u + 1, (s->n - pos) * sizeof(*u));
		return NULL;
	}
	s->n++;
	return u;
}

/* Writing a file */

typedef bool (*rule_pred)(const struct rule *r, void *ctx);

/* The text of @u's file: its persisted rules but @skip's, then @extra. */
static char *user_text(const struct user_rules *u, rule_pred skip, void *ctx,
		       const struct rule *extra, size_t *len)
{
	const char *sep = "";
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	fprintf(f, "# sactl: the remembered decisions of uid %u, written by sactld.\n"
		   "# Do not edit while sactld runs; see sactl.conf(5).\n"
		   "rules = (\n", (unsigned int)u->uid);
	for (size_t i = 0; i < ruleset_count(u->rs); i++) {
		const struct rule *r = ruleset_rule(u->rs, i);

		if (!persisted(r) || (skip && skip(r, ctx)))
			continue;
		fputs(sep, f);
		rule_write(f, r);
		sep = ",\n";
	}
	if (extra) {
		fputs(sep, f);
		rule_write(f, extra);
	}
	fputs("\n);\n", f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace @u's file atomically; on error the old one stays. */
static int write_user(struct store *s, const struct user_rules *u,
		      rule_pred skip, void *ctx, const struct rule *extra,
		      char *err, size_t errlen)
{
	char name[32], tmp[40];
	const char *step;
	size_t len;
	char *text;
	int fd, ret;

	snprintf(name, sizeof(name), "%u.conf", (unsigned int)u->uid);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	text = user_text(u, skip, ctx, extra, &len);
	if (!text) {
		snprintf(err, errlen, "%s/%s: %s", s->dir, name, strerror(ENOMEM));
		return -ENOMEM;
	}
	/* A leftover (or planted) temp file: unlinkat never follows it. */
	if (unlinkat(s->dirfd, tmp, 0) && errno != ENOENT) {
		step = "remove";
		goto fail_errno;
	}
	fd = openat(s->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		step = "create";
		goto fail_errno;
	}
	ret = write_all(fd, text, len);
	step = "write";
	if (!ret && fdatasync(fd)) {
		ret = -errno;
		step = "sync";
	}
	if (close(fd) && !ret) {
		ret = -errno;
		step = "close";
	}
	if (!ret && renameat(s->dirfd, tmp, s->dirfd, name)) {
		ret = -errno;
		step = "rename";
	}
	if (ret) {
		unlinkat(s->dirfd, tmp, 0);
		errno = -ret;
		goto fail_errno;
	}
	free(text);
	/* The new file is in place; only its durability is in doubt. */
	if (fsync(s->dirfd))
		warn("%s: fsync: %s", s->dir, strerror(errno));
	return 0;

fail_errno:
	ret = -errno;
	free(text);
	snprintf(err, errlen, "%s/%s: %s: %s; %s left as it was", s->dir, tmp,
		 step, strerror(-ret), name);
	return ret;
}

static void number_lines(struct user_rules *u)
{
	unsigned int line = FIRST_RULE_LINE;

	for (size_t i = 0; i < ruleset_count(u->rs); i++) {
		struct rule *r = (struct rule *)ruleset_rule(u->rs, i);

		r->line = persisted(r) ? line++ : 0;
	}
}

/* Loading */

/* "<uid><suffix>" with a canonical decimal uid. */
static bool parse_uid_name(const char *name, const char *suffix, uid_t *uid)
{
	unsigned long long v = 0;
	const char *p = name;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v >= UINT32_MAX)
			return false;
	}
	if (strcmp(p, suffix))
		return false;
	*uid = (uid_t)v;
	return true;
}

/* Root's own plain file, not linked elsewhere, writable by root only. */
static const char *unsafe_file(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return strerror(errno);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != geteuid())
		return "not owned by root";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	if (st.st_nlink != 1)
		return "has other hard links";
	return NULL;
}

static int parse_user_file(struct user_rules *u, config_t *lc,
			   const char *path, time_t now, char *err,
			   size_t errlen)
{
	config_setting_t *root = config_root_setting(lc);

	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *list = config_setting_get_elem(root, (unsigned int)i);

		if (strcmp(config_setting_name(list), "rules")) {
			snprintf(err, errlen, "%s:%u: unknown setting \"%s\" (expected rules)",
				 path, config_setting_source_line(list),
				 config_setting_name(list));
			return -1;
		}
		if (config_setting_type(list) != CONFIG_TYPE_LIST) {
			snprintf(err, errlen, "%s:%u: rules: expected a list ( { ... }, ... )",
				 path, config_setting_source_line(list));
			return -1;
		}
		for (int k = 0; k < config_setting_length(list); k++) {
			struct rule *r = rule_parse(config_setting_get_elem(list, (unsigned int)k),
						    path, (unsigned int)k + 1,
						    true, err, errlen);

			if (!r)
				return -1;
			r->owner = u->uid;
			if (expired(r, now)) {
				rule_free(r);
				continue;
			}
			if (ruleset_add(u->rs, r)) {
				rule_free(r);
				snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
				return -1;
			}
		}
	}
	return 0;
}

static bool any_rule(const struct rule *r, void *ctx)
{
	(void)r;
	(void)ctx;
	return true;
}

static void load_user_file(struct store *s, const char *name, uid_t uid,
			   time_t now)
{
	struct user_rules *u;
	const char *why;
	char err[1024];
	char *path;
	config_t lc;
	int fd;

	if (asprintf(&path, "%s/%s", s->dir, name) < 0) {
		warn("%s/%s: %s; ignored", s->dir, name, strerror(ENOMEM));
		return;
	}
	fd = openat(s->dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		warn("%s: %s; ignored", path, errno == ELOOP ?
		     "a symbolic link, not followed" : strerror(errno));
		free(path);
		return;
	}
	why = unsafe_file(fd);
	u = why ? NULL : get_user(s, uid);
	if (!u) {
		warn("%s: %s; ignored", path, why ? why : strerror(ENOMEM));
		close(fd);
		free(path);
		return;
	}
	config_init(&lc);
	if (config_read_fd(&lc, fd, path, err, sizeof(err)) ||
	    parse_user_file(u, &lc, path, now, err, sizeof(err))) {
		/* All or nothing: drop what the broken file gave so far. */
		ruleset_remove_if(u->rs, any_rule, NULL);
		warn("%s; the file is ignored and will be replaced by the next remembered answer",
		     err);
	}
	config_destroy(&lc);
	close(fd);
	free(path);
	number_lines(u);
}

static int load_dir(struct store *s, char *err, size_t errlen)
{
	time_t now = time(NULL);
	struct dirent *de;
	int fd = dup(s->dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		uid_t uid;

		if (de->d_name[0] == '.' &&
		    parse_uid_name(de->d_name + 1, ".conf.tmp", &uid))
			unlinkat(s->dirfd, de->d_name, 0);	/* interrupted write */
		else if (parse_uid_name(de->d_name, ".conf", &uid))
			load_user_file(s, de->d_name, uid, now);
	}
	closedir(d);
	return 0;
}

static int open_dir(struct store *s, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "%s: mkdir: %s", dir, strerror(errno));
		return -1;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0) {
		if (errno == ELOOP || (errno == ENOTDIR && !lstat(dir, &st) &&
				       S_ISLNK(st.st_mode)))
			snprintf(err, errlen, "%s: a symbolic link; refusing to follow it",
				 dir);
		else
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(s->dirfd, &st)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not root", dir,
			 (unsigned int)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s: writable by group or others (mode %04o); refusing it",
			 dir, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	/* Readable by others would tell them who runs what: tighten it. */
	if ((st.st_mode & 077) && fchmod(s->dirfd, 0700)) {
		snprintf(err, errlen, "%s: chmod 0700: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

struct store *store_open(const char *dir, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s)
		s->dir = strdup(dir);
	if (!s || !s->dir) {
		snprintf(err, errlen, "%s: %s", dir, strerror(ENOMEM));
		free(s);
		return NULL;
	}
	s->dirfd = -1;
	if (open_dir(s, dir, err, errlen) || load_dir(s, err, errlen)) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		ruleset_free(s->users[i].rs);
	free(s->users);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	free(s);
}

/* Remembering */

/* The rule a remembered answer to @q stands for (see policy.h). */
static struct rule *rule_from_query(const struct query *q,
				    const struct remembered *rem, time_t now)
{
	bool local_side = q->op == SACTL_OP_BIND || q->op == SACTL_OP_LISTEN ||
			  q->op == SACTL_OP_ACCEPT;
	const struct net_addr *port = local_side ? &q->local : &q->remote;
	const struct net_addr *addr = q->op == SACTL_OP_ACCEPT ? &q->remote :
				      port;
	bool addr_is_local = q->op == SACTL_OP_BIND || q->op == SACTL_OP_LISTEN;
	struct rule *r = rule_new();
	int number;

	if (!r)
		return NULL;
	r->exe = strdup(q->exe);
	if (!r->exe)
		goto nomem;
	r->action = rem->verdict;
	r->remembered = true;
	r->owner = q->uid;
	r->duration = rem->duration;
	r->created = now;
	if (rem->duration == DURATION_MINUTES)
		r->expires = now + (time_t)rem->minutes * 60;
	if (rem->duration == DURATION_PROCESS)
		r->pid = q->pid;
	if (q->has_sha256) {
		r->has_sha256 = true;
		memcpy(r->sha256, q->sha256, SHA256_LEN);
	}
	if (rem->scope == SCOPE_PROGRAM)
		return r;

	r->ops = 1u << q->op;
	r->protos = calloc(1, sizeof(*r->protos));
	if (!r->protos)
		goto nomem;
	r->n_protos = 1;
	r->protos->kind = proto_classify(q->type, q->protocol, &number);
	if (r->protos->kind == PROTO_NUMBER)
		r->protos->number = number;
	if (port->present) {
		struct port_range **v = local_side ? &r->local_ports : &r->ports;

		*v = malloc(sizeof(**v));
		if (!*v)
			goto nomem;
		(*v)->lo = (*v)->hi = port->port;
		*(local_side ? &r->n_local_ports : &r->n_ports) = 1;
	}
	if (rem->scope == SCOPE_DESTINATION && addr->present) {
		struct cidr **v = addr_is_local ? &r->local : &r->remote;

		*v = malloc(sizeof(**v));
		if (!*v)
			goto nomem;
		memcpy((*v)->addr, addr->addr, 16);
		(*v)->bits = 128;
		*(addr_is_local ? &r->n_local : &r->n_remote) = 1;
	}
	return r;
nomem:
	rule_free(r);
	return NULL;
}

struct add_ctx {
	const struct rule *new;
	time_t now;
};

/* Expired, or the same answer given again (e.g. for a newer build). */
static bool superseded(const struct rule *r, void *p)
{
	const struct add_ctx *a = p;

	return expired(r, a->now) ||
	       (persisted(r) == persisted(a->new) &&
		rule_same_target(r, a->new));
}

/* Would adding @r drop one of @u's rules (see superseded())? */
static bool replaces_any(const struct user_rules *u, const struct rule *r,
			 time_t now)
{
	struct add_ctx ctx = { .new = r, .now = now };

	for (size_t i = 0; i < ruleset_count(u->rs); i++)
		if (superseded(ruleset_rule(u->rs, i), &ctx))
			return true;
	return false;
}

/* Remember @r for @u: the file first, memory once it is written. */
static int add_rule(struct store *s, struct user_rules *u, struct rule *r,
		    time_t now, char *err, size_t errlen)
{
	struct add_ctx ctx = { .new = r, .now = now };
	int ret;

	if (persisted(r)) {
		ret = write_user(s, u, superseded, &ctx, r, err, errlen);
		if (ret)
			return ret;
	}
	ruleset_remove_if(u->rs, superseded, &ctx);
	if (ruleset_add(u->rs, r)) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	number_lines(u);
	return 0;
}

int store_add(struct store *s, const struct query *q,
	      const struct remembered *rem, time_t now, char *err,
	      size_t errlen)
{
	struct user_rules *u;
	struct rule *r;
	int ret;

	if (rem->duration == DURATION_ONCE)
		return 0;
	if (rem->verdict != VERDICT_ALLOW && rem->verdict != VERDICT_DENY) {
		snprintf(err, errlen, "cannot remember a verdict that is neither allow nor deny");
		return -EINVAL;
	}
	if ((unsigned int)rem->duration > DURATION_FOREVER ||
	    (unsigned int)rem->scope > SCOPE_PROGRAM ||
	    (rem->duration == DURATION_MINUTES &&
	     (!rem->minutes || rem->minutes > 60u * 24 * 366 * 100))) {
		snprintf(err, errlen, "invalid duration or scope");
		return -EINVAL;
	}
	if (!op_known(q->op)) {
		snprintf(err, errlen, "uid %u: unknown op %u; nothing to remember",
			 (unsigned int)q->uid, (unsigned int)q->op);
		return -EINVAL;
	}
	if (!q->exe || q->exe[0] != '/') {
		snprintf(err, errlen,
			 "uid %u: the program's path is unknown; nothing to remember",
			 (unsigned int)q->uid);
		return -EINVAL;
	}
	r = rule_from_query(q, rem, now);
	u = r ? get_user(s, q->uid) : NULL;
	if (!u) {
		rule_free(r);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (ruleset_count(u->rs) >= STORE_MAX_ANSWERS && !replaces_any(u, r, now)) {
		snprintf(err, errlen,
			 "uid %u has %zu remembered rules, the most kept; this answer is not remembered",
			 (unsigned int)q->uid, ruleset_count(u->rs));
		rule_free(r);
		return -ENOSPC;
	}
	ret = add_rule(s, u, r, now, err, errlen);
	if (ret)
		rule_free(r);
	return ret;
}

int store_add_rule(struct store *s, uid_t uid, struct rule *r, time_t now,
		   char *err, size_t errlen)
{
	struct user_rules *u = get_user(s, uid);

	if (!u) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (r->expires && r->expires <= now) {
		snprintf(err, errlen, "uid %u: the rule has already expired",
			 (unsigned int)uid);
		return -EINVAL;
	}
	r->remembered = true;
	r->owner = uid;
	if (!r->created)
		r->created = now;
	if (r->duration != DURATION_PROCESS && r->duration != DURATION_SESSION)
		r->duration = r->expires ? DURATION_MINUTES : DURATION_FOREVER;
	return add_rule(s, u, r, now, err, errlen);
}

static bool same_rule(const struct rule *r, void *p)
{
	return r == p;
}

int store_remove(struct store *s, uid_t uid, size_t index, char *err,
		 size_t errlen)
{
	struct user_rules *u = find_user(s, uid);
	const struct rule *r;
	int ret;

	if (!u || index < 1 || index > ruleset_count(u->rs)) {
		snprintf(err, errlen, "uid %u has no remembered rule %zu",
			 (unsigned int)uid, index);
		return -ENOENT;
	}
	r = ruleset_rule(u->rs, index - 1);
	if (persisted(r)) {
		ret = write_user(s, u, same_rule, (void *)r, NULL, err, errlen);
		if (ret)
			return ret;
	}
	ruleset_remove_if(u->rs, same_rule, (void *)r);
	number_lines(u);
	return 0;
}

size_t store_uids(const struct store *s, uid_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!ruleset_count(s->users[i].rs))
			continue;
		if (n < max)
			out[n] = s->users[i].uid;
		n++;
	}
	return n;
}

const struct ruleset *store_rules(const struct store *s, uid_t uid)
{
	const struct user_rules *u = find_user(s, uid);

	return u ? u->rs : NULL;
}

bool store_match(const struct store *s, const struct query *q, time_t now,
		 struct match_result *out)
{
	const struct user_rules *u = s ? find_user(s, q->uid) : NULL;

	return u && ruleset_match(u->rs, q, now, out);
}

static bool expired_pred(const struct rule *r, void *p)
{
	return expired(r, *(const time_t *)p);
}

time_t store_expire(struct store *s, time_t now)
{
	time_t next = 0;
	char err[1024];

	for (size_t i = 0; i < s->n; i++) {
		struct user_rules *u = &s->users[i];
		bool rewrite = false;

		for (size_t k = 0; k < ruleset_count(u->rs); k++) {
			const struct rule *r = ruleset_rule(u->rs, k);

			if (expired(r, now))
				rewrite |= persisted(r);
			else if (r->expires && (!next || r->expires < next))
				next = r->expires;
		}
		/* Expired rules never match: dropping them cannot wait on I/O. */
		if (rewrite && write_user(s, u, expired_pred, &now, NULL, err,
					  sizeof(err)))
			warn("%s", err);
		if (ruleset_remove_if(u->rs, expired_pred, &now))
			number_lines(u);
	}
	return next;
}

static bool process_pred(const struct rule *r, void *p)
{
	return r->duration == DURATION_PROCESS && r->pid == *(const pid_t *)p;
}

void store_process_exited(struct store *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		ruleset_remove_if(s->users[i].rs, process_pred, &pid);
}
