/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A decision request as the daemon sees it: the kernel's record plus what
 * the daemon learnt about the caller (executable path, hash, parent).
 * Shared by the rules, the prompt fan-out and the logging.
 */
#ifndef SACTLD_QUERY_H
#define SACTLD_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/sactl.h>

#define SHA256_LEN 32

/*
 * An address, normalised: IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) with
 * v4 set, so one CIDR rule matches both an AF_INET socket and an AF_INET6
 * socket talking to a mapped address.
 */
struct net_addr {
	bool present;		/* the call has such an address */
	bool v4;		/* IPv4 or IPv4-mapped */
	uint8_t addr[16];	/* network order */
	uint16_t port;		/* host order */
	uint32_t scope_id;
};

struct query {
	uint64_t id;			/* the kernel's request id */
	enum sactl_op op;
	uint32_t flags;			/* SACTL_REQ_* */
	pid_t pid, tid, ppid;
	uid_t uid, euid;
	gid_t gid, egid;
	int family, type, protocol;
	struct net_addr local, remote;
	uint32_t netns;
	char comm[17];
	/* Identity; NULL/false when unknown. */
	const char *exe;		/* path as the daemon sees it */
	uint64_t exe_dev, exe_ino;
	bool has_sha256;
	uint8_t sha256[SHA256_LEN];
	const char *parent_exe;
};

/*
 * An op this daemon knows: one a prompt can describe and a remembered
 * answer can name.  A newer module may send others (same ABI version);
 * rules without an `op` still match them, but nobody is asked.
 */
static inline bool op_known(unsigned int op)
{
	return op >= SACTL_OP_SOCKET && op <= SACTL_OP_SEND;
}

/* Fill the kernel's part of @q from @rec (strings left NULL). */
void query_from_request(struct query *q, const struct sactl_request *rec);

/* Text forms for logs, prompts and rules: "connect", "tcp", "[::1]:22". */
const char *op_name(enum sactl_op op);
int op_from_name(const char *name);	/* -1 if unknown */
const char *proto_name(int type, int protocol);
/* "1.2.3.4:80" / "[2001:db8::1]:443" / "-" into buf, returns buf. */
char *net_addr_format(const struct net_addr *a, char *buf, size_t len);
void net_addr_from_sactl(struct net_addr *out, const struct sactl_sockaddr *in);

#endif /* SACTLD_QUERY_H */
