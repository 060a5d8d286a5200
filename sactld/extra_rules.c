// SPDX-License-Identifier: GPL-2.0
/*
 * Run-time system rules.  Their text is kept, not just the parsed rule, so
 * that a reload, which builds a new rule set from the file, can add them
 * to it again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extra_rules.h"
#include "log.h"
#include "rules.h"

struct extra_rule {
	char *text;
	struct rule *r;		/* in the current config's rule set */
};

struct extra_rules {
	struct extra_rule *v;
	size_t n, cap;
};

struct extra_rules *extra_rules_new(void)
{
	return calloc(1, sizeof(struct extra_rules));
}

void extra_rules_free(struct extra_rules *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].text);
	free(x->v);
	free(x);
}

/* Parse @text into @cfg's rules; the rule or NULL. */
static struct rule *insert(struct config *cfg, const char *text, char *err,
			   size_t errlen)
{
	struct rule *r = rule_parse_text(text, EXTRA_RULES_ORIGIN, false, err,
					 errlen);

	if (!r)
		return NULL;
	if (ruleset_add(cfg->rules, r)) {
		rule_free(r);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	/* Not "sactl.conf:1": it is in no file. */
	r->file = EXTRA_RULES_ORIGIN;
	r->line = 0;
	return r;
}

int extra_rules_add(struct extra_rules *x, struct config *cfg,
		    const char *text, const struct rule **out,
		    char *err, size_t errlen)
{
	char *copy;
	struct rule *r;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 8;
		struct extra_rule *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		x->v = v;
		x->cap = cap;
	}
	copy = strdup(text);
	if (!copy)
		goto nomem;
	r = insert(cfg, text, err, errlen);
	if (!r) {
		free(copy);
		return -EINVAL;
	}
	x->v[x->n++] = (struct extra_rule){ .text = copy, .r = r };
	*out = r;
	return 0;
nomem:
	snprintf(err, errlen, "%s", strerror(ENOMEM));
	return -ENOMEM;
}

bool extra_rules_owns(const struct extra_rules *x, const struct rule *r)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].r == r)
			return true;
	return false;
}

static bool is_rule(const struct rule *r, void *ctx)
{
	return r == ctx;
}

void extra_rules_remove(struct extra_rules *x, struct config *cfg,
			const struct rule *r)
{
	for (size_t i = 0; i < x->n; i++) {
		if (x->v[i].r != r)
			continue;
		ruleset_remove_if(cfg->rules, is_rule, (void *)r);
		free(x->v[i].text);
		memmove(&x->v[i], &x->v[i + 1], (x->n - i - 1) * sizeof(x->v[0]));
		x->n--;
		return;
	}
}

void extra_rules_apply(struct extra_rules *x, struct config *cfg)
{
	char err[512];
	size_t kept = 0;

	for (size_t i = 0; i < x->n; i++) {
		struct rule *r = insert(cfg, x->v[i].text, err, sizeof(err));

		/* It parsed when it was added: only memory can fail here. */
		if (!r) {
			log_msg(LOG_ERR, "run-time system rule lost at reload: %s", err);
			free(x->v[i].text);
			continue;
		}
		x->v[kept].text = x->v[i].text;
		x->v[kept++].r = r;
	}
	x->n = kept;
}
