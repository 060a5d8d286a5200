// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's parts and their wiring.  Rules and remembered decisions
 * live here and in the state directory, not in the module, so losing the
 * device (module unloaded) loses nothing: we attach again when it returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "control.h"
#include "control_ops.h"
#include "daemon.h"
#include "decide.h"
#include "device.h"
#include "extra_rules.h"
#include "identity.h"
#include "log.h"
#include "prompt.h"
#include "udev.h"

/* Hashes kept: more than the programs that use the network on a desktop. */
#define IDENTITY_CACHE_SIZE	512

struct sactld {
	struct ev_loop *loop;
	struct config *cfg;
	struct store *store;
	struct identity_cache *ids;
	struct device *dev;
	struct dev_watch *watch;
	struct prompt_server *ps;
	struct control_server *cs;
	struct decider *dc;
	struct cache *cache;		/* the module's verdict cache */
	ev_timer relink;		/* close and reopen the device, later */
	struct extra_rules *extra;	/* sactlctl's system rules */
	time_t started;
};

/* The store's problems that do not stop it (an unsafe file, ignored). */
static void store_warning(const char *msg)
{
	log_msg(LOG_WARNING, "%s", msg);
}

static void on_request(void *ctx, const struct sactl_request *rec)
{
	struct sactld *d = ctx;

	decider_request(d->dc, rec);
}

static void on_state(void *ctx, bool attached)
{
	struct sactld *d = ctx;

	if (attached) {
		cache_attached(d->cache, d->cfg, d->store);
	} else {
		cache_detached(d->cache);
		decider_detached(d->dc);
	}
}

static int cache_add(void *ctx, const struct sactl_cache_rule *r)
{
	struct sactld *d = ctx;

	return device_cache_add(d->dev, r);
}

static int cache_flush(void *ctx)
{
	struct sactld *d = ctx;

	return device_cache_flush(d->dev);
}

/* Not now: the caller may be deep in a request's handling. */
static void cache_lost(void *ctx)
{
	struct sactld *d = ctx;

	ev_timer_set(&d->relink, 0., 0.);
	ev_timer_start(d->loop, &d->relink);
}

static void relink_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sactld *d = w->data;

	(void)loop;
	(void)revents;
	device_detach(d->dev);
	device_attach_soon(d->dev);
}

static const struct cache_ops cache_ops = {
	.add = cache_add,
	.flush = cache_flush,
	.lost = cache_lost,
};

static const struct device_ops device_ops = {
	.request = on_request,
	.state = on_state,
};

static void on_uevent(void *ctx, bool added)
{
	struct sactld *d = ctx;

	if (added) {
		log_msg(LOG_INFO, "%s appeared: attaching", device_path(d->dev));
		device_attach_soon(d->dev);
	} else if (device_attached(d->dev)) {
		log_msg(LOG_WARNING, "%s removed while attached", device_path(d->dev));
		device_detach(d->dev);
	}
}

/* The device at start: attach now, or wait for it if it is not there. */
static int attach_at_start(struct sactld *d, const char *path, char *err,
			   size_t errlen)
{
	struct stat st;
	int r;

	/* Watch first, so that a module loaded meanwhile is not missed. */
	if (stat(path, &st) || !S_ISSOCK(st.st_mode)) {
		d->watch = dev_watch_new(d->loop, "misc", "sactl", on_uevent, d,
					 err, errlen);
		if (!d->watch)
			log_msg(LOG_WARNING, "%s: the module's loading will go unnoticed",
				err);
	}
	r = device_attach(d->dev, err, errlen);
	if (r == -ENOENT && d->watch) {
		log_msg(LOG_NOTICE, "%s is not there (module not loaded?): waiting for it",
			path);
		return 0;
	}
	return r;
}

struct sactld *sactld_start(struct ev_loop *loop, struct config *cfg,
			    const char *device_path, char *err, size_t errlen)
{
	struct sactld *d = calloc(1, sizeof(*d));
	char why[512];

	if (!d) {
		config_free(cfg);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	d->loop = loop;
	d->cfg = cfg;
	d->started = time(NULL);
	ev_init(&d->relink, relink_cb);
	d->relink.data = d;
	log_set_decision_level(cfg->log_level);
	store_set_warn(store_warning);
	/* Its messages name the directory already. */
	d->store = store_open(cfg->state_dir, why, sizeof(why));
	if (!d->store) {
		snprintf(err, errlen, "state_dir: %s", why);
		goto fail;
	}
	d->ids = identity_cache_new(IDENTITY_CACHE_SIZE);
	d->extra = extra_rules_new();
	d->dev = device_new(loop, device_path, &device_ops, d);
	d->cache = cache_new(&cache_ops, d);
	d->dc = d->ids && d->extra && d->dev && d->cache ?
		decider_new(loop, d->dev, cfg, d->store, d->ids) : NULL;
	if (!d->dc) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto fail;
	}
	d->ps = prompt_server_new(loop, cfg->prompt_socket, cfg, why, sizeof(why));
	if (!d->ps) {
		snprintf(err, errlen, "prompt socket %s: %s", cfg->prompt_socket, why);
		goto fail;
	}
	decider_set_prompt(d->dc, d->ps);
	d->cs = control_server_new(loop, cfg->control_socket,
				   &sactld_control_ops, d, why, sizeof(why));
	if (!d->cs) {
		snprintf(err, errlen, "control socket %s: %s", cfg->control_socket, why);
		goto fail;
	}
	decider_set_control(d->dc, d->cs);
	decider_set_cache(d->dc, d->cache);
	decider_rules_changed(d->dc);
	if (attach_at_start(d, device_path, err, errlen))
		goto fail;
	log_msg(LOG_NOTICE, "%s started: %s, %zu rules", SACTLD_VERSION,
		cfg->path, ruleset_count(cfg->rules));
	return d;
fail:
	sactld_stop(d);
	return NULL;
}

int sactld_reload(struct sactld *d, char *err, size_t errlen)
{
	struct config *old = d->cfg, *cfg;
	char why[512];

	cfg = config_load(old->path, why, sizeof(why));
	if (!cfg) {
		log_msg(LOG_ERR, "reload failed, keeping the old rules: %s", why);
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	/* These are opened once; say so rather than half-apply them. */
	if (strcmp(cfg->state_dir, old->state_dir) ||
	    strcmp(cfg->prompt_socket, old->prompt_socket) ||
	    strcmp(cfg->control_socket, old->control_socket))
		log_msg(LOG_WARNING, "state_dir, prompt_socket and control_socket changes take effect at restart");
	extra_rules_apply(d->extra, cfg);
	d->cfg = cfg;
	prompt_server_set_config(d->ps, cfg);
	decider_set_config(d->dc, cfg);
	log_set_decision_level(cfg->log_level);
	config_free(old);
	log_msg(LOG_NOTICE, "reloaded %s: %zu rules", cfg->path,
		ruleset_count(cfg->rules));
	if (!device_attached(d->dev))
		device_attach_soon(d->dev);
	return 0;
}

void sactld_release(struct sactld *d)
{
	if (!device_attached(d->dev))
		return;
	log_msg(LOG_NOTICE, "releasing %s (SIGUSR1); SIGHUP or the module's next load attaches again",
		device_path(d->dev));
	device_detach(d->dev);
}

void sactld_stop(struct sactld *d)
{
	if (!d)
		return;
	if (d->dc) {
		decider_stop(d->dc);
		/* Ends every prompt: with stop, each caller gets the default. */
		prompt_server_free(d->ps);
		d->ps = NULL;
		decider_set_prompt(d->dc, NULL);
		decider_answer_all(d->dc);
		decider_set_control(d->dc, NULL);
	} else {
		prompt_server_free(d->ps);
	}
	control_server_free(d->cs);
	dev_watch_free(d->watch);
	ev_timer_stop(d->loop, &d->relink);
	/* Closing releases anything the module still holds (and its cache). */
	device_free(d->dev);
	decider_free(d->dc);
	cache_free(d->cache);
	identity_cache_free(d->ids);
	extra_rules_free(d->extra);
	store_close(d->store);
	config_free(d->cfg);
	free(d);
}

/* ---- what the control server asks -------------------------------------- */

struct config *sactld_config(struct sactld *d)
{
	return d->cfg;
}

struct store *sactld_store(struct sactld *d)
{
	return d->store;
}

struct extra_rules *sactld_extra_rules(struct sactld *d)
{
	return d->extra;
}

void sactld_rules_changed(struct sactld *d)
{
	decider_rules_changed(d->dc);
}

/* Whether the cache is being fed, or the first reason why not. */
static enum control_cache cache_state(const struct config *cfg,
				      const struct cache_stats *cs)
{
	if (!cfg->cache)
		return CONTROL_CACHE_OFF;
	if (!cs->attached)
		return CONTROL_CACHE_DETACHED;
	if (cs->unsupported)
		return CONTROL_CACHE_UNSUPPORTED;
	if (cs->full)
		return CONTROL_CACHE_FULL;
	return CONTROL_CACHE_ON;
}

void sactld_status(struct sactld *d, struct control_status *out)
{
	struct cache_stats cs;
	struct decide_stats ds;
	struct prompt_stats ps = { 0 };

	decider_stats(d->dc, &ds);
	if (d->ps)
		prompt_server_stats(d->ps, &ps);
	memset(out, 0, sizeof(*out));
	out->version = SACTLD_VERSION;
	out->attached = device_attached(d->dev);
	out->uptime = (uint64_t)(time(NULL) - d->started);
	out->pending = ds.pending;
	out->prompts = ps.prompts;
	out->agents = ps.agents;
	out->requests = ds.requests;
	out->allowed = ds.allowed;
	out->denied = ds.denied;
	out->by_rule = ds.by_rule;
	out->by_user = ds.by_user;
	out->by_default = ds.by_default;
	cache_stats(d->cache, &cs);
	out->cache = cache_state(d->cfg, &cs);
	out->cache_pushed = cs.pushed;
	out->cache_flushes = cs.flushes;
	control_read_module_stats(SACTL_MODULE_STATS_DIR, &out->module);
}
