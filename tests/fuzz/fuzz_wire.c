// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the wire codec (lib/wire.c): the bytes are a
 * stream as either side of either socket would read it (the decoder and
 * its per-type schemas serve both directions).  Checked beyond "no crash":
 *   - feeding the stream at once or in small chunks gives the same
 *     messages and the same verdict (the streaming decoder does not depend
 *     on how reads split the bytes);
 *   - every decoded message passes wire_msg_check(), re-encodes, and
 *     decodes again to the same fields;
 *   - the text helpers (wire_describe_ask(), wire_display()) take any
 *     decoded message, and the answer parser any line.
 * Seeds: tests/fuzz/corpus/wire/, one or more valid frames per file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sactl/wire.h"

#define MAX_MSGS	64

struct outcome {
	unsigned int n;
	uint16_t types[MAX_MSGS];
	int end;			/* 0: clean end, -EPROTO: error */
};

static bool same_fields(const struct wire_msg *a, const struct wire_msg *b)
{
	if (a->type != b->type)
		return false;
	for (unsigned int t = 0; t < WIRE_TAG_LIMIT; t++) {
		if (wire_has(a, t) != wire_has(b, t))
			return false;
		if (!wire_has(a, t))
			continue;
		if (wire_tag_info(t)->kind == WIRE_K_STRING) {
			if (a->len[t] != b->len[t] || memcmp(a->str[t], b->str[t], a->len[t]))
				return false;
		} else if (a->num[t] != b->num[t]) {
			return false;
		}
	}
	return true;
}

static void check_message(const struct wire_msg *m)
{
	struct wire_buf b;
	struct wire_msg again;
	char err[256], text[4096];

	if (wire_msg_check(m, err, sizeof(err)))
		abort();	/* decoded but invalid */
	wire_buf_init(&b, 2 * WIRE_MAX_FRAME);
	if (wire_encode(m, &b, err, sizeof(err)))
		abort();	/* a decoded message must re-encode */
	if (wire_decode(b.data, b.len, &again, err, sizeof(err)))
		abort();
	if (!same_fields(m, &again))
		abort();
	wire_msg_clear(&again);
	wire_buf_free(&b);
	if (m->type == WIRE_ASK)
		wire_describe_ask(m, text, sizeof(text));
	for (unsigned int t = 0; t < WIRE_TAG_LIMIT; t++)
		if (wire_str(m, t))
			wire_display(wire_str(m, t), text, sizeof(text));
}

/* Decode @data fed @chunk bytes at a time. */
static void run(const uint8_t *data, size_t size, size_t chunk, size_t max_frame,
		struct outcome *out)
{
	struct wire_reader r;
	struct wire_msg m;
	char err[256];
	size_t off = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	wire_reader_init(&r, max_frame);
	while (off < size && ret >= 0) {
		size_t n = size - off < chunk ? size - off : chunk;
		ssize_t took = wire_reader_feed(&r, data + off, n);

		if (took < 0)
			abort();
		off += (size_t)took;
		while ((ret = wire_reader_next(&r, &m, err, sizeof(err))) == 1) {
			check_message(&m);
			if (out->n < MAX_MSGS)
				out->types[out->n] = m.type;
			out->n++;
			wire_msg_clear(&m);
		}
		/* The reader must always take bytes unless a frame is ready
		 * or it failed: otherwise this loop would spin. */
		if (took == 0 && ret == 0)
			abort();
	}
	out->end = ret < 0 ? ret : 0;
	wire_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, split;
	struct wire_answer_words w;
	struct wire_msg m;
	char err[256], line[300];
	size_t chunk = 1 + (size ? data[size - 1] % 13 : 0);

	run(data, size, size ? size : 1, WIRE_MAX_FRAME, &whole);
	run(data, size, chunk, WIRE_MAX_FRAME, &split);
	if (whole.n != split.n || whole.end != split.end ||
	    memcmp(whole.types, split.types, sizeof(whole.types)))
		abort();
	/* An agent-sized reader: the same up to its smaller limit. */
	run(data, size, chunk, 4096, &split);

	/* One frame exactly, as wire_decode() takes it. */
	if (wire_decode(data, size, &m, err, sizeof(err)) == 0) {
		check_message(&m);
		wire_msg_clear(&m);
	}

	/* The same bytes as a line typed at `sactlctl prompt`. */
	if (size < sizeof(line)) {
		memcpy(line, data, size);
		line[size] = '\0';
		if (wire_parse_answer(line, &w, err, sizeof(err)) == 0 &&
		    ((w.verdict != WIRE_ALLOW && w.verdict != WIRE_DENY) ||
		     (w.duration == WIRE_MINUTES &&
		      (w.minutes < 1 || w.minutes > WIRE_MAX_MINUTES))))
			abort();
	}
	return 0;
}
