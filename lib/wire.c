// SPDX-License-Identifier: GPL-2.0
/*
 * The frame codec of sactld's sockets: message schemas, validation, the
 * encoder and the streaming decoder.  The format is documented in
 * include/sactl/wire.h.  Everything that comes off a socket is hostile
 * until wire_decode() has accepted it, and what we send passes the same
 * checks, so a peer never gets a frame we would reject ourselves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sactl/wire.h"

#define U8MAX	0xffu
#define U16MAX	0xffffu
#define U32MAX	0xffffffffu
#define U64MAX	UINT64_MAX

static const struct wire_tag_info tag_table[WIRE_TAG_LIMIT] = {
	[WIRE_T_VERSION]	= { "version", WIRE_K_U16, 1, U16MAX },
	[WIRE_T_NAME]		= { "name", WIRE_K_STRING, 1, 64 },
	[WIRE_T_UID]		= { "uid", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_TIMEOUT]	= { "timeout", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_DEFAULT]	= { "default", WIRE_K_U8, WIRE_ALLOW, WIRE_DENY },
	[WIRE_T_ALL_USERS]	= { "all_users", WIRE_K_BOOL, 0, 1 },
	[WIRE_T_PROMPT_ID]	= { "prompt_id", WIRE_K_U64, 1, U64MAX },
	[WIRE_T_OP]		= { "op", WIRE_K_U8, WIRE_OP_SOCKET, WIRE_OP_SEND },
	[WIRE_T_PID]		= { "pid", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_PPID]		= { "ppid", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_EXE]		= { "exe", WIRE_K_STRING, 0, 16384 },
	[WIRE_T_PARENT_EXE]	= { "parent_exe", WIRE_K_STRING, 0, 16384 },
	[WIRE_T_SHA256]		= { "sha256", WIRE_K_STRING, 64, 64 },
	[WIRE_T_COMM]		= { "comm", WIRE_K_STRING, 0, 64 },
	[WIRE_T_FAMILY]		= { "family", WIRE_K_U8, 4, 6 },
	[WIRE_T_PROTO]		= { "proto", WIRE_K_STRING, 1, 32 },
	[WIRE_T_LOCAL_ADDR]	= { "local_addr", WIRE_K_STRING, 1, 64 },
	[WIRE_T_LOCAL_PORT]	= { "local_port", WIRE_K_U16, 0, U16MAX },
	[WIRE_T_REMOTE_ADDR]	= { "remote_addr", WIRE_K_STRING, 1, 64 },
	[WIRE_T_REMOTE_PORT]	= { "remote_port", WIRE_K_U16, 0, U16MAX },
	[WIRE_T_FLAGS]		= { "flags", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_SECONDS_LEFT]	= { "seconds_left", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_REASON]		= { "reason", WIRE_K_U8, WIRE_ANSWERED, WIRE_SHUTDOWN },
	[WIRE_T_VERDICT]	= { "verdict", WIRE_K_U8, WIRE_ALLOW, WIRE_DENY },
	[WIRE_T_DURATION]	= { "duration", WIRE_K_U8, WIRE_ONCE, WIRE_FOREVER },
	[WIRE_T_MINUTES]	= { "minutes", WIRE_K_U32, 1, WIRE_MAX_MINUTES },
	[WIRE_T_SCOPE]		= { "scope", WIRE_K_U8, WIRE_DESTINATION, WIRE_PROGRAM },
	[WIRE_T_TEXT]		= { "text", WIRE_K_STRING, 0, 32768 },
	[WIRE_T_SYSTEM]		= { "system", WIRE_K_BOOL, 0, 1 },
	[WIRE_T_INDEX]		= { "index", WIRE_K_U32, 1, U32MAX },
	[WIRE_T_ORIGIN]		= { "origin", WIRE_K_STRING, 1, 256 },
	[WIRE_T_ERRNO]		= { "errno", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_COUNT]		= { "count", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_DROPPED]	= { "dropped", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_ATTACHED]	= { "attached", WIRE_K_BOOL, 0, 1 },
	[WIRE_T_UPTIME]		= { "uptime", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_PENDING]	= { "pending", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_PROMPTS]	= { "prompts", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_AGENTS]		= { "agents", WIRE_K_U32, 0, U32MAX },
	[WIRE_T_REQUESTS]	= { "requests", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_ALLOWED]	= { "allowed", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_DENIED]		= { "denied", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_BY_RULE]	= { "by_rule", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_BY_USER]	= { "by_user", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_BY_DEFAULT]	= { "by_default", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_MODULE]		= { "module", WIRE_K_BOOL, 0, 1 },
	[WIRE_T_M_REQUESTS]	= { "m_requests", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_ALLOWED]	= { "m_allowed", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_DENIED]	= { "m_denied", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_TIMEOUTS]	= { "m_timeouts", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_DEFAULTS]	= { "m_defaults", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_OVERFLOWS]	= { "m_overflows", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_CANCELLED]	= { "m_cancelled", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_PENDING]	= { "m_pending", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_CACHE]		= { "cache", WIRE_K_U8, WIRE_CACHE_ON, WIRE_CACHE_FULL },
	[WIRE_T_CACHE_PUSHED]	= { "cache_pushed", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_CACHE_FLUSHES]	= { "cache_flushes", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_CACHE_HITS]	= { "m_cache_hits", WIRE_K_U64, 0, U64MAX },
	[WIRE_T_M_CACHE_RULES]	= { "m_cache_rules", WIRE_K_U64, 0, U64MAX },
};

/* A field of a message type: tag, and R(equired) or O(ptional). */
struct field {
	uint8_t tag;
	bool required;
};
#define R(t)	{ WIRE_T_##t, true }
#define O(t)	{ WIRE_T_##t, false }
#define END	{ 0, false }

static const struct field f_agent_hello[] = { R(VERSION), R(NAME), O(UID), END };
static const struct field f_hello[] = {
	R(VERSION), R(UID), R(TIMEOUT), R(DEFAULT), O(ALL_USERS), END };
static const struct field f_ask[] = {
	R(PROMPT_ID), R(OP), R(PID), R(UID), R(FAMILY), R(PROTO),
	R(SECONDS_LEFT), R(DEFAULT), O(PPID), O(EXE), O(PARENT_EXE),
	O(SHA256), O(COMM), O(LOCAL_ADDR), O(LOCAL_PORT), O(REMOTE_ADDR),
	O(REMOTE_PORT), O(FLAGS), END };
static const struct field f_withdraw[] = {
	R(PROMPT_ID), R(REASON), O(VERDICT), END };
static const struct field f_answer[] = {
	R(PROMPT_ID), R(VERDICT), O(DURATION), O(MINUTES), O(SCOPE), END };
static const struct field f_none[] = { END };
static const struct field f_rules_list[] = { O(SYSTEM), O(UID), END };
static const struct field f_rule_add[] = { R(TEXT), O(UID), END };
static const struct field f_rule_del[] = { O(UID), O(INDEX), O(ORIGIN), END };
static const struct field f_ok[] = {
	O(COUNT), O(INDEX), O(ORIGIN), O(TEXT), O(NAME), O(ATTACHED),
	O(UPTIME), O(PENDING), O(PROMPTS), O(AGENTS), O(REQUESTS),
	O(ALLOWED), O(DENIED), O(BY_RULE), O(BY_USER), O(BY_DEFAULT),
	O(MODULE), O(M_REQUESTS), O(M_ALLOWED), O(M_DENIED), O(M_TIMEOUTS),
	O(M_DEFAULTS), O(M_OVERFLOWS), O(M_CANCELLED), O(M_PENDING),
	O(CACHE), O(CACHE_PUSHED), O(CACHE_FLUSHES), O(M_CACHE_HITS),
	O(M_CACHE_RULES), END };
static const struct field f_error[] = { R(TEXT), O(ERRNO), END };
static const struct field f_rule[] = {
	R(INDEX), R(TEXT), O(ORIGIN), O(UID), END };
static const struct field f_event[] = { R(TEXT), O(DROPPED), END };

#undef R
#undef O
#undef END

static const struct {
	const char *name;
	const struct field *fields;
} type_table[] = {
	[WIRE_AGENT_HELLO]	= { "AGENT_HELLO", f_agent_hello },
	[WIRE_HELLO]		= { "HELLO", f_hello },
	[WIRE_ASK]		= { "ASK", f_ask },
	[WIRE_WITHDRAW]		= { "WITHDRAW", f_withdraw },
	[WIRE_ANSWER]		= { "ANSWER", f_answer },
	[WIRE_STATUS]		= { "STATUS", f_none },
	[WIRE_RULES_LIST]	= { "RULES_LIST", f_rules_list },
	[WIRE_RULE_ADD]		= { "RULE_ADD", f_rule_add },
	[WIRE_RULE_DEL]		= { "RULE_DEL", f_rule_del },
	[WIRE_RELOAD]		= { "RELOAD", f_none },
	[WIRE_WATCH]		= { "WATCH", f_none },
	[WIRE_OK]		= { "OK", f_ok },
	[WIRE_ERROR]		= { "ERROR", f_error },
	[WIRE_RULE]		= { "RULE", f_rule },
	[WIRE_EVENT]		= { "EVENT", f_event },
};
#define TYPE_COUNT	(sizeof(type_table) / sizeof(type_table[0]))

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const struct wire_tag_info *wire_tag_info(unsigned int tag)
{
	if (tag >= WIRE_TAG_LIMIT || !tag_table[tag].name)
		return NULL;
	return &tag_table[tag];
}

const char *wire_type_name(unsigned int type)
{
	if (type >= TYPE_COUNT)
		return NULL;
	return type_table[type].name;
}

static const struct field *type_fields(unsigned int type)
{
	return type < TYPE_COUNT ? type_table[type].fields : NULL;
}

static const struct field *find_field(const struct field *f, unsigned int tag)
{
	for (; f->tag; f++)
		if (f->tag == tag)
			return f;
	return NULL;
}

/* Strict UTF-8 (RFC 3629) without NUL. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp, min;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

void wire_msg_init(struct wire_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

void wire_msg_clear(struct wire_msg *m)
{
	free(m->strings);
	wire_msg_init(m, 0);
}

bool wire_has(const struct wire_msg *m, unsigned int tag)
{
	return tag < WIRE_TAG_LIMIT && (m->have[tag / 64] >> (tag % 64) & 1);
}

static void mark(struct wire_msg *m, unsigned int tag)
{
	m->have[tag / 64] |= 1ULL << (tag % 64);
}

uint64_t wire_num(const struct wire_msg *m, unsigned int tag, uint64_t dflt)
{
	return wire_has(m, tag) ? m->num[tag] : dflt;
}

const char *wire_str(const struct wire_msg *m, unsigned int tag)
{
	return wire_has(m, tag) ? m->str[tag] : NULL;
}

void wire_set_num(struct wire_msg *m, unsigned int tag, uint64_t v)
{
	if (tag >= WIRE_TAG_LIMIT)
		return;
	m->num[tag] = v;
	mark(m, tag);
}

void wire_set_str(struct wire_msg *m, unsigned int tag, const char *s)
{
	size_t n;

	if (tag >= WIRE_TAG_LIMIT || !s)
		return;
	n = strlen(s);
	/* Too long for a TLV: keep a length that fails the range check. */
	m->len[tag] = n > U16MAX ? U16MAX : (uint16_t)n;
	m->str[tag] = s;
	mark(m, tag);
}

void wire_unset(struct wire_msg *m, unsigned int tag)
{
	if (tag >= WIRE_TAG_LIMIT)
		return;
	m->have[tag / 64] &= ~(1ULL << (tag % 64));
	m->num[tag] = 0;
	m->str[tag] = NULL;
	m->len[tag] = 0;
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One present field against its tag's kind and range. */
static int check_field(const struct wire_msg *m, unsigned int tag,
		       const char *tname, char *err, size_t errlen)
{
	const struct wire_tag_info *ti = &tag_table[tag];

	if (ti->kind != WIRE_K_STRING) {
		if (m->str[tag]) {
			set_err(err, errlen, "%s: %s is a number, not text",
				tname, ti->name);
			return -EINVAL;
		}
		if (m->num[tag] < ti->min || m->num[tag] > ti->max) {
			set_err(err, errlen, "%s: %s %llu out of range",
				tname, ti->name,
				(unsigned long long)m->num[tag]);
			return -EINVAL;
		}
		if (tag == WIRE_T_FAMILY && m->num[tag] == 5) {
			set_err(err, errlen, "%s: family must be 4 or 6", tname);
			return -EINVAL;
		}
		return 0;
	}
	if (!m->str[tag] || m->len[tag] < ti->min || m->len[tag] > ti->max) {
		set_err(err, errlen, "%s: %s length %u out of range %llu..%llu",
			tname, ti->name, m->len[tag],
			(unsigned long long)ti->min,
			(unsigned long long)ti->max);
		return -EINVAL;
	}
	if (!utf8_valid((const uint8_t *)m->str[tag], m->len[tag])) {
		set_err(err, errlen, "%s: %s is not UTF-8 text without NUL",
			tname, ti->name);
		return -EINVAL;
	}
	if (tag == WIRE_T_SHA256 && !is_lower_hex(m->str[tag], m->len[tag])) {
		set_err(err, errlen, "%s: sha256 is not lowercase hex", tname);
		return -EINVAL;
	}
	return 0;
}

/* Rules that tie fields of one message together. */
static int check_cross(const struct wire_msg *m, const char *tname,
		       char *err, size_t errlen)
{
	if (m->type == WIRE_ANSWER) {
		bool minutes = wire_num(m, WIRE_T_DURATION, WIRE_ONCE) == WIRE_MINUTES;

		if (minutes != wire_has(m, WIRE_T_MINUTES)) {
			set_err(err, errlen, minutes ?
				"%s: duration minutes without minutes" :
				"%s: minutes without duration minutes", tname);
			return -EINVAL;
		}
	}
	if (m->type == WIRE_RULE_DEL &&
	    wire_has(m, WIRE_T_INDEX) == wire_has(m, WIRE_T_ORIGIN)) {
		set_err(err, errlen, "%s: needs exactly one of index and origin",
			tname);
		return -EINVAL;
	}
	return 0;
}

int wire_msg_check(const struct wire_msg *m, char *err, size_t errlen)
{
	const struct field *fields = type_fields(m->type);
	const char *tname = wire_type_name(m->type);
	int ret;

	if (!fields) {
		set_err(err, errlen, "unknown message type %u", m->type);
		return -EINVAL;
	}
	for (unsigned int tag = 1; tag < WIRE_TAG_LIMIT; tag++) {
		if (!wire_has(m, tag))
			continue;
		if (!find_field(fields, tag)) {
			set_err(err, errlen, "%s: field %u is not part of it",
				tname, tag);
			return -EINVAL;
		}
		ret = check_field(m, tag, tname, err, errlen);
		if (ret)
			return ret;
	}
	for (const struct field *f = fields; f->tag; f++) {
		if (f->required && !wire_has(m, f->tag)) {
			set_err(err, errlen, "%s: missing %s", tname,
				tag_table[f->tag].name);
			return -EINVAL;
		}
	}
	return check_cross(m, tname, err, errlen);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = n; i > 0; i--, v >>= 8)
		p[i - 1] = (uint8_t)v;
}

static size_t kind_size(enum wire_kind k)
{
	switch (k) {
	case WIRE_K_U8:
	case WIRE_K_BOOL:
		return 1;
	case WIRE_K_U16:
		return 2;
	case WIRE_K_U32:
		return 4;
	case WIRE_K_U64:
		return 8;
	default:
		return 0;
	}
}

/* Decode one known field's value of @vlen bytes at @v. */
static int take_field(struct wire_msg *m, unsigned int tag, const uint8_t *v,
		      size_t vlen, char **strp, const char *tname,
		      char *err, size_t errlen)
{
	const struct wire_tag_info *ti = &tag_table[tag];

	if (wire_has(m, tag)) {
		set_err(err, errlen, "%s: %s given twice", tname, ti->name);
		return -EPROTO;
	}
	if (ti->kind != WIRE_K_STRING) {
		if (vlen != kind_size(ti->kind)) {
			set_err(err, errlen, "%s: %s has %zu bytes, not %zu",
				tname, ti->name, vlen, kind_size(ti->kind));
			return -EPROTO;
		}
		wire_set_num(m, tag, get_be(v, vlen));
		return 0;
	}
	/* Range and UTF-8 are checked by wire_msg_check() afterwards. */
	memcpy(*strp, v, vlen);
	(*strp)[vlen] = '\0';
	m->str[tag] = *strp;
	m->len[tag] = (uint16_t)vlen;
	mark(m, tag);
	*strp += vlen + 1;
	return 0;
}

int wire_decode(const void *buf, size_t len, struct wire_msg *m,
		char *err, size_t errlen)
{
	const uint8_t *p = buf;
	const struct field *fields;
	const char *tname;
	char *strp;
	size_t off;
	uint32_t flen;
	int ret;

	wire_msg_init(m, 0);
	if (len < WIRE_HDR_LEN) {
		set_err(err, errlen, "frame of %zu bytes is shorter than its header", len);
		return -EPROTO;
	}
	flen = get32(p);
	if (flen > WIRE_MAX_FRAME) {
		set_err(err, errlen, "frame length %u exceeds the maximum %u",
			flen, WIRE_MAX_FRAME);
		return -EPROTO;
	}
	if (flen != len) {
		set_err(err, errlen, "frame length %u does not match its %zu bytes",
			flen, len);
		return -EPROTO;
	}
	if (get16(p + 4) != WIRE_VERSION) {
		set_err(err, errlen, "protocol version %u, expected %u",
			get16(p + 4), WIRE_VERSION);
		return -EPROTO;
	}
	m->type = get16(p + 6);
	fields = type_fields(m->type);
	tname = wire_type_name(m->type);
	if (!fields) {
		set_err(err, errlen, "unknown message type %u", m->type);
		m->type = 0;
		return -EPROTO;
	}
	strp = NULL;
	for (off = WIRE_HDR_LEN; off < len;) {
		unsigned int tag;
		size_t vlen;

		if (len - off < WIRE_TLV_HDR_LEN) {
			set_err(err, errlen, "%s: truncated field header at byte %zu",
				tname, off);
			goto fail;
		}
		tag = get16(p + off);
		vlen = get16(p + off + 2);
		off += WIRE_TLV_HDR_LEN;
		if (len - off < vlen) {
			set_err(err, errlen, "%s: field %u of %zu bytes runs past the frame",
				tname, tag, vlen);
			goto fail;
		}
		if (tag < WIRE_TAG_LIMIT && find_field(fields, tag)) {
			/* Every string TLV has a 4-byte header, so len bytes
			 * hold them all with their terminating NULs. */
			if (!strp && tag_table[tag].kind == WIRE_K_STRING) {
				m->strings = malloc(len);
				if (!m->strings) {
					set_err(err, errlen, "out of memory");
					wire_msg_init(m, 0);
					return -ENOMEM;
				}
				strp = m->strings;
			}
			ret = take_field(m, tag, p + off, vlen, &strp, tname,
					 err, errlen);
			if (ret)
				goto fail;
		}
		off += vlen;
	}
	if (wire_msg_check(m, err, errlen))
		goto fail;
	return 0;
fail:
	wire_msg_clear(m);
	return -EPROTO;
}

void wire_buf_init(struct wire_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void wire_buf_free(struct wire_buf *b)
{
	free(b->data);
	wire_buf_init(b, b->max);
}

size_t wire_buf_pending(const struct wire_buf *b)
{
	return b->len - b->off;
}

/* Room for @n more bytes after the pending ones. */
static int buf_reserve(struct wire_buf *b, size_t n)
{
	size_t pending = wire_buf_pending(b), cap;
	uint8_t *d;

	if (n > b->max || pending > b->max - n)
		return -ENOBUFS;
	if (b->off) {
		memmove(b->data, b->data + b->off, pending);
		b->off = 0;
		b->len = pending;
	}
	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int wire_encode(const struct wire_msg *m, struct wire_buf *b,
		char *err, size_t errlen)
{
	const struct field *fields = type_fields(m->type);
	size_t size = WIRE_HDR_LEN;
	uint8_t *p;
	int ret;

	ret = wire_msg_check(m, err, errlen);
	if (ret)
		return ret;
	for (unsigned int tag = 1; tag < WIRE_TAG_LIMIT; tag++) {
		if (!wire_has(m, tag))
			continue;
		size += WIRE_TLV_HDR_LEN;
		size += tag_table[tag].kind == WIRE_K_STRING ?
			m->len[tag] : kind_size(tag_table[tag].kind);
	}
	if (size > WIRE_MAX_FRAME) {
		set_err(err, errlen, "%s: frame of %zu bytes is too long",
			wire_type_name(m->type), size);
		return -EMSGSIZE;
	}
	ret = buf_reserve(b, size);
	if (ret) {
		set_err(err, errlen, "%s", strerror(-ret));
		return ret;
	}
	p = b->data + b->len;
	put_be(p, size, 4);
	put_be(p + 4, WIRE_VERSION, 2);
	put_be(p + 6, m->type, 2);
	p += WIRE_HDR_LEN;
	for (const struct field *f = fields; f->tag; f++) {
		unsigned int tag = f->tag;
		size_t vlen;

		if (!wire_has(m, tag))
			continue;
		vlen = tag_table[tag].kind == WIRE_K_STRING ?
			m->len[tag] : kind_size(tag_table[tag].kind);
		put_be(p, tag, 2);
		put_be(p + 2, vlen, 2);
		if (tag_table[tag].kind == WIRE_K_STRING)
			memcpy(p + 4, m->str[tag], vlen);
		else
			put_be(p + 4, m->num[tag], vlen);
		p += WIRE_TLV_HDR_LEN + vlen;
	}
	b->len += size;
	return 0;
}

ssize_t wire_buf_flush(struct wire_buf *b, int fd)
{
	while (wire_buf_pending(b)) {
		ssize_t n = send(fd, b->data + b->off, wire_buf_pending(b),
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (ssize_t)wire_buf_pending(b);
			return -errno;
		}
		b->off += (size_t)n;
	}
	b->off = b->len = 0;
	return 0;
}

void wire_reader_init(struct wire_reader *r, size_t max_frame)
{
	memset(r, 0, sizeof(*r));
	if (max_frame < WIRE_HDR_LEN)
		max_frame = WIRE_HDR_LEN;
	if (max_frame > WIRE_MAX_FRAME)
		max_frame = WIRE_MAX_FRAME;
	r->max_frame = max_frame;
}

void wire_reader_free(struct wire_reader *r)
{
	free(r->buf);
	wire_reader_init(r, r->max_frame);
}

size_t wire_reader_partial(const struct wire_reader *r)
{
	return r->len - r->start;
}

/*
 * Move held bytes to the front and make room for @want more, within
 * max_frame bytes held in all.  Returns the room, or -ENOMEM.
 */
static ssize_t reader_room(struct wire_reader *r, size_t want)
{
	size_t held = wire_reader_partial(r), room, cap;
	uint8_t *nb;

	if (r->start) {
		memmove(r->buf, r->buf + r->start, held);
		r->start = 0;
		r->len = held;
	}
	room = r->max_frame - held;
	if (want > room)
		want = room;
	if (r->cap - r->len >= want)
		return (ssize_t)(r->cap - r->len);
	cap = r->len + want;
	/* Grow by doubling, so a large frame arriving in small reads does not
	 * realloc for each. */
	if (cap < 2 * r->cap)
		cap = 2 * r->cap;
	if (cap > r->max_frame)
		cap = r->max_frame;
	nb = realloc(r->buf, cap);
	if (!nb)
		return -ENOMEM;
	r->buf = nb;
	r->cap = cap;
	return (ssize_t)(r->cap - r->len);
}

ssize_t wire_reader_feed(struct wire_reader *r, const void *data, size_t n)
{
	ssize_t room = reader_room(r, n);

	if (room < 0)
		return room;
	if (n > (size_t)room)
		n = (size_t)room;
	if (n) {
		memcpy(r->buf + r->len, data, n);
		r->len += n;
	}
	return (ssize_t)n;
}

/* How many more bytes the frame being read needs (at least a header). */
static size_t reader_want(const struct wire_reader *r)
{
	size_t held = wire_reader_partial(r);
	size_t flen = held >= 4 ? get32(r->buf + r->start) : 4096;

	if (flen < 4096)
		flen = 4096;
	return flen > held ? flen - held : 4096;
}

ssize_t wire_reader_read(struct wire_reader *r, int fd)
{
	ssize_t room = reader_room(r, reader_want(r)), n;

	if (room < 0)
		return room;
	if (room == 0)
		return -ENOBUFS;
	do {
		n = read(fd, r->buf + r->len, (size_t)room);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	r->len += (size_t)n;
	return n;
}

int wire_reader_next(struct wire_reader *r, struct wire_msg *m,
		     char *err, size_t errlen)
{
	size_t held = wire_reader_partial(r);
	uint32_t flen;
	int ret;

	wire_msg_init(m, 0);
	if (r->failed) {
		set_err(err, errlen, "earlier protocol error");
		return -EPROTO;
	}
	if (held < 4)
		return 0;
	flen = get32(r->buf + r->start);
	if (flen < WIRE_HDR_LEN || flen > r->max_frame) {
		set_err(err, errlen, "frame length %u out of bounds %u..%zu",
			flen, WIRE_HDR_LEN, r->max_frame);
		r->failed = true;
		return -EPROTO;
	}
	if (held < flen)
		return 0;
	ret = wire_decode(r->buf + r->start, flen, m, err, errlen);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		r->failed = true;
		return -EPROTO;
	}
	r->start += flen;
	if (r->start == r->len)
		r->start = r->len = 0;
	return 1;
}
