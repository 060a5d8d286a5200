/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Framed connections on sactld's Unix sockets (prompt and control), over
 * the daemon's libev loop: the listening socket, accepting with the peer's
 * credentials, reading frames with a bounded streaming decoder, and a
 * bounded output queue.  Shared by prompt.c and control.c.
 *
 * A connection is closed in one place, conn_close(), which calls the
 * owner's closed() last so the owner may free it there.  Failures found
 * while sending (peer gone, queue full) only mark the connection dead and
 * close it from the loop a moment later: a sender may be walking a list
 * of connections and must not see one vanish under it.
 */
#ifndef SACTLD_CONN_H
#define SACTLD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

#include "sactl/wire.h"

struct conn;

/* The peer, as SO_PEERCRED saw it at accept. */
struct conn_cred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

struct conn_ops {
	/*
	 * A message arrived.  0, or -EPROTO with the reason in @err: the peer
	 * then gets ERROR(err), a log line, and is disconnected.
	 */
	int (*message)(struct conn *c, struct wire_msg *m,
		       char *err, size_t errlen);
	/*
	 * The connection is closed (descriptor closed, watchers stopped).
	 * @why is NULL for a peer that hung up cleanly.  The owner may free
	 * the memory holding @c now.
	 */
	void (*closed)(struct conn *c, const char *why);
};

struct conn {
	struct ev_loop *loop;
	int fd;
	struct conn_cred cred;
	ev_io rio, wio;
	ev_timer later;			/* deferred close */
	struct wire_reader in;
	struct wire_buf out;
	const struct conn_ops *ops;
	void *owner;
	char name[64];			/* "agent uid 1000 pid 42", for logs */
	unsigned int busy;		/* inside message(): close afterwards */
	bool dead;			/* close pending */
	bool closed;
	bool protocol_error;		/* closed for one */
	char why[200];
};

/* Start serving @fd (non-blocking); @name is for log lines. */
void conn_init(struct conn *c, struct ev_loop *loop, int fd,
	       const struct conn_cred *cred, const char *name,
	       const struct conn_ops *ops, void *owner,
	       size_t max_frame, size_t max_queue);
/*
 * Queue @m and write what the socket takes.  0, or -errno: then the
 * connection is dead (closed from the loop soon) and nothing was sent.
 */
int conn_send(struct conn *c, const struct wire_msg *m);
/* Close from the loop soon; closed() gets @why. */
void conn_fail(struct conn *c, const char *why);
/* Send ERROR(@text) if possible, log a protocol error, close. */
void conn_protocol_error(struct conn *c, const char *text);
/* Close now (or right after message() returns); calls ops->closed(). */
void conn_close(struct conn *c, const char *why);
/* Neither closed nor about to be. */
bool conn_alive(const struct conn *c);

/* Refuse a fresh peer: one try at sending ERROR(@text, @errnum), close. */
void conn_reject(int fd, const char *text, int errnum);

/* A listening socket. */
struct conn_listener {
	struct ev_loop *loop;
	int fd;
	char *path;
	dev_t dev;
	ino_t ino;			/* to remove only our own socket */
	ev_io io;
	ev_timer retry;			/* after EMFILE and the like */
	/* A new peer: @fd is non-blocking and close-on-exec, and now the
	 * callee's. */
	void (*accepted)(struct conn_listener *l, int fd,
			 const struct conn_cred *cred);
	void *owner;
};

/*
 * Bind @path with @mode.  The parent directory is created 0755 if missing
 * and must then be a directory owned by us and not writable by group or
 * others.  A stale socket at @path is replaced; one with a live listener
 * is an error, and so is any other file.  0 or -errno, why in @err.
 */
int conn_listen(struct conn_listener *l, struct ev_loop *loop,
		const char *path, mode_t mode,
		void (*accepted)(struct conn_listener *, int,
				 const struct conn_cred *),
		void *owner, char *err, size_t errlen);
/* Stop, close, and remove the socket if it is still ours. */
void conn_unlisten(struct conn_listener *l);

#endif /* SACTLD_CONN_H */
