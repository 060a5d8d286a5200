/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The prompt server: asks the prompt agents of a request's user (a desktop
 * prompt per session, `sactlctl prompt` in a terminal) and hands back the
 * first answer.  Wire format: include/sactl/wire.h.
 *
 *  - Anyone may connect (the socket is 0666 in a 0755 directory); each
 *    peer is authenticated by SO_PEERCRED at accept and serves its own uid
 *    (root may name another uid in AGENT_HELLO).  An ASK goes only to the
 *    agents of the request's uid, and to root's agents too when
 *    cfg->root_answers_all is set.
 *  - Every agent of that uid gets the ASK; the first valid ANSWER decides
 *    and the others get WITHDRAW.  An agent that connects later gets the
 *    prompts already open for its uid.  Prompts run in parallel.
 *  - Identical open requests (same uid, executable path and hash, op,
 *    protocol, and remote address and port; for bind, listen and accept
 *    the local port instead; for socket the family) share one prompt:
 *    one ASK, and every waiter gets the same answer.
 *  - A prompt times out after cfg->prompt_timeout seconds: WITHDRAW to its
 *    agents, callbacks with answered=false.
 *  - When the last agent a prompt was sent to disconnects, the prompt ends
 *    at once (answered=false): the caller gets the default without waiting
 *    out the timeout for an answer that can no longer come.
 *  - Limits against a hostile local user: PROMPT_MAX_AGENTS_PER_UID and
 *    PROMPT_MAX_AGENTS connections (counted from accept), AGENT_HELLO
 *    within WIRE_HELLO_TIMEOUT seconds, agent frames of at most
 *    PROMPT_AGENT_MAX_FRAME bytes, and at most PROMPT_AGENT_MAX_QUEUE bytes
 *    queued to an agent that does not read.  A protocol error (see
 *    wire.h), including an ANSWER for a prompt id the agent was never
 *    sent, gets an ERROR frame, a log line and a disconnect.
 *
 * Callbacks are never called from inside prompt_ask().  They may call
 * prompt_ask() and prompt_cancel(), but not prompt_server_free().
 */
#ifndef SACTLD_PROMPT_H
#define SACTLD_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "policy.h"
#include "query.h"

#define PROMPT_MAX_AGENTS_PER_UID	16
#define PROMPT_MAX_AGENTS		256
#define PROMPT_AGENT_MAX_FRAME		4096
#define PROMPT_AGENT_MAX_QUEUE		(512 * 1024)

struct prompt_server;

struct prompt_answer {
	enum verdict verdict;		/* VERDICT_ALLOW or VERDICT_DENY */
	struct remembered remember;	/* .duration == DURATION_ONCE: not
					 * remembered; .verdict == verdict */
};

/* Called exactly once per prompt_ask(): answered=false when no agent,
 * timed out or cancelled (@a is then NULL). */
typedef void (*prompt_done_fn)(void *ctx, bool answered,
			       const struct prompt_answer *a);

/*
 * Listen on @socket_path (mode 0666; its directory is created 0755 if
 * missing; a stale socket is replaced, a live one is an error).  NULL on
 * error, with the reason in @err.  @cfg must outlive the server or be
 * replaced by prompt_server_set_config().
 */
struct prompt_server *prompt_server_new(struct ev_loop *loop,
					const char *socket_path,
					const struct config *cfg,
					char *err, size_t errlen);
/* Withdraws everything (WIRE_SHUTDOWN), calls pending callbacks with
 * answered=false, closes every agent and removes the socket. */
void prompt_server_free(struct prompt_server *ps);
/* After a reload: later prompts use @cfg's timeout, default verdict and
 * root_answers_all.  Open prompts keep their agents and timers. */
void prompt_server_set_config(struct prompt_server *ps,
			      const struct config *cfg);
/* Has @uid an agent (past AGENT_HELLO) that prompt_ask() would ask? */
bool prompt_has_agent(const struct prompt_server *ps, uid_t uid);
/*
 * Ask q->uid's agents about @q (copied; @q need not outlive the call).
 * Returns 0, -ENOENT at once if that uid has no agent (@done NOT called
 * then), or -ENOMEM (@done not called either).
 */
int prompt_ask(struct prompt_server *ps, const struct query *q,
	       prompt_done_fn done, void *ctx);
/*
 * The caller behind @ctx went away: its callback is called now with
 * answered=false, and the prompt is withdrawn (WIRE_GONE) if nobody else
 * waits on it.  Unknown @ctx: nothing happens.
 */
void prompt_cancel(struct prompt_server *ps, void *ctx);

/* Tunables; prompt_server_new() starts with the PROMPT_* defaults. */
struct prompt_limits {
	unsigned int agents_per_uid;	/* connections of one uid */
	unsigned int agents;		/* connections in all */
	double hello_timeout;		/* seconds to send AGENT_HELLO */
};

void prompt_server_set_limits(struct prompt_server *ps,
			      const struct prompt_limits *lim);

struct prompt_stats {
	unsigned int agents;		/* past AGENT_HELLO */
	unsigned int connections;	/* all, agents included */
	unsigned int prompts;		/* open prompts */
	unsigned int waiters;		/* prompt_ask() calls not yet done */
	uint64_t asked;			/* prompts opened */
	uint64_t answered;		/* decided by an agent */
	uint64_t timed_out;
	uint64_t protocol_errors;	/* agents disconnected for them */
};

void prompt_server_stats(const struct prompt_server *ps,
			 struct prompt_stats *out);

#endif /* SACTLD_PROMPT_H */
