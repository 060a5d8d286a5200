// SPDX-License-Identifier: GPL-2.0
/*
 * sactld: the sactl daemon.  This file is the process around it:
 * arguments, the configuration check, becoming a daemon, the pid file and
 * signals.  Everything else runs in one libev loop (daemon.c).
 *
 *   sactld [-c FILE] [-f] [-p PIDFILE] [--device PATH] [-d]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "device.h"
#include "log.h"

struct options {
	const char *config;
	const char *pidfile;
	const char *device;
	bool foreground;
	bool pidfile_given;
	bool debug;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sactld [-c FILE] [-f] [-p PIDFILE] [--device PATH] [-d]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -f, --foreground    stay in the foreground, log to stderr too\n"
		"  -p, --pidfile FILE  pid file (default %s; with -f only if given)\n"
		"      --device PATH   the kernel device (default %s), or a unix\n"
		"                      SOCK_SEQPACKET socket speaking its records (tests)\n"
		"  -d, --debug         log debug messages too\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n",
		SACTLD_CONFIG, SACTLD_PIDFILE, DEVICE_PATH);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_DEVICE = 256 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){
		.config = SACTLD_CONFIG,
		.pidfile = SACTLD_PIDFILE,
		.device = DEVICE_PATH,
	};
	while ((c = getopt_long(argc, argv, "c:fp:dhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'p':
			o->pidfile = optarg;
			o->pidfile_given = true;
			break;
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			puts(SACTLD_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sactld: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		exit(EX_USAGE);
	}
}

/*
 * Become a daemon: fork twice (no controlling terminal can come back),
 * new session, cwd /, std fds on /dev/null.  The first parent waits on a
 * pipe until the daemon says it is ready (exit 0) or why it failed (its
 * message on stderr, its exit code), so that "sactld && ..." can rely on
 * the sockets being there.  Returns the daemon's end of that pipe.
 */
static int daemonize(void)
{
	int p[2], fd;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		perror("sactld: pipe");
		exit(EX_OSERR);
	}
	pid = fork();
	if (pid < 0) {
		perror("sactld: fork");
		exit(EX_OSERR);
	}
	if (pid > 0) {
		char buf[1024];
		ssize_t n, len = 0;

		close(p[1]);
		while (len < (ssize_t)sizeof(buf) - 1 &&
		       (n = read(p[0], buf + len, sizeof(buf) - 1 - (size_t)len)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			len += n;
		}
		waitpid(pid, NULL, 0);	/* the middle process exits at once */
		if (len == 0) {
			fputs("sactld: the daemon died while starting\n", stderr);
			exit(EX_SOFTWARE);
		}
		buf[len] = '\0';
		if (buf[0] != 0)
			fprintf(stderr, "sactld: %s\n", buf + 1);
		exit((unsigned char)buf[0]);
	}
	close(p[0]);
	if (setsid() < 0)
		exit(EX_OSERR);
	pid = fork();
	if (pid < 0)
		exit(EX_OSERR);
	if (pid > 0)
		_exit(0);
	if (chdir("/"))
		exit(EX_OSERR);
	umask(022);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		exit(EX_OSERR);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return p[1];
}

/* Tell the waiting parent: @code 0 (ready) or an exit code and why. */
static void notify(int fd, int code, const char *why)
{
	char buf[1024];
	size_t len;

	if (fd < 0)
		return;
	buf[0] = (char)code;
	len = 1 + (size_t)snprintf(buf + 1, sizeof(buf) - 1, "%s", why ? why : "");
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	if (write(fd, buf, len) < 0)
		log_msg(LOG_DEBUG, "readiness pipe: %m");
	close(fd);
}

/* Fail at start: to the waiting parent, or with -f to stderr (log_msg). */
static void die(int notify_fd, int code, const char *why)
{
	log_msg(LOG_ERR, "%s", why);
	notify(notify_fd, code, why);
	exit(code);
}

/* Write our pid atomically: a reader sees the old file or the whole new one. */
static int write_pidfile(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX], buf[32];
	int fd, len;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, buf, (size_t)len) != len || close(fd) ||
	    rename(tmp, path)) {
		snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

/* Remove the pid file if it is still ours. */
static void remove_pidfile(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && atoi(buf) == (int)getpid())
		unlink(path);
	fclose(f);
}

struct signals {
	struct sactld *d;
	ev_signal hup, term, intr, usr1;
};

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct signals *s = w->data;
	char err[512];

	(void)revents;
	switch (w->signum) {
	case SIGHUP:
		log_msg(LOG_INFO, "SIGHUP: reloading");
		sactld_reload(s->d, err, sizeof(err));
		break;
	case SIGUSR1:
		sactld_release(s->d);
		break;
	default:
		log_msg(LOG_NOTICE, "%s: stopping", strsignal(w->signum));
		ev_break(loop, EVBREAK_ALL);
		break;
	}
}

static void watch_signals(struct ev_loop *loop, struct signals *s)
{
	ev_signal *ws[] = { &s->hup, &s->term, &s->intr, &s->usr1 };
	int nums[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };

	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
		ev_signal_init(ws[i], on_signal, nums[i]);
		ws[i]->data = s;
		ev_signal_start(loop, ws[i]);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct signals sigs = { 0 };
	struct config *cfg;
	struct ev_loop *loop;
	char err[1024], *abs, *pidpath = NULL;
	bool pidfile;
	int notify_fd = -1;

	parse_args(argc, argv, &o);
	cfg = config_load(o.config, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "sactld: %s\n", err);
		return EX_CONFIG;
	}
	/* Reloads happen after chdir("/"): keep an absolute path. */
	abs = realpath(o.config, NULL);
	if (abs) {
		free(cfg->path);
		cfg->path = abs;
	}
	pidfile = !o.foreground || o.pidfile_given;
	/* Likewise the pid file, removed after chdir("/"). */
	if (pidfile && o.pidfile[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    asprintf(&pidpath, "%s/%s", cwd, o.pidfile) < 0) {
			perror("sactld: pid file path");
			return EX_OSERR;
		}
		o.pidfile = pidpath;
	}
	if (!o.foreground)
		notify_fd = daemonize();
	log_open(o.foreground, o.debug ? LOG_DEBUG : LOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop)
		die(notify_fd, EX_OSERR, "cannot start the event loop");
	watch_signals(loop, &sigs);
	sigs.d = sactld_start(loop, cfg, o.device, err, sizeof(err));
	if (!sigs.d)
		die(notify_fd, 1, err);
	if (pidfile && write_pidfile(o.pidfile, err, sizeof(err))) {
		sactld_stop(sigs.d);
		die(notify_fd, EX_CANTCREAT, err);
	}
	notify(notify_fd, 0, NULL);

	ev_run(loop, 0);

	sactld_stop(sigs.d);
	if (pidfile)
		remove_pidfile(o.pidfile);
	log_msg(LOG_NOTICE, "stopped");
	log_close();
	ev_loop_destroy(loop);
	free(pidpath);
	return 0;
}
