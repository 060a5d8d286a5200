// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers of slab.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "slab.h"

/* So that objects freed by an earlier round do not hide in partial slabs. */
static void shrink_all(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300];
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		/* Some caches refuse (no shrink file, aliases): fine. */
		if (fd >= 0) {
			ssize_t ignored = write(fd, "1", 1);

			(void)ignored;
			close(fd);
		}
	}
	if (d)
		closedir(d);
}

void slab_snapshot(struct slab_snap *s)
{
	long page = sysconf(_SC_PAGESIZE);
	char line[512];
	FILE *f;

	shrink_all();
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		die("/proc/slabinfo: %m");
	s->n = 0;
	while (fgets(line, sizeof(line), f) && s->n < SLAB_MAX_CACHES) {
		struct slab_cache *c = &s->c[s->n];
		long num, size, perslab, pages;

		/* name active_objs num_objs objsize objperslab pagesperslab ... */
		if (sscanf(line, "%63s %ld %ld %ld %ld %ld", c->name, &c->active,
			   &num, &size, &perslab, &pages) != 6 || perslab <= 0)
			continue;
		c->slot = pages * page / perslab;
		s->n++;
	}
	fclose(f);
}

static const struct slab_cache *find(const struct slab_snap *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

void slab_print_growth(const char *prefix, const struct slab_snap *a,
		       const struct slab_snap *b, long min_objs)
{
	for (int i = 0; i < b->n; i++) {
		const struct slab_cache *before = find(a, b->c[i].name);
		long grown = b->c[i].active - (before ? before->active : 0);

		char path[128];

		if (grown < min_objs)
			continue;
		/* The object itself, without the debug options' redzones. */
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/object_size",
			 b->c[i].name);
		printf("%s cache=%s objs=%ld slot=%ld object=%ld\n", prefix,
		       b->c[i].name, grown, b->c[i].slot, read_long(path));
	}
}
