// SPDX-License-Identifier: GPL-2.0
/*
 * Text around the wire format: names of its enums, escaping untrusted
 * strings (a program chooses its own path and thread name, so both may
 * hold anything), an ASK in plain words, and a person's typed answer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sactl/wire.h"

const char *wire_op_name(unsigned int op)
{
	static const char *const names[] = {
		[WIRE_OP_SOCKET] = "socket", [WIRE_OP_BIND] = "bind",
		[WIRE_OP_CONNECT] = "connect", [WIRE_OP_LISTEN] = "listen",
		[WIRE_OP_ACCEPT] = "accept", [WIRE_OP_SEND] = "send",
	};

	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "?";
}

const char *wire_verdict_name(unsigned int verdict)
{
	return verdict == WIRE_ALLOW ? "allow" : verdict == WIRE_DENY ? "deny" : "?";
}

const char *wire_duration_name(unsigned int duration)
{
	static const char *const names[] = {
		[WIRE_ONCE] = "once", [WIRE_PROCESS] = "process",
		[WIRE_MINUTES] = "minutes", [WIRE_SESSION] = "session",
		[WIRE_FOREVER] = "forever",
	};

	return duration < sizeof(names) / sizeof(names[0]) ? names[duration] : "?";
}

const char *wire_scope_name(unsigned int scope)
{
	static const char *const names[] = {
		[WIRE_DESTINATION] = "destination", [WIRE_PORT] = "port",
		[WIRE_PROGRAM] = "program",
	};

	return scope < sizeof(names) / sizeof(names[0]) ? names[scope] : "?";
}

const char *wire_reason_text(unsigned int reason)
{
	switch (reason) {
	case WIRE_ANSWERED:
		return "answered elsewhere";
	case WIRE_TIMED_OUT:
		return "timed out";
	case WIRE_GONE:
		return "the program went away";
	case WIRE_SHUTDOWN:
		return "sactld is shutting down";
	default:
		return "?";
	}
}

/*
 * Length of the valid UTF-8 sequence at @s (of @n bytes), its code point
 * in *cp; 0 if the bytes there are not one.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	unsigned int c = s[0], v, min;
	size_t k;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		k = 1, v = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		k = 2, v = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		k = 3, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n <= k)
		return 0;
	for (size_t j = 1; j <= k; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[j] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k + 1;
}

static bool is_control(unsigned int cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

/* Characters that reorder text on screen (Trojan Source style). */
static bool is_bidi(unsigned int cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Append @piece (@n bytes) if it fits with the final NUL. */
static bool put(char *out, size_t outlen, size_t *pos, const char *piece,
		size_t n)
{
	if (outlen - *pos <= n)
		return false;
	memcpy(out + *pos, piece, n);
	*pos += n;
	return true;
}

char *wire_escape(const void *in, size_t inlen, char *out, size_t outlen)
{
	const unsigned char *s = in;
	size_t pos = 0, i = 0;

	if (!outlen)
		return out;
	while (i < inlen) {
		unsigned int cp;
		size_t k = utf8_seq(s + i, inlen - i, &cp);
		char esc[8];

		if (k && !is_control(cp) && cp != '\\') {
			if (!put(out, outlen, &pos, (const char *)s + i, k))
				break;
			i += k;
			continue;
		}
		/* One byte at a time, so invalid sequences resync. */
		snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
		if (!put(out, outlen, &pos, esc, 4))
			break;
		i++;
	}
	out[pos] = '\0';
	return out;
}

char *wire_display(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), pos = 0, i = 0;

	if (!outlen)
		return out;
	while (i < n) {
		unsigned int cp;
		size_t k = utf8_seq(s + i, n - i, &cp);
		char esc[16];
		int elen;

		if (k && !is_control(cp) && !is_bidi(cp)) {
			if (!put(out, outlen, &pos, in + i, k))
				break;
			i += k;
			continue;
		}
		if (!k || cp < 0x80)
			elen = snprintf(esc, sizeof(esc), "\\x%02x", s[i]), k = 1;
		else
			elen = snprintf(esc, sizeof(esc), "\\u{%04x}", cp);
		if (!put(out, outlen, &pos, esc, (size_t)elen))
			break;
		i += k;
	}
	out[pos] = '\0';
	return out;
}

static void append(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= outlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *pos, outlen - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n < outlen - *pos ? (size_t)n : outlen - *pos - 1;
}

/* "93.184.216.34 port 443", display-safe, into @buf. */
static const char *where(const struct wire_msg *m, unsigned int addr_tag,
			 unsigned int port_tag, char *buf, size_t len)
{
	char addr[160];
	const char *a = wire_str(m, addr_tag);

	wire_display(a ? a : "an unknown address", addr, sizeof(addr));
	if (wire_has(m, port_tag))
		snprintf(buf, len, "%s port %u", addr,
			 (unsigned int)wire_num(m, port_tag, 0));
	else
		snprintf(buf, len, "%s", addr);
	return buf;
}

char *wire_describe_ask(const struct wire_msg *ask, char *out, size_t outlen)
{
	const char *comm = wire_str(ask, WIRE_T_COMM);
	const char *exe = wire_str(ask, WIRE_T_EXE);
	char name[256], path[1024], proto[96], l[256], r[256];
	const char *base;
	size_t pos = 0;

	if (!outlen)
		return out;
	out[0] = '\0';
	base = exe ? strrchr(exe, '/') : NULL;
	base = base ? base + 1 : exe;
	if (comm && *comm)
		wire_display(comm, name, sizeof(name));
	else if (base && *base)
		wire_display(base, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "a program");
	wire_display(wire_str(ask, WIRE_T_PROTO) ? wire_str(ask, WIRE_T_PROTO) : "?",
		     proto, sizeof(proto));
	append(out, outlen, &pos, "%s (pid %u", name,
	       (unsigned int)wire_num(ask, WIRE_T_PID, 0));
	if (exe && *exe)
		append(out, outlen, &pos, ", %s",
		       wire_display(exe, path, sizeof(path)));
	append(out, outlen, &pos, ") wants to ");
	where(ask, WIRE_T_LOCAL_ADDR, WIRE_T_LOCAL_PORT, l, sizeof(l));
	where(ask, WIRE_T_REMOTE_ADDR, WIRE_T_REMOTE_PORT, r, sizeof(r));
	switch (wire_num(ask, WIRE_T_OP, 0)) {
	case WIRE_OP_SOCKET:
		append(out, outlen, &pos, "open a %s socket (IPv%u)", proto,
		       (unsigned int)wire_num(ask, WIRE_T_FAMILY, 0));
		return out;
	case WIRE_OP_BIND:
		append(out, outlen, &pos, "bind to %s", l);
		break;
	case WIRE_OP_CONNECT:
		append(out, outlen, &pos, "connect to %s", r);
		break;
	case WIRE_OP_LISTEN:
		append(out, outlen, &pos, "listen on %s", l);
		break;
	case WIRE_OP_ACCEPT:
		append(out, outlen, &pos, "accept a connection from %s", r);
		if (wire_has(ask, WIRE_T_LOCAL_PORT))
			append(out, outlen, &pos, " on port %u",
			       (unsigned int)wire_num(ask, WIRE_T_LOCAL_PORT, 0));
		break;
	case WIRE_OP_SEND:
		append(out, outlen, &pos, "send to %s", r);
		break;
	default:
		append(out, outlen, &pos, "do something unknown");
		break;
	}
	append(out, outlen, &pos, " (%s%s)", proto,
	       wire_num(ask, WIRE_T_FLAGS, 0) & WIRE_ASK_FASTOPEN ?
	       ", TCP Fast Open" : "");
	return out;
}

static void answer_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void answer_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "15m", "2h", "1d" -> minutes; false if @w is not such a word. */
static bool parse_span(const char *w, unsigned long *minutes, bool *bad)
{
	char *end;
	unsigned long n, mult;

	*bad = false;
	if (!isdigit((unsigned char)w[0]))
		return false;
	errno = 0;
	n = strtoul(w, &end, 10);
	if (!strcasecmp(end, "m") || !strcasecmp(end, "min"))
		mult = 1;
	else if (!strcasecmp(end, "h"))
		mult = 60;
	else if (!strcasecmp(end, "d"))
		mult = 24 * 60;
	else
		return false;
	if (errno || n == 0 || n > WIRE_MAX_MINUTES / mult)
		*bad = true;
	else
		*minutes = n * mult;
	return true;
}

static int parse_word(const char *w, struct wire_answer_words *out,
		      bool *have_dur, bool *have_scope, char *err, size_t errlen)
{
	static const struct { const char *w; enum wire_duration d; } durs[] = {
		{ "once", WIRE_ONCE }, { "process", WIRE_PROCESS },
		{ "session", WIRE_SESSION }, { "forever", WIRE_FOREVER },
		{ "always", WIRE_FOREVER },
	};
	static const struct { const char *w; enum wire_scope s; } scopes[] = {
		{ "destination", WIRE_DESTINATION }, { "dest", WIRE_DESTINATION },
		{ "host", WIRE_DESTINATION }, { "port", WIRE_PORT },
		{ "program", WIRE_PROGRAM }, { "app", WIRE_PROGRAM },
	};
	unsigned long minutes = 0;
	bool bad;
	int dur = -1;

	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++)
		if (!strcasecmp(w, durs[i].w))
			dur = (int)durs[i].d;
	if (dur < 0 && parse_span(w, &minutes, &bad)) {
		if (bad) {
			answer_err(err, errlen, "'%s': between 1 minute and 365 days", w);
			return -EINVAL;
		}
		dur = WIRE_MINUTES;
	}
	if (dur >= 0) {
		if (*have_dur) {
			answer_err(err, errlen, "'%s': a second duration", w);
			return -EINVAL;
		}
		*have_dur = true;
		out->duration = (enum wire_duration)dur;
		out->minutes = (unsigned int)minutes;
		return 0;
	}
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		if (strcasecmp(w, scopes[i].w))
			continue;
		if (*have_scope) {
			answer_err(err, errlen, "'%s': a second scope", w);
			return -EINVAL;
		}
		*have_scope = true;
		out->scope = scopes[i].s;
		return 0;
	}
	answer_err(err, errlen,
		   "'%s' is neither a duration (once, process, 15m, 2h, 1d, session, forever) nor a scope (destination, port, program)",
		   w);
	return -EINVAL;
}

int wire_parse_answer(const char *line, struct wire_answer_words *out,
		      char *err, size_t errlen)
{
	char buf[256], *save = NULL, *w;
	bool have_dur = false, have_scope = false;

	memset(out, 0, sizeof(*out));
	out->duration = WIRE_ONCE;
	out->scope = WIRE_DESTINATION;
	if (strlen(line) >= sizeof(buf)) {
		answer_err(err, errlen, "answer too long");
		return -EINVAL;
	}
	strcpy(buf, line);
	w = strtok_r(buf, " \t\r\n", &save);
	if (!w) {
		answer_err(err, errlen, "empty answer: say a(llow) or d(eny)");
		return -EINVAL;
	}
	if (!strcasecmp(w, "a") || !strcasecmp(w, "allow")) {
		out->verdict = WIRE_ALLOW;
	} else if (!strcasecmp(w, "d") || !strcasecmp(w, "deny")) {
		out->verdict = WIRE_DENY;
	} else {
		answer_err(err, errlen, "'%s': start with a(llow) or d(eny)", w);
		return -EINVAL;
	}
	while ((w = strtok_r(NULL, " \t\r\n", &save)))
		if (parse_word(w, out, &have_dur, &have_scope, err, errlen))
			return -EINVAL;
	return 0;
}
