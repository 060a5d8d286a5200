/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real sactld under test, and what it talks to: a SOCK_SEQPACKET
 * socket served in place of /dev/sactl (the "device double", given to
 * sactld with --device), and wire clients for its prompt and control
 * sockets (or, where a test stands in for sactld, for an agent's
 * connection).  Shared by tests/host/test_daemon.c and the GUI tests
 * (tests/gui), which drive the desktop prompt against the same daemon.
 *
 * Requests carry the uid in struct sd (the caller's own by default), the
 * caller's pid, and /bin/true's descriptor as the caller's executable.
 */
#ifndef SACTL_DAEMON_DOUBLE_H
#define SACTL_DAEMON_DOUBLE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/sactl.h>

#include "sactl/wire.h"

/* Generous: ASan makes the daemon slower, CI machines are shared. */
#define WAIT_MS 10000

struct sd {
	char dir[64];
	char conf[128], state[128], psock[128], csock[128], dev[128];
	char pidfile[128], log[128];
	char exe[PATH_MAX];	/* realpath of /bin/true */
	uid_t uid;		/* the uid and gid requests carry */
	gid_t gid;
	int lfd;		/* the device double, listening */
	int dev_fd;		/* ... and its connection from sactld */
	pid_t pid;		/* the daemon (with -f: our child) */
};

/* $SACTLD if set, else the sanitized build's sactld. */
const char *sactld_bin(void);
/* $SACTLCTL if set, else the sanitized build's sactlctl. */
const char *sactlctl_bin(void);
long now_ms(void);
/* The whole file, NUL-terminated (to be freed), or NULL. */
char *read_file(const char *path);
bool file_has(const char *path, const char *needle);
int write_text(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Run @argv (its [0] a path) with @envp (NULL: ours), its stdout and
 * stderr appended to @log.  Its pid, or -1. */
pid_t spawn_logged(const char *log, const char *const *argv, char *const *envp);
/* A Unix socket of @type (SOCK_STREAM...) listening at @path, or -1. */
int listen_unix(const char *path, int type);
/* The device double's: SOCK_SEQPACKET. */
int listen_at(const char *path);
int accept_within(int lfd, int ms);
/* Wait up to @ms for @pid (our child) to exit; its wait status or -1. */
int wait_exit(pid_t pid, int ms);

/*
 * A scratch directory @tmpl (a mkdtemp() template) with the paths of the
 * daemon's files in it, and the device double listening.  0 or -errno.
 */
int sd_init(struct sd *s, const char *tmpl);
/* Close the double (the daemon must be stopped); the directory stays. */
void sd_fini(struct sd *s);
/* The config: our sockets and state, @settings, then the @rules list. */
int sd_write_config(struct sd *s, const char *settings, const char *rules);
/* Run sactld with @args (NULL-terminated, after the binary's name). */
pid_t sd_spawn(struct sd *s, const char *const *args);
/* Start sactld -f on our config and double; 0 once it is attached. */
int sd_start(struct sd *s);
/* SIGTERM and reap: the exit status, which must be 0 (ASan included). */
int sd_stop(struct sd *s);
/* Wait for @needle in the daemon's log (its stderr, -f). */
bool sd_wait_log(struct sd *s, const char *needle, int ms);
int sd_log_count(struct sd *s, const char *needle);
void sd_dump_log(struct sd *s);

/* A connect() by us to 127.0.0.1:@port, from 127.0.0.1:40000. */
struct sactl_request sd_request(const struct sd *s, uint64_t id, uint16_t port);
/* Make @ppid @r's parent, with the file it runs now (as the module does). */
void sd_set_parent(struct sactl_request *r, pid_t ppid);
/* Send @r with /bin/true as the caller's executable. */
int sd_send(struct sd *s, const struct sactl_request *r);
int sd_ask(struct sd *s, uint64_t id, uint16_t port);
/* The next answer, within @ms; -ETIMEDOUT if none. */
int sd_answer(struct sd *s, struct sactl_response *resp, int ms);

/* A wire client: a prompt agent or a control client. */
struct client {
	int fd;
	struct wire_reader in;
};

int client_connect(struct client *c, const char *path);
/* A client on the connected (e.g. accepted) socket @fd, which it owns. */
void client_adopt(struct client *c, int fd);
void client_close(struct client *c);
int client_send(struct client *c, const struct wire_msg *m);
/* The next message within @ms: 1, or 0 on timeout/close/error. */
int client_recv(struct client *c, struct wire_msg *m, int ms);
/* One control request; the reply's type, with the reply in @m. */
int ctl_call(struct client *ctl, struct wire_msg *m);

/* Connect as a prompt agent for our own uid; 0 once HELLO came back. */
int agent_start(struct client *a, struct sd *s);
/* The next ASK: its prompt id, with its remote port in *port; 0 if none. */
uint64_t agent_ask(struct client *a, uint16_t *port, int ms);
int agent_answer(struct client *a, uint64_t prompt, int verdict,
		 int duration, int scope);

#endif /* SACTL_DAEMON_DOUBLE_H */
