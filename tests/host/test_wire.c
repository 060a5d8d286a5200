// SPDX-License-Identifier: GPL-2.0
/*
 * The wire codec (lib/wire.c, lib/wire_text.c): round trips of every
 * message type, the streaming decoder with frames split and joined, every
 * class of malformed frame, the encoder's own checks, and the text
 * helpers (escaping, the ASK in words, typed answers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sactl/wire.h"

#include "host_test.h"


/* A hand-made frame, to build what our encoder would refuse to. */
struct raw {
	uint8_t b[WIRE_MAX_FRAME + 64];
	size_t len;
};

static void put(struct raw *r, uint64_t v, size_t n)
{
	for (size_t i = n; i > 0; i--, v >>= 8)
		r->b[r->len + i - 1] = (uint8_t)v;
	r->len += n;
}

static void raw_start(struct raw *r, uint16_t version, uint16_t type)
{
	r->len = 0;
	put(r, 0, 4);
	put(r, version, 2);
	put(r, type, 2);
}

static void raw_num(struct raw *r, uint16_t tag, uint64_t v, size_t n)
{
	put(r, tag, 2);
	put(r, n, 2);
	put(r, v, n);
}

static void raw_bytes(struct raw *r, uint16_t tag, const void *s, size_t n)
{
	put(r, tag, 2);
	put(r, n, 2);
	memcpy(r->b + r->len, s, n);
	r->len += n;
}

static void raw_str(struct raw *r, uint16_t tag, const char *s)
{
	raw_bytes(r, tag, s, strlen(s));
}

/* Patch the length field to the bytes written. */
static size_t raw_end(struct raw *r)
{
	uint32_t n = (uint32_t)r->len;

	r->b[0] = n >> 24;
	r->b[1] = n >> 16;
	r->b[2] = n >> 8;
	r->b[3] = (uint8_t)n;
	return r->len;
}

/* A valid ANSWER, fields in the order given. */
static void raw_answer(struct raw *r)
{
	raw_start(r, WIRE_VERSION, WIRE_ANSWER);
	raw_num(r, WIRE_T_PROMPT_ID, 7, 8);
	raw_num(r, WIRE_T_VERDICT, WIRE_ALLOW, 1);
	raw_end(r);
}

/* Decode @r and expect -EPROTO with @needle in the reason. */
static bool rejects(struct raw *r, const char *needle, char *why, size_t len)
{
	struct wire_msg m;
	char err[256] = "";
	int ret = wire_decode(r->b, r->len, &m, err, sizeof(err));

	snprintf(why, len, "ret %d, err '%s'", ret, err);
	return ret == -EPROTO && strstr(err, needle) && m.type == 0 && !m.strings;
}

#define EXPECT_REJECT(r, needle) do {					\
	char _why[300];							\
	EXPECT_TRUE(rejects(r, needle, _why, sizeof(_why))) {		\
		TH_LOG("expected '%s': %s", needle, _why);		\
	}								\
} while (0)

static void build_ask(struct wire_msg *m)
{
	wire_msg_init(m, WIRE_ASK);
	wire_set_num(m, WIRE_T_PROMPT_ID, 0x0102030405060708ULL);
	wire_set_num(m, WIRE_T_OP, WIRE_OP_CONNECT);
	wire_set_num(m, WIRE_T_PID, 1234);
	wire_set_num(m, WIRE_T_PPID, 1200);
	wire_set_num(m, WIRE_T_UID, 1000);
	wire_set_num(m, WIRE_T_FAMILY, 4);
	wire_set_str(m, WIRE_T_PROTO, "tcp");
	wire_set_num(m, WIRE_T_SECONDS_LEFT, 30);
	wire_set_num(m, WIRE_T_DEFAULT, WIRE_DENY);
	wire_set_str(m, WIRE_T_EXE, "/usr/lib/firefox/firefox");
	wire_set_str(m, WIRE_T_PARENT_EXE, "/usr/bin/bash");
	wire_set_str(m, WIRE_T_SHA256,
		     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	wire_set_str(m, WIRE_T_COMM, "firefox");
	wire_set_str(m, WIRE_T_LOCAL_ADDR, "10.0.0.2");
	wire_set_num(m, WIRE_T_LOCAL_PORT, 40000);
	wire_set_str(m, WIRE_T_REMOTE_ADDR, "93.184.216.34");
	wire_set_num(m, WIRE_T_REMOTE_PORT, 443);
	wire_set_num(m, WIRE_T_FLAGS, WIRE_ASK_FASTOPEN);
}

/* Encode @m, decode it back, and compare every field. */
static bool round_trip(const struct wire_msg *m, char *why, size_t len)
{
	struct wire_buf b;
	struct wire_msg d;
	char err[256] = "";
	bool ok = true;
	int ret;

	wire_buf_init(&b, WIRE_MAX_FRAME);
	ret = wire_encode(m, &b, err, sizeof(err));
	if (ret) {
		snprintf(why, len, "encode: %d %s", ret, err);
		wire_buf_free(&b);
		return false;
	}
	ret = wire_decode(b.data, b.len, &d, err, sizeof(err));
	if (ret) {
		snprintf(why, len, "decode: %d %s", ret, err);
		wire_buf_free(&b);
		return false;
	}
	if (d.type != m->type)
		ok = false, snprintf(why, len, "type %u != %u", d.type, m->type);
	for (unsigned int t = 0; ok && t < WIRE_TAG_LIMIT; t++) {
		if (wire_has(m, t) != wire_has(&d, t)) {
			ok = false;
			snprintf(why, len, "tag %u presence differs", t);
		} else if (wire_has(m, t) && wire_tag_info(t)->kind == WIRE_K_STRING) {
			if (strcmp(m->str[t], d.str[t]) || d.len[t] != strlen(d.str[t]))
				ok = false, snprintf(why, len, "tag %u: '%s'", t, d.str[t]);
		} else if (wire_has(m, t) && m->num[t] != d.num[t]) {
			ok = false, snprintf(why, len, "tag %u: %llu", t,
					     (unsigned long long)d.num[t]);
		}
	}
	wire_msg_clear(&d);
	wire_buf_free(&b);
	return ok;
}

#define EXPECT_ROUND_TRIP(m) do {					\
	char _why[300] = "";						\
	EXPECT_TRUE(round_trip(m, _why, sizeof(_why))) {		\
		TH_LOG("%s", _why);					\
	}								\
} while (0)

TEST(round_trip_every_type)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, 1);
	wire_set_str(&m, WIRE_T_NAME, "sactlctl");
	wire_set_num(&m, WIRE_T_UID, 1000);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, 1);
	wire_set_num(&m, WIRE_T_UID, 0);
	wire_set_num(&m, WIRE_T_TIMEOUT, 30);
	wire_set_num(&m, WIRE_T_DEFAULT, WIRE_DENY);
	wire_set_num(&m, WIRE_T_ALL_USERS, 1);
	EXPECT_ROUND_TRIP(&m);

	build_ask(&m);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_WITHDRAW);
	wire_set_num(&m, WIRE_T_PROMPT_ID, 1);
	wire_set_num(&m, WIRE_T_REASON, WIRE_ANSWERED);
	wire_set_num(&m, WIRE_T_VERDICT, WIRE_ALLOW);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_PROMPT_ID, UINT64_MAX);
	wire_set_num(&m, WIRE_T_VERDICT, WIRE_DENY);
	wire_set_num(&m, WIRE_T_DURATION, WIRE_MINUTES);
	wire_set_num(&m, WIRE_T_MINUTES, WIRE_MAX_MINUTES);
	wire_set_num(&m, WIRE_T_SCOPE, WIRE_PROGRAM);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_STATUS);
	EXPECT_ROUND_TRIP(&m);
	wire_msg_init(&m, WIRE_RELOAD);
	EXPECT_ROUND_TRIP(&m);
	wire_msg_init(&m, WIRE_WATCH);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_RULES_LIST);
	wire_set_num(&m, WIRE_T_SYSTEM, 1);
	wire_set_num(&m, WIRE_T_UID, 1001);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, "{ exe = \"/usr/bin/curl\";\n  verdict = \"allow\"; }");
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_RULE_DEL);
	wire_set_num(&m, WIRE_T_UID, 1000);
	wire_set_str(&m, WIRE_T_ORIGIN, "1000.conf:3");
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_OK);
	wire_set_str(&m, WIRE_T_NAME, "sactld 0.1");
	wire_set_num(&m, WIRE_T_ATTACHED, 1);
	wire_set_num(&m, WIRE_T_UPTIME, 1ULL << 40);
	for (unsigned int t = WIRE_T_PENDING; t <= WIRE_T_M_PENDING; t++)
		wire_set_num(&m, t, t == WIRE_T_MODULE ? 1 : t * 1000);
	wire_set_num(&m, WIRE_T_CACHE, WIRE_CACHE_FULL);
	for (unsigned int t = WIRE_T_CACHE_PUSHED; t <= WIRE_T_M_CACHE_RULES; t++)
		wire_set_num(&m, t, UINT64_MAX - t);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_ERROR);
	wire_set_str(&m, WIRE_T_TEXT, "sactl.conf:3: unknown key 'foo' \u00e9\u4e2d\U0001f600");
	wire_set_num(&m, WIRE_T_ERRNO, EINVAL);
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_RULE);
	wire_set_num(&m, WIRE_T_INDEX, 3);
	wire_set_str(&m, WIRE_T_TEXT, "");
	wire_set_str(&m, WIRE_T_ORIGIN, "sactl.conf:12");
	EXPECT_ROUND_TRIP(&m);

	wire_msg_init(&m, WIRE_EVENT);
	wire_set_str(&m, WIRE_T_TEXT, "allow connect curl ...");
	wire_set_num(&m, WIRE_T_DROPPED, 5);
	EXPECT_ROUND_TRIP(&m);
	EXPECT_EQ(0, LEAKS());
}

TEST(frame_layout_is_documented_one)
{
	struct wire_buf b;
	struct wire_msg m;
	const uint8_t want[] = {
		0, 0, 0, 25,	/* length */
		0, 1,		/* version */
		0, 5,		/* ANSWER */
		0, 7, 0, 8, 0, 0, 0, 0, 0, 0, 0, 9,	/* prompt_id 9 */
		0, 24, 0, 1, 2,			/* verdict deny */
	};

	wire_buf_init(&b, 4096);
	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_VERDICT, WIRE_DENY);
	wire_set_num(&m, WIRE_T_PROMPT_ID, 9);
	ASSERT_EQ(0, wire_encode(&m, &b, NULL, 0));
	ASSERT_EQ(sizeof(want), wire_buf_pending(&b));
	EXPECT_EQ(0, memcmp(want, b.data, sizeof(want)));
	wire_buf_free(&b);
}

/* Three frames, fed in every chunk size from 1 byte to all at once. */
TEST(streaming_split_and_joined)
{
	struct wire_buf b;
	struct wire_msg m;
	char err[256];

	wire_buf_init(&b, 1 << 20);
	build_ask(&m);
	ASSERT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));
	wire_msg_init(&m, WIRE_WITHDRAW);
	wire_set_num(&m, WIRE_T_PROMPT_ID, 2);
	wire_set_num(&m, WIRE_T_REASON, WIRE_TIMED_OUT);
	ASSERT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));
	wire_msg_init(&m, WIRE_STATUS);
	ASSERT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));

	for (size_t chunk = 1; chunk <= b.len; chunk++) {
		struct wire_reader r;
		uint16_t types[4];
		size_t got = 0, off = 0;

		/* A small max_frame forces feed() to take partial chunks. */
		wire_reader_init(&r, 512);
		while (off < b.len) {
			size_t n = b.len - off < chunk ? b.len - off : chunk;
			ssize_t took = wire_reader_feed(&r, b.data + off, n);
			int ret;

			ASSERT_GE(took, 0);
			off += (size_t)took;
			while ((ret = wire_reader_next(&r, &m, err, sizeof(err))) == 1) {
				ASSERT_LT(got, 4u);
				types[got++] = m.type;
				if (m.type == WIRE_ASK) {
					EXPECT_STREQ("/usr/lib/firefox/firefox",
						     wire_str(&m, WIRE_T_EXE));
				}
				wire_msg_clear(&m);
			}
			ASSERT_EQ(0, ret) TH_LOG("chunk %zu: %s", chunk, err);
		}
		ASSERT_EQ(3u, got) TH_LOG("chunk %zu", chunk);
		EXPECT_EQ(WIRE_ASK, types[0]);
		EXPECT_EQ(WIRE_WITHDRAW, types[1]);
		EXPECT_EQ(WIRE_STATUS, types[2]);
		EXPECT_EQ(0u, wire_reader_partial(&r));
		wire_reader_free(&r);
	}
	wire_buf_free(&b);
	EXPECT_EQ(0, LEAKS());
}

/* The same through a socket: one frame in two writes, two in one. */
TEST(streaming_from_socket)
{
	struct wire_reader r;
	struct wire_buf b;
	struct wire_msg m;
	char err[256];
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	wire_buf_init(&b, 1 << 20);
	wire_reader_init(&r, WIRE_MAX_FRAME);
	build_ask(&m);
	ASSERT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));
	ASSERT_EQ(10, write(sv[0], b.data, 10));
	EXPECT_EQ(10, wire_reader_read(&r, sv[1]));
	EXPECT_EQ(0, wire_reader_next(&r, &m, err, sizeof(err)));
	EXPECT_EQ(10u, wire_reader_partial(&r));
	EXPECT_EQ(-EAGAIN, wire_reader_read(&r, sv[1]));
	ASSERT_EQ((ssize_t)b.len - 10, write(sv[0], b.data + 10, b.len - 10));
	EXPECT_GT(wire_reader_read(&r, sv[1]), 0);
	ASSERT_EQ(1, wire_reader_next(&r, &m, err, sizeof(err)));
	EXPECT_EQ((uint64_t)443, wire_num(&m, WIRE_T_REMOTE_PORT, 0));
	wire_msg_clear(&m);

	b.off = b.len = 0;
	wire_msg_init(&m, WIRE_RELOAD);
	ASSERT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));
	ASSERT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));
	ASSERT_EQ(0, wire_buf_flush(&b, sv[0]));
	EXPECT_EQ(16, wire_reader_read(&r, sv[1]));
	EXPECT_EQ(1, wire_reader_next(&r, &m, err, sizeof(err)));
	EXPECT_EQ(WIRE_RELOAD, m.type);
	wire_msg_clear(&m);
	EXPECT_EQ(1, wire_reader_next(&r, &m, err, sizeof(err)));
	wire_msg_clear(&m);
	EXPECT_EQ(0, wire_reader_next(&r, &m, err, sizeof(err)));
	close(sv[0]);
	EXPECT_EQ(0, wire_reader_read(&r, sv[1]));
	close(sv[1]);
	wire_reader_free(&r);
	wire_buf_free(&b);
	EXPECT_EQ(0, LEAKS());
}

TEST(frame_bounds)
{
	static struct raw r;
	static char filler[32768];
	struct wire_reader rd;
	struct wire_msg m;
	char err[256];

	/* Shorter than a header. */
	raw_start(&r, WIRE_VERSION, WIRE_STATUS);
	r.len = 6;
	raw_end(&r);
	EXPECT_REJECT(&r, "shorter than its header");
	/* The length field lies about the bytes. */
	raw_start(&r, WIRE_VERSION, WIRE_STATUS);
	raw_end(&r);
	r.b[3] = 9;
	EXPECT_REJECT(&r, "does not match");
	/* Longer than WIRE_MAX_FRAME, every byte there. */
	memset(filler, 'x', sizeof(filler));
	raw_start(&r, WIRE_VERSION, WIRE_RULE_ADD);
	raw_bytes(&r, WIRE_T_TEXT, filler, sizeof(filler));
	raw_bytes(&r, 99, filler, sizeof(filler));
	raw_end(&r);
	ASSERT_GT(r.len, WIRE_MAX_FRAME);
	EXPECT_REJECT(&r, "exceeds the maximum");

	/* The streaming reader refuses a length past its max_frame as soon
	 * as it sees the header, without waiting for the bytes. */
	wire_reader_init(&rd, 4096);
	ASSERT_EQ(4, wire_reader_feed(&rd, "\0\0\x10\x01", 4));
	EXPECT_EQ(-EPROTO, wire_reader_next(&rd, &m, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "out of bounds"));
	/* And stays failed. */
	EXPECT_EQ(-EPROTO, wire_reader_next(&rd, &m, err, sizeof(err)));
	wire_reader_free(&rd);
	wire_reader_init(&rd, 4096);
	ASSERT_EQ(4, wire_reader_feed(&rd, "\0\0\0\x07", 4));
	EXPECT_EQ(-EPROTO, wire_reader_next(&rd, &m, err, sizeof(err)));
	wire_reader_free(&rd);
	EXPECT_EQ(0, LEAKS());
}

TEST(bad_version_and_type)
{
	static struct raw r;

	raw_start(&r, 2, WIRE_STATUS);
	raw_end(&r);
	EXPECT_REJECT(&r, "version 2");
	raw_start(&r, 0, WIRE_STATUS);
	raw_end(&r);
	EXPECT_REJECT(&r, "version 0");
	raw_start(&r, WIRE_VERSION, 0);
	raw_end(&r);
	EXPECT_REJECT(&r, "unknown message type 0");
	raw_start(&r, WIRE_VERSION, 6);
	raw_end(&r);
	EXPECT_REJECT(&r, "unknown message type 6");
	raw_start(&r, WIRE_VERSION, 0xffff);
	raw_end(&r);
	EXPECT_REJECT(&r, "unknown message type");
}

TEST(truncated_fields)
{
	static struct raw r;

	raw_answer(&r);
	put(&r, 0, 3);		/* 3 bytes: not even a TLV header */
	raw_end(&r);
	EXPECT_REJECT(&r, "truncated field header");

	raw_answer(&r);
	put(&r, WIRE_T_SCOPE, 2);
	put(&r, 10, 2);		/* says 10 bytes, has 1 */
	put(&r, 1, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "runs past the frame");

	/* An unknown tag must fit too, even though it is skipped. */
	raw_answer(&r);
	put(&r, 1000, 2);
	put(&r, 50, 2);
	raw_end(&r);
	EXPECT_REJECT(&r, "runs past the frame");
}

TEST(wrong_sizes_duplicates_missing)
{
	static struct raw r;

	raw_start(&r, WIRE_VERSION, WIRE_ANSWER);
	raw_num(&r, WIRE_T_PROMPT_ID, 7, 4);	/* u64 in 4 bytes */
	raw_num(&r, WIRE_T_VERDICT, WIRE_ALLOW, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "prompt_id has 4 bytes, not 8");

	raw_answer(&r);
	raw_num(&r, WIRE_T_VERDICT, WIRE_DENY, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "verdict given twice");

	raw_start(&r, WIRE_VERSION, WIRE_ANSWER);
	raw_num(&r, WIRE_T_PROMPT_ID, 7, 8);
	raw_end(&r);
	EXPECT_REJECT(&r, "ANSWER: missing verdict");

	raw_start(&r, WIRE_VERSION, WIRE_AGENT_HELLO);
	raw_num(&r, WIRE_T_VERSION, 1, 2);
	raw_end(&r);
	EXPECT_REJECT(&r, "AGENT_HELLO: missing name");

	raw_start(&r, WIRE_VERSION, WIRE_ERROR);
	raw_end(&r);
	EXPECT_REJECT(&r, "ERROR: missing text");
}

TEST(bad_values)
{
	static const struct { uint16_t tag; uint64_t v; size_t n; const char *why; } bad[] = {
		{ WIRE_T_VERDICT, 0, 1, "verdict 0 out of range" },
		{ WIRE_T_VERDICT, 3, 1, "verdict 3 out of range" },
		{ WIRE_T_DURATION, 5, 1, "duration 5 out of range" },
		{ WIRE_T_SCOPE, 3, 1, "scope 3 out of range" },
		{ WIRE_T_PROMPT_ID, 0, 8, "prompt_id 0 out of range" },
	};
	static struct raw r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_start(&r, WIRE_VERSION, WIRE_ANSWER);
		if (bad[i].tag != WIRE_T_PROMPT_ID)
			raw_num(&r, WIRE_T_PROMPT_ID, 7, 8);
		if (bad[i].tag != WIRE_T_VERDICT)
			raw_num(&r, WIRE_T_VERDICT, 1, 1);
		raw_num(&r, bad[i].tag, bad[i].v, bad[i].n);
		raw_end(&r);
		EXPECT_REJECT(&r, bad[i].why);
	}
	raw_start(&r, WIRE_VERSION, WIRE_WITHDRAW);
	raw_num(&r, WIRE_T_PROMPT_ID, 7, 8);
	raw_num(&r, WIRE_T_REASON, 0, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "reason 0 out of range");

	raw_start(&r, WIRE_VERSION, WIRE_RULES_LIST);
	raw_num(&r, WIRE_T_SYSTEM, 2, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "system 2 out of range");

	raw_start(&r, WIRE_VERSION, WIRE_HELLO);
	raw_num(&r, WIRE_T_VERSION, 1, 2);
	raw_num(&r, WIRE_T_UID, 1, 4);
	raw_num(&r, WIRE_T_TIMEOUT, 1, 4);
	raw_num(&r, WIRE_T_DEFAULT, 9, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "default 9 out of range");

	/* STATUS's cache state is one of enum wire_cache, in one byte. */
	raw_start(&r, WIRE_VERSION, WIRE_OK);
	raw_num(&r, WIRE_T_CACHE, 0, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "cache 0 out of range");
	raw_start(&r, WIRE_VERSION, WIRE_OK);
	raw_num(&r, WIRE_T_CACHE, WIRE_CACHE_FULL + 1, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "cache 6 out of range");
	raw_start(&r, WIRE_VERSION, WIRE_OK);
	raw_num(&r, WIRE_T_CACHE, WIRE_CACHE_ON, 8);
	raw_end(&r);
	EXPECT_REJECT(&r, "cache has 8 bytes, not 1");
}

/* An ASK with everything right but the field @tag set to @s/@n. */
static void raw_ask_with(struct raw *r, uint16_t tag, const void *s, size_t n)
{
	raw_start(r, WIRE_VERSION, WIRE_ASK);
	raw_num(r, WIRE_T_PROMPT_ID, 1, 8);
	raw_num(r, WIRE_T_OP, WIRE_OP_CONNECT, 1);
	raw_num(r, WIRE_T_PID, 1, 4);
	raw_num(r, WIRE_T_UID, 1, 4);
	raw_num(r, WIRE_T_FAMILY, 4, 1);
	raw_num(r, WIRE_T_SECONDS_LEFT, 1, 4);
	raw_num(r, WIRE_T_DEFAULT, 1, 1);
	if (tag != WIRE_T_PROTO)
		raw_str(r, WIRE_T_PROTO, "tcp");
	raw_bytes(r, tag, s, n);
	raw_end(r);
}

TEST(bad_strings)
{
	static struct raw r;
	char big[70];

	raw_ask_with(&r, WIRE_T_EXE, "/usr/bin\0/x", 11);
	EXPECT_REJECT(&r, "exe is not UTF-8 text without NUL");
	raw_ask_with(&r, WIRE_T_EXE, "/usr/bin/\xff", 10);
	EXPECT_REJECT(&r, "not UTF-8");
	raw_ask_with(&r, WIRE_T_EXE, "\xc0\xaf", 2);		/* overlong '/' */
	EXPECT_REJECT(&r, "not UTF-8");
	raw_ask_with(&r, WIRE_T_EXE, "\xed\xa0\x80", 3);	/* surrogate */
	EXPECT_REJECT(&r, "not UTF-8");
	raw_ask_with(&r, WIRE_T_EXE, "ab\xe4\xb8", 4);		/* cut short */
	EXPECT_REJECT(&r, "not UTF-8");
	raw_ask_with(&r, WIRE_T_EXE, "\xf4\x90\x80\x80", 4);	/* > U+10FFFF */
	EXPECT_REJECT(&r, "not UTF-8");
	raw_ask_with(&r, WIRE_T_PROTO, "", 0);
	EXPECT_REJECT(&r, "proto length 0 out of range");
	memset(big, 'a', sizeof(big));
	raw_ask_with(&r, WIRE_T_COMM, big, 65);
	EXPECT_REJECT(&r, "comm length 65");
	big[10] = 'z';
	raw_ask_with(&r, WIRE_T_SHA256, big, 64);
	EXPECT_REJECT(&r, "sha256 is not lowercase hex");
	raw_ask_with(&r, WIRE_T_SHA256, "abc", 3);
	EXPECT_REJECT(&r, "sha256 length 3");
	raw_ask_with(&r, WIRE_T_FAMILY, "\x05", 1);
	EXPECT_REJECT(&r, "given twice");
	/* ... and a bad family on its own. */
	raw_start(&r, WIRE_VERSION, WIRE_ASK);
	raw_num(&r, WIRE_T_PROMPT_ID, 1, 8);
	raw_num(&r, WIRE_T_OP, WIRE_OP_CONNECT, 1);
	raw_num(&r, WIRE_T_PID, 1, 4);
	raw_num(&r, WIRE_T_UID, 1, 4);
	raw_num(&r, WIRE_T_FAMILY, 5, 1);
	raw_num(&r, WIRE_T_SECONDS_LEFT, 1, 4);
	raw_num(&r, WIRE_T_DEFAULT, 1, 1);
	raw_str(&r, WIRE_T_PROTO, "tcp");
	raw_end(&r);
	EXPECT_REJECT(&r, "family must be 4 or 6");
	/* Valid multi-byte text passes. */
	raw_ask_with(&r, WIRE_T_EXE, "/opt/\xc3\xa9t\xc3\xa9/\xf0\x9f\x98\x80", 15);
	{
		struct wire_msg m;
		char err[256] = "";

		ASSERT_EQ(0, wire_decode(r.b, r.len, &m, err, sizeof(err))) TH_LOG("%s", err);
		EXPECT_STREQ("/opt/\u00e9t\u00e9/\U0001f600", wire_str(&m, WIRE_T_EXE));
		wire_msg_clear(&m);
	}
}

TEST(cross_field_rules)
{
	static struct raw r;

	raw_answer(&r);
	raw_num(&r, WIRE_T_DURATION, WIRE_MINUTES, 1);
	raw_end(&r);
	EXPECT_REJECT(&r, "duration minutes without minutes");
	raw_answer(&r);
	raw_num(&r, WIRE_T_MINUTES, 15, 4);
	raw_end(&r);
	EXPECT_REJECT(&r, "minutes without duration minutes");
	raw_answer(&r);
	raw_num(&r, WIRE_T_DURATION, WIRE_MINUTES, 1);
	raw_num(&r, WIRE_T_MINUTES, WIRE_MAX_MINUTES + 1, 4);
	raw_end(&r);
	EXPECT_REJECT(&r, "minutes 525601 out of range");

	raw_start(&r, WIRE_VERSION, WIRE_RULE_DEL);
	raw_end(&r);
	EXPECT_REJECT(&r, "exactly one of index and origin");
	raw_start(&r, WIRE_VERSION, WIRE_RULE_DEL);
	raw_num(&r, WIRE_T_INDEX, 1, 4);
	raw_str(&r, WIRE_T_ORIGIN, "sactl.conf:1");
	raw_end(&r);
	EXPECT_REJECT(&r, "exactly one of index and origin");
}

TEST(unknown_tags_are_skipped)
{
	static struct raw r;
	struct wire_msg m;
	char err[256] = "";

	raw_start(&r, WIRE_VERSION, WIRE_ANSWER);
	raw_str(&r, 127, "from a newer agent");
	raw_num(&r, WIRE_T_PROMPT_ID, 7, 8);
	raw_str(&r, 5000, "");
	raw_num(&r, WIRE_T_VERDICT, WIRE_DENY, 1);
	/* A known tag of another message, even a malformed one, is unknown
	 * here: skipped, not checked. */
	raw_num(&r, WIRE_T_TEXT, 1, 1);
	raw_num(&r, 127, 1, 1);		/* repeats are fine for unknown tags */
	raw_end(&r);
	ASSERT_EQ(0, wire_decode(r.b, r.len, &m, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ((uint64_t)7, wire_num(&m, WIRE_T_PROMPT_ID, 0));
	EXPECT_EQ((uint64_t)WIRE_DENY, wire_num(&m, WIRE_T_VERDICT, 0));
	EXPECT_FALSE(wire_has(&m, WIRE_T_TEXT));
	EXPECT_FALSE(wire_has(&m, 127));
	EXPECT_EQ((uint64_t)WIRE_ONCE, wire_num(&m, WIRE_T_DURATION, WIRE_ONCE));
	wire_msg_clear(&m);
	EXPECT_EQ(0, LEAKS());
}

TEST(encoder_refuses_what_decoder_would)
{
	struct wire_buf b;
	struct wire_msg m;
	char err[256];
	static char big[40000];

	wire_buf_init(&b, 4096);
	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_PROMPT_ID, 1);
	EXPECT_EQ(-EINVAL, wire_encode(&m, &b, err, sizeof(err)));
	EXPECT_STREQ("ANSWER: missing verdict", err);
	wire_set_num(&m, WIRE_T_VERDICT, 3);
	EXPECT_EQ(-EINVAL, wire_encode(&m, &b, err, sizeof(err)));
	wire_set_num(&m, WIRE_T_VERDICT, 1);
	wire_set_str(&m, WIRE_T_TEXT, "not an ANSWER field");
	EXPECT_EQ(-EINVAL, wire_encode(&m, &b, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not part of it"));
	wire_unset(&m, WIRE_T_TEXT);
	EXPECT_EQ(0, wire_encode(&m, &b, err, sizeof(err)));

	wire_msg_init(&m, WIRE_ERROR);
	wire_set_str(&m, WIRE_T_TEXT, "bad \xff byte");
	EXPECT_EQ(-EINVAL, wire_encode(&m, &b, err, sizeof(err)));
	wire_set_num(&m, WIRE_T_NAME, 1);	/* a number for a string tag */
	wire_set_str(&m, WIRE_T_TEXT, "ok");
	EXPECT_EQ(-EINVAL, wire_encode(&m, &b, err, sizeof(err)));

	/* Too long for a frame, and too long for the queue: nothing queued. */
	memset(big, 'x', 32769);
	wire_msg_init(&m, WIRE_RULE);
	wire_set_num(&m, WIRE_T_INDEX, 1);
	wire_set_str(&m, WIRE_T_TEXT, big);
	EXPECT_EQ(-EINVAL, wire_encode(&m, &b, err, sizeof(err)));	/* > 32768 */
	big[32768] = '\0';
	wire_set_str(&m, WIRE_T_TEXT, big);
	{
		size_t before = wire_buf_pending(&b);

		EXPECT_EQ(-ENOBUFS, wire_encode(&m, &b, err, sizeof(err)));
		EXPECT_EQ(before, wire_buf_pending(&b));
	}
	wire_buf_free(&b);
	EXPECT_EQ(0, LEAKS());
}

TEST(escape_for_the_wire)
{
	char out[64];
	struct wire_msg m;

	EXPECT_STREQ("/usr/bin/caf\u00e9", wire_escape("/usr/bin/caf\xc3\xa9", 14, out, sizeof(out)));
	EXPECT_STREQ("a\\x0ab\\x1b[2Jc\\x5cd\\xffe",
		     wire_escape("a\nb\x1b[2Jc\\d\xff" "e", 12, out, sizeof(out)));
	/* A C1 control (U+0085) is escaped byte by byte. */
	EXPECT_STREQ("x\\xc2\\x85", wire_escape("x\xc2\x85", 3, out, sizeof(out)));
	/* Cut at a character, never inside one or inside an escape. */
	EXPECT_STREQ("ab", wire_escape("ab\xe4\xb8\xad", 5, out, 5));
	EXPECT_STREQ("a", wire_escape("a\n", 2, out, 5));
	/* Whatever goes in, what comes out is a valid wire string. */
	for (unsigned int seed = 1; seed < 200; seed++) {
		unsigned char in[32];

		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (unsigned char)(seed * 131 + i * 17 + (seed >> 3) * i);
		wire_escape(in, sizeof(in), out, sizeof(out));
		wire_msg_init(&m, WIRE_ERROR);
		wire_set_str(&m, WIRE_T_TEXT, out);
		ASSERT_EQ(0, wire_msg_check(&m, NULL, 0)) TH_LOG("seed %u", seed);
	}
}

TEST(display_defuses_terminal_tricks)
{
	char out[128];

	EXPECT_STREQ("caf\u00e9 \\x1b[2J", wire_display("caf\u00e9 \x1b[2J", out, sizeof(out)));
	/* Right-to-left override: "evil\u202egpj.exe" would show as
	 * "evilexe.jpg". */
	EXPECT_STREQ("evil\\u{202e}gpj.exe", wire_display("evil\u202egpj.exe", out, sizeof(out)));
	EXPECT_STREQ("a\\u{0085}b", wire_display("a\xc2\x85" "b", out, sizeof(out)));
	EXPECT_STREQ("back\\slash", wire_display("back\\slash", out, sizeof(out)));
}

TEST(ask_in_plain_words)
{
	struct wire_msg m;
	char out[512];

	build_ask(&m);
	wire_set_num(&m, WIRE_T_FLAGS, 0);
	EXPECT_STREQ("firefox (pid 1234, /usr/lib/firefox/firefox) wants to connect to 93.184.216.34 port 443 (tcp)",
		     wire_describe_ask(&m, out, sizeof(out)));
	wire_set_num(&m, WIRE_T_FLAGS, WIRE_ASK_FASTOPEN);
	EXPECT_STREQ("firefox (pid 1234, /usr/lib/firefox/firefox) wants to connect to 93.184.216.34 port 443 (tcp, TCP Fast Open)",
		     wire_describe_ask(&m, out, sizeof(out)));

	wire_msg_init(&m, WIRE_ASK);
	wire_set_num(&m, WIRE_T_PID, 77);
	wire_set_num(&m, WIRE_T_OP, WIRE_OP_LISTEN);
	wire_set_str(&m, WIRE_T_EXE, "/usr/sbin/ss\x1b]0;hd");
	wire_set_str(&m, WIRE_T_PROTO, "tcp");
	wire_set_str(&m, WIRE_T_LOCAL_ADDR, "::");
	wire_set_num(&m, WIRE_T_LOCAL_PORT, 8080);
	EXPECT_STREQ("ss\\x1b]0;hd (pid 77, /usr/sbin/ss\\x1b]0;hd) wants to listen on :: port 8080 (tcp)",
		     wire_describe_ask(&m, out, sizeof(out)));

	wire_msg_init(&m, WIRE_ASK);
	wire_set_num(&m, WIRE_T_PID, 5);
	wire_set_num(&m, WIRE_T_OP, WIRE_OP_SOCKET);
	wire_set_num(&m, WIRE_T_FAMILY, 6);
	wire_set_str(&m, WIRE_T_PROTO, "udp");
	EXPECT_STREQ("a program (pid 5) wants to open a udp socket (IPv6)",
		     wire_describe_ask(&m, out, sizeof(out)));

	wire_msg_init(&m, WIRE_ASK);
	wire_set_num(&m, WIRE_T_PID, 6);
	wire_set_num(&m, WIRE_T_OP, WIRE_OP_ACCEPT);
	wire_set_str(&m, WIRE_T_COMM, "sshd");
	wire_set_str(&m, WIRE_T_PROTO, "tcp");
	wire_set_str(&m, WIRE_T_REMOTE_ADDR, "2001:db8::1");
	wire_set_num(&m, WIRE_T_REMOTE_PORT, 50000);
	wire_set_num(&m, WIRE_T_LOCAL_PORT, 22);
	EXPECT_STREQ("sshd (pid 6) wants to accept a connection from 2001:db8::1 port 50000 on port 22 (tcp)",
		     wire_describe_ask(&m, out, sizeof(out)));

	/* A tiny buffer still gets a terminated prefix. */
	EXPECT_STREQ("sshd (pid", wire_describe_ask(&m, out, 10));
}

TEST(typed_answers)
{
	struct wire_answer_words a;
	char err[256];

	ASSERT_EQ(0, wire_parse_answer("a", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_ALLOW, (int)a.verdict);
	EXPECT_EQ(WIRE_ONCE, (int)a.duration);
	EXPECT_EQ(WIRE_DESTINATION, (int)a.scope);
	ASSERT_EQ(0, wire_parse_answer("  d forever\n", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_DENY, (int)a.verdict);
	EXPECT_EQ(WIRE_FOREVER, (int)a.duration);
	ASSERT_EQ(0, wire_parse_answer("a 15m", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_MINUTES, (int)a.duration);
	EXPECT_EQ(15, (int)a.minutes);
	ASSERT_EQ(0, wire_parse_answer("Allow 2h", &a, err, sizeof(err)));
	EXPECT_EQ(120, (int)a.minutes);
	ASSERT_EQ(0, wire_parse_answer("a 365d", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_MAX_MINUTES, a.minutes);
	ASSERT_EQ(0, wire_parse_answer("a always port", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_FOREVER, (int)a.duration);
	EXPECT_EQ(WIRE_PORT, (int)a.scope);
	ASSERT_EQ(0, wire_parse_answer("deny program session", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_PROGRAM, (int)a.scope);
	EXPECT_EQ(WIRE_SESSION, (int)a.duration);
	ASSERT_EQ(0, wire_parse_answer("d process", &a, err, sizeof(err)));
	EXPECT_EQ(WIRE_PROCESS, (int)a.duration);

	EXPECT_EQ(-EINVAL, wire_parse_answer("", &a, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, wire_parse_answer("maybe", &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "a(llow) or d(eny)"));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a 15", &a, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a 0m", &a, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a 366d", &a, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a 99999999999999999999m", &a, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a once forever", &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "a second duration"));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a port program", &a, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, wire_parse_answer("a 15x", &a, err, sizeof(err)));
}

TEST(names)
{
	EXPECT_STREQ("ASK", wire_type_name(WIRE_ASK));
	EXPECT_EQ(NULL, wire_type_name(6));
	EXPECT_EQ(NULL, wire_type_name(9999));
	EXPECT_STREQ("remote_port", wire_tag_info(WIRE_T_REMOTE_PORT)->name);
	EXPECT_EQ(NULL, wire_tag_info(0));
	EXPECT_EQ(NULL, wire_tag_info(WIRE_TAG_LIMIT));
	EXPECT_STREQ("connect", wire_op_name(WIRE_OP_CONNECT));
	EXPECT_STREQ("?", wire_op_name(7));
	EXPECT_STREQ("timed out", wire_reason_text(WIRE_TIMED_OUT));
	EXPECT_STREQ("forever", wire_duration_name(WIRE_FOREVER));
	EXPECT_STREQ("port", wire_scope_name(WIRE_PORT));
}

TEST_HARNESS_MAIN
