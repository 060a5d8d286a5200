/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel uevents for one device: tells when /dev/sactl comes (the module
 * was loaded) and goes (unloaded).  Listens to the kernel's own netlink
 * group, not udevd's, so it works on systems without udevd.
 */
#ifndef SACTLD_UDEV_H
#define SACTLD_UDEV_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

struct dev_watch;

/* @added: true on "add", false on "remove". */
typedef void (*dev_watch_fn)(void *ctx, bool added);

/*
 * Watch @subsystem devices named @sysname ("misc", "sactl").  NULL on
 * failure with the reason in @err.
 */
struct dev_watch *dev_watch_new(struct ev_loop *loop, const char *subsystem,
				const char *sysname, dev_watch_fn fn, void *ctx,
				char *err, size_t errlen);
void dev_watch_free(struct dev_watch *w);

#endif /* SACTLD_UDEV_H */
