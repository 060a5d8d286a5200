// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the escape tests: the peer's descriptors, what the peers saw,
 * sactld's log, and esc-try runs (escape.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "escape.h"

/* Under TCG a decision takes a while: be generous, it costs nothing. */
#define LOG_WAIT_MS	10000
#define PEER_WAIT_MS	300

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

const char *work_dir(void)
{
	return env_or("ESC_WORK", WORK_DEFAULT);
}

const char *bin_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", env_or("ESC_BIN", BIN_DEFAULT), name);
	return buf;
}

/* A copy of @src at @dst (replacing it), mode @mode. */
int copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536], tmp[300];
	int in = open(src, O_RDONLY | O_CLOEXEC), out, err = 0;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (in < 0 || out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			err = -EIO;
	if (n < 0 || fchmod(out, mode) || close(out) || rename(tmp, dst))
		err = err ? err : -errno;
	close(in);
	return err;
}

const char *work_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", work_dir(), name);
	return buf;
}

int peers_get(int fd[P_NFDS])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cbuf[CMSG_SPACE(sizeof(int) * P_NFDS)], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int s, err = 0;

	for (int i = 0; i < P_NFDS; i++)
		fd[i] = -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
		 env_or("ESC_PEER", PEER_SOCK_DEFAULT));
	/* AF_UNIX: not sactl's business, so the peer can hand them out. */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) ||
	    recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != 1) {
		err = -errno;
		goto out;
	}
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * P_NFDS)) {
		err = -EPROTO;
		goto out;
	}
	memcpy(fd, CMSG_DATA(c), sizeof(int) * P_NFDS);
out:
	close(s);
	return err ? err : 0;
}

void peers_put(int fd[P_NFDS])
{
	for (int i = 0; i < P_NFDS; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

bool listener_idle(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, PEER_WAIT_MS) == 0;
}

int udp_drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[2048];
	int n = 0;

	/* Loopback delivers at once; wait a little for the first only. */
	if (poll(&p, 1, PEER_WAIT_MS) <= 0)
		return 0;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

static int listeners_in(const char *file, unsigned int port)
{
	char line[512];
	unsigned int lport, state;
	int n = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return 0;
	/* "  sl  local_address rem_address   st ..." local is HEX:PORT. */
	while (fgets(line, sizeof(line), f)) {
		char *colon, *p = strchr(line, ':');

		if (!p || !(colon = strchr(p + 1, ':')))
			continue;
		if (sscanf(colon + 1, "%x %*s %x", &lport, &state) == 2 &&
		    lport == port && state == 0x0a)
			n++;
	}
	fclose(f);
	return n;
}

int listeners_on(unsigned int port)
{
	return listeners_in("/proc/net/tcp", port) +
	       listeners_in("/proc/net/tcp6", port);
}

long snmp(const char *group, const char *field)
{
	char names[2048], vals[2048], *ns, *vs, *n, *v;
	bool six = !field;
	FILE *f = fopen(six ? "/proc/net/snmp6" : "/proc/net/snmp", "re");
	long found = -1;
	size_t glen = strlen(group);

	if (!f)
		return -1;
	if (six) {
		/* "Icmp6InEchos   12" per line. */
		while (fgets(names, sizeof(names), f) && found < 0)
			if (!strncmp(names, group, glen) && names[glen] == ' ')
				found = strtol(names + glen, NULL, 10);
		fclose(f);
		return found;
	}
	/* Pairs of lines: "Icmp: InMsgs InErrors ..." then the values. */
	while (found < 0 && fgets(names, sizeof(names), f) &&
	       fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, group, glen) || names[glen] != ':')
			continue;
		n = strtok_r(names + glen + 1, " \n", &ns);
		v = strtok_r(vals + glen + 1, " \n", &vs);
		for (; n && v; n = strtok_r(NULL, " \n", &ns),
			       v = strtok_r(NULL, " \n", &vs))
			if (!strcmp(n, field)) {
				found = strtol(v, NULL, 10);
				break;
			}
	}
	fclose(f);
	return found;
}

long sactl_stat(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/sactl/stats/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

socklen_t sa_make(struct sockaddr_storage *ss, const char *ip,
		  unsigned int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	return 0;
}

/* Is @line the decision on @pid's @op?  "... pid P uid U OP proto ..." */
static bool line_is(const char *line, pid_t pid, const char *op)
{
	char key[32];
	const char *p;
	size_t oplen = strlen(op);

	snprintf(key, sizeof(key), " pid %d uid ", (int)pid);
	p = strstr(line, key);
	if (!p)
		return false;
	p += strlen(key);
	p += strspn(p, "0123456789");
	return *p == ' ' && !strncmp(p + 1, op, oplen) && p[1 + oplen] == ' ';
}

/* Scan the log once; the last matching line goes to @out. */
static int log_scan(pid_t pid, const char *op, const char *what, char *out,
		    size_t len)
{
	FILE *f = fopen(env_or("ESC_LOG", LOG_DEFAULT), "re");
	char line[2048];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!line_is(line, pid, op) || (what && !strstr(line, what)))
			continue;
		n++;
		if (out) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line);
		}
	}
	fclose(f);
	return n;
}

bool log_denied(pid_t pid, const char *op, const char *what, char *line,
		size_t len)
{
	char buf[2048] = "";

	for (int ms = 0; ms < LOG_WAIT_MS; ms += 50) {
		if (log_scan(pid, op, what, buf, sizeof(buf)))
			break;
		usleep(50 * 1000);
	}
	if (line)
		snprintf(line, len, "%s", buf);
	return !strncmp(buf, "sactld: deny", 12);
}

int log_count(pid_t pid, const char *op)
{
	return log_scan(pid, op, NULL, NULL, 0);
}

int try_start(struct try *t, const char *exe, char *const argv[],
	      const int *keep, uid_t uid, gid_t gid)
{
	int out[2], go[2];

	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		dup2(go[0], 0);
		dup2(out[1], 1);
		/* The fds to pass on lose close-on-exec, at the same number. */
		for (; keep && *keep >= 0; keep++)
			fcntl(*keep, F_SETFD, 0);
		if (gid != (gid_t)-1 && (setgroups(0, NULL) || setgid(gid)))
			_exit(126);
		if (uid != (uid_t)-1 && setuid(uid))
			_exit(126);
		execv(exe, argv);
		_exit(127);
	}
	close(out[1]);
	close(go[0]);
	t->out = out[0];
	t->go = go[1];
	return 0;
}

int try_go(struct try *t)
{
	return write(t->go, "g", 1) == 1 ? 0 : -errno;
}

int try_output(struct try *t, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;
	int status;

	while (got < len - 1 && (n = read(t->out, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(t->out);
	close(t->go);
	if (waitpid(t->pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int try_finish(struct try *t, int *err)
{
	char buf[256];
	int r = try_output(t, buf, sizeof(buf));

	if (sscanf(buf, "errno %d", err) != 1)
		*err = -1;
	return r;
}

int run_try(const char *exe, char *const argv[], const int *keep,
	    uid_t uid, gid_t gid, pid_t *pid, int *err)
{
	struct try t;
	int r = try_start(&t, exe, argv, keep, uid, gid);

	if (r)
		return r;
	*pid = t.pid;
	return try_finish(&t, err);
}
