/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's slab memory, for the memory figures.  /proc/meminfo's Slab
 * total moves by hundreds of kB between two readings (KASAN's quarantine,
 * kmemleak, other tasks), far more than a few hundred requests cost, so
 * the figures diff /proc/slabinfo cache by cache instead and keep the
 * caches that grew with what was measured.
 */
#ifndef SACTL_BENCH_SLAB_H
#define SACTL_BENCH_SLAB_H

#define SLAB_MAX_CACHES 512

struct slab_cache {
	char name[64];
	long active;		/* objects in use */
	long slot;		/* bytes per object: slab pages / objects per slab */
};

struct slab_snap {
	int n;
	struct slab_cache c[SLAB_MAX_CACHES];
};

/* Ask SLUB to give back empty slabs, then read /proc/slabinfo. */
void slab_snapshot(struct slab_snap *s);
/*
 * Print one "PREFIX cache=NAME objs=D slot=BYTES object=BYTES" line per
 * cache whose active objects grew by at least @min_objs from @a to @b
 * (object: the object's own size, without debug metadata).
 */
void slab_print_growth(const char *prefix, const struct slab_snap *a,
		       const struct slab_snap *b, long min_objs);

#endif /* SACTL_BENCH_SLAB_H */
