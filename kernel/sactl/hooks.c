// SPDX-License-Identifier: GPL-2.0
/*
 * The sactl callouts behind the hooks in net/socket.c: decide which calls
 * are worth a question, describe them, and wait for the verdict.
 */

#include <linux/module.h>
#include <linux/net.h>
#include <linux/sactl.h>
#include <linux/socket.h>
#include <net/sock.h>

#include "internal.h"

/*
 * Start a request for @op on @sock, or decide at once.  Returns the request
 * to fill in and pass to sactl_ask(), or NULL with the verdict in @err.
 */
static struct sactl_req *sactl_begin(struct socket *sock, u16 op, u32 flags,
				     int *err)
{
	struct sactl_req *req;

	*err = 0;
	/* The daemon's own calls would wait for the daemon. */
	if (sactl_is_daemon())
		return NULL;
	/* No daemon: answer at once, without building a request. */
	if (!sactl_attached()) {
		*err = sactl_apply_default(op, SACTL_DEFAULT_DETACHED);
		return NULL;
	}
	req = sactl_req_alloc(sock, op, flags);
	if (!req)
		*err = -ENOMEM;
	return req;
}

static int sactl_ask(struct sactl_req *req)
{
	int err = sactl_decide(req);

	sactl_req_put(req);
	return err;
}

static int sactl_hook_create(struct socket *sock, int family, int type,
			     int protocol)
{
	struct sactl_req *req;
	int err;

	req = sactl_begin(sock, SACTL_OP_SOCKET, 0, &err);
	if (!req)
		return err;
	return sactl_ask(req);
}

static int sactl_hook_bind(struct socket *sock, struct sockaddr *addr,
			   int addrlen)
{
	struct sactl_req *req;
	int err;

	req = sactl_begin(sock, SACTL_OP_BIND, 0, &err);
	if (!req)
		return err;
	sactl_addr_from_sockaddr(&req->rec.local, sock, addr, addrlen);
	return sactl_ask(req);
}

static int sactl_hook_connect(struct socket *sock, struct sockaddr *addr,
			      int addrlen)
{
	struct sactl_req *req;
	int err;

	/* AF_UNSPEC disconnects: it reaches nobody. */
	if (addrlen >= (int)sizeof(addr->sa_family) &&
	    addr->sa_family == AF_UNSPEC)
		return 0;
	/* A stream socket connects once; later calls only report progress. */
	if (sock->type == SOCK_STREAM &&
	    READ_ONCE(sock->state) != SS_UNCONNECTED)
		return 0;

	req = sactl_begin(sock, SACTL_OP_CONNECT, 0, &err);
	if (!req)
		return err;
	sactl_addr_from_sock(&req->rec.local, sock, 0);
	sactl_addr_from_sockaddr(&req->rec.remote, sock, addr, addrlen);
	return sactl_ask(req);
}

static int sactl_hook_listen(struct socket *sock, int backlog)
{
	struct sactl_req *req;
	int err;

	req = sactl_begin(sock, SACTL_OP_LISTEN, 0, &err);
	if (!req)
		return err;
	sactl_addr_from_sock(&req->rec.local, sock, 0);
	return sactl_ask(req);
}

static int sactl_hook_accept(struct socket *sock, struct socket *newsock)
{
	struct sactl_req *req;
	int err;

	req = sactl_begin(newsock, SACTL_OP_ACCEPT, 0, &err);
	if (!req)
		return err;
	sactl_addr_from_sock(&req->rec.local, newsock, 0);
	sactl_addr_from_sock(&req->rec.remote, newsock, 1);
	return sactl_ask(req);
}

static int sactl_hook_sendmsg(struct socket *sock, struct msghdr *msg)
{
	const struct sockaddr *addr = msg->msg_name;
	int len = msg->msg_namelen;
	u16 op = SACTL_OP_SEND;
	struct sactl_req *req;
	u32 flags = 0;
	int err;

	if (sock->type == SOCK_STREAM) {
		/* Stream sockets ignore the name, but for TCP Fast Open. */
		if (!(msg->msg_flags & MSG_FASTOPEN) ||
		    READ_ONCE(sock->state) != SS_UNCONNECTED)
			return 0;
		op = SACTL_OP_CONNECT;
		flags = SACTL_REQ_FASTOPEN;
	} else if (sock->sk->sk_family == AF_INET6 && sock->type != SOCK_RAW &&
		   len >= (int)sizeof(addr->sa_family) &&
		   addr->sa_family == AF_UNSPEC) {
		/*
		 * UDP over IPv6 reads AF_UNSPEC as "no name", ping refuses
		 * it; raw IPv6 sockets send to it (sactl_addr_from_sockaddr).
		 */
		return 0;
	}

	req = sactl_begin(sock, op, flags, &err);
	if (!req)
		return err;
	sactl_addr_from_sock(&req->rec.local, sock, 0);
	sactl_addr_from_sockaddr(&req->rec.remote, sock, addr, len);
	return sactl_ask(req);
}

static const struct sactl_ops sactl_hook_ops = {
	.owner		= THIS_MODULE,
	.socket_create	= sactl_hook_create,
	.socket_bind	= sactl_hook_bind,
	.socket_connect	= sactl_hook_connect,
	.socket_listen	= sactl_hook_listen,
	.socket_accept	= sactl_hook_accept,
	.socket_sendmsg	= sactl_hook_sendmsg,
};

int sactl_hooks_register(void)
{
	return sactl_register(&sactl_hook_ops);
}

void sactl_hooks_unregister(void)
{
	sactl_unregister(&sactl_hook_ops);
}
