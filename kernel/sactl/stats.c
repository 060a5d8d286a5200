// SPDX-License-Identifier: GPL-2.0
/*
 * sactl counters, readable in /sys/class/misc/sactl/stats/.  Per CPU: a
 * cached verdict should not bounce a shared cache line between CPUs.
 */

#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>

#include "internal.h"

struct sactl_counters {
	unsigned long n[SACTL_NR_STATS];
};

static DEFINE_PER_CPU(struct sactl_counters, sactl_stats);

void sactl_count(enum sactl_stat stat)
{
	this_cpu_inc(sactl_stats.n[stat]);
}

static unsigned long sactl_stat_sum(enum sactl_stat stat)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(sactl_stats.n[stat], cpu);
	return sum;
}

/* Count one decided call by its outcome. */
void sactl_count_verdict(int err)
{
	sactl_count(SACTL_STAT_REQUESTS);
	sactl_count(err ? SACTL_STAT_DENIED : SACTL_STAT_ALLOWED);
}

#define SACTL_STAT_ATTR(_name, _stat)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lu\n", sactl_stat_sum(_stat));	\
}									\
static DEVICE_ATTR_RO(_name)

SACTL_STAT_ATTR(requests, SACTL_STAT_REQUESTS);
SACTL_STAT_ATTR(allowed, SACTL_STAT_ALLOWED);
SACTL_STAT_ATTR(denied, SACTL_STAT_DENIED);
SACTL_STAT_ATTR(timeouts, SACTL_STAT_TIMEOUTS);
SACTL_STAT_ATTR(defaults, SACTL_STAT_DEFAULTS);
SACTL_STAT_ATTR(overflows, SACTL_STAT_OVERFLOWS);
SACTL_STAT_ATTR(cancelled, SACTL_STAT_CANCELLED);
SACTL_STAT_ATTR(cache_hits, SACTL_STAT_CACHE_HITS);

static ssize_t cache_rules_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", sactl_cache_size());
}
static DEVICE_ATTR_RO(cache_rules);

static ssize_t pending_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", sactl_queue_pending());
}
static DEVICE_ATTR_RO(pending);

static struct attribute *sactl_stat_attrs[] = {
	&dev_attr_requests.attr,
	&dev_attr_allowed.attr,
	&dev_attr_denied.attr,
	&dev_attr_timeouts.attr,
	&dev_attr_defaults.attr,
	&dev_attr_overflows.attr,
	&dev_attr_cancelled.attr,
	&dev_attr_cache_hits.attr,
	&dev_attr_cache_rules.attr,
	&dev_attr_pending.attr,
	NULL,
};

static const struct attribute_group sactl_stat_group = {
	.name = "stats",
	.attrs = sactl_stat_attrs,
};

const struct attribute_group *sactl_stat_groups[] = {
	&sactl_stat_group,
	NULL,
};
