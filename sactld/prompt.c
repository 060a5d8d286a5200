// SPDX-License-Identifier: GPL-2.0
/*
 * The prompt server: fans requests out to the prompt agents of their user
 * and hands back the first answer.  Policy in prompt.h, wire format in
 * include/sactl/wire.h.
 *
 * Every agent and every open prompt sits on a plain list: there are at
 * most PROMPT_MAX_AGENTS agents and the kernel caps pending requests (1024
 * by default), so linear scans stay cheap and simple.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "prompt.h"

/* Ids of prompts an agent was sent that ended since: an ANSWER for one of
 * these crossed our WITHDRAW and is ignored, not a protocol error. */
#define RECENT_IDS	128
#define ESC_PATH	(WIRE_MAX_FRAME / 4)

_Static_assert((int)WIRE_OP_SEND == (int)SACTL_OP_SEND &&
	       (int)WIRE_OP_SOCKET == (int)SACTL_OP_SOCKET,
	       "wire ops follow the kernel's");
_Static_assert(WIRE_ASK_FASTOPEN == SACTL_REQ_FASTOPEN &&
	       WIRE_ASK_NO_EXE == SACTL_REQ_NO_EXE &&
	       WIRE_ASK_EXE_REPLACED == SACTL_REQ_EXE_REPLACED,
	       "wire flags follow the kernel's");
/* The request flags an agent is told about. */
#define ASK_FLAGS (SACTL_REQ_FASTOPEN | SACTL_REQ_NO_EXE | SACTL_REQ_EXE_REPLACED)

struct agent {
	struct agent *next, *prev;
	struct prompt_server *ps;
	struct conn conn;
	uid_t serves;			/* the uid whose prompts it gets */
	bool named_uid;			/* root asked for one uid only */
	bool hello;
	char name[65];
	ev_timer hello_timer;
	uint64_t recent[RECENT_IDS];
	unsigned int recent_pos;
};

struct waiter {
	struct waiter *next;
	prompt_done_fn done;
	void *ctx;
};

struct prompt {
	struct prompt *next, *prev;
	struct prompt_server *ps;
	uint64_t id;
	struct query q;			/* strings below, owned */
	char *exe, *parent_exe;
	/* What the ASK says, escaped once for every agent. */
	char *exe_text, *parent_text;
	char comm_text[80], proto[32], sha_hex[2 * SHA256_LEN + 1];
	char local_text[64], remote_text[64];
	bool done;			/* ended; callbacks running */
	struct waiter *waiters;
	struct agent **sent;		/* agents that got the ASK */
	unsigned int nsent, capsent;
	ev_timer timer;
	unsigned int timeout;		/* seconds */
};

struct prompt_server {
	struct ev_loop *loop;
	struct conn_listener listener;
	const struct config *cfg;
	struct prompt_limits lim;
	struct agent *agents;
	struct prompt *prompts;
	uint64_t last_id;
	unsigned int connections, nagents;
	bool freeing;
	uint64_t asked, answered, timed_out, protocol_errors;
	ev_tstamp last_reject_log;
	unsigned int rejects_unlogged;
};

static enum wire_verdict default_verdict(const struct prompt_server *ps)
{
	return ps->cfg->default_verdict == VERDICT_ALLOW ? WIRE_ALLOW : WIRE_DENY;
}

/* Root's agent that did not name a uid sees everyone's prompts. */
static bool serves_all(const struct prompt_server *ps, const struct agent *a)
{
	return a->conn.cred.uid == 0 && !a->named_uid && ps->cfg->root_answers_all;
}

static bool may_ask(const struct prompt_server *ps, const struct agent *a,
		    uid_t uid)
{
	return a->hello && conn_alive(&a->conn) &&
	       (a->serves == uid || serves_all(ps, a));
}

bool prompt_has_agent(const struct prompt_server *ps, uid_t uid)
{
	for (const struct agent *a = ps->agents; a; a = a->next)
		if (may_ask(ps, a, uid))
			return true;
	return false;
}

static bool was_sent(const struct prompt *p, const struct agent *a)
{
	for (unsigned int i = 0; i < p->nsent; i++)
		if (p->sent[i] == a)
			return true;
	return false;
}

static bool recently_ended(const struct agent *a, uint64_t id)
{
	for (unsigned int i = 0; i < RECENT_IDS; i++)
		if (a->recent[i] == id)
			return true;
	return false;
}

static void remember_ended(struct agent *a, uint64_t id)
{
	a->recent[a->recent_pos] = id;
	a->recent_pos = (a->recent_pos + 1) % RECENT_IDS;
}

static unsigned int seconds_left(const struct prompt *p)
{
	double left = ev_timer_remaining(p->ps->loop, (ev_timer *)&p->timer);

	unsigned int whole;

	if (left <= 0)
		return 0;
	/* Rounded up, never claiming 0 early; but the loop's clock lags the
	 * real one a little, so a fresh 120 s timer must not read 121. */
	whole = (unsigned int)left;
	return whole + (!whole || left - whole > 0.1);
}

static void send_ask(struct prompt *p, struct agent *a)
{
	const struct query *q = &p->q;
	struct wire_msg m;

	wire_msg_init(&m, WIRE_ASK);
	wire_set_num(&m, WIRE_T_PROMPT_ID, p->id);
	wire_set_num(&m, WIRE_T_OP, q->op);
	wire_set_num(&m, WIRE_T_PID, (uint32_t)q->pid);
	wire_set_num(&m, WIRE_T_UID, q->uid);
	wire_set_num(&m, WIRE_T_FAMILY, q->family == AF_INET6 ? 6 : 4);
	wire_set_str(&m, WIRE_T_PROTO, p->proto);
	wire_set_num(&m, WIRE_T_SECONDS_LEFT, seconds_left(p));
	wire_set_num(&m, WIRE_T_DEFAULT, default_verdict(p->ps));
	if (q->ppid > 0)
		wire_set_num(&m, WIRE_T_PPID, (uint32_t)q->ppid);
	wire_set_str(&m, WIRE_T_EXE, p->exe_text);
	wire_set_str(&m, WIRE_T_PARENT_EXE, p->parent_text);
	if (q->has_sha256)
		wire_set_str(&m, WIRE_T_SHA256, p->sha_hex);
	if (p->comm_text[0])
		wire_set_str(&m, WIRE_T_COMM, p->comm_text);
	if (q->local.present) {
		wire_set_str(&m, WIRE_T_LOCAL_ADDR, p->local_text);
		wire_set_num(&m, WIRE_T_LOCAL_PORT, q->local.port);
	}
	if (q->remote.present) {
		wire_set_str(&m, WIRE_T_REMOTE_ADDR, p->remote_text);
		wire_set_num(&m, WIRE_T_REMOTE_PORT, q->remote.port);
	}
	if (q->flags & ASK_FLAGS)
		wire_set_num(&m, WIRE_T_FLAGS, q->flags & ASK_FLAGS);
	/* A failed send marks the agent dead; its close handles the rest. */
	(void)conn_send(&a->conn, &m);
}

static int add_sent(struct prompt *p, struct agent *a)
{
	if (p->nsent == p->capsent) {
		unsigned int cap = p->capsent ? 2 * p->capsent : 4;
		struct agent **s = realloc(p->sent, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		p->sent = s;
		p->capsent = cap;
	}
	p->sent[p->nsent++] = a;
	return 0;
}

static void ask_agent(struct prompt *p, struct agent *a)
{
	if (add_sent(p, a) == 0)
		send_ask(p, a);
}

static void send_withdraw(struct agent *a, uint64_t id, enum wire_reason reason,
			  const struct prompt_answer *ans)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_WITHDRAW);
	wire_set_num(&m, WIRE_T_PROMPT_ID, id);
	wire_set_num(&m, WIRE_T_REASON, reason);
	if (ans)
		wire_set_num(&m, WIRE_T_VERDICT,
			     ans->verdict == VERDICT_ALLOW ? WIRE_ALLOW : WIRE_DENY);
	(void)conn_send(&a->conn, &m);
}

static void free_prompt(struct prompt *p)
{
	free(p->exe);
	free(p->parent_exe);
	free(p->exe_text);
	free(p->parent_text);
	free(p->sent);
	free(p);
}

/*
 * End @p: tell its agents (all but @answerer) with @reason, then call every
 * waiter.  Waiters are taken off one at a time, so a callback that cancels
 * another waiter of the same prompt finds it still there.
 */
static void finish_prompt(struct prompt *p, const struct prompt_answer *ans,
			  enum wire_reason reason, const struct agent *answerer)
{
	struct prompt_server *ps = p->ps;
	struct prompt_answer copy;
	struct waiter *w;

	p->done = true;
	ev_timer_stop(ps->loop, &p->timer);
	for (unsigned int i = 0; i < p->nsent; i++) {
		remember_ended(p->sent[i], p->id);
		if (p->sent[i] != answerer)
			send_withdraw(p->sent[i], p->id, reason, ans);
	}
	if (ans)
		copy = *ans;
	while ((w = p->waiters)) {
		p->waiters = w->next;
		w->done(w->ctx, ans != NULL, ans ? &copy : NULL);
		free(w);
	}
	if (p->prev)
		p->prev->next = p->next;
	else
		ps->prompts = p->next;
	if (p->next)
		p->next->prev = p->prev;
	free_prompt(p);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct prompt *p = (struct prompt *)((char *)t - offsetof(struct prompt, timer));

	(void)loop;
	(void)revents;
	p->ps->timed_out++;
	log_msg(LOG_INFO, "prompt %llu (uid %u, pid %d): no answer in %u s",
		(unsigned long long)p->id, (unsigned int)p->q.uid, (int)p->q.pid,
		p->timeout);
	finish_prompt(p, NULL, WIRE_TIMED_OUT, NULL);
}

static bool same_addr(const struct net_addr *a, const struct net_addr *b)
{
	return a->present == b->present && a->port == b->port &&
	       a->scope_id == b->scope_id && !memcmp(a->addr, b->addr, 16);
}

/* Where the request goes, as far as coalescing cares (prompt.h). */
static bool same_target(const struct query *o, const struct query *q)
{
	switch (q->op) {
	case SACTL_OP_SOCKET:
		return o->family == q->family;
	case SACTL_OP_BIND:
	case SACTL_OP_LISTEN:
	case SACTL_OP_ACCEPT:
		return o->local.present == q->local.present &&
		       o->local.port == q->local.port;
	default:
		return same_addr(&o->remote, &q->remote);
	}
}

/* Would @q get the same answer as the request behind @p?  Cheap tests
 * first: this runs against every open prompt. */
static bool same_request(const struct prompt *p, const struct query *q)
{
	const struct query *o = &p->q;

	if (p->done || o->uid != q->uid || o->op != q->op || !same_target(o, q))
		return false;
	if (o->has_sha256 != q->has_sha256 ||
	    (o->has_sha256 && memcmp(o->sha256, q->sha256, SHA256_LEN)))
		return false;
	if (strcmp(p->proto, proto_name(q->type, q->protocol)))
		return false;
	return (!p->exe) == (!q->exe) && (!p->exe || !strcmp(p->exe, q->exe));
}

/* "93.184.216.34", "2001:db8::1", "fe80::1%2". */
static void addr_text(const struct net_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->v4)
		inet_ntop(AF_INET, a->addr + 12, host, sizeof(host));
	else
		inet_ntop(AF_INET6, a->addr, host, sizeof(host));
	if (a->scope_id)
		snprintf(buf, len, "%s%%%u", host, a->scope_id);
	else
		snprintf(buf, len, "%s", host);
}

static char *escaped(const char *s)
{
	char *buf, *out;

	if (!s)
		return NULL;
	buf = malloc(ESC_PATH);
	if (!buf)
		return NULL;
	wire_escape(s, strlen(s), buf, ESC_PATH);
	out = strdup(buf);
	free(buf);
	return out;
}

static struct prompt *new_prompt(struct prompt_server *ps, const struct query *q)
{
	struct prompt *p = calloc(1, sizeof(*p));
	const char *proto = proto_name(q->type, q->protocol);

	if (!p)
		return NULL;
	p->ps = ps;
	p->q = *q;
	p->exe = q->exe ? strdup(q->exe) : NULL;
	p->parent_exe = q->parent_exe ? strdup(q->parent_exe) : NULL;
	p->exe_text = escaped(q->exe);
	p->parent_text = escaped(q->parent_exe);
	if ((q->exe && (!p->exe || !p->exe_text)) ||
	    (q->parent_exe && (!p->parent_exe || !p->parent_text))) {
		free_prompt(p);
		return NULL;
	}
	p->q.exe = p->exe;
	p->q.parent_exe = p->parent_exe;
	wire_escape(q->comm, strnlen(q->comm, sizeof(q->comm)), p->comm_text,
		    sizeof(p->comm_text));
	snprintf(p->proto, sizeof(p->proto), "%s", proto && *proto ? proto : "?");
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(p->sha_hex + 2 * i, 3, "%02x", q->sha256[i]);
	if (q->local.present)
		addr_text(&q->local, p->local_text, sizeof(p->local_text));
	if (q->remote.present)
		addr_text(&q->remote, p->remote_text, sizeof(p->remote_text));
	p->id = ++ps->last_id;
	p->timeout = ps->cfg->prompt_timeout ? ps->cfg->prompt_timeout : 1;
	ev_timer_init(&p->timer, timeout_cb, p->timeout, 0.);
	return p;
}

int prompt_ask(struct prompt_server *ps, const struct query *q,
	       prompt_done_fn done, void *ctx)
{
	struct waiter *w;
	struct prompt *p;

	if (ps->freeing || !prompt_has_agent(ps, q->uid))
		return -ENOENT;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->done = done;
	w->ctx = ctx;
	for (p = ps->prompts; p; p = p->next) {
		if (same_request(p, q)) {
			w->next = p->waiters;
			p->waiters = w;
			return 0;
		}
	}
	p = new_prompt(ps, q);
	if (!p) {
		free(w);
		return -ENOMEM;
	}
	p->waiters = w;
	p->next = ps->prompts;
	if (ps->prompts)
		ps->prompts->prev = p;
	ps->prompts = p;
	ps->asked++;
	ev_timer_start(ps->loop, &p->timer);
	for (struct agent *a = ps->agents; a; a = a->next)
		if (may_ask(ps, a, q->uid))
			ask_agent(p, a);
	return 0;
}

void prompt_cancel(struct prompt_server *ps, void *ctx)
{
	struct waiter *gone = NULL, **wp, *w;
	struct prompt *p;

	/* Detach first and call back last: a callback may ask again with the
	 * same ctx, and that new waiter must not be cancelled too. */
	for (p = ps->prompts; p; p = p->next) {
		for (wp = &p->waiters; (w = *wp);) {
			if (w->ctx != ctx) {
				wp = &w->next;
				continue;
			}
			*wp = w->next;
			w->next = gone;
			gone = w;
		}
	}
	if (!gone)
		return;
again:
	for (p = ps->prompts; p; p = p->next) {
		if (!p->done && !p->waiters) {
			finish_prompt(p, NULL, WIRE_GONE, NULL);
			goto again;
		}
	}
	while ((w = gone)) {
		gone = w->next;
		w->done(w->ctx, false, NULL);
		free(w);
	}
}

static void map_answer(const struct wire_msg *m, struct prompt_answer *a)
{
	static const enum duration durations[] = {
		[WIRE_ONCE] = DURATION_ONCE, [WIRE_PROCESS] = DURATION_PROCESS,
		[WIRE_MINUTES] = DURATION_MINUTES, [WIRE_SESSION] = DURATION_SESSION,
		[WIRE_FOREVER] = DURATION_FOREVER,
	};
	static const enum scope scopes[] = {
		[WIRE_DESTINATION] = SCOPE_DESTINATION, [WIRE_PORT] = SCOPE_PORT,
		[WIRE_PROGRAM] = SCOPE_PROGRAM,
	};

	/* wire_decode() checked every range. */
	memset(a, 0, sizeof(*a));
	a->verdict = wire_num(m, WIRE_T_VERDICT, 0) == WIRE_ALLOW ?
		     VERDICT_ALLOW : VERDICT_DENY;
	a->remember.verdict = a->verdict;
	a->remember.duration = durations[wire_num(m, WIRE_T_DURATION, WIRE_ONCE)];
	a->remember.minutes = (unsigned int)wire_num(m, WIRE_T_MINUTES, 0);
	a->remember.scope = scopes[wire_num(m, WIRE_T_SCOPE, WIRE_DESTINATION)];
}

static int on_answer(struct agent *a, const struct wire_msg *m,
		     char *err, size_t errlen)
{
	struct prompt_server *ps = a->ps;
	uint64_t id = wire_num(m, WIRE_T_PROMPT_ID, 0);
	struct prompt_answer ans;
	struct prompt *p;

	for (p = ps->prompts; p; p = p->next)
		if (p->id == id && !p->done)
			break;
	if (!p) {
		if (recently_ended(a, id))
			return 0;	/* crossed our WITHDRAW */
		snprintf(err, errlen, "ANSWER for prompt %llu, which was never sent to this agent",
			 (unsigned long long)id);
		return -EPROTO;
	}
	if (!was_sent(p, a)) {
		snprintf(err, errlen, "ANSWER for prompt %llu, which is not this agent's to answer",
			 (unsigned long long)id);
		return -EPROTO;
	}
	map_answer(m, &ans);
	ps->answered++;
	log_msg(LOG_INFO, "prompt %llu (uid %u, pid %d): %s %s by %s",
		(unsigned long long)id, (unsigned int)p->q.uid, (int)p->q.pid,
		wire_verdict_name((unsigned int)wire_num(m, WIRE_T_VERDICT, 0)),
		wire_duration_name((unsigned int)wire_num(m, WIRE_T_DURATION, 0)),
		a->conn.name);
	finish_prompt(p, &ans, WIRE_ANSWERED, a);
	return 0;
}

static void send_hello(struct agent *a)
{
	struct prompt_server *ps = a->ps;
	struct wire_msg m;

	wire_msg_init(&m, WIRE_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_num(&m, WIRE_T_UID, a->serves);
	wire_set_num(&m, WIRE_T_TIMEOUT, ps->cfg->prompt_timeout);
	wire_set_num(&m, WIRE_T_DEFAULT, default_verdict(ps));
	if (serves_all(ps, a))
		wire_set_num(&m, WIRE_T_ALL_USERS, 1);
	(void)conn_send(&a->conn, &m);
}

static int on_hello(struct agent *a, const struct wire_msg *m,
		    char *err, size_t errlen)
{
	struct prompt_server *ps = a->ps;
	uid_t peer = a->conn.cred.uid;

	if (wire_has(m, WIRE_T_UID) && wire_num(m, WIRE_T_UID, 0) != peer) {
		if (peer != 0) {
			snprintf(err, errlen, "uid %u may not answer for uid %llu",
				 (unsigned int)peer,
				 (unsigned long long)wire_num(m, WIRE_T_UID, 0));
			return -EPROTO;
		}
		a->named_uid = true;
	}
	a->serves = (uid_t)wire_num(m, WIRE_T_UID, peer);
	/* The agent chose it: no control characters into our logs. */
	wire_escape(wire_str(m, WIRE_T_NAME), strlen(wire_str(m, WIRE_T_NAME)),
		    a->name, sizeof(a->name));
	snprintf(a->conn.name, sizeof(a->conn.name), "agent %u/%d (uid %u)",
		 (unsigned int)peer, (int)a->conn.cred.pid,
		 (unsigned int)a->serves);
	a->hello = true;
	ps->nagents++;
	ev_timer_stop(ps->loop, &a->hello_timer);
	log_msg(LOG_INFO, "%s: '%s' connected%s", a->conn.name, a->name,
		serves_all(ps, a) ? ", answering for every user" : "");
	send_hello(a);
	/* Prompts that opened before this agent came. */
	for (struct prompt *p = ps->prompts; p; p = p->next)
		if (!p->done && may_ask(ps, a, p->q.uid))
			ask_agent(p, a);
	return 0;
}

static int on_message(struct conn *c, struct wire_msg *m, char *err, size_t errlen)
{
	struct agent *a = c->owner;
	const char *name = wire_type_name(m->type);

	if (!a->hello) {
		if (m->type == WIRE_AGENT_HELLO)
			return on_hello(a, m, err, errlen);
		snprintf(err, errlen, "%s before AGENT_HELLO", name);
		return -EPROTO;
	}
	if (m->type == WIRE_ANSWER)
		return on_answer(a, m, err, errlen);
	snprintf(err, errlen, "unexpected %s", name);
	return -EPROTO;
}

static void unlink_agent(struct prompt_server *ps, struct agent *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		ps->agents = a->next;
	if (a->next)
		a->next->prev = a->prev;
}

/* Take @a off every prompt; end those it was the last hope of. */
static void forget_agent(struct prompt_server *ps, struct agent *a)
{
	struct prompt *p;

	for (p = ps->prompts; p; p = p->next) {
		for (unsigned int i = 0; i < p->nsent; i++) {
			if (p->sent[i] == a) {
				p->sent[i] = p->sent[--p->nsent];
				break;
			}
		}
	}
	if (ps->freeing)
		return;
again:
	for (p = ps->prompts; p; p = p->next) {
		if (!p->done && p->nsent == 0) {
			log_msg(LOG_INFO, "prompt %llu (uid %u, pid %d): its last agent left",
				(unsigned long long)p->id, (unsigned int)p->q.uid,
				(int)p->q.pid);
			finish_prompt(p, NULL, WIRE_GONE, NULL);
			goto again;
		}
	}
}

static void on_closed(struct conn *c, const char *why)
{
	struct agent *a = c->owner;
	struct prompt_server *ps = a->ps;

	ev_timer_stop(ps->loop, &a->hello_timer);
	unlink_agent(ps, a);
	ps->connections--;
	if (a->hello)
		ps->nagents--;
	if (c->protocol_error)
		ps->protocol_errors++;
	else if (why)
		log_msg(a->hello ? LOG_INFO : LOG_DEBUG, "%s: disconnected: %s",
			c->name, why);
	else if (a->hello)
		log_msg(LOG_INFO, "%s: '%s' disconnected", c->name, a->name);
	forget_agent(ps, a);
	free(a);
}

static const struct conn_ops agent_ops = {
	.message = on_message,
	.closed = on_closed,
};

static void hello_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct agent *a = (struct agent *)((char *)t - offsetof(struct agent, hello_timer));

	(void)loop;
	(void)revents;
	conn_fail(&a->conn, "no AGENT_HELLO in time");
}

/* Over a limit: say why, without letting this peer cost us anything. */
static void reject(struct prompt_server *ps, int fd, const struct conn_cred *cred,
		   const char *why)
{
	ev_tstamp now = ev_now(ps->loop);

	conn_reject(fd, why, EUSERS);
	/* A flood of connections must not become a flood of log lines. */
	if (now - ps->last_reject_log < 10.) {
		ps->rejects_unlogged++;
		return;
	}
	log_msg(LOG_WARNING, "prompt socket: refused uid %u pid %d: %s (%u more refused since the last message)",
		(unsigned int)cred->uid, (int)cred->pid, why, ps->rejects_unlogged);
	ps->last_reject_log = now;
	ps->rejects_unlogged = 0;
}

static void on_accepted(struct conn_listener *l, int fd, const struct conn_cred *cred)
{
	struct prompt_server *ps = l->owner;
	unsigned int same = 0;
	struct agent *a;
	char name[64];

	for (a = ps->agents; a; a = a->next)
		if (a->conn.cred.uid == cred->uid)
			same++;
	if (ps->connections >= ps->lim.agents) {
		reject(ps, fd, cred, "too many prompt agents");
		return;
	}
	if (same >= ps->lim.agents_per_uid) {
		reject(ps, fd, cred, "too many prompt agents for this user");
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		close(fd);
		return;
	}
	a->ps = ps;
	a->serves = cred->uid;
	snprintf(name, sizeof(name), "agent %u/%d", (unsigned int)cred->uid,
		 (int)cred->pid);
	conn_init(&a->conn, ps->loop, fd, cred, name, &agent_ops, a,
		  PROMPT_AGENT_MAX_FRAME, PROMPT_AGENT_MAX_QUEUE);
	ev_timer_init(&a->hello_timer, hello_timeout_cb, ps->lim.hello_timeout, 0.);
	ev_timer_start(ps->loop, &a->hello_timer);
	a->next = ps->agents;
	if (ps->agents)
		ps->agents->prev = a;
	ps->agents = a;
	ps->connections++;
}

struct prompt_server *prompt_server_new(struct ev_loop *loop,
					const char *socket_path,
					const struct config *cfg,
					char *err, size_t errlen)
{
	struct prompt_server *ps = calloc(1, sizeof(*ps));

	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->loop = loop;
	ps->cfg = cfg;
	ps->lim.agents_per_uid = PROMPT_MAX_AGENTS_PER_UID;
	ps->lim.agents = PROMPT_MAX_AGENTS;
	ps->lim.hello_timeout = WIRE_HELLO_TIMEOUT;
	ps->last_reject_log = -1e9;
	if (conn_listen(&ps->listener, loop, socket_path, 0666, on_accepted, ps,
			err, errlen)) {
		free(ps);
		return NULL;
	}
	return ps;
}

void prompt_server_free(struct prompt_server *ps)
{
	struct prompt *p;

	if (!ps)
		return;
	ps->freeing = true;
	conn_unlisten(&ps->listener);
	while ((p = ps->prompts)) {
		if (p->done)	/* only if called from a callback: forbidden */
			break;
		finish_prompt(p, NULL, WIRE_SHUTDOWN, NULL);
	}
	while (ps->agents)
		conn_close(&ps->agents->conn, "sactld is shutting down");
	free(ps);
}

void prompt_server_set_config(struct prompt_server *ps, const struct config *cfg)
{
	ps->cfg = cfg;
}

void prompt_server_set_limits(struct prompt_server *ps,
			      const struct prompt_limits *lim)
{
	ps->lim = *lim;
}

void prompt_server_stats(const struct prompt_server *ps, struct prompt_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->agents = ps->nagents;
	out->connections = ps->connections;
	for (const struct prompt *p = ps->prompts; p; p = p->next) {
		if (p->done)
			continue;
		out->prompts++;
		for (const struct waiter *w = p->waiters; w; w = w->next)
			out->waiters++;
	}
	out->asked = ps->asked;
	out->answered = ps->answered;
	out->timed_out = ps->timed_out;
	out->protocol_errors = ps->protocol_errors;
}
