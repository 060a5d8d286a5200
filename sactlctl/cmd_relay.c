// SPDX-License-Identifier: GPL-2.0
/*
 * sactlctl relay: carry sactld's prompt socket over a byte-stream device,
 * a virtio-serial port in practice, so that a prompt agent outside the
 * machine (the desktop prompt on a VM's host) answers its prompts.
 *
 * The device carries the frames of one agent connection at a time.  The
 * relay looks only at frame headers and forwards frames unchanged, so it
 * needs no update when the protocol gains fields; sactld judges them.
 *
 *   - Each AGENT_HELLO from the host opens a new connection to sactld
 *     (closing the previous one): a host agent that reconnects gets a
 *     fresh sactld connection, whatever the relay saw in between.
 *   - Other frames from the host go to the current connection, or are
 *     dropped when there is none.
 *   - Frames from sactld go to the host whole.  When sactld closes the
 *     connection, the host gets one ERROR frame (unless sactld's last frame
 *     was already one), which tells the agent to reconnect and say hello.
 *   - While the host end is closed, virtio_console's poll() reports
 *     POLLHUP and read() returns 0: the relay then closes the sactld
 *     connection (sactld gives that agent's callers the default at once),
 *     forgets everything buffered, and looks again every RETRY_MS.
 *   - A frame header from the host with an impossible length means the
 *     stream is out of step: the relay closes the sactld connection, sends
 *     an ERROR so that the agent reconnects, and ignores the host's bytes
 *     until its end closes.  It does not hunt for the next valid-looking
 *     header: a fresh connection is the only sure frame boundary.
 *   - An agent still waiting for the HELLO reply from a relay that was
 *     restarted would wait forever; so if the host is connected when the
 *     relay starts and sends nothing within GREET_MS, it gets an ERROR too.
 *
 * Both sides are non-blocking.  Each direction has one bounded buffer;
 * when it is full the relay stops reading that side, so a slow reader
 * slows its writer down instead of growing memory.
 */
#define _GNU_SOURCE	/* ppoll */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sactlctl.h"

#define VIRTIO_PORTS	"/sys/class/virtio-ports"
/* Headroom always kept for one of our own ERROR frames. */
#define ERR_ROOM	512
/* A frame being read, a frame being written, and our ERROR. */
#define PIPE_CAP	(2 * WIRE_MAX_FRAME + ERR_ROOM)
/* How often to look whether the host end came back (it reports no event). */
#define RETRY_MS	200
/* How long a host connected at start has to speak before it is told to. */
#define GREET_MS	1000

/*
 * One direction.  data[head, ready) are whole frames to be written out,
 * of which [head, out) are already written (head: start of the frame
 * being written); data[ready, len) is the frame being read.
 */
struct pipe {
	size_t head, out, ready, len;
	uint8_t data[PIPE_CAP];
};

struct relay {
	const char *dev_path;
	const char *sock_path;
	int dev;			/* the port, O_NONBLOCK */
	int sd;				/* the sactld connection, or -1 */
	unsigned int conn_gen;		/* bumped when sd changes */
	bool host_up;			/* the host end is connected */
	bool host_bad;			/* out of step: ignore until it goes */
	bool sactld_erred;		/* sactld's last frame was an ERROR */
	bool connect_failed;		/* already said sactld is not there */
	bool starting;			/* before the first look at the host */
	long long greet_at;		/* ms; 0: no greeting due */
	struct pipe to_sactld, to_host;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sactlctl relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t frame_len(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t frame_type(const uint8_t *p)
{
	return (uint16_t)(p[6] << 8 | p[7]);
}

static bool len_ok(uint32_t len)
{
	return len >= WIRE_HDR_LEN && len <= WIRE_MAX_FRAME;
}

static void pipe_reset(struct pipe *p)
{
	p->head = p->out = p->ready = p->len = 0;
}

static size_t pipe_pending(const struct pipe *p)
{
	return p->ready - p->out;
}

/* Free bytes at the end, keeping @reserve; moves data to the front. */
static size_t pipe_room(struct pipe *p, size_t reserve)
{
	if (p->head) {
		memmove(p->data, p->data + p->head, p->len - p->head);
		p->out -= p->head;
		p->ready -= p->head;
		p->len -= p->head;
		p->head = 0;
	}
	return PIPE_CAP - p->len > reserve ? PIPE_CAP - p->len - reserve : 0;
}

/* Forget the frames not yet started; a frame half written is finished. */
static void pipe_drop_unsent(struct pipe *p)
{
	size_t keep = p->out;

	if (p->out > p->head)
		keep = p->head + frame_len(p->data + p->head);
	p->ready = p->len = keep;
}

/* Forget what is queued for a connection that is gone. */
static void pipe_drop_queued(struct pipe *p)
{
	p->head = p->out = p->ready;
}

/* Read once from @fd: bytes read, 0 at the end, or -errno. */
static ssize_t pipe_read(struct pipe *p, int fd, size_t reserve)
{
	size_t room = pipe_room(p, reserve);
	ssize_t n;

	if (!room)
		return -ENOBUFS;
	do {
		n = read(fd, p->data + p->len, room);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	p->len += (size_t)n;
	return n;
}

/* Write whole frames out: 0 (maybe with some left) or -errno. */
static int pipe_write(struct pipe *p, int fd)
{
	while (pipe_pending(p)) {
		ssize_t n = write(fd, p->data + p->out, pipe_pending(p));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		p->out += (size_t)n;
		while (p->head < p->out &&
		       p->head + frame_len(p->data + p->head) <= p->out)
			p->head += frame_len(p->data + p->head);
	}
	return 0;
}

/* Queue an ERROR frame saying @text to the host. */
static void tell_host(struct relay *r, const char *text)
{
	struct pipe *p = &r->to_host;
	struct wire_msg m;
	struct wire_buf b;
	char err[128];
	size_t n;

	if (!r->host_up)
		return;
	wire_msg_init(&m, WIRE_ERROR);
	wire_set_str(&m, WIRE_T_TEXT, text);
	wire_buf_init(&b, ERR_ROOM);
	if (wire_encode(&m, &b, err, sizeof(err))) {
		say("cannot encode an ERROR frame: %s", err);
		goto out;
	}
	n = wire_buf_pending(&b);
	/* Only after the frame being read was dropped (len == ready). */
	if (p->len == p->ready && pipe_room(p, 0) >= n) {
		memcpy(p->data + p->len, b.data + b.off, n);
		p->ready = p->len += n;
	} else {
		say("no room to tell the host '%s'", text);
	}
out:
	wire_buf_free(&b);
}

static void close_sactld(struct relay *r)
{
	if (r->sd < 0)
		return;
	close(r->sd);
	r->sd = -1;
	r->conn_gen++;
	pipe_drop_queued(&r->to_sactld);
	/* The rest of a frame from sactld will never come. */
	r->to_host.len = r->to_host.ready;
}

/* sactld ended the connection: the agent must reconnect. */
static void sactld_gone(struct relay *r, const char *why)
{
	/* An ERROR from sactld already tells the agent to go. */
	say("sactld %s; %s", why, r->sactld_erred ?
	    "its ERROR tells the host agent" : "telling the host agent");
	close_sactld(r);
	if (!r->sactld_erred)
		tell_host(r, "sactld closed the connection");
}

/* A new AGENT_HELLO: a fresh connection to sactld.  0 or -errno. */
static int open_sactld(struct relay *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sd, e;

	close_sactld(r);
	/* Frames the old connection sent that the host has not started on. */
	pipe_drop_unsent(&r->to_host);
	r->sactld_erred = false;
	strcpy(sa.sun_path, r->sock_path);	/* length checked at start */
	sd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sd < 0)
		return -errno;
	if (connect(sd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(sd);
		return -e;
	}
	r->sd = sd;
	r->conn_gen++;
	return 0;
}

/* The host end closed: nothing of that agent's connection stays. */
static void host_gone(struct relay *r)
{
	say("host agent disconnected");
	if (r->sd >= 0) {
		/* Its last answers, if the socket takes them now. */
		pipe_write(&r->to_sactld, r->sd);
		close_sactld(r);
		say("closed its sactld connection");
	}
	pipe_reset(&r->to_sactld);
	pipe_reset(&r->to_host);
	r->host_up = false;
	r->host_bad = false;
	r->greet_at = 0;
}

static void host_garbage(struct relay *r, uint32_t len)
{
	say("bad frame length %u from the host agent: telling it to reconnect, ignoring it until it does",
	    len);
	if (r->sd >= 0) {
		close_sactld(r);
		say("closed its sactld connection");
	}
	pipe_reset(&r->to_sactld);
	pipe_drop_unsent(&r->to_host);
	tell_host(r, "sactlctl relay: garbled frame from the agent");
	r->host_bad = true;
}

/* Whole frames from the host just read: forward, start over, or drop. */
static void host_frames(struct relay *r)
{
	struct pipe *p = &r->to_sactld;
	char err[160];
	int ret;

	while (p->len - p->ready >= WIRE_HDR_LEN) {
		const uint8_t *h = p->data + p->ready;
		uint32_t len = frame_len(h);

		if (!len_ok(len)) {
			host_garbage(r, len);
			return;
		}
		if (p->len - p->ready < len)
			return;
		if (frame_type(h) == WIRE_AGENT_HELLO) {
			bool had = r->sd >= 0;

			pipe_drop_queued(p);
			ret = open_sactld(r);
			if (ret) {
				if (!r->connect_failed)
					say("agent hello, but no sactld on %s: %s",
					    r->sock_path, strerror(-ret));
				r->connect_failed = true;
				snprintf(err, sizeof(err), "sactld is not running (%s)",
					 strerror(-ret));
				tell_host(r, err);
			} else {
				say("agent hello: %s sactld connection",
				    had ? "replaced the" : "opened a");
				r->connect_failed = false;
			}
		}
		if (r->sd < 0) {
			/* Nowhere to go: skip it. */
			p->ready += len;
			pipe_drop_queued(p);
		} else {
			p->ready += len;
		}
	}
}

/* Bytes from the host: 0, or -errno if the device failed. */
static int from_host(struct relay *r)
{
	ssize_t n = pipe_read(&r->to_sactld, r->dev, 0);

	if (n == 0) {
		if (r->host_up)
			host_gone(r);
		return 0;
	}
	if (n < 0 && n != -EAGAIN)
		return (int)n;
	if (!r->host_up) {
		say("host agent connected");
		r->host_up = true;
		if (r->starting)
			r->greet_at = now_ms() + GREET_MS;
	}
	if (n > 0)
		r->greet_at = 0;	/* it speaks */
	if (r->host_bad)
		pipe_reset(&r->to_sactld);
	else if (n > 0)
		host_frames(r);
	return 0;
}

static void from_sactld(struct relay *r)
{
	struct pipe *p = &r->to_host;
	ssize_t n = pipe_read(p, r->sd, ERR_ROOM);
	char why[80];

	if (n == -EAGAIN)
		return;
	/* Full (the host reads slowly) and poll() said POLLHUP or POLLERR. */
	if (n == -ENOBUFS) {
		sactld_gone(r, "hung up");
		return;
	}
	if (n <= 0) {
		snprintf(why, sizeof(why), "closed the connection%s%s",
			 n ? ": " : "", n ? strerror((int)-n) : "");
		sactld_gone(r, why);
		return;
	}
	while (p->len - p->ready >= WIRE_HDR_LEN) {
		uint32_t len = frame_len(p->data + p->ready);

		if (!len_ok(len)) {
			snprintf(why, sizeof(why), "sent a bad frame length %u", len);
			sactld_gone(r, why);
			return;
		}
		if (p->len - p->ready < len)
			return;
		r->sactld_erred = frame_type(p->data + p->ready) == WIRE_ERROR;
		p->ready += len;
	}
}

/* "org.sactl.prompt" -> "/dev/vport0p1", via /sys/class/virtio-ports. */
static void find_port(const char *name, char *path, size_t len)
{
	struct dirent *e;
	DIR *d = opendir(VIRTIO_PORTS);

	if (!d)
		die(EXIT_DAEMON, "no virtio ports (%s: %s): no virtio-serial device here?",
		    VIRTIO_PORTS, strerror(errno));
	while ((e = readdir(d))) {
		char file[512], buf[256];
		size_t n;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/name", VIRTIO_PORTS, e->d_name);
		f = fopen(file, "re");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, name))
			continue;
		snprintf(path, len, "/dev/%s", e->d_name);
		closedir(d);
		return;
	}
	closedir(d);
	die(EXIT_DAEMON, "no virtio port named '%s' in %s", name, VIRTIO_PORTS);
}

static int open_device(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == EBUSY)
			die(EXIT_DAEMON, "%s is busy: another program (a relay?) has it open",
			    path);
		die(EXIT_DAEMON, "%s: %s", path, strerror(errno));
	}
	/* A serial line: bytes as they are, no echo, no line editing. */
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(fd, TCSANOW, &t))
			die(EXIT_DAEMON, "%s: raw mode: %s", path, strerror(errno));
	}
	return fd;
}

static int run(struct relay *r, const sigset_t *waitmask)
{
	int ret = 0;

	while (!stop_signal) {
		struct pollfd pfd[2] = { { .fd = -1 }, { .fd = -1 } };
		unsigned int gen = r->conn_gen;
		long long timeout = -1, now;
		struct timespec ts;

		if (r->host_up) {
			pfd[0].fd = r->dev;
			if (pipe_room(&r->to_sactld, 0))
				pfd[0].events |= POLLIN;
			if (pipe_pending(&r->to_host))
				pfd[0].events |= POLLOUT;
		} else {
			/* POLLHUP would wake us at once: look again later. */
			timeout = r->starting ? 0 : RETRY_MS;
		}
		if (r->sd >= 0) {
			pfd[1].fd = r->sd;
			if (pipe_room(&r->to_host, ERR_ROOM))
				pfd[1].events |= POLLIN;
			if (pipe_pending(&r->to_sactld))
				pfd[1].events |= POLLOUT;
		}
		if (r->greet_at) {
			now = now_ms();
			if (timeout < 0 || r->greet_at - now < timeout)
				timeout = r->greet_at > now ? r->greet_at - now : 0;
		}
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = timeout % 1000 * 1000000;
		if (ppoll(pfd, 2, timeout < 0 ? NULL : &ts, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			return EXIT_DAEMON;
		}

		if (!r->host_up) {
			ret = from_host(r);
			r->starting = false;
		} else if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (pipe_room(&r->to_sactld, 0))
				ret = from_host(r);
			else if (pfd[0].revents & (POLLHUP | POLLERR))
				host_gone(r);	/* full, and nobody to send more */
		}
		if (ret)
			break;
		if (r->host_up && (pfd[0].revents & POLLOUT))
			ret = pipe_write(&r->to_host, r->dev);
		if (ret)
			break;

		/* The connection polled may have been replaced meanwhile. */
		if (r->sd >= 0 && gen == r->conn_gen) {
			if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
				from_sactld(r);
		}
		if (r->sd >= 0 && gen == r->conn_gen && (pfd[1].revents & POLLOUT)) {
			int e = pipe_write(&r->to_sactld, r->sd);

			if (e) {
				char why[80];

				snprintf(why, sizeof(why), "closed the connection: %s",
					 strerror(-e));
				sactld_gone(r, why);
			}
		}

		if (r->greet_at && now_ms() >= r->greet_at) {
			say("host agent connected before the relay and silent: asking it to say hello");
			tell_host(r, "sactlctl relay started: reconnect");
			r->greet_at = 0;
		}
	}
	if (ret) {
		say("%s: %s", r->dev_path, strerror(-ret));
		return EXIT_DAEMON;
	}
	say("%s: stopping", strsignal(stop_signal));
	return 0;
}

int cmd_relay(const struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa;
	struct sigaction sig = { .sa_handler = on_stop };
	sigset_t block, waitmask;
	const char *name = NULL;
	static struct relay r;
	char path[300];
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:", longopts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == ':')
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		else
			usage_error("unknown option '%s' for relay", argv[optind - 1]);
	}
	if (name && optind < argc)
		usage_error("relay: give a DEVICE or --name, not both");
	if (!name && optind >= argc)
		usage_error("relay: which device? (DEVICE or --name PORT-NAME)");
	if (optind + 1 < argc)
		usage_error("relay takes one DEVICE");
	if (name && !*name)
		usage_error("relay: empty port name");
	if (strlen(o->prompt_socket) >= sizeof(sa.sun_path))
		usage_error("socket path too long: %s", o->prompt_socket);

	if (name)
		find_port(name, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", argv[optind]);
	r.dev_path = path;
	r.sock_path = o->prompt_socket;
	r.sd = -1;
	r.starting = true;
	r.dev = open_device(path);

	/* Signals only arrive inside ppoll(), so none is missed between checks. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaction(SIGTERM, &sig, NULL);
	sigaction(SIGINT, &sig, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	say("relaying %s to %s", path, r.sock_path);
	ret = run(&r, &waitmask);
	if (r.sd >= 0)
		close(r.sd);
	close(r.dev);
	return ret;
}
