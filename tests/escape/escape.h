/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the escape tests (the programs of tests/escape).  They run in the
 * test VM while sactld decides on a deny-all configuration, started by
 * tests/vm/escape.sh, which also starts esc-peer (peer.c) before sactld
 * attaches: the peers' sockets were allowed by the module's detached
 * verdict, so a real peer exists without any rule allowing one.
 *
 * Every test makes one attempt, then proves three things: the call failed
 * with sactl's errno, no peer saw anything (listener queue empty, no
 * datagram, counters unchanged), and sactld logged its decision for this
 * very process (by pid, operation and address).
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Where the peers listen (esc-peer), all on loopback. */
#define PORT_TCP	7001	/* listeners nobody may reach (4 and 6) */
#define PORT_UDP	7002	/* datagram sinks nobody may reach (4 and 6) */
#define PORT_PEND	7003	/* listeners with connections waiting */
#define PORT_UCONN	7004	/* sink of a UDP socket connected before attach */
#define PORT_BOUND	7005	/* bound before attach, not listening */
#define PORT_FREE	7010	/* nothing there: bind targets */

/* The peer's descriptors, in the order esc-peer passes them. */
enum peer_fd {
	P_TCP4,		/* listener 127.0.0.1:7001 */
	P_TCP6,		/* listener [::1]:7001 */
	P_UDP4,		/* bound 127.0.0.1:7002 */
	P_UDP6,		/* bound [::1]:7002 */
	P_PEND4,	/* listener 127.0.0.1:7003, connections queued */
	P_PEND6,	/* listener [::1]:7003, connections queued */
	P_CONN_C,	/* TCP client connected (and accepted) before attach */
	P_CONN_S,	/* its accepted server end */
	P_UCONN,	/* UDP socket connected to 127.0.0.1:7004 before attach */
	P_USINK,	/* bound 127.0.0.1:7004 */
	P_UNCONN,	/* UDP socket created before attach, unconnected */
	P_BOUND,	/* TCP socket bound to 127.0.0.1:7005, not listening */
	P_RAW4,		/* raw ICMP socket created before attach */
	P_RAW6,		/* raw ICMPv6 socket created before attach */
	P_NFDS
};
#define PEND_QUEUED	6	/* connections queued on each P_PEND* */

#define PEER_SOCK_DEFAULT	"/tmp/esc/peer.sock"
#define LOG_DEFAULT		"/tmp/esc/sactld.log"
#define BIN_DEFAULT		"/tests/escape"
#define WORK_DEFAULT		"/tmp/esc"

/* Fetch the peer's descriptors (SCM_RIGHTS over $ESC_PEER).  0 or -errno. */
int peers_get(int fd[P_NFDS]);
void peers_put(int fd[P_NFDS]);

/* Nothing arrived: no connection queued, no datagram waiting. */
bool listener_idle(int fd);
/* Datagrams waiting on @fd (read and counted; 0 if none). */
int udp_drain(int fd);
/* LISTEN sockets on @port in /proc/net/tcp and tcp6 of this netns. */
int listeners_on(unsigned int port);
/* A counter of /proc/net/snmp or snmp6, e.g. ("Icmp", "InEchos"),
 * ("Icmp6InEchos", NULL); -1 if not found.
 */
long snmp(const char *group, const char *field);

/* A counter of the module, /sys/class/misc/sactl/stats/NAME; -1 if none. */
long sactl_stat(const char *name);

/* Fill a sockaddr for "127.0.0.1", "::1", "::ffff:127.0.0.1", ... */
socklen_t sa_make(struct sockaddr_storage *ss, const char *ip,
		  unsigned int port);

/*
 * sactld's log line for process @pid's @op ("connect", "send", ...) whose
 * line also holds @what (e.g. "-> 127.0.0.1:7001", or NULL), waited for
 * up to a few seconds.  The line is copied to @line.  true if found and a
 * deny.
 */
bool log_denied(pid_t pid, const char *op, const char *what, char *line,
		size_t len);
/* How many lines of @pid hold @op (for sendmmsg, threads). */
int log_count(pid_t pid, const char *op);

/* $ESC_BIN/name: the helper programs' directory. */
const char *bin_path(const char *name, char *buf, size_t len);
const char *work_dir(void);
/* $ESC_WORK/name: where copies of the helpers go. */
const char *work_path(const char *name, char *buf, size_t len);
/* A copy of @src at @dst (replacing it), mode @mode.  0 or -errno. */
int copy_file(const char *src, const char *dst, mode_t mode);

/*
 * A run of esc-try (try.c), or of @exe, a copy of it: started with @argv
 * (argv[0] may lie), the fds in @keep (-1 ends the list) left open at the
 * same numbers, and as @uid/@gid unless -1.  With "-w" as its first
 * argument it waits for try_go() before its call.  It prints "errno N"
 * (0: the call worked) and exits.
 */
struct try {
	pid_t pid;
	int out;	/* its stdout */
	int go;		/* its stdin */
};
int try_start(struct try *t, const char *exe, char *const argv[],
	      const int *keep, uid_t uid, gid_t gid);
int try_go(struct try *t);
/* Wait for it; its errno report in *err (-1: it reported none). */
int try_finish(struct try *t, int *err);
/* Wait for it; what it printed in @buf. */
int try_output(struct try *t, char *buf, size_t len);
/* try_start + try_finish. */
int run_try(const char *exe, char *const argv[], const int *keep,
	    uid_t uid, gid_t gid, pid_t *pid, int *err);

#endif /* ESCAPE_H */
