/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire format of sactld's two Unix sockets, and the codec shared by
 * sactld, sactlctl and the desktop prompt (lib/wire.c, lib/wire_text.c).
 *
 *   prompt socket   /run/sactl/prompt.sock, 0666: prompt agents, one per
 *                   desktop session or terminal; sactld learns each peer's
 *                   uid from SO_PEERCRED and asks an agent only about its
 *                   own uid's requests.
 *   control socket  /run/sactl/control.sock, 0600, uid 0 only: sactlctl.
 *
 * FRAMES
 *
 * Both sockets carry the same frames, in both directions.  All integers
 * are big-endian (network order).
 *
 *   offset  size  field
 *   0       4     length    of the whole frame, this header included:
 *                           WIRE_HDR_LEN <= length <= WIRE_MAX_FRAME
 *   4       2     version   WIRE_VERSION
 *   6       2     type      enum wire_type
 *   8       ...   fields    zero or more TLVs, back to back, to the end
 *
 * A field (TLV) is
 *
 *   0       2     tag       enum wire_tag
 *   2       2     length    of the value
 *   4       len   value
 *
 * Every tag has one kind, whatever the message:
 *   u8/u16/u32/u64  exactly 1/2/4/8 bytes, big-endian;
 *   bool            1 byte, 0 or 1;
 *   string          `length` bytes of valid UTF-8 (no overlong forms, no
 *                   surrogates), no NUL, no terminator; each tag has a
 *                   maximum length (see wire_tag_info()).
 * Enumerated values (op, verdict, duration, ...) must be in range.
 *
 * Each message type lists the tags it knows, which are required, and a
 * few cross-field rules (below).  A receiver
 *   - skips tags its message type does not know (so either side can add
 *     optional fields without a new version); they must still fit;
 *   - rejects, as a protocol error: a length out of bounds, a version it
 *     does not speak, an unknown message type, a type not meant for its
 *     side of the socket, a TLV running past the frame, a known tag with
 *     the wrong length or twice in one frame, a missing required field, an
 *     enum out of range, a string that is not UTF-8 or holds a NUL, or a
 *     broken cross-field rule.
 * On a protocol error the receiver may send one ERROR frame saying why,
 * then closes the connection.  sactld logs it and serves everyone else.
 *
 * Version 1 is the only version.  A new version is only for changes that
 * old peers cannot skip; both HELLOs carry the highest version the sender
 * speaks so that such a change can be negotiated.
 *
 * PROMPT SOCKET
 *
 *   agent -> daemon  AGENT_HELLO  first frame, within WIRE_HELLO_TIMEOUT s
 *   daemon -> agent  HELLO        the reply: the uid served, the timeout
 *   daemon -> agent  ASK          a request to decide (many may be open)
 *   agent -> daemon  ANSWER       the decision on one ASK
 *   daemon -> agent  WITHDRAW     an ASK is over; do not show it any more
 *   daemon -> agent  ERROR        why the daemon is closing the connection
 *
 * An agent serves the uid it runs as.  Only uid 0 may name another uid in
 * AGENT_HELLO.  Root's agents also get every other user's requests when the
 * daemon's root_answers_all is set (HELLO's all_users then says so).  On
 * HELLO, the agent also gets an ASK for every prompt already open for its
 * uid.  An ASK goes to all of the uid's agents; the first valid ANSWER
 * decides, and the others get WITHDRAW(answered).  An ANSWER for an id the
 * agent was never sent is a protocol error; one for a prompt that ended a
 * moment ago (the WITHDRAW crossed it) is ignored.  Prompt ids are the
 * daemon's, unique while it runs, never 0; they are not the kernel's ids.
 *
 * CONTROL SOCKET (request -> reply, in order, on one connection)
 *
 *   STATUS      -> OK with the counters
 *   RULES_LIST  -> zero or more RULE, then OK(count)
 *   RULE_ADD    -> OK(index, origin) or ERROR
 *   RULE_DEL    -> OK or ERROR
 *   RELOAD      -> OK or ERROR(text)
 *   WATCH       -> OK, then one EVENT per decision until the client
 *                  closes; a client sends nothing more after WATCH
 *   anything    -> ERROR(text, errno) if the daemon could not do it
 *
 * FIELDS BY MESSAGE (R: required, o: optional)
 *
 *   AGENT_HELLO  R version, R name (the agent's, e.g. "sactlctl"),
 *                o uid (only for uid 0: serve this user)
 *   HELLO        R version, R uid (served), R timeout (s per prompt),
 *                R default (the verdict if nobody answers), o all_users
 *   ASK          R prompt_id, R op, R pid, R uid, R family, R proto,
 *                R seconds_left, R default, o ppid, o exe, o parent_exe,
 *                o sha256 (64 lowercase hex digits), o comm, o local_addr,
 *                o local_port, o remote_addr, o remote_port, o flags
 *                (WIRE_ASK_*); addresses are text ("93.184.216.34",
 *                "2001:db8::1", "fe80::1%2"), ports separate
 *   WITHDRAW     R prompt_id, R reason, o verdict (with reason answered)
 *   ANSWER       R prompt_id, R verdict, o duration (default once),
 *                o minutes (required with duration minutes, forbidden
 *                otherwise; 1..WIRE_MAX_MINUTES), o scope (default
 *                destination)
 *   STATUS, RELOAD, WATCH: no fields
 *   RULES_LIST   o system (true: the system rules), o uid (that user's
 *                remembered rules); neither: everything
 *   RULE_ADD     R text (one rule group in sactl.conf syntax), o uid
 *                (absent: a system rule)
 *   RULE_DEL     o uid (absent: a system rule), and exactly one of
 *                index (as RULES_LIST numbers them, from 1) or origin
 *                ("1000.conf:3")
 *   RULE         R index, R text, o origin, o uid (absent: system)
 *   OK           all optional: count (RULES_LIST), index and origin
 *                (RULE_ADD), text, and for STATUS: name (daemon
 *                version), attached, uptime, pending, prompts, agents,
 *                requests, allowed, denied, by_rule, by_user, by_default,
 *                module (the module's counters follow), m_requests,
 *                m_allowed, m_denied, m_timeouts, m_defaults, m_overflows,
 *                m_cancelled, m_pending, cache, cache_pushed,
 *                cache_flushes, m_cache_hits, m_cache_rules
 *   ERROR        R text, o errno (positive)
 *   EVENT        R text (one decision line), o dropped (lines lost
 *                since the previous EVENT because the client was slow)
 */
#ifndef SACTL_WIRE_H
#define SACTL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WIRE_VERSION		1
#define WIRE_HDR_LEN		8
#define WIRE_TLV_HDR_LEN	4
#define WIRE_MAX_FRAME		65536u
/* Seconds a new prompt connection has to send AGENT_HELLO. */
#define WIRE_HELLO_TIMEOUT	5
/* The longest "remember for N minutes": a year. */
#define WIRE_MAX_MINUTES	525600u

/* Where sactld listens unless its configuration says otherwise. */
#define SACTL_PROMPT_SOCKET	"/run/sactl/prompt.sock"
#define SACTL_CONTROL_SOCKET	"/run/sactl/control.sock"

enum wire_type {
	/* prompt socket */
	WIRE_AGENT_HELLO	= 1,	/* agent -> daemon */
	WIRE_HELLO		= 2,	/* daemon -> agent */
	WIRE_ASK		= 3,	/* daemon -> agent */
	WIRE_WITHDRAW		= 4,	/* daemon -> agent */
	WIRE_ANSWER		= 5,	/* agent -> daemon */
	/* control socket, client -> daemon */
	WIRE_STATUS		= 16,
	WIRE_RULES_LIST		= 17,
	WIRE_RULE_ADD		= 18,
	WIRE_RULE_DEL		= 19,
	WIRE_RELOAD		= 20,
	WIRE_WATCH		= 21,
	/* daemon -> client; ERROR also on the prompt socket */
	WIRE_OK			= 32,
	WIRE_ERROR		= 33,
	WIRE_RULE		= 34,
	WIRE_EVENT		= 35,
};

enum wire_tag {
	WIRE_T_VERSION		= 1,	/* u16, >= 1 */
	WIRE_T_NAME		= 2,	/* string, 1..64 */
	WIRE_T_UID		= 3,	/* u32 */
	WIRE_T_TIMEOUT		= 4,	/* u32, seconds */
	WIRE_T_DEFAULT		= 5,	/* u8, enum wire_verdict */
	WIRE_T_ALL_USERS	= 6,	/* bool */
	WIRE_T_PROMPT_ID	= 7,	/* u64, >= 1 */
	WIRE_T_OP		= 8,	/* u8, enum wire_op */
	WIRE_T_PID		= 9,	/* u32 */
	WIRE_T_PPID		= 10,	/* u32 */
	WIRE_T_EXE		= 11,	/* string, 0..16384 */
	WIRE_T_PARENT_EXE	= 12,	/* string, 0..16384 */
	WIRE_T_SHA256		= 13,	/* string, 64 lowercase hex digits */
	WIRE_T_COMM		= 14,	/* string, 0..64 */
	WIRE_T_FAMILY		= 15,	/* u8, 4 or 6 */
	WIRE_T_PROTO		= 16,	/* string, 1..32: "tcp", "udp", ... */
	WIRE_T_LOCAL_ADDR	= 17,	/* string, 1..64 */
	WIRE_T_LOCAL_PORT	= 18,	/* u16 */
	WIRE_T_REMOTE_ADDR	= 19,	/* string, 1..64 */
	WIRE_T_REMOTE_PORT	= 20,	/* u16 */
	WIRE_T_FLAGS		= 21,	/* u32, WIRE_ASK_* (unknown bits: ignore) */
	WIRE_T_SECONDS_LEFT	= 22,	/* u32 */
	WIRE_T_REASON		= 23,	/* u8, enum wire_reason */
	WIRE_T_VERDICT		= 24,	/* u8, enum wire_verdict */
	WIRE_T_DURATION		= 25,	/* u8, enum wire_duration */
	WIRE_T_MINUTES		= 26,	/* u32, 1..WIRE_MAX_MINUTES */
	WIRE_T_SCOPE		= 27,	/* u8, enum wire_scope */
	WIRE_T_TEXT		= 28,	/* string, 0..32768 */
	WIRE_T_SYSTEM		= 29,	/* bool */
	WIRE_T_INDEX		= 30,	/* u32, >= 1 */
	WIRE_T_ORIGIN		= 31,	/* string, 1..256 */
	WIRE_T_ERRNO		= 32,	/* u32 */
	WIRE_T_COUNT		= 33,	/* u32 */
	WIRE_T_DROPPED		= 34,	/* u32 */
	WIRE_T_ATTACHED		= 35,	/* bool: sactld holds /dev/sactl */
	WIRE_T_UPTIME		= 36,	/* u64, seconds */
	WIRE_T_PENDING		= 37,	/* u32: requests sactld has not answered */
	WIRE_T_PROMPTS		= 38,	/* u32: prompts open */
	WIRE_T_AGENTS		= 39,	/* u32: prompt agents connected */
	WIRE_T_REQUESTS		= 40,	/* u64, sactld's decisions: all, */
	WIRE_T_ALLOWED		= 41,	/* u64   allowed, */
	WIRE_T_DENIED		= 42,	/* u64   denied, */
	WIRE_T_BY_RULE		= 43,	/* u64   by a rule, */
	WIRE_T_BY_USER		= 44,	/* u64   by an agent's answer, */
	WIRE_T_BY_DEFAULT	= 45,	/* u64   by the default verdict */
	WIRE_T_MODULE		= 46,	/* bool: the module's counters follow */
	WIRE_T_M_REQUESTS	= 47,	/* u64, /sys/class/misc/sactl/stats/... */
	WIRE_T_M_ALLOWED	= 48,	/* u64 */
	WIRE_T_M_DENIED		= 49,	/* u64 */
	WIRE_T_M_TIMEOUTS	= 50,	/* u64 */
	WIRE_T_M_DEFAULTS	= 51,	/* u64 */
	WIRE_T_M_OVERFLOWS	= 52,	/* u64 */
	WIRE_T_M_CANCELLED	= 53,	/* u64 */
	WIRE_T_M_PENDING	= 54,	/* u64 */
	WIRE_T_CACHE		= 55,	/* u8, enum wire_cache: sactld's pushing */
	WIRE_T_CACHE_PUSHED	= 56,	/* u64: records the module accepted */
	WIRE_T_CACHE_FLUSHES	= 57,	/* u64: times sactld emptied it */
	WIRE_T_M_CACHE_HITS	= 58,	/* u64, stats/cache_hits (absent: an */
	WIRE_T_M_CACHE_RULES	= 59,	/* u64   older module without them) */
};
/* Tags are below this; a larger tag is an unknown one (skipped). */
#define WIRE_TAG_LIMIT		128

/* Same numbers as enum sactl_op in <linux/sactl.h>. */
enum wire_op {
	WIRE_OP_SOCKET		= 1,
	WIRE_OP_BIND		= 2,
	WIRE_OP_CONNECT		= 3,
	WIRE_OP_LISTEN		= 4,
	WIRE_OP_ACCEPT		= 5,
	WIRE_OP_SEND		= 6,
};

/* ASK flags; same bits as SACTL_REQ_*. */
#define WIRE_ASK_FASTOPEN	0x00000001u	/* connect by TCP Fast Open */
#define WIRE_ASK_NO_EXE		0x00000002u	/* no executable known */
#define WIRE_ASK_EXE_REPLACED	0x00000004u	/* its file swapped (prctl) */

enum wire_verdict {
	WIRE_ALLOW		= 1,
	WIRE_DENY		= 2,
};

enum wire_duration {
	WIRE_ONCE		= 0,	/* this request (and identical open ones) */
	WIRE_PROCESS		= 1,	/* until the process exits */
	WIRE_MINUTES		= 2,	/* for `minutes` minutes */
	WIRE_SESSION		= 3,	/* until sactld restarts */
	WIRE_FOREVER		= 4,
};

enum wire_scope {
	WIRE_DESTINATION	= 0,	/* this op, protocol, address and port */
	WIRE_PORT		= 1,	/* this op and protocol, this port */
	WIRE_PROGRAM		= 2,	/* anything this program does */
};

/* The verdict cache in STATUS: pushing, or why not. */
enum wire_cache {
	WIRE_CACHE_ON		= 1,	/* sactld pushes verdicts to the module */
	WIRE_CACHE_OFF		= 2,	/* `cache = false` in sactl.conf */
	WIRE_CACHE_DETACHED	= 3,	/* sactld does not hold /dev/sactl */
	WIRE_CACHE_UNSUPPORTED	= 4,	/* the module has no verdict cache */
	WIRE_CACHE_FULL		= 5,	/* its cache_max is reached: until the
					 * next flush */
};

enum wire_reason {
	WIRE_ANSWERED		= 1,	/* another agent answered */
	WIRE_TIMED_OUT		= 2,	/* nobody answered in time: default */
	WIRE_GONE		= 3,	/* the calling program went away */
	WIRE_SHUTDOWN		= 4,	/* sactld is stopping */
};

/* Kinds of field values. */
enum wire_kind {
	WIRE_K_U8 = 1,
	WIRE_K_U16,
	WIRE_K_U32,
	WIRE_K_U64,
	WIRE_K_BOOL,
	WIRE_K_STRING,
};

struct wire_tag_info {
	const char *name;	/* "prompt_id" */
	enum wire_kind kind;
	uint64_t min, max;	/* value range, or string length range */
};

/* The description of a known tag, or NULL. */
const struct wire_tag_info *wire_tag_info(unsigned int tag);
/* "ASK", or NULL for an unknown type. */
const char *wire_type_name(unsigned int type);

/*
 * One message, decoded or to be encoded.  Numbers (bools as 0/1) are in
 * num[tag], strings in str[tag] (NUL-terminated); wire_has() says which
 * tags are present.  A decoded message owns its strings until
 * wire_msg_clear(); one built with wire_set_*() only points at the
 * caller's strings.
 */
struct wire_msg {
	uint16_t type;
	uint64_t have[WIRE_TAG_LIMIT / 64];
	uint64_t num[WIRE_TAG_LIMIT];
	const char *str[WIRE_TAG_LIMIT];
	uint16_t len[WIRE_TAG_LIMIT];	/* string lengths */
	char *strings;			/* owned storage of a decoded message */
};

/* Start an empty message of @type. */
void wire_msg_init(struct wire_msg *m, uint16_t type);
/* Free what a decoded message owns; @m is then empty. */
void wire_msg_clear(struct wire_msg *m);
bool wire_has(const struct wire_msg *m, unsigned int tag);
/* num[tag] if present, else @dflt. */
uint64_t wire_num(const struct wire_msg *m, unsigned int tag, uint64_t dflt);
/* str[tag] if present, else NULL. */
const char *wire_str(const struct wire_msg *m, unsigned int tag);
/* Set a field (numbers and bools alike); @tag must be a known tag. */
void wire_set_num(struct wire_msg *m, unsigned int tag, uint64_t v);
/* Set a string field; NULL leaves it absent.  @s is not copied. */
void wire_set_str(struct wire_msg *m, unsigned int tag, const char *s);

/* Make @tag absent again. */
void wire_unset(struct wire_msg *m, unsigned int tag);

/* Does @m follow its type's rules (required fields, ranges, strings)? */
int wire_msg_check(const struct wire_msg *m, char *err, size_t errlen);

/*
 * Decode the frame @buf of exactly @len bytes (its length field must say
 * @len) into @m.  0, or -EPROTO with the reason in @err, or -ENOMEM
 * (@m is then empty).  Validation is complete: a message that decodes passes
 * wire_msg_check().
 */
int wire_decode(const void *buf, size_t len, struct wire_msg *m,
		char *err, size_t errlen);

/* An output queue of whole frames, bounded to @max bytes. */
struct wire_buf {
	uint8_t *data;
	size_t off;		/* bytes already written out */
	size_t len;		/* bytes queued, off included */
	size_t cap;
	size_t max;
};

void wire_buf_init(struct wire_buf *b, size_t max);
void wire_buf_free(struct wire_buf *b);
/* Bytes not written out yet. */
size_t wire_buf_pending(const struct wire_buf *b);

/*
 * Append @m as one frame.  0; -EINVAL if @m breaks its type's rules (why
 * in @err), -EMSGSIZE if the frame would exceed WIRE_MAX_FRAME, -ENOBUFS
 * if the queue would exceed its max, -ENOMEM.  Nothing is appended on
 * error.
 */
int wire_encode(const struct wire_msg *m, struct wire_buf *b,
		char *err, size_t errlen);

/*
 * Write queued bytes to the socket @fd (non-blocking or not; never
 * raises SIGPIPE).  Returns the bytes still queued (0: all written; >0:
 * the socket is full, try again when writable), or -errno.
 */
ssize_t wire_buf_flush(struct wire_buf *b, int fd);

/*
 * A streaming decoder: bytes go in as they arrive, however they are split
 * or joined; whole frames come out.  It never holds more than max_frame
 * bytes.
 */
struct wire_reader {
	uint8_t *buf;
	size_t start;		/* first byte not consumed */
	size_t len;		/* bytes held, start included */
	size_t cap;
	size_t max_frame;	/* longer frames are protocol errors */
	bool failed;		/* a protocol error was reported */
};

/* @max_frame is clamped to [WIRE_HDR_LEN, WIRE_MAX_FRAME]. */
void wire_reader_init(struct wire_reader *r, size_t max_frame);
void wire_reader_free(struct wire_reader *r);
/*
 * Take in up to @n bytes; returns how many were taken (possibly fewer
 * than @n: call wire_reader_next() until it returns 0, then feed the
 * rest), or -ENOMEM.
 */
ssize_t wire_reader_feed(struct wire_reader *r, const void *data, size_t n);
/*
 * Read once from @fd into the reader.  Bytes read, 0 at end of file, or
 * -errno (-EAGAIN: nothing to read now; -ENOBUFS: call wire_reader_next()
 * first).
 */
ssize_t wire_reader_read(struct wire_reader *r, int fd);
/*
 * The next whole message: 1 (in @m, to be wire_msg_clear()ed), 0 (need
 * more bytes), -EPROTO with the reason in @err (after which the reader
 * only returns -EPROTO), or -ENOMEM (the frame stays; try again).
 */
int wire_reader_next(struct wire_reader *r, struct wire_msg *m,
		     char *err, size_t errlen);
/* Bytes of an incomplete frame held (0: between frames). */
size_t wire_reader_partial(const struct wire_reader *r);

/*
 * TEXT HELPERS (lib/wire_text.c)
 */

/* "connect", "allow", "forever", "destination", "timed out"; "?" if bad. */
const char *wire_op_name(unsigned int op);
const char *wire_verdict_name(unsigned int verdict);
const char *wire_duration_name(unsigned int duration);
const char *wire_scope_name(unsigned int scope);
const char *wire_reason_text(unsigned int reason);

/*
 * Turn arbitrary bytes (a path, a thread name) into a wire string: valid
 * UTF-8 with no NUL and no control characters.  Bytes that are not UTF-8,
 * C0/C1 controls, DEL and '\\' become "\xNN".  Always NUL-terminates @out
 * (truncating at a character boundary); returns @out.
 */
char *wire_escape(const void *in, size_t inlen, char *out, size_t outlen);

/*
 * Copy a decoded (valid UTF-8) wire string for a terminal: controls and
 * the Unicode bidirectional overrides become "\xNN" / "\u{NNNN}", so a
 * program's name cannot rewrite the screen.  Returns @out.
 */
char *wire_display(const char *in, char *out, size_t outlen);

/*
 * An ASK in plain words: "firefox (pid 1234, /usr/lib/firefox/firefox)
 * wants to connect to 93.184.216.34 port 443 (tcp)".  Display-safe.
 * Returns @out.
 */
char *wire_describe_ask(const struct wire_msg *ask, char *out, size_t outlen);

/* A person's answer: "a", "deny", "a 15m", "d forever", "a always port". */
struct wire_answer_words {
	enum wire_verdict verdict;
	enum wire_duration duration;
	unsigned int minutes;
	enum wire_scope scope;
};

/*
 * Parse the words of @line (verdict first, then a duration and a scope in
 * any order): "a"/"allow", "d"/"deny"; "once", "process", "session",
 * "forever"/"always", "<N>m", "<N>h", "<N>d"; "destination"/"dest"/"host",
 * "port", "program"/"app".  0, or -EINVAL with the reason in @err.
 */
int wire_parse_answer(const char *line, struct wire_answer_words *out,
		      char *err, size_t errlen);

#endif /* SACTL_WIRE_H */
