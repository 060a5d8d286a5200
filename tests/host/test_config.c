// SPDX-License-Identifier: GPL-2.0
/*
 * config_load(): the settings, every kind of mistake (each names the file,
 * the line and what is wrong), and the shipped example etc/sactl.conf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "policy.h"
#include "rules.h"

#include "host_test.h"
/* The harness's EXPECT_EQ(1, n) compares int literals with unsigned values. */
#pragma GCC diagnostic ignored "-Wsign-compare"


static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

FIXTURE(cfg) {
	char dir[64];
	char path[128];
	char err[1024];
	char want[2048];
};

FIXTURE_SETUP(cfg)
{
	strcpy(self->dir, "/tmp/sactl-config-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/sactl.conf", self->dir);
}

FIXTURE_TEARDOWN(cfg)
{
	rm_tree(self->dir);
	EXPECT_EQ(0, LEAKS());
}

static struct config *load(FIXTURE_DATA(cfg) *self, const char *text)
{
	self->err[0] = '\0';
	if (write_file(self->path, text, 0644))
		return NULL;
	return config_load(self->path, self->err, sizeof(self->err));
}

/* @text must fail with "<path>:<msg>" (msg starts with the line). */
#define EXPECT_FAILS(text, msg)						\
	do {								\
		struct config *c_ = load(self, text);			\
		config_free(c_);					\
		ASSERT_EQ(NULL, c_);					\
		snprintf(self->want, sizeof(self->want), "%s:%s",	\
			 self->path, msg);				\
		ASSERT_STREQ(self->want, self->err);			\
	} while (0)

TEST_F(cfg, defaults)
{
	struct config *c = load(self, "# nothing but a comment\n");

	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	EXPECT_EQ(VERDICT_DENY, c->default_verdict);
	EXPECT_EQ(30, c->prompt_timeout);
	EXPECT_EQ(LOG_INFO, c->log_level);
	EXPECT_FALSE(c->root_answers_all);
	EXPECT_STREQ("/var/lib/sactl", c->state_dir);
	EXPECT_STREQ("/run/sactl/prompt.sock", c->prompt_socket);
	EXPECT_STREQ("/run/sactl/control.sock", c->control_socket);
	EXPECT_STREQ(self->path, c->path);
	EXPECT_EQ(0, ruleset_count(c->rules));
	config_free(c);
}

TEST_F(cfg, settings)
{
	struct config *c = load(self,
		"sactld = {\n"
		"  default = \"allow\";\n"
		"  prompt_timeout = 3600;\n"
		"  log_level = \"debug\";\n"
		"  root_answers_all = true;\n"
		"  state_dir = \"/srv/sactl\";\n"
		"  prompt_socket = \"/run/p.sock\";\n"
		"  control_socket = \"/run/c.sock\";\n"
		"};\n");

	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	EXPECT_EQ(VERDICT_ALLOW, c->default_verdict);
	EXPECT_EQ(3600, c->prompt_timeout);
	EXPECT_EQ(LOG_DEBUG, c->log_level);
	EXPECT_TRUE(c->root_answers_all);
	EXPECT_STREQ("/srv/sactl", c->state_dir);
	EXPECT_STREQ("/run/p.sock", c->prompt_socket);
	EXPECT_STREQ("/run/c.sock", c->control_socket);
	config_free(c);
}

TEST_F(cfg, syntax_error)
{
	EXPECT_FAILS("sactld = {\n  default = \"deny\";\n  prompt_timeout = ;\n};\n",
		     "3: syntax error");
	EXPECT_FAILS("rules = (\n  { action = \"allow\"; }\n", "3: syntax error");
}

TEST_F(cfg, duplicate_setting)
{
	EXPECT_FAILS("sactld = {\n  default = \"deny\";\n  default = \"allow\";\n};\n",
		     "3: duplicate setting name");
}

TEST_F(cfg, missing_file)
{
	ASSERT_EQ(NULL, config_load(self->path, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want),
		 "%s: No such file or directory", self->path);
	ASSERT_STREQ(self->want, self->err);
}

TEST_F(cfg, not_a_file)
{
	ASSERT_EQ(NULL, config_load(self->dir, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want), "%s: not a regular file",
		 self->dir);
	ASSERT_STREQ(self->want, self->err);
}

TEST_F(cfg, writable_by_others)
{
	ASSERT_EQ(0, write_file(self->path, "rules = ();\n", 0664));
	ASSERT_EQ(NULL, config_load(self->path, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want),
		 "%s: writable by group or others (mode 0664); only root may write it",
		 self->path);
	ASSERT_STREQ(self->want, self->err);
}

TEST_F(cfg, not_roots)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to give the file away");
	ASSERT_EQ(0, write_file(self->path, "rules = ();\n", 0644));
	ASSERT_EQ(0, chown(self->path, 1234, 1234));
	ASSERT_EQ(NULL, config_load(self->path, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want),
		 "%s: owned by uid 1234, not root", self->path);
	ASSERT_STREQ(self->want, self->err);
}

TEST_F(cfg, include_refused)
{
	EXPECT_FAILS("rules = ();\n  @include \"/etc/passwd\"\n",
		     "2: @include is not supported: keep the whole configuration in one file");
}

TEST_F(cfg, nul_byte)
{
	int fd = open(self->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ASSERT_LE(0, fd);
	ASSERT_EQ(14, write(fd, "rules = ();\n\0\n", 14));
	close(fd);
	ASSERT_EQ(NULL, config_load(self->path, self->err, sizeof(self->err)));
	snprintf(self->want, sizeof(self->want), "%s: contains a NUL byte",
		 self->path);
	ASSERT_STREQ(self->want, self->err);
}

TEST_F(cfg, unknown_top_setting)
{
	EXPECT_FAILS("sactld = { };\nrule = ();\n",
		     "2: unknown setting \"rule\" (expected sactld, rules)");
}

TEST_F(cfg, sactld_not_group)
{
	EXPECT_FAILS("sactld = \"deny\";\n", "1: sactld: expected a group { ... }");
}

TEST_F(cfg, unknown_sactld_setting)
{
	EXPECT_FAILS("sactld = {\n  default = \"deny\";\n  promt_timeout = 5;\n};\n",
		     "3: sactld: unknown setting \"promt_timeout\" (expected default, prompt_timeout, log_level, root_answers_all, state_dir, prompt_socket, control_socket, cache)");
}

TEST_F(cfg, bad_default)
{
	EXPECT_FAILS("sactld = {\n  default = \"maybe\";\n};\n",
		     "2: sactld: unknown default \"maybe\" (expected allow, deny)");
	EXPECT_FAILS("sactld = {\n  default = true;\n};\n",
		     "2: sactld: default: expected \"allow\" or \"deny\"");
}

TEST_F(cfg, bad_prompt_timeout)
{
	EXPECT_FAILS("sactld = { prompt_timeout = 0; };\n",
		     "1: sactld: prompt_timeout: 0 is out of range (1..3600)");
	EXPECT_FAILS("sactld = { prompt_timeout = 3601; };\n",
		     "1: sactld: prompt_timeout: 3601 is out of range (1..3600)");
	EXPECT_FAILS("sactld = { prompt_timeout = \"30\"; };\n",
		     "1: sactld: prompt_timeout: expected a number of seconds");
}

TEST_F(cfg, bad_log_level)
{
	EXPECT_FAILS("sactld = {\n\n  log_level = \"verbose\";\n};\n",
		     "3: sactld: unknown log_level \"verbose\" (expected debug, info, notice, warning)");
	EXPECT_FAILS("sactld = { log_level = 7; };\n",
		     "1: sactld: log_level: expected a string");
}

TEST_F(cfg, bad_bool)
{
	EXPECT_FAILS("sactld = { root_answers_all = \"yes\"; };\n",
		     "1: sactld: root_answers_all: expected true or false");
}

TEST_F(cfg, bad_paths)
{
	char text[512];

	EXPECT_FAILS("sactld = { state_dir = \"var/lib/sactl\"; };\n",
		     "1: sactld: state_dir: \"var/lib/sactl\" is not an absolute path");
	EXPECT_FAILS("sactld = { control_socket = 5; };\n",
		     "1: sactld: control_socket: expected a string");
	snprintf(text, sizeof(text), "sactld = { prompt_socket = \"/%0120d\"; };\n", 0);
	EXPECT_FAILS(text,
		     "1: sactld: prompt_socket: too long for a socket path (107 bytes at most)");
}

TEST_F(cfg, rules_not_list)
{
	EXPECT_FAILS("rules = { action = \"allow\"; };\n",
		     "1: rules: expected a list ( { ... }, ... )");
	EXPECT_FAILS("rules = ( { action = \"allow\"; },\n  \"deny\" );\n",
		     "2: rule 2: expected a group { action = ...; ... }");
}

TEST_F(cfg, missing_action)
{
	EXPECT_FAILS("rules = (\n  { action = \"allow\"; },\n  { exe = \"/bin/true\";\n    port = 1; }\n);\n",
		     "3: rule 2: missing action (allow or deny)");
	EXPECT_FAILS("rules = ( { action = \"permit\"; } );\n",
		     "1: rule 1: unknown action \"permit\" (expected allow, deny)");
	EXPECT_FAILS("rules = ( { action = 1; } );\n",
		     "1: rule 1: action: expected \"allow\" or \"deny\"");
}

TEST_F(cfg, unknown_field)
{
	EXPECT_FAILS("rules = (\n  { action = \"deny\";\n    remote_port = 80; }\n);\n",
		     "3: rule 1: unknown field \"remote_port\" (expected action, errno, priority, comment, exe, sha256, parent, user, group, op, family, proto, remote, local, port, local_port)");
	/* The store's own fields are not for the system rules. */
	EXPECT_FAILS("rules = ( { action = \"deny\"; expires = 5; } );\n",
		     "1: rule 1: unknown field \"expires\" (expected action, errno, priority, comment, exe, sha256, parent, user, group, op, family, proto, remote, local, port, local_port)");
}

TEST_F(cfg, bad_errno)
{
	EXPECT_FAILS("rules = ( { action = \"allow\";\n errno = \"EPERM\"; } );\n",
		     "2: rule 1: errno: only a deny rule can have one");
	EXPECT_FAILS("rules = ( { action = \"deny\"; errno = \"ECONREFUSED\"; } );\n",
		     "1: rule 1: unknown errno \"ECONREFUSED\" (expected a name such as EPERM, ECONNREFUSED, ENETUNREACH, or a number)");
	EXPECT_FAILS("rules = ( { action = \"deny\"; errno = 4096; } );\n",
		     "1: rule 1: errno: 4096 is out of range (1..4095)");
	/* ERESTARTSYS, ENOGRACE: the module would refuse such a verdict. */
	EXPECT_FAILS("rules = ( { action = \"deny\"; errno = 512; } );\n",
		     "1: rule 1: errno: 512 is one of the kernel's internal codes (512..531)");
	EXPECT_FAILS("rules = ( { action = \"deny\"; errno = 531; } );\n",
		     "1: rule 1: errno: 531 is one of the kernel's internal codes (512..531)");
	EXPECT_FAILS("rules = ( { action = \"deny\"; errno = true; } );\n",
		     "1: rule 1: errno: expected a name like \"ECONNREFUSED\" or a number");
}

TEST_F(cfg, errno_values)
{
	struct config *c = load(self,
		"rules = ( { action = \"deny\"; errno = \"ECONNREFUSED\"; },\n"
		"          { action = \"deny\"; errno = 113; } );\n");

	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	EXPECT_EQ(ECONNREFUSED, ruleset_rule(c->rules, 0)->error);
	EXPECT_EQ(EHOSTUNREACH, ruleset_rule(c->rules, 1)->error);
	config_free(c);
}

TEST_F(cfg, bad_exe)
{
	EXPECT_FAILS("rules = ( { action = \"deny\"; exe = \"bin/sh\"; } );\n",
		     "1: rule 1: exe: \"bin/sh\" is not an absolute path");
	EXPECT_FAILS("rules = ( { action = \"deny\"; exe = [ \"/bin/sh\" ]; } );\n",
		     "1: rule 1: exe: expected a string");
	EXPECT_FAILS("rules = ( { action = \"deny\"; parent = \"\"; } );\n",
		     "1: rule 1: parent: \"\" is not an absolute path");
}

TEST_F(cfg, exe_glob_or_exact)
{
	struct config *c = load(self,
		"rules = ( { action = \"deny\"; exe = \"/usr/lib/apt/methods/*\"; },\n"
		"          { action = \"deny\"; exe = \"/opt/a\\\\*b\"; },\n"
		"          { action = \"deny\"; exe = \"/usr/bin/curl\"; } );\n");
	const struct rule *r;

	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	r = ruleset_rule(c->rules, 0);
	EXPECT_TRUE(r->exe_glob);
	r = ruleset_rule(c->rules, 1);
	EXPECT_FALSE(r->exe_glob);		/* escaped: the literal path */
	EXPECT_STREQ("/opt/a*b", r->exe);
	r = ruleset_rule(c->rules, 2);
	EXPECT_FALSE(r->exe_glob);
	config_free(c);
}

TEST_F(cfg, bad_sha256)
{
	EXPECT_FAILS("rules = ( { action = \"deny\"; sha256 = \"abc\"; } );\n",
		     "1: rule 1: sha256: expected 64 hex digits, not \"abc\"");
	EXPECT_FAILS("rules = ( { action = \"deny\";\n"
		     "  sha256 = \"g000000000000000000000000000000000000000000000000000000000000000\"; } );\n",
		     "2: rule 1: sha256: expected 64 hex digits, not \"g000000000000000000000000000000000000000000000000000000000000000\"");
	EXPECT_FAILS("rules = ( { action = \"deny\"; sha256 = 5; } );\n",
		     "1: rule 1: sha256: expected a string of 64 hex digits");
}

TEST_F(cfg, users_and_groups)
{
	struct config *c = load(self,
		"rules = ( { action = \"deny\"; user = [ \"root\", \"1000\" ];\n"
		"            group = ( 0, \"root\", 4294967294L ); } );\n");
	const struct rule *r;

	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	r = ruleset_rule(c->rules, 0);
	ASSERT_EQ(2, r->n_users);
	EXPECT_EQ(0, r->users[0]);
	EXPECT_EQ(1000, r->users[1]);
	ASSERT_EQ(3, r->n_groups);
	EXPECT_EQ(0, r->groups[1]);
	EXPECT_EQ(4294967294u, r->groups[2]);
	config_free(c);
}

TEST_F(cfg, bad_user)
{
	EXPECT_FAILS("rules = ( { action = \"deny\";\n  user = ( \"root\",\n    \"no-such-user-sactl\" ); } );\n",
		     "3: rule 1: unknown user \"no-such-user-sactl\"");
	EXPECT_FAILS("rules = ( { action = \"deny\"; user = -1; } );\n",
		     "1: rule 1: user: -1 is out of range");
	EXPECT_FAILS("rules = ( { action = \"deny\"; user = \"12x\"; } );\n",
		     "1: rule 1: unknown user \"12x\"");
	EXPECT_FAILS("rules = ( { action = \"deny\"; user = true; } );\n",
		     "1: rule 1: user: expected a user name or uid, or a list of them");
	EXPECT_FAILS("rules = ( { action = \"deny\"; user = [ ]; } );\n",
		     "1: rule 1: user: empty list");
	EXPECT_FAILS("rules = ( { action = \"deny\"; group = \"no-such-group-sactl\"; } );\n",
		     "1: rule 1: unknown group \"no-such-group-sactl\"");
}

TEST_F(cfg, bad_op)
{
	EXPECT_FAILS("rules = (\n  { action = \"allow\";\n    op = [ \"connect\",\n           \"conect\" ]; }\n);\n",
		     "4: rule 1: unknown op \"conect\" (expected socket, bind, connect, listen, accept, send)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; op = 3; } );\n",
		     "1: rule 1: op: expected an operation name, or a list of them");
	EXPECT_FAILS("rules = ( { action = \"allow\"; op = ( ( \"bind\" ) ); } );\n",
		     "1: rule 1: op: expected an operation name, or a list of them");
}

TEST_F(cfg, bad_family)
{
	EXPECT_FAILS("rules = ( { action = \"allow\"; family = \"ipv4\"; } );\n",
		     "1: rule 1: unknown family \"ipv4\" (expected inet, inet6)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; family = 2; } );\n",
		     "1: rule 1: family: expected \"inet\" or \"inet6\"");
}

TEST_F(cfg, bad_proto)
{
	EXPECT_FAILS("rules = ( { action = \"allow\"; proto = \"tpc\"; } );\n",
		     "1: rule 1: unknown proto \"tpc\" (expected tcp, udp, icmp, raw or a protocol number)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; proto = ( \"tcp\", 70000 ); } );\n",
		     "1: rule 1: proto: 70000 is out of range (0..65535)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; proto = 1.5; } );\n",
		     "1: rule 1: proto: expected a protocol name or number, or a list of them");
}

TEST_F(cfg, bad_address)
{
	EXPECT_FAILS("rules = ( { action = \"allow\"; remote = \"10.0.0.256\"; } );\n",
		     "1: rule 1: remote: bad address \"10.0.0.256\" (expected an IPv4 or IPv6 address, optionally with /prefix)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; remote = \"10.0.0.0/\"; } );\n",
		     "1: rule 1: remote: bad address \"10.0.0.0/\" (expected an IPv4 or IPv6 address, optionally with /prefix)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; remote = \"[::1]\"; } );\n",
		     "1: rule 1: remote: bad address \"[::1]\" (expected an IPv4 or IPv6 address, optionally with /prefix)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; remote = \"10.0.0.0/33\"; } );\n",
		     "1: rule 1: remote: bad prefix length in \"10.0.0.0/33\" (0..32 for IPv4)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; local = \"fe80::/129\"; } );\n",
		     "1: rule 1: local: bad prefix length in \"fe80::/129\" (0..128 for IPv6)");
	EXPECT_FAILS("rules = ( { action = \"allow\";\n  remote = [ \"10.1.2.3\", \"10.0.0.1/8\" ]; } );\n",
		     "2: rule 1: remote: \"10.0.0.1/8\" has bits set past the prefix (did you mean 10.0.0.0/8?)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; remote = \"2001:db8::1/32\"; } );\n",
		     "1: rule 1: remote: \"2001:db8::1/32\" has bits set past the prefix (did you mean 2001:db8::/32?)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; remote = 10; } );\n",
		     "1: rule 1: remote: expected an address or CIDR string, or a list of them");
}

TEST_F(cfg, bad_port)
{
	EXPECT_FAILS("rules = ( { action = \"allow\"; port = \"http\"; } );\n",
		     "1: rule 1: port: bad port \"http\" (expected a number 0..65535 or a range \"lo-hi\")");
	EXPECT_FAILS("rules = ( { action = \"allow\"; port = \"80-\"; } );\n",
		     "1: rule 1: port: bad port \"80-\" (expected a number 0..65535 or a range \"lo-hi\")");
	EXPECT_FAILS("rules = ( { action = \"allow\"; port = 65536; } );\n",
		     "1: rule 1: port: 65536 is out of range (0..65535)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; local_port = \"1-70000\"; } );\n",
		     "1: rule 1: local_port: \"1-70000\" is out of range (0..65535)");
	EXPECT_FAILS("rules = ( { action = \"allow\";\n\n  port = ( 80, \"90-80\" ); } );\n",
		     "3: rule 1: port: bad range \"90-80\" (the first port is above the second)");
	EXPECT_FAILS("rules = ( { action = \"allow\"; port = ( ); } );\n",
		     "1: rule 1: port: empty list");
	EXPECT_FAILS("rules = ( { action = \"allow\"; port = 8.5; } );\n",
		     "1: rule 1: port: expected a port, a \"lo-hi\" range, or a list of them");
}

TEST_F(cfg, fields_parsed)
{
	struct config *c = load(self,
		"rules = ( { action = \"deny\"; priority = true; comment = \"c\";\n"
		"  exe = \"/usr/bin/curl\";\n"
		"  sha256 = \"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\";\n"
		"  parent = \"/usr/bin/*sh\"; op = [ \"connect\", \"send\" ];\n"
		"  family = \"inet6\"; proto = ( \"udp\", 132 );\n"
		"  remote = ( \"192.0.2.0/24\", \"2001:db8::/32\" ); local = \"::1\";\n"
		"  port = ( 53, \"1000-2000\" ); local_port = \"5353\"; } );\n");
	const struct rule *r;
	char buf[64];

	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	r = ruleset_rule(c->rules, 0);
	EXPECT_EQ(VERDICT_DENY, r->action);
	EXPECT_TRUE(r->priority);
	EXPECT_STREQ("c", r->comment);
	EXPECT_STREQ("/usr/bin/curl", r->exe);
	EXPECT_TRUE(r->has_sha256);
	EXPECT_EQ(0xaa, r->sha256[10]);
	EXPECT_EQ(0xff, r->sha256[31]);
	EXPECT_TRUE(r->parent_glob);
	EXPECT_EQ((1u << SACTL_OP_CONNECT) | (1u << SACTL_OP_SEND), r->ops);
	EXPECT_EQ(AF_INET6, r->family);
	ASSERT_EQ(2, r->n_protos);
	EXPECT_EQ(PROTO_UDP, r->protos[0].kind);
	EXPECT_EQ(PROTO_NUMBER, r->protos[1].kind);
	EXPECT_EQ(IPPROTO_SCTP, r->protos[1].number);
	ASSERT_EQ(2, r->n_remote);
	EXPECT_EQ(96 + 24, r->remote[0].bits);
	cidr_format(&r->remote[0], buf, sizeof(buf));
	EXPECT_STREQ("192.0.2.0/24", buf);
	cidr_format(&r->remote[1], buf, sizeof(buf));
	EXPECT_STREQ("2001:db8::/32", buf);
	cidr_format(&r->local[0], buf, sizeof(buf));
	EXPECT_STREQ("::1", buf);
	ASSERT_EQ(2, r->n_ports);
	EXPECT_EQ(1000, r->ports[1].lo);
	EXPECT_EQ(2000, r->ports[1].hi);
	ASSERT_EQ(1, r->n_local_ports);
	EXPECT_EQ(5353, r->local_ports[0].hi);
	EXPECT_STREQ("sactl.conf:1", rule_origin(r, buf, sizeof(buf)));
	config_free(c);
}

static struct query connect_query(const char *exe, uint16_t port)
{
	struct query q = {
		.op = SACTL_OP_CONNECT, .pid = 100, .uid = 1000, .euid = 1000,
		.gid = 1000, .egid = 1000, .family = AF_INET,
		.type = SOCK_STREAM, .exe = exe,
	};

	q.remote.present = q.remote.v4 = true;
	q.remote.addr[10] = q.remote.addr[11] = 0xff;
	q.remote.addr[12] = 127;
	q.remote.addr[15] = 1;
	q.remote.port = port;
	return q;
}

/*
 * The shipped example: $SACTL_SRCDIR/etc/sactl.conf, else found from this
 * file's own path (tests/host/test_config.c), else from the current dir.
 */
static FILE *open_example(void)
{
	const char *slash = strrchr(__FILE__, '/');
	char path[PATH_MAX];
	FILE *f;

	if (getenv("SACTL_SRCDIR")) {
		snprintf(path, sizeof(path), "%s/etc/sactl.conf",
			 getenv("SACTL_SRCDIR"));
		return fopen(path, "r");
	}
	snprintf(path, sizeof(path), "%.*s/../../etc/sactl.conf",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	f = fopen(path, "r");
	return f ? f : fopen("etc/sactl.conf", "r");
}

/* The shipped example loads and does what its comments say. */
TEST_F(cfg, example_config)
{
	struct match_result m;
	char text[65536], buf[64];
	struct config *c;
	struct query q;
	size_t len;
	FILE *f;

	/* Loaded from a copy: the checkout may belong to someone else. */
	f = open_example();
	ASSERT_NE(NULL, f) TH_LOG("etc/sactl.conf not found; set SACTL_SRCDIR");
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	c = load(self, text);
	ASSERT_NE(NULL, c) TH_LOG("%s", self->err);
	EXPECT_EQ(VERDICT_DENY, c->default_verdict);
	EXPECT_EQ(30, c->prompt_timeout);
	EXPECT_LT(5, ruleset_count(c->rules));

	q = connect_query("/bin/busybox", 8080);
	ASSERT_TRUE(ruleset_match(c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);
	q.remote.port = 8081;
	ASSERT_TRUE(ruleset_match(c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_DENY, m.verdict);
	EXPECT_EQ(ECONNREFUSED, m.error);
	EXPECT_EQ(0, strncmp("sactl.conf:", rule_origin(m.rule, buf, sizeof(buf)), 11));
	q.remote.port = 8082;
	EXPECT_FALSE(ruleset_match(c->rules, &q, 0, &m));

	/* DNS to the stub resolver: any program, any user. */
	q = connect_query("/usr/bin/firefox-esr", 53);
	q.remote.addr[15] = 53;
	q.remote.addr[14] = 0;
	q.remote.addr[13] = 0;
	q.type = SOCK_DGRAM;
	q.op = SACTL_OP_SEND;
	ASSERT_TRUE(ruleset_match(c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);

	/* sshd accepting on port 22 from anywhere. */
	q = connect_query("/usr/sbin/sshd", 51000);
	q.op = SACTL_OP_ACCEPT;
	q.remote.addr[12] = 203;
	q.local = q.remote;
	q.local.port = 22;
	ASSERT_TRUE(ruleset_match(c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);
	q.local.port = 2222;
	EXPECT_FALSE(ruleset_match(c->rules, &q, 0, &m));

	/* Raw sockets are denied, ping is the priority exception. */
	q = connect_query("/usr/bin/nmap", 0);
	q.op = SACTL_OP_SOCKET;
	q.type = SOCK_RAW;
	q.protocol = IPPROTO_ICMP;
	q.remote.present = false;
	ASSERT_TRUE(ruleset_match(c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_DENY, m.verdict);
	q.exe = "/usr/bin/ping";
	ASSERT_TRUE(ruleset_match(c->rules, &q, 0, &m));
	EXPECT_EQ(VERDICT_ALLOW, m.verdict);
	config_free(c);
}

/* What sactlctl sends: one rule, and the text it lists rules with. */
TEST(rule_text)
{
	static const char all[] =
		"{ action = \"deny\"; errno = \"ECONNREFUSED\"; priority = true;"
		" exe = \"/usr/bin/*\";"
		" sha256 = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\";"
		" parent = \"/opt/a\\\\*b\"; user = ( 0, 4294967294L ); group = ( 5 );"
		" op = ( \"bind\", \"send\" ); family = \"inet6\"; proto = ( \"udp\", 132 );"
		" remote = ( \"10.0.0.0/8\", \"2001:db8::/32\" ); local = ( \"::1\" );"
		" port = ( 53, \"1000-2000\" ); local_port = ( \"0-1023\" );"
		" comment = \"a \\\"quoted\\\" comment\\n\"; }";
	char err[512];
	struct rule *r, *again;
	char *text, *text2;

	r = rule_parse_text(all, "sactlctl", false, err, sizeof(err));
	ASSERT_NE(NULL, r) TH_LOG("%s", err);
	EXPECT_STREQ("/opt/a*b", r->parent);
	EXPECT_STREQ("a \"quoted\" comment\n", r->comment);
	text = rule_to_text(r);
	EXPECT_STREQ(all, text);
	again = rule_parse_text(text, "sactlctl", false, err, sizeof(err));
	ASSERT_NE(NULL, again) TH_LOG("%s", err);
	text2 = rule_to_text(again);
	EXPECT_STREQ(text, text2);
	EXPECT_TRUE(rule_same_target(r, again));
	free(text);
	free(text2);
	rule_free(r);
	rule_free(again);

	EXPECT_EQ(NULL, rule_parse_text("{ action = \"deny\";\n port = ; }", "sactlctl",
					false, err, sizeof(err)));
	EXPECT_STREQ("sactlctl:2: syntax error", err);
	EXPECT_EQ(NULL, rule_parse_text("{ action = \"deny\"; }, { action = \"allow\"; }",
					"sactlctl", false, err, sizeof(err)));
	EXPECT_STREQ("sactlctl:1: expected one rule { action = ...; ... }", err);
	EXPECT_EQ(NULL, rule_parse_text("{ action = \"deny\"; op = \"conect\"; }",
					"sactlctl", false, err, sizeof(err)));
	EXPECT_STREQ("sactlctl:1: rule 1: unknown op \"conect\" (expected socket, bind, connect, listen, accept, send)",
		     err);
	EXPECT_EQ(0, LEAKS());
}

TEST_HARNESS_MAIN
