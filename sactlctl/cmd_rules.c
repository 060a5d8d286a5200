// SPDX-License-Identifier: GPL-2.0
/*
 * sactlctl rules [list|add|del]: the system rules (sactl.conf) and the
 * rules users remembered from prompts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sactlctl.h"

/* Whose rules: --user U, --system, or neither. */
struct target {
	bool user, system;
	uid_t uid;
};

/* Parse the options after the subcommand; returns the first operand. */
static int parse_target(int argc, char **argv, struct target *t)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "system", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(t, 0, sizeof(*t));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+u:", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			t->user = true;
			t->uid = parse_user(optarg);
			break;
		case 'S':
			t->system = true;
			break;
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			usage_error("unknown option '%s' for rules %s",
				    argv[optind - 1], argv[0]);
		}
	}
	if (t->user && t->system)
		usage_error("--user and --system exclude each other");
	return optind;
}

/* Print @text (display-safe) with every line after the first indented. */
static void print_indented(const char *text, int indent)
{
	char raw[4096], shown[16384];
	bool first = true;

	for (;;) {
		size_t n = strcspn(text, "\n");
		size_t take = n < sizeof(raw) - 1 ? n : sizeof(raw) - 1;

		memcpy(raw, text, take);
		raw[take] = '\0';
		printf("%*s%s\n", first ? 0 : indent, "",
		       wire_display(raw, shown, sizeof(shown)));
		first = false;
		text += n;
		if (!*text || !text[1])
			break;
		text++;
	}
}

static int list(const struct options *o, int argc, char **argv)
{
	struct target t;
	struct client c;
	struct wire_msg m;
	bool have_group = false, group_system = false;
	uid_t group_uid = 0;
	unsigned long count = 0;
	char who[128], origin[300];

	if (parse_target(argc, argv, &t) < argc)
		usage_error("rules list takes no operands");
	client_connect(&c, o->control_socket);
	wire_msg_init(&m, WIRE_RULES_LIST);
	if (t.system)
		wire_set_num(&m, WIRE_T_SYSTEM, 1);
	if (t.user)
		wire_set_num(&m, WIRE_T_UID, t.uid);
	client_send(&c, &m);
	for (;;) {
		client_recv(&c, &m);
		client_check_reply(&c, &m, WIRE_RULE);
		if (m.type == WIRE_OK)
			break;
		{
			bool sys = !wire_has(&m, WIRE_T_UID);
			uid_t uid = (uid_t)wire_num(&m, WIRE_T_UID, 0);

			if (!have_group || sys != group_system || (!sys && uid != group_uid)) {
				if (sys)
					printf("system rules:\n");
				else
					printf("rules of %s:\n", user_label(uid, who, sizeof(who)));
				have_group = true;
				group_system = sys;
				group_uid = uid;
			}
		}
		wire_display(wire_str(&m, WIRE_T_ORIGIN) ? wire_str(&m, WIRE_T_ORIGIN) : "-",
			     origin, sizeof(origin));
		/* Multi-line rules stay readable: continuation lines line up. */
		printf("%4llu  %-16s ", (unsigned long long)wire_num(&m, WIRE_T_INDEX, 0), origin);
		print_indented(wire_str(&m, WIRE_T_TEXT), 23);
		count++;
		wire_msg_clear(&m);
	}
	wire_msg_clear(&m);
	client_close(&c);
	if (!count)
		printf("no rules\n");
	return 0;
}

static int add(const struct options *o, int argc, char **argv)
{
	struct target t;
	struct client c;
	struct wire_msg m;
	char origin[300];
	int i = parse_target(argc, argv, &t);

	if (argc - i != 1)
		usage_error("rules add takes one rule (quote it)");
	client_connect(&c, o->control_socket);
	wire_msg_init(&m, WIRE_RULE_ADD);
	wire_set_str(&m, WIRE_T_TEXT, argv[i]);
	if (t.user)
		wire_set_num(&m, WIRE_T_UID, t.uid);
	client_send(&c, &m);
	client_recv(&c, &m);
	client_check_reply(&c, &m, 0);
	if (wire_has(&m, WIRE_T_INDEX))
		printf("added as rule %llu", (unsigned long long)wire_num(&m, WIRE_T_INDEX, 0));
	else
		printf("added");
	if (wire_str(&m, WIRE_T_ORIGIN))
		printf(" (%s)", wire_display(wire_str(&m, WIRE_T_ORIGIN), origin, sizeof(origin)));
	printf("\n");
	wire_msg_clear(&m);
	client_close(&c);
	return 0;
}

static int del(const struct options *o, int argc, char **argv)
{
	struct target t;
	struct client c;
	struct wire_msg m;
	int i = parse_target(argc, argv, &t);
	const char *what;
	unsigned long n;
	char *end;

	if (argc - i != 1)
		usage_error("rules del takes one rule number (or origin such as 1000.conf:3)");
	what = argv[i];
	wire_msg_init(&m, WIRE_RULE_DEL);
	n = strtoul(what, &end, 10);
	if (*what >= '1' && *what <= '9' && !*end && n <= UINT32_MAX)
		wire_set_num(&m, WIRE_T_INDEX, n);
	else if (strchr(what, ':'))
		wire_set_str(&m, WIRE_T_ORIGIN, what);
	else
		usage_error("'%s' is neither a rule number nor an origin like 1000.conf:3", what);
	if (t.user)
		wire_set_num(&m, WIRE_T_UID, t.uid);
	client_connect(&c, o->control_socket);
	client_send(&c, &m);
	client_recv(&c, &m);
	client_check_reply(&c, &m, 0);
	wire_msg_clear(&m);
	client_close(&c);
	printf("deleted\n");
	return 0;
}

int cmd_rules(const struct options *o, int argc, char **argv)
{
	/* "rules" alone or "rules --user x" lists. */
	if (argc < 2 || argv[1][0] == '-')
		return list(o, argc, argv);
	if (!strcmp(argv[1], "list"))
		return list(o, argc - 1, argv + 1);
	if (!strcmp(argv[1], "add"))
		return add(o, argc - 1, argv + 1);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return del(o, argc - 1, argv + 1);
	usage_error("unknown rules command '%s' (list, add, del)", argv[1]);
}
