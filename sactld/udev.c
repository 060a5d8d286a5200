// SPDX-License-Identifier: GPL-2.0
/*
 * A libudev monitor on the "kernel" netlink source, filtered to one
 * subsystem in the kernel (BPF) and to one device name here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libudev.h>

#include "log.h"
#include "udev.h"

struct dev_watch {
	struct ev_loop *loop;
	struct udev *udev;
	struct udev_monitor *mon;
	char *sysname;
	dev_watch_fn fn;
	void *ctx;
	ev_io io;
};

static void dev_watch_event(struct ev_loop *loop, ev_io *io, int revents)
{
	struct dev_watch *w = io->data;
	struct udev_device *dev;

	(void)loop;
	(void)revents;
	/* The monitor's socket is non-blocking: drain it. */
	while ((dev = udev_monitor_receive_device(w->mon))) {
		const char *action = udev_device_get_action(dev);
		const char *name = udev_device_get_sysname(dev);

		if (action && name && !strcmp(name, w->sysname)) {
			log_msg(LOG_DEBUG, "uevent: %s %s", action, name);
			if (!strcmp(action, "add"))
				w->fn(w->ctx, true);
			else if (!strcmp(action, "remove"))
				w->fn(w->ctx, false);
		}
		udev_device_unref(dev);
	}
}

struct dev_watch *dev_watch_new(struct ev_loop *loop, const char *subsystem,
				const char *sysname, dev_watch_fn fn, void *ctx,
				char *err, size_t errlen)
{
	struct dev_watch *w = calloc(1, sizeof(*w));
	const char *what = "out of memory";
	int r = 0;

	if (!w || !(w->sysname = strdup(sysname)))
		goto fail;
	ev_init(&w->io, dev_watch_event);
	w->io.data = w;
	w->loop = loop;
	w->fn = fn;
	w->ctx = ctx;
	what = "udev_new";
	w->udev = udev_new();
	if (!w->udev)
		goto fail;
	/* "kernel": straight from the kernel, no udevd needed. */
	what = "udev_monitor_new_from_netlink(kernel)";
	w->mon = udev_monitor_new_from_netlink(w->udev, "kernel");
	if (!w->mon)
		goto fail;
	what = "udev_monitor_filter_add_match_subsystem_devtype";
	r = udev_monitor_filter_add_match_subsystem_devtype(w->mon, subsystem, NULL);
	if (r < 0)
		goto fail;
	what = "udev_monitor_enable_receiving";
	r = udev_monitor_enable_receiving(w->mon);
	if (r < 0)
		goto fail;
	ev_io_set(&w->io, udev_monitor_get_fd(w->mon), EV_READ);
	ev_io_start(loop, &w->io);
	return w;
fail:
	snprintf(err, errlen, "uevent monitor: %s failed%s%s", what,
		 r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	dev_watch_free(w);
	return NULL;
}

void dev_watch_free(struct dev_watch *w)
{
	if (!w)
		return;
	if (w->mon) {
		ev_io_stop(w->loop, &w->io);
		udev_monitor_unref(w->mon);
	}
	udev_unref(w->udev);
	free(w->sysname);
	free(w);
}
