/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision pipeline: a request from the kernel → who is calling
 * (identity) → the rules (policy_decide) → if none matches, the user's
 * prompt agents, or the default verdict if there are none → the answer to
 * the kernel, one log line, and a remembered rule if the user asked for
 * one.  Requests waiting for a prompt wait in parallel; everything else is
 * answered at once.
 */
#ifndef SACTLD_DECIDE_H
#define SACTLD_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <linux/sactl.h>

#include "cache.h"
#include "control.h"
#include "device.h"
#include "identity.h"
#include "policy.h"
#include "prompt.h"

/* Where the module says how long a caller waits for us. */
#define SACTL_TIMEOUT_PARAM	"/sys/module/sactl/parameters/timeout_ms"

struct decider;

struct decide_stats {
	unsigned int pending;		/* read, not answered yet */
	uint64_t requests, allowed, denied;
	uint64_t by_rule, by_user, by_default;
	uint64_t gone;			/* the caller left before the answer */
};

/*
 * @cfg, @store and @ids are used, not owned; @cfg may be replaced with
 * decider_set_config().  The prompt and control servers are optional.
 */
struct decider *decider_new(struct ev_loop *loop, struct device *dev,
			    const struct config *cfg, struct store *store,
			    struct identity_cache *ids);
/* Frees pending requests without answering them (see decider_stop()). */
void decider_free(struct decider *dc);
void decider_set_prompt(struct decider *dc, struct prompt_server *ps);
void decider_set_control(struct decider *dc, struct control_server *cs);
/* The module's verdict cache, fed as rules decide and change (optional). */
void decider_set_cache(struct decider *dc, struct cache *cache);
/* A new configuration: pending prompts are matched against it again. */
void decider_set_config(struct decider *dc, const struct config *cfg);
/* Rules changed (system or remembered): recheck pending, reschedule expiry. */
void decider_rules_changed(struct decider *dc);

/* device_ops.request: decide @rec; its exe_fd is closed. */
void decider_request(struct decider *dc, const struct sactl_request *rec);
/* The device went away: the kernel released every caller; forget them. */
void decider_detached(struct decider *dc);

/*
 * Shutting down: from now on a prompt that ends unanswered gets the
 * default verdict at once ("default (shutdown)").  Free the prompt server
 * next (it ends every prompt), then decider_answer_all() for the rest.
 */
void decider_stop(struct decider *dc);
void decider_answer_all(struct decider *dc);

void decider_stats(const struct decider *dc, struct decide_stats *out);

#endif /* SACTLD_DECIDE_H */
