// SPDX-License-Identifier: GPL-2.0
/*
 * Framed connections on sactld's Unix sockets; see conn.h.
 */
#define _GNU_SOURCE	/* accept4, struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

/* At most this many accepts per wakeup, so one flood cannot starve the
 * rest of the loop. */
#define ACCEPT_BATCH	16

static void teardown(struct conn *c)
{
	const char *why = c->why[0] ? c->why : NULL;

	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->later);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	wire_reader_free(&c->in);
	wire_buf_free(&c->out);
	c->closed = true;
	/* Last: the owner may free c. */
	c->ops->closed(c, why);
}

void conn_close(struct conn *c, const char *why)
{
	if (c->closed)
		return;
	if (why && !c->why[0])
		snprintf(c->why, sizeof(c->why), "%s", why);
	c->dead = true;
	if (c->busy) {
		/* Inside message(): on_read() finishes the job. */
		ev_io_stop(c->loop, &c->rio);
		return;
	}
	teardown(c);
}

bool conn_alive(const struct conn *c)
{
	return !c->dead && !c->closed;
}

static void later_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, later));

	(void)loop;
	(void)revents;
	conn_close(c, NULL);
}

void conn_fail(struct conn *c, const char *why)
{
	if (!conn_alive(c))
		return;
	snprintf(c->why, sizeof(c->why), "%s", why);
	c->dead = true;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_set(&c->later, 0., 0.);
	ev_timer_start(c->loop, &c->later);
}

void conn_protocol_error(struct conn *c, const char *text)
{
	struct wire_msg m;

	if (c->closed)
		return;
	log_msg(LOG_WARNING, "%s: protocol error: %s, disconnecting",
		c->name, text);
	c->protocol_error = true;
	if (!c->dead) {
		/* Best effort: one try, the peer is going anyway. */
		wire_msg_init(&m, WIRE_ERROR);
		wire_set_str(&m, WIRE_T_TEXT, text);
		wire_set_num(&m, WIRE_T_ERRNO, EPROTO);
		if (wire_encode(&m, &c->out, NULL, 0) == 0)
			(void)wire_buf_flush(&c->out, c->fd);
	}
	snprintf(c->why, sizeof(c->why), "protocol error: %s", text);
	conn_close(c, NULL);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, wio));
	ssize_t left = wire_buf_flush(&c->out, c->fd);
	char why[96];

	(void)revents;
	if (left == 0) {
		ev_io_stop(loop, w);
	} else if (left < 0) {
		snprintf(why, sizeof(why), "write: %s", strerror((int)-left));
		conn_close(c, why);
	}
}

int conn_send(struct conn *c, const struct wire_msg *m)
{
	char err[256], why[300];
	ssize_t left;
	int ret;

	if (!conn_alive(c))
		return -EPIPE;
	ret = wire_encode(m, &c->out, err, sizeof(err));
	if (ret == -ENOBUFS) {
		snprintf(why, sizeof(why), "not reading (%zu bytes queued)",
			 wire_buf_pending(&c->out));
		conn_fail(c, why);
		return ret;
	}
	if (ret) {
		/* Our own message is malformed: a bug, not the peer's fault. */
		log_msg(LOG_ERR, "%s: cannot send %s: %s", c->name,
			wire_type_name(m->type) ? wire_type_name(m->type) : "?", err);
		return ret;
	}
	if (ev_is_active(&c->wio))
		return 0;
	left = wire_buf_flush(&c->out, c->fd);
	if (left < 0) {
		snprintf(why, sizeof(why), "write: %s", strerror((int)-left));
		conn_fail(c, why);
		return (int)left;
	}
	if (left > 0)
		ev_io_start(c->loop, &c->wio);
	return 0;
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, rio));
	char err[256];
	struct wire_msg m;
	ssize_t n;
	int ret;

	(void)loop;
	(void)revents;
	n = wire_reader_read(&c->in, c->fd);
	if (n == -EAGAIN)
		return;
	if (n == 0) {
		conn_close(c, wire_reader_partial(&c->in) ?
			   "hung up in the middle of a frame" : NULL);
		return;
	}
	if (n < 0 && n != -ENOBUFS) {
		snprintf(err, sizeof(err), "read: %s", strerror((int)-n));
		conn_close(c, err);
		return;
	}
	c->busy++;
	while (conn_alive(c)) {
		ret = wire_reader_next(&c->in, &m, err, sizeof(err));
		if (ret == 0)
			break;
		if (ret == -ENOMEM) {
			conn_fail(c, "out of memory");
			break;
		}
		if (ret < 0) {
			c->busy--;
			conn_protocol_error(c, err);
			return;
		}
		err[0] = '\0';
		ret = c->ops->message(c, &m, err, sizeof(err));
		wire_msg_clear(&m);
		if (ret) {
			c->busy--;
			conn_protocol_error(c, err[0] ? err : "rejected message");
			return;
		}
	}
	c->busy--;
	if (c->dead && !ev_is_active(&c->later))
		teardown(c);
}

void conn_init(struct conn *c, struct ev_loop *loop, int fd,
	       const struct conn_cred *cred, const char *name,
	       const struct conn_ops *ops, void *owner,
	       size_t max_frame, size_t max_queue)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->fd = fd;
	c->cred = *cred;
	c->ops = ops;
	c->owner = owner;
	snprintf(c->name, sizeof(c->name), "%s", name);
	wire_reader_init(&c->in, max_frame);
	wire_buf_init(&c->out, max_queue);
	ev_io_init(&c->rio, on_read, fd, EV_READ);
	ev_io_init(&c->wio, on_write, fd, EV_WRITE);
	ev_timer_init(&c->later, later_cb, 0., 0.);
	ev_io_start(loop, &c->rio);
}

void conn_reject(int fd, const char *text, int errnum)
{
	struct wire_buf b;
	struct wire_msg m;

	wire_buf_init(&b, 1024);
	wire_msg_init(&m, WIRE_ERROR);
	wire_set_str(&m, WIRE_T_TEXT, text);
	wire_set_num(&m, WIRE_T_ERRNO, (uint64_t)errnum);
	/* The socket is non-blocking: never wait for this peer. */
	if (wire_encode(&m, &b, NULL, 0) == 0)
		(void)wire_buf_flush(&b, fd);
	wire_buf_free(&b);
	close(fd);
}

/* "what path: reason" into @err; returns -@e. */
static int set_err(char *err, size_t errlen, const char *what,
		   const char *path, int e)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	return -e;
}

/* Create @dir 0755 if missing; refuse one others could write to. */
static int check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0) {
		/* mkdir() obeys the umask; the agents need to get in. */
		if (chmod(dir, 0755) < 0) {
			return set_err(err, errlen, "chmod", dir, errno);
		}
	} else if (errno != EEXIST) {
		return set_err(err, errlen, "mkdir", dir, errno);
	}
	if (lstat(dir, &st) < 0) {
		return set_err(err, errlen, "stat", dir, errno);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "%s: owned by uid %u with mode %04o; it must be ours and not group or world writable",
			 dir, (unsigned int)st.st_uid,
			 (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* A socket left at @path: remove it if nobody listens there. */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return set_err(err, errlen, "stat", sa->sun_path, errno);
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return set_err(err, errlen, "socket for", sa->sun_path, errno);
	}
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (ret == 0) {
		snprintf(err, errlen, "%s: another daemon is listening there",
			 sa->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		return set_err(err, errlen, "unlink", sa->sun_path, errno);
	}
	return 0;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents);

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn_listener *l = (struct conn_listener *)
		((char *)w - offsetof(struct conn_listener, retry));

	(void)revents;
	ev_io_start(loop, &l->io);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn_listener *l = (struct conn_listener *)
		((char *)w - offsetof(struct conn_listener, io));
	struct conn_cred peer;
	struct ucred cred;
	socklen_t len;
	int fd;

	(void)revents;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* Out of descriptors or memory: pause rather than
			 * spin on a socket that stays readable. */
			log_msg(LOG_ERR, "accept on %s: %s; pausing for a second",
				l->path, strerror(errno));
			ev_io_stop(loop, &l->io);
			ev_timer_set(&l->retry, 1., 0.);
			ev_timer_start(loop, &l->retry);
			return;
		}
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    len != sizeof(cred)) {
			log_msg(LOG_WARNING, "%s: no peer credentials: %s",
				l->path, strerror(errno));
			close(fd);
			continue;
		}
		peer.pid = cred.pid;
		peer.uid = cred.uid;
		peer.gid = cred.gid;
		l->accepted(l, fd, &peer);
	}
}

int conn_listen(struct conn_listener *l, struct ev_loop *loop,
		const char *path, mode_t mode,
		void (*accepted)(struct conn_listener *, int,
				 const struct conn_cred *),
		void *owner, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dircopy;
	struct stat st;
	mode_t old;
	int ret;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path '%s' is empty or too long",
			 path ? path : "");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	dircopy = strdup(path);
	l->path = strdup(path);
	if (!dircopy || !l->path) {
		free(dircopy);
		free(l->path);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = check_dir(dirname(dircopy), err, errlen);
	free(dircopy);
	if (!ret)
		ret = clear_stale(&sa, err, errlen);
	if (ret)
		goto fail;
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		ret = set_err(err, errlen, "socket for", path, errno);
		goto fail;
	}
	/* The socket file is born with the right mode: no window in which a
	 * root-only socket is open to everyone. */
	old = umask(~mode & 0777);
	ret = bind(l->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0) {
		/* Not ours (another daemon won a race): leave it alone. */
		ret = set_err(err, errlen, "bind", path, errno);
		goto fail;
	}
	if (chmod(path, mode) < 0 || lstat(path, &st) < 0 ||
	    listen(l->fd, 64) < 0) {
		ret = set_err(err, errlen, "listen on", path, errno);
		unlink(path);
		goto fail;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->loop = loop;
	l->accepted = accepted;
	l->owner = owner;
	ev_io_init(&l->io, on_accept, l->fd, EV_READ);
	ev_timer_init(&l->retry, retry_cb, 1., 0.);
	ev_io_start(loop, &l->io);
	return 0;
fail:
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->path);
	l->path = NULL;
	return ret;
}

void conn_unlisten(struct conn_listener *l)
{
	struct stat st;

	if (l->fd < 0)
		return;
	ev_io_stop(l->loop, &l->io);
	ev_timer_stop(l->loop, &l->retry);
	close(l->fd);
	l->fd = -1;
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
	    st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	l->path = NULL;
}
