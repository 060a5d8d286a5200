// SPDX-License-Identifier: GPL-2.0
/*
 * The decision pipeline.  A request is answered at once when a rule (or a
 * remembered answer) matches, or when its user has no prompt agent;
 * otherwise it waits for the prompt in a list of pending requests, while
 * the loop goes on serving everything else.
 *
 * A pending request can end four ways: the prompt's answer, the prompt
 * ending unanswered (default verdict), a rule that now matches (the user
 * remembered an answer to a similar request, or the config was reloaded),
 * or the caller going away (killed, or timed out in the kernel), which we
 * learn from a pidfd, a timer at the kernel's timeout, or ENOENT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "log.h"
#include "pidwatch.h"
#include "rules.h"

enum decided_by { BY_RULE, BY_USER, BY_DEFAULT };

struct pending {
	struct pending *prev, *next;
	struct decider *dc;
	struct query q;
	struct identity id;
	struct cache_exe exe;	/* the file as the verdict cache keys it */
	bool prompting;		/* prompt_ask() done, callback not yet */
	bool cancelled;		/* we withdrew it: ignore its callback */
	ev_tstamp asked;
	struct pidwatch caller;	/* the caller exiting while we ask */
	ev_timer kernel_timeout;
};

/* A DURATION_PROCESS answer: forget it when its process exits. */
struct procwatch {
	struct procwatch *prev, *next;
	struct decider *dc;
	struct pidwatch w;
};

struct decider {
	struct ev_loop *loop;
	struct device *dev;
	const struct config *cfg;
	struct store *store;
	struct identity_cache *ids;
	struct prompt_server *ps;
	struct control_server *cs;
	struct cache *cache;
	struct pending *pending;
	struct procwatch *procs;
	ev_timer expiry;	/* the next remembered answer to expire */
	ev_timer recheck;	/* 0 s: after the current callbacks are done */
	bool stopping;
	struct decide_stats st;
};

#define LIST_LINK(head, e) do {				\
	(e)->prev = NULL;				\
	(e)->next = (head);				\
	if (head)					\
		(head)->prev = (e);			\
	(head) = (e);					\
} while (0)

#define LIST_UNLINK(head, e) do {			\
	if ((e)->prev)					\
		(e)->prev->next = (e)->next;		\
	else						\
		(head) = (e)->next;			\
	if ((e)->next)					\
		(e)->next->prev = (e)->prev;		\
} while (0)

static void recheck_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void expiry_cb(struct ev_loop *loop, ev_timer *w, int revents);

struct decider *decider_new(struct ev_loop *loop, struct device *dev,
			    const struct config *cfg, struct store *store,
			    struct identity_cache *ids)
{
	struct decider *dc = calloc(1, sizeof(*dc));

	if (!dc)
		return NULL;
	dc->loop = loop;
	dc->dev = dev;
	dc->cfg = cfg;
	dc->store = store;
	dc->ids = ids;
	ev_init(&dc->expiry, expiry_cb);
	dc->expiry.data = dc;
	ev_init(&dc->recheck, recheck_cb);
	dc->recheck.data = dc;
	return dc;
}

void decider_set_prompt(struct decider *dc, struct prompt_server *ps)
{
	dc->ps = ps;
}

void decider_set_control(struct decider *dc, struct control_server *cs)
{
	dc->cs = cs;
}

void decider_set_cache(struct decider *dc, struct cache *cache)
{
	dc->cache = cache;
}

void decider_stats(const struct decider *dc, struct decide_stats *out)
{
	*out = dc->st;
}

/* ---- ending a request ------------------------------------------------- */

static void pending_free(struct pending *p)
{
	struct decider *dc = p->dc;

	LIST_UNLINK(dc->pending, p);
	dc->st.pending--;
	pidwatch_stop(&p->caller);
	ev_timer_stop(dc->loop, &p->kernel_timeout);
	identity_clear(&p->id);
	free(p);
}

static void emit(struct decider *dc, const struct pending *p, enum verdict v,
		 int error, const char *by)
{
	bool watched = dc->cs && control_has_watchers(dc->cs);
	char line[1024];

	log_format_decision(line, sizeof(line), &p->q, p->id.deleted, v,
			    error, by);
	log_decision(line);
	if (watched)
		control_broadcast(dc->cs, line);
}

/* Answer the kernel, count, log, and free @p. */
static void finish(struct pending *p, enum verdict v, int error,
		   enum decided_by kind, const char *by)
{
	struct decider *dc = p->dc;
	int r = device_answer(dc->dev, p->q.id, v, error);

	if (r == -ENOENT) {
		dc->st.gone++;
		log_msg(LOG_DEBUG, "request %" PRIu64 " (pid %d) was gone before its answer (%s)",
			p->q.id, (int)p->q.pid, by);
	} else if (r) {
		log_msg(LOG_ERR, "cannot answer request %" PRIu64 ": %s",
			p->q.id, strerror(-r));
	} else {
		if (v == VERDICT_ALLOW)
			dc->st.allowed++;
		else
			dc->st.denied++;
		if (kind == BY_RULE)
			dc->st.by_rule++;
		else if (kind == BY_USER)
			dc->st.by_user++;
		else
			dc->st.by_default++;
		emit(dc, p, v, error, by);
	}
	pending_free(p);
}

static void finish_default(struct pending *p, const char *by)
{
	finish(p, p->dc->cfg->default_verdict, 0, BY_DEFAULT, by);
}

/* Withdraw @p's prompt (if any) without answering; its callback is ignored. */
static void withdraw(struct pending *p)
{
	p->cancelled = true;
	if (p->prompting && p->dc->ps)
		prompt_cancel(p->dc->ps, p);
	p->prompting = false;
}

/* The caller is gone: nothing to answer, nobody to ask any more. */
static void drop(struct pending *p, const char *why)
{
	p->dc->st.gone++;
	log_msg(LOG_DEBUG, "request %" PRIu64 " (pid %d) gone (%s): prompt withdrawn",
		p->q.id, (int)p->q.pid, why);
	withdraw(p);
	pending_free(p);
}

/* ---- rules --------------------------------------------------------------- */

/* Decide @p by the rules if one matches (and then free it). */
static bool decide_by_rules(struct pending *p)
{
	struct decider *dc = p->dc;
	struct match_result m;
	char origin[256], by[300];

	if (!policy_decide(dc->cfg, dc->store, &p->q, time(NULL), &m) ||
	    m.verdict == VERDICT_NONE)
		return false;
	if (m.rule) {
		rule_origin(m.rule, origin, sizeof(origin));
		snprintf(by, sizeof(by), "%s %s",
			 m.rule->remembered ? "remembered" : "rule", origin);
	} else {
		snprintf(by, sizeof(by), "rule");
	}
	withdraw(p);
	/* So that the next such call is answered in the kernel. */
	cache_decided(dc->cache, dc->cfg, dc->store, &p->q, &p->exe);
	finish(p, m.verdict, m.error, BY_RULE, by);
	return true;
}

static void recheck_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct decider *dc = w->data;
	struct pending *p, *next;

	(void)loop;
	(void)revents;
	for (p = dc->pending; p; p = next) {
		next = p->next;
		if (p->prompting)
			decide_by_rules(p);
	}
}

/* Later, not now: we may be inside the prompt server's callbacks. */
static void schedule_recheck(struct decider *dc)
{
	if (ev_is_active(&dc->recheck))
		return;
	ev_timer_set(&dc->recheck, 0., 0.);
	ev_timer_start(dc->loop, &dc->recheck);
}

static void schedule_expiry(struct decider *dc)
{
	time_t now = time(NULL);
	time_t next = store_expire(dc->store, now);

	ev_timer_stop(dc->loop, &dc->expiry);
	if (!next)
		return;
	ev_timer_set(&dc->expiry, next > now ? (ev_tstamp)(next - now) : 0., 0.);
	ev_timer_start(dc->loop, &dc->expiry);
}

static void expiry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct decider *dc = w->data;

	(void)loop;
	(void)revents;
	schedule_expiry(dc);
	/* What the expired answers kept out of the cache may go in now. */
	cache_reset(dc->cache, dc->cfg, dc->store);
}

void decider_set_config(struct decider *dc, const struct config *cfg)
{
	dc->cfg = cfg;
	cache_reset(dc->cache, cfg, dc->store);
	schedule_recheck(dc);
}

void decider_rules_changed(struct decider *dc)
{
	schedule_expiry(dc);
	cache_reset(dc->cache, dc->cfg, dc->store);
	schedule_recheck(dc);
}

/* ---- DURATION_PROCESS ---------------------------------------------------- */

static void procwatch_free(struct procwatch *pw)
{
	pidwatch_stop(&pw->w);
	LIST_UNLINK(pw->dc->procs, pw);
	free(pw);
}

static void process_exited(struct pidwatch *w, pid_t pid, void *ctx)
{
	struct procwatch *pw = ctx;
	struct decider *dc = pw->dc;

	(void)w;
	log_msg(LOG_DEBUG, "process %d exited: forgetting its answers", (int)pid);
	store_process_exited(dc->store, pid);
	procwatch_free(pw);
}

/*
 * Watch the caller of request @id, still waiting (so @pid is still it),
 * until it exits.  If we cannot, forget its answers now: a rule "until
 * the process exits" must not outlive the process.
 */
static void watch_process(struct decider *dc, pid_t pid, uint64_t id)
{
	struct procwatch *pw;

	for (pw = dc->procs; pw; pw = pw->next)
		if (pw->w.pid == pid)
			return;
	pw = calloc(1, sizeof(*pw));
	if (!pw) {
		store_process_exited(dc->store, pid);
		return;
	}
	pw->dc = dc;
	pidwatch_init(&pw->w);
	LIST_LINK(dc->procs, pw);
	if (pidwatch_start(&pw->w, dc->loop, pid, process_exited, pw) ||
	    device_id_valid(dc->dev, id) == -ENOENT) {
		store_process_exited(dc->store, pid);
		procwatch_free(pw);
	}
}

/* ---- prompts ------------------------------------------------------------- */

static void remember(struct pending *p, const struct prompt_answer *a)
{
	struct decider *dc = p->dc;
	char err[256];

	if (store_add(dc->store, &p->q, &a->remember, time(NULL), err,
		      sizeof(err))) {
		log_msg(LOG_ERR, "cannot remember the answer for uid %u: %s",
			(unsigned int)p->q.uid, err);
		return;
	}
	if (a->remember.duration == DURATION_PROCESS)
		watch_process(dc, p->q.pid, p->q.id);
	decider_rules_changed(dc);
}

static void prompt_done(void *ctx, bool answered, const struct prompt_answer *a)
{
	struct pending *p = ctx;
	struct decider *dc = p->dc;
	unsigned int timeout = dc->cfg->prompt_timeout;

	/* Inside our own prompt_cancel(): whoever called it ends @p. */
	if (p->cancelled)
		return;
	p->prompting = false;
	if (answered) {
		if (a->remember.duration != DURATION_ONCE)
			remember(p, a);
		finish(p, a->verdict, 0, BY_USER, "prompt");
		return;
	}
	if (dc->stopping)
		finish_default(p, "default (shutdown)");
	/* Unanswered before its time: the last agent asked went away. */
	else if (timeout && ev_now(dc->loop) - p->asked + 0.5 < timeout)
		finish_default(p, "default (no agent)");
	else
		finish_default(p, "default (timeout)");
}

static void caller_exited(struct pidwatch *w, pid_t pid, void *ctx)
{
	struct pending *p = ctx;

	(void)w;
	(void)pid;
	if (device_id_valid(p->dc->dev, p->q.id) == -ENOENT)
		drop(p, "the caller exited");
}

static void kernel_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pending *p = w->data;

	(void)loop;
	(void)revents;
	if (device_id_valid(p->dc->dev, p->q.id) == -ENOENT)
		drop(p, "timed out in the kernel");
}

/* The module's timeout_ms, or 0 if it cannot be read (no module: double). */
static unsigned long kernel_timeout_ms(void)
{
	unsigned long ms = 0;
	FILE *f = fopen(SACTL_TIMEOUT_PARAM, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &ms) != 1)
		ms = 0;
	fclose(f);
	return ms;
}

/*
 * Learn early when the caller stops waiting, so that its prompt goes away:
 * when it exits (pidfd), or once the kernel's timeout has passed.
 */
static void watch_caller(struct pending *p)
{
	struct decider *dc = p->dc;
	unsigned long ms = kernel_timeout_ms();

	if (ms) {
		/* Then every second, in case timeout_ms was raised meanwhile. */
		ev_timer_set(&p->kernel_timeout, (ev_tstamp)ms / 1000. + 0.25, 1.);
		ev_timer_start(dc->loop, &p->kernel_timeout);
	}
	if (!pidwatch_start(&p->caller, dc->loop, p->q.pid, caller_exited, p) &&
	    device_id_valid(dc->dev, p->q.id) == -ENOENT)
		drop(p, "the caller exited");	/* and the pid was reused */
}

static void ask(struct pending *p)
{
	struct decider *dc = p->dc;
	int r;

	if (dc->stopping || !dc->ps) {
		finish_default(p, "default (no agent)");
		return;
	}
	/* No agent could be shown it: do not make the caller wait. */
	if (!op_known(p->q.op)) {
		finish_default(p, "default (unknown op)");
		return;
	}
	r = prompt_ask(dc->ps, &p->q, prompt_done, p);
	if (r == -ENOENT) {
		finish_default(p, "default (no agent)");
		return;
	}
	if (r) {
		log_msg(LOG_ERR, "cannot ask about request %" PRIu64 ": %s",
			p->q.id, strerror(-r));
		finish_default(p, "default (prompt failed)");
		return;
	}
	p->prompting = true;
	p->asked = ev_now(dc->loop);
	watch_caller(p);
}

/* ---- requests ------------------------------------------------------------ */

static int id_still_waiting(void *ctx, uint64_t id)
{
	struct decider *dc = ctx;

	return device_id_valid(dc->dev, id);
}

void decider_request(struct decider *dc, const struct sactl_request *rec)
{
	struct pending *p = calloc(1, sizeof(*p));

	dc->st.requests++;
	if (!p) {
		if (rec->exe_fd >= 0)
			close(rec->exe_fd);
		log_msg(LOG_ERR, "out of memory: request %" PRIu64 " gets the default",
			(uint64_t)rec->id);
		device_answer(dc->dev, rec->id, dc->cfg->default_verdict, 0);
		dc->st.by_default++;
		return;
	}
	p->dc = dc;
	pidwatch_init(&p->caller);
	ev_init(&p->kernel_timeout, kernel_timeout_cb);
	p->kernel_timeout.data = p;
	LIST_LINK(dc->pending, p);
	dc->st.pending++;

	if (cache_active(dc->cache, dc->cfg)) {
		struct cache_exe_probe probe;

		cache_exe_begin(&probe, rec->exe_fd, rec->exe_dev, rec->exe_ino);
		identity_resolve(dc->ids, rec, id_still_waiting, dc, &p->id);
		cache_exe_end(&probe, &p->exe);
	} else {
		identity_resolve(dc->ids, rec, id_still_waiting, dc, &p->id);
	}
	query_from_request(&p->q, rec);
	identity_apply(&p->id, &p->q);
	if (!decide_by_rules(p))
		ask(p);
}

/* ---- the end ------------------------------------------------------------- */

void decider_detached(struct decider *dc)
{
	unsigned int n = dc->st.pending;

	while (dc->pending) {
		withdraw(dc->pending);
		pending_free(dc->pending);
	}
	if (n)
		log_msg(LOG_NOTICE, "device closed: the module released %u pending request(s)", n);
}

void decider_stop(struct decider *dc)
{
	dc->stopping = true;
}

void decider_answer_all(struct decider *dc)
{
	while (dc->pending) {
		withdraw(dc->pending);
		finish_default(dc->pending, "default (shutdown)");
	}
}

void decider_free(struct decider *dc)
{
	if (!dc)
		return;
	while (dc->pending) {
		withdraw(dc->pending);
		pending_free(dc->pending);
	}
	while (dc->procs)
		procwatch_free(dc->procs);
	ev_timer_stop(dc->loop, &dc->expiry);
	ev_timer_stop(dc->loop, &dc->recheck);
	free(dc);
}
