// SPDX-License-Identifier: GPL-2.0
/*
 * The control server (sactld/control.c) on a real libev loop, with fake
 * control_ops that record what they were asked: root only (SO_PEERCRED,
 * with a real setuid() client), each request mapped to its op and its
 * reply, errors that keep the connection, WATCH with slow readers, protocol
 * errors, control_read_module_stats(), and what the sanitized sactlctl
 * prints for STATUS.  Needs root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "sactl/wire.h"

#include "host_test.h"
#include "daemon_double.h"


/* ------------------------------------------------------------------ */
/* The fake daemon behind the ops. */

struct fake {
	int calls;
	int fail;			/* -errno the next op returns */
	const char *fail_text;
	struct control_rule_filter filter;
	bool add_system;
	uid_t add_uid;
	char add_text[256];
	struct control_rule_ref del;
	char del_origin[64];
	struct control_server *cs;	/* to broadcast from inside an op */
	enum control_cache cache;	/* what STATUS says of the cache */
	bool module_cache;		/* the module has cache counters */
};

static int fail_now(struct fake *f, char *err, size_t errlen)
{
	int ret = f->fail;

	if (f->fail_text)
		snprintf(err, errlen, "%s", f->fail_text);
	f->fail = 0;
	f->fail_text = NULL;
	return ret;
}

static int f_status(void *ctx, struct control_status *out)
{
	struct fake *f = ctx;

	f->calls++;
	out->version = "sactld test";
	out->attached = true;
	out->uptime = 3725;
	out->pending = 2;
	out->prompts = 1;
	out->agents = 3;
	out->requests = 100;
	out->allowed = 90;
	out->denied = 10;
	out->by_rule = 80;
	out->by_user = 15;
	out->by_default = 5;
	out->module.present = true;
	out->module.requests = 200;
	out->module.overflows = 7;
	out->cache = f->cache;
	out->cache_pushed = 12;
	out->cache_flushes = f->cache == CONTROL_CACHE_FULL ? 1 : 3;
	out->module.cache = f->module_cache;
	out->module.cache_hits = 1234;
	out->module.cache_rules = f->cache == CONTROL_CACHE_FULL ? 1 : 10;
	return fail_now(f, NULL, 0);
}

static int f_reload(void *ctx, char *err, size_t errlen)
{
	struct fake *f = ctx;

	f->calls++;
	if (f->cs)
		control_broadcast(f->cs, "reloaded");
	return fail_now(f, err, errlen);
}

static int f_rules_list(void *ctx, const struct control_rule_filter *flt,
			control_emit_fn emit, void *emit_ctx,
			char *err, size_t errlen)
{
	static const struct control_rule rules[] = {
		{ 1, true, 0, "sactl.conf:12", "{ exe = \"/usr/bin/curl\"; verdict = \"allow\"; }" },
		{ 2, true, 0, "sactl.conf:20", "{ op = \"listen\";\n  verdict = \"deny\"; }" },
		{ 1, false, 1000, "1000.conf:3", "{ exe = \"/usr/bin/ssh\"; verdict = \"allow\"; }" },
		{ 1, false, 1001, NULL, "{ verdict = \"deny\"; }" },
	};
	struct fake *f = ctx;
	int ret;

	f->calls++;
	f->filter = *flt;
	if (f->fail)
		return fail_now(f, err, errlen);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct control_rule *r = &rules[i];

		if (r->system ? !flt->system :
		    !(flt->all_users || (flt->one_user && flt->uid == r->uid)))
			continue;
		ret = emit(emit_ctx, r);
		if (ret)
			return ret;
	}
	return 0;
}

static int f_rule_add(void *ctx, bool system, uid_t uid, const char *text,
		      struct control_added *added, char *err, size_t errlen)
{
	struct fake *f = ctx;

	f->calls++;
	f->add_system = system;
	f->add_uid = uid;
	snprintf(f->add_text, sizeof(f->add_text), "%s", text);
	added->index = 4;
	snprintf(added->origin, sizeof(added->origin), "%s", system ? "sactl.conf:40" : "1000.conf:9");
	return fail_now(f, err, errlen);
}

static int f_rule_del(void *ctx, const struct control_rule_ref *ref,
		      char *err, size_t errlen)
{
	struct fake *f = ctx;

	f->calls++;
	f->del = *ref;
	snprintf(f->del_origin, sizeof(f->del_origin), "%s", ref->origin ? ref->origin : "");
	f->del.origin = NULL;
	return fail_now(f, err, errlen);
}

static const struct control_ops fake_ops = {
	.status = f_status,
	.reload = f_reload,
	.rules_list = f_rules_list,
	.rule_add = f_rule_add,
	.rule_del = f_rule_del,
};

/* ------------------------------------------------------------------ */
/* Clients, from the test's side. */

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

static void spin(struct ev_loop *loop, double secs)
{
	ev_timer t;

	ev_timer_init(&t, stop_cb, secs, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

struct cli {
	int fd;
	struct wire_reader r;
};

/* Connect as @uid (a child process connects and passes the socket). */
static int cli_open(struct cli *c, const char *path, uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	int sv[2], fd, status, ret = 0;
	pid_t pid;

	strcpy(sa.sun_path, path);
	wire_reader_init(&c->r, WIRE_MAX_FRAME);
	c->fd = -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return -errno;
	pid = fork();
	if (pid == 0) {
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
			_exit(1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			byte = (char)errno;
			fd = -1;
		}
		if (fd >= 0) {
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		} else {
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		}
		_exit(sendmsg(sv[1], &mh, 0) == 1 ? 0 : 2);
	}
	close(sv[1]);
	if (recvmsg(sv[0], &mh, 0) != 1)
		ret = -EIO;
	else if (byte)
		ret = -byte;
	else
		memcpy(&c->fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	close(sv[0]);
	waitpid(pid, &status, 0);
	if (c->fd >= 0)
		fcntl(c->fd, F_SETFL, O_NONBLOCK);
	return ret;
}

static void cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	wire_reader_free(&c->r);
}

static int cli_send(struct cli *c, const struct wire_msg *m)
{
	struct wire_buf b;
	int ret;

	wire_buf_init(&b, WIRE_MAX_FRAME);
	ret = wire_encode(m, &b, NULL, 0);
	if (!ret)
		ret = wire_buf_flush(&b, c->fd) ? -EAGAIN : 0;
	wire_buf_free(&b);
	return ret;
}

static int cli_request(struct cli *c, uint16_t type)
{
	struct wire_msg m;

	wire_msg_init(&m, type);
	return cli_send(c, &m);
}

enum { GOT = 1, NOTHING = 0, HUNG_UP = -1, GARBAGE = -2 };

static int cli_next(struct ev_loop *loop, struct cli *c, struct wire_msg *m, double secs)
{
	char err[256];

	for (double waited = 0;; waited += 0.005) {
		int ret = wire_reader_next(&c->r, m, err, sizeof(err));
		ssize_t n;

		if (ret)
			return ret > 0 ? GOT : GARBAGE;
		n = wire_reader_read(&c->r, c->fd);
		if (n > 0)
			continue;
		if (n == 0 || n != -EAGAIN)
			return HUNG_UP;
		if (waited >= secs)
			return NOTHING;
		spin(loop, 0.005);
	}
}

static bool cli_expect(struct ev_loop *loop, struct cli *c, uint16_t type,
		       struct wire_msg *m)
{
	int ret = cli_next(loop, c, m, 2.0);

	if (ret == GOT && m->type == type)
		return true;
	fprintf(stderr, "# expected %s, got %d/%s %s\n", wire_type_name(type), ret,
		ret == GOT ? wire_type_name(m->type) : "-",
		ret == GOT && wire_str(m, WIRE_T_TEXT) ? wire_str(m, WIRE_T_TEXT) : "");
	if (ret == GOT)
		wire_msg_clear(m);
	return false;
}

/* An ERROR containing @text, then the server hangs up. */
static bool cli_dropped(struct ev_loop *loop, struct cli *c, const char *text)
{
	struct wire_msg m;
	bool said = false;
	int ret;

	while ((ret = cli_next(loop, c, &m, 2.0)) == GOT) {
		said |= m.type == WIRE_ERROR && strstr(wire_str(&m, WIRE_T_TEXT), text);
		wire_msg_clear(&m);
	}
	return ret == HUNG_UP && said;
}

FIXTURE(ctl) {
	char dir[64];
	char path[128];
	struct ev_loop *loop;
	struct fake fake;
	struct control_server *cs;
};

FIXTURE_SETUP(ctl)
{
	char err[256] = "";

	if (geteuid() != 0)
		SKIP(return, "needs root");
	strcpy(self->dir, "/tmp/sactl-control-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->path, sizeof(self->path), "%s/run/control.sock", self->dir);
	self->loop = ev_loop_new(EVFLAG_AUTO);
	memset(&self->fake, 0, sizeof(self->fake));
	self->cs = control_server_new(self->loop, self->path, &fake_ops, &self->fake,
				      err, sizeof(err));
	ASSERT_NE(NULL, self->cs) TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(ctl)
{
	if (!self->loop)
		return;
	control_server_free(self->cs);
	ev_loop_destroy(self->loop);
	rm_tree(self->dir);
	EXPECT_EQ(0, LEAKS());
}

/* This harness runs the test even if its setup skipped: skip it too. */
#define NEED_ROOT() do {					\
	if (!self->loop)					\
		SKIP(return, "needs root");			\
} while (0)

TEST_F(ctl, root_only)
{
	NEED_ROOT();
	struct stat st;
	struct cli c;

	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(0600u, st.st_mode & 0777);
	/* The file mode keeps others out... */
	EXPECT_EQ(-EACCES, cli_open(&c, self->path, 1000));
	cli_close(&c);
	/* ...and if someone loosens it, SO_PEERCRED still does. */
	ASSERT_EQ(0, chmod(self->path, 0666));
	ASSERT_EQ(0, cli_open(&c, self->path, 1000));
	EXPECT_TRUE(cli_dropped(self->loop, &c, "permission denied"));
	cli_close(&c);
	EXPECT_EQ(0, self->fake.calls);
}

TEST_F(ctl, status)
{
	NEED_ROOT();
	struct cli c;
	struct wire_msg m;

	ASSERT_EQ(0, cli_open(&c, self->path, 0));
	ASSERT_EQ(0, cli_request(&c, WIRE_STATUS));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	EXPECT_STREQ("sactld test", wire_str(&m, WIRE_T_NAME));
	EXPECT_EQ(1u, wire_num(&m, WIRE_T_ATTACHED, 0));
	EXPECT_EQ(3725u, wire_num(&m, WIRE_T_UPTIME, 0));
	EXPECT_EQ(2u, wire_num(&m, WIRE_T_PENDING, 0));
	EXPECT_EQ(1u, wire_num(&m, WIRE_T_PROMPTS, 0));
	EXPECT_EQ(3u, wire_num(&m, WIRE_T_AGENTS, 0));
	EXPECT_EQ(100u, wire_num(&m, WIRE_T_REQUESTS, 0));
	EXPECT_EQ(5u, wire_num(&m, WIRE_T_BY_DEFAULT, 0));
	EXPECT_EQ(1u, wire_num(&m, WIRE_T_MODULE, 0));
	EXPECT_EQ(200u, wire_num(&m, WIRE_T_M_REQUESTS, 0));
	EXPECT_EQ(7u, wire_num(&m, WIRE_T_M_OVERFLOWS, 0));
	EXPECT_TRUE(wire_has(&m, WIRE_T_M_CANCELLED));
	EXPECT_EQ((uint64_t)WIRE_CACHE_ON, wire_num(&m, WIRE_T_CACHE, 0));
	EXPECT_EQ(12u, wire_num(&m, WIRE_T_CACHE_PUSHED, 0));
	EXPECT_EQ(3u, wire_num(&m, WIRE_T_CACHE_FLUSHES, 0));
	/* A module without the cache's counters: absent, not 0. */
	EXPECT_FALSE(wire_has(&m, WIRE_T_M_CACHE_HITS));
	EXPECT_FALSE(wire_has(&m, WIRE_T_M_CACHE_RULES));
	wire_msg_clear(&m);

	self->fake.module_cache = true;
	self->fake.cache = CONTROL_CACHE_UNSUPPORTED;
	ASSERT_EQ(0, cli_request(&c, WIRE_STATUS));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	EXPECT_EQ((uint64_t)WIRE_CACHE_UNSUPPORTED, wire_num(&m, WIRE_T_CACHE, 0));
	EXPECT_EQ(1234u, wire_num(&m, WIRE_T_M_CACHE_HITS, 0));
	EXPECT_EQ(10u, wire_num(&m, WIRE_T_M_CACHE_RULES, 0));
	wire_msg_clear(&m);
	cli_close(&c);
}

/*
 * `sactlctl -s SOCK status` against our server (served by spinning the
 * loop while it runs): its output, to be freed, or NULL if it failed.
 */
static char *sactlctl_status(struct ev_loop *loop, const char *dir,
			     const char *sock)
{
	const char *argv[] = { sactlctl_bin(), "-s", sock, "status", NULL };
	char out[128];
	long end = now_ms() + WAIT_MS;
	int status;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/status.out", dir);
	unlink(out);
	pid = spawn_logged(out, argv, NULL);
	if (pid < 0)
		return NULL;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return NULL;
		}
		spin(loop, 0.01);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# sactlctl status: wait status 0x%x\n", status);
		return NULL;
	}
	return read_file(out);
}

/* The cache line sactlctl prints for each state, after the module's. */
TEST_F(ctl, status_cache_printed)
{
	NEED_ROOT();
	static const struct {
		enum control_cache cache;
		bool module_cache;
		const char *line;
	} cases[] = {
		{ CONTROL_CACHE_ON, true,
		  "cache:      on, 12 records pushed, 3 flushes; module: 10 rules, 1234 hits\n" },
		{ CONTROL_CACHE_ON, false,	/* an older module */
		  "cache:      on, 12 records pushed, 3 flushes\n" },
		{ CONTROL_CACHE_FULL, true,
		  "cache:      full (the module's cache_max is reached until the next flush), 12 records pushed, 1 flush; module: 1 rule, 1234 hits\n" },
		{ CONTROL_CACHE_OFF, true,
		  "cache:      off (cache = false in sactl.conf)\n" },
		{ CONTROL_CACHE_DETACHED, true,
		  "cache:      off while not attached to /dev/sactl\n" },
		{ CONTROL_CACHE_UNSUPPORTED, false,
		  "cache:      not supported by the module\n" },
	};

	ASSERT_EQ(0, access(sactlctl_bin(), X_OK)) TH_LOG("no %s: make -C tests/host", sactlctl_bin());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out, *line;

		self->fake.cache = cases[i].cache;
		self->fake.module_cache = cases[i].module_cache;
		out = sactlctl_status(self->loop, self->dir, self->path);
		ASSERT_NE(NULL, out);
		line = strstr(out, "\ncache:");
		EXPECT_NE(NULL, line) TH_LOG("case %zu: no cache line in:\n%s", i, out);
		/* One line, the last. */
		if (line)
			EXPECT_STREQ(cases[i].line, line + 1);
		EXPECT_NE(NULL, strstr(out, "\nmodule:     requests 200,"));
		free(out);
	}
	EXPECT_EQ((int)(sizeof(cases) / sizeof(cases[0])), self->fake.calls);
}

/* RULES_LIST: which rules, in RULE frames, then OK(count). */
static int list_rules(struct ev_loop *loop, struct cli *c, int sys, long uid,
		      char origins[][32])
{
	struct wire_msg m;
	int n = 0;

	wire_msg_init(&m, WIRE_RULES_LIST);
	if (sys)
		wire_set_num(&m, WIRE_T_SYSTEM, 1);
	if (uid >= 0)
		wire_set_num(&m, WIRE_T_UID, (uint64_t)uid);
	if (cli_send(c, &m))
		return -1;
	for (;;) {
		if (cli_next(loop, c, &m, 2.0) != GOT)
			return -1;
		if (m.type == WIRE_OK) {
			if (wire_num(&m, WIRE_T_COUNT, 999) != (uint64_t)n)
				n = -1;
			wire_msg_clear(&m);
			return n;
		}
		if (m.type != WIRE_RULE) {
			wire_msg_clear(&m);
			return -1;
		}
		snprintf(origins[n++], 32, "%s", wire_str(&m, WIRE_T_ORIGIN) ?
			 wire_str(&m, WIRE_T_ORIGIN) : "-");
		wire_msg_clear(&m);
	}
}

TEST_F(ctl, rules_list_filters)
{
	NEED_ROOT();
	struct cli c;
	char o[8][32];

	ASSERT_EQ(0, cli_open(&c, self->path, 0));
	EXPECT_EQ(4, list_rules(self->loop, &c, 0, -1, o));
	EXPECT_TRUE(self->fake.filter.system && self->fake.filter.all_users);
	EXPECT_STREQ("sactl.conf:12", o[0]);
	EXPECT_STREQ("-", o[3]);
	EXPECT_EQ(2, list_rules(self->loop, &c, 1, -1, o));
	EXPECT_FALSE(self->fake.filter.all_users || self->fake.filter.one_user);
	EXPECT_EQ(1, list_rules(self->loop, &c, 0, 1000, o));
	EXPECT_STREQ("1000.conf:3", o[0]);
	EXPECT_TRUE(self->fake.filter.one_user && !self->fake.filter.system);
	EXPECT_EQ(1000u, self->fake.filter.uid);
	EXPECT_EQ(3, list_rules(self->loop, &c, 1, 1001, o));
	EXPECT_EQ(0, list_rules(self->loop, &c, 0, 4242, o));
	cli_close(&c);
}

TEST_F(ctl, rule_add_and_del)
{
	NEED_ROOT();
	struct cli c;
	struct wire_msg m;

	ASSERT_EQ(0, cli_open(&c, self->path, 0));
	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, "{ verdict = \"allow\"; }");
	ASSERT_EQ(0, cli_send(&c, &m));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	EXPECT_EQ(4u, wire_num(&m, WIRE_T_INDEX, 0));
	EXPECT_STREQ("sactl.conf:40", wire_str(&m, WIRE_T_ORIGIN));
	wire_msg_clear(&m);
	EXPECT_TRUE(self->fake.add_system);
	EXPECT_STREQ("{ verdict = \"allow\"; }", self->fake.add_text);

	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, "{ verdict = \"deny\"; }");
	wire_set_num(&m, WIRE_T_UID, 1000);
	ASSERT_EQ(0, cli_send(&c, &m));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	wire_msg_clear(&m);
	EXPECT_FALSE(self->fake.add_system);
	EXPECT_EQ(1000u, self->fake.add_uid);

	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_num(&m, WIRE_T_INDEX, 2);
	ASSERT_EQ(0, cli_send(&c, &m));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	wire_msg_clear(&m);
	EXPECT_TRUE(self->fake.del.system);
	EXPECT_EQ(2u, self->fake.del.index);

	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_num(&m, WIRE_T_UID, 1000);
	wire_set_str(&m, WIRE_T_ORIGIN, "1000.conf:3");
	ASSERT_EQ(0, cli_send(&c, &m));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	wire_msg_clear(&m);
	EXPECT_FALSE(self->fake.del.system);
	EXPECT_EQ(1000u, self->fake.del.uid);
	EXPECT_EQ(0u, self->fake.del.index);
	EXPECT_STREQ("1000.conf:3", self->fake.del_origin);
	cli_close(&c);
}

TEST_F(ctl, op_errors_are_replies_not_disconnects)
{
	NEED_ROOT();
	struct cli c;
	struct wire_msg m;

	ASSERT_EQ(0, cli_open(&c, self->path, 0));
	self->fake.fail = -EINVAL;
	self->fake.fail_text = "sactl.conf:3: unknown key 'fo'";
	ASSERT_EQ(0, cli_request(&c, WIRE_RELOAD));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_ERROR, &m));
	EXPECT_STREQ("sactl.conf:3: unknown key 'fo'", wire_str(&m, WIRE_T_TEXT));
	EXPECT_EQ((uint64_t)EINVAL, wire_num(&m, WIRE_T_ERRNO, 0));
	wire_msg_clear(&m);
	/* No text: strerror() of the errno. */
	self->fake.fail = -ENOENT;
	ASSERT_EQ(0, cli_request(&c, WIRE_RULES_LIST));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_ERROR, &m));
	EXPECT_STREQ(strerror(ENOENT), wire_str(&m, WIRE_T_TEXT));
	wire_msg_clear(&m);
	/* Text that is not UTF-8 still makes a valid frame. */
	self->fake.fail = -EIO;
	self->fake.fail_text = "bad \xff byte";
	ASSERT_EQ(0, cli_request(&c, WIRE_RELOAD));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_ERROR, &m));
	EXPECT_STREQ("bad \\xff byte", wire_str(&m, WIRE_T_TEXT));
	wire_msg_clear(&m);
	/* Still connected, still served. */
	ASSERT_EQ(0, cli_request(&c, WIRE_RELOAD));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	wire_msg_clear(&m);
	cli_close(&c);
}

TEST_F(ctl, missing_op_is_eopnotsupp)
{
	NEED_ROOT();
	static const struct control_ops only_status = { .status = f_status };
	struct control_server *cs;
	char path[160], err[256];
	struct cli c;
	struct wire_msg m;

	snprintf(path, sizeof(path), "%s/run/other.sock", self->dir);
	cs = control_server_new(self->loop, path, &only_status, &self->fake, err, sizeof(err));
	ASSERT_NE(NULL, cs) TH_LOG("%s", err);
	ASSERT_EQ(0, cli_open(&c, path, 0));
	ASSERT_EQ(0, cli_request(&c, WIRE_RELOAD));
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_ERROR, &m));
	EXPECT_EQ((uint64_t)EOPNOTSUPP, wire_num(&m, WIRE_T_ERRNO, 0));
	wire_msg_clear(&m);
	cli_close(&c);
	control_server_free(cs);
}

TEST_F(ctl, pipelined_requests_answered_in_order)
{
	NEED_ROOT();
	struct cli c;
	struct wire_buf b;
	struct wire_msg m;

	ASSERT_EQ(0, cli_open(&c, self->path, 0));
	wire_buf_init(&b, 4096);
	wire_msg_init(&m, WIRE_STATUS);
	ASSERT_EQ(0, wire_encode(&m, &b, NULL, 0));
	wire_msg_init(&m, WIRE_RULES_LIST);
	wire_set_num(&m, WIRE_T_SYSTEM, 1);
	ASSERT_EQ(0, wire_encode(&m, &b, NULL, 0));
	wire_msg_init(&m, WIRE_RELOAD);
	ASSERT_EQ(0, wire_encode(&m, &b, NULL, 0));
	ASSERT_EQ(0, wire_buf_flush(&b, c.fd));
	wire_buf_free(&b);
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	EXPECT_TRUE(wire_has(&m, WIRE_T_UPTIME));
	wire_msg_clear(&m);
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_RULE, &m));
	wire_msg_clear(&m);
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_RULE, &m));
	wire_msg_clear(&m);
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	EXPECT_EQ(2u, wire_num(&m, WIRE_T_COUNT, 0));
	wire_msg_clear(&m);
	ASSERT_TRUE(cli_expect(self->loop, &c, WIRE_OK, &m));
	EXPECT_FALSE(wire_has(&m, WIRE_T_COUNT));
	wire_msg_clear(&m);
	EXPECT_EQ(3, self->fake.calls);
	cli_close(&c);
}

TEST_F(ctl, watch_streams_decisions)
{
	NEED_ROOT();
	struct cli w, other;
	struct wire_msg m;

	ASSERT_EQ(0, cli_open(&w, self->path, 0));
	ASSERT_EQ(0, cli_open(&other, self->path, 0));
	spin(self->loop, 0.02);
	EXPECT_FALSE(control_has_watchers(self->cs));
	control_broadcast(self->cs, "nobody hears this");
	ASSERT_EQ(0, cli_request(&w, WIRE_WATCH));
	ASSERT_TRUE(cli_expect(self->loop, &w, WIRE_OK, &m));
	wire_msg_clear(&m);
	EXPECT_TRUE(control_has_watchers(self->cs));
	control_broadcast(self->cs, "allow connect curl (pid 1) 1.2.3.4:443 by rule sactl.conf:12");
	control_broadcast(self->cs, "bad \xff line\n");
	ASSERT_TRUE(cli_expect(self->loop, &w, WIRE_EVENT, &m));
	EXPECT_STREQ("allow connect curl (pid 1) 1.2.3.4:443 by rule sactl.conf:12",
		     wire_str(&m, WIRE_T_TEXT));
	EXPECT_FALSE(wire_has(&m, WIRE_T_DROPPED));
	wire_msg_clear(&m);
	ASSERT_TRUE(cli_expect(self->loop, &w, WIRE_EVENT, &m));
	EXPECT_STREQ("bad \\xff line\\x0a", wire_str(&m, WIRE_T_TEXT));
	wire_msg_clear(&m);
	/* An op may broadcast while the watcher is being served. */
	self->fake.cs = self->cs;
	ASSERT_EQ(0, cli_request(&other, WIRE_RELOAD));
	ASSERT_TRUE(cli_expect(self->loop, &other, WIRE_OK, &m));
	wire_msg_clear(&m);
	ASSERT_TRUE(cli_expect(self->loop, &w, WIRE_EVENT, &m));
	EXPECT_STREQ("reloaded", wire_str(&m, WIRE_T_TEXT));
	wire_msg_clear(&m);
	/* Only the watcher got events. */
	EXPECT_EQ(NOTHING, cli_next(self->loop, &other, &m, 0.05));
	/* A watcher sends nothing more. */
	ASSERT_EQ(0, cli_request(&w, WIRE_STATUS));
	EXPECT_TRUE(cli_dropped(self->loop, &w, "STATUS after WATCH"));
	EXPECT_FALSE(control_has_watchers(self->cs));
	cli_close(&w);
	cli_close(&other);
}

TEST_F(ctl, slow_watcher_loses_lines_not_the_connection)
{
	NEED_ROOT();
	static char line[30001];
	struct cli w;
	struct wire_msg m;
	uint64_t got = 0, dropped = 0;
	int sent = 0;

	memset(line, 'x', sizeof(line) - 1);
	ASSERT_EQ(0, cli_open(&w, self->path, 0));
	ASSERT_EQ(0, cli_request(&w, WIRE_WATCH));
	ASSERT_TRUE(cli_expect(self->loop, &w, WIRE_OK, &m));
	wire_msg_clear(&m);
	/* 12 MB at a client that reads nothing meanwhile. */
	for (; sent < 400; sent++)
		control_broadcast(self->cs, line);
	/* Now it reads what was kept... */
	while (cli_next(self->loop, &w, &m, 0.2) == GOT) {
		got++;
		dropped += wire_num(&m, WIRE_T_DROPPED, 0);
		wire_msg_clear(&m);
	}
	EXPECT_EQ(0u, dropped);
	/* ...and the next line that fits says how many it missed. */
	control_broadcast(self->cs, "after");
	ASSERT_TRUE(cli_expect(self->loop, &w, WIRE_EVENT, &m));
	EXPECT_STREQ("after", wire_str(&m, WIRE_T_TEXT));
	got++;
	dropped = wire_num(&m, WIRE_T_DROPPED, 0);
	wire_msg_clear(&m);
	EXPECT_GT(dropped, 0u);
	EXPECT_LT(got, (uint64_t)sent);
	EXPECT_EQ((uint64_t)sent + 1, got + dropped);
	EXPECT_TRUE(control_has_watchers(self->cs));
	cli_close(&w);
}

TEST_F(ctl, malformed_requests_disconnect_only_the_sender)
{
	NEED_ROOT();
	static const uint8_t junk[] = { 0, 0, 0, 12, 0, 1, 0, 17, 0, 29, 0, 2 };
	struct cli bad, bad2, good;
	struct wire_msg m;

	ASSERT_EQ(0, cli_open(&bad, self->path, 0));
	ASSERT_EQ(0, cli_open(&bad2, self->path, 0));
	ASSERT_EQ(0, cli_open(&good, self->path, 0));
	ASSERT_EQ((ssize_t)sizeof(junk), write(bad.fd, junk, sizeof(junk)));
	EXPECT_TRUE(cli_dropped(self->loop, &bad, "runs past the frame"));
	/* A prompt-socket message here. */
	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_PROMPT_ID, 1);
	wire_set_num(&m, WIRE_T_VERDICT, WIRE_ALLOW);
	ASSERT_EQ(0, cli_send(&bad2, &m));
	EXPECT_TRUE(cli_dropped(self->loop, &bad2, "unexpected ANSWER"));
	ASSERT_EQ(0, cli_request(&good, WIRE_STATUS));
	ASSERT_TRUE(cli_expect(self->loop, &good, WIRE_OK, &m));
	wire_msg_clear(&m);
	cli_close(&bad);
	cli_close(&bad2);
	cli_close(&good);
}

TEST_F(ctl, client_limit)
{
	NEED_ROOT();
	struct cli c[CONTROL_MAX_CLIENTS + 1];
	struct wire_msg m;

	for (int i = 0; i <= CONTROL_MAX_CLIENTS; i++)
		ASSERT_EQ(0, cli_open(&c[i], self->path, 0));
	EXPECT_TRUE(cli_dropped(self->loop, &c[CONTROL_MAX_CLIENTS], "too many"));
	ASSERT_EQ(0, cli_request(&c[0], WIRE_STATUS));
	ASSERT_TRUE(cli_expect(self->loop, &c[0], WIRE_OK, &m));
	wire_msg_clear(&m);
	for (int i = 0; i <= CONTROL_MAX_CLIENTS; i++)
		cli_close(&c[i]);
}

TEST_F(ctl, module_stats)
{
	NEED_ROOT();
	struct control_module_stats st;
	char dir[160], file[200];
	static const char *const files[][2] = {
		{ "requests", "12\n" }, { "allowed", "10\n" }, { "denied", "2\n" },
		{ "timeouts", "garbage\n" }, { "pending", "18446744073709551615\n" },
	};

	snprintf(dir, sizeof(dir), "%s/stats", self->dir);
	EXPECT_EQ(-ENOENT, control_read_module_stats(dir, &st));
	EXPECT_FALSE(st.present);
	ASSERT_EQ(0, mkdir(dir, 0755));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(file, sizeof(file), "%s/%s", dir, files[i][0]);
		f = fopen(file, "w");
		ASSERT_NE(NULL, f);
		fputs(files[i][1], f);
		fclose(f);
	}
	ASSERT_EQ(0, control_read_module_stats(dir, &st));
	EXPECT_TRUE(st.present);
	EXPECT_EQ(12u, st.requests);
	EXPECT_EQ(10u, st.allowed);
	EXPECT_EQ(2u, st.denied);
	EXPECT_EQ(0u, st.timeouts);	/* unreadable: 0 */
	EXPECT_EQ(0u, st.overflows);	/* missing: 0 */
	EXPECT_EQ(UINT64_MAX, st.pending);
	/* A module from before the verdict cache. */
	EXPECT_FALSE(st.cache);
	EXPECT_EQ(0u, st.cache_hits);

	/* One that has it: the counters, and a missing one reads as 0. */
	snprintf(file, sizeof(file), "%s/cache_hits", dir);
	ASSERT_EQ(0, write_text(file, "1234\n"));
	ASSERT_EQ(0, control_read_module_stats(dir, &st));
	EXPECT_TRUE(st.cache);
	EXPECT_EQ(1234u, st.cache_hits);
	EXPECT_EQ(0u, st.cache_rules);
	EXPECT_EQ(12u, st.requests);
	snprintf(file, sizeof(file), "%s/cache_rules", dir);
	ASSERT_EQ(0, write_text(file, "10\n"));
	ASSERT_EQ(0, control_read_module_stats(dir, &st));
	EXPECT_EQ(10u, st.cache_rules);
}

TEST_HARNESS_MAIN
