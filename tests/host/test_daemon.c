// SPDX-License-Identifier: GPL-2.0
/*
 * sactld end to end on the host: the real binary (built with ASan and
 * UBSan, so every run must also exit cleanly: no leak, no report) with
 * --device pointing at a SOCK_SEQPACKET socket this test serves in place
 * of /dev/sactl, a prompt agent speaking the wire protocol (this test),
 * and sactlctl's control socket (all in daemon_double.c).
 *
 * Every request says the test's uid (0: the host tests run as root), the
 * test's own pid, and passes /bin/true's descriptor as the caller's
 * executable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <linux/sactl.h>

#include "sactl/wire.h"

/* TEST_F() has unused parameters; EXPECT_EQ(1, n) compares int and size_t. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

#include "daemon_double.h"

/* ---- the fixture ---------------------------------------------------------- */

FIXTURE(daemon) {
	struct sd s;
	struct client agent;
};

FIXTURE_SETUP(daemon)
{
	struct sd *s = &self->s;

	self->agent.fd = -1;
	ASSERT_EQ(0, sd_init(s, "/tmp/sactl-daemon.XXXXXX"));
	ASSERT_EQ(0, access(sactld_bin(), X_OK)) TH_LOG("no %s: make -C tests/host", sactld_bin());
}

FIXTURE_TEARDOWN(daemon)
{
	struct sd *s = &self->s;
	char cmd[128];
	int status;

	client_close(&self->agent);
	status = sd_stop(s);
	/* Exit 0: no sanitizer report, no leak, a clean shutdown. */
	EXPECT_EQ(0, status) {
		TH_LOG("sactld's wait status 0x%x", status);
	}
	if (!_metadata->passed)
		sd_dump_log(s);
	sd_fini(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	EXPECT_EQ(0, system(cmd));
}

#define ALLOW_8080 "  { action = \"allow\"; exe = \"%s\"; op = \"connect\"; port = 8080; }"

TEST_F(daemon, rule_allows)
{
	struct sactl_response r;
	char rules[PATH_MAX + 128];

	snprintf(rules, sizeof(rules), ALLOW_8080, self->s.exe);
	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", rules));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 11, 8080));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(11, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	EXPECT_EQ(0, r.error);
	/* One line per decision, naming the program and the rule. */
	EXPECT_TRUE(sd_wait_log(&self->s, "(rule sactl.conf:8)", WAIT_MS));
	EXPECT_TRUE(file_has(self->s.log, "allow: "));
	EXPECT_TRUE(file_has(self->s.log, self->s.exe));
	EXPECT_TRUE(file_has(self->s.log, "connect tcp 127.0.0.1:40000 -> 127.0.0.1:8080"));
}

TEST_F(daemon, rule_denies_with_its_errno)
{
	struct sactl_response r;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"allow\";",
				  "  { action = \"deny\"; errno = \"ECONNREFUSED\"; port = 9090; }"));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 12, 9090));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(12, r.id);
	EXPECT_EQ(SACTL_DENY, r.verdict);
	EXPECT_EQ(ECONNREFUSED, r.error);
	EXPECT_TRUE(sd_wait_log(&self->s, "deny ECONNREFUSED: ", WAIT_MS));
	/* Another port: no rule, no agent, the default (allow). */
	ASSERT_EQ(0, sd_ask(&self->s, 13, 9091));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(13, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
}

TEST_F(daemon, no_rule_no_agent_gets_the_default)
{
	struct sactl_response r;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 14, 443));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(14, r.id);
	EXPECT_EQ(SACTL_DENY, r.verdict);
	EXPECT_EQ(0, r.error);
	EXPECT_TRUE(sd_wait_log(&self->s, "(default (no agent))", WAIT_MS));
}

/* A broken config at start: "sactld: FILE:LINE: what", exit 78, foreground or not. */
TEST_F(daemon, config_error_exits_78)
{
	const char *fg[] = { "-f", "-c", self->s.conf, "--device", self->s.dev,
			     "-p", self->s.pidfile, NULL };
	const char *bg[] = { "-c", self->s.conf, "--device", self->s.dev,
			     "-p", self->s.pidfile, NULL };
	char want[256];
	pid_t pid;
	int status;

	ASSERT_EQ(0, write_text(self->s.conf,
				"sactld = { default = \"deny\"; };\n"
				"rules = (\n"
				"  { action = \"allow\"; port = 80; },\n"
				"  { action = \"maybe\"; port = 81; }\n"
				");\n"));
	snprintf(want, sizeof(want), "sactld: %s:4: ", self->s.conf);
	pid = sd_spawn(&self->s, fg);
	status = wait_exit(pid, WAIT_MS);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EX_CONFIG, WEXITSTATUS(status));
	EXPECT_TRUE(file_has(self->s.log, want));
	EXPECT_TRUE(file_has(self->s.log, "maybe"));
	EXPECT_NE(0, access(self->s.pidfile, F_OK));

	unlink(self->s.log);
	pid = sd_spawn(&self->s, bg);
	status = wait_exit(pid, WAIT_MS);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EX_CONFIG, WEXITSTATUS(status));
	EXPECT_TRUE(file_has(self->s.log, want));
	EXPECT_NE(0, access(self->s.pidfile, F_OK));
}

TEST_F(daemon, sighup_with_a_broken_file_keeps_the_rules)
{
	struct sactl_response r;
	char rules[PATH_MAX + 128];

	snprintf(rules, sizeof(rules), ALLOW_8080, self->s.exe);
	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", rules));
	ASSERT_EQ(0, sd_start(&self->s));

	ASSERT_EQ(0, write_text(self->s.conf, "rules = ( { action = \"allow\" }\n"));
	kill(self->s.pid, SIGHUP);
	ASSERT_TRUE(sd_wait_log(&self->s, "reload failed, keeping the old rules", WAIT_MS));
	EXPECT_TRUE(file_has(self->s.log, "sactl.conf:"));
	ASSERT_EQ(0, sd_ask(&self->s, 21, 8080));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(21, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);

	/* A good file is taken: now 8080 is denied. */
	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";",
				  "  { action = \"deny\"; errno = 113; port = 8080; }"));
	kill(self->s.pid, SIGHUP);
	ASSERT_TRUE(sd_wait_log(&self->s, "reloaded", WAIT_MS));
	ASSERT_EQ(0, sd_ask(&self->s, 22, 8080));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(22, r.id);
	EXPECT_EQ(SACTL_DENY, r.verdict);
	EXPECT_EQ(113, r.error);
}

/* SIGTERM: every request waiting for a prompt gets the default, then exit 0. */
TEST_F(daemon, sigterm_answers_pending_requests)
{
	struct sactl_response r;
	struct wire_msg m;
	bool seen[3] = { false };
	int status, withdrawn = 0;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\"; prompt_timeout = 600;", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, sd_ask(&self->s, 31 + i, (uint16_t)(1000 + i)));
	for (int i = 0; i < 3; i++)
		ASSERT_NE(0, agent_ask(&self->agent, NULL, WAIT_MS));
	EXPECT_EQ(-ETIMEDOUT, sd_answer(&self->s, &r, 200));	/* all waiting */

	kill(self->s.pid, SIGTERM);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
		ASSERT_LE(31, r.id);
		ASSERT_GE(33, r.id);
		seen[r.id - 31] = true;
		EXPECT_EQ(SACTL_DENY, r.verdict);
	}
	EXPECT_TRUE(seen[0] && seen[1] && seen[2]);
	while (client_recv(&self->agent, &m, WAIT_MS)) {
		if (m.type == WIRE_WITHDRAW &&
		    wire_num(&m, WIRE_T_REASON, 0) == WIRE_SHUTDOWN)
			withdrawn++;
		wire_msg_clear(&m);
	}
	EXPECT_EQ(3, withdrawn);
	status = wait_exit(self->s.pid, WAIT_MS);
	self->s.pid = 0;
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_NE(0, access(self->s.pidfile, F_OK));
	EXPECT_EQ(3, sd_log_count(&self->s, "(default (shutdown))"));
}

/* An agent's "allow forever" answers, persists, and survives a restart. */
TEST_F(daemon, agent_answer_is_remembered)
{
	struct sactl_response r;
	char file[160];
	uint64_t prompt;
	uint16_t port = 0;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 41, 5555));
	prompt = agent_ask(&self->agent, &port, WAIT_MS);
	ASSERT_NE(0, prompt);
	EXPECT_EQ(5555, port);
	ASSERT_EQ(0, agent_answer(&self->agent, prompt, WIRE_ALLOW,
				  WIRE_FOREVER, WIRE_DESTINATION));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(41, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	EXPECT_TRUE(sd_wait_log(&self->s, "(prompt)", WAIT_MS));

	/* In the state directory, for uid 0. */
	snprintf(file, sizeof(file), "%s/0.conf", self->s.state);
	EXPECT_TRUE(file_has(file, self->s.exe));
	EXPECT_TRUE(file_has(file, "5555"));

	/* The same call again: decided without asking. */
	ASSERT_EQ(0, sd_ask(&self->s, 42, 5555));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(42, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	EXPECT_TRUE(sd_wait_log(&self->s, "(remembered 0.conf:", WAIT_MS));
	EXPECT_EQ(0, agent_ask(&self->agent, NULL, 300));

	/* ... and after a restart. */
	client_close(&self->agent);
	ASSERT_EQ(0, sd_stop(&self->s));
	unlink(self->s.log);
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 43, 5555));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(43, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	EXPECT_TRUE(sd_wait_log(&self->s, "(remembered 0.conf:", WAIT_MS));
}

/* Prompts wait in parallel; rules keep answering meanwhile. */
TEST_F(daemon, prompts_do_not_block_other_requests)
{
	struct sactl_response r;
	uint64_t p1, p2;
	uint16_t port1 = 0, port2 = 0;
	char rules[PATH_MAX + 128];

	snprintf(rules, sizeof(rules), ALLOW_8080, self->s.exe);
	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\"; prompt_timeout = 600;", rules));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));

	ASSERT_EQ(0, sd_ask(&self->s, 51, 1001));
	p1 = agent_ask(&self->agent, &port1, WAIT_MS);
	ASSERT_NE(0, p1);
	ASSERT_EQ(0, sd_ask(&self->s, 52, 8080));		/* by the rule, at once */
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(52, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	ASSERT_EQ(0, sd_ask(&self->s, 53, 1002));
	p2 = agent_ask(&self->agent, &port2, WAIT_MS);
	ASSERT_NE(0, p2);
	EXPECT_NE(p1, p2);
	EXPECT_EQ(1001, port1);
	EXPECT_EQ(1002, port2);

	/* The second one first. */
	ASSERT_EQ(0, agent_answer(&self->agent, p2, WIRE_DENY, WIRE_ONCE, WIRE_DESTINATION));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(53, r.id);
	EXPECT_EQ(SACTL_DENY, r.verdict);
	ASSERT_EQ(0, agent_answer(&self->agent, p1, WIRE_ALLOW, WIRE_ONCE, WIRE_DESTINATION));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(51, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	/* "once" is not remembered. */
	ASSERT_EQ(0, sd_ask(&self->s, 54, 1001));
	EXPECT_NE(0, agent_ask(&self->agent, NULL, WAIT_MS));
}

/* Remembering "this program" also answers its other requests still waiting. */
TEST_F(daemon, remembered_answer_decides_other_waiting_requests)
{
	struct sactl_response r;
	uint64_t p1, p2;
	struct wire_msg m;
	bool got[2] = { false };
	int withdrawn = 0;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\"; prompt_timeout = 600;", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 61, 2001));
	ASSERT_EQ(0, sd_ask(&self->s, 62, 2002));
	p1 = agent_ask(&self->agent, NULL, WAIT_MS);
	p2 = agent_ask(&self->agent, NULL, WAIT_MS);
	ASSERT_NE(0, p1);
	ASSERT_NE(0, p2);
	ASSERT_EQ(0, agent_answer(&self->agent, p1, WIRE_ALLOW, WIRE_SESSION, WIRE_PROGRAM));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
		ASSERT_TRUE(r.id == 61 || r.id == 62);
		got[r.id - 61] = true;
		EXPECT_EQ(SACTL_ALLOW, r.verdict);
	}
	EXPECT_TRUE(got[0] && got[1]);
	EXPECT_TRUE(sd_wait_log(&self->s, "(remembered ", WAIT_MS));
	/* The other prompt is withdrawn from the agent. */
	while (client_recv(&self->agent, &m, 1000)) {
		if (m.type == WIRE_WITHDRAW && wire_num(&m, WIRE_T_PROMPT_ID, 0) == p2)
			withdrawn++;
		wire_msg_clear(&m);
	}
	EXPECT_EQ(1, withdrawn);
}

TEST_F(daemon, unanswered_prompt_times_out_to_the_default)
{
	struct sactl_response r;
	long start_ms;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"allow\"; prompt_timeout = 1;", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	start_ms = now_ms();
	ASSERT_EQ(0, sd_ask(&self->s, 71, 3001));
	ASSERT_NE(0, agent_ask(&self->agent, NULL, WAIT_MS));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(71, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	EXPECT_LE(900, now_ms() - start_ms);
	EXPECT_TRUE(sd_wait_log(&self->s, "(default (timeout))", WAIT_MS));
}

/* When the last agent goes away, waiting requests get the default at once. */
TEST_F(daemon, agent_leaving_ends_its_prompts)
{
	struct sactl_response r;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\"; prompt_timeout = 600;", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 72, 3002));
	ASSERT_NE(0, agent_ask(&self->agent, NULL, WAIT_MS));
	client_close(&self->agent);
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(72, r.id);
	EXPECT_EQ(SACTL_DENY, r.verdict);
	EXPECT_TRUE(sd_wait_log(&self->s, "(default (no agent))", WAIT_MS));
}

/*
 * A request with an op sactld does not know (a newer module's) cannot be
 * shown to an agent: it gets the default at once, not after the prompt
 * timeout, and the agent is not sent a malformed ASK; a rule without an
 * op still decides it.
 */
TEST_F(daemon, unknown_op_is_not_prompted)
{
	struct sactl_response r;
	struct sactl_request q;
	uint16_t port = 0;
	long t0;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\"; prompt_timeout = 600;",
				     "  { action = \"allow\"; port = 7001; }"));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	q = sd_request(&self->s, 81, 7000);
	q.op = 99;
	t0 = now_ms();
	ASSERT_EQ(0, sd_send(&self->s, &q));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(81, r.id);
	EXPECT_EQ(SACTL_DENY, r.verdict);
	EXPECT_GT(WAIT_MS, now_ms() - t0);
	EXPECT_TRUE(sd_wait_log(&self->s, "(default (unknown op))", WAIT_MS));
	EXPECT_EQ(0, sd_log_count(&self->s, "cannot send ASK"));
	/* By a rule that names no op. */
	q = sd_request(&self->s, 82, 7001);
	q.op = 99;
	ASSERT_EQ(0, sd_send(&self->s, &q));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(82, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);
	/* The agent was asked nothing, and still serves a known op. */
	ASSERT_EQ(0, sd_ask(&self->s, 83, 7002));
	ASSERT_NE(0, agent_ask(&self->agent, &port, WAIT_MS));
	EXPECT_EQ(7002, port);
}

/* "Until the process exits": forgotten when the caller's process exits. */
TEST_F(daemon, process_answer_ends_with_the_process)
{
	struct sactl_response r;
	struct sactl_request req;
	char line[64];
	uint64_t prompt;
	int go[2];
	pid_t caller;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\"; prompt_timeout = 600;", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&self->agent, &self->s));
	/* A process standing for the caller, alive until we close the pipe. */
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	caller = fork();
	ASSERT_LE(0, caller);
	if (caller == 0) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	close(go[0]);

	req = sd_request(&self->s, 81, 4001);
	req.pid = req.tid = (uint32_t)caller;
	sd_set_parent(&req, getpid());
	ASSERT_EQ(0, sd_send(&self->s, &req));
	prompt = agent_ask(&self->agent, NULL, WAIT_MS);
	ASSERT_NE(0, prompt);
	ASSERT_EQ(0, agent_answer(&self->agent, prompt, WIRE_ALLOW, WIRE_PROCESS,
				  WIRE_DESTINATION));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(SACTL_ALLOW, r.verdict);

	req.id = 82;
	ASSERT_EQ(0, sd_send(&self->s, &req));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(82, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);	/* remembered for this pid */

	close(go[1]);
	ASSERT_EQ(caller, waitpid(caller, NULL, 0));
	snprintf(line, sizeof(line), "process %d exited", (int)caller);
	ASSERT_TRUE(sd_wait_log(&self->s, line, WAIT_MS));
	req.id = 83;
	ASSERT_EQ(0, sd_send(&self->s, &req));
	EXPECT_NE(0, agent_ask(&self->agent, NULL, WAIT_MS));	/* asked again */
}

/* The device going away loses nothing; SIGHUP attaches again. */
TEST_F(daemon, device_lost_and_attached_again)
{
	struct sactl_response r;
	char rules[PATH_MAX + 128];

	snprintf(rules, sizeof(rules), ALLOW_8080, self->s.exe);
	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", rules));
	ASSERT_EQ(0, sd_start(&self->s));
	close(self->s.dev_fd);
	self->s.dev_fd = -1;
	ASSERT_TRUE(sd_wait_log(&self->s, "detached from", WAIT_MS));
	kill(self->s.pid, SIGHUP);
	self->s.dev_fd = accept_within(self->s.lfd, WAIT_MS);
	ASSERT_LE(0, self->s.dev_fd);
	ASSERT_EQ(0, sd_ask(&self->s, 91, 8080));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(91, r.id);
	EXPECT_EQ(SACTL_ALLOW, r.verdict);

	/* SIGUSR1 lets go of it (so that the module could be unloaded). */
	kill(self->s.pid, SIGUSR1);
	ASSERT_TRUE(sd_wait_log(&self->s, "releasing", WAIT_MS));
	for (long end = now_ms() + WAIT_MS;
	     sd_log_count(&self->s, "detached from") < 2 && now_ms() < end;)
		usleep(20000);
	EXPECT_EQ(2, sd_log_count(&self->s, "detached from"));
}

/* sactlctl status: the counters the control socket reports. */
TEST_F(daemon, control_status)
{
	struct sactl_response r;
	struct client ctl = { .fd = -1 };
	struct wire_msg m;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 101, 443));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	ASSERT_EQ(0, client_connect(&ctl, self->s.csock));
	wire_msg_init(&m, WIRE_STATUS);
	ASSERT_EQ(0, client_send(&ctl, &m));
	ASSERT_TRUE(client_recv(&ctl, &m, WAIT_MS));
	EXPECT_EQ(WIRE_OK, m.type);
	EXPECT_EQ(1, wire_num(&m, WIRE_T_ATTACHED, 0));
	EXPECT_EQ(1, wire_num(&m, WIRE_T_REQUESTS, 0));
	EXPECT_EQ(1, wire_num(&m, WIRE_T_DENIED, 0));
	EXPECT_EQ(1, wire_num(&m, WIRE_T_BY_DEFAULT, 0));
	EXPECT_EQ(0, wire_num(&m, WIRE_T_PENDING, 1));
	EXPECT_STREQ("sactld 0.1", wire_str(&m, WIRE_T_NAME));
	wire_msg_clear(&m);

	/* RELOAD reports a broken file and keeps running. */
	ASSERT_EQ(0, write_text(self->s.conf, "rules = ( { port = \"x\"; } );\n"));
	wire_msg_init(&m, WIRE_RELOAD);
	ASSERT_EQ(0, client_send(&ctl, &m));
	ASSERT_TRUE(client_recv(&ctl, &m, WAIT_MS));
	EXPECT_EQ(WIRE_ERROR, m.type);
	EXPECT_NE(NULL, strstr(wire_str(&m, WIRE_T_TEXT) ?: "", "sactl.conf:1:"));
	wire_msg_clear(&m);
	client_close(&ctl);
}

/* STATUS's cache state, or -1. */
static int cache_state(struct client *ctl)
{
	struct wire_msg m;
	int state = -1;

	wire_msg_init(&m, WIRE_STATUS);
	if (ctl_call(ctl, &m) == WIRE_OK)
		state = (int)wire_num(&m, WIRE_T_CACHE, 0);
	wire_msg_clear(&m);
	return state;
}

/* `sactlctl status` prints @line (whole). */
static bool status_prints(struct sd *s, const char *line)
{
	const char *argv[] = { sactlctl_bin(), "-s", s->csock, "status", NULL };
	char out[160];
	char *text;
	pid_t pid;
	bool ok;

	snprintf(out, sizeof(out), "%s/status.out", s->dir);
	unlink(out);
	pid = spawn_logged(out, argv, NULL);
	if (pid < 0 || wait_exit(pid, WAIT_MS) != 0)
		return false;
	text = read_file(out);
	ok = text && strstr(text, line);
	if (!ok)
		fprintf(stderr, "# sactlctl status printed:\n%s", text ?: "");
	free(text);
	return ok;
}

/*
 * The verdict cache in status: the device double has no cache ioctls
 * (ENOTTY), so a cacheable rule makes it "not supported"; then released,
 * then `cache = false`.
 */
TEST_F(daemon, control_status_cache)
{
	struct client ctl = { .fd = -1 };
	struct wire_msg m;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"allow\";",
				  "  { action = \"deny\"; port = 9090; }"));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, client_connect(&ctl, self->s.csock));
	wire_msg_init(&m, WIRE_STATUS);
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	EXPECT_EQ(WIRE_CACHE_UNSUPPORTED, wire_num(&m, WIRE_T_CACHE, 0));
	EXPECT_EQ(0, wire_num(&m, WIRE_T_CACHE_PUSHED, 1));
	EXPECT_EQ(0, wire_num(&m, WIRE_T_CACHE_FLUSHES, 1));
	wire_msg_clear(&m);
	ASSERT_EQ(0, access(sactlctl_bin(), X_OK)) TH_LOG("no %s: make -C tests/host", sactlctl_bin());
	EXPECT_TRUE(status_prints(&self->s, "\ncache:      not supported by the module\n"));

	/* SIGUSR1: not attached, nothing to push to. */
	kill(self->s.pid, SIGUSR1);
	ASSERT_TRUE(sd_wait_log(&self->s, "releasing", WAIT_MS));
	EXPECT_EQ(WIRE_CACHE_DETACHED, cache_state(&ctl));

	/* Turned off: says so, whatever else holds. */
	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"allow\"; cache = false;",
				  "  { action = \"deny\"; port = 9090; }"));
	wire_msg_init(&m, WIRE_RELOAD);
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	wire_msg_clear(&m);
	EXPECT_EQ(WIRE_CACHE_OFF, cache_state(&ctl));
	EXPECT_TRUE(status_prints(&self->s, "\ncache:      off (cache = false in sactl.conf)\n"));
	client_close(&ctl);
}

static int verdict_of(struct sd *s, uint64_t id, uint16_t port)
{
	struct sactl_response r;

	if (sd_ask(s, id, port) || sd_answer(s, &r, WAIT_MS) || r.id != id)
		return -1;
	return (int)r.verdict;
}

/* sactlctl rules add/del/list: run-time system rules and users' rules. */
TEST_F(daemon, control_rules)
{
	struct client ctl = { .fd = -1 };
	struct wire_msg m;
	char text[PATH_MAX + 128];
	int rules = 0, system = 0;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"allow\";",
				  "  { action = \"deny\"; port = 7000; }"));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, client_connect(&ctl, self->s.csock));

	/* A system rule, at run time. */
	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, "{ action = \"deny\"; errno = \"ENETUNREACH\"; port = 7777; }");
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	EXPECT_EQ(2, wire_num(&m, WIRE_T_INDEX, 0));
	EXPECT_STREQ("sactlctl", wire_str(&m, WIRE_T_ORIGIN) ?: "");
	wire_msg_clear(&m);
	EXPECT_EQ(SACTL_DENY, verdict_of(&self->s, 1, 7777));
	EXPECT_TRUE(sd_wait_log(&self->s, "(rule sactlctl)", WAIT_MS));

	/* A user's rule, into the state directory. */
	snprintf(text, sizeof(text), "{ action = \"deny\"; exe = \"%s\"; port = 7778; }",
		 self->s.exe);
	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, text);
	wire_set_num(&m, WIRE_T_UID, 0);
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	EXPECT_EQ(1, wire_num(&m, WIRE_T_INDEX, 0));
	EXPECT_NE(NULL, strstr(wire_str(&m, WIRE_T_ORIGIN) ?: "", "0.conf:"));
	wire_msg_clear(&m);
	EXPECT_EQ(SACTL_DENY, verdict_of(&self->s, 2, 7778));

	/* Listed: 2 system rules and the user's. */
	wire_msg_init(&m, WIRE_RULES_LIST);
	ASSERT_EQ(0, client_send(&ctl, &m));
	while (client_recv(&ctl, &m, WAIT_MS) && m.type == WIRE_RULE) {
		rules++;
		system += !wire_has(&m, WIRE_T_UID);
		wire_msg_clear(&m);
	}
	EXPECT_EQ(WIRE_OK, m.type);
	EXPECT_EQ(3, wire_num(&m, WIRE_T_COUNT, 0));
	wire_msg_clear(&m);
	EXPECT_EQ(3, rules);
	EXPECT_EQ(2, system);

	/* The run-time rule outlives a reload. */
	wire_msg_init(&m, WIRE_RELOAD);
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	wire_msg_clear(&m);
	EXPECT_EQ(SACTL_DENY, verdict_of(&self->s, 3, 7777));

	/* The file's rules are the file's. */
	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_num(&m, WIRE_T_INDEX, 1);
	ASSERT_EQ(WIRE_ERROR, ctl_call(&ctl, &m));
	EXPECT_EQ(EPERM, wire_num(&m, WIRE_T_ERRNO, 0));
	EXPECT_NE(NULL, strstr(wire_str(&m, WIRE_T_TEXT) ?: "", "sactl.conf:"));
	wire_msg_clear(&m);

	/* Ours can go, by origin; the user's by index. */
	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_str(&m, WIRE_T_ORIGIN, "sactlctl");
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	wire_msg_clear(&m);
	EXPECT_EQ(SACTL_ALLOW, verdict_of(&self->s, 4, 7777));
	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_num(&m, WIRE_T_UID, 0);
	wire_set_num(&m, WIRE_T_INDEX, 1);
	ASSERT_EQ(WIRE_OK, ctl_call(&ctl, &m));
	wire_msg_clear(&m);
	EXPECT_EQ(SACTL_ALLOW, verdict_of(&self->s, 5, 7778));
	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_num(&m, WIRE_T_UID, 0);
	wire_set_num(&m, WIRE_T_INDEX, 1);
	ASSERT_EQ(WIRE_ERROR, ctl_call(&ctl, &m));
	wire_msg_clear(&m);
	/* A rule that does not parse says where. */
	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, "{ action = \"perhaps\"; }");
	ASSERT_EQ(WIRE_ERROR, ctl_call(&ctl, &m));
	EXPECT_NE(NULL, strstr(wire_str(&m, WIRE_T_TEXT) ?: "", "sactlctl:1:"));
	wire_msg_clear(&m);
	client_close(&ctl);
}

/* Without -f: the parent returns once the daemon is ready; pid file; SIGTERM. */
TEST_F(daemon, classic_daemon)
{
	const char *args[] = { "-c", self->s.conf, "--device", self->s.dev,
			       "-p", self->s.pidfile, NULL };
	struct sactl_response r;
	char *text;
	pid_t parent, daemon_pid;
	int status;
	long end;

	ASSERT_EQ(0, sd_write_config(&self->s, "default = \"deny\";", ""));
	parent = sd_spawn(&self->s, args);
	status = wait_exit(parent, WAIT_MS);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Ready means: pid file written, sockets there, device attached. */
	text = read_file(self->s.pidfile);
	ASSERT_NE(NULL, text);
	daemon_pid = atoi(text);
	free(text);
	ASSERT_LT(1, daemon_pid);
	EXPECT_NE(parent, daemon_pid);
	EXPECT_EQ(0, kill(daemon_pid, 0));
	EXPECT_EQ(0, access(self->s.psock, F_OK));
	EXPECT_EQ(0, access(self->s.csock, F_OK));
	self->s.dev_fd = accept_within(self->s.lfd, WAIT_MS);
	ASSERT_LE(0, self->s.dev_fd);
	ASSERT_EQ(0, sd_ask(&self->s, 111, 443));
	ASSERT_EQ(0, sd_answer(&self->s, &r, WAIT_MS));
	EXPECT_EQ(SACTL_DENY, r.verdict);

	ASSERT_EQ(0, kill(daemon_pid, SIGTERM));
	end = now_ms() + WAIT_MS;
	while (!kill(daemon_pid, 0) && now_ms() < end)
		usleep(10000);
	EXPECT_NE(0, kill(daemon_pid, 0));
	EXPECT_NE(0, access(self->s.pidfile, F_OK));
	EXPECT_NE(0, access(self->s.psock, F_OK));
}

TEST_HARNESS_MAIN
