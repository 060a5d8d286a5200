// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the request records sactld reads from the kernel
 * (struct sactl_request), fed through the same path as the device double
 * of the host tests: a real sactld core (sactld_start(), on a test
 * configuration with rules of every kind) attached to a SOCK_SEQPACKET
 * socket that this target serves.  The input is cut into records of
 * sizeof(struct sactl_request) bytes, each sent as one packet (the last
 * one may be short); a record whose exe_fd field is odd comes with a
 * descriptor of a small file as its executable (SCM_RIGHTS), as the
 * kernel would install one.  Between packets the event loop runs, so
 * device.c (recv_one(), record checks), decide.c, identity.c, query.c,
 * the rules, the store's matching and the decision log lines all see the
 * records.  A prompt agent (root's, answering for all users) is connected
 * too and answers every ASK at once, as the input's first byte says
 * (allow or deny, once or until the process exits, and a scope), so the
 * prompt server and remembering answers in memory are on the path.
 * Its files live in a /tmp/fuzz_device.XXXXXX directory, removed at exit
 * (all but the executable already once everything is open).
 * Checked beyond "no crash":
 *   - every well-formed record (size and version right) gets exactly one
 *     answer, with its id, before the next input: nobody is left waiting;
 *   - a malformed one gets none;
 *   - every answer is one the module accepts (sactl_response_valid() in
 *     kernel/sactl/device.c): allow with no errno, or deny with an errno
 *     in 0..4095 but not one of the kernel's own (512..531), flags and
 *     reserved zero.
 * Seeds: tests/fuzz/corpus/device/, one or more records per file
 * (tests/fuzz/mkseeds_device.py wrote them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>
#include <linux/sactl.h>

#include "daemon.h"
#include "log.h"
#include "sactl/wire.h"

#define MAX_RECORDS	256

static struct ev_loop *loop;
static struct sactld *daemon_;
static char dir[64];
static int lfd = -1, srv = -1, exe_fd = -1, agent = -1;
static struct wire_reader agent_in;
static uint8_t answer_mode;

static const char config_text[] =
	"sactld = {\n"
	"  default = \"deny\";\n"
	"  prompt_timeout = 1;\n"
	"  root_answers_all = true;\n"
	"  log_level = \"info\";\n"
	"  cache = true;\n"
	"  state_dir = \"%1$s/state\";\n"
	"  prompt_socket = \"%1$s/prompt.sock\";\n"
	"  control_socket = \"%1$s/control.sock\";\n"
	"};\n"
	"rules = (\n"
	"  { action = \"allow\"; op = \"socket\"; proto = ( \"tcp\", \"udp\", \"icmp\" ); },\n"
	"  { action = \"allow\"; exe = \"%1$s/exe\"; op = \"connect\";\n"
	"    remote = ( \"127.0.0.0/8\", \"::1\" ); port = ( 80, \"8000-8999\" ); },\n"
	"  { action = \"deny\"; exe = \"/usr/bin/*\"; errno = \"ECONNREFUSED\";\n"
	"    remote = \"10.0.0.0/8\"; },\n"
	"  { action = \"allow\"; priority = true; parent = \"/bin/*\"; user = ( 0, 1000 );\n"
	"    op = ( \"bind\", \"listen\", \"accept\" ); local = \"0.0.0.0/0\"; local_port = 22; },\n"
	"  { action = \"deny\"; group = ( 100 ); family = \"inet6\"; proto = \"raw\"; },\n"
	"  { action = \"allow\"; op = \"send\"; proto = \"udp\"; port = 53;\n"
	"    sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"; }\n"
	");\n";

/* Remove our files; the executable only with @all (rules name its path). */
static void cleanup_files(bool all)
{
	static const char *const files[] = {
		"sactl.conf", "dev.sock", "prompt.sock", "control.sock", "exe",
	};
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) - !all; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	rmdir(path);
	rmdir(dir);
}

static void cleanup(void)
{
	if (daemon_)
		sactld_stop(daemon_);
	daemon_ = NULL;
	cleanup_files(true);
}

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_device: %s: %s\n", what, why);
	abort();
}

static void agent_send(const struct wire_msg *m)
{
	struct wire_buf b;
	char err[256];

	wire_buf_init(&b, WIRE_MAX_FRAME);
	if (wire_encode(m, &b, err, sizeof(err)))
		fail("encode", err);
	/* A few dozen bytes into an empty socket buffer: never partial. */
	if (wire_buf_flush(&b, agent) != 0)
		fail("agent", "cannot send");
	wire_buf_free(&b);
}

/* The agent reads what sactld sent and answers each ASK; true if any. */
static bool agent_serve(void)
{
	static const uint8_t scopes[] = { WIRE_DESTINATION, WIRE_PORT, WIRE_PROGRAM };
	struct wire_msg m, ans;
	char err[256];
	bool any = false;
	ssize_t n;
	int r;

	while ((n = wire_reader_read(&agent_in, agent)) > 0 || n == -ENOBUFS) {
		any = true;
		while ((r = wire_reader_next(&agent_in, &m, err, sizeof(err))) == 1) {
			if (m.type == WIRE_ERROR)
				fail("agent got ERROR", wire_str(&m, WIRE_T_TEXT));
			if (m.type == WIRE_ASK) {
				wire_msg_init(&ans, WIRE_ANSWER);
				wire_set_num(&ans, WIRE_T_PROMPT_ID,
					     wire_num(&m, WIRE_T_PROMPT_ID, 0));
				wire_set_num(&ans, WIRE_T_VERDICT, answer_mode & 1 ?
					     WIRE_ALLOW : WIRE_DENY);
				wire_set_num(&ans, WIRE_T_DURATION, answer_mode & 2 ?
					     WIRE_PROCESS : WIRE_ONCE);
				wire_set_num(&ans, WIRE_T_SCOPE,
					     scopes[(answer_mode >> 2) % 3]);
				agent_send(&ans);
			}
			wire_msg_clear(&m);
		}
		if (r < 0)
			fail("agent", err);
	}
	if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR))
		fail("agent", "sactld hung up");
	return any;
}

static void setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[128], err[512];
	struct config *cfg;
	FILE *f;

	strcpy(dir, "/tmp/fuzz_device.XXXXXX");
	if (!mkdtemp(dir))
		fail("mkdtemp", strerror(errno));
	atexit(cleanup);

	snprintf(path, sizeof(path), "%s/exe", dir);
	f = fopen(path, "w");
	if (!f || fputs("#!/bin/sh\necho a program\n", f) < 0 || fclose(f))
		fail(path, strerror(errno));
	exe_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (exe_fd < 0)
		fail(path, strerror(errno));

	snprintf(path, sizeof(path), "%s/sactl.conf", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, config_text, dir) < 0 || fclose(f))
		fail(path, strerror(errno));
	chmod(path, 0600);

	/* The device double: listening before sactld attaches to it. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dev.sock", dir);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(lfd, 1))
		fail("device double", strerror(errno));

	/* Decision lines are formatted, not written anywhere. */
	log_set_threshold(LOG_DEBUG);
	loop = ev_loop_new(EVFLAG_AUTO);
	cfg = config_load(path, err, sizeof(err));
	if (!cfg)
		fail("config", err);
	daemon_ = sactld_start(loop, cfg, sun.sun_path, err, sizeof(err));
	if (!daemon_)
		fail("sactld_start", err);
	srv = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (srv < 0)
		fail("accept", strerror(errno));
	close(lfd);

	/* The agent: connected now, its AGENT_HELLO served by the loop. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/prompt.sock", dir);
	agent = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (agent < 0 || connect(agent, (struct sockaddr *)&sun, sizeof(sun)))
		fail("agent", strerror(errno));
	wire_reader_init(&agent_in, WIRE_MAX_FRAME);
	{
		struct wire_msg m;

		wire_msg_init(&m, WIRE_AGENT_HELLO);
		wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
		wire_set_str(&m, WIRE_T_NAME, "fuzz_device");
		agent_send(&m);
	}
	/* Everything is open or connected now: after a crash only the
	 * executable and its directory are left behind. */
	cleanup_files(false);
}

struct expect {
	uint64_t ids[MAX_RECORDS];
	unsigned int answers[MAX_RECORDS];
	size_t n;
};

/* Read every answer sactld has sent; true if there was any. */
static bool drain(struct expect *e)
{
	bool any = false;

	for (;;) {
		struct sactl_response resp;
		ssize_t n = recv(srv, &resp, sizeof(resp), MSG_DONTWAIT | MSG_TRUNC);
		size_t i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return any;
		if (n <= 0)
			fail("recv", n ? strerror(errno) : "sactld hung up");
		any = true;
		if (n != sizeof(resp))
			fail("answer", "not one struct sactl_response");
		if (resp.flags || resp.reserved ||
		    (resp.verdict == SACTL_ALLOW && resp.error) ||
		    (resp.verdict == SACTL_DENY &&
		     (resp.error < 0 || resp.error > 4095 ||
		      (resp.error >= 512 && resp.error <= 531))) ||
		    (resp.verdict != SACTL_ALLOW && resp.verdict != SACTL_DENY))
			fail("answer", "the module would refuse it (EINVAL)");
		for (i = 0; i < e->n; i++)
			if (e->ids[i] == resp.id && !e->answers[i])
				break;
		if (i == e->n)
			fail("answer", "for no request waiting, or a second one");
		e->answers[i]++;
	}
}

/* Run the loop until sactld has nothing more to say. */
static void pump(struct expect *e)
{
	int quiet = 0;

	while (quiet < 2) {
		bool any;

		ev_run(loop, EVRUN_NOWAIT);
		any = drain(e);
		any |= agent_serve();
		quiet = any ? 0 : quiet + 1;
	}
}

static void send_record(const uint8_t *data, size_t n, struct expect *e)
{
	struct sactl_request rec;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, data, n < sizeof(rec) ? n : sizeof(rec));
	if (n == sizeof(rec) && rec.exe_fd >= 0 && (rec.exe_fd & 1)) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &exe_fd, sizeof(int));
	}
	if (n == sizeof(rec) && rec.size == sizeof(rec) &&
	    rec.version == SACTL_ABI_VERSION) {
		e->ids[e->n] = rec.id;
		e->answers[e->n] = 0;
		e->n++;
	}
	while (sendmsg(srv, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail("sendmsg", strerror(errno));
		pump(e);
	}
	pump(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct expect e;
	const size_t rec = sizeof(struct sactl_request);

	if (!daemon_)
		setup();
	e.n = 0;
	answer_mode = size ? data[0] : 0;
	for (size_t off = 0; off < size && e.n < MAX_RECORDS; off += rec)
		send_record(data + off, size - off < rec ? size - off : rec, &e);
	pump(&e);
	for (size_t i = 0; i < e.n; i++)
		if (e.answers[i] != 1)
			fail("request", "well-formed, and never answered");
	return 0;
}
