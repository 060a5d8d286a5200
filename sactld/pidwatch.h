/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tell when a process exits: a pidfd on an ev_io (it becomes readable
 * when the process is gone).  Unlike a pid, a pidfd cannot come to name
 * another process, so checking that the process was the right one right
 * after pidfd_open() is enough.
 */
#ifndef SACTLD_PIDWATCH_H
#define SACTLD_PIDWATCH_H

#include <stdbool.h>
#include <sys/types.h>

#include <ev.h>

struct pidwatch;
typedef void (*pidwatch_fn)(struct pidwatch *w, pid_t pid, void *ctx);

struct pidwatch {
	struct ev_loop *loop;
	ev_io io;
	int fd;			/* -1: not watching */
	pid_t pid;
	pidwatch_fn fn;
	void *ctx;
};

void pidwatch_init(struct pidwatch *w);
/* Watch @pid; @fn runs once, when it exits.  0 or -errno (-ESRCH: gone). */
int pidwatch_start(struct pidwatch *w, struct ev_loop *loop, pid_t pid,
		   pidwatch_fn fn, void *ctx);
void pidwatch_stop(struct pidwatch *w);
bool pidwatch_active(const struct pidwatch *w);

#endif /* SACTLD_PIDWATCH_H */
