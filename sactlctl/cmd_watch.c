// SPDX-License-Identifier: GPL-2.0
/*
 * sactlctl watch (or log): every decision sactld makes, one line each, as
 * it makes it, until interrupted.
 */
#include <stdio.h>

#include "sactlctl.h"

int cmd_watch(const struct options *o, int argc, char **argv)
{
	struct client c;
	struct wire_msg m;
	char line[40000];

	if (argc > 1)
		usage_error("%s takes no arguments", argv[0]);
	client_connect(&c, o->control_socket);
	wire_msg_init(&m, WIRE_WATCH);
	client_send(&c, &m);
	client_recv(&c, &m);
	client_check_reply(&c, &m, 0);
	wire_msg_clear(&m);
	/* Lines must show up at once, also through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		client_recv(&c, &m);
		client_check_reply(&c, &m, WIRE_EVENT);
		if (m.type != WIRE_EVENT)
			die(EXIT_DAEMON, "unexpected OK from sactld");
		if (wire_num(&m, WIRE_T_DROPPED, 0))
			warnx_("%llu decisions not shown: this terminal was too slow",
			       (unsigned long long)wire_num(&m, WIRE_T_DROPPED, 0));
		printf("%s\n", wire_display(wire_str(&m, WIRE_T_TEXT), line, sizeof(line)));
		wire_msg_clear(&m);
	}
}
