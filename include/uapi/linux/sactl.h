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
/* its executable was swapped by prctl(): not reported, NO_EXE is set too */
#define SACTL_REQ_EXE_REPLACED	0x00000004

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
 * @parent_exe_dev: st_dev of the parent's executable when the request was
 *	made, 0 if unknown (no parent process, or its file was replaced);
 *	/proc/PPID/exe names the same file only if it still matches
 * @parent_exe_ino: st_ino of the parent's executable, likewise
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
	__aligned_u64		parent_exe_dev;
	__aligned_u64		parent_exe_ino;
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

/*
 * THE VERDICT CACHE
 *
 * The daemon may hand the module verdicts it can decide from a request's
 * fields alone (SACTL_IOC_CACHE_ADD), so that matching calls are answered
 * in the kernel without waking it.  For a request, the module looks at
 * every rule that is not expired and matches; the rules of the highest
 * priority among them decide, and among those a deny beats an allow (so a
 * broad allow never shadows an explicit deny of the same priority).  No
 * match: the request goes to the daemon as usual.  The cache is emptied
 * when the daemon closes /dev/sactl and by SACTL_IOC_CACHE_FLUSH (after a
 * reload); its size is capped by the cache_max module parameter.
 */

/* struct sactl_cache_rule.match: the fields that must match */
#define SACTL_MATCH_EXE		0x0001	/* exe_dev and exe_ino */
#define SACTL_MATCH_UID		0x0002	/* uid */
#define SACTL_MATCH_FAMILY	0x0004	/* family (AF_INET, AF_INET6) */
#define SACTL_MATCH_PROTOCOL	0x0008	/* protocol (IPPROTO_*) */
#define SACTL_MATCH_ADDR	0x0010	/* the first prefix_len bits of addr */
#define SACTL_MATCH_PORT	0x0020	/* port_lo <= port <= port_hi */
#define SACTL_MATCH_TYPE	0x0040	/* type (SOCK_STREAM, ...) */
#define SACTL_MATCH_ALL		0x007f

/**
 * struct sactl_cache_rule - a verdict the module may give by itself
 * @size: sizeof(struct sactl_cache_rule)
 * @match: SACTL_MATCH_*; fields not named here match anything
 * @ops: (1 << enum sactl_op) for each operation the rule covers
 * @verdict: SACTL_ALLOW or SACTL_DENY
 * @error: with SACTL_DENY, as in struct sactl_response; 0 with SACTL_ALLOW
 * @priority: a matching rule of a higher priority wins over lower ones
 * @ttl: seconds from now until the rule expires; 0: until flushed
 * @exe_dev: st_dev of the executable, as in struct sactl_request
 * @exe_ino: st_ino of the executable
 * @uid: real user id, in the daemon's user namespace
 * @family: AF_INET or AF_INET6, the socket's family
 * @protocol: IPPROTO_TCP, IPPROTO_UDP, ...
 * @port_lo: lowest port (host order) of the address the operation is
 *	about: the local one for bind and listen, else the peer's
 * @port_hi: highest port, inclusive
 * @prefix_len: leading bits of @addr that must match that address:
 *	1..32 for AF_INET, 1..128 for AF_INET6 (rules with SACTL_MATCH_ADDR
 *	need SACTL_MATCH_FAMILY too)
 * @type: SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ..., the socket's type
 * @reserved1: zero
 * @addr: network byte order; AF_INET in addr[0..3]
 * @cookie: the daemon's own tag for the rule; the module does not use it
 * @exe_ctime_sec: with SACTL_MATCH_EXE, the executable's st_ctim as the
 *	daemon saw it: a file changed since (same inode, new content) no
 *	longer matches, so the daemon looks at it again
 * @exe_ctime_nsec: likewise
 * @reserved2: zero
 */
struct sactl_cache_rule {
	__u32		size;
	__u32		match;
	__u32		ops;
	__u32		verdict;
	__s32		error;
	__s32		priority;
	__u32		ttl;
	__u32		uid;
	__aligned_u64	exe_dev;
	__aligned_u64	exe_ino;
	__u16		family;
	__u16		protocol;
	__u16		port_lo;
	__u16		port_hi;
	__u8		prefix_len;
	__u8		type;
	__u8		reserved1[6];
	__u8		addr[16];
	__aligned_u64	cookie;
	__s64		exe_ctime_sec;
	__u32		exe_ctime_nsec;
	__u32		reserved2;
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
/*
 * Add a rule to the verdict cache.  0; -EINVAL for a malformed rule,
 * -ENOSPC when cache_max rules are there already.
 */
#define SACTL_IOC_CACHE_ADD	_IOW(SACTL_IOC_MAGIC, 2, struct sactl_cache_rule)
/* Empty the verdict cache. */
#define SACTL_IOC_CACHE_FLUSH	_IO(SACTL_IOC_MAGIC, 3)

#endif /* _UAPI_LINUX_SACTL_H */
