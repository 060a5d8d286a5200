// SPDX-License-Identifier: GPL-2.0
/*
 * sactl-prompt's words, without a display: an ASK frame as the prompt
 * reads it (display-safe strings), the sentence for every operation, the
 * program and process lines, the countdown, and the ANSWER frame an
 * answer becomes (which must pass the codec's own checks).
 */
#include <string.h>

#include "ask.h"
#include "describe.h"

/* TEST_F() has unused parameters; EXPECT_EQ(1, n) compares int and size_t. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

/* A valid ASK: connect from /usr/bin/curl to 93.184.216.34:443 over TCP. */
static void base_ask(struct wire_msg *m)
{
	wire_msg_init(m, WIRE_ASK);
	wire_set_num(m, WIRE_T_PROMPT_ID, 7);
	wire_set_num(m, WIRE_T_OP, WIRE_OP_CONNECT);
	wire_set_num(m, WIRE_T_PID, 1234);
	wire_set_num(m, WIRE_T_PPID, 1200);
	wire_set_num(m, WIRE_T_UID, 1000);
	wire_set_num(m, WIRE_T_FAMILY, 4);
	wire_set_str(m, WIRE_T_PROTO, "tcp");
	wire_set_num(m, WIRE_T_SECONDS_LEFT, 30);
	wire_set_num(m, WIRE_T_DEFAULT, WIRE_DENY);
	wire_set_str(m, WIRE_T_EXE, "/usr/bin/curl");
	wire_set_str(m, WIRE_T_PARENT_EXE, "/usr/bin/bash");
	wire_set_str(m, WIRE_T_LOCAL_ADDR, "0.0.0.0");
	wire_set_num(m, WIRE_T_LOCAL_PORT, 40000);
	wire_set_str(m, WIRE_T_REMOTE_ADDR, "93.184.216.34");
	wire_set_num(m, WIRE_T_REMOTE_PORT, 443);
}

/* What the prompt would say about @m. */
static gchar *action_of(const struct wire_msg *m)
{
	g_autoptr(SactlAsk) ask = sactl_ask_new_from_wire(m);

	return sactl_describe_action(ask);
}

#define EXPECT_ACTION(m, text) do {				\
	g_autofree gchar *got_ = action_of(m);			\
	EXPECT_STREQ(text, got_);				\
} while (0)

TEST(every_operation_in_plain_words)
{
	struct wire_msg m;
	char err[256];

	base_ask(&m);
	ASSERT_EQ(0, wire_msg_check(&m, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_ACTION(&m, "wants to connect to 93.184.216.34, port 443 (TCP)");
	wire_set_num(&m, WIRE_T_FLAGS, WIRE_ASK_FASTOPEN);
	EXPECT_ACTION(&m, "wants to connect to 93.184.216.34, port 443 (TCP, Fast Open)");
	wire_unset(&m, WIRE_T_FLAGS);

	wire_set_num(&m, WIRE_T_FAMILY, 6);
	wire_set_str(&m, WIRE_T_REMOTE_ADDR, "2001:db8::1");
	EXPECT_ACTION(&m, "wants to connect to 2001:db8::1, port 443 (TCP)");

	wire_set_num(&m, WIRE_T_OP, WIRE_OP_SEND);
	wire_set_str(&m, WIRE_T_PROTO, "udp");
	wire_set_num(&m, WIRE_T_REMOTE_PORT, 53);
	EXPECT_ACTION(&m, "wants to send to 2001:db8::1, port 53 (UDP)");

	wire_set_num(&m, WIRE_T_OP, WIRE_OP_ACCEPT);
	wire_set_str(&m, WIRE_T_PROTO, "tcp");
	wire_set_num(&m, WIRE_T_LOCAL_PORT, 8080);
	wire_set_num(&m, WIRE_T_REMOTE_PORT, 51000);
	EXPECT_ACTION(&m, "wants to accept a connection from 2001:db8::1, port 51000, on port 8080 (TCP)");

	wire_set_num(&m, WIRE_T_OP, WIRE_OP_LISTEN);
	wire_set_str(&m, WIRE_T_LOCAL_ADDR, "::");
	EXPECT_ACTION(&m, "wants to accept connections on port 8080 (TCP)");
	wire_set_str(&m, WIRE_T_LOCAL_ADDR, "192.168.1.5");
	EXPECT_ACTION(&m, "wants to accept connections on 192.168.1.5, port 8080 (TCP)");

	wire_set_num(&m, WIRE_T_OP, WIRE_OP_BIND);
	wire_set_str(&m, WIRE_T_LOCAL_ADDR, "0.0.0.0");
	EXPECT_ACTION(&m, "wants to use local port 8080 (TCP)");
	wire_set_str(&m, WIRE_T_LOCAL_ADDR, "127.0.0.1");
	EXPECT_ACTION(&m, "wants to use local address 127.0.0.1, port 8080 (TCP)");

	wire_set_num(&m, WIRE_T_OP, WIRE_OP_SOCKET);
	wire_set_num(&m, WIRE_T_FAMILY, 4);
	EXPECT_ACTION(&m, "wants to open a TCP socket (IPv4)");
}

TEST(address_for_reverse_dns)
{
	static const struct { unsigned int op; const char *addr; } cases[] = {
		{ WIRE_OP_CONNECT, "93.184.216.34" }, { WIRE_OP_SEND, "93.184.216.34" },
		{ WIRE_OP_ACCEPT, "93.184.216.34" }, { WIRE_OP_BIND, "0.0.0.0" },
		{ WIRE_OP_LISTEN, "0.0.0.0" }, { WIRE_OP_SOCKET, NULL },
	};
	struct wire_msg m;

	base_ask(&m);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SactlAsk) ask = NULL;

		wire_set_num(&m, WIRE_T_OP, cases[i].op);
		ask = sactl_ask_new_from_wire(&m);
		EXPECT_STREQ(cases[i].addr ? cases[i].addr : "(none)",
			     sactl_ask_peer_address(ask) ?: "(none)")
			TH_LOG("op %u", cases[i].op);
	}
}

TEST(program_and_process)
{
	struct wire_msg m;
	g_autoptr(SactlAsk) a = NULL, b = NULL, c = NULL;
	g_autofree gchar *name = NULL, *proc = NULL, *name2 = NULL;
	g_autofree gchar *proc2 = NULL, *name3 = NULL, *proc3 = NULL;

	base_ask(&m);
	a = sactl_ask_new_from_wire(&m);
	name = sactl_describe_program(a);
	proc = sactl_describe_process(a);
	EXPECT_STREQ("curl", name);
	EXPECT_STREQ("pid 1234, started by /usr/bin/bash (pid 1200)", proc);

	/* No executable (a file the daemon could not open): the thread name. */
	wire_unset(&m, WIRE_T_EXE);
	wire_unset(&m, WIRE_T_PARENT_EXE);
	wire_set_str(&m, WIRE_T_COMM, "worker");
	b = sactl_ask_new_from_wire(&m);
	name2 = sactl_describe_program(b);
	proc2 = sactl_describe_process(b);
	EXPECT_STREQ("worker", name2);
	EXPECT_STREQ("pid 1234, started by pid 1200", proc2);

	wire_unset(&m, WIRE_T_COMM);
	wire_unset(&m, WIRE_T_PPID);
	c = sactl_ask_new_from_wire(&m);
	name3 = sactl_describe_program(c);
	proc3 = sactl_describe_process(c);
	EXPECT_STREQ("A program", name3);
	EXPECT_STREQ("pid 1234", proc3);
}

/* Its file was swapped with prctl(): the name it gave itself is all there
 * is, and the prompt must not pass it off as the program. */
TEST(replaced_executable_is_not_trusted)
{
	struct wire_msg m;
	g_autoptr(SactlAsk) ask = NULL;
	g_autofree gchar *name = NULL;

	base_ask(&m);
	wire_unset(&m, WIRE_T_EXE);
	wire_set_str(&m, WIRE_T_COMM, "firefox");
	wire_set_num(&m, WIRE_T_FLAGS, WIRE_ASK_NO_EXE | WIRE_ASK_EXE_REPLACED);
	ask = sactl_ask_new_from_wire(&m);
	name = sactl_describe_program(ask);
	EXPECT_STREQ("Unknown program calling itself “firefox”", name);
}

/* A program chooses its own path: it must not be able to reorder the
 * text around it (U+202E) or break the line. */
TEST(hostile_names_are_escaped)
{
	struct wire_msg m;
	g_autoptr(SactlAsk) ask = NULL;
	g_autofree gchar *name = NULL;

	base_ask(&m);
	wire_set_str(&m, WIRE_T_EXE, "/tmp/\xe2\x80\xae" "fdp.exe\x1b[2J");
	ask = sactl_ask_new_from_wire(&m);
	name = sactl_describe_program(ask);
	EXPECT_EQ(NULL, strstr(ask->exe, "\xe2\x80\xae"));
	EXPECT_EQ(NULL, strchr(ask->exe, '\x1b'));
	EXPECT_NE(NULL, strstr(ask->exe, "fdp.exe"));
	EXPECT_EQ(NULL, strstr(name, "\xe2\x80\xae"));
}

TEST(countdown_names_the_default)
{
	g_autofree gchar *deny = sactl_describe_countdown(WIRE_DENY, 27);
	g_autofree gchar *allow = sactl_describe_countdown(WIRE_ALLOW, 1);

	EXPECT_STREQ("Denied in 27 s", deny);
	EXPECT_STREQ("Allowed in 1 s", allow);
}

/* Encode @a and decode it again, as sactld would. */
static int round_trip(const SactlAnswer *a, struct wire_msg *out)
{
	struct wire_msg m;
	struct wire_buf b;
	char err[256];
	int r;

	sactl_answer_to_wire(a, &m);
	wire_buf_init(&b, WIRE_MAX_FRAME);
	r = wire_encode(&m, &b, err, sizeof(err));
	if (!r)
		r = wire_decode(b.data, b.len, out, err, sizeof(err));
	wire_buf_free(&b);
	return r;
}

TEST(answers_are_valid_frames)
{
	SactlAnswer once = { .prompt_id = 9, .verdict = WIRE_ALLOW,
			     .duration = WIRE_ONCE, .scope = WIRE_PROGRAM };
	SactlAnswer minutes = { .prompt_id = 9, .verdict = WIRE_DENY,
				.duration = WIRE_MINUTES, .minutes = 15,
				.scope = WIRE_PORT };
	SactlAnswer forever = { .prompt_id = 10, .verdict = WIRE_ALLOW,
				.duration = WIRE_FOREVER,
				.scope = WIRE_DESTINATION };
	struct wire_msg m;

	/* A one-time answer carries no scope, whatever the buttons said. */
	ASSERT_EQ(0, round_trip(&once, &m));
	EXPECT_EQ(9, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ(WIRE_ALLOW, wire_num(&m, WIRE_T_VERDICT, 0));
	EXPECT_EQ(WIRE_ONCE, wire_num(&m, WIRE_T_DURATION, 99));
	EXPECT_FALSE(wire_has(&m, WIRE_T_SCOPE));
	EXPECT_FALSE(wire_has(&m, WIRE_T_MINUTES));
	wire_msg_clear(&m);

	ASSERT_EQ(0, round_trip(&minutes, &m));
	EXPECT_EQ(WIRE_DENY, wire_num(&m, WIRE_T_VERDICT, 0));
	EXPECT_EQ(WIRE_MINUTES, wire_num(&m, WIRE_T_DURATION, 0));
	EXPECT_EQ(15, wire_num(&m, WIRE_T_MINUTES, 0));
	EXPECT_EQ(WIRE_PORT, wire_num(&m, WIRE_T_SCOPE, 99));
	wire_msg_clear(&m);

	ASSERT_EQ(0, round_trip(&forever, &m));
	EXPECT_EQ(10, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ(WIRE_FOREVER, wire_num(&m, WIRE_T_DURATION, 0));
	EXPECT_EQ(WIRE_DESTINATION, wire_num(&m, WIRE_T_SCOPE, 99));
	EXPECT_FALSE(wire_has(&m, WIRE_T_MINUTES));
	wire_msg_clear(&m);
}

TEST_HARNESS_MAIN
