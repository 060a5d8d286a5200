// SPDX-License-Identifier: GPL-2.0
/*
 * Process exit notification by pidfd (Linux 5.3+): no SIGCHLD, no polling,
 * and it works for processes that are not our children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "pidwatch.h"

static void pidwatch_ready(struct ev_loop *loop, ev_io *io, int revents)
{
	struct pidwatch *w = io->data;

	(void)loop;
	(void)revents;
	pidwatch_stop(w);
	/* Last: the callback may free @w. */
	w->fn(w, w->pid, w->ctx);
}

void pidwatch_init(struct pidwatch *w)
{
	w->loop = NULL;
	w->fd = -1;
	w->pid = 0;
	ev_init(&w->io, pidwatch_ready);
	w->io.data = w;
}

int pidwatch_start(struct pidwatch *w, struct ev_loop *loop, pid_t pid,
		   pidwatch_fn fn, void *ctx)
{
	int fd;

	pidwatch_stop(w);
	if (pid <= 0)
		return -ESRCH;
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return -errno;
	w->loop = loop;
	w->fd = fd;
	w->pid = pid;
	w->fn = fn;
	w->ctx = ctx;
	ev_io_set(&w->io, fd, EV_READ);
	ev_io_start(loop, &w->io);
	return 0;
}

void pidwatch_stop(struct pidwatch *w)
{
	if (w->fd < 0)
		return;
	ev_io_stop(w->loop, &w->io);
	close(w->fd);
	w->fd = -1;
}

bool pidwatch_active(const struct pidwatch *w)
{
	return w->fd >= 0;
}
