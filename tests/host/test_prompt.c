// SPDX-License-Identifier: GPL-2.0
/*
 * The prompt server (sactld/prompt.c) on a real libev loop, with agents
 * whose credentials are real: each agent socket is connected by a child
 * process that setuid()s to the agent's user first, then hands the
 * connected socket back (SO_PEERCRED is fixed at connect()), so the test
 * drives every agent from one process, deterministically.
 *
 * Covered: routing by uid, root_answers_all, root naming a uid, first
 * answer wins, parallel and coalesced prompts, timeouts, cancellation,
 * agents leaving, late agents, protocol errors, the limits, shutdown.
 * Needs root (setuid); skipped otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy.h"
#include "prompt.h"
#include "query.h"
#include "sactl/wire.h"

#include "host_test.h"


#define ALICE	1000
#define BOB	1001

/* ------------------------------------------------------------------ */
/* The loop and the agents, from the test's side. */

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

/* Let the server work for @secs. */
static void spin(struct ev_loop *loop, double secs)
{
	ev_timer t;

	ev_timer_init(&t, stop_cb, secs, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

static int send_fd(int via, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'f';
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(via, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int via)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(via, &mh, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A socket to @path connected by a process running as @uid. */
static int connect_as(const char *path, uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sv[2], fd, status;
	pid_t pid;

	strcpy(sa.sun_path, path);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
			_exit(1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			_exit(2);
		_exit(send_fd(sv[1], fd) ? 3 : 0);
	}
	close(sv[1]);
	fd = pid > 0 ? recv_fd(sv[0]) : -1;
	close(sv[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (fd >= 0)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

struct agent {
	int fd;
	struct wire_reader r;
};

static void agent_open(struct agent *a, const char *path, uid_t uid)
{
	a->fd = connect_as(path, uid);
	wire_reader_init(&a->r, WIRE_MAX_FRAME);
}

static void agent_close(struct agent *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	wire_reader_free(&a->r);
}

static int agent_send(struct agent *a, const struct wire_msg *m)
{
	struct wire_buf b;
	int ret;

	wire_buf_init(&b, WIRE_MAX_FRAME);
	ret = wire_encode(m, &b, NULL, 0);
	if (!ret)
		ret = wire_buf_flush(&b, a->fd) ? -EAGAIN : 0;
	wire_buf_free(&b);
	return ret;
}

enum { GOT = 1, NOTHING = 0, HUNG_UP = -1, GARBAGE = -2 };

/* The next message to @a, running the loop for up to @secs meanwhile. */
static int agent_next(struct ev_loop *loop, struct agent *a, struct wire_msg *m,
		      double secs)
{
	char err[256];
	int ret;

	for (double waited = 0;; waited += 0.005) {
		ssize_t n;

		ret = wire_reader_next(&a->r, m, err, sizeof(err));
		if (ret)
			return ret > 0 ? GOT : GARBAGE;
		n = wire_reader_read(&a->r, a->fd);
		if (n > 0)
			continue;
		if (n == 0 || (n < 0 && n != -EAGAIN))
			return HUNG_UP;
		if (waited >= secs)
			return NOTHING;
		spin(loop, 0.005);
	}
}

/* Expect a message of @type; any other outcome fails. */
static bool agent_expect(struct ev_loop *loop, struct agent *a, uint16_t type,
			 struct wire_msg *m)
{
	int ret = agent_next(loop, a, m, 2.0);

	if (ret == GOT && m->type == type)
		return true;
	fprintf(stderr, "# expected %s, got %d/%s\n", wire_type_name(type), ret,
		ret == GOT ? wire_type_name(m->type) : "-");
	if (ret == GOT)
		wire_msg_clear(m);
	return false;
}

/* Nothing arrives for @secs, and the connection stays up. */
static bool agent_quiet(struct ev_loop *loop, struct agent *a, double secs)
{
	struct wire_msg m;
	int ret = agent_next(loop, a, &m, secs);

	if (ret == GOT) {
		fprintf(stderr, "# unexpected %s\n", wire_type_name(m.type));
		wire_msg_clear(&m);
	}
	return ret == NOTHING;
}

/* The server closes @a, after at most an ERROR saying why. */
static bool agent_dropped(struct ev_loop *loop, struct agent *a, const char *why)
{
	struct wire_msg m;
	bool said = !why;
	int ret;

	while ((ret = agent_next(loop, a, &m, 2.0)) == GOT) {
		if (m.type == WIRE_ERROR && why && strstr(wire_str(&m, WIRE_T_TEXT), why))
			said = true;
		else if (m.type == WIRE_ERROR)
			fprintf(stderr, "# ERROR '%s'\n", wire_str(&m, WIRE_T_TEXT));
		wire_msg_clear(&m);
	}
	return ret == HUNG_UP && said;
}

/* AGENT_HELLO (naming @uid if not -1), and the HELLO back. */
static bool agent_hello(struct ev_loop *loop, struct agent *a, long uid,
			struct wire_msg *hello)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_str(&m, WIRE_T_NAME, "test agent");
	if (uid >= 0)
		wire_set_num(&m, WIRE_T_UID, (uint64_t)uid);
	if (agent_send(a, &m))
		return false;
	return agent_expect(loop, a, WIRE_HELLO, hello);
}

static int agent_answer(struct agent *a, uint64_t id, enum wire_verdict v,
			enum wire_duration d, unsigned int minutes, enum wire_scope s)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_PROMPT_ID, id);
	wire_set_num(&m, WIRE_T_VERDICT, v);
	wire_set_num(&m, WIRE_T_DURATION, d);
	if (d == WIRE_MINUTES)
		wire_set_num(&m, WIRE_T_MINUTES, minutes);
	wire_set_num(&m, WIRE_T_SCOPE, s);
	return agent_send(a, &m);
}

/* ------------------------------------------------------------------ */
/* The daemon's side: queries and callbacks. */

struct result {
	int calls;
	bool answered;
	struct prompt_answer a;
	/* Optional re-entry from inside the callback. */
	struct prompt_server *ps;
	void *cancel;
	struct query *ask_again;
	struct result *again_res;
};

static void done_cb(void *ctx, bool answered, const struct prompt_answer *a);

static void done_cb(void *ctx, bool answered, const struct prompt_answer *a)
{
	struct result *r = ctx;

	r->calls++;
	r->answered = answered;
	if (a)
		r->a = *a;
	if (r->cancel)
		prompt_cancel(r->ps, r->cancel);
	if (r->ask_again)
		prompt_ask(r->ps, r->ask_again, done_cb, r->again_res);
}

static struct query mkq(uid_t uid, const char *exe, uint16_t port)
{
	static int n;
	struct query q;

	memset(&q, 0, sizeof(q));
	q.id = (uint64_t)(1000000 + ++n);
	q.op = SACTL_OP_CONNECT;
	q.pid = 4000 + n;
	q.tid = q.pid;
	q.ppid = 1;
	q.uid = q.euid = uid;
	q.gid = q.egid = uid;
	q.family = AF_INET;
	q.type = SOCK_STREAM;
	q.protocol = IPPROTO_TCP;
	q.remote.present = true;
	q.remote.v4 = true;
	q.remote.addr[10] = q.remote.addr[11] = 0xff;
	inet_pton(AF_INET, "93.184.216.34", q.remote.addr + 12);
	q.remote.port = port;
	snprintf(q.comm, sizeof(q.comm), "curl");
	q.exe = exe;
	return q;
}

/* ------------------------------------------------------------------ */

/*
 * Results live on a test's stack: end every prompt before the test
 * returns (the fixture's teardown runs after that).
 */
#define STOP_SERVER() do {				\
	prompt_server_free(self->ps);			\
	self->ps = NULL;				\
} while (0)

FIXTURE(ps) {
	char dir[64];
	char path[128];
	struct ev_loop *loop;
	struct config cfg;
	struct prompt_server *ps;
};

FIXTURE_SETUP(ps)
{
	char err[256] = "";

	if (geteuid() != 0)
		SKIP(return, "needs root to setuid() agents");
	strcpy(self->dir, "/tmp/sactl-prompt-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	/* The agents' users must reach the socket. */
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->path, sizeof(self->path), "%s/run/prompt.sock", self->dir);
	self->loop = ev_loop_new(EVFLAG_AUTO);
	ASSERT_NE(NULL, self->loop);
	memset(&self->cfg, 0, sizeof(self->cfg));
	self->cfg.default_verdict = VERDICT_DENY;
	self->cfg.prompt_timeout = 30;
	self->ps = prompt_server_new(self->loop, self->path, &self->cfg, err, sizeof(err));
	ASSERT_NE(NULL, self->ps) TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(ps)
{
	if (!self->loop)
		return;
	prompt_server_free(self->ps);
	ev_loop_destroy(self->loop);
	rm_tree(self->dir);
	EXPECT_EQ(0, LEAKS());
}

/* This harness runs the test even if its setup skipped: skip it too. */
#define NEED_ROOT() do {					\
	if (!self->loop)					\
		SKIP(return, "needs root");			\
} while (0)

TEST_F(ps, socket_is_world_connectable_in_a_0755_dir)
{
	NEED_ROOT();
	struct stat st;
	char dir[160];

	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(0666u, st.st_mode & 0777);
	snprintf(dir, sizeof(dir), "%s/run", self->dir);
	ASSERT_EQ(0, stat(dir, &st));
	EXPECT_EQ(0755u, st.st_mode & 0777);
}

TEST_F(ps, a_live_socket_is_not_taken_over)
{
	NEED_ROOT();
	char err[256] = "";
	struct prompt_server *other;

	other = prompt_server_new(self->loop, self->path, &self->cfg, err, sizeof(err));
	EXPECT_EQ(NULL, other);
	EXPECT_NE(NULL, strstr(err, "another daemon")) TH_LOG("%s", err);
	/* Freed, the socket goes; a stale one left behind is replaced. */
	prompt_server_free(self->ps);
	self->ps = NULL;
	EXPECT_NE(0, access(self->path, F_OK));
	ASSERT_EQ(0, mknod(self->path, S_IFSOCK | 0600, 0));
	self->ps = prompt_server_new(self->loop, self->path, &self->cfg, err, sizeof(err));
	EXPECT_NE(NULL, self->ps) TH_LOG("%s", err);
}

TEST_F(ps, request_reaches_only_its_users_agents)
{
	NEED_ROOT();
	struct agent alice, bob;
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	uint64_t id;

	agent_open(&alice, self->path, ALICE);
	agent_open(&bob, self->path, BOB);
	ASSERT_GE(alice.fd, 0);
	ASSERT_GE(bob.fd, 0);
	EXPECT_FALSE(prompt_has_agent(self->ps, ALICE));	/* no HELLO yet */
	ASSERT_TRUE(agent_hello(self->loop, &alice, -1, &m));
	EXPECT_EQ((uint64_t)ALICE, wire_num(&m, WIRE_T_UID, 0));
	EXPECT_EQ(30u, wire_num(&m, WIRE_T_TIMEOUT, 0));
	EXPECT_EQ((uint64_t)WIRE_DENY, wire_num(&m, WIRE_T_DEFAULT, 0));
	EXPECT_FALSE(wire_has(&m, WIRE_T_ALL_USERS));
	ASSERT_TRUE(agent_hello(self->loop, &bob, -1, &m));
	EXPECT_EQ((uint64_t)BOB, wire_num(&m, WIRE_T_UID, 0));
	EXPECT_TRUE(prompt_has_agent(self->ps, ALICE));
	EXPECT_TRUE(prompt_has_agent(self->ps, BOB));
	EXPECT_FALSE(prompt_has_agent(self->ps, 0));

	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	EXPECT_EQ(0, r.calls);		/* never from inside prompt_ask() */
	ASSERT_TRUE(agent_expect(self->loop, &alice, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	EXPECT_NE(q.id, id);		/* the daemon's id, not the kernel's */
	EXPECT_EQ((uint64_t)ALICE, wire_num(&m, WIRE_T_UID, 0));
	EXPECT_EQ((uint64_t)WIRE_OP_CONNECT, wire_num(&m, WIRE_T_OP, 0));
	EXPECT_EQ((uint64_t)q.pid, wire_num(&m, WIRE_T_PID, 0));
	EXPECT_STREQ("/usr/bin/curl", wire_str(&m, WIRE_T_EXE));
	EXPECT_STREQ("curl", wire_str(&m, WIRE_T_COMM));
	EXPECT_STREQ("tcp", wire_str(&m, WIRE_T_PROTO));
	EXPECT_STREQ("93.184.216.34", wire_str(&m, WIRE_T_REMOTE_ADDR));
	EXPECT_EQ(443u, wire_num(&m, WIRE_T_REMOTE_PORT, 0));
	EXPECT_EQ(4u, wire_num(&m, WIRE_T_FAMILY, 0));
	EXPECT_EQ(30u, wire_num(&m, WIRE_T_SECONDS_LEFT, 0));
	wire_msg_clear(&m);
	EXPECT_TRUE(agent_quiet(self->loop, &bob, 0.2));

	ASSERT_EQ(0, agent_answer(&alice, id, WIRE_ALLOW, WIRE_MINUTES, 15, WIRE_PORT));
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r.calls);
	EXPECT_TRUE(r.answered);
	EXPECT_EQ(VERDICT_ALLOW, (int)r.a.verdict);
	EXPECT_EQ(VERDICT_ALLOW, (int)r.a.remember.verdict);
	EXPECT_EQ(DURATION_MINUTES, (int)r.a.remember.duration);
	EXPECT_EQ(15u, r.a.remember.minutes);
	EXPECT_EQ(SCOPE_PORT, (int)r.a.remember.scope);
	/* The one who answered gets no WITHDRAW. */
	EXPECT_TRUE(agent_quiet(self->loop, &alice, 0.1));
	agent_close(&alice);
	agent_close(&bob);
	STOP_SERVER();
}

TEST_F(ps, answering_another_users_prompt_disconnects)
{
	NEED_ROOT();
	struct agent alice, bob, carol;
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	struct prompt_stats st;
	uint64_t id;

	agent_open(&alice, self->path, ALICE);
	agent_open(&bob, self->path, BOB);
	agent_open(&carol, self->path, BOB);
	ASSERT_TRUE(agent_hello(self->loop, &alice, -1, &m));
	ASSERT_TRUE(agent_hello(self->loop, &bob, -1, &m));
	ASSERT_TRUE(agent_hello(self->loop, &carol, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &alice, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);

	/* Bob guesses Alice's prompt id: out, and nothing decided. */
	ASSERT_EQ(0, agent_answer(&bob, id, WIRE_ALLOW, WIRE_FOREVER, 0, WIRE_PROGRAM));
	EXPECT_TRUE(agent_dropped(self->loop, &bob, "not this agent's to answer"));
	EXPECT_EQ(0, r.calls);
	/* An id never handed out at all: out too. */
	ASSERT_EQ(0, agent_answer(&carol, 999999, WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	EXPECT_TRUE(agent_dropped(self->loop, &carol, "never sent to this agent"));
	EXPECT_EQ(0, r.calls);

	ASSERT_EQ(0, agent_answer(&alice, id, WIRE_DENY, WIRE_ONCE, 0, WIRE_DESTINATION));
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r.calls);
	EXPECT_TRUE(r.answered);
	EXPECT_EQ(VERDICT_DENY, (int)r.a.verdict);
	EXPECT_EQ(DURATION_ONCE, (int)r.a.remember.duration);
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(2u, st.protocol_errors);
	EXPECT_EQ(1u, st.agents);
	EXPECT_EQ(1u, st.answered);
	agent_close(&alice);
	agent_close(&bob);
	agent_close(&carol);
	STOP_SERVER();
}

TEST_F(ps, root_sees_others_only_with_root_answers_all)
{
	NEED_ROOT();
	struct agent alice, root, root_for_bob, bob_for_alice;
	struct wire_msg m;
	struct result r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct query q1 = mkq(ALICE, "/usr/bin/curl", 443);
	struct query q2 = mkq(ALICE, "/usr/bin/curl", 444);
	struct query q3 = mkq(BOB, "/usr/bin/wget", 80);
	uint64_t id;

	agent_open(&alice, self->path, ALICE);
	agent_open(&root, self->path, 0);
	ASSERT_TRUE(agent_hello(self->loop, &alice, -1, &m));
	ASSERT_TRUE(agent_hello(self->loop, &root, -1, &m));
	EXPECT_EQ(0u, wire_num(&m, WIRE_T_UID, 99));
	EXPECT_FALSE(wire_has(&m, WIRE_T_ALL_USERS));
	EXPECT_FALSE(prompt_has_agent(self->ps, BOB));

	ASSERT_EQ(0, prompt_ask(self->ps, &q1, done_cb, &r1));
	ASSERT_TRUE(agent_expect(self->loop, &alice, WIRE_ASK, &m));
	wire_msg_clear(&m);
	EXPECT_TRUE(agent_quiet(self->loop, &root, 0.2));

	/* After a reload with root_answers_all, root gets everyone's. */
	self->cfg.root_answers_all = true;
	prompt_server_set_config(self->ps, &self->cfg);
	EXPECT_TRUE(prompt_has_agent(self->ps, BOB));
	ASSERT_EQ(0, prompt_ask(self->ps, &q2, done_cb, &r2));
	ASSERT_TRUE(agent_expect(self->loop, &alice, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &root, WIRE_ASK, &m));
	EXPECT_EQ(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ((uint64_t)ALICE, wire_num(&m, WIRE_T_UID, 0));
	wire_msg_clear(&m);
	ASSERT_EQ(0, agent_answer(&root, id, WIRE_DENY, WIRE_SESSION, 0, WIRE_PROGRAM));
	ASSERT_TRUE(agent_expect(self->loop, &alice, WIRE_WITHDRAW, &m));
	EXPECT_EQ(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ((uint64_t)WIRE_ANSWERED, wire_num(&m, WIRE_T_REASON, 0));
	EXPECT_EQ((uint64_t)WIRE_DENY, wire_num(&m, WIRE_T_VERDICT, 0));
	wire_msg_clear(&m);
	EXPECT_EQ(1, r2.calls);
	EXPECT_EQ(DURATION_SESSION, (int)r2.a.remember.duration);

	/* Root may serve one named user; others may not name anyone. */
	agent_open(&root_for_bob, self->path, 0);
	ASSERT_TRUE(agent_hello(self->loop, &root_for_bob, BOB, &m));
	EXPECT_EQ((uint64_t)BOB, wire_num(&m, WIRE_T_UID, 0));
	EXPECT_FALSE(wire_has(&m, WIRE_T_ALL_USERS));
	ASSERT_EQ(0, prompt_ask(self->ps, &q3, done_cb, &r3));
	ASSERT_TRUE(agent_expect(self->loop, &root_for_bob, WIRE_ASK, &m));
	EXPECT_EQ((uint64_t)BOB, wire_num(&m, WIRE_T_UID, 0));
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &root, WIRE_ASK, &m));
	wire_msg_clear(&m);
	EXPECT_TRUE(agent_quiet(self->loop, &alice, 0.1));

	agent_open(&bob_for_alice, self->path, BOB);
	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, 1);
	wire_set_str(&m, WIRE_T_NAME, "impostor");
	wire_set_num(&m, WIRE_T_UID, ALICE);
	ASSERT_EQ(0, agent_send(&bob_for_alice, &m));
	EXPECT_TRUE(agent_dropped(self->loop, &bob_for_alice, "may not answer for uid 1000"));

	agent_close(&alice);
	agent_close(&root);
	agent_close(&root_for_bob);
	agent_close(&bob_for_alice);
	spin(self->loop, 0.05);
	/* q1 and q3 lost their last agents: decided at once, unanswered. */
	EXPECT_EQ(1, r1.calls);
	EXPECT_FALSE(r1.answered);
	EXPECT_EQ(1, r3.calls);
	EXPECT_FALSE(r3.answered);
	STOP_SERVER();
}

TEST_F(ps, first_answer_wins_and_others_are_withdrawn)
{
	NEED_ROOT();
	struct agent a1, a2;
	struct wire_msg m;
	struct result r = { 0 }, r2 = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	struct query q2 = mkq(ALICE, "/usr/bin/curl", 8443);
	uint64_t id;

	agent_open(&a1, self->path, ALICE);
	agent_open(&a2, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a1, -1, &m));
	ASSERT_TRUE(agent_hello(self->loop, &a2, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &a1, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &a2, WIRE_ASK, &m));
	EXPECT_EQ(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	wire_msg_clear(&m);

	ASSERT_EQ(0, agent_answer(&a2, id, WIRE_DENY, WIRE_FOREVER, 0, WIRE_DESTINATION));
	ASSERT_TRUE(agent_expect(self->loop, &a1, WIRE_WITHDRAW, &m));
	EXPECT_EQ((uint64_t)WIRE_ANSWERED, wire_num(&m, WIRE_T_REASON, 0));
	wire_msg_clear(&m);
	EXPECT_EQ(1, r.calls);
	EXPECT_EQ(VERDICT_DENY, (int)r.a.verdict);
	EXPECT_EQ(DURATION_FOREVER, (int)r.a.remember.duration);

	/* a1's answer crossed the WITHDRAW: ignored, a1 stays connected. */
	ASSERT_EQ(0, agent_answer(&a1, id, WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r.calls);
	ASSERT_EQ(0, prompt_ask(self->ps, &q2, done_cb, &r2));
	ASSERT_TRUE(agent_expect(self->loop, &a1, WIRE_ASK, &m));
	wire_msg_clear(&m);
	agent_close(&a1);
	agent_close(&a2);
	STOP_SERVER();
}

TEST_F(ps, parallel_requests_are_parallel_prompts)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r[3] = { { 0 } };
	struct query q[3] = {
		mkq(ALICE, "/usr/bin/curl", 443),
		mkq(ALICE, "/usr/bin/curl", 80),
		mkq(ALICE, "/usr/bin/ssh", 22),
	};
	uint64_t ids[3];
	struct prompt_stats st;

	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, prompt_ask(self->ps, &q[i], done_cb, &r[i]));
	for (int i = 0; i < 3; i++) {
		ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
		ids[i] = wire_num(&m, WIRE_T_PROMPT_ID, 0);
		EXPECT_EQ((uint64_t)q[i].remote.port, wire_num(&m, WIRE_T_REMOTE_PORT, 0));
		wire_msg_clear(&m);
	}
	EXPECT_NE(ids[0], ids[1]);
	EXPECT_NE(ids[1], ids[2]);
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(3u, st.prompts);
	/* Answered in reverse, each its own way. */
	ASSERT_EQ(0, agent_answer(&a, ids[2], WIRE_DENY, WIRE_ONCE, 0, WIRE_DESTINATION));
	ASSERT_EQ(0, agent_answer(&a, ids[1], WIRE_ALLOW, WIRE_PROCESS, 0, WIRE_DESTINATION));
	ASSERT_EQ(0, agent_answer(&a, ids[0], WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	spin(self->loop, 0.05);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(1, r[i].calls);
		EXPECT_TRUE(r[i].answered);
	}
	EXPECT_EQ(VERDICT_ALLOW, (int)r[0].a.verdict);
	EXPECT_EQ(DURATION_PROCESS, (int)r[1].a.remember.duration);
	EXPECT_EQ(VERDICT_DENY, (int)r[2].a.verdict);
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(0u, st.prompts);
	agent_close(&a);
	STOP_SERVER();
}

TEST_F(ps, identical_requests_share_one_prompt)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r1 = { 0 }, r2 = { 0 }, r3 = { 0 }, r4 = { 0 };
	struct query q1 = mkq(ALICE, "/usr/bin/curl", 443);
	struct query q2 = mkq(ALICE, "/usr/bin/curl", 443);	/* another pid */
	struct query q3 = mkq(ALICE, "/usr/bin/curl", 443);
	struct query q4 = mkq(ALICE, "/usr/bin/curl", 443);
	struct prompt_stats st;
	uint64_t id;

	q3.has_sha256 = true;	/* another binary at the same path */
	q4.op = SACTL_OP_SEND;
	q4.type = SOCK_DGRAM;
	q4.protocol = IPPROTO_UDP;
	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q1, done_cb, &r1));
	ASSERT_EQ(0, prompt_ask(self->ps, &q2, done_cb, &r2));
	ASSERT_EQ(0, prompt_ask(self->ps, &q3, done_cb, &r3));
	ASSERT_EQ(0, prompt_ask(self->ps, &q4, done_cb, &r4));
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	EXPECT_EQ((uint64_t)q1.pid, wire_num(&m, WIRE_T_PID, 0));
	EXPECT_FALSE(wire_has(&m, WIRE_T_SHA256));
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	EXPECT_EQ((uint64_t)q3.pid, wire_num(&m, WIRE_T_PID, 0));
	EXPECT_EQ(64u, strlen(wire_str(&m, WIRE_T_SHA256)));
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	EXPECT_STREQ("udp", wire_str(&m, WIRE_T_PROTO));
	wire_msg_clear(&m);
	EXPECT_TRUE(agent_quiet(self->loop, &a, 0.1));	/* q2 asked nothing */
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(3u, st.prompts);
	EXPECT_EQ(4u, st.waiters);

	ASSERT_EQ(0, agent_answer(&a, id, WIRE_ALLOW, WIRE_FOREVER, 0, WIRE_DESTINATION));
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r1.calls);
	EXPECT_EQ(1, r2.calls);
	EXPECT_TRUE(r2.answered);
	EXPECT_EQ(VERDICT_ALLOW, (int)r2.a.verdict);
	EXPECT_EQ(DURATION_FOREVER, (int)r2.a.remember.duration);
	EXPECT_EQ(0, r3.calls);
	EXPECT_EQ(0, r4.calls);
	agent_close(&a);
	STOP_SERVER();
}

TEST_F(ps, bind_listen_accept_coalesce_on_the_local_port)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct query q1 = mkq(ALICE, "/usr/sbin/sshd", 0);
	struct query q2, q3;

	q1.op = SACTL_OP_ACCEPT;
	q1.local.present = true;
	q1.local.port = 22;
	q2 = q1;
	q2.remote.port = 50001;		/* another peer, same service */
	q2.remote.addr[15]++;
	q3 = q1;
	q3.local.port = 2222;
	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q1, done_cb, &r1));
	ASSERT_EQ(0, prompt_ask(self->ps, &q2, done_cb, &r2));
	ASSERT_EQ(0, prompt_ask(self->ps, &q3, done_cb, &r3));
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	EXPECT_EQ(22u, wire_num(&m, WIRE_T_LOCAL_PORT, 0));
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	EXPECT_EQ(2222u, wire_num(&m, WIRE_T_LOCAL_PORT, 0));
	wire_msg_clear(&m);
	EXPECT_TRUE(agent_quiet(self->loop, &a, 0.1));
	agent_close(&a);
	STOP_SERVER();
}

TEST_F(ps, timeout_withdraws_and_reports_unanswered)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	struct prompt_stats st;
	uint64_t id;

	self->cfg.prompt_timeout = 1;
	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	EXPECT_EQ(1u, wire_num(&m, WIRE_T_TIMEOUT, 0));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	EXPECT_EQ(1u, wire_num(&m, WIRE_T_SECONDS_LEFT, 0));
	wire_msg_clear(&m);
	spin(self->loop, 0.5);
	EXPECT_EQ(0, r.calls);
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_WITHDRAW, &m));
	EXPECT_EQ(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ((uint64_t)WIRE_TIMED_OUT, wire_num(&m, WIRE_T_REASON, 0));
	EXPECT_FALSE(wire_has(&m, WIRE_T_VERDICT));
	wire_msg_clear(&m);
	EXPECT_EQ(1, r.calls);
	EXPECT_FALSE(r.answered);
	/* Too late: ignored, not an error. */
	ASSERT_EQ(0, agent_answer(&a, id, WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	EXPECT_TRUE(agent_quiet(self->loop, &a, 0.1));
	EXPECT_EQ(1, r.calls);
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(1u, st.timed_out);
	EXPECT_EQ(0u, st.protocol_errors);
	agent_close(&a);
	STOP_SERVER();
}

TEST_F(ps, no_agent_is_enoent_without_a_callback)
{
	NEED_ROOT();
	struct agent a;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);

	EXPECT_EQ(-ENOENT, prompt_ask(self->ps, &q, done_cb, &r));
	/* Connected but silent: not an agent yet. */
	agent_open(&a, self->path, ALICE);
	spin(self->loop, 0.05);
	EXPECT_EQ(-ENOENT, prompt_ask(self->ps, &q, done_cb, &r));
	spin(self->loop, 0.05);
	EXPECT_EQ(0, r.calls);
	agent_close(&a);
	STOP_SERVER();
}

TEST_F(ps, malformed_agents_are_dropped_others_served)
{
	NEED_ROOT();
	static const uint8_t bad_version[] = { 0, 0, 0, 8, 0, 9, 0, 1 };
	static const uint8_t huge[] = { 0, 0, 0x10, 0x01, 0, 1, 0, 5 };
	struct agent good, bad[5];
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	struct prompt_stats st;

	agent_open(&good, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &good, -1, &m));
	for (int i = 0; i < 5; i++)
		agent_open(&bad[i], self->path, ALICE);
	ASSERT_EQ((ssize_t)sizeof(bad_version), write(bad[0].fd, bad_version, sizeof(bad_version)));
	EXPECT_TRUE(agent_dropped(self->loop, &bad[0], "protocol version 9"));
	/* Longer than an agent may send: refused from the header alone. */
	ASSERT_EQ((ssize_t)sizeof(huge), write(bad[1].fd, huge, sizeof(huge)));
	EXPECT_TRUE(agent_dropped(self->loop, &bad[1], "out of bounds"));
	/* ANSWER before AGENT_HELLO. */
	ASSERT_EQ(0, agent_answer(&bad[2], 1, WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	EXPECT_TRUE(agent_dropped(self->loop, &bad[2], "ANSWER before AGENT_HELLO"));
	/* A second AGENT_HELLO. */
	ASSERT_TRUE(agent_hello(self->loop, &bad[3], -1, &m));
	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, 1);
	wire_set_str(&m, WIRE_T_NAME, "again");
	ASSERT_EQ(0, agent_send(&bad[3], &m));
	EXPECT_TRUE(agent_dropped(self->loop, &bad[3], "unexpected AGENT_HELLO"));
	/* A control request on the prompt socket. */
	ASSERT_TRUE(agent_hello(self->loop, &bad[4], -1, &m));
	wire_msg_init(&m, WIRE_STATUS);
	ASSERT_EQ(0, agent_send(&bad[4], &m));
	EXPECT_TRUE(agent_dropped(self->loop, &bad[4], "unexpected STATUS"));

	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &good, WIRE_ASK, &m));
	wire_msg_clear(&m);
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(5u, st.protocol_errors);
	EXPECT_EQ(1u, st.agents);
	EXPECT_EQ(1u, st.connections);
	agent_close(&good);
	for (int i = 0; i < 5; i++)
		agent_close(&bad[i]);
	STOP_SERVER();
}

TEST_F(ps, agents_leaving_mid_prompt)
{
	NEED_ROOT();
	struct agent a1, a2;
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	uint64_t id;

	agent_open(&a1, self->path, ALICE);
	agent_open(&a2, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a1, -1, &m));
	ASSERT_TRUE(agent_hello(self->loop, &a2, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &a1, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);
	ASSERT_TRUE(agent_expect(self->loop, &a2, WIRE_ASK, &m));
	wire_msg_clear(&m);
	/* One goes: the prompt stays for the other, who can answer. */
	agent_close(&a1);
	spin(self->loop, 0.05);
	EXPECT_EQ(0, r.calls);
	ASSERT_EQ(0, agent_answer(&a2, id, WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r.calls);
	EXPECT_TRUE(r.answered);

	/* The last one goes: decided at once, not at the timeout. */
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &a2, WIRE_ASK, &m));
	wire_msg_clear(&m);
	agent_close(&a2);
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r.calls);
	EXPECT_FALSE(r.answered);
	STOP_SERVER();
}

TEST_F(ps, late_agent_gets_open_prompts)
{
	NEED_ROOT();
	struct agent a1, a2;
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	uint64_t id;

	agent_open(&a1, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a1, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &a1, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);
	spin(self->loop, 1.1);
	agent_open(&a2, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a2, -1, &m));
	ASSERT_TRUE(agent_expect(self->loop, &a2, WIRE_ASK, &m));
	EXPECT_EQ(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ(29u, wire_num(&m, WIRE_T_SECONDS_LEFT, 0));
	wire_msg_clear(&m);
	ASSERT_EQ(0, agent_answer(&a2, id, WIRE_DENY, WIRE_ONCE, 0, WIRE_DESTINATION));
	ASSERT_TRUE(agent_expect(self->loop, &a1, WIRE_WITHDRAW, &m));
	wire_msg_clear(&m);
	EXPECT_EQ(1, r.calls);
	agent_close(&a1);
	agent_close(&a2);
	STOP_SERVER();
}

TEST_F(ps, cancel_withdraws_when_nobody_waits)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r1 = { 0 }, r2 = { 0 }, unknown = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	struct prompt_stats st;
	uint64_t id;

	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r1));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r2));
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);
	prompt_cancel(self->ps, &unknown);
	EXPECT_EQ(0, unknown.calls);
	prompt_cancel(self->ps, &r1);
	EXPECT_EQ(1, r1.calls);
	EXPECT_FALSE(r1.answered);
	EXPECT_TRUE(agent_quiet(self->loop, &a, 0.1));	/* r2 still waits */
	prompt_cancel(self->ps, &r2);
	EXPECT_EQ(1, r2.calls);
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_WITHDRAW, &m));
	EXPECT_EQ(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ((uint64_t)WIRE_GONE, wire_num(&m, WIRE_T_REASON, 0));
	wire_msg_clear(&m);
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(0u, st.prompts);
	agent_close(&a);
	STOP_SERVER();
}

/* Callbacks may cancel a co-waiter and ask again: each still called once. */
TEST_F(ps, callbacks_may_reenter)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);
	struct query again = mkq(ALICE, "/usr/bin/curl", 443);
	uint64_t id;

	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r1));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r2));
	/* Whichever is called first cancels the other, and asks again. */
	r1.ps = r2.ps = self->ps;
	r1.cancel = &r2;
	r2.cancel = &r1;
	r1.ask_again = r2.ask_again = &again;
	r1.again_res = r2.again_res = &r3;
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
	wire_msg_clear(&m);
	ASSERT_EQ(0, agent_answer(&a, id, WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION));
	spin(self->loop, 0.05);
	EXPECT_EQ(1, r1.calls);
	EXPECT_EQ(1, r2.calls);
	EXPECT_TRUE(r1.answered != r2.answered);	/* one answered, one cancelled */
	/* The new ask is a new prompt (the old one had ended). */
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	EXPECT_NE(id, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	wire_msg_clear(&m);
	EXPECT_EQ(0, r3.calls);
	agent_close(&a);
	spin(self->loop, 0.05);
	/* Both callbacks asked again, and both re-asks end unanswered. */
	EXPECT_EQ(2, r3.calls);
	STOP_SERVER();
}

TEST_F(ps, silent_connections_are_closed)
{
	NEED_ROOT();
	struct prompt_limits lim = { 16, 256, 0.2 };
	struct agent a;

	prompt_server_set_limits(self->ps, &lim);
	agent_open(&a, self->path, ALICE);
	EXPECT_TRUE(agent_dropped(self->loop, &a, NULL));
	agent_close(&a);
}

TEST_F(ps, connection_limits)
{
	NEED_ROOT();
	struct prompt_limits lim = { 2, 3, 5.0 };
	struct agent a[3], b[2];
	struct wire_msg m;
	struct prompt_stats st;

	prompt_server_set_limits(self->ps, &lim);
	for (int i = 0; i < 3; i++)
		agent_open(&a[i], self->path, ALICE);
	spin(self->loop, 0.05);
	EXPECT_TRUE(agent_dropped(self->loop, &a[2], "too many prompt agents for this user"));
	ASSERT_TRUE(agent_hello(self->loop, &a[0], -1, &m));
	agent_open(&b[0], self->path, BOB);
	ASSERT_TRUE(agent_hello(self->loop, &b[0], -1, &m));
	agent_open(&b[1], self->path, BOB);
	EXPECT_TRUE(agent_dropped(self->loop, &b[1], "too many prompt agents"));
	prompt_server_stats(self->ps, &st);
	EXPECT_EQ(3u, st.connections);
	EXPECT_EQ(2u, st.agents);
	/* Room again once one leaves. */
	agent_close(&a[1]);
	agent_close(&b[1]);
	spin(self->loop, 0.05);
	agent_open(&b[1], self->path, BOB);
	EXPECT_TRUE(agent_hello(self->loop, &b[1], -1, &m));
	for (int i = 0; i < 3; i++)
		agent_close(&a[i]);
	agent_close(&b[0]);
	agent_close(&b[1]);
}

TEST_F(ps, an_agent_that_never_reads_is_dropped)
{
	NEED_ROOT();
	struct agent lazy, good;
	struct wire_msg m;
	static struct result r[1000];
	static char exe[2049];
	struct query q;
	char buf[65536];
	ssize_t n;
	int i, asks = 0;

	/* ~2 KiB per ASK: 1000 of them are far past socket buffer + queue. */
	for (i = 0; i < 2048; i++)
		exe[i] = i % 8 ? 'x' : '/';

	agent_open(&lazy, self->path, ALICE);
	agent_open(&good, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &lazy, -1, &m));
	ASSERT_TRUE(agent_hello(self->loop, &good, -1, &m));
	/* Enough ASKs to fill the socket and the bounded queue behind it;
	 * "good" reads as they come. */
	for (i = 0; i < 1000; i++) {
		q = mkq(ALICE, exe, (uint16_t)(i + 1));
		if (prompt_ask(self->ps, &q, done_cb, &r[i]))
			break;
		while (agent_next(self->loop, &good, &m, 0) == GOT) {
			asks += m.type == WIRE_ASK;
			wire_msg_clear(&m);
		}
	}
	spin(self->loop, 0.05);
	while (agent_next(self->loop, &good, &m, 0.05) == GOT) {
		asks += m.type == WIRE_ASK;
		wire_msg_clear(&m);
	}
	EXPECT_EQ(i, asks);
	/* The lazy one was cut off once its queue passed the limit. */
	while ((n = read(lazy.fd, buf, sizeof(buf))) > 0)
		;
	EXPECT_EQ(0, n);
	agent_close(&lazy);
	agent_close(&good);
	STOP_SERVER();
}

TEST_F(ps, shutdown_withdraws_and_unblocks_everyone)
{
	NEED_ROOT();
	struct agent a;
	struct wire_msg m;
	struct result r = { 0 };
	struct query q = mkq(ALICE, "/usr/bin/curl", 443);

	agent_open(&a, self->path, ALICE);
	ASSERT_TRUE(agent_hello(self->loop, &a, -1, &m));
	ASSERT_EQ(0, prompt_ask(self->ps, &q, done_cb, &r));
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_ASK, &m));
	wire_msg_clear(&m);
	prompt_server_free(self->ps);
	self->ps = NULL;
	EXPECT_EQ(1, r.calls);
	EXPECT_FALSE(r.answered);
	ASSERT_TRUE(agent_expect(self->loop, &a, WIRE_WITHDRAW, &m));
	EXPECT_EQ((uint64_t)WIRE_SHUTDOWN, wire_num(&m, WIRE_T_REASON, 0));
	wire_msg_clear(&m);
	EXPECT_TRUE(agent_dropped(self->loop, &a, NULL));
	EXPECT_NE(0, access(self->path, F_OK));
	agent_close(&a);
	STOP_SERVER();
}

TEST_HARNESS_MAIN
