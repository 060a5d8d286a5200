/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System rules added at run time (`sactlctl rules add --system`): they
 * join the configuration's rules, outlive reloads, and end when sactld
 * stops; to keep one, write it into sactl.conf.  Their origin in logs and
 * listings is "sactlctl".  Only these can be deleted at run time: the
 * file's own rules are the file's.
 */
#ifndef SACTLD_EXTRA_RULES_H
#define SACTLD_EXTRA_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

#define EXTRA_RULES_ORIGIN	"sactlctl"

struct extra_rules;

struct extra_rules *extra_rules_new(void);
void extra_rules_free(struct extra_rules *x);
/*
 * Parse @text (one rule group) and append it to @cfg's rules.  0 with the
 * rule in *@out, or -errno with the reason in @err.
 */
int extra_rules_add(struct extra_rules *x, struct config *cfg,
		    const char *text, const struct rule **out,
		    char *err, size_t errlen);
bool extra_rules_owns(const struct extra_rules *x, const struct rule *r);
/* Remove @r, one of ours, from @cfg's rules and from the list. */
void extra_rules_remove(struct extra_rules *x, struct config *cfg,
			const struct rule *r);
/* A reload made @cfg: add every rule of ours to it again. */
void extra_rules_apply(struct extra_rules *x, struct config *cfg);

#endif /* SACTLD_EXTRA_RULES_H */
