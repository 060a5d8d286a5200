/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sactlctl: the command line of sactl.  Shared by its command files.
 */
#ifndef SACTLCTL_H
#define SACTLCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sactl/wire.h"

#define SACTLCTL_VERSION	"sactlctl 0.1"

/* Exit codes (sysexits.h where one fits). */
#define EXIT_DAEMON	1	/* sactld said no, or another error */
#define EXIT_USAGE	2
#define EXIT_NODAEMON	69	/* EX_UNAVAILABLE: sactld is not running */

struct options {
	const char *control_socket;
	const char *prompt_socket;
};

/* "sactlctl: " + message on stderr. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, then exit(@code). */
void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* A usage error: the message, a pointer to --help, exit 2. */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* A connection to one of sactld's sockets (blocking). */
struct client {
	int fd;
	const char *path;
	struct wire_reader in;
	struct wire_buf out;
};

/* Connect or exit (69 if sactld is not there). */
void client_connect(struct client *c, const char *path);
void client_close(struct client *c);
/* Send @m or exit. */
void client_send(struct client *c, const struct wire_msg *m);
/* Next message, blocking; exits if the daemon hangs up or garbles. */
void client_recv(struct client *c, struct wire_msg *m);
/*
 * Turn a reply into an exit: on ERROR print its text and exit 1; on any
 * type other than OK (and @also, if not 0) exit 1 as a protocol error.
 */
void client_check_reply(struct client *c, struct wire_msg *m, uint16_t also);

/* "alice", "1000" or "0" -> uid; exits 2 on an unknown user. */
uid_t parse_user(const char *s);
/* "alice (1000)" or "uid 1000" into @buf. */
const char *user_label(uid_t uid, char *buf, size_t len);

int cmd_status(const struct options *o, int argc, char **argv);
int cmd_reload(const struct options *o, int argc, char **argv);
int cmd_rules(const struct options *o, int argc, char **argv);
int cmd_watch(const struct options *o, int argc, char **argv);
int cmd_prompt(const struct options *o, int argc, char **argv);
int cmd_relay(const struct options *o, int argc, char **argv);

#endif /* SACTLCTL_H */
