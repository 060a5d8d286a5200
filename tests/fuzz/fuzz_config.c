// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: any bytes as sactl.conf.  config_load() must either
 * fail with a message or give rules that can be matched, without a crash,
 * leak or undefined behaviour.  The bytes go to an unlinked temp file read
 * through /proc/self/fd, so nothing is left behind.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy.h"

/*
 * libconfig 1.5 leaks a string token that runs into a syntax error (its
 * grammar has no %destructor): `""` alone does it.  Not ours to fix, so
 * only the scanner's string allocations are suppressed; a config_destroy()
 * we forgot would still show through the parser's other allocations.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static int fd = -1;
static char path[64];

static int setup(void)
{
	char tmp[] = "/tmp/sactl-fuzz-config-XXXXXX";

	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	unlink(tmp);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

/* Match a few fixed queries, so the parsed rules are used, not just built. */
static void exercise(const struct config *c)
{
	static const struct sactl_request recs[] = {
		{ .op = SACTL_OP_CONNECT, .uid = 1000, .euid = 1000,
		  .family = AF_INET, .type = SOCK_STREAM,
		  .remote = { .family = AF_INET, .port = 8080,
			      .addr = { 127, 0, 0, 1 } } },
		{ .op = SACTL_OP_SEND, .family = AF_INET6, .type = SOCK_DGRAM,
		  .remote = { .family = AF_INET6, .port = 53,
			      .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
		{ .op = SACTL_OP_SOCKET, .family = AF_INET, .type = SOCK_RAW,
		  .protocol = 1 },
	};
	static const char *const exes[] = {
		"/bin/busybox", "/usr/lib/apt/methods/http", NULL,
	};

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct match_result m;
		struct query q;
		char buf[64];

		query_from_request(&q, &recs[i]);
		q.exe = exes[i];
		q.parent_exe = "/usr/bin/bash";
		if (policy_decide(c, NULL, &q, 1000, &m))
			rule_origin(m.rule, buf, sizeof(buf));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	char err[1024];

	if (fd < 0 && setup())
		abort();
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	c = config_load(path, err, sizeof(err));
	if (c)
		exercise(c);
	else if (!err[0])
		abort();	/* every failure must say why */
	config_free(c);
	return 0;
}
