// SPDX-License-Identifier: GPL-2.0
/*
 * sactlctl: sactl's command line.  Global options, then one command; each
 * command lives in its own cmd_*.c.  See sactlctl(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sactlctl.h"

static void help(void)
{
	printf("Usage: sactlctl [-s CONTROL-SOCKET] [-p PROMPT-SOCKET] COMMAND [ARGS]\n"
	       "\n"
	       "Control sactl, the per-application firewall, and answer its prompts.\n"
	       "\n"
	       "Commands (all but 'prompt' need root; 'relay' needs the device):\n"
	       "  status                         the daemon's state and counters\n"
	       "  rules [list] [--user U|--system]\n"
	       "                                 the rules (all of them by default)\n"
	       "  rules add [--user U|--system] 'RULE'\n"
	       "                                 add a rule (sactl.conf syntax)\n"
	       "  rules del [--user U|--system] N|ORIGIN\n"
	       "                                 delete rule N of that list, or by origin\n"
	       "  reload                         re-read the configuration\n"
	       "  watch (or log)                 print decisions as they are made\n"
	       "  prompt [--uid UID]             answer prompts in this terminal\n"
	       "  relay DEVICE | --name PORT     carry the prompt socket over a device\n"
	       "                                 (a virtio-serial port), for a prompt\n"
	       "                                 agent on the other side\n"
	       "\n"
	       "Options:\n"
	       "  -s, --control-socket PATH      default %s\n"
	       "  -p, --prompt-socket PATH       default %s\n"
	       "  -h, --help                     this help\n"
	       "  -V, --version                  the version\n"
	       "\n"
	       "Exit status: 0 done, 1 sactld refused or failed, 2 usage error,\n"
	       "69 sactld is not running.\n",
	       SACTL_CONTROL_SOCKET, SACTL_PROMPT_SOCKET);
}

static const struct {
	const char *name;
	int (*fn)(const struct options *o, int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "rules", cmd_rules },
	{ "reload", cmd_reload },
	{ "watch", cmd_watch },
	{ "log", cmd_watch },
	{ "prompt", cmd_prompt },
	{ "relay", cmd_relay },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "control-socket", required_argument, NULL, 's' },
		{ "prompt-socket", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = {
		.control_socket = SACTL_CONTROL_SOCKET,
		.prompt_socket = SACTL_PROMPT_SOCKET,
	};
	int c;

	/* '+': stop at the command; its own options are its business. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:p:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.control_socket = optarg;
			break;
		case 'p':
			o.prompt_socket = optarg;
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			puts(SACTLCTL_VERSION);
			return 0;
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage_error("no command given");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		/* The command sees its name as argv[0]. */
		argc -= optind;
		argv += optind;
		optind = 0;	/* glibc: 0 also resets getopt's state */
		return commands[i].fn(&o, argc, argv);
	}
	usage_error("unknown command '%s'", argv[optind]);
}
