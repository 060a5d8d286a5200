// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon under test and its doubles: see daemon_double.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "daemon_double.h"

#ifndef SACTLD_BIN
#define SACTLD_BIN "build/userspace-san/sactld"
#endif

const char *sactld_bin(void)
{
	const char *env = getenv("SACTLD");

	return env && *env ? env : SACTLD_BIN;
}

#ifndef SACTLCTL_BIN
#define SACTLCTL_BIN "build/userspace-san/sactlctl"
#endif

const char *sactlctl_bin(void)
{
	const char *env = getenv("SACTLCTL");

	return env && *env ? env : SACTLCTL_BIN;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

bool file_has(const char *path, const char *needle)
{
	char *text = read_file(path);
	bool found = text && strstr(text, needle);

	free(text);
	return found;
}

/* Wait for @needle in the daemon's log (its stderr, -f). */
bool sd_wait_log(struct sd *s, const char *needle, int ms)
{
	long end = now_ms() + ms;

	do {
		if (file_has(s->log, needle))
			return true;
		usleep(20000);
	} while (now_ms() < end);
	return false;
}

/* Count @needle in the log. */
int sd_log_count(struct sd *s, const char *needle)
{
	char *text = read_file(s->log), *p;
	int n = 0;

	for (p = text; p && (p = strstr(p, needle)); p++)
		n++;
	free(text);
	return n;
}

void sd_dump_log(struct sd *s)
{
	char *text = read_file(s->log);

	fprintf(stderr, "---- sactld's log ----\n%s---- end ----\n",
		text ? text : "(none)\n");
	free(text);
}

int write_text(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "we");
	int r;

	if (!f)
		return -1;
	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return fclose(f) || r < 0 ? -1 : 0;
}

/* The config: our sockets and state, @settings, then the @rules list. */
int sd_write_config(struct sd *s, const char *settings, const char *rules)
{
	return write_text(s->conf,
			  "sactld = {\n"
			  "  state_dir = \"%s\";\n"
			  "  prompt_socket = \"%s\";\n"
			  "  control_socket = \"%s\";\n"
			  "  %s\n"
			  "};\n"
			  "rules = (\n%s\n);\n",
			  s->state, s->psock, s->csock, settings, rules);
}

int listen_unix(const char *path, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(fd, 4)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int listen_at(const char *path)
{
	return listen_unix(path, SOCK_SEQPACKET);
}

int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Run sactld with @args (NULL-terminated, after the binary's name). */
pid_t spawn_logged(const char *log, const char *const *argv, char *const *envp)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execve(argv[0], (char *const *)argv, envp ? envp : environ);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

pid_t sd_spawn(struct sd *s, const char *const *args)
{
	const char *argv[16] = { sactld_bin() };
	size_t n = 1;

	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	return spawn_logged(s->log, argv, NULL);
}

/* Wait up to @ms for @pid (our child) to exit; its wait status or -1. */
int wait_exit(pid_t pid, int ms)
{
	long end = now_ms() + ms;
	int status;

	do {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		usleep(10000);
	} while (now_ms() < end);
	return -1;
}

/* Start sactld -f on our config and double; 0 once it is attached. */
int sd_start(struct sd *s)
{
	const char *args[] = { "-f", "-d", "-c", s->conf, "--device", s->dev,
			       "-p", s->pidfile, NULL };
	long end = now_ms() + WAIT_MS;

	unlink(s->pidfile);
	s->pid = sd_spawn(s, args);
	if (s->pid < 0)
		return -1;
	/* The pid file is written once the sockets are ready. */
	while (access(s->pidfile, F_OK)) {
		if (now_ms() > end || waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	if (s->dev_fd >= 0)
		close(s->dev_fd);
	s->dev_fd = accept_within(s->lfd, WAIT_MS);
	return s->dev_fd >= 0 ? 0 : -1;
}

/* SIGTERM and reap: the exit status, which must be 0 (ASan included). */
int sd_stop(struct sd *s)
{
	int status;

	if (s->pid <= 0)
		return 0;
	kill(s->pid, SIGTERM);
	status = wait_exit(s->pid, WAIT_MS);
	if (status < 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	return status;
}

/* ---- the device double ------------------------------------------------- */

void sd_set_parent(struct sactl_request *r, pid_t ppid)
{
	char link[64];
	struct stat st;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)ppid);
	r->ppid = (uint32_t)ppid;
	r->parent_exe_dev = r->parent_exe_ino = 0;
	if (!stat(link, &st)) {
		r->parent_exe_dev = st.st_dev;
		r->parent_exe_ino = st.st_ino;
	}
}

struct sactl_request sd_request(const struct sd *s, uint64_t id, uint16_t port)
{
	struct sactl_request r = {
		.size = sizeof(r), .version = SACTL_ABI_VERSION,
		.op = SACTL_OP_CONNECT, .id = id,
		.pid = (uint32_t)getpid(), .tid = (uint32_t)getpid(),
		.ppid = (uint32_t)getppid(),
		.uid = s->uid, .euid = s->uid, .gid = s->gid, .egid = s->gid,
		.family = AF_INET, .type = SOCK_STREAM, .protocol = IPPROTO_TCP,
		.local = { .family = AF_INET, .port = 40000,
			   .addr = { 127, 0, 0, 1 } },
		.remote = { .family = AF_INET, .port = port,
			    .addr = { 127, 0, 0, 1 } },
	};

	memcpy(r.comm, "true", 5);
	sd_set_parent(&r, getppid());
	return r;
}

/* Send @r with /bin/true as the caller's executable. */
int sd_send(struct sd *s, const struct sactl_request *r)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)r, .iov_len = sizeof(*r) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	n = sendmsg(s->dev_fd, &msg, MSG_NOSIGNAL);
	close(fd);
	return n == sizeof(*r) ? 0 : -EIO;
}

int sd_ask(struct sd *s, uint64_t id, uint16_t port)
{
	struct sactl_request r = sd_request(s, id, port);

	return sd_send(s, &r);
}

/* The next answer, within @ms; -ETIMEDOUT if none. */
int sd_answer(struct sd *s, struct sactl_response *resp, int ms)
{
	struct pollfd p = { .fd = s->dev_fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1 || !(p.revents & POLLIN))
		return -ETIMEDOUT;
	n = recv(s->dev_fd, resp, sizeof(*resp), 0);
	return n == sizeof(*resp) ? 0 : -EIO;
}

/* ---- a wire client (prompt agent or control) ----------------------------- */

int client_send(struct client *c, const struct wire_msg *m)
{
	struct wire_buf b;
	char err[256];
	int r;

	wire_buf_init(&b, WIRE_MAX_FRAME);
	r = wire_encode(m, &b, err, sizeof(err));
	if (!r)
		r = wire_buf_flush(&b, c->fd) ? -EIO : 0;
	wire_buf_free(&b);
	return r;
}

/* The next message within @ms: 1, or 0 on timeout/close/error. */
int client_recv(struct client *c, struct wire_msg *m, int ms)
{
	long end = now_ms() + ms;
	char err[256];

	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = wire_reader_next(&c->in, m, err, sizeof(err));
		long left = end - now_ms();

		if (r)
			return r > 0;
		if (left <= 0 || poll(&p, 1, (int)left) != 1 ||
		    wire_reader_read(&c->in, c->fd) <= 0)
			return 0;
	}
}

void client_adopt(struct client *c, int fd)
{
	wire_reader_init(&c->in, WIRE_MAX_FRAME);
	c->fd = fd;
}

int client_connect(struct client *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	wire_reader_init(&c->in, WIRE_MAX_FRAME);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	return 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	wire_reader_free(&c->in);
}

/* Connect as a prompt agent for our own uid; 0 once HELLO came back. */
int agent_start(struct client *a, struct sd *s)
{
	struct wire_msg m;
	int ok;

	if (client_connect(a, s->psock))
		return -1;
	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_str(&m, WIRE_T_NAME, program_invocation_short_name);
	if (client_send(a, &m))
		return -1;
	ok = client_recv(a, &m, WAIT_MS) && m.type == WIRE_HELLO;
	wire_msg_clear(&m);
	return ok ? 0 : -1;
}

/* The next ASK: its prompt id, with its remote port in *port; 0 if none. */
uint64_t agent_ask(struct client *a, uint16_t *port, int ms)
{
	struct wire_msg m;
	uint64_t id = 0;

	while (client_recv(a, &m, ms)) {
		if (m.type == WIRE_ASK) {
			id = wire_num(&m, WIRE_T_PROMPT_ID, 0);
			if (port)
				*port = (uint16_t)wire_num(&m, WIRE_T_REMOTE_PORT, 0);
			wire_msg_clear(&m);
			break;
		}
		wire_msg_clear(&m);
	}
	return id;
}

int agent_answer(struct client *a, uint64_t prompt, int verdict,
			int duration, int scope)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_PROMPT_ID, prompt);
	wire_set_num(&m, WIRE_T_VERDICT, (uint64_t)verdict);
	wire_set_num(&m, WIRE_T_DURATION, (uint64_t)duration);
	wire_set_num(&m, WIRE_T_SCOPE, (uint64_t)scope);
	return client_send(a, &m);
}

int ctl_call(struct client *ctl, struct wire_msg *m)
{
	if (client_send(ctl, m) || !client_recv(ctl, m, WAIT_MS))
		return -1;
	return m->type;
}

/* ---- the scratch directory ------------------------------------------------ */

int sd_init(struct sd *s, const char *tmpl)
{
	memset(s, 0, sizeof(*s));
	s->lfd = s->dev_fd = -1;
	s->uid = getuid();
	s->gid = getgid();
	if (snprintf(s->dir, sizeof(s->dir), "%s", tmpl) >= (int)sizeof(s->dir))
		return -ENAMETOOLONG;
	if (!mkdtemp(s->dir))
		return -errno;
	snprintf(s->conf, sizeof(s->conf), "%s/sactl.conf", s->dir);
	snprintf(s->state, sizeof(s->state), "%s/state", s->dir);
	snprintf(s->psock, sizeof(s->psock), "%s/prompt.sock", s->dir);
	snprintf(s->csock, sizeof(s->csock), "%s/control.sock", s->dir);
	snprintf(s->dev, sizeof(s->dev), "%s/dev.sock", s->dir);
	snprintf(s->pidfile, sizeof(s->pidfile), "%s/sactld.pid", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/sactld.log", s->dir);
	if (!realpath("/bin/true", s->exe))
		return -errno;
	s->lfd = listen_at(s->dev);
	return s->lfd < 0 ? -errno : 0;
}

void sd_fini(struct sd *s)
{
	if (s->dev_fd >= 0)
		close(s->dev_fd);
	if (s->lfd >= 0)
		close(s->lfd);
	s->dev_fd = s->lfd = -1;
}
