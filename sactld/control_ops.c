// SPDX-License-Identifier: GPL-2.0
/*
 * The control requests, on the daemon's state.  They run inside the
 * control server's callback, between two events of the loop, so they see
 * and change the same rules the decisions use, with no locking.
 *
 * System rules: the file's, plus those added at run time (extra_rules.c),
 * the only ones that can be deleted here.  Users' rules: the store's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_ops.h"
#include "daemon.h"
#include "extra_rules.h"
#include "rules.h"

static int op_status(void *ctx, struct control_status *out)
{
	sactld_status(ctx, out);
	return 0;
}

static int op_reload(void *ctx, char *err, size_t errlen)
{
	return sactld_reload(ctx, err, errlen);
}

static int emit_one(const struct rule *r, unsigned int index, bool system,
		    uid_t uid, control_emit_fn emit, void *emit_ctx,
		    char *err, size_t errlen)
{
	struct control_rule cr = { .index = index, .system = system, .uid = uid };
	char origin[256];
	int ret;

	cr.text = rule_to_text(r);
	if (!cr.text) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	cr.origin = rule_origin(r, origin, sizeof(origin));
	ret = emit(emit_ctx, &cr);
	free((char *)cr.text);
	return ret;
}

static int list_user(struct sactld *d, uid_t uid, control_emit_fn emit,
		     void *emit_ctx, char *err, size_t errlen)
{
	const struct ruleset *rs = store_rules(sactld_store(d), uid);
	int ret = 0;

	for (size_t i = 0; rs && !ret && i < ruleset_count(rs); i++)
		ret = emit_one(ruleset_rule(rs, i), (unsigned int)i + 1, false,
			       uid, emit, emit_ctx, err, errlen);
	return ret;
}

static int op_rules_list(void *ctx, const struct control_rule_filter *f,
			 control_emit_fn emit, void *emit_ctx,
			 char *err, size_t errlen)
{
	struct sactld *d = ctx;
	const struct ruleset *rs = sactld_config(d)->rules;
	size_t n;
	uid_t *uids;
	int ret = 0;

	for (size_t i = 0; f->system && !ret && i < ruleset_count(rs); i++)
		ret = emit_one(ruleset_rule(rs, i), (unsigned int)i + 1, true, 0,
			       emit, emit_ctx, err, errlen);
	if (ret || (!f->all_users && !f->one_user))
		return ret;
	if (f->one_user)
		return list_user(d, f->uid, emit, emit_ctx, err, errlen);
	n = store_uids(sactld_store(d), NULL, 0);
	uids = calloc(n ? n : 1, sizeof(*uids));
	if (!uids) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	n = store_uids(sactld_store(d), uids, n);
	for (size_t i = 0; !ret && i < n; i++)
		ret = list_user(d, uids[i], emit, emit_ctx, err, errlen);
	free(uids);
	return ret;
}

/* The position (from 1) of @r in @rs, or 0. */
static unsigned int index_of(const struct ruleset *rs, const struct rule *r)
{
	for (size_t i = 0; rs && i < ruleset_count(rs); i++)
		if (ruleset_rule(rs, i) == r)
			return (unsigned int)i + 1;
	return 0;
}

static int op_rule_add(void *ctx, bool system, uid_t uid, const char *text,
		       struct control_added *added, char *err, size_t errlen)
{
	struct sactld *d = ctx;
	const struct ruleset *rs;
	const struct rule *r;
	struct rule *nr;
	int ret;

	if (!text) {
		snprintf(err, errlen, "no rule given");
		return -EINVAL;
	}
	if (system) {
		ret = extra_rules_add(sactld_extra_rules(d), sactld_config(d),
				      text, &r, err, errlen);
		if (ret)
			return ret;
		rs = sactld_config(d)->rules;
	} else {
		nr = rule_parse_text(text, EXTRA_RULES_ORIGIN, true, err, errlen);
		if (!nr)
			return -EINVAL;
		ret = store_add_rule(sactld_store(d), uid, nr, time(NULL), err,
				     errlen);
		if (ret) {
			rule_free(nr);
			return ret;
		}
		r = nr;
		rs = store_rules(sactld_store(d), uid);
	}
	added->index = index_of(rs, r);
	rule_origin(r, added->origin, sizeof(added->origin));
	sactld_rules_changed(d);
	return 0;
}

/* The index (from 1) @ref names in @rs, or 0 with the reason in @err. */
static size_t resolve(const struct ruleset *rs, const struct control_rule_ref *ref,
		      char *err, size_t errlen)
{
	char origin[256];

	if (!ref->origin) {
		if (rs && ref->index >= 1 && ref->index <= ruleset_count(rs))
			return ref->index;
		snprintf(err, errlen, "there is no rule %u", ref->index);
		return 0;
	}
	for (size_t i = 0; rs && i < ruleset_count(rs); i++)
		if (!strcmp(rule_origin(ruleset_rule(rs, i), origin, sizeof(origin)),
			    ref->origin))
			return i + 1;
	snprintf(err, errlen, "no rule comes from %s", ref->origin);
	return 0;
}

static int op_rule_del(void *ctx, const struct control_rule_ref *ref,
		       char *err, size_t errlen)
{
	struct sactld *d = ctx;
	const struct ruleset *rs;
	const struct rule *r;
	char origin[256];
	size_t i;
	int ret;

	if (!ref->system) {
		rs = store_rules(sactld_store(d), ref->uid);
		i = resolve(rs, ref, err, errlen);
		if (!i)
			return -ENOENT;
		ret = store_remove(sactld_store(d), ref->uid, i, err, errlen);
	} else {
		rs = sactld_config(d)->rules;
		i = resolve(rs, ref, err, errlen);
		if (!i)
			return -ENOENT;
		r = ruleset_rule(rs, i - 1);
		if (!extra_rules_owns(sactld_extra_rules(d), r)) {
			snprintf(err, errlen,
				 "system rule %zu is %s: edit the file, then reload",
				 i, rule_origin(r, origin, sizeof(origin)));
			return -EPERM;
		}
		extra_rules_remove(sactld_extra_rules(d), sactld_config(d), r);
		ret = 0;
	}
	if (!ret)
		sactld_rules_changed(d);
	return ret;
}

const struct control_ops sactld_control_ops = {
	.status = op_status,
	.reload = op_reload,
	.rules_list = op_rules_list,
	.rule_add = op_rule_add,
	.rule_del = op_rule_del,
};
