// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the sactl kernel tests; see sactl_test.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sactl_test.h"

/* ---- misc --------------------------------------------------------------- */

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int remaining(long deadline)
{
	long left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

int open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

bool module_loaded(void)
{
	char buf[32] = "";
	int fd = open(SACTL_MODULE_DIR "/initstate", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && !strncmp(buf, "live", 4);
}

const char *sactl_ko_path(void)
{
	const char *p = getenv("SACTL_KO");

	return p && *p ? p : SACTL_KO_DEFAULT;
}

/* ---- the daemon side ---------------------------------------------------- */

#define MAX_SACTL_FDS 8
static int sactl_fds[MAX_SACTL_FDS] = { -1, -1, -1, -1, -1, -1, -1, -1 };

static void close_sactl_fds(void)
{
	for (int i = 0; i < MAX_SACTL_FDS; i++) {
		if (sactl_fds[i] >= 0)
			close(sactl_fds[i]);
		sactl_fds[i] = -1;
	}
}

int sactl_open(int extra_flags)
{
	int fd = open(SACTL_DEV, O_RDWR | O_CLOEXEC | extra_flags);

	if (fd < 0)
		return -1;
	for (int i = 0; i < MAX_SACTL_FDS; i++) {
		if (sactl_fds[i] < 0) {
			sactl_fds[i] = fd;
			break;
		}
	}
	return fd;
}

void sactl_close(int *fd)
{
	if (*fd < 0)
		return;
	for (int i = 0; i < MAX_SACTL_FDS; i++)
		if (sactl_fds[i] == *fd)
			sactl_fds[i] = -1;
	close(*fd);
	*fd = -1;
}

int sactl_recv_raw(int fd, struct sactl_request *req, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	ssize_t n;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, remaining(deadline));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		memset(req, 0, sizeof(*req));
		req->exe_fd = -1;
		n = read(fd, req, sizeof(*req));
		if (n < 0) {
			/* Cancelled between poll and read: keep waiting. */
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (n != REQ_SIZE) {
			fprintf(stderr, "# read of a request returned %zd, not %zd\n",
				n, REQ_SIZE);
			return -EIO;
		}
		return 0;
	}
}

void req_put(struct sactl_request *req)
{
	if (req->exe_fd >= 0)
		close(req->exe_fd);
	req->exe_fd = -1;
}

/* A request of this test (its process group), or of something else? */
static bool req_is_ours(const struct sactl_request *req)
{
	pid_t pgid;

	if (req->pid == 0)	/* not visible: cannot tell, let the test see it */
		return true;
	pgid = getpgid((pid_t)req->pid);
	return pgid >= 0 && pgid == getpgrp();
}

static int recv_filtered(int fd, struct sactl_request *req, int timeout_ms,
			 bool keep)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		int r = sactl_recv_raw(fd, req, remaining(deadline));

		if (r)
			return r;
		if (!req_is_ours(req)) {
			fprintf(stderr,
				"# allowing a request of another process: op %u pid %u comm %.16s\n",
				req->op, req->pid, req->comm);
			req_put(req);
			sactl_allow(fd, req->id);
			continue;
		}
		if (!keep)
			req_put(req);
		return 0;
	}
}

int sactl_recv(int fd, struct sactl_request *req, int timeout_ms)
{
	return recv_filtered(fd, req, timeout_ms, false);
}

int sactl_recv_keep(int fd, struct sactl_request *req, int timeout_ms)
{
	return recv_filtered(fd, req, timeout_ms, true);
}

ssize_t sactl_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

int sactl_answer(int fd, __u64 id, __u32 verdict, __s32 error)
{
	struct sactl_response resp = {
		.id = id,
		.verdict = verdict,
		.error = error,
	};
	ssize_t n = sactl_write(fd, &resp, sizeof(resp));

	if (n < 0)
		return (int)n;
	return n == RESP_SIZE ? 0 : -EIO;
}

int sactl_id_valid(int fd, __u64 id)
{
	return ioctl(fd, SACTL_IOC_ID_VALID, &id) < 0 ? -errno : 0;
}

short sactl_poll(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&pfd, 1, timeout_ms) < 0)
		return -1;
	return pfd.revents;
}

bool sactl_readable(int fd, int timeout_ms)
{
	return fd_readable(fd, timeout_ms);
}

bool fd_readable(int fd, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, remaining(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 && (pfd.revents & POLLIN);
	}
}

/* ---- callers ------------------------------------------------------------ */

#define MAX_CALLERS 64
static pid_t caller_pids[MAX_CALLERS];

static void caller_register(pid_t pid)
{
	for (int i = 0; i < MAX_CALLERS; i++) {
		if (!caller_pids[i]) {
			caller_pids[i] = pid;
			return;
		}
	}
}

static void caller_unregister(pid_t pid)
{
	for (int i = 0; i < MAX_CALLERS; i++)
		if (caller_pids[i] == pid)
			caller_pids[i] = 0;
}

/* waitpid with a timeout: 0 (reaped), -ETIMEDOUT or -errno. */
static int reap(pid_t pid, int *status, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (!remaining(deadline))
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int caller_fork(struct caller *c, caller_fn fn, void *arg,
		       char *const argv[])
{
	int res[2], go[2], ready[2];
	pid_t parent = getpid(), pid;

	memset(c, 0, sizeof(*c));
	c->res_fd = c->go_w = c->ready_r = -1;
	c->res_w = c->go_r = c->ready_w = -1;
	c->arg = arg;
	c->exec = argv != NULL;
	c->out = mmap(NULL, CALLER_OUT * sizeof(long), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->out == MAP_FAILED) {
		c->out = NULL;
		return -errno;
	}
	if (pipe2(res, O_CLOEXEC) || pipe2(go, O_CLOEXEC) ||
	    pipe2(ready, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(120);
		close_sactl_fds();
		close(res[0]);
		close(go[1]);
		close(ready[0]);
		c->res_w = res[1];
		c->go_r = go[0];
		c->ready_w = ready[1];
		c->pid = getpid();
		if (argv) {
			/* The result pipe stays open until the program exits. */
			fcntl(res[1], F_SETFD, 0);
			execv(argv[0], argv);
			_exit(errno == ENOEXEC ? 126 : 127);
		}
		r = fn(c);
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(121);
		_exit(0);
	}
	close(res[1]);
	close(go[0]);
	close(ready[1]);
	c->pid = pid;
	c->res_fd = res[0];
	c->go_w = go[1];
	c->ready_r = ready[0];
	caller_register(pid);
	return 0;
}

int caller_start(struct caller *c, caller_fn fn, void *arg)
{
	return caller_fork(c, fn, arg, NULL);
}

int caller_exec(struct caller *c, char *const argv[])
{
	return caller_fork(c, NULL, NULL, argv);
}

static void caller_close(struct caller *c)
{
	close_fd(&c->res_fd);
	close_fd(&c->go_w);
	close_fd(&c->ready_r);
}

bool caller_finished(struct caller *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->res_fd, .events = POLLIN };

	if (c->done)
		return true;
	if (c->res_fd < 0)
		return true;
	return poll(&pfd, 1, timeout_ms) > 0;
}

int caller_wait(struct caller *c, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = c->res_fd, .events = POLLIN };
	int result, r;
	ssize_t n;

	if (c->done)
		return 0;
	if (c->pid <= 0)
		return -ECHILD;
	for (;;) {
		r = poll(&pfd, 1, remaining(deadline));
		if (r > 0)
			break;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
	n = read(c->res_fd, &result, sizeof(result));
	r = reap(c->pid, &c->status, remaining(deadline) + 1000);
	if (r == -ETIMEDOUT)
		return r;
	caller_unregister(c->pid);
	c->pid = 0;
	caller_close(c);
	c->done = true;
	if (n == (ssize_t)sizeof(result) && !c->exec) {
		c->result = result;
		return 0;
	}
	if (c->exec && WIFEXITED(c->status)) {
		c->result = WEXITSTATUS(c->status);
		return 0;
	}
	c->done = false;
	return -ECHILD;
}

void caller_kill(struct caller *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		if (reap(c->pid, &c->status, WAIT_MS) == 0) {
			caller_unregister(c->pid);
			c->pid = 0;
		}
	}
	caller_close(c);
}

void callers_reap_all(void)
{
	for (int i = 0; i < MAX_CALLERS; i++) {
		int status;

		if (!caller_pids[i])
			continue;
		kill(caller_pids[i], SIGKILL);
		reap(caller_pids[i], &status, WAIT_MS);
		caller_pids[i] = 0;
	}
}

void caller_ready(struct caller *c, long value)
{
	if (write(c->ready_w, &value, sizeof(value)) != sizeof(value))
		_exit(122);
}

void caller_wait_go(struct caller *c)
{
	char b;

	if (read(c->go_r, &b, 1) != 1)
		_exit(123);
}

int caller_wait_ready(struct caller *c, int timeout_ms, long *value)
{
	long v = 0;

	if (!fd_readable(c->ready_r, timeout_ms))
		return -ETIMEDOUT;
	if (read(c->ready_r, &v, sizeof(v)) != sizeof(v))
		return -EPIPE;
	if (value)
		*value = v;
	return 0;
}

void caller_go(struct caller *c)
{
	if (write(c->go_w, "g", 1) != 1)
		fprintf(stderr, "# could not tell caller %d to go: %m\n", c->pid);
}

int caller_do_op(struct caller *c)
{
	struct sock_op *op = c->arg;
	ssize_t n;
	size_t len = op->data ? strlen(op->data) : 0;
	int fd;

	if (op->comm)
		prctl(PR_SET_NAME, op->comm);
	switch (op->kind) {
	case SOP_SOCKET:
		fd = socket(op->family, op->type, op->protocol);
		if (fd < 0)
			return errno;
		c->out[0] = fd;
		close(fd);
		return 0;
	case SOP_BIND:
		return ERRNO_OF(bind(op->fd, (struct sockaddr *)&op->addr,
				     op->addrlen));
	case SOP_CONNECT:
		return ERRNO_OF(connect(op->fd, (struct sockaddr *)&op->addr,
					op->addrlen));
	case SOP_LISTEN:
		return ERRNO_OF(listen(op->fd, 16));
	case SOP_ACCEPT:
		fd = accept(op->fd, NULL, NULL);
		if (fd < 0)
			return errno;
		c->out[0] = fd;
		n = write(fd, "ok", 2);
		close(fd);
		return n == 2 ? 0 : 1000;
	case SOP_SENDTO:
		n = sendto(op->fd, op->data, len, op->flags,
			   (struct sockaddr *)&op->addr, op->addrlen);
		if (n < 0)
			return errno;
		return (size_t)n == len ? 0 : 1000;
	case SOP_SEND:
		n = send(op->fd, op->data, len, op->flags);
		if (n < 0)
			return errno;
		return (size_t)n == len ? 0 : 1000;
	}
	return 1001;
}

int caller_op(struct caller *c, struct sock_op *op)
{
	return caller_start(c, caller_do_op, op);
}

/* ---- addresses and sockets ---------------------------------------------- */

socklen_t make_addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
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

uint16_t addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

socklen_t local_addr(int fd, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (getsockname(fd, (struct sockaddr *)ss, &len) < 0)
		return (socklen_t)-1;
	return len;
}

int bound_socket(const char *ip, int type, struct sockaddr_storage *ss,
		 socklen_t *len)
{
	socklen_t l = make_addr(ss, ip, 0);
	int fd, one = 1;

	if (!l)
		return -1;
	fd = socket(ss->ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, l) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0) ||
	    local_addr(fd, ss) == (socklen_t)-1) {
		close(fd);
		return -1;
	}
	if (len)
		*len = l;
	return fd;
}

int tcp_listener(const char *ip, struct sockaddr_storage *ss, socklen_t *len)
{
	return bound_socket(ip, SOCK_STREAM, ss, len);
}

int free_port(const char *ip, int type)
{
	struct sockaddr_storage ss;
	socklen_t l = make_addr(&ss, ip, 0);
	int fd, port = -1;

	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, l) == 0 &&
	    local_addr(fd, &ss) != (socklen_t)-1)
		port = addr_port(&ss);
	close(fd);
	return port;
}

const char *sa_str(const struct sactl_sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->family == AF_INET)
		inet_ntop(AF_INET, sa->addr, a, sizeof(a));
	else if (sa->family == AF_INET6)
		inet_ntop(AF_INET6, sa->addr, a, sizeof(a));
	snprintf(buf, len, "family %u [%s]:%u scope %u", sa->family, a,
		 sa->port, sa->scope_id);
	return buf;
}

bool sa_equal(const struct sactl_sockaddr *sa, const struct sockaddr_storage *ss,
	      char *why, size_t whylen)
{
	static const __u8 zero[16];
	char got[96];
	bool ok;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ok = sa->family == AF_INET &&
		     sa->port == ntohs(sin->sin_port) &&
		     !memcmp(sa->addr, &sin->sin_addr, 4) &&
		     !memcmp(sa->addr + 4, zero, 12);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		ok = sa->family == AF_INET6 &&
		     sa->port == ntohs(sin6->sin6_port) &&
		     sa->scope_id == sin6->sin6_scope_id &&
		     !memcmp(sa->addr, &sin6->sin6_addr, 16);
	} else {
		ok = false;
	}
	if (!ok && why) {
		char want[INET6_ADDRSTRLEN] = "?";

		if (ss->ss_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
				  want, sizeof(want));
		else if (ss->ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
				  want, sizeof(want));
		snprintf(why, whylen, "want family %u [%s]:%u, got %s",
			 ss->ss_family, want, addr_port(ss),
			 sa_str(sa, got, sizeof(got)));
	}
	return ok;
}

bool sa_absent(const struct sactl_sockaddr *sa)
{
	static const struct sactl_sockaddr zero;

	return !memcmp(sa, &zero, sizeof(zero));
}

/* ---- module parameters and counters ------------------------------------- */

static const char *const param_names[] = {
	"timeout_ms", "detached_verdict", "timeout_verdict",
	"overflow_verdict", "max_pending", "max_pending_per_uid", "cache_max",
};
#define NPARAMS (sizeof(param_names) / sizeof(param_names[0]))
static char param_saved[NPARAMS][64];
static bool param_have[NPARAMS];

static void strip_nl(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
}

int param_read(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SACTL_PARAM_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	buf[n] = 0;
	close(fd);
	return 0;
}

int param_write(const char *name, const char *value)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SACTL_PARAM_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return (size_t)n == strlen(value) ? 0 : -EIO;
}

/* The values as the program found them (before any test ran). */
static void __attribute__((constructor)) params_snapshot(void)
{
	for (size_t i = 0; i < NPARAMS; i++) {
		param_have[i] = !param_read(param_names[i], param_saved[i],
					    sizeof(param_saved[i]));
		if (param_have[i])
			strip_nl(param_saved[i]);
	}
}

void params_restore(void)
{
	char cur[64];

	for (size_t i = 0; i < NPARAMS; i++) {
		int r;

		if (!param_have[i])
			continue;
		if (!param_read(param_names[i], cur, sizeof(cur))) {
			strip_nl(cur);
			if (!strcmp(cur, param_saved[i]))
				continue;
		}
		r = param_write(param_names[i], param_saved[i]);
		if (r)
			fprintf(stderr, "# could not restore %s=%s: %s\n",
				param_names[i], param_saved[i], strerror(-r));
	}
}

static void __attribute__((destructor)) params_restore_at_exit(void)
{
	params_restore();
}

int stat_read(const char *name, unsigned long long *value)
{
	char path[256], buf[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SACTL_STATS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	errno = 0;
	*value = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EIO;
	return 0;
}

int stats_read(struct sactl_stats *st)
{
	int r = 0;

	r = r ?: stat_read("requests", &st->requests);
	r = r ?: stat_read("allowed", &st->allowed);
	r = r ?: stat_read("denied", &st->denied);
	r = r ?: stat_read("timeouts", &st->timeouts);
	r = r ?: stat_read("defaults", &st->defaults);
	r = r ?: stat_read("overflows", &st->overflows);
	r = r ?: stat_read("cancelled", &st->cancelled);
	r = r ?: stat_read("pending", &st->pending);
	return r;
}

int stat_wait_ge(const char *name, unsigned long long value, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	unsigned long long v;

	for (;;) {
		if (!stat_read(name, &v) && v >= value)
			return 0;
		if (!remaining(deadline))
			return -ETIMEDOUT;
		sleep_ms(10);
	}
}

/* ---- fixtures ------------------------------------------------------------ */

void sactl_setup(void)
{
	params_restore();
}

void sactl_teardown(void)
{
	callers_reap_all();
	close_sactl_fds();
	params_restore();
}

/* ---- loading and unloading the module ----------------------------------- */

int sactl_module_load(const char *params)
{
	int fd = open(sactl_ko_path(), O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(__NR_finit_module, fd, params ? params : "", 0) ? -errno : 0;
	close(fd);
	return r;
}

bool sactl_module_busy_errno(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EBUSY;
}

int sactl_module_unload_once(void)
{
	return syscall(__NR_delete_module, "sactl", O_NONBLOCK) ? -errno : 0;
}

int sactl_module_unload(int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		int r = sactl_module_unload_once();

		if (!r || !sactl_module_busy_errno(-r) || !remaining(deadline))
			return r;
		sleep_ms(2);
	}
}
