// SPDX-License-Identifier: GPL-2.0
/*
 * sactl-compat32: a 32-bit (i386) helper of the sactl tests, not a test
 * itself.  It creates an AF_INET stream socket and connects it to
 * 127.0.0.1:<port> through the compat system call entry of a 64-bit kernel,
 * either with socketcall(2) or with the direct i386 socket/connect calls.
 *
 *   sactl-compat32 probe socketcall|direct
 *   sactl-compat32 socketcall|direct <port>
 *
 * Exit status: 0 on success; the errno of the first call that failed;
 * 124 if the direct calls are not available; 125 on bad usage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#ifndef __i386__
#error "sactl-compat32 must be built with -m32"
#endif

/* socketcall(2) call numbers, from <linux/net.h>. */
#define SC_SOCKET	1
#define SC_CONNECT	3

static long sc_socket(int family, int type, int protocol)
{
	unsigned long args[3] = { family, type, protocol };

	return syscall(__NR_socketcall, SC_SOCKET, args);
}

static long sc_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	unsigned long args[3] = { fd, (unsigned long)addr, len };

	return syscall(__NR_socketcall, SC_CONNECT, args);
}

static int have_direct(void)
{
#if defined(__NR_socket) && defined(__NR_connect)
	return 1;
#else
	return 0;
#endif
}

static long direct_socket(int family, int type, int protocol)
{
#ifdef __NR_socket
	return syscall(__NR_socket, family, type, protocol);
#else
	(void)family; (void)type; (void)protocol;
	errno = ENOSYS;
	return -1;
#endif
}

static long direct_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
#ifdef __NR_connect
	return syscall(__NR_connect, fd, addr, len);
#else
	(void)fd; (void)addr; (void)len;
	errno = ENOSYS;
	return -1;
#endif
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int direct, port;
	long fd;
	char *end;

	if (argc != 3)
		return 125;
	if (!strcmp(argv[1], "probe"))
		return strcmp(argv[2], "direct") || have_direct() ? 0 : 124;
	if (!strcmp(argv[1], "direct"))
		direct = 1;
	else if (!strcmp(argv[1], "socketcall"))
		direct = 0;
	else
		return 125;
	if (direct && !have_direct())
		return 124;
	port = (int)strtol(argv[2], &end, 10);
	if (*end || port <= 0 || port > 65535)
		return 125;

	fd = direct ? direct_socket(AF_INET, SOCK_STREAM, 0)
		    : sc_socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return errno;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((direct ? direct_connect((int)fd, (struct sockaddr *)&sin, sizeof(sin))
		    : sc_connect((int)fd, (struct sockaddr *)&sin, sizeof(sin))) < 0)
		return errno;
	close((int)fd);
	return 0;
}
