/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the sactl kernel tests: the daemon side (open the
 * device, read a request with a timeout, answer it), "callers" (forked
 * children that make one socket call while the test plays the daemon, and
 * report the result through a pipe), module parameters and counters.
 *
 * The test programs use the kselftest harness of the kernel tree; this
 * header does not include it, so util.c can be linked into each program.
 */
#ifndef SACTL_TEST_H
#define SACTL_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <linux/sactl.h>

#define SACTL_DEV		"/dev/sactl"
#define SACTL_PARAM_DIR		"/sys/module/sactl/parameters"
#define SACTL_STATS_DIR		"/sys/class/misc/sactl/stats"
#define SACTL_MODULE_DIR	"/sys/module/sactl"
#define SACTL_KO_DEFAULT	"/lib/modules/sactl.ko"

/*
 * How long to wait for something that should happen (a request showing up,
 * a caller returning).  Generous: the tests run under TCG emulation on a
 * KASAN + lockdep kernel.  Nothing waits this long when the module works.
 */
#define WAIT_MS			10000

#define REQ_SIZE		((ssize_t)sizeof(struct sactl_request))
#define RESP_SIZE		((ssize_t)sizeof(struct sactl_response))

/* ---- the daemon side ---------------------------------------------------- */

/*
 * Open /dev/sactl (O_RDWR | O_CLOEXEC | extra_flags).  Returns the fd or -1
 * with errno set.  The fd is remembered so that callers forked later close
 * their copy at once: a caller holding the device open would keep it from
 * being released when the test closes it.
 */
int sactl_open(int extra_flags);
/* Close an fd returned by sactl_open() (and forget it). */
void sactl_close(int *fd);

/*
 * Wait up to timeout_ms for the device to be readable and read exactly one
 * request into *req.  Returns 0, -ETIMEDOUT, or -errno of poll/read.  A
 * short read returns -EIO.  req->exe_fd stays open: close it (req_put()).
 */
int sactl_recv_raw(int fd, struct sactl_request *req, int timeout_ms);

/*
 * Like sactl_recv_raw(), but requests of processes outside the test's
 * process group (anything else that runs in the VM) are allowed and
 * skipped, and exe_fd is closed before returning (req->exe_fd = -1).
 */
int sactl_recv(int fd, struct sactl_request *req, int timeout_ms);
/* Like sactl_recv() but exe_fd stays open (close it with req_put()). */
int sactl_recv_keep(int fd, struct sactl_request *req, int timeout_ms);
void req_put(struct sactl_request *req);

/* Write one response.  Returns 0 or -errno; a short write gives -EIO. */
int sactl_answer(int fd, __u64 id, __u32 verdict, __s32 error);
static inline int sactl_allow(int fd, __u64 id)
{
	return sactl_answer(fd, id, SACTL_ALLOW, 0);
}
static inline int sactl_deny(int fd, __u64 id, int error)
{
	return sactl_answer(fd, id, SACTL_DENY, error);
}
/* Raw write of a buffer: bytes written or -errno. */
ssize_t sactl_write(int fd, const void *buf, size_t len);
/* SACTL_IOC_ID_VALID: 0 or -errno. */
int sactl_id_valid(int fd, __u64 id);
/* poll() for POLLIN for up to timeout_ms (0: just look). */
bool sactl_readable(int fd, int timeout_ms);
/* The revents of poll(POLLIN | POLLOUT) with timeout_ms. */
short sactl_poll(int fd, int timeout_ms);

/* ---- callers ------------------------------------------------------------ */

#define CALLER_OUT	32	/* longs of shared memory per caller */

struct caller;
typedef int (*caller_fn)(struct caller *c);

struct caller {
	pid_t pid;		/* 0: not started / reaped */
	int res_fd;		/* parent: the result pipe, read end */
	int go_w;		/* parent: write end of the "go" pipe */
	int ready_r;		/* parent: read end of the "ready" pipe */
	int res_w, go_r, ready_w; /* the child's ends (child only) */
	bool exec;		/* started with caller_exec() */
	bool done;		/* result collected */
	int result;		/* what fn returned (or the exit status) */
	int status;		/* wait status */
	volatile long *out;	/* CALLER_OUT longs shared with the child */
	void *arg;		/* the argument given to caller_start() */
};

/*
 * Fork a caller that runs fn(c) and reports its int result to the parent.
 * The child closes the sactl fds, dies with its parent (PR_SET_PDEATHSIG)
 * and stays in the test's process group.  Returns 0 or -errno.
 */
int caller_start(struct caller *c, caller_fn fn, void *arg);
/*
 * Fork a caller that execs argv[0]; its result is the exit status.
 */
int caller_exec(struct caller *c, char *const argv[]);
/*
 * Wait up to timeout_ms for the caller's result and reap it.
 * Returns 0 (c->result set), -ETIMEDOUT (still running, not reaped) or
 * -ECHILD (died without a result; c->status has the wait status).
 */
int caller_wait(struct caller *c, int timeout_ms);
/* true if the caller has a result or has exited within timeout_ms. */
bool caller_finished(struct caller *c, int timeout_ms);
/* SIGKILL and reap (no-op if not running). */
void caller_kill(struct caller *c);
/* Kill and reap every caller this process started (teardown). */
void callers_reap_all(void);

/* Child side: tell the parent we are ready / wait for its go. */
void caller_ready(struct caller *c, long value);
void caller_wait_go(struct caller *c);
/* Parent side: wait for ready (0, -ETIMEDOUT, -EPIPE) / say go. */
int caller_wait_ready(struct caller *c, int timeout_ms, long *value);
void caller_go(struct caller *c);

/* Errno of a call that returns < 0 on failure, 0 on success. */
#define ERRNO_OF(expr)	((expr) < 0 ? errno : 0)

/* A generic socket operation for callers (arg of caller_do_op). */
enum sock_op_kind {
	SOP_SOCKET,	/* socket(family, type, protocol); closes it */
	SOP_BIND,	/* bind(fd, addr) */
	SOP_CONNECT,	/* connect(fd, addr) */
	SOP_LISTEN,	/* listen(fd, 16) */
	SOP_ACCEPT,	/* accept(fd); writes "ok" to the new socket */
	SOP_SENDTO,	/* sendto(fd, data, flags, addr); 0 if all sent */
	SOP_SEND,	/* send(fd, data, flags); 0 if all sent */
};

struct sock_op {
	enum sock_op_kind kind;
	int fd;
	int family, type, protocol;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int flags;
	const char *data;
	const char *comm;	/* PR_SET_NAME first, if set */
};

/* caller_fn running c->arg as a struct sock_op; result 0 or errno. */
int caller_do_op(struct caller *c);
/* Start a caller doing op. */
int caller_op(struct caller *c, struct sock_op *op);

/* ---- addresses and sockets ---------------------------------------------- */

/* Fill ss with ip:port (family from the address text).  Returns the length. */
socklen_t make_addr(struct sockaddr_storage *ss, const char *ip, uint16_t port);
uint16_t addr_port(const struct sockaddr_storage *ss);
/* getsockname; returns the length or -1. */
socklen_t local_addr(int fd, struct sockaddr_storage *ss);
/* A socket of the family of ip bound to ip:0; listening if TCP.  -1 on error. */
int bound_socket(const char *ip, int type, struct sockaddr_storage *ss,
		 socklen_t *len);
int tcp_listener(const char *ip, struct sockaddr_storage *ss, socklen_t *len);
/* A port that was free a moment ago (bind to 0, read, close). */
int free_port(const char *ip, int type);
/*
 * Does the request address equal the socket address (family, port, address
 * bytes, the bytes after an IPv4 address zero)?  On a mismatch, describe it
 * in why (if not NULL).
 */
bool sa_equal(const struct sactl_sockaddr *sa, const struct sockaddr_storage *ss,
	      char *why, size_t whylen);
/* Is the request address absent (all zero)? */
bool sa_absent(const struct sactl_sockaddr *sa);
/* Text form of a request address, for logs. */
const char *sa_str(const struct sactl_sockaddr *sa, char *buf, size_t len);
/* Wait up to timeout_ms for fd to be readable. */
bool fd_readable(int fd, int timeout_ms);

/* ---- module parameters and counters ------------------------------------- */

/* Read a parameter into buf (trailing newline kept): 0 or -errno. */
int param_read(const char *name, char *buf, size_t len);
/* Write a parameter: 0 or -errno. */
int param_write(const char *name, const char *value);
/*
 * The parameter values as the program found them are recorded when it
 * starts; params_restore() writes them back (setup and teardown call it,
 * so a test killed by its timeout cannot leak a setting into the next).
 */
void params_restore(void);

struct sactl_stats {
	unsigned long long requests, allowed, denied, timeouts, defaults,
			   overflows, cancelled, pending;
};
/* 0 or -errno. */
int stats_read(struct sactl_stats *st);
int stat_read(const char *name, unsigned long long *value);
/* Wait until the counter reaches at least value: 0 or -ETIMEDOUT. */
int stat_wait_ge(const char *name, unsigned long long value, int timeout_ms);

/* ---- loading and unloading the module ----------------------------------- */

/*
 * finit_module() of sactl_ko_path() with the given parameters ("" or NULL
 * for none, e.g. "timeout_ms=300 detached_verdict=deny").  0 or -errno.
 */
int sactl_module_load(const char *params);
/* One delete_module(O_NONBLOCK) of sactl: 0 or -errno (EAGAIN/EWOULDBLOCK
 * while someone holds the module: the open device, a call inside it). */
int sactl_module_unload_once(void);
/* Unload, retrying while the module is in use, for up to timeout_ms. */
int sactl_module_unload(int timeout_ms);
/* Is err (positive) what delete_module() says while the module is in use? */
bool sactl_module_busy_errno(int err);

/* ---- misc ----------------------------------------------------------------- */

/* Common fixture setup/teardown: module parameters as found at start. */
void sactl_setup(void);
void sactl_teardown(void);

long now_ms(void);
void sleep_ms(int ms);
int open_fd_count(void);
bool module_loaded(void);
const char *sactl_ko_path(void);

#endif /* SACTL_TEST_H */
