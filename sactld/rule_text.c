// SPDX-License-Identifier: GPL-2.0
/*
 * The rule language: the fields of a rule as sactl.conf and the store's
 * files write them, parsed into a struct rule and written back.  Every
 * mistake is an error naming file and line: a typo in a firewall rule must
 * never be silently ignored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rules.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static const char *const rule_fields =
	"action, errno, priority, comment, exe, sha256, parent, user, group, "
	"op, family, proto, remote, local, port, local_port";
/* A remembered answer is never a priority exception: only the admin's. */
static const char *const remembered_fields =
	"action, errno, comment, exe, sha256, parent, user, group, op, "
	"family, proto, remote, local, port, local_port, expires, created";

bool conf_fail(struct conf_ctx *c, const config_setting_t *s,
	       const char *fmt, ...)
{
	int n = snprintf(c->err, c->errlen, "%s:%u: %s%s", c->file,
			 config_setting_source_line(s), c->what,
			 c->what[0] ? ": " : "");
	va_list ap;

	if (n < 0 || (size_t)n >= c->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* Values */

bool conf_int(const config_setting_t *s, long long *v)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*v = config_setting_get_int(s);
		return true;
	case CONFIG_TYPE_INT64:
		*v = config_setting_get_int64(s);
		return true;
	default:
		return false;
	}
}

/* Call @one for the value of @s, or for each element of a list/array. */
static bool for_each_value(struct conf_ctx *c, const config_setting_t *s,
			   const char *expected,
			   bool (*one)(struct conf_ctx *c, const config_setting_t *e,
				       void *out, size_t i),
			   void *out, size_t *n)
{
	int type = config_setting_type(s);
	int len;

	if (type == CONFIG_TYPE_GROUP)
		return conf_fail(c, s, "%s: expected %s", config_setting_name(s),
				 expected);
	if (type != CONFIG_TYPE_LIST && type != CONFIG_TYPE_ARRAY) {
		*n = 1;
		return one(c, s, out, 0);
	}
	len = config_setting_length(s);
	if (len == 0)
		return conf_fail(c, s, "%s: empty list", config_setting_name(s));
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);

		if (config_setting_is_aggregate(e))
			return conf_fail(c, e, "%s: expected %s",
					 config_setting_name(s), expected);
		if (!one(c, e, out, (size_t)i))
			return false;
	}
	*n = (size_t)len;
	return true;
}

/* Allocate *v for as many values as @s holds (1 for a scalar). */
static bool alloc_values(struct conf_ctx *c, const config_setting_t *s, void **v,
			 size_t size)
{
	int len = config_setting_is_aggregate(s) ? config_setting_length(s) : 1;

	*v = calloc(len > 0 ? (size_t)len : 1, size);
	if (!*v)
		return conf_fail(c, s, "%s", strerror(ENOMEM));
	return true;
}

/* The name of a list element's setting: the list's. */
static const char *field(const config_setting_t *e)
{
	const config_setting_t *p = config_setting_parent(e);

	if (config_setting_name(e) || !p)
		return config_setting_name(e);
	return config_setting_name(p);
}

/* errno names a deny may give */

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EPERM", EPERM }, { "EACCES", EACCES },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ECONNRESET", ECONNRESET },
	{ "ECONNABORTED", ECONNABORTED }, { "ENETUNREACH", ENETUNREACH },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { "ENETDOWN", ENETDOWN },
	{ "EHOSTDOWN", EHOSTDOWN }, { "ETIMEDOUT", ETIMEDOUT },
	{ "EADDRINUSE", EADDRINUSE }, { "EADDRNOTAVAIL", EADDRNOTAVAIL },
	{ "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
	{ "ESOCKTNOSUPPORT", ESOCKTNOSUPPORT }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "EPROTO", EPROTO }, { "EINVAL", EINVAL }, { "ENOBUFS", ENOBUFS },
	{ "ENOMEM", ENOMEM }, { "EAGAIN", EAGAIN }, { "EIO", EIO },
	{ "ENOENT", ENOENT }, { "ENONET", ENONET },
};

const char *errno_name(int error)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].value == error)
			return errnos[i].name;
	return NULL;
}

/* Rule fields */

static bool parse_errno(struct conf_ctx *c, const config_setting_t *s,
			struct rule *r)
{
	long long v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *name = config_setting_get_string(s);

		for (size_t i = 0; i < ARRAY_SIZE(errnos); i++) {
			if (!strcmp(errnos[i].name, name)) {
				r->error = errnos[i].value;
				return true;
			}
		}
		return conf_fail(c, s,
				 "unknown errno \"%s\" (expected a name such as EPERM, ECONNREFUSED, ENETUNREACH, or a number)",
				 name);
	}
	if (!conf_int(s, &v))
		return conf_fail(c, s,
				 "errno: expected a name like \"ECONNREFUSED\" or a number");
	if (v < 1 || v > 4095)
		return conf_fail(c, s, "errno: %lld is out of range (1..4095)", v);
	/*
	 * The kernel's own codes, ERESTARTSYS (512) to ENOGRACE (531): never
	 * for programs to see (some would restart the call), and the module
	 * refuses a verdict carrying one, so the caller would only time out.
	 */
	if (v >= 512 && v <= 531)
		return conf_fail(c, s,
				 "errno: %lld is one of the kernel's internal codes (512..531)",
				 v);
	r->error = (int)v;
	return true;
}

bool conf_bool(struct conf_ctx *c, const config_setting_t *s, bool *v)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(c, s, "%s: expected true or false",
				 config_setting_name(s));
	*v = config_setting_get_bool(s);
	return true;
}

bool conf_string(struct conf_ctx *c, const config_setting_t *s, char **v)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(c, s, "%s: expected a string",
				 config_setting_name(s));
	*v = strdup(config_setting_get_string(s));
	if (!*v)
		return conf_fail(c, s, "%s", strerror(ENOMEM));
	return true;
}

/*
 * A path, or a glob if it has an unescaped * ? or [.  A path whose only
 * special characters are backslash escapes (as the store writes an exact
 * path such as "/opt/a\\*b") is unescaped and stays exact.
 */
static bool parse_path(struct conf_ctx *c, const config_setting_t *s, char **v,
		       bool *glob)
{
	char *in, *out;

	if (!conf_string(c, s, v))
		return false;
	if ((*v)[0] != '/')
		return conf_fail(c, s, "%s: \"%s\" is not an absolute path",
				 config_setting_name(s), *v);
	*glob = false;
	for (in = *v; *in && !*glob; in++) {
		if (*in == '\\' && in[1])
			in++;
		else if (*in == '*' || *in == '?' || *in == '[')
			*glob = true;
	}
	if (*glob)
		return true;
	for (in = out = *v; *in; in++) {
		if (*in == '\\' && in[1])
			in++;
		*out++ = *in;
	}
	*out = '\0';
	return true;
}

static bool parse_sha256(struct conf_ctx *c, const config_setting_t *s,
			 struct rule *r)
{
	const char *hex;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(c, s, "sha256: expected a string of 64 hex digits");
	hex = config_setting_get_string(s);
	if (strlen(hex) != 2 * SHA256_LEN ||
	    strspn(hex, "0123456789abcdefABCDEF") != 2 * SHA256_LEN)
		return conf_fail(c, s, "sha256: expected 64 hex digits, not \"%s\"",
				 hex);
	for (size_t i = 0; i < SHA256_LEN; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], '\0' };

		r->sha256[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	r->has_sha256 = true;
	return true;
}

/* A uid/gid: a number, a string of digits, or a name. */
static bool one_id(struct conf_ctx *c, const config_setting_t *e, void *out,
		   size_t i, bool user)
{
	const char *what = user ? "user" : "group";
	long long v;

	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		const char *name = config_setting_get_string(e);
		char *end;

		if (!*name)
			return conf_fail(c, e, "%s: empty name", what);
		if (!isdigit((unsigned char)*name)) {
			if (user) {
				struct passwd *pw = getpwnam(name);

				if (!pw)
					return conf_fail(c, e, "unknown user \"%s\"",
							 name);
				((uid_t *)out)[i] = pw->pw_uid;
			} else {
				struct group *gr = getgrnam(name);

				if (!gr)
					return conf_fail(c, e, "unknown group \"%s\"",
							 name);
				((gid_t *)out)[i] = gr->gr_gid;
			}
			return true;
		}
		errno = 0;
		v = strtoll(name, &end, 10);
		if (*end || errno)
			return conf_fail(c, e, "unknown %s \"%s\"", what, name);
	} else if (!conf_int(e, &v)) {
		return conf_fail(c, e, "%s: expected a %s name or %s, or a list of them",
				 what, what, user ? "uid" : "gid");
	}
	if (v < 0 || v >= (long long)UINT32_MAX)
		return conf_fail(c, e, "%s: %lld is out of range", what, v);
	((uint32_t *)out)[i] = (uint32_t)v;
	return true;
}

static bool one_user(struct conf_ctx *c, const config_setting_t *e, void *out,
		     size_t i)
{
	return one_id(c, e, out, i, true);
}

static bool one_group(struct conf_ctx *c, const config_setting_t *e, void *out,
		      size_t i)
{
	return one_id(c, e, out, i, false);
}

static bool one_op(struct conf_ctx *c, const config_setting_t *e, void *out,
		   size_t i)
{
	int op;

	(void)i;
	if (config_setting_type(e) != CONFIG_TYPE_STRING)
		return conf_fail(c, e, "op: expected an operation name, or a list of them");
	op = op_from_name(config_setting_get_string(e));
	if (op < 0)
		return conf_fail(c, e,
				 "unknown op \"%s\" (expected socket, bind, connect, listen, accept, send)",
				 config_setting_get_string(e));
	*(unsigned int *)out |= 1u << op;
	return true;
}

static bool one_proto(struct conf_ctx *c, const config_setting_t *e, void *out,
		      size_t i)
{
	static const char *const names[] = {
		[PROTO_TCP] = "tcp", [PROTO_UDP] = "udp",
		[PROTO_ICMP] = "icmp", [PROTO_RAW] = "raw",
	};
	struct proto_spec *p = &((struct proto_spec *)out)[i];
	long long v;

	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		const char *name = config_setting_get_string(e);

		for (int k = 0; k < 4; k++) {
			if (!strcmp(name, names[k])) {
				*p = (struct proto_spec){ .kind = (enum proto_kind)k };
				return true;
			}
		}
		return conf_fail(c, e,
				 "unknown proto \"%s\" (expected tcp, udp, icmp, raw or a protocol number)",
				 name);
	}
	if (!conf_int(e, &v))
		return conf_fail(c, e, "proto: expected a protocol name or number, or a list of them");
	if (v < 0 || v > 65535)
		return conf_fail(c, e, "proto: %lld is out of range (0..65535)", v);
	*p = (struct proto_spec){ .kind = PROTO_NUMBER, .number = (int)v };
	return true;
}

void cidr_format(const struct cidr *c, char *buf, size_t len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char host[INET6_ADDRSTRLEN];

	if (c->bits >= 96 && !memcmp(c->addr, mapped, sizeof(mapped))) {
		inet_ntop(AF_INET, c->addr + 12, host, sizeof(host));
		if (c->bits == 128)
			snprintf(buf, len, "%s", host);
		else
			snprintf(buf, len, "%s/%u", host, c->bits - 96);
	} else {
		inet_ntop(AF_INET6, c->addr, host, sizeof(host));
		if (c->bits == 128)
			snprintf(buf, len, "%s", host);
		else
			snprintf(buf, len, "%s/%u", host, c->bits);
	}
}

static bool one_cidr(struct conf_ctx *c, const config_setting_t *e, void *out,
		     size_t i)
{
	struct cidr *cidr = &((struct cidr *)out)[i], masked;
	char host[INET6_ADDRSTRLEN + 1], fixed[64];
	const char *text, *slash;
	unsigned int max, bits;
	uint8_t v4[4];

	if (config_setting_type(e) != CONFIG_TYPE_STRING)
		return conf_fail(c, e, "%s: expected an address or CIDR string, or a list of them",
				 field(e));
	text = config_setting_get_string(e);
	slash = strchr(text, '/');
	if ((slash ? (size_t)(slash - text) : strlen(text)) >= sizeof(host))
		goto bad;
	snprintf(host, sizeof(host), "%.*s",
		 slash ? (int)(slash - text) : (int)strlen(text), text);
	memset(cidr, 0, sizeof(*cidr));
	if (inet_pton(AF_INET, host, v4) == 1) {
		cidr->addr[10] = cidr->addr[11] = 0xff;
		memcpy(cidr->addr + 12, v4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, host, cidr->addr) == 1) {
		max = 128;
	} else {
		goto bad;
	}
	bits = max;
	if (slash) {
		const char *p = slash + 1;

		if (!*p || strlen(p) > 3 || strspn(p, "0123456789") != strlen(p))
			goto bad;
		bits = (unsigned int)atoi(p);
		if (bits > max)
			return conf_fail(c, e,
					 "%s: bad prefix length in \"%s\" (0..%u for IPv%c)",
					 field(e), text, max, max == 32 ? '4' : '6');
	}
	cidr->bits = bits + 128 - max;
	masked = *cidr;
	for (unsigned int b = cidr->bits; b < 128; b++)
		masked.addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	if (memcmp(masked.addr, cidr->addr, 16)) {
		cidr_format(&masked, fixed, sizeof(fixed));
		return conf_fail(c, e,
				 "%s: \"%s\" has bits set past the prefix (did you mean %s?)",
				 field(e), text, fixed);
	}
	return true;
bad:
	return conf_fail(c, e,
			 "%s: bad address \"%s\" (expected an IPv4 or IPv6 address, optionally with /prefix)",
			 field(e), text);
}

static bool port_number(const char *s, const char *end, long *v)
{
	if (s == end || end - s > 5)
		return false;
	for (const char *p = s; p < end; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	*v = strtol(s, NULL, 10);
	return true;
}

static bool one_port(struct conf_ctx *c, const config_setting_t *e, void *out,
		     size_t i)
{
	struct port_range *p = &((struct port_range *)out)[i];
	long long v;
	long lo, hi;

	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(e);
		const char *dash = strchr(text, '-');
		const char *end = text + strlen(text);

		bool ok;

		if (dash) {
			ok = port_number(text, dash, &lo) &&
			     port_number(dash + 1, end, &hi);
		} else {
			ok = port_number(text, end, &lo);
			hi = lo;
		}
		if (!ok)
			return conf_fail(c, e,
					 "%s: bad port \"%s\" (expected a number 0..65535 or a range \"lo-hi\")",
					 field(e), text);
		if (lo > 65535 || hi > 65535)
			return conf_fail(c, e,
					 "%s: \"%s\" is out of range (0..65535)",
					 field(e), text);
		if (lo > hi)
			return conf_fail(c, e,
					 "%s: bad range \"%s\" (the first port is above the second)",
					 field(e), text);
	} else if (conf_int(e, &v)) {
		if (v < 0 || v > 65535)
			return conf_fail(c, e, "%s: %lld is out of range (0..65535)",
					 field(e), v);
		lo = hi = (long)v;
	} else {
		return conf_fail(c, e,
				 "%s: expected a port, a \"lo-hi\" range, or a list of them",
				 field(e));
	}
	p->lo = (uint16_t)lo;
	p->hi = (uint16_t)hi;
	return true;
}

#define LIST_FIELD(c, s, one, expected, v, n)				\
	(alloc_values(c, s, (void **)&(v), sizeof(*(v))) &&		\
	 for_each_value(c, s, expected, one, v, &(n)))

static bool parse_time(struct conf_ctx *c, const config_setting_t *s, time_t *t)
{
	long long v;

	if (!conf_int(s, &v) || v < 0)
		return conf_fail(c, s, "%s: expected a unix time",
				 config_setting_name(s));
	*t = (time_t)v;
	return true;
}

static bool parse_field(struct conf_ctx *c, const config_setting_t *s,
			struct rule *r, bool remembered)
{
	const char *name = config_setting_name(s);
	size_t n = 0;

	if (!strcmp(name, "action")) {
		const char *v;

		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_fail(c, s, "action: expected \"allow\" or \"deny\"");
		v = config_setting_get_string(s);
		if (!strcmp(v, "allow"))
			r->action = VERDICT_ALLOW;
		else if (!strcmp(v, "deny"))
			r->action = VERDICT_DENY;
		else
			return conf_fail(c, s,
					 "unknown action \"%s\" (expected allow, deny)",
					 v);
		return true;
	}
	if (!strcmp(name, "errno"))
		return parse_errno(c, s, r);
	if (!remembered && !strcmp(name, "priority"))
		return conf_bool(c, s, &r->priority);
	if (!strcmp(name, "comment"))
		return conf_string(c, s, &r->comment);
	if (!strcmp(name, "exe"))
		return parse_path(c, s, &r->exe, &r->exe_glob);
	if (!strcmp(name, "sha256"))
		return parse_sha256(c, s, r);
	if (!strcmp(name, "parent"))
		return parse_path(c, s, &r->parent, &r->parent_glob);
	if (!strcmp(name, "user"))
		return LIST_FIELD(c, s, one_user, "a user name or uid, or a list of them",
				  r->users, r->n_users);
	if (!strcmp(name, "group"))
		return LIST_FIELD(c, s, one_group, "a group name or gid, or a list of them",
				  r->groups, r->n_groups);
	if (!strcmp(name, "op"))
		return for_each_value(c, s, "an operation name, or a list of them",
				      one_op, &r->ops, &n);
	if (!strcmp(name, "family")) {
		const char *v;

		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_fail(c, s, "family: expected \"inet\" or \"inet6\"");
		v = config_setting_get_string(s);
		if (!strcmp(v, "inet"))
			r->family = AF_INET;
		else if (!strcmp(v, "inet6"))
			r->family = AF_INET6;
		else
			return conf_fail(c, s,
					 "unknown family \"%s\" (expected inet, inet6)",
					 v);
		return true;
	}
	if (!strcmp(name, "proto"))
		return LIST_FIELD(c, s, one_proto, "a protocol name or number, or a list of them",
				  r->protos, r->n_protos);
	if (!strcmp(name, "remote"))
		return LIST_FIELD(c, s, one_cidr, "an address or CIDR string, or a list of them",
				  r->remote, r->n_remote);
	if (!strcmp(name, "local"))
		return LIST_FIELD(c, s, one_cidr, "an address or CIDR string, or a list of them",
				  r->local, r->n_local);
	if (!strcmp(name, "port"))
		return LIST_FIELD(c, s, one_port, "a port, a \"lo-hi\" range, or a list of them",
				  r->ports, r->n_ports);
	if (!strcmp(name, "local_port"))
		return LIST_FIELD(c, s, one_port, "a port, a \"lo-hi\" range, or a list of them",
				  r->local_ports, r->n_local_ports);
	if (remembered && !strcmp(name, "expires"))
		return parse_time(c, s, &r->expires);
	if (remembered && !strcmp(name, "created"))
		return parse_time(c, s, &r->created);
	return conf_fail(c, s, "unknown field \"%s\" (expected %s)", name,
			 remembered ? remembered_fields : rule_fields);
}

struct rule *rule_parse(const config_setting_t *g, const char *file,
			unsigned int index, bool remembered,
			char *err, size_t errlen)
{
	struct conf_ctx c = { .file = file, .err = err, .errlen = errlen };
	const config_setting_t *errno_setting;
	struct rule *r;

	snprintf(c.what, sizeof(c.what), "rule %u", index);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_fail(&c, g, "expected a group { action = ...; ... }");
		return NULL;
	}
	r = rule_new();
	if (!r) {
		conf_fail(&c, g, "%s", strerror(ENOMEM));
		return NULL;
	}
	r->line = config_setting_source_line(g);
	for (int i = 0; i < config_setting_length(g); i++)
		if (!parse_field(&c, config_setting_get_elem(g, (unsigned int)i),
				 r, remembered))
			goto fail;
	if (r->action == VERDICT_NONE) {
		conf_fail(&c, g, "missing action (allow or deny)");
		goto fail;
	}
	errno_setting = config_setting_get_member(g, "errno");
	if (errno_setting && r->action != VERDICT_DENY) {
		conf_fail(&c, errno_setting, "errno: only a deny rule can have one");
		goto fail;
	}
	if (r->expires)
		r->duration = DURATION_MINUTES;
	r->remembered = remembered;
	return r;
fail:
	rule_free(r);
	return NULL;
}


/* Writing rules back */

/* A libconfig string; an exact path also escapes the glob characters. */
static void put_string(FILE *f, const char *s, bool exact_path)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (exact_path && strchr("*?[\\", *p))
			fputs("\\\\", f);
		switch (*p) {
		case '"':
		case '\\':
			fprintf(f, "\\%c", *p);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void put_ids(FILE *f, const char *name, const uint32_t *v, size_t n)
{
	if (!n)
		return;
	fprintf(f, " %s = (", name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %u%s", i ? "," : "", v[i],
			v[i] > INT32_MAX ? "L" : "");
	fputs(" );", f);
}

static void put_cidrs(FILE *f, const char *name, const struct cidr *v,
		      size_t n)
{
	char buf[64];

	if (!n)
		return;
	fprintf(f, " %s = (", name);
	for (size_t i = 0; i < n; i++) {
		cidr_format(&v[i], buf, sizeof(buf));
		fprintf(f, "%s \"%s\"", i ? "," : "", buf);
	}
	fputs(" );", f);
}

static void put_ports(FILE *f, const char *name, const struct port_range *v,
		      size_t n)
{
	if (!n)
		return;
	fprintf(f, " %s = (", name);
	for (size_t i = 0; i < n; i++) {
		if (v[i].lo == v[i].hi)
			fprintf(f, "%s %u", i ? "," : "", v[i].lo);
		else
			fprintf(f, "%s \"%u-%u\"", i ? "," : "", v[i].lo,
				v[i].hi);
	}
	fputs(" );", f);
}

void rule_write(FILE *f, const struct rule *r)
{
	static const char *const protos[] = {
		[PROTO_TCP] = "tcp", [PROTO_UDP] = "udp",
		[PROTO_ICMP] = "icmp", [PROTO_RAW] = "raw",
	};

	fprintf(f, "  { action = \"%s\";",
		r->action == VERDICT_DENY ? "deny" : "allow");
	if (r->error) {
		if (errno_name(r->error))
			fprintf(f, " errno = \"%s\";", errno_name(r->error));
		else
			fprintf(f, " errno = %d;", r->error);
	}
	if (r->priority)
		fputs(" priority = true;", f);
	if (r->exe) {
		fputs(" exe = ", f);
		put_string(f, r->exe, !r->exe_glob);
		fputc(';', f);
	}
	if (r->has_sha256) {
		fputs(" sha256 = \"", f);
		for (size_t i = 0; i < SHA256_LEN; i++)
			fprintf(f, "%02x", r->sha256[i]);
		fputs("\";", f);
	}
	if (r->parent) {
		fputs(" parent = ", f);
		put_string(f, r->parent, !r->parent_glob);
		fputc(';', f);
	}
	put_ids(f, "user", r->users, r->n_users);
	put_ids(f, "group", r->groups, r->n_groups);
	if (r->ops) {
		const char *sep = "";

		fputs(" op = (", f);
		for (int op = 0; op < 32; op++) {
			if (r->ops & (1u << op)) {
				fprintf(f, "%s \"%s\"", sep, op_name(op));
				sep = ",";
			}
		}
		fputs(" );", f);
	}
	if (r->family)
		fprintf(f, " family = \"%s\";",
			r->family == AF_INET ? "inet" : "inet6");
	if (r->n_protos) {
		fputs(" proto = (", f);
		for (size_t i = 0; i < r->n_protos; i++) {
			fputs(i ? ", " : " ", f);
			if (r->protos[i].kind == PROTO_NUMBER)
				fprintf(f, "%d", r->protos[i].number);
			else
				fprintf(f, "\"%s\"", protos[r->protos[i].kind]);
		}
		fputs(" );", f);
	}
	put_cidrs(f, "remote", r->remote, r->n_remote);
	put_cidrs(f, "local", r->local, r->n_local);
	put_ports(f, "port", r->ports, r->n_ports);
	put_ports(f, "local_port", r->local_ports, r->n_local_ports);
	if (r->comment) {
		fputs(" comment = ", f);
		put_string(f, r->comment, false);
		fputc(';', f);
	}
	if (r->created)
		fprintf(f, " created = %lldL;", (long long)r->created);
	if (r->expires)
		fprintf(f, " expires = %lldL;", (long long)r->expires);
	fputs(" }", f);
}

char *rule_to_text(const struct rule *r)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	rule_write(f, r);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	/* One line, without the indent the store's files use. */
	memmove(text, text + 2, len - 1);
	return text;
}

struct rule *rule_parse_text(const char *text, const char *file,
			     bool remembered, char *err, size_t errlen)
{
	config_setting_t *list;
	struct rule *r = NULL;
	config_t lc;
	char *wrapped;

	/* The rule on line 1, as the group of a one-element rules list. */
	if (asprintf(&wrapped, "rules = ( %s\n);", text) < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(ENOMEM));
		return NULL;
	}
	config_init(&lc);
	if (strstr(text, "@include")) {
		snprintf(err, errlen, "%s:1: @include is not supported", file);
	} else if (!config_read_string(&lc, wrapped)) {
		snprintf(err, errlen, "%s:%d: %s", file, config_error_line(&lc),
			 config_error_text(&lc));
	} else {
		list = config_lookup(&lc, "rules");
		if (config_setting_length(list) != 1)
			snprintf(err, errlen, "%s:1: expected one rule { action = ...; ... }",
				 file);
		else
			r = rule_parse(config_setting_get_elem(list, 0), file, 1,
				       remembered, err, errlen);
	}
	config_destroy(&lc);
	free(wrapped);
	return r;
}
