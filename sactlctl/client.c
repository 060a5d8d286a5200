// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to sactld: connecting (and telling "not running" from other
 * failures, for the exit code), framed requests and replies, and the
 * messages every command prints the same way.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sactlctl.h"

static void vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("sactlctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fputs("Try 'sactlctl --help'.\n", stderr);
	exit(EXIT_USAGE);
}

void client_connect(struct client *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->path = path;
	if (strlen(path) >= sizeof(sa.sun_path))
		usage_error("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die(EXIT_DAEMON, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
			die(EXIT_NODAEMON, "sactld is not running (nothing listens on %s)",
			    path);
		if (e == EACCES || e == EPERM)
			die(EXIT_DAEMON, "%s: permission denied%s", path,
			    geteuid() ? " (the control socket is for root)" : "");
		die(EXIT_DAEMON, "connect to %s: %s", path, strerror(e));
	}
	wire_reader_init(&c->in, WIRE_MAX_FRAME);
	wire_buf_init(&c->out, 4 * WIRE_MAX_FRAME);
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	wire_reader_free(&c->in);
	wire_buf_free(&c->out);
}

void client_send(struct client *c, const struct wire_msg *m)
{
	char err[256];
	ssize_t left;
	int ret;

	ret = wire_encode(m, &c->out, err, sizeof(err));
	if (ret)
		die(ret == -EINVAL ? EXIT_USAGE : EXIT_DAEMON, "%s", err);
	left = wire_buf_flush(&c->out, c->fd);
	if (left < 0)
		die(EXIT_NODAEMON, "sactld went away (%s)", strerror((int)-left));
}

void client_recv(struct client *c, struct wire_msg *m)
{
	char err[256];
	ssize_t n;
	int ret;

	for (;;) {
		ret = wire_reader_next(&c->in, m, err, sizeof(err));
		if (ret == 1)
			return;
		if (ret < 0)
			die(EXIT_DAEMON, "garbled reply from sactld: %s", err);
		n = wire_reader_read(&c->in, c->fd);
		if (n == 0)
			die(EXIT_NODAEMON, "sactld closed the connection");
		if (n < 0 && n != -EAGAIN)
			die(EXIT_NODAEMON, "reading from sactld: %s", strerror((int)-n));
	}
}

void client_check_reply(struct client *c, struct wire_msg *m, uint16_t also)
{
	char text[1024];

	(void)c;
	if (m->type == WIRE_OK || (also && m->type == also))
		return;
	if (m->type == WIRE_ERROR) {
		wire_display(wire_str(m, WIRE_T_TEXT), text, sizeof(text));
		wire_msg_clear(m);
		die(EXIT_DAEMON, "%s", text);
	}
	die(EXIT_DAEMON, "unexpected %s from sactld", wire_type_name(m->type));
}

uid_t parse_user(const char *s)
{
	struct passwd *pw;
	unsigned long v;
	char *end;

	if (!*s)
		usage_error("empty user name");
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*end && !errno && *s != '-' && v < UINT_MAX)
		return (uid_t)v;
	pw = getpwnam(s);
	if (!pw)
		usage_error("no such user: %s", s);
	return pw->pw_uid;
}

const char *user_label(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s (%u)", pw->pw_name, (unsigned int)uid);
	else
		snprintf(buf, len, "uid %u", (unsigned int)uid);
	return buf;
}
