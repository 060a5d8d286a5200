/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sactl: the /dev/sactl interface between the sactl kernel module and the
 * daemon that decides.
 *
 * The daemon read()s whole struct sactl_request records (several per read
 * if the buffer has room) and write()s struct sactl_response records, one
 * or several per write, to answer them by id.  Every record is fixed-size,
 * naturally aligned and identical for 32-bit and 64-bit user space.  A
 * daemon should check the version and sizes with SACTL_IOC_GET_ABI first.
 */
#ifndef _UAPI_LINUX_SACTL_H
#define _UAPI_LINUX_SACTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SACTL_ABI_VERSION	1

/* The operation a request asks about. */
enum sactl_op {
	SACTL_OP_SOCKET		= 1,	/* socket() */
	SACTL_OP_BIND		= 2,	/* bind() */
	SACTL_OP_CONNECT	= 3,	/* connect(), or sendto(MSG_FASTOPEN) */
	SACTL_OP_LISTEN		= 4,	/* listen() */
	SACTL_OP_ACCEPT		= 5,	/* accept(): the new connection */
	SACTL_OP_SEND		= 6,	/* a datagram to an explicit address */
};

/* struct sactl_request.flags */
#define SACTL_REQ_FASTOPEN	0x00000001 /* connect by TCP Fast Open */
#define SACTL_REQ_NO_EXE	0x00000002 /* no executable (exe_* unset) */

/*
 * An IPv4 or IPv6 socket address.  family is AF_INET (address in addr[0..3])
 * or AF_INET6 (all 16 bytes; an IPv4-mapped address stays as it is), or 0
 * when the call has no such address.  addr is in network byte order, port
 * in host byte order.
 */
struct sactl_sockaddr {
	__u16	family;
	__u16	port;
	__u32	scope_id;
	__u8	addr[16];
};

/**
 * struct sactl_request - a call waiting for a verdict
 * @size: sizeof(struct sactl_request)
 * @version: SACTL_ABI_VERSION
 * @op: enum sactl_op
 * @id: unique for the module's lifetime; answer with this id
 * @flags: SACTL_REQ_*
 * @exe_fd: a read-only, close-on-exec descriptor of the caller's executable,
 *	installed in the reader; negative (-errno) if there is none
 * @exe_dev: st_dev of the executable, as stat(2) reports it
 * @exe_ino: st_ino of the executable
 * @pid: the caller's process id in the reader's pid namespace (0: not visible)
 * @tid: the caller's thread id, likewise
 * @ppid: the caller's parent process id, likewise
 * @uid: real user id in the reader's user namespace (overflowuid: unmapped)
 * @euid: effective user id, likewise
 * @gid: real group id, likewise
 * @egid: effective group id, likewise
 * @netns: inode number of the socket's network namespace
 * @family: AF_INET or AF_INET6, the socket's family
 * @type: SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ...
 * @protocol: IPPROTO_TCP, IPPROTO_UDP, ..., as given to socket() or 0
 * @reserved1: zero
 * @local: the local address: the one bound to (bind), or the socket's own
 * @remote: the peer: the one connected or sent to, or the accepted peer
 * @comm: the caller's thread name (advisory: any program can set it)
 * @reserved: zero
 */
struct sactl_request {
	__u32			size;
	__u16			version;
	__u16			op;
	__aligned_u64		id;
	__u32			flags;
	__s32			exe_fd;
	__aligned_u64		exe_dev;
	__aligned_u64		exe_ino;
	__u32			pid;
	__u32			tid;
	__u32			ppid;
	__u32			uid;
	__u32			euid;
	__u32			gid;
	__u32			egid;
	__u32			netns;
	__u16			family;
	__u16			type;
	__u16			protocol;
	__u16			reserved1;
	struct sactl_sockaddr	local;
	struct sactl_sockaddr	remote;
	char			comm[16];
	__aligned_u64		reserved[2];
};

/* struct sactl_response.verdict */
#define SACTL_ALLOW	1
#define SACTL_DENY	2

/**
 * struct sactl_response - the verdict on a request
 * @id: the request's id
 * @verdict: SACTL_ALLOW or SACTL_DENY
 * @error: with SACTL_DENY, the positive errno the call fails with, or 0
 *	for the default (EPERM, ECONNABORTED for accept); 0 with SACTL_ALLOW
 * @flags: zero
 * @reserved: zero
 */
struct sactl_response {
	__aligned_u64	id;
	__u32		verdict;
	__s32		error;
	__u32		flags;
	__u32		reserved;
};

/**
 * struct sactl_abi - what SACTL_IOC_GET_ABI reports
 * @version: SACTL_ABI_VERSION of the module
 * @request_size: sizeof(struct sactl_request)
 * @response_size: sizeof(struct sactl_response)
 * @reserved: zero
 */
struct sactl_abi {
	__u32	version;
	__u16	request_size;
	__u16	response_size;
	__u32	reserved[2];
};

#define SACTL_IOC_MAGIC		0xB8
/* Report the ABI version and record sizes. */
#define SACTL_IOC_GET_ABI	_IOR(SACTL_IOC_MAGIC, 0, struct sactl_abi)
/*
 * 0 if the request with this id is still waiting for a verdict, -ENOENT if
 * not.  Check it after reading /proc/<pid>/... for a request: the pid may
 * have been reused once the caller went away.
 */
#define SACTL_IOC_ID_VALID	_IOW(SACTL_IOC_MAGIC, 1, __u64)

#endif /* _UAPI_LINUX_SACTL_H */
