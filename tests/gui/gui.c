// SPDX-License-Identifier: GPL-2.0
/*
 * AT-SPI lookups, X input and screenshots for the GUI tests: see gui.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_double.h"
#include "gui.h"

/* Deeper than any GTK window we drive; bounds a broken tree. */
#define MAX_DEPTH	64
#define POLL_MS		50
#define CMD_MS		10000

/* Let libatspi handle what arrived (events, replies), then wait a bit. */
static void gui_pause(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
	usleep(POLL_MS * 1000);
}

/*
 * libatspi keeps a cache of names, roles, states and children, which
 * follows the applications' change signals, but not all of them (a
 * window shown again is not added back): each lookup clears it first.
 * It is not turned off instead: libatspi (2.46) then makes D-Bus calls
 * inside its handlers of those signals, and deadlocks in libdbus.
 */
int gui_init(void)
{
	return atspi_init() > 1 ? -1 : 0;
}

void gui_exit(void)
{
	atspi_exit();
}

AtspiAccessible *gui_app(pid_t pid, int ms)
{
	long end = now_ms() + ms;

	do {
		AtspiAccessible *desktop = atspi_get_desktop(0);
		gint n = atspi_accessible_get_child_count(desktop, NULL);

		for (gint i = 0; i < n; i++) {
			AtspiAccessible *app =
				atspi_accessible_get_child_at_index(desktop, i, NULL);

			if (app && atspi_accessible_get_process_id(app, NULL) == (guint)pid) {
				g_object_unref(desktop);
				return app;
			}
			if (app)
				g_object_unref(app);
		}
		g_object_unref(desktop);
		gui_pause();
	} while (now_ms() < end);
	return NULL;
}

char *gui_name(AtspiAccessible *a)
{
	char *name = atspi_accessible_get_name(a, NULL);

	return name ? name : g_strdup("");
}

bool gui_has_state(AtspiAccessible *a, AtspiStateType state)
{
	AtspiStateSet *set = atspi_accessible_get_state_set(a);
	bool has = set && atspi_state_set_contains(set, state);

	if (set)
		g_object_unref(set);
	return has;
}

static bool matches(AtspiAccessible *a, const struct gui_want *w)
{
	bool ok = true;

	if (w->role != ATSPI_ROLE_INVALID) {
		AtspiRole role = atspi_accessible_get_role(a, NULL);

		if (role != w->role && (w->role2 == ATSPI_ROLE_INVALID || role != w->role2))
			return false;
	}
	if (w->name || w->part || w->prefix) {
		char *name = gui_name(a);

		ok = (!w->name || !strcmp(name, w->name)) &&
		     (!w->part || strstr(name, w->part)) &&
		     (!w->prefix || !strncmp(name, w->prefix, strlen(w->prefix)));
		g_free(name);
	}
	if (ok && w->visible)
		ok = gui_has_state(a, ATSPI_STATE_VISIBLE);
	if (ok && w->showing)
		ok = gui_has_state(a, ATSPI_STATE_SHOWING);
	if (ok && w->state != ATSPI_STATE_INVALID)
		ok = gui_has_state(a, w->state);
	return ok;
}

/* Depth first; stops at the first match unless @out collects them all. */
static AtspiAccessible *walk(AtspiAccessible *a, const struct gui_want *w,
			     GPtrArray *out, int depth)
{
	gint n;

	if (matches(a, w)) {
		if (!out)
			return g_object_ref(a);
		g_ptr_array_add(out, g_object_ref(a));
	}
	if (depth >= MAX_DEPTH)
		return NULL;
	/* A hidden widget's children are hidden too (the application, the
	 * root of the search, is never "visible"). */
	if (depth && (w->visible || w->showing) && !gui_has_state(a, ATSPI_STATE_VISIBLE))
		return NULL;
	n = atspi_accessible_get_child_count(a, NULL);
	for (gint i = 0; i < n; i++) {
		AtspiAccessible *c = atspi_accessible_get_child_at_index(a, i, NULL);
		AtspiAccessible *found;

		if (!c)
			continue;
		found = walk(c, w, out, depth + 1);
		g_object_unref(c);
		if (found)
			return found;
	}
	return NULL;
}

AtspiAccessible *gui_find(AtspiAccessible *root, const struct gui_want *w)
{
	if (!root)
		return NULL;
	atspi_accessible_clear_cache(root);
	return walk(root, w, NULL, 0);
}

size_t gui_find_all(AtspiAccessible *root, const struct gui_want *w,
		    GPtrArray *out)
{
	guint before = out->len;

	if (root) {
		atspi_accessible_clear_cache(root);
		walk(root, w, out, 0);
	}
	return out->len - before;
}

size_t gui_count(AtspiAccessible *root, const struct gui_want *w)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_object_unref);
	size_t n = gui_find_all(root, w, all);

	g_ptr_array_unref(all);
	return n;
}

AtspiAccessible *gui_wait_find(AtspiAccessible *root, const struct gui_want *w,
			       int ms)
{
	long end = now_ms() + ms;
	AtspiAccessible *a;

	while (!(a = gui_find(root, w)) && now_ms() < end)
		gui_pause();
	return a;
}

bool gui_wait_count(AtspiAccessible *root, const struct gui_want *w, size_t n,
		    int ms)
{
	long end = now_ms() + ms;

	while (gui_count(root, w) != n) {
		if (now_ms() >= end)
			return false;
		gui_pause();
	}
	return true;
}

int gui_extents(AtspiAccessible *a, int *x, int *y, int *w, int *h)
{
	AtspiComponent *c = atspi_accessible_get_component_iface(a);
	AtspiRect *r = c ? atspi_component_get_extents(c, ATSPI_COORD_TYPE_SCREEN, NULL) : NULL;
	int ret = -1;

	if (r && r->width > 0 && r->height > 0) {
		*x = r->x;
		*y = r->y;
		*w = r->width;
		*h = r->height;
		ret = 0;
	}
	g_free(r);
	if (c)
		g_object_unref(c);
	return ret;
}

/* Call @fn on @a and on each descendant, depth first, to MAX_DEPTH. */
static void visit(AtspiAccessible *a, int depth,
		  void (*fn)(AtspiAccessible *a, int depth, void *ctx), void *ctx)
{
	gint n;

	fn(a, depth, ctx);
	if (depth >= MAX_DEPTH)
		return;
	n = atspi_accessible_get_child_count(a, NULL);
	for (gint i = 0; i < n; i++) {
		AtspiAccessible *c = atspi_accessible_get_child_at_index(a, i, NULL);

		if (c) {
			visit(c, depth + 1, fn, ctx);
			g_object_unref(c);
		}
	}
}

struct with_state {
	AtspiStateType state;
	GString *s;
};

static void name_if_in_state(AtspiAccessible *a, int depth G_GNUC_UNUSED,
			     void *ctx)
{
	struct with_state *ws = ctx;
	char *name, *role;

	if (!gui_has_state(a, ws->state))
		return;
	name = gui_name(a);
	role = atspi_accessible_get_role_name(a, NULL);
	g_string_append_printf(ws->s, "%s%s \"%s\"", ws->s->len ? ", " : "",
			       role ? role : "?", name);
	g_free(role);
	g_free(name);
}

char *gui_names_with_state(AtspiAccessible *root, AtspiStateType state)
{
	struct with_state ws = { .state = state, .s = g_string_new(NULL) };

	atspi_accessible_clear_cache(root);
	visit(root, 0, name_if_in_state, &ws);
	if (!ws.s->len) {
		g_string_free(ws.s, TRUE);
		return NULL;
	}
	return g_string_free(ws.s, FALSE);
}

static void dump_one(AtspiAccessible *a, int depth, void *ctx)
{
	char *name = gui_name(a);
	char *role = atspi_accessible_get_role_name(a, NULL);
	int x = 0, y = 0, w = 0, h = 0;

	gui_extents(a, &x, &y, &w, &h);
	fprintf(ctx, "# %*s%s \"%s\"%s%s%s %dx%d+%d+%d\n", depth * 2, "",
		role ? role : "?", name,
		gui_has_state(a, ATSPI_STATE_SHOWING) ? " showing" :
		gui_has_state(a, ATSPI_STATE_VISIBLE) ? " visible" : " hidden",
		gui_has_state(a, ATSPI_STATE_SENSITIVE) ? "" : " insensitive",
		gui_has_state(a, ATSPI_STATE_CHECKED) ? " checked" : "",
		w, h, x, y);
	g_free(role);
	g_free(name);
}

void gui_dump(AtspiAccessible *root, FILE *f)
{
	if (root) {
		atspi_accessible_clear_cache(root);
		visit(root, 0, dump_one, f);
	}
	else
		fprintf(f, "# (no accessible)\n");
}

/* ---- commands ------------------------------------------------------------ */

#ifndef SACTL_PROMPT_BIN
#define SACTL_PROMPT_BIN "build/userspace-san/sactl-prompt"
#endif

const char *gui_prompt_bin(void)
{
	const char *env = getenv("SACTL_PROMPT");

	return env && *env ? env : SACTL_PROMPT_BIN;
}

pid_t gui_start_prompt(const char *opt, const char *sock, const char *log)
{
	/* What GTK keeps for the life of the process is no leak of the
	 * prompt's; memory errors still stop it. */
	static char asan[] = "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1";
	const char *argv[] = { gui_prompt_bin(), opt, sock, NULL };
	size_t n = 0, i = 0;
	char **envp;
	pid_t pid;

	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp)
		return -1;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "ASAN_OPTIONS=", 13))
			envp[i++] = *e;
	envp[i] = asan;
	pid = spawn_logged(log, argv, envp);
	free(envp);
	return pid;
}

int gui_run(char *out, size_t outlen, int ms, const char *const *argv)
{
	long end = now_ms() + ms;
	size_t len = 0;
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "gui: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		long left = end - now_ms();
		char buf[512];
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			break;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		if (out && outlen > 1 && len < outlen - 1) {
			size_t take = (size_t)n < outlen - 1 - len ? (size_t)n : outlen - 1 - len;

			memcpy(out + len, buf, take);
			len += take;
		}
	}
	close(pipefd[0]);
	if (out && outlen)
		out[len] = '\0';
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() >= end) {
			fprintf(stderr, "gui: %s took longer than %d ms: killed\n",
				argv[0], ms);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int gui_click(AtspiAccessible *a)
{
	char xs[16], ys[16];
	int x, y, w, h;

	if (gui_extents(a, &x, &y, &w, &h))
		return -1;
	snprintf(xs, sizeof(xs), "%d", x + w / 2);
	snprintf(ys, sizeof(ys), "%d", y + h / 2);
	return gui_run(NULL, 0, CMD_MS, (const char *const[]){
		"xdotool", "mousemove", xs, ys, "click", "1", NULL }) ? -1 : 0;
}

const char *gui_click_ready(AtspiAccessible *within, const struct gui_want *w,
			    int ms)
{
	struct gui_want on_screen = *w;
	long end = now_ms() + ms;
	AtspiAccessible *a;
	const char *why = NULL;

	on_screen.showing = true;
	while (!(a = gui_find(within, &on_screen)) ||
	       !gui_has_state(a, ATSPI_STATE_SENSITIVE)) {
		if (now_ms() >= end)
			break;
		if (a)
			g_object_unref(a);
		gui_pause();
	}
	if (!a) {
		a = gui_find(within, w);
		why = a ? "not on the screen" : "no such control";
	} else if (!gui_has_state(a, ATSPI_STATE_SENSITIVE)) {
		why = "insensitive";
	} else if (gui_click(a)) {
		why = "it has no extents, or xdotool failed";
	}
	if (a)
		g_object_unref(a);
	return why;
}

unsigned long gui_x_window(const char *title)
{
	char pattern[256], out[256];

	snprintf(pattern, sizeof(pattern), "^%s$", title);
	if (gui_run(out, sizeof(out), CMD_MS, (const char *const[]){
		"xdotool", "search", "--onlyvisible", "--name", pattern, NULL }))
		return 0;
	return strtoul(out, NULL, 10);
}

int gui_keys(unsigned long win, const char *const *keys)
{
	const char *argv[32] = { "xdotool", "windowfocus", "--sync" };
	char id[32];
	size_t n = 3;

	snprintf(id, sizeof(id), "%lu", win);
	argv[n++] = id;
	argv[n++] = "key";
	argv[n++] = "--delay";
	argv[n++] = "100";
	while (*keys && n < 31)
		argv[n++] = *keys++;
	argv[n] = NULL;
	return gui_run(NULL, 0, CMD_MS, argv) ? -1 : 0;
}

int gui_screenshot(const char *name, AtspiAccessible *a)
{
	const char *dir = getenv("SACTL_SCREENSHOTS");
	char path[4096], crop[64];
	int x, y, w, h;

	if (!dir || !*dir)
		dir = "build/screenshots";
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.png", dir, name);
	if (a && !gui_extents(a, &x, &y, &w, &h)) {
		snprintf(crop, sizeof(crop), "%dx%d+%d+%d", w, h, x, y);
		return gui_run(NULL, 0, CMD_MS, (const char *const[]){
			"import", "-window", "root", "-crop", crop, "+repage",
			path, NULL }) ? -1 : 0;
	}
	return gui_run(NULL, 0, CMD_MS, (const char *const[]){
		"import", "-window", "root", path, NULL }) ? -1 : 0;
}
