// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sactl (or its socket double) on the event loop.  Reads are batched;
 * answers are written as they come, one record per write: writes to the
 * device never block, and a request gone meanwhile fails alone (ENOENT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "device.h"
#include "log.h"

struct device {
	struct ev_loop *loop;
	char *path;
	const struct device_ops *ops;
	void *ctx;
	int fd;			/* -1: detached */
	bool is_socket;
	ev_io io;
	ev_timer retry;
	int retries_left;
	/* The double's answers that met a full socket buffer. */
	struct sactl_response *outq;
	size_t outq_len, outq_cap;
	ev_io out_io;
	uint64_t nrequests, nanswers;
};

static void device_readable(struct ev_loop *loop, ev_io *w, int revents);
static void device_writable(struct ev_loop *loop, ev_io *w, int revents);
static void device_retry(struct ev_loop *loop, ev_timer *w, int revents);

struct device *device_new(struct ev_loop *loop, const char *path,
			  const struct device_ops *ops, void *ctx)
{
	struct device *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->path = strdup(path);
	if (!d->path) {
		free(d);
		return NULL;
	}
	d->loop = loop;
	d->ops = ops;
	d->ctx = ctx;
	d->fd = -1;
	ev_init(&d->io, device_readable);
	d->io.data = d;
	ev_init(&d->out_io, device_writable);
	d->out_io.data = d;
	ev_init(&d->retry, device_retry);
	d->retry.data = d;
	return d;
}

void device_free(struct device *d)
{
	if (!d)
		return;
	device_detach(d);
	ev_timer_stop(d->loop, &d->retry);
	free(d->outq);
	free(d->path);
	free(d);
}

const char *device_path(const struct device *d)
{
	return d->path;
}

bool device_attached(const struct device *d)
{
	return d->fd >= 0;
}

bool device_is_double(const struct device *d)
{
	return d->is_socket;
}

uint64_t device_requests(const struct device *d)
{
	return d->nrequests;
}

uint64_t device_answers(const struct device *d)
{
	return d->nanswers;
}

static int check_abi(int fd, char *err, size_t errlen)
{
	struct sactl_abi abi;

	if (ioctl(fd, SACTL_IOC_GET_ABI, &abi)) {
		int e = errno;

		snprintf(err, errlen, "SACTL_IOC_GET_ABI: %s", strerror(e));
		return -e;
	}
	if (abi.version != SACTL_ABI_VERSION ||
	    abi.request_size != sizeof(struct sactl_request) ||
	    abi.response_size != sizeof(struct sactl_response)) {
		snprintf(err, errlen,
			 "ABI mismatch: the module speaks version %u with %u/%u-byte records, sactld version %d with %zu/%zu",
			 abi.version, abi.request_size, abi.response_size,
			 SACTL_ABI_VERSION, sizeof(struct sactl_request),
			 sizeof(struct sactl_response));
		return -EPROTO;
	}
	return 0;
}

static int open_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Blocking connect: a unix connect only waits for a full backlog. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int device_attach(struct device *d, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	if (d->fd >= 0)
		return 0;
	ev_timer_stop(d->loop, &d->retry);
	if (stat(d->path, &st)) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", d->path, strerror(-r));
		return r;
	}
	d->is_socket = S_ISSOCK(st.st_mode);
	if (d->is_socket) {
		fd = open_socket(d->path);
	} else {
		fd = open(d->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s%s", d->path, strerror(-fd),
			 fd == -EBUSY ? " (another sactld attached?)" : "");
		return fd;
	}
	if (!d->is_socket) {
		r = check_abi(fd, err, errlen);
		if (r) {
			close(fd);
			return r;
		}
	}
	d->fd = fd;
	d->outq_len = 0;
	ev_io_set(&d->io, fd, EV_READ);
	ev_io_start(d->loop, &d->io);
	ev_io_set(&d->out_io, fd, EV_WRITE);
	log_msg(LOG_NOTICE, "attached to %s%s", d->path,
		d->is_socket ? " (socket double)" : "");
	if (d->ops->state)
		d->ops->state(d->ctx, true);
	return 0;
}

void device_detach(struct device *d)
{
	if (d->fd < 0)
		return;
	ev_io_stop(d->loop, &d->io);
	ev_io_stop(d->loop, &d->out_io);
	/* Closing is what tells the module: it releases every caller left. */
	close(d->fd);
	d->fd = -1;
	d->outq_len = 0;
	log_msg(LOG_NOTICE, "detached from %s", d->path);
	if (d->ops->state)
		d->ops->state(d->ctx, false);
}

static void try_attach(struct device *d)
{
	char err[256];
	int r = device_attach(d, err, sizeof(err));

	if (!r)
		return;
	if (r == -ENOENT && d->retries_left-- > 0) {
		ev_timer_set(&d->retry, DEVICE_RETRY_MS / 1000.0, 0.);
		ev_timer_start(d->loop, &d->retry);
		return;
	}
	log_msg(LOG_ERR, "cannot attach: %s", err);
}

void device_attach_soon(struct device *d)
{
	if (d->fd >= 0)
		return;
	d->retries_left = DEVICE_RETRIES;
	try_attach(d);
}

static void device_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	try_attach(w->data);
}

/* A record as the kernel writes it; anything else is not ours to answer. */
static bool record_ok(const struct sactl_request *rec)
{
	return rec->size == sizeof(*rec) && rec->version == SACTL_ABI_VERSION;
}

static void deliver(struct device *d, struct sactl_request *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sactl_request *rec = &recs[i];

		if (!record_ok(rec)) {
			log_msg(LOG_ERR, "%s: malformed record (size %u, version %u) ignored",
				d->path, rec->size, rec->version);
			continue;
		}
		/* Detached by an earlier record's handling: just clean up. */
		if (d->fd < 0) {
			if (rec->exe_fd >= 0)
				close(rec->exe_fd);
			continue;
		}
		d->nrequests++;
		d->ops->request(d->ctx, rec);
	}
}

static void read_char(struct device *d)
{
	struct sactl_request recs[DEVICE_BATCH];
	ssize_t n = read(d->fd, recs, sizeof(recs));

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_msg(LOG_ERR, "%s: read: %m", d->path);
		device_detach(d);
		return;
	}
	if (n % (ssize_t)sizeof(recs[0]))
		log_msg(LOG_ERR, "%s: read %zd bytes, not whole records", d->path, n);
	deliver(d, recs, (size_t)n / sizeof(recs[0]));
}

/* One packet of the double: a record, maybe with the executable's fd. */
static int recv_one(struct device *d, struct sactl_request *rec)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = rec, .iov_len = sizeof(*rec) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	int exe_fd = -EBADF;
	ssize_t n = recvmsg(d->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;	/* the test closed its end */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (exe_fd < 0)
				exe_fd = fd;
			else
				close(fd);
		}
	}
	if (n != sizeof(*rec) || (msg.msg_flags & MSG_TRUNC) || !record_ok(rec)) {
		if (exe_fd >= 0)
			close(exe_fd);
		memset(rec, 0, sizeof(*rec));	/* fails record_ok() */
		return 0;
	}
	/* The sender's descriptor number means nothing here. */
	rec->exe_fd = exe_fd;
	return 0;
}

static void read_socket(struct device *d)
{
	struct sactl_request recs[DEVICE_BATCH];
	size_t n = 0;
	int r = 0;

	while (n < DEVICE_BATCH && !(r = recv_one(d, &recs[n])))
		n++;
	deliver(d, recs, n);
	if (r && r != -EAGAIN && r != -EINTR && d->fd >= 0) {
		if (r != -ECONNRESET)
			log_msg(LOG_ERR, "%s: recvmsg: %s", d->path, strerror(-r));
		device_detach(d);
	}
}

static void device_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct device *d = w->data;

	(void)loop;
	(void)revents;
	if (d->is_socket)
		read_socket(d);
	else
		read_char(d);
}

static int send_one(struct device *d, const struct sactl_response *resp)
{
	ssize_t n;

	do {
		if (d->is_socket)
			n = send(d->fd, resp, sizeof(*resp), MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(d->fd, resp, sizeof(*resp));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(*resp) ? 0 : -EIO;
}

static int queue_answer(struct device *d, const struct sactl_response *resp)
{
	if (d->outq_len == d->outq_cap) {
		size_t cap = d->outq_cap ? 2 * d->outq_cap : 16;
		struct sactl_response *q = realloc(d->outq, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		d->outq = q;
		d->outq_cap = cap;
	}
	d->outq[d->outq_len++] = *resp;
	ev_io_start(d->loop, &d->out_io);
	return 0;
}

static void device_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct device *d = w->data;
	size_t done = 0;
	int r = 0;

	(void)revents;
	while (done < d->outq_len && !(r = send_one(d, &d->outq[done])))
		done++;
	memmove(d->outq, d->outq + done, (d->outq_len - done) * sizeof(*d->outq));
	d->outq_len -= done;
	d->nanswers += done;
	if (!d->outq_len)
		ev_io_stop(loop, &d->out_io);
	if (r && r != -EAGAIN) {
		log_msg(LOG_ERR, "%s: send: %s", d->path, strerror(-r));
		device_detach(d);
	}
}

int device_answer(struct device *d, uint64_t id, enum verdict v, int error)
{
	struct sactl_response resp = {
		.id = id,
		.verdict = v == VERDICT_ALLOW ? SACTL_ALLOW : SACTL_DENY,
		.error = v == VERDICT_ALLOW ? 0 : error,
	};
	int r;

	if (d->fd < 0)
		return -ENODEV;
	/* Keep the double's answers in order behind any already queued. */
	if (d->outq_len)
		return queue_answer(d, &resp);
	r = send_one(d, &resp);
	if (!r)
		d->nanswers++;
	else if (r == -EAGAIN && d->is_socket)
		return queue_answer(d, &resp);
	return r;
}

int device_id_valid(struct device *d, uint64_t id)
{
	if (d->fd < 0)
		return -ENODEV;
	if (d->is_socket)
		return 0;
	return ioctl(d->fd, SACTL_IOC_ID_VALID, &id) ? -errno : 0;
}

int device_cache_add(struct device *d, const struct sactl_cache_rule *r)
{
	if (d->fd < 0)
		return -ENODEV;
	return ioctl(d->fd, SACTL_IOC_CACHE_ADD, r) ? -errno : 0;
}

int device_cache_flush(struct device *d)
{
	if (d->fd < 0)
		return -ENODEV;
	return ioctl(d->fd, SACTL_IOC_CACHE_FLUSH) ? -errno : 0;
}
