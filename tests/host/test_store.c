// SPDX-License-Identifier: GPL-2.0
/*
 * The store of remembered decisions: what an answer becomes, durations and
 * expiry, persistence, per-uid files, crash safety (a writer killed at
 * each step leaves the old or the new file, never a torn one), a full
 * disk, and files or links planted where they should not be.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "rules.h"

#include "host_test.h"
/* The harness's EXPECT_EQ(1, n) compares int literals with unsigned values. */
#pragma GCC diagnostic ignored "-Wsign-compare"


#define NOW 1700000000

static char warnings[16384];

static void on_warn(const char *msg)
{
	size_t len = strlen(warnings);

	snprintf(warnings + len, sizeof(warnings) - len, "%s\n", msg);
}

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		return strdup("");
	}
	return text;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Files in @dir other than . and .. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static struct query query(uid_t uid, enum sactl_op op, const char *exe,
			  const char *ip, uint16_t port)
{
	struct sactl_sockaddr sa = { .family = AF_INET, .port = port };
	struct query q = {
		.op = op, .pid = 4242, .uid = uid, .euid = uid, .gid = uid,
		.egid = uid, .family = AF_INET, .type = SOCK_STREAM,
		.exe = exe,
	};

	if (ip) {
		if (inet_pton(AF_INET, ip, sa.addr) != 1) {
			inet_pton(AF_INET6, ip, sa.addr);
			sa.family = AF_INET6;
			q.family = AF_INET6;
		}
		net_addr_from_sactl(&q.remote, &sa);
		sa = (struct sactl_sockaddr){ .family = AF_INET, .port = 40000,
					      .addr = { 192, 168, 1, 2 } };
		net_addr_from_sactl(&q.local, &sa);
	}
	return q;
}

static const struct remembered forever_dest = {
	VERDICT_ALLOW, DURATION_FOREVER, 0, SCOPE_DESTINATION,
};

FIXTURE(store) {
	char dir[64];
	char state[128];
	char file[160];		/* state/1000.conf */
	char err[1024];
	char want[2048];
	struct store *s;
};

FIXTURE_SETUP(store)
{
	strcpy(self->dir, "/tmp/sactl-store-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->state, sizeof(self->state), "%s/state", self->dir);
	snprintf(self->file, sizeof(self->file), "%s/1000.conf", self->state);
	warnings[0] = '\0';
	store_set_warn(on_warn);
}

FIXTURE_TEARDOWN(store)
{
	store_close(self->s);
	rm_tree(self->dir);
	EXPECT_EQ(0, LEAKS());
}

static int reopen(FIXTURE_DATA(store) *self)
{
	store_close(self->s);
	self->s = store_open(self->state, self->err, sizeof(self->err));
	return self->s ? 0 : -1;
}

#define REOPEN() ASSERT_EQ(0, reopen(self)) TH_LOG("%s", self->err)

static int add(FIXTURE_DATA(store) *self, const struct query *q,
	       const struct remembered *r, time_t now)
{
	self->err[0] = '\0';
	return store_add(self->s, q, r, now, self->err, sizeof(self->err));
}

#define ADD(q, r, now) ASSERT_EQ(0, add(self, q, r, now)) TH_LOG("%s", self->err)

static enum verdict verdict(FIXTURE_DATA(store) *self, const struct query *q,
			    time_t now)
{
	struct match_result m;

	return store_match(self->s, q, now, &m) ? m.verdict : VERDICT_NONE;
}

TEST_F(store, forever_persists)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct match_result m;
	struct stat st;
	char buf[64];

	REOPEN();
	ASSERT_EQ(0, stat(self->state, &st));
	EXPECT_EQ(040700, st.st_mode);
	ADD(&q, &forever_dest, NOW);
	ASSERT_EQ(0, stat(self->file, &st));
	EXPECT_EQ(0100600, st.st_mode);
	EXPECT_EQ(geteuid(), st.st_uid);

	REOPEN();
	ASSERT_TRUE(store_match(self->s, &q, NOW, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);
	EXPECT_TRUE(m.rule->remembered);
	EXPECT_STREQ("1000.conf:4", rule_origin(m.rule, buf, sizeof(buf)));
	EXPECT_STREQ("", warnings);

	/* Only this destination, operation and protocol. */
	q.remote.port = 444;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.2", 443);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q = query(1000, SACTL_OP_SEND, "/usr/bin/curl", "192.0.2.1", 443);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	q.type = SOCK_DGRAM;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q = query(1000, SACTL_OP_CONNECT, "/usr/bin/wget", "192.0.2.1", 443);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
}

TEST_F(store, file_format)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "2001:db8::1", 443);
	struct remembered r = { VERDICT_DENY, DURATION_MINUTES, 5, SCOPE_DESTINATION };
	char *text;

	q.has_sha256 = true;
	memset(q.sha256, 0xab, sizeof(q.sha256));
	REOPEN();
	ADD(&q, &r, NOW);
	text = read_text(self->file);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("# sactl: the remembered decisions of uid 1000, written by sactld.\n"
		     "# Do not edit while sactld runs; see sactl.conf(5).\n"
		     "rules = (\n"
		     "  { action = \"deny\"; exe = \"/usr/bin/curl\";"
		     " sha256 = \"abababababababababababababababababababababababababababababababab\";"
		     " op = ( \"connect\" ); proto = ( \"tcp\" ); remote = ( \"2001:db8::1\" );"
		     " port = ( 443 ); created = 1700000000L; expires = 1700000300L; }\n"
		     ");\n", text);
	free(text);
}

TEST_F(store, once_is_not_stored)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered r = { VERDICT_ALLOW, DURATION_ONCE, 0, SCOPE_PROGRAM };

	REOPEN();
	ADD(&q, &r, NOW);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	EXPECT_EQ(0, dir_entries(self->state));
}

TEST_F(store, session_is_memory_only)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered r = { VERDICT_DENY, DURATION_SESSION, 0, SCOPE_PORT };
	struct match_result m;
	char buf[64];

	REOPEN();
	ADD(&q, &r, NOW);
	ASSERT_TRUE(store_match(self->s, &q, NOW + 1000000, &m));
	EXPECT_EQ(VERDICT_DENY, m.verdict);
	EXPECT_STREQ("uid 1000, until sactld restarts", rule_origin(m.rule, buf, sizeof(buf)));
	EXPECT_EQ(0, dir_entries(self->state));
	/* A process exiting does not end it. */
	store_process_exited(self->s, q.pid);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q, NOW));
	REOPEN();
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
}

/*
 * One user answering every prompt "remember" cannot grow the store without
 * bound: past STORE_MAX_ANSWERS a new answer is refused (ENOSPC, nothing
 * written), one replacing an existing rule is not, nor are other users or
 * root's own rules.
 */
TEST_F(store, answers_capped_per_user)
{
	struct remembered sess = { VERDICT_ALLOW, DURATION_SESSION, 0, SCOPE_PORT };
	struct remembered deny = { VERDICT_DENY, DURATION_SESSION, 0, SCOPE_PORT };
	struct query q;
	struct rule *r;

	REOPEN();
	for (unsigned int port = 1; port <= STORE_MAX_ANSWERS; port++) {
		q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1",
			  (uint16_t)port);
		ADD(&q, &sess, NOW);
	}
	q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1",
		  STORE_MAX_ANSWERS + 1);
	EXPECT_EQ(-ENOSPC, add(self, &q, &forever_dest, NOW));
	EXPECT_NE(NULL, strstr(self->err, "the most kept")) TH_LOG("%s", self->err);
	EXPECT_EQ(-ENOSPC, add(self, &q, &sess, NOW));
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	EXPECT_EQ(0, dir_entries(self->state));
	/* The same port again replaces its rule: allowed. */
	q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 7);
	ADD(&q, &deny, NOW);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q, NOW));
	EXPECT_EQ(STORE_MAX_ANSWERS, ruleset_count(store_rules(self->s, 1000)));
	/* Another user is not affected. */
	q = query(1001, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 5000);
	ADD(&q, &forever_dest, NOW);
	/* Root (sactlctl rules add) may still add for the full user. */
	r = rule_parse_text("{ action = \"deny\"; port = 9; }", "sactlctl", true,
			    self->err, sizeof(self->err));
	ASSERT_NE(NULL, r) TH_LOG("%s", self->err);
	ASSERT_EQ(0, store_add_rule(self->s, 1000, r, NOW, self->err,
				    sizeof(self->err))) TH_LOG("%s", self->err);
	EXPECT_EQ(STORE_MAX_ANSWERS + 1, ruleset_count(store_rules(self->s, 1000)));
}

TEST_F(store, process_lifetime)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered r = { VERDICT_ALLOW, DURATION_PROCESS, 0, SCOPE_PROGRAM };
	struct match_result m;
	char buf[64];

	REOPEN();
	ADD(&q, &r, NOW);
	ASSERT_TRUE(store_match(self->s, &q, NOW, &m));
	EXPECT_STREQ("uid 1000, until pid 4242 exits", rule_origin(m.rule, buf, sizeof(buf)));
	EXPECT_EQ(0, dir_entries(self->state));
	/* Another instance of the same program is asked again. */
	q.pid = 4243;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	store_process_exited(self->s, 4243);
	q.pid = 4242;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	store_process_exited(self->s, 4242);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
}

TEST_F(store, minutes_expire)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct query q2 = query(1000, SACTL_OP_CONNECT, "/usr/bin/wget", "192.0.2.1", 443);
	struct remembered ten = { VERDICT_ALLOW, DURATION_MINUTES, 10, SCOPE_DESTINATION };
	struct remembered one = { VERDICT_DENY, DURATION_MINUTES, 1, SCOPE_DESTINATION };
	char *text;

	REOPEN();
	ADD(&q, &ten, NOW);
	ADD(&q2, &one, NOW);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW + 599));
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW + 600));
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q2, NOW + 59));
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q2, NOW + 60));

	EXPECT_EQ(NOW + 60, store_expire(self->s, NOW + 1));
	text = read_text(self->file);
	EXPECT_EQ(2, count(text, "action"));
	free(text);
	/* wget's minute is over: its rule leaves the file. */
	EXPECT_EQ(NOW + 600, store_expire(self->s, NOW + 60));
	text = read_text(self->file);
	EXPECT_EQ(1, count(text, "action"));
	EXPECT_EQ(0, count(text, "wget"));
	free(text);
	EXPECT_EQ(0, store_expire(self->s, NOW + 600));
	text = read_text(self->file);
	EXPECT_EQ(0, count(text, "action"));
	free(text);
	EXPECT_STREQ("", warnings);
}

TEST_F(store, minutes_persist)
{
	time_t now = time(NULL);
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered r = { VERDICT_ALLOW, DURATION_MINUTES, 30, SCOPE_DESTINATION };

	REOPEN();
	ADD(&q, &r, now);
	REOPEN();
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, now + 1));
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, now + 1800));
	EXPECT_EQ(now + 1800, store_expire(self->s, now + 1));
}

TEST_F(store, expired_dropped_on_load)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct match_result m;
	char buf[64];

	ASSERT_EQ(0, mkdir(self->state, 0700));
	ASSERT_EQ(0, write_text(self->file,
		"rules = (\n"
		"  { action = \"deny\"; exe = \"/usr/bin/curl\"; expires = 1000L; },\n"
		"  { action = \"allow\"; exe = \"/usr/bin/curl\"; port = 443; }\n"
		");\n", 0600));
	REOPEN();
	EXPECT_STREQ("", warnings);
	/* A time before the expiry: only the store's load dropped it. */
	ASSERT_TRUE(store_match(self->s, &q, 500, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);
	EXPECT_STREQ("1000.conf:4", rule_origin(m.rule, buf, sizeof(buf)));
}

TEST_F(store, scopes)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered port = { VERDICT_ALLOW, DURATION_SESSION, 0, SCOPE_PORT };
	struct remembered prog = { VERDICT_DENY, DURATION_SESSION, 0, SCOPE_PROGRAM };
	struct remembered dest = { VERDICT_ALLOW, DURATION_SESSION, 0, SCOPE_DESTINATION };

	REOPEN();
	/* Port: any address, same op, protocol and port. */
	ADD(&q, &port, NOW);
	q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "2001:db8::7", 443);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	q.remote.port = 80;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q = query(1000, SACTL_OP_SEND, "/usr/bin/curl", "192.0.2.1", 443);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));

	/* Program: anything it does. */
	q = query(1000, SACTL_OP_LISTEN, "/usr/bin/nc", NULL, 0);
	ADD(&q, &prog, NOW);
	q = query(1000, SACTL_OP_SEND, "/usr/bin/nc", "2001:db8::1", 53);
	q.type = SOCK_DGRAM;
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q, NOW));

	/* accept: the peer's address and the local port. */
	q = query(1000, SACTL_OP_ACCEPT, "/usr/sbin/sshd", "203.0.113.9", 50123);
	q.local.port = 22;
	ADD(&q, &dest, NOW);
	q.remote.port = 50999;		/* the peer's port does not matter */
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	q.local.port = 23;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q = query(1000, SACTL_OP_ACCEPT, "/usr/sbin/sshd", "203.0.113.10", 50123);
	q.local.port = 22;
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));

	/* bind: the local address and port. */
	q = query(1000, SACTL_OP_BIND, "/usr/bin/python3", NULL, 0);
	q.local.present = q.local.v4 = true;
	q.local.addr[10] = q.local.addr[11] = 0xff;
	q.local.addr[12] = 127;
	q.local.addr[15] = 1;
	q.local.port = 8000;
	ADD(&q, &dest, NOW);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	q.local.addr[12] = 0;
	q.local.addr[15] = 0;		/* 0.0.0.0:8000 is another answer */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
}

TEST_F(store, replaced_binary)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered deny = { VERDICT_DENY, DURATION_FOREVER, 0, SCOPE_DESTINATION };
	char *text;

	q.has_sha256 = true;
	memset(q.sha256, 1, sizeof(q.sha256));
	REOPEN();
	ADD(&q, &forever_dest, NOW);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	q.sha256[0] = 2;		/* a new build: asked again */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q.has_sha256 = false;		/* hash unknown: not the same program */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	/* The new answer replaces the old build's one. */
	q.has_sha256 = true;
	ADD(&q, &deny, NOW);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &q, NOW));
	text = read_text(self->file);
	EXPECT_EQ(1, count(text, "action"));
	EXPECT_EQ(1, count(text, "\"deny\""));
	free(text);
}

TEST_F(store, per_uid)
{
	struct query a = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct query b = query(1001, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct query big = query(4294967294u, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct remembered deny = { VERDICT_DENY, DURATION_FOREVER, 0, SCOPE_PROGRAM };
	char path[256];

	REOPEN();
	ADD(&a, &forever_dest, NOW);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &b, NOW));
	ADD(&b, &deny, NOW);
	ADD(&big, &deny, NOW);
	REOPEN();
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &a, NOW));
	EXPECT_EQ(VERDICT_DENY, verdict(self, &b, NOW));
	EXPECT_EQ(VERDICT_DENY, verdict(self, &big, NOW));
	EXPECT_EQ(3, dir_entries(self->state));
	snprintf(path, sizeof(path), "%s/1001.conf", self->state);
	EXPECT_EQ(0, access(path, F_OK));
	snprintf(path, sizeof(path), "%s/4294967294.conf", self->state);
	EXPECT_EQ(0, access(path, F_OK));
	/* The uid counts, not the euid. */
	a.euid = 1001;
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &a, NOW));
}

TEST_F(store, odd_paths_stay_exact)
{
	const char *odd = "/opt/we*ird \"q\"\\[x]\n\t\xff";
	struct query q = query(1000, SACTL_OP_CONNECT, odd, "192.0.2.1", 443);

	REOPEN();
	ADD(&q, &forever_dest, NOW);
	REOPEN();
	EXPECT_STREQ("", warnings);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	q.exe = "/opt/weXYZird \"q\"\\[x]\n\t\xff";
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	q.exe = "/opt/we*ird \"q\"\\x\n\t\xff";
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
}

TEST_F(store, bad_requests)
{
	struct query q = query(1000, SACTL_OP_CONNECT, NULL, "192.0.2.1", 443);
	struct remembered zero = { VERDICT_ALLOW, DURATION_MINUTES, 0, SCOPE_PROGRAM };
	struct remembered none = { VERDICT_NONE, DURATION_FOREVER, 0, SCOPE_PROGRAM };

	REOPEN();
	EXPECT_EQ(-EINVAL, add(self, &q, &forever_dest, NOW));
	EXPECT_STREQ("uid 1000: the program's path is unknown; nothing to remember",
		     self->err);
	q.exe = "/usr/bin/curl";
	EXPECT_EQ(-EINVAL, add(self, &q, &zero, NOW));
	EXPECT_STREQ("invalid duration or scope", self->err);
	EXPECT_EQ(-EINVAL, add(self, &q, &none, NOW));
	EXPECT_STREQ("cannot remember a verdict that is neither allow nor deny",
		     self->err);
	/* An op from a newer module: no rule could name it (1u << 40). */
	q.op = (enum sactl_op)40;
	EXPECT_EQ(-EINVAL, add(self, &q, &forever_dest, NOW));
	EXPECT_STREQ("uid 1000: unknown op 40; nothing to remember", self->err);
	q.op = (enum sactl_op)0;
	EXPECT_EQ(-EINVAL, add(self, &q, &forever_dest, NOW));
	EXPECT_EQ(0, dir_entries(self->state));
}

/* Kill the writer at one step, by signal (seccomp or file size limit). */
enum kill_point { KILL_MID_WRITE, KILL_BEFORE_SYNC, KILL_BEFORE_RENAME,
		  KILL_AFTER_RENAME };

static int kill_at_syscalls(const int *nrs, int n)
{
	struct sock_filter f[16];
	struct sock_fprog prog = { .filter = f };
	int k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (int i = 0; i < n; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (unsigned int)nrs[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_KILL_PROCESS);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void writer_child(const char *state, enum kill_point at)
{
	static const int sync_nrs[] = { SYS_fdatasync };
	static const int rename_nrs[] = {
#ifdef SYS_rename
		SYS_rename,
#endif
		SYS_renameat, SYS_renameat2,
	};
	static const int dirsync_nrs[] = { SYS_fsync };
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/wget", "192.0.2.1", 80);
	struct rlimit no_core = { 0, 0 }, small = { 200, RLIM_INFINITY };
	char err[1024];
	struct store *s = store_open(state, err, sizeof(err));
	int ret = 0;

	if (!s)
		_exit(10);
	setrlimit(RLIMIT_CORE, &no_core);
	switch (at) {
	case KILL_MID_WRITE:
		signal(SIGXFSZ, SIG_DFL);
		ret = setrlimit(RLIMIT_FSIZE, &small);
		break;
	case KILL_BEFORE_SYNC:
		ret = kill_at_syscalls(sync_nrs, 1);
		break;
	case KILL_BEFORE_RENAME:
		ret = kill_at_syscalls(rename_nrs, sizeof(rename_nrs) / sizeof(int));
		break;
	case KILL_AFTER_RENAME:
		ret = kill_at_syscalls(dirsync_nrs, 1);
		break;
	}
	if (ret)
		_exit(11);
	store_add(s, &q, &forever_dest, NOW, err, sizeof(err));
	_exit(12);	/* not killed: the test fails */
}

static void crash_at(struct __test_metadata *_metadata,
		     FIXTURE_DATA(store) *self, enum kill_point at, int sig)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct query wget = query(1000, SACTL_OP_CONNECT, "/usr/bin/wget", "192.0.2.1", 80);
	char *old, *now;
	int status;
	pid_t pid;

	REOPEN();
	ADD(&q, &forever_dest, NOW);
	old = read_text(self->file);
	ASSERT_NE(NULL, old);
	/* The child's size limit (200) falls inside the new file. */
	ASSERT_LT(200, strlen(old));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		writer_child(self->state, at);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("exit status %d", WEXITSTATUS(status));
	ASSERT_EQ(sig, WTERMSIG(status));

	/* The old file or the new one, whole; never anything else. */
	now = read_text(self->file);
	ASSERT_NE(NULL, now);
	if (at == KILL_AFTER_RENAME) {
		EXPECT_EQ(2, count(now, "action"));
		EXPECT_EQ(0, strncmp(old, now, strlen(old) - 4));	/* up to "}\n);\n" */
	} else {
		EXPECT_STREQ(old, now);
	}
	REOPEN();
	EXPECT_STREQ("", warnings);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	EXPECT_EQ(at == KILL_AFTER_RENAME ? VERDICT_ALLOW : VERDICT_NONE,
		  verdict(self, &wget, NOW));
	/* The interrupted write's temp file is gone and writing works. */
	EXPECT_EQ(1, dir_entries(self->state));
	ADD(&wget, &forever_dest, NOW);
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &wget, NOW));
	free(old);
	free(now);
}

TEST_F(store, crash_mid_write)
{
	crash_at(_metadata, self, KILL_MID_WRITE, SIGXFSZ);
}

TEST_F(store, crash_before_sync)
{
	crash_at(_metadata, self, KILL_BEFORE_SYNC, SIGSYS);
}

TEST_F(store, crash_before_rename)
{
	crash_at(_metadata, self, KILL_BEFORE_RENAME, SIGSYS);
}

TEST_F(store, crash_after_rename)
{
	crash_at(_metadata, self, KILL_AFTER_RENAME, SIGSYS);
}

TEST_F(store, disk_full)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct query wget = query(1000, SACTL_OP_CONNECT, "/usr/bin/wget", "192.0.2.1", 80);
	struct rlimit old_limit, small = { 200, RLIM_INFINITY };
	char *before, *after;
	int ret;

	REOPEN();
	ADD(&q, &forever_dest, NOW);
	before = read_text(self->file);
	ASSERT_NE(NULL, before);

	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &old_limit));
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &small));
	ret = add(self, &wget, &forever_dest, NOW);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &old_limit));

	EXPECT_EQ(-EFBIG, ret);
	snprintf(self->want, sizeof(self->want),
		 "%s/.1000.conf.tmp: write: File too large; 1000.conf left as it was",
		 self->state);
	EXPECT_STREQ(self->want, self->err);
	after = read_text(self->file);
	EXPECT_STREQ(before, after);
	EXPECT_EQ(1, dir_entries(self->state));		/* no temp file */
	/* Memory agrees with the file. */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &wget, NOW));
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
	free(before);
	free(after);
}

TEST_F(store, symlink_as_file)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	char target[128], *text;
	struct stat st;

	snprintf(target, sizeof(target), "%s/elsewhere.conf", self->dir);
	ASSERT_EQ(0, write_text(target,
		"rules = ( { action = \"allow\"; exe = \"/usr/bin/curl\"; } );\n", 0600));
	ASSERT_EQ(0, mkdir(self->state, 0700));
	ASSERT_EQ(0, symlink(target, self->file));
	REOPEN();
	snprintf(self->want, sizeof(self->want),
		 "%s: a symbolic link, not followed; ignored\n", self->file);
	EXPECT_STREQ(self->want, warnings);
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));

	/* The next answer replaces the link itself, not its target. */
	ADD(&q, &forever_dest, NOW);
	ASSERT_EQ(0, lstat(self->file, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	text = read_text(target);
	EXPECT_STREQ("rules = ( { action = \"allow\"; exe = \"/usr/bin/curl\"; } );\n", text);
	free(text);
}

TEST_F(store, symlink_as_temp)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	char victim[128], tmp[192], *text;

	snprintf(victim, sizeof(victim), "%s/victim", self->dir);
	snprintf(tmp, sizeof(tmp), "%s/.1000.conf.tmp", self->state);
	ASSERT_EQ(0, write_text(victim, "precious\n", 0644));
	REOPEN();
	ASSERT_EQ(0, symlink(victim, tmp));
	ADD(&q, &forever_dest, NOW);
	text = read_text(victim);
	EXPECT_STREQ("precious\n", text);
	free(text);
	EXPECT_EQ(1, dir_entries(self->state));
	REOPEN();
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &q, NOW));
}

TEST_F(store, unsafe_files_ignored)
{
	static const char rule[] =
		"rules = ( { action = \"allow\"; exe = \"/usr/bin/curl\"; } );\n";
	struct query q = query(1001, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	char path[256], hard[256];

	ASSERT_EQ(0, mkdir(self->state, 0700));
	snprintf(path, sizeof(path), "%s/1001.conf", self->state);
	ASSERT_EQ(0, write_text(path, rule, 0666));
	snprintf(path, sizeof(path), "%s/1002.conf", self->state);
	ASSERT_EQ(0, write_text(path, rule, 0600));
	snprintf(hard, sizeof(hard), "%s/hardlink", self->dir);
	ASSERT_EQ(0, link(path, hard));
	snprintf(path, sizeof(path), "%s/1003.conf", self->state);
	ASSERT_EQ(0, mkdir(path, 0700));
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/1004.conf", self->state);
		ASSERT_EQ(0, write_text(path, rule, 0600));
		ASSERT_EQ(0, chown(path, 1004, 1004));
	}
	REOPEN();
	snprintf(path, sizeof(path), "%s/1001.conf: writable by group or others; ignored\n",
		 self->state);
	EXPECT_NE(NULL, strstr(warnings, path)) TH_LOG("%s", warnings);
	snprintf(path, sizeof(path), "%s/1002.conf: has other hard links; ignored\n",
		 self->state);
	EXPECT_NE(NULL, strstr(warnings, path)) TH_LOG("%s", warnings);
	snprintf(path, sizeof(path), "%s/1003.conf: not a regular file; ignored\n",
		 self->state);
	EXPECT_NE(NULL, strstr(warnings, path)) TH_LOG("%s", warnings);
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/1004.conf: not owned by root; ignored\n",
			 self->state);
		EXPECT_NE(NULL, strstr(warnings, path)) TH_LOG("%s", warnings);
	}
	for (uid_t uid = 1001; uid <= 1004; uid++) {
		q.uid = q.euid = uid;
		EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));
	}
}

TEST_F(store, broken_file_ignored)
{
	struct query q = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);

	ASSERT_EQ(0, mkdir(self->state, 0700));
	ASSERT_EQ(0, write_text(self->file,
		"rules = (\n"
		"  { action = \"allow\"; exe = \"/usr/bin/curl\"; },\n"
		"  { action = \"allow\"; exe = \"/usr/bin/wget\"; pot = 80; }\n"
		");\n", 0600));
	REOPEN();
	snprintf(self->want, sizeof(self->want),
		 "%s:3: rule 2: unknown field \"pot\" (expected action, errno, comment, exe, sha256, parent, user, group, op, family, proto, remote, local, port, local_port, expires, created); the file is ignored and will be replaced by the next remembered answer\n",
		 self->file);
	EXPECT_STREQ(self->want, warnings);
	/* All or nothing: the good first rule is not used either. */
	EXPECT_EQ(VERDICT_NONE, verdict(self, &q, NOW));

	warnings[0] = '\0';
	ASSERT_EQ(0, write_text(self->file, "rules = (\n  { action = \"allow\" \n", 0600));
	REOPEN();
	snprintf(self->want, sizeof(self->want),
		 "%s:3: syntax error; the file is ignored and will be replaced by the next remembered answer\n",
		 self->file);
	EXPECT_STREQ(self->want, warnings);

	warnings[0] = '\0';
	ASSERT_EQ(0, write_text(self->file, "rulez = ( );\n", 0600));
	REOPEN();
	snprintf(self->want, sizeof(self->want),
		 "%s:1: unknown setting \"rulez\" (expected rules); the file is ignored and will be replaced by the next remembered answer\n",
		 self->file);
	EXPECT_STREQ(self->want, warnings);
}

TEST_F(store, other_files_left_alone)
{
	char path[256];

	ASSERT_EQ(0, mkdir(self->state, 0700));
	snprintf(path, sizeof(path), "%s/README", self->state);
	ASSERT_EQ(0, write_text(path, "not a store file\n", 0644));
	snprintf(path, sizeof(path), "%s/01000.conf", self->state);
	ASSERT_EQ(0, write_text(path, "garbage\n", 0644));
	snprintf(path, sizeof(path), "%s/.1000.conf.tmp", self->state);
	ASSERT_EQ(0, write_text(path, "rules = ( { a", 0600));
	REOPEN();
	EXPECT_STREQ("", warnings);
	EXPECT_EQ(-1, access(path, F_OK));	/* the stale temp file went */
	EXPECT_EQ(2, dir_entries(self->state));
}

TEST_F(store, state_dir_checks)
{
	char link[128];
	struct stat st;

	/* Created 0700 when missing; loosened modes are tightened. */
	REOPEN();
	ASSERT_EQ(0, chmod(self->state, 0755));
	REOPEN();
	ASSERT_EQ(0, stat(self->state, &st));
	EXPECT_EQ(040700, st.st_mode);
	store_close(self->s);
	self->s = NULL;

	ASSERT_EQ(0, chmod(self->state, 0770));
	EXPECT_NE(0, reopen(self));
	snprintf(self->want, sizeof(self->want),
		 "%s: writable by group or others (mode 0770); refusing it", self->state);
	EXPECT_STREQ(self->want, self->err);
	ASSERT_EQ(0, chmod(self->state, 0700));

	snprintf(link, sizeof(link), "%s/link", self->dir);
	ASSERT_EQ(0, symlink(self->state, link));
	EXPECT_EQ(NULL, store_open(link, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want),
		 "%s: a symbolic link; refusing to follow it", link);
	EXPECT_STREQ(self->want, self->err);

	snprintf(link, sizeof(link), "%s/no/such", self->dir);
	EXPECT_EQ(NULL, store_open(link, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want),
		 "%s: mkdir: No such file or directory", link);
	EXPECT_STREQ(self->want, self->err);

	if (geteuid() == 0) {
		ASSERT_EQ(0, chown(self->state, 1234, 1234));
		EXPECT_NE(0, reopen(self));
		snprintf(self->want, sizeof(self->want),
			 "%s: owned by uid 1234, not root", self->state);
		EXPECT_STREQ(self->want, self->err);
	}
}

TEST_F(store, rules_from_sactlctl)
{
	struct query nc = query(1000, SACTL_OP_CONNECT, "/usr/bin/nc", "192.0.2.1", 25);
	struct query curl = query(1000, SACTL_OP_CONNECT, "/usr/bin/curl", "192.0.2.1", 443);
	struct rule *r;
	uid_t uids[4];
	char *text;

	REOPEN();
	r = rule_parse_text("{ action = \"deny\"; exe = \"/usr/bin/nc\";\n port = 25; }",
			    "sactlctl", true, self->err, sizeof(self->err));
	ASSERT_NE(NULL, r) TH_LOG("%s", self->err);
	ASSERT_EQ(0, store_add_rule(self->s, 1000, r, NOW, self->err, sizeof(self->err)));
	ADD(&curl, &forever_dest, NOW);
	EXPECT_EQ(VERDICT_DENY, verdict(self, &nc, NOW));

	REOPEN();
	EXPECT_EQ(VERDICT_DENY, verdict(self, &nc, NOW));
	EXPECT_EQ(1, store_uids(self->s, uids, 4));
	EXPECT_EQ(1000, uids[0]);
	ASSERT_EQ(2, ruleset_count(store_rules(self->s, 1000)));
	EXPECT_EQ(NULL, store_rules(self->s, 1001));
	text = rule_to_text(ruleset_rule(store_rules(self->s, 1000), 0));
	EXPECT_STREQ("{ action = \"deny\"; exe = \"/usr/bin/nc\"; port = ( 25 ); created = 1700000000L; }",
		     text);
	free(text);

	/* Forget the first; the file follows. */
	ASSERT_EQ(0, store_remove(self->s, 1000, 1, self->err, sizeof(self->err)));
	EXPECT_EQ(VERDICT_NONE, verdict(self, &nc, NOW));
	REOPEN();
	EXPECT_EQ(VERDICT_NONE, verdict(self, &nc, NOW));
	EXPECT_EQ(VERDICT_ALLOW, verdict(self, &curl, NOW));
	EXPECT_EQ(-ENOENT, store_remove(self->s, 1000, 2, self->err, sizeof(self->err)));
	EXPECT_STREQ("uid 1000 has no remembered rule 2", self->err);
	EXPECT_EQ(-ENOENT, store_remove(self->s, 1000, 0, self->err, sizeof(self->err)));

	/* An answer never becomes a priority exception. */
	EXPECT_EQ(NULL, rule_parse_text("{ action = \"allow\"; priority = true; }",
					"sactlctl", true, self->err, sizeof(self->err)));
	EXPECT_STREQ("sactlctl:1: rule 1: unknown field \"priority\" (expected action, errno, comment, exe, sha256, parent, user, group, op, family, proto, remote, local, port, local_port, expires, created)",
		     self->err);
	/* Nor something already over. */
	r = rule_parse_text("{ action = \"allow\"; expires = 5; }", "sactlctl", true,
			    self->err, sizeof(self->err));
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-EINVAL, store_add_rule(self->s, 1000, r, NOW, self->err, sizeof(self->err)));
	EXPECT_STREQ("uid 1000: the rule has already expired", self->err);
	rule_free(r);
}

TEST_HARNESS_MAIN
