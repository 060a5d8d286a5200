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

static const char *plural(unsigned long long k)
{
	return k == 1 ? "" : "s";
}

/* Why sactld pushes no verdicts into the module's cache. */
static const char *cache_off_text(unsigned long long state)
{
	switch (state) {
	case WIRE_CACHE_OFF:
		return "off (cache = false in sactl.conf)";
	case WIRE_CACHE_DETACHED:
		return "off while not attached to /dev/sactl";
	case WIRE_CACHE_UNSUPPORTED:
		return "not supported by the module";
	default:
		return "?";
	}
}

/* Only from a sactld that knows the cache (an older one says nothing). */
static void print_cache(const struct wire_msg *m)
{
	unsigned long long state = n(m, WIRE_T_CACHE);
	unsigned long long pushed = n(m, WIRE_T_CACHE_PUSHED);
	unsigned long long flushes = n(m, WIRE_T_CACHE_FLUSHES);

	if (!wire_has(m, WIRE_T_CACHE))
		return;
	if (state != WIRE_CACHE_ON && state != WIRE_CACHE_FULL) {
		printf("cache:      %s\n", cache_off_text(state));
		return;
	}
	printf("cache:      %s, %llu record%s pushed, %llu flush%s",
	       state == WIRE_CACHE_ON ? "on" :
	       "full (the module's cache_max is reached until the next flush)",
	       pushed, plural(pushed), flushes, flushes == 1 ? "" : "es");
	/* The module's view: what it holds and answered by itself. */
	if (wire_has(m, WIRE_T_M_CACHE_RULES))
		printf("; module: %llu rule%s, %llu hit%s",
		       n(m, WIRE_T_M_CACHE_RULES), plural(n(m, WIRE_T_M_CACHE_RULES)),
		       n(m, WIRE_T_M_CACHE_HITS), plural(n(m, WIRE_T_M_CACHE_HITS)));
	printf("\n");
}

static void print_module(const struct wire_msg *m)
{
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
	print_module(m);
	print_cache(m);
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
