// SPDX-License-Identifier: GPL-2.0
/*
 * sactlctl status and sactlctl reload: the daemon's state, and re-reading
 * its configuration.
 */
#include <stdio.h>

#include "sactlctl.h"

static void no_args(int argc, char **argv)
{
	if (argc > 1)
		usage_error("%s takes no arguments", argv[0]);
}

/* "3d 4h", "2h 13m", "5m 2s", "42s" */
static const char *span(uint64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%llud %lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lluh %llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%llum %llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
	return buf;
}

static unsigned long long n(const struct wire_msg *m, unsigned int tag)
{
	return (unsigned long long)wire_num(m, tag, 0);
}

static void print_status(const struct wire_msg *m)
{
	char name[128], up[32];
	unsigned long long prompts = n(m, WIRE_T_PROMPTS);

	wire_display(wire_str(m, WIRE_T_NAME) ? wire_str(m, WIRE_T_NAME) : "sactld",
		     name, sizeof(name));
	printf("%s, up %s, %s\n", name, span(n(m, WIRE_T_UPTIME), up, sizeof(up)),
	       n(m, WIRE_T_ATTACHED) ? "attached to /dev/sactl" :
	       "NOT attached to /dev/sactl (the module's detached verdict applies)");
	printf("pending:    %llu request%s, %llu prompt%s open, %llu prompt agent%s\n",
	       n(m, WIRE_T_PENDING), n(m, WIRE_T_PENDING) == 1 ? "" : "s",
	       prompts, prompts == 1 ? "" : "s",
	       n(m, WIRE_T_AGENTS), n(m, WIRE_T_AGENTS) == 1 ? "" : "s");
	printf("decisions:  %llu (allowed %llu, denied %llu; by rule %llu, by user %llu, by default %llu)\n",
	       n(m, WIRE_T_REQUESTS), n(m, WIRE_T_ALLOWED), n(m, WIRE_T_DENIED),
	       n(m, WIRE_T_BY_RULE), n(m, WIRE_T_BY_USER), n(m, WIRE_T_BY_DEFAULT));
	if (!n(m, WIRE_T_MODULE)) {
		printf("module:     not loaded (no /sys/class/misc/sactl/stats)\n");
		return;
	}
	printf("module:     requests %llu, allowed %llu, denied %llu, pending %llu\n"
	       "            timeouts %llu, defaults %llu, overflows %llu, cancelled %llu\n",
	       n(m, WIRE_T_M_REQUESTS), n(m, WIRE_T_M_ALLOWED),
	       n(m, WIRE_T_M_DENIED), n(m, WIRE_T_M_PENDING),
	       n(m, WIRE_T_M_TIMEOUTS), n(m, WIRE_T_M_DEFAULTS),
	       n(m, WIRE_T_M_OVERFLOWS), n(m, WIRE_T_M_CANCELLED));
}

int cmd_status(const struct options *o, int argc, char **argv)
{
	struct client c;
	struct wire_msg m;

	no_args(argc, argv);
	client_connect(&c, o->control_socket);
	wire_msg_init(&m, WIRE_STATUS);
	client_send(&c, &m);
	client_recv(&c, &m);
	client_check_reply(&c, &m, 0);
	print_status(&m);
	wire_msg_clear(&m);
	client_close(&c);
	return 0;
}

int cmd_reload(const struct options *o, int argc, char **argv)
{
	struct client c;
	struct wire_msg m;

	no_args(argc, argv);
	client_connect(&c, o->control_socket);
	wire_msg_init(&m, WIRE_RELOAD);
	client_send(&c, &m);
	client_recv(&c, &m);
	client_check_reply(&c, &m, 0);
	wire_msg_clear(&m);
	client_close(&c);
	printf("sactld reloaded its configuration\n");
	return 0;
}
