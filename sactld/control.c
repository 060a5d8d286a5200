// SPDX-License-Identifier: GPL-2.0
/*
 * The control server: root's requests (status, rules, reload, watch) on a
 * 0600 socket, served through the daemon core's control_ops.  See
 * control.h; wire format in include/sactl/wire.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "control.h"
#include "conn.h"
#include "log.h"

struct client {
	struct client *next, *prev;
	struct control_server *cs;
	struct conn conn;
	bool watching;
	uint32_t dropped;		/* EVENT lines lost since the last one */
};

struct control_server {
	struct ev_loop *loop;
	struct conn_listener listener;
	const struct control_ops *ops;
	void *ctx;
	struct client *clients;
	unsigned int nclients, nwatchers;
};

/* OK with no fields, or with @m's when given. */
static void send_ok(struct client *cl, struct wire_msg *m)
{
	struct wire_msg ok;

	if (!m) {
		wire_msg_init(&ok, WIRE_OK);
		m = &ok;
	}
	(void)conn_send(&cl->conn, m);
}

/* ERROR for an op that failed: @ret is -errno, @err its text or empty. */
static void send_error(struct client *cl, int ret, const char *err)
{
	struct wire_msg m;
	char text[512];

	snprintf(text, sizeof(text), "%s", err && *err ? err : strerror(-ret));
	/* Text from the core may hold anything; the wire wants clean UTF-8. */
	wire_msg_init(&m, WIRE_ERROR);
	wire_set_str(&m, WIRE_T_TEXT, text);
	if (wire_msg_check(&m, NULL, 0)) {
		wire_escape(err, strlen(err), text, sizeof(text));
		wire_set_str(&m, WIRE_T_TEXT, text);
	}
	wire_set_num(&m, WIRE_T_ERRNO, (uint64_t)(ret < 0 ? -ret : EIO));
	(void)conn_send(&cl->conn, &m);
}

static enum wire_cache wire_cache_state(enum control_cache c)
{
	switch (c) {
	case CONTROL_CACHE_ON:
		return WIRE_CACHE_ON;
	case CONTROL_CACHE_OFF:
		return WIRE_CACHE_OFF;
	case CONTROL_CACHE_DETACHED:
		return WIRE_CACHE_DETACHED;
	case CONTROL_CACHE_UNSUPPORTED:
		return WIRE_CACHE_UNSUPPORTED;
	case CONTROL_CACHE_FULL:
		return WIRE_CACHE_FULL;
	}
	return WIRE_CACHE_OFF;
}

/* The verdict cache's fields of STATUS's OK. */
static void put_cache(struct wire_msg *m, const struct control_status *st)
{
	const struct control_module_stats *mod = &st->module;

	wire_set_num(m, WIRE_T_CACHE, wire_cache_state(st->cache));
	wire_set_num(m, WIRE_T_CACHE_PUSHED, st->cache_pushed);
	wire_set_num(m, WIRE_T_CACHE_FLUSHES, st->cache_flushes);
	/* An older module has no cache counters: leave them out, not 0. */
	if (mod->present && mod->cache) {
		wire_set_num(m, WIRE_T_M_CACHE_HITS, mod->cache_hits);
		wire_set_num(m, WIRE_T_M_CACHE_RULES, mod->cache_rules);
	}
}

static void status(struct client *cl)
{
	struct control_server *cs = cl->cs;
	struct control_status st;
	const struct control_module_stats *mod = &st.module;
	struct wire_msg m;
	char err[16] = "";
	int ret;

	memset(&st, 0, sizeof(st));
	ret = cs->ops->status(cs->ctx, &st);
	if (ret) {
		send_error(cl, ret, err);
		return;
	}
	wire_msg_init(&m, WIRE_OK);
	if (st.version && *st.version && strlen(st.version) <= 64)
		wire_set_str(&m, WIRE_T_NAME, st.version);
	wire_set_num(&m, WIRE_T_ATTACHED, st.attached);
	wire_set_num(&m, WIRE_T_UPTIME, st.uptime);
	wire_set_num(&m, WIRE_T_PENDING, st.pending);
	wire_set_num(&m, WIRE_T_PROMPTS, st.prompts);
	wire_set_num(&m, WIRE_T_AGENTS, st.agents);
	wire_set_num(&m, WIRE_T_REQUESTS, st.requests);
	wire_set_num(&m, WIRE_T_ALLOWED, st.allowed);
	wire_set_num(&m, WIRE_T_DENIED, st.denied);
	wire_set_num(&m, WIRE_T_BY_RULE, st.by_rule);
	wire_set_num(&m, WIRE_T_BY_USER, st.by_user);
	wire_set_num(&m, WIRE_T_BY_DEFAULT, st.by_default);
	wire_set_num(&m, WIRE_T_MODULE, mod->present);
	if (mod->present) {
		wire_set_num(&m, WIRE_T_M_REQUESTS, mod->requests);
		wire_set_num(&m, WIRE_T_M_ALLOWED, mod->allowed);
		wire_set_num(&m, WIRE_T_M_DENIED, mod->denied);
		wire_set_num(&m, WIRE_T_M_TIMEOUTS, mod->timeouts);
		wire_set_num(&m, WIRE_T_M_DEFAULTS, mod->defaults);
		wire_set_num(&m, WIRE_T_M_OVERFLOWS, mod->overflows);
		wire_set_num(&m, WIRE_T_M_CANCELLED, mod->cancelled);
		wire_set_num(&m, WIRE_T_M_PENDING, mod->pending);
	}
	put_cache(&m, &st);
	send_ok(cl, &m);
}

struct listing {
	struct client *cl;
	uint32_t count;
};

static int emit_rule(void *emit_ctx, const struct control_rule *r)
{
	struct listing *l = emit_ctx;
	struct wire_msg m;
	char err[200];
	int ret;

	wire_msg_init(&m, WIRE_RULE);
	wire_set_num(&m, WIRE_T_INDEX, r->index);
	wire_set_str(&m, WIRE_T_TEXT, r->text ? r->text : "");
	wire_set_str(&m, WIRE_T_ORIGIN, r->origin && *r->origin ? r->origin : NULL);
	if (!r->system)
		wire_set_num(&m, WIRE_T_UID, r->uid);
	ret = wire_msg_check(&m, err, sizeof(err));
	if (ret) {
		log_msg(LOG_ERR, "control: cannot list rule %u: %s", r->index, err);
		return ret;
	}
	ret = conn_send(&l->cl->conn, &m);
	if (ret)
		return ret;
	l->count++;
	return 0;
}

static void rules_list(struct client *cl, const struct wire_msg *req)
{
	struct control_server *cs = cl->cs;
	struct control_rule_filter f = { 0 };
	struct listing l = { cl, 0 };
	struct wire_msg m;
	char err[512] = "";
	int ret;

	f.system = wire_num(req, WIRE_T_SYSTEM, 0) != 0;
	if (wire_has(req, WIRE_T_UID)) {
		f.one_user = true;
		f.uid = (uid_t)wire_num(req, WIRE_T_UID, 0);
	}
	if (!f.system && !f.one_user)
		f.system = f.all_users = true;
	ret = cs->ops->rules_list(cs->ctx, &f, emit_rule, &l, err, sizeof(err));
	if (!conn_alive(&cl->conn))
		return;
	if (ret) {
		send_error(cl, ret, err);
		return;
	}
	wire_msg_init(&m, WIRE_OK);
	wire_set_num(&m, WIRE_T_COUNT, l.count);
	send_ok(cl, &m);
}

static void rule_add(struct client *cl, const struct wire_msg *req)
{
	struct control_server *cs = cl->cs;
	struct control_added added;
	bool system = !wire_has(req, WIRE_T_UID);
	uid_t uid = (uid_t)wire_num(req, WIRE_T_UID, 0);
	struct wire_msg m;
	char err[512] = "";
	int ret;

	memset(&added, 0, sizeof(added));
	ret = cs->ops->rule_add(cs->ctx, system, uid, wire_str(req, WIRE_T_TEXT),
				&added, err, sizeof(err));
	if (ret) {
		send_error(cl, ret, err);
		return;
	}
	added.origin[sizeof(added.origin) - 1] = '\0';
	if (system)
		log_msg(LOG_NOTICE, "control: system rule added (%s)",
			added.origin[0] ? added.origin : "?");
	else
		log_msg(LOG_NOTICE, "control: rule added for uid %u (%s)",
			(unsigned int)uid, added.origin[0] ? added.origin : "?");
	wire_msg_init(&m, WIRE_OK);
	if (added.index)
		wire_set_num(&m, WIRE_T_INDEX, added.index);
	if (added.origin[0])
		wire_set_str(&m, WIRE_T_ORIGIN, added.origin);
	if (wire_msg_check(&m, NULL, 0))
		wire_msg_init(&m, WIRE_OK);	/* a strange origin: leave it out */
	send_ok(cl, &m);
}

static void rule_del(struct client *cl, const struct wire_msg *req)
{
	struct control_server *cs = cl->cs;
	struct control_rule_ref ref = { 0 };
	char err[512] = "";
	int ret;

	ref.system = !wire_has(req, WIRE_T_UID);
	ref.uid = (uid_t)wire_num(req, WIRE_T_UID, 0);
	ref.index = (unsigned int)wire_num(req, WIRE_T_INDEX, 0);
	ref.origin = wire_str(req, WIRE_T_ORIGIN);
	ret = cs->ops->rule_del(cs->ctx, &ref, err, sizeof(err));
	if (ret) {
		send_error(cl, ret, err);
		return;
	}
	send_ok(cl, NULL);
}

static void reload(struct client *cl)
{
	struct control_server *cs = cl->cs;
	char err[512] = "";
	int ret;

	ret = cs->ops->reload(cs->ctx, err, sizeof(err));
	if (ret) {
		send_error(cl, ret, err);
		return;
	}
	send_ok(cl, NULL);
}

/* Is the op behind request @type there?  Answer ERROR if not. */
static bool have_op(struct client *cl, unsigned int type)
{
	const struct control_ops *ops = cl->cs->ops;
	bool have;

	switch (type) {
	case WIRE_STATUS:
		have = ops->status;
		break;
	case WIRE_RULES_LIST:
		have = ops->rules_list;
		break;
	case WIRE_RULE_ADD:
		have = ops->rule_add;
		break;
	case WIRE_RULE_DEL:
		have = ops->rule_del;
		break;
	case WIRE_RELOAD:
		have = ops->reload;
		break;
	default:
		have = true;
	}
	if (!have)
		send_error(cl, -EOPNOTSUPP, "");
	return have;
}

static int on_message(struct conn *c, struct wire_msg *m, char *err, size_t errlen)
{
	struct client *cl = c->owner;

	if (cl->watching) {
		snprintf(err, errlen, "%s after WATCH", wire_type_name(m->type));
		return -EPROTO;
	}
	if (!have_op(cl, m->type))
		return 0;
	switch (m->type) {
	case WIRE_STATUS:
		status(cl);
		return 0;
	case WIRE_RULES_LIST:
		rules_list(cl, m);
		return 0;
	case WIRE_RULE_ADD:
		rule_add(cl, m);
		return 0;
	case WIRE_RULE_DEL:
		rule_del(cl, m);
		return 0;
	case WIRE_RELOAD:
		reload(cl);
		return 0;
	case WIRE_WATCH:
		cl->watching = true;
		cl->cs->nwatchers++;
		send_ok(cl, NULL);
		return 0;
	default:
		snprintf(err, errlen, "unexpected %s", wire_type_name(m->type));
		return -EPROTO;
	}
}

static void on_closed(struct conn *c, const char *why)
{
	struct client *cl = c->owner;
	struct control_server *cs = cl->cs;

	if (cl->prev)
		cl->prev->next = cl->next;
	else
		cs->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	cs->nclients--;
	if (cl->watching)
		cs->nwatchers--;
	if (why && !c->protocol_error)
		log_msg(LOG_INFO, "%s: disconnected: %s", c->name, why);
	free(cl);
}

static const struct conn_ops client_ops = {
	.message = on_message,
	.closed = on_closed,
};

static void on_accepted(struct conn_listener *l, int fd,
			const struct conn_cred *cred)
{
	struct control_server *cs = l->owner;
	struct client *cl;
	char name[64];

	/* The socket is 0600 already; this holds even if someone loosens it. */
	if (cred->uid != 0) {
		log_msg(LOG_WARNING, "control socket: refused uid %u pid %d: not root",
			(unsigned int)cred->uid, (int)cred->pid);
		conn_reject(fd, "permission denied: the control socket is for root only",
			    EACCES);
		return;
	}
	if (cs->nclients >= CONTROL_MAX_CLIENTS) {
		log_msg(LOG_WARNING, "control socket: refused pid %d: too many clients",
			(int)cred->pid);
		conn_reject(fd, "too many control clients", EUSERS);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	cl->cs = cs;
	snprintf(name, sizeof(name), "control client pid %d", (int)cred->pid);
	conn_init(&cl->conn, cs->loop, fd, cred, name, &client_ops, cl,
		  WIRE_MAX_FRAME, CONTROL_MAX_QUEUE);
	cl->next = cs->clients;
	if (cs->clients)
		cs->clients->prev = cl;
	cs->clients = cl;
	cs->nclients++;
}

struct control_server *control_server_new(struct ev_loop *loop,
					  const char *path,
					  const struct control_ops *ops,
					  void *ctx, char *err, size_t errlen)
{
	struct control_server *cs = calloc(1, sizeof(*cs));

	if (!cs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cs->loop = loop;
	cs->ops = ops;
	cs->ctx = ctx;
	if (conn_listen(&cs->listener, loop, path, 0600, on_accepted, cs,
			err, errlen)) {
		free(cs);
		return NULL;
	}
	return cs;
}

void control_server_free(struct control_server *cs)
{
	if (!cs)
		return;
	conn_unlisten(&cs->listener);
	while (cs->clients)
		conn_close(&cs->clients->conn, NULL);
	free(cs);
}

bool control_has_watchers(const struct control_server *cs)
{
	return cs && cs->nwatchers > 0;
}

void control_broadcast(struct control_server *cs, const char *line)
{
	struct wire_msg m;
	char *clean = NULL;
	size_t n;

	if (!control_has_watchers(cs) || !line)
		return;
	wire_msg_init(&m, WIRE_EVENT);
	wire_set_str(&m, WIRE_T_TEXT, line);
	if (wire_msg_check(&m, NULL, 0)) {
		/* Not clean UTF-8 or too long: send an escaped, cut copy. */
		n = wire_tag_info(WIRE_T_TEXT)->max + 1;
		clean = malloc(n);
		if (!clean)
			return;
		wire_escape(line, strlen(line), clean, n);
		wire_set_str(&m, WIRE_T_TEXT, clean);
	}
	for (struct client *cl = cs->clients; cl; cl = cl->next) {
		if (!cl->watching || !conn_alive(&cl->conn))
			continue;
		/* Keep half the queue for the rest: a slow reader loses lines
		 * rather than its connection. */
		if (wire_buf_pending(&cl->conn.out) > CONTROL_MAX_QUEUE / 2) {
			if (cl->dropped < UINT32_MAX)
				cl->dropped++;
			continue;
		}
		if (cl->dropped)
			wire_set_num(&m, WIRE_T_DROPPED, cl->dropped);
		if (conn_send(&cl->conn, &m) == 0)
			cl->dropped = 0;
		wire_unset(&m, WIRE_T_DROPPED);
	}
	free(clean);
}

/* SACTL_MODULE_STATS_DIR/<field>; @cache: the verdict cache's (newer). */
#define MODULE_FILE(field, cache) \
	{ #field, offsetof(struct control_module_stats, field), cache }

static const struct {
	const char *name;
	size_t off;
	bool cache;
} module_files[] = {
	MODULE_FILE(requests, false),
	MODULE_FILE(allowed, false),
	MODULE_FILE(denied, false),
	MODULE_FILE(timeouts, false),
	MODULE_FILE(defaults, false),
	MODULE_FILE(overflows, false),
	MODULE_FILE(cancelled, false),
	MODULE_FILE(pending, false),
	MODULE_FILE(cache_hits, true),
	MODULE_FILE(cache_rules, true),
};

int control_read_module_stats(const char *dir, struct control_module_stats *out)
{
	int dfd, fd;

	memset(out, 0, sizeof(*out));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	out->present = true;
	for (size_t i = 0; i < sizeof(module_files) / sizeof(module_files[0]); i++) {
		char buf[32], *end;
		ssize_t n;
		unsigned long long v;

		fd = openat(dfd, module_files[i].name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		out->cache |= module_files[i].cache;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		errno = 0;
		v = strtoull(buf, &end, 10);
		if (errno || end == buf || (*end && *end != '\n'))
			continue;
		*(uint64_t *)((char *)out + module_files[i].off) = v;
	}
	close(dfd);
	return 0;
}
