/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running daemon: the configuration and remembered decisions, the
 * device (attached at start if it is there, then by uevents), the prompt
 * and control servers, and the decision pipeline between them.  main.c
 * does the process side (arguments, fork, pid file, signals).
 */
#ifndef SACTLD_DAEMON_H
#define SACTLD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "policy.h"

#define SACTLD_VERSION		"sactld 0.1"
#define SACTLD_CONFIG		"/etc/sactl/sactl.conf"
#define SACTLD_PIDFILE		"/run/sactld.pid"

struct sactld;

/*
 * Start serving on @loop with @cfg (owned from now on, even on failure):
 * open the state directory, the prompt and control sockets, and the
 * device @device_path: a unix socket there is the test double, anything
 * else is the real device, watched by uevents (it may be missing now).
 * NULL on failure, with the reason in @err.
 */
struct sactld *sactld_start(struct ev_loop *loop, struct config *cfg,
			    const char *device_path, char *err, size_t errlen);
/*
 * SIGHUP: re-read the configuration; a broken file keeps the old one.
 * Also attaches the device if it is there and we are not attached.
 * 0, or -errno with the reason in @err (also logged).
 */
int sactld_reload(struct sactld *d, char *err, size_t errlen);
/* SIGUSR1: close the device so that the module can be unloaded. */
void sactld_release(struct sactld *d);
/*
 * SIGTERM: answer every pending request with the default verdict,
 * withdraw the prompts, close the sockets and the device, free @d.
 */
void sactld_stop(struct sactld *d);

/* For the control requests (control_ops.c). */
struct control_status;
struct extra_rules;
struct config *sactld_config(struct sactld *d);
struct store *sactld_store(struct sactld *d);
struct extra_rules *sactld_extra_rules(struct sactld *d);
/* Rules were added or removed: recheck pending requests. */
void sactld_rules_changed(struct sactld *d);
void sactld_status(struct sactld *d, struct control_status *out);

#endif /* SACTLD_DAEMON_H */
