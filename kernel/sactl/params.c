// SPDX-License-Identifier: GPL-2.0
/*
 * sactl module parameters: how long a caller may wait for the daemon, how
 * many may wait, and the verdicts that apply when the daemon cannot answer.
 * All of them can be changed at run time through /sys/module/sactl/.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"

#define SACTL_TIMEOUT_MIN_MS	100
#define SACTL_TIMEOUT_MAX_MS	600000

unsigned int sactl_timeout_ms = 60000;
unsigned int sactl_max_pending = 1024;
unsigned int sactl_max_pending_per_uid = 128;

/* Per enum sactl_default: true if that default denies. */
static bool sactl_default_deny[] = {
	[SACTL_DEFAULT_DETACHED] = false,
	[SACTL_DEFAULT_TIMEOUT] = true,
	[SACTL_DEFAULT_OVERFLOW] = true,
};

static int sactl_timeout_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err;

	err = kstrtouint(val, 0, &ms);
	if (err)
		return err;
	if (ms < SACTL_TIMEOUT_MIN_MS || ms > SACTL_TIMEOUT_MAX_MS)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops sactl_timeout_ops = {
	.set = sactl_timeout_set,
	.get = param_get_uint,
};

static int sactl_verdict_set(const char *val, const struct kernel_param *kp)
{
	bool *deny = kp->arg;

	if (sysfs_streq(val, "allow"))
		WRITE_ONCE(*deny, false);
	else if (sysfs_streq(val, "deny"))
		WRITE_ONCE(*deny, true);
	else
		return -EINVAL;
	return 0;
}

static int sactl_verdict_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  READ_ONCE(*(bool *)kp->arg) ? "deny" : "allow");
}

static const struct kernel_param_ops sactl_verdict_ops = {
	.set = sactl_verdict_set,
	.get = sactl_verdict_get,
};

module_param_cb(timeout_ms, &sactl_timeout_ops, &sactl_timeout_ms, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "How long a call waits for the daemon, in ms (100-600000)");

module_param_cb(detached_verdict, &sactl_verdict_ops,
		&sactl_default_deny[SACTL_DEFAULT_DETACHED], 0644);
MODULE_PARM_DESC(detached_verdict,
		 "Verdict while no daemon is attached: allow or deny");

module_param_cb(timeout_verdict, &sactl_verdict_ops,
		&sactl_default_deny[SACTL_DEFAULT_TIMEOUT], 0644);
MODULE_PARM_DESC(timeout_verdict,
		 "Verdict when the daemon does not answer in time");

module_param_cb(overflow_verdict, &sactl_verdict_ops,
		&sactl_default_deny[SACTL_DEFAULT_OVERFLOW], 0644);
MODULE_PARM_DESC(overflow_verdict,
		 "Verdict when max_pending or max_pending_per_uid is reached");

module_param_named(max_pending, sactl_max_pending, uint, 0644);
MODULE_PARM_DESC(max_pending, "Most calls waiting for the daemon at once");

module_param_named(max_pending_per_uid, sactl_max_pending_per_uid, uint,
		   0644);
MODULE_PARM_DESC(max_pending_per_uid,
		 "Most calls of one user waiting for the daemon at once");

/* The error of a denied call when the denial names none. */
int sactl_deny_errno(u16 op)
{
	/* Servers treat ECONNABORTED from accept() as "try the next one". */
	return op == SACTL_OP_ACCEPT ? -ECONNABORTED : -EPERM;
}

/* The error a call gets when a default verdict applies to it: 0 allows. */
int sactl_default_verdict(u16 op, enum sactl_default why)
{
	return READ_ONCE(sactl_default_deny[why]) ? sactl_deny_errno(op) : 0;
}
