// SPDX-License-Identifier: GPL-2.0
/*
 * A request record as a query, and the text forms of its parts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "query.h"
#include "rules.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static const char *const op_names[] = {
	[SACTL_OP_SOCKET] = "socket",
	[SACTL_OP_BIND] = "bind",
	[SACTL_OP_CONNECT] = "connect",
	[SACTL_OP_LISTEN] = "listen",
	[SACTL_OP_ACCEPT] = "accept",
	[SACTL_OP_SEND] = "send",
};

#define N_OPS ARRAY_SIZE(op_names)

const char *op_name(enum sactl_op op)
{
	if ((unsigned int)op < N_OPS && op_names[op])
		return op_names[op];
	return "unknown";
}

int op_from_name(const char *name)
{
	for (size_t i = 0; i < N_OPS; i++)
		if (op_names[i] && !strcmp(op_names[i], name))
			return (int)i;
	return -1;
}

const char *proto_name(int type, int protocol)
{
	int number;

	switch (proto_classify(type, protocol, &number)) {
	case PROTO_TCP:
		return "tcp";
	case PROTO_UDP:
		return "udp";
	case PROTO_ICMP:
		return "icmp";
	case PROTO_RAW:
		return "raw";
	case PROTO_NUMBER:
		break;
	}
	switch (number) {
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_MPTCP:
		return "mptcp";
	default:
		return "other";
	}
}

char *net_addr_format(const struct net_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!len)
		return buf;
	if (!a->present) {
		snprintf(buf, len, "-");
	} else if (a->v4) {
		inet_ntop(AF_INET, a->addr + 12, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, a->port);
	} else {
		inet_ntop(AF_INET6, a->addr, host, sizeof(host));
		if (a->scope_id)
			snprintf(buf, len, "[%s%%%u]:%u", host, a->scope_id,
				 a->port);
		else
			snprintf(buf, len, "[%s]:%u", host, a->port);
	}
	return buf;
}

void net_addr_from_sactl(struct net_addr *out, const struct sactl_sockaddr *in)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(out, 0, sizeof(*out));
	if (in->family == AF_INET) {
		memcpy(out->addr, mapped, sizeof(mapped));
		memcpy(out->addr + 12, in->addr, 4);
		out->v4 = true;
	} else if (in->family == AF_INET6) {
		memcpy(out->addr, in->addr, 16);
		out->v4 = !memcmp(in->addr, mapped, sizeof(mapped));
		out->scope_id = in->scope_id;
	} else {
		return;
	}
	out->present = true;
	out->port = in->port;
}

void query_from_request(struct query *q, const struct sactl_request *rec)
{
	memset(q, 0, sizeof(*q));
	q->id = rec->id;
	q->op = (enum sactl_op)rec->op;
	q->flags = rec->flags;
	q->pid = (pid_t)rec->pid;
	q->tid = (pid_t)rec->tid;
	q->ppid = (pid_t)rec->ppid;
	q->uid = rec->uid;
	q->euid = rec->euid;
	q->gid = rec->gid;
	q->egid = rec->egid;
	q->family = rec->family;
	q->type = rec->type;
	q->protocol = rec->protocol;
	net_addr_from_sactl(&q->local, &rec->local);
	net_addr_from_sactl(&q->remote, &rec->remote);
	q->netns = rec->netns;
	memcpy(q->comm, rec->comm, sizeof(rec->comm));
	q->comm[sizeof(rec->comm)] = '\0';
	if (!(rec->flags & SACTL_REQ_NO_EXE)) {
		q->exe_dev = rec->exe_dev;
		q->exe_ino = rec->exe_ino;
	}
}
