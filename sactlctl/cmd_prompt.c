// SPDX-License-Identifier: GPL-2.0
/*
 * sactlctl prompt: a prompt agent in a terminal.  Each request is printed
 * in plain words with a number; a line such as "a", "d forever" or
 * "2 a 15m port" answers it.  Several prompts may be open at once.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sactlctl.h"

struct open_prompt {
	unsigned int num;		/* what the user types; 0: free slot */
	uint64_t id;
};

struct agent {
	struct client c;
	uid_t serves;
	enum wire_verdict dflt;
	struct open_prompt *open;
	size_t cap;
	bool hinted;
};

static const char *const help_text =
	"Answer a prompt with a line:  [N] a|d [DURATION] [SCOPE]\n"
	"  N         the prompt's number; needed only when several are open\n"
	"  a, allow / d, deny\n"
	"  DURATION  once (default), process (until it exits), 15m, 2h, 1d,\n"
	"            session (until sactld restarts), forever (or always)\n"
	"  SCOPE     destination (default: this address and port), port (any\n"
	"            address, this port), program (anything this program does)\n"
	"Other lines: l (list open prompts), ? (this help), q (quit).\n"
	"Examples: a | d forever | 2 a 15m port | a always program\n";

static size_t nopen(const struct agent *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->cap; i++)
		n += a->open[i].num != 0;
	return n;
}

static struct open_prompt *by_num(struct agent *a, unsigned int num)
{
	for (size_t i = 0; i < a->cap; i++)
		if (num && a->open[i].num == num)
			return &a->open[i];
	return NULL;
}

static struct open_prompt *by_id(struct agent *a, uint64_t id)
{
	for (size_t i = 0; i < a->cap; i++)
		if (a->open[i].num && a->open[i].id == id)
			return &a->open[i];
	return NULL;
}

/* The only open prompt, or NULL. */
static struct open_prompt *only(struct agent *a)
{
	struct open_prompt *p = NULL;

	for (size_t i = 0; i < a->cap; i++) {
		if (!a->open[i].num)
			continue;
		if (p)
			return NULL;
		p = &a->open[i];
	}
	return p;
}

/* A slot with the lowest free number, so numbers stay short. */
static struct open_prompt *new_slot(struct agent *a, uint64_t id)
{
	struct open_prompt *slot = NULL;
	unsigned int num = 1;

	while (by_num(a, num))
		num++;
	for (size_t i = 0; i < a->cap && !slot; i++)
		if (!a->open[i].num)
			slot = &a->open[i];
	if (!slot) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		struct open_prompt *o = realloc(a->open, cap * sizeof(*o));

		if (!o)
			die(EXIT_DAEMON, "out of memory");
		memset(o + a->cap, 0, (cap - a->cap) * sizeof(*o));
		slot = o + a->cap;
		a->open = o;
		a->cap = cap;
	}
	slot->num = num;
	slot->id = id;
	return slot;
}

static void on_ask(struct agent *a, const struct wire_msg *m)
{
	uint64_t id = wire_num(m, WIRE_T_PROMPT_ID, 0);
	struct open_prompt *p = by_id(a, id);
	char text[2048], buf[1024], who[128];
	uid_t uid = (uid_t)wire_num(m, WIRE_T_UID, 0);

	if (!p)
		p = new_slot(a, id);
	printf("[%u] %s\n    ", p->num, wire_describe_ask(m, text, sizeof(text)));
	if (uid != a->serves)
		printf("user %s, ", user_label(uid, who, sizeof(who)));
	if (wire_str(m, WIRE_T_PARENT_EXE))
		printf("parent %s (pid %llu), ",
		       wire_display(wire_str(m, WIRE_T_PARENT_EXE), buf, sizeof(buf)),
		       (unsigned long long)wire_num(m, WIRE_T_PPID, 0));
	if (wire_str(m, WIRE_T_SHA256))
		printf("sha256 %.16s..., ", wire_str(m, WIRE_T_SHA256));
	printf("%s in %llu s\n",
	       wire_verdict_name((unsigned int)wire_num(m, WIRE_T_DEFAULT, 0)),
	       (unsigned long long)wire_num(m, WIRE_T_SECONDS_LEFT, 0));
	if (!a->hinted) {
		printf("    answer: [N] a|d [once|process|15m|session|forever] [destination|port|program]  (? for help)\n");
		a->hinted = true;
	}
}

static void on_withdraw(struct agent *a, const struct wire_msg *m)
{
	struct open_prompt *p = by_id(a, wire_num(m, WIRE_T_PROMPT_ID, 0));
	unsigned int reason = (unsigned int)wire_num(m, WIRE_T_REASON, 0);

	if (!p)
		return;		/* we answered it ourselves */
	if (reason == WIRE_TIMED_OUT)
		printf("[%u] timed out: %s applies\n", p->num,
		       a->dflt == WIRE_ALLOW ? "allow" : "deny");
	else if (reason == WIRE_ANSWERED && wire_has(m, WIRE_T_VERDICT))
		printf("[%u] answered elsewhere: %s\n", p->num,
		       wire_verdict_name((unsigned int)wire_num(m, WIRE_T_VERDICT, 0)));
	else
		printf("[%u] withdrawn: %s\n", p->num, wire_reason_text(reason));
	p->num = 0;
}

static void list(struct agent *a)
{
	size_t n = nopen(a);

	if (!n) {
		printf("no prompts open\n");
		return;
	}
	printf("open prompts:");
	for (unsigned int num = 1, seen = 0; seen < n; num++)
		if (by_num(a, num))
			printf(" [%u]", num), seen++;
	printf("\n");
}

static const char *in_words(const struct wire_answer_words *w, char *buf, size_t len)
{
	static const char *const scopes[] = {
		[WIRE_DESTINATION] = "this destination",
		[WIRE_PORT] = "this port",
		[WIRE_PROGRAM] = "anything this program does",
	};
	const char *dur;
	char mins[32];

	switch (w->duration) {
	case WIRE_PROCESS:
		dur = "until the program exits";
		break;
	case WIRE_MINUTES:
		snprintf(mins, sizeof(mins), "for %u minutes", w->minutes);
		dur = mins;
		break;
	case WIRE_SESSION:
		dur = "until sactld restarts";
		break;
	case WIRE_FOREVER:
		dur = "forever";
		break;
	default:
		snprintf(buf, len, "%s, this once", wire_verdict_name(w->verdict));
		return buf;
	}
	snprintf(buf, len, "%s %s, for %s", wire_verdict_name(w->verdict), dur,
		 scopes[w->scope]);
	return buf;
}

/* One line from the user. */
static void on_line(struct agent *a, char *line)
{
	struct wire_answer_words w;
	struct open_prompt *p;
	struct wire_msg m;
	char err[256], words[160];
	char *s = line, *end;
	unsigned long num = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (end = s + strlen(s); end > s && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	if (!*s)
		return;
	if (!strcmp(s, "?") || !strcmp(s, "h") || !strcmp(s, "help")) {
		fputs(help_text, stdout);
		return;
	}
	if (!strcmp(s, "l") || !strcmp(s, "list")) {
		list(a);
		return;
	}
	if (!strcmp(s, "q") || !strcmp(s, "quit"))
		exit(0);
	if (isdigit((unsigned char)*s)) {
		num = strtoul(s, &end, 10);
		s = end;
		p = by_num(a, num > UINT32_MAX ? 0 : (unsigned int)num);
		if (!p) {
			warnx_("no prompt [%lu] is open", num);
			return;
		}
	} else {
		p = only(a);
		if (!p) {
			if (nopen(a))
				warnx_("several prompts are open: start with a number, as in '%u a'",
				       a->open[0].num ? a->open[0].num : 1);
			else
				warnx_("no prompt is open");
			return;
		}
	}
	if (wire_parse_answer(s, &w, err, sizeof(err))) {
		warnx_("%s (? for help)", err);
		return;
	}
	wire_msg_init(&m, WIRE_ANSWER);
	wire_set_num(&m, WIRE_T_PROMPT_ID, p->id);
	wire_set_num(&m, WIRE_T_VERDICT, w.verdict);
	wire_set_num(&m, WIRE_T_DURATION, w.duration);
	if (w.duration == WIRE_MINUTES)
		wire_set_num(&m, WIRE_T_MINUTES, w.minutes);
	wire_set_num(&m, WIRE_T_SCOPE, w.scope);
	client_send(&a->c, &m);
	printf("[%u] %s\n", p->num, in_words(&w, words, sizeof(words)));
	p->num = 0;
}

/* Handle the messages already read. */
static void process(struct agent *a)
{
	char err[256], text[1024];
	struct wire_msg m;
	int ret;

	while ((ret = wire_reader_next(&a->c.in, &m, err, sizeof(err))) == 1) {
		switch (m.type) {
		case WIRE_ASK:
			on_ask(a, &m);
			break;
		case WIRE_WITHDRAW:
			on_withdraw(a, &m);
			break;
		case WIRE_ERROR:
			warnx_("sactld: %s", wire_display(wire_str(&m, WIRE_T_TEXT),
							  text, sizeof(text)));
			break;
		default:
			die(EXIT_DAEMON, "unexpected %s from sactld", wire_type_name(m.type));
		}
		wire_msg_clear(&m);
	}
	if (ret < 0)
		die(EXIT_DAEMON, "garbled message from sactld: %s", err);
}

/* Read and handle messages from sactld; false when it hung up. */
static bool from_daemon(struct agent *a)
{
	ssize_t n = wire_reader_read(&a->c.in, a->c.fd);

	if (n == 0)
		return false;
	if (n < 0 && n != -EAGAIN)
		die(EXIT_NODAEMON, "reading from sactld: %s", strerror((int)-n));
	process(a);
	return true;
}

/* Whole lines from stdin; false at end of input. */
static bool from_user(struct agent *a, char *buf, size_t *len, size_t cap)
{
	ssize_t n = read(STDIN_FILENO, buf + *len, cap - 1 - *len);
	char *nl;

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	*len += (size_t)n;
	buf[*len] = '\0';
	while ((nl = memchr(buf, '\n', *len))) {
		*nl = '\0';
		on_line(a, buf);
		*len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *len);
	}
	if (*len == cap - 1) {
		warnx_("line too long, ignored");
		*len = 0;
	}
	return true;
}

static void hello(struct agent *a, long uid)
{
	struct wire_msg m;
	char who[128];

	wire_msg_init(&m, WIRE_AGENT_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_str(&m, WIRE_T_NAME, "sactlctl");
	if (uid >= 0)
		wire_set_num(&m, WIRE_T_UID, (uint64_t)uid);
	client_send(&a->c, &m);
	client_recv(&a->c, &m);
	client_check_reply(&a->c, &m, WIRE_HELLO);
	if (m.type != WIRE_HELLO)
		die(EXIT_DAEMON, "unexpected OK from sactld");
	a->serves = (uid_t)wire_num(&m, WIRE_T_UID, 0);
	a->dflt = (enum wire_verdict)wire_num(&m, WIRE_T_DEFAULT, WIRE_DENY);
	printf("Answering sactl prompts for %s%s; unanswered ones get '%s' after %llu s.\n",
	       user_label(a->serves, who, sizeof(who)),
	       wire_num(&m, WIRE_T_ALL_USERS, 0) ? " and every other user" : "",
	       wire_verdict_name(a->dflt),
	       (unsigned long long)wire_num(&m, WIRE_T_TIMEOUT, 0));
	wire_msg_clear(&m);
}

int cmd_prompt(const struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent a = { 0 };
	char line[1024];
	size_t len = 0;
	long uid = -1;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+u:", longopts, NULL)) != -1) {
		if (c == 'u')
			uid = (long)parse_user(optarg);
		else if (c == ':')
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		else
			usage_error("unknown option '%s' for prompt", argv[optind - 1]);
	}
	if (optind < argc)
		usage_error("prompt takes no operands");
	setvbuf(stdout, NULL, _IOLBF, 0);
	client_connect(&a.c, o->prompt_socket);
	hello(&a, uid);
	/* ASKs may have come in the same read as HELLO. */
	process(&a);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = a.c.fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_DAEMON, "poll: %s", strerror(errno));
		}
		if (pfd[0].revents && !from_daemon(&a))
			die(EXIT_NODAEMON, "sactld closed the connection");
		if (pfd[1].revents && !from_user(&a, line, &len, sizeof(line))) {
			if (nopen(&a))
				warnx_("end of input: %zu open prompt%s left to the default",
				       nopen(&a), nopen(&a) == 1 ? "" : "s");
			break;
		}
	}
	free(a.open);
	client_close(&a.c);
	return 0;
}
