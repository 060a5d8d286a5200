/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sactl benchmark programs share: a monotonic clock, order
 * statistics, the module's counters and /proc figures.
 * Every program prints its results as "key=value" words on one line per
 * measurement, which bench/report.sh reads.
 */
#ifndef SACTL_BENCH_H
#define SACTL_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define BENCH_STATS "/sys/class/misc/sactl/stats"
/* The loopback port the loops connect and send to (bench-listen serves it). */
#define BENCH_PORT 5001

noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_ns(void);
/* Sorts @v in place; the @p-th percentile (0..100), nearest rank. */
double percentile(double *v, size_t n, double p);
/* A number read from a file (a sysfs counter), or -1 if it cannot be read. */
long read_long(const char *path);
/* A module counter from /sys/class/misc/sactl/stats/, or -1. */
long stat_read(const char *name);
/* A "VmRSS"-like field of /proc/@pid/status in kB, or -1. */
long proc_status_kb(int pid, const char *field);
/* Parse a positive count, or die naming @what. */
long parse_count(const char *s, const char *what);

#endif /* SACTL_BENCH_H */
