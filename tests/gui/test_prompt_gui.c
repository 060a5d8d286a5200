// SPDX-License-Identifier: GPL-2.0
/*
 * sactl-prompt, the GTK desktop prompt, driven as a person would: the real
 * sactld (sanitized build) on the device double of tests/host, its prompt
 * socket in a scratch directory, and the real sactl-prompt (sanitized
 * build) connected to it in an X server.  Requests go in at the device
 * double; AT-SPI finds the window, its rows and buttons; real X clicks
 * and keys (xdotool) answer; verdicts come back out at the device double,
 * and remembered answers in sactld's state files and log.
 *
 * Runs inside the session scripts/run-gui-tests.sh sets up (X server,
 * session bus, AT-SPI), as an unprivileged user: sactl-prompt refuses
 * root.  Screenshots go to $SACTL_SCREENSHOTS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gui.h"

/* EXPECT_EQ(1, n) compares int and size_t. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "host_test.h"

#include "daemon_double.h"

#define TITLE		"Network requests"
#define SENTENCE(port)	"wants to connect to 127.0.0.1, port " #port " (TCP)"
/* How long "nothing happens" is watched for. */
#define QUIET_MS	1500

/* Plenty of time to answer by hand; the timeout tests set their own. */
#define SETTINGS	"default = \"deny\"; prompt_timeout = 120;"

#define WANT(...)	(&(const struct gui_want){ __VA_ARGS__ })
/* GTK's radio buttons drawn as toggles: either role will do. */
#define RADIO(label)	WANT(.role = ATSPI_ROLE_RADIO_BUTTON, \
			     .role2 = ATSPI_ROLE_TOGGLE_BUTTON, .name = (label), \
			     .visible = true)
#define BUTTON(label)	WANT(.role = ATSPI_ROLE_PUSH_BUTTON, .name = (label), \
			     .visible = true)
#define ROWS		WANT(.role = ATSPI_ROLE_LIST_ITEM, .visible = true)

FIXTURE(gui) {
	struct sd s;
	char plog[160];		/* sactl-prompt's stdout and stderr */
	pid_t prompt;
	AtspiAccessible *app;
	bool atspi;
};

FIXTURE_SETUP(gui)
{
	const char *only = getenv("GUI_TEST_ONLY"), *run = getenv("XDG_RUNTIME_DIR");
	char tmpl[64];

	/*
	 * While working on one test: GUI_TEST_ONLY=name (others skip).  A
	 * SKIP in a setup would run the test anyway: end the child here.
	 */
	if (only && *only && !strstr(_metadata->name, only))
		SKIP(_exit(255), "not %s", only);
	self->prompt = 0;
	self->app = NULL;
	ASSERT_EQ(0, access(sactld_bin(), X_OK)) TH_LOG("no %s: make -C tests/gui", sactld_bin());
	ASSERT_EQ(0, access(gui_prompt_bin(), X_OK))
		TH_LOG("no %s: make -C tests/gui", gui_prompt_bin());
	ASSERT_NE(NULL, getenv("DISPLAY")) TH_LOG("no X server: run scripts/run-gui-tests.sh");
	ASSERT_EQ(0, gui_init()) TH_LOG("no AT-SPI bus in this session");
	self->atspi = true;
	/*
	 * Last: a failed setup gets no teardown to remove it.  In the
	 * session's directory, which goes with the session however it ends.
	 */
	snprintf(tmpl, sizeof(tmpl), "%s/t.XXXXXX", run && *run ? run : "/tmp");
	ASSERT_EQ(0, sd_init(&self->s, tmpl)) TH_LOG("mkdtemp %s", tmpl);
	snprintf(self->plog, sizeof(self->plog), "%s/prompt.log", self->s.dir);
}

/* The prompt's own report of a memory error or undefined behaviour. */
static bool sanitizer_report(const char *log)
{
	return file_has(log, "ERROR: AddressSanitizer") ||
	       file_has(log, "runtime error:") ||
	       file_has(log, "ERROR: LeakSanitizer");
}

static void dump_prompt(FIXTURE_DATA(gui) *self)
{
	char *text = read_file(self->plog);

	fprintf(stderr, "---- sactl-prompt's output ----\n%s---- end ----\n",
		text ? text : "(none)\n");
	free(text);
	if (self->app) {
		fprintf(stderr, "---- sactl-prompt's accessible tree ----\n");
		gui_dump(self->app, stderr);
	}
}

FIXTURE_TEARDOWN(gui)
{
	char shot[128];
	int status = 0;
	pid_t r;

	if (!_metadata->passed) {
		snprintf(shot, sizeof(shot), "failed-%s", _metadata->name);
		gui_screenshot(shot, NULL);
		dump_prompt(self);
	}
	/*
	 * Plain ifs: after a failed ASSERT the harness runs this with its
	 * "trigger" still set, so an EXPECT's handler would run regardless.
	 */
	if (self->prompt > 0) {
		/* Still running: it must not have crashed during the test. */
		r = waitpid(self->prompt, &status, WNOHANG);
		if (r) {
			TH_LOG("sactl-prompt exited early: wait status 0x%x", status);
			_metadata->passed = 0;
		}
		kill(self->prompt, SIGTERM);
		if (wait_exit(self->prompt, WAIT_MS) < 0) {
			kill(self->prompt, SIGKILL);
			waitpid(self->prompt, NULL, 0);
		}
	}
	if (sanitizer_report(self->plog)) {
		TH_LOG("sanitizer report in sactl-prompt's output");
		if (_metadata->passed)
			dump_prompt(self);
		_metadata->passed = 0;
	}
	if (self->app)
		g_object_unref(self->app);
	if (self->atspi)
		gui_exit();
	status = sd_stop(&self->s);
	if (status) {
		TH_LOG("sactld's wait status 0x%x", status);
		_metadata->passed = 0;
	}
	if (!_metadata->passed)
		sd_dump_log(&self->s);
	sd_fini(&self->s);
	rm_tree(self->s.dir);
}

/* ---- the parts ------------------------------------------------------------- */

/* Has sactld logged the prompt's AGENT_HELLO ("agent N/PID (uid U): 'x' connected")? */
static bool agent_connected(FIXTURE_DATA(gui) *self, int nth)
{
	char *text = read_file(self->s.log), *line, *save = NULL;
	char who[64];
	int n = 0;

	snprintf(who, sizeof(who), "/%d (uid %u): '", (int)self->prompt,
		 (unsigned int)self->s.uid);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, who) && strstr(line, "' connected");
	free(text);
	return n >= nth;
}

static bool wait_agent(FIXTURE_DATA(gui) *self, int nth, int ms)
{
	long end = now_ms() + ms;

	while (!agent_connected(self, nth)) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

/* sactl-prompt, connected to sactld and known to AT-SPI; 0 or -1. */
static int start_prompt(FIXTURE_DATA(gui) *self, const char *opt)
{
	self->prompt = gui_start_prompt(opt, self->s.psock, self->plog);
	if (self->prompt < 0 || !wait_agent(self, 1, WAIT_MS))
		return -1;
	self->app = gui_app(self->prompt, WAIT_MS);
	return self->app ? 0 : -1;
}

/*
 * sactld on @settings, then sactl-prompt; 0 or -1.  The pointer goes to
 * the bottom right corner, away from where the window shows: there is no
 * window manager, so the keyboard focus follows the pointer.
 */
static int begin(FIXTURE_DATA(gui) *self, const char *settings)
{
	if (gui_run(NULL, 0, WAIT_MS, (const char *const[]){
		"xdotool", "mousemove", "1279", "799", NULL }))
		return -1;
	if (sd_write_config(&self->s, settings, "") || sd_start(&self->s))
		return -1;
	return start_prompt(self, "--socket");
}

/* The window, once it is on the screen (a reference), or NULL. */
static AtspiAccessible *window(FIXTURE_DATA(gui) *self, int ms)
{
	return gui_wait_find(self->app,
			     WANT(.role = ATSPI_ROLE_FRAME, .name = TITLE,
				  .showing = true), ms);
}

static bool window_hidden(FIXTURE_DATA(gui) *self, int ms)
{
	return gui_wait_count(self->app,
			      WANT(.role = ATSPI_ROLE_FRAME, .name = TITLE,
				   .showing = true), 0, ms);
}

static AtspiAccessible *list(FIXTURE_DATA(gui) *self)
{
	return gui_find(self->app, WANT(.role = ATSPI_ROLE_LIST_BOX,
					.name = "Requests"));
}

/* The row whose name has @part, once it is there (a reference), or NULL. */
static AtspiAccessible *row(FIXTURE_DATA(gui) *self, const char *part, int ms)
{
	return gui_wait_find(self->app,
			     WANT(.role = ATSPI_ROLE_LIST_ITEM, .part = part,
				  .visible = true), ms);
}

/* Rows shown (none while the window is hidden). */
static size_t row_count(FIXTURE_DATA(gui) *self)
{
	AtspiAccessible *l = list(self);
	size_t n = l ? gui_count(l, ROWS) : 0;

	if (l)
		g_object_unref(l);
	return n;
}

/* Exactly @n rows shown, within @ms? */
static bool rows(FIXTURE_DATA(gui) *self, size_t n, int ms)
{
	long end = now_ms() + ms;

	while (row_count(self) != n) {
		if (now_ms() >= end)
			return false;
		usleep(50000);
	}
	return true;
}

static const char *click(AtspiAccessible *within, const struct gui_want *w)
{
	return gui_click_ready(within, w, WAIT_MS);
}

/* Click, then wait until the radio button shows as chosen. */
static const char *choose(AtspiAccessible *within, const char *label)
{
	struct gui_want chosen = *RADIO(label);
	const char *why = click(within, RADIO(label));
	AtspiAccessible *a;

	if (why)
		return why;
	chosen.state = ATSPI_STATE_CHECKED;
	a = gui_wait_find(within, &chosen, WAIT_MS);
	if (!a)
		return "not checked after the click";
	g_object_unref(a);
	return NULL;
}

/* The verdict on kernel request @id, within @ms: SACTL_ALLOW/DENY, or -1
 * (nothing, or an answer to another request). */
static int verdict(FIXTURE_DATA(gui) *self, uint64_t id, int ms)
{
	struct sactl_response r;

	if (sd_answer(&self->s, &r, ms))
		return -1;
	if (r.id != id) {
		fprintf(stderr, "# expected an answer to request %llu, got one to %llu\n",
			(unsigned long long)id, (unsigned long long)r.id);
		return -1;
	}
	return (int)r.verdict;
}

static const char *verdict_name(int v)
{
	return v == SACTL_ALLOW ? "ALLOW" : v == SACTL_DENY ? "DENY" : "none";
}

/* The text of the first label under @root starting with @prefix (g_free). */
static char *label(AtspiAccessible *root, const char *prefix)
{
	AtspiAccessible *a = gui_find(root, WANT(.role = ATSPI_ROLE_LABEL,
						 .prefix = prefix, .visible = true));
	char *text = a ? gui_name(a) : NULL;

	if (a)
		g_object_unref(a);
	return text;
}

/* Is there such an accessible under @root? */
static bool has(AtspiAccessible *root, const struct gui_want *w)
{
	AtspiAccessible *a = gui_find(root, w);

	if (a)
		g_object_unref(a);
	return a != NULL;
}

/* A label saying @text, or more around it. */
static bool has_label(AtspiAccessible *root, const char *text)
{
	return has(root, WANT(.role = ATSPI_ROLE_LABEL, .part = text, .visible = true));
}

/* A label saying exactly @text. */
static bool has_label_exactly(AtspiAccessible *root, const char *text)
{
	return has(root, WANT(.role = ATSPI_ROLE_LABEL, .name = text, .visible = true));
}

/* "Denied in 3 s" -> 3; -1 if there is no such label. */
static int countdown(AtspiAccessible *root, const char *prefix)
{
	char *text = label(root, prefix);
	int n = -1;

	if (text && sscanf(text + strlen(prefix), "%d s", &n) != 1)
		n = -1;
	g_free(text);
	return n;
}

/* The per-uid state file of remembered answers. */
static char *state_file(FIXTURE_DATA(gui) *self)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%u.conf", self->s.state,
		 (unsigned int)self->s.uid);
	return read_file(path);
}

static void unref(AtspiAccessible **a)
{
	if (*a)
		g_object_unref(*a);
	*a = NULL;
}

/* ---- the tests ------------------------------------------------------------ */

/* One request: the window comes up with one row saying who wants what. */
TEST_F(gui, one_request_shows_one_row)
{
	AtspiAccessible *win, *r;
	char exe[PATH_MAX], text[PATH_MAX + 32];
	ssize_t n;

	ASSERT_EQ(0, begin(self, SETTINGS));
	EXPECT_TRUE(window_hidden(self, 0)) TH_LOG("the window is up with nothing to ask");
	ASSERT_EQ(0, sd_ask(&self->s, 1, 8080));
	win = window(self, WAIT_MS);
	ASSERT_NE(NULL, win) TH_LOG("no \"%s\" window on the screen after an ASK", TITLE);
	/* Shown, not presented: it does not take the keyboard focus. */
	EXPECT_FALSE(gui_has_state(win, ATSPI_STATE_ACTIVE)) TH_LOG("the window took the focus");
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r) TH_LOG("no row saying \"" SENTENCE(8080) "\"");
	EXPECT_TRUE(rows(self, 1, 0)) TH_LOG("%zu rows, expected 1", row_count(self));

	/* The row's name is the sentence, with the program's name first. */
	{
		char *name = gui_name(r);

		EXPECT_STREQ("true " SENTENCE(8080), name);
		g_free(name);
	}
	EXPECT_TRUE(has_label(r, SENTENCE(8080)));
	EXPECT_TRUE(has_label_exactly(r, "true")) TH_LOG("no label with the program's name \"true\"");
	EXPECT_TRUE(has_label(r, self->s.exe)) TH_LOG("no label with the path %s", self->s.exe);
	/* "pid N", alone or followed by more ("pid N, started by ..."). */
	snprintf(text, sizeof(text), "pid %d", (int)getpid());
	EXPECT_TRUE(has_label_exactly(r, text) || has_label(r, strcat(text, ",")))
		TH_LOG("no label saying \"pid %d\"", (int)getpid());
	/* The caller's parent is the harness, this same program. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	snprintf(text, sizeof(text), "started by %s", exe);
	EXPECT_TRUE(has_label(r, text)) TH_LOG("no label saying \"%s\"", text);

	/* The defaults: once, this address and port; no scope for "once". */
	{
		AtspiAccessible *once = gui_find(r, RADIO("Once"));
		AtspiAccessible *dest = gui_find(r, RADIO("This address and port"));

		ASSERT_NE(NULL, once);
		ASSERT_NE(NULL, dest);
		EXPECT_TRUE(gui_has_state(once, ATSPI_STATE_CHECKED));
		EXPECT_TRUE(gui_has_state(dest, ATSPI_STATE_CHECKED));
		EXPECT_FALSE(gui_has_state(dest, ATSPI_STATE_SENSITIVE))
			TH_LOG("the scope can be chosen for a one-time answer");
		unref(&once);
		unref(&dest);
	}
	EXPECT_EQ(0, gui_screenshot("prompt-one", win));
	EXPECT_EQ(-1, verdict(self, 1, 0)) TH_LOG("answered without anyone clicking");
	unref(&r);
	unref(&win);
}

/* Click @button in row @r: the verdict on kernel request @id, or -1. */
static int click_for(FIXTURE_DATA(gui) *self, struct __test_metadata *_metadata,
		     AtspiAccessible *r, const char *button, uint64_t id)
{
	const char *why = click(r, BUTTON(button));

	EXPECT_EQ(NULL, why) TH_LOG("cannot click %s: %s", button, why);
	return why ? -1 : verdict(self, id, WAIT_MS);
}

/*
 * Answer kernel request @id, whose row mentions @part, with the duration
 * and scope buttons @dur and @scope (NULL: leave it), then @button, with a
 * screenshot @shot (NULL: none) before that click.  The verdict at the
 * device, or -1.
 */
static int answer_with(FIXTURE_DATA(gui) *self, struct __test_metadata *_metadata,
		       uint64_t id, const char *part, const char *dur,
		       const char *scope, const char *button, const char *shot)
{
	AtspiAccessible *r = row(self, part, WAIT_MS);
	AtspiAccessible *win = window(self, WAIT_MS);
	const char *why;
	int v = -1;

	EXPECT_NE(NULL, r) TH_LOG("no row mentioning \"%s\"", part);
	if (!r)
		goto out;
	if (dur) {
		why = choose(r, dur);
		EXPECT_EQ(NULL, why) TH_LOG("cannot choose \"%s\": %s", dur, why);
		if (why)
			goto out;
	}
	if (scope) {
		why = choose(r, scope);
		EXPECT_EQ(NULL, why) TH_LOG("cannot choose \"%s\": %s", scope, why);
		if (why)
			goto out;
	}
	if (shot)
		EXPECT_EQ(0, gui_screenshot(shot, win));
	v = click_for(self, _metadata, r, button, id);
	EXPECT_TRUE(rows(self, 0, WAIT_MS)) TH_LOG("%zu rows left after %s", row_count(self), button);
out:
	if (r)
		g_object_unref(r);
	if (win)
		g_object_unref(win);
	return v;
}

/* Allow and Deny reach the kernel; the row goes, and with it the window. */
TEST_F(gui, allow_and_deny_clicks_answer)
{
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 10, 8080));
	v = answer_with(self, _metadata, 10, SENTENCE(8080), NULL, NULL, "Allow", NULL);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("the device got %s after Allow", verdict_name(v));
	EXPECT_TRUE(window_hidden(self, WAIT_MS)) TH_LOG("the window stays up with nothing to ask");

	ASSERT_EQ(0, sd_ask(&self->s, 11, 8081));
	v = answer_with(self, _metadata, 11, SENTENCE(8081), NULL, NULL, "Deny", NULL);
	EXPECT_EQ(SACTL_DENY, v) TH_LOG("the device got %s after Deny", verdict_name(v));
	EXPECT_TRUE(window_hidden(self, WAIT_MS));
	EXPECT_TRUE(sd_wait_log(&self->s, "allow once by agent", WAIT_MS));
	EXPECT_TRUE(sd_wait_log(&self->s, "deny once by agent", WAIT_MS));
}

/*
 * The verdict on @id, which must come from a remembered answer: well
 * before the prompt timeout (SETTINGS), and with no row shown.  -1 if not.
 */
static int decided_without_asking(FIXTURE_DATA(gui) *self, uint64_t id)
{
	int v = verdict(self, id, WAIT_MS);

	return row_count(self) ? -1 : v;
}

/* "Always" + "Any address on this port": a rule for the port, any address. */
TEST_F(gui, always_any_address_on_this_port)
{
	struct sactl_request req;
	char *rules;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 20, 8080));
	v = answer_with(self, _metadata, 20, SENTENCE(8080), "Always",
			"Any address on this port", "Allow", "prompt-always-port");
	ASSERT_EQ(SACTL_ALLOW, v) TH_LOG("the device got %s", verdict_name(v));
	rules = state_file(self);
	ASSERT_NE(NULL, rules) TH_LOG("no remembered answer in %s", self->s.state);
	EXPECT_NE(NULL, strstr(rules, "port = ( 8080 )")) TH_LOG("rules: %s", rules);
	EXPECT_NE(NULL, strstr(rules, self->s.exe)) TH_LOG("rules: %s", rules);
	EXPECT_NE(NULL, strstr(rules, "\"allow\"")) TH_LOG("rules: %s", rules);
	EXPECT_EQ(NULL, strstr(rules, "remote")) TH_LOG("an address in: %s", rules);
	EXPECT_EQ(NULL, strstr(rules, "expires")) TH_LOG("\"Always\" expires: %s", rules);
	free(rules);
	EXPECT_TRUE(sd_wait_log(&self->s, "allow forever by agent", WAIT_MS));

	/* Another address, same port: allowed without a question. */
	req = sd_request(&self->s, 21, 8080);
	req.remote.addr[3] = 2;		/* 127.0.0.2 */
	ASSERT_EQ(0, sd_send(&self->s, &req));
	v = decided_without_asking(self, 21);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("127.0.0.2:8080 got %s", verdict_name(v));
	/* Another port: asked. */
	ASSERT_EQ(0, sd_ask(&self->s, 22, 8081));
	EXPECT_EQ(SACTL_DENY, answer_with(self, _metadata, 22, SENTENCE(8081), "Once",
					  NULL, "Deny", NULL));
}

/* "15 minutes" + "Anything this program does": an expiring program rule. */
TEST_F(gui, fifteen_minutes_for_the_program)
{
	long long created = 0, expires = 0;
	char *rules, *p;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 30, 8080));
	v = answer_with(self, _metadata, 30, SENTENCE(8080), "15 minutes",
			"Anything this program does", "Deny", "prompt-15min-program");
	ASSERT_EQ(SACTL_DENY, v) TH_LOG("the device got %s", verdict_name(v));
	EXPECT_TRUE(sd_wait_log(&self->s, "deny minutes by agent", WAIT_MS));
	rules = state_file(self);
	ASSERT_NE(NULL, rules) TH_LOG("no remembered answer in %s", self->s.state);
	EXPECT_NE(NULL, strstr(rules, self->s.exe)) TH_LOG("rules: %s", rules);
	EXPECT_NE(NULL, strstr(rules, "\"deny\"")) TH_LOG("rules: %s", rules);
	EXPECT_EQ(NULL, strstr(rules, "port")) TH_LOG("a port in: %s", rules);
	EXPECT_EQ(NULL, strstr(rules, "remote")) TH_LOG("an address in: %s", rules);
	p = strstr(rules, "created = ");
	if (p)
		created = atoll(p + 10);
	p = strstr(rules, "expires = ");
	if (p)
		expires = atoll(p + 10);
	EXPECT_EQ(15 * 60, expires - created) TH_LOG("rules: %s", rules);
	free(rules);

	/* Anything else it does: denied without a question. */
	ASSERT_EQ(0, sd_ask(&self->s, 31, 9999));
	v = decided_without_asking(self, 31);
	EXPECT_EQ(SACTL_DENY, v) TH_LOG("port 9999 got %s", verdict_name(v));
	EXPECT_TRUE(sd_wait_log(&self->s, "(remembered ", WAIT_MS));
}

/* "Until it quits": remembered for this process only, in memory. */
TEST_F(gui, until_it_quits)
{
	char line[96], *rules;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 40, 8080));
	v = answer_with(self, _metadata, 40, SENTENCE(8080), "Until it quits",
			NULL, "Allow", "prompt-until-quits");
	ASSERT_EQ(SACTL_ALLOW, v) TH_LOG("the device got %s", verdict_name(v));
	EXPECT_TRUE(sd_wait_log(&self->s, "allow process by agent", WAIT_MS));
	rules = state_file(self);
	EXPECT_TRUE(!rules || !strstr(rules, "8080")) TH_LOG("on disk: %s", rules);
	free(rules);
	/* The same destination again: remembered for our pid. */
	ASSERT_EQ(0, sd_ask(&self->s, 41, 8080));
	v = decided_without_asking(self, 41);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("8080 again got %s", verdict_name(v));
	snprintf(line, sizeof(line), "until pid %d exits)", (int)getpid());
	EXPECT_TRUE(sd_wait_log(&self->s, line, WAIT_MS)) TH_LOG("no \"%s\" in the log", line);
	/* Its scope is the destination: another port is asked. */
	ASSERT_EQ(0, sd_ask(&self->s, 42, 8081));
	EXPECT_EQ(SACTL_DENY, answer_with(self, _metadata, 42, SENTENCE(8081), "Once",
					  NULL, "Deny", NULL));
}

/* "Once" remembers nothing: the same request is asked again. */
TEST_F(gui, once_is_not_remembered)
{
	char *rules;

	AtspiAccessible *r, *scope;
	const char *why;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 50, 8080));
	/* "Always" opens the scope; back to "Once" closes it again. */
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r);
	why = choose(r, "Always");
	ASSERT_EQ(NULL, why) TH_LOG("cannot choose Always: %s", why);
	why = choose(r, "Any address on this port");
	ASSERT_EQ(NULL, why) TH_LOG("the scope cannot be chosen with Always: %s", why);
	why = choose(r, "Once");
	ASSERT_EQ(NULL, why) TH_LOG("cannot go back to Once: %s", why);
	scope = gui_find(r, RADIO("Any address on this port"));
	ASSERT_NE(NULL, scope);
	EXPECT_FALSE(gui_has_state(scope, ATSPI_STATE_SENSITIVE))
		TH_LOG("the scope stays open after going back to Once");
	unref(&scope);
	unref(&r);
	EXPECT_EQ(SACTL_ALLOW, answer_with(self, _metadata, 50, SENTENCE(8080), "Once",
					   NULL, "Allow", NULL));
	rules = state_file(self);
	EXPECT_EQ(NULL, rules) TH_LOG("remembered: %s", rules);
	free(rules);
	ASSERT_EQ(0, sd_ask(&self->s, 51, 8080));
	EXPECT_EQ(SACTL_DENY, answer_with(self, _metadata, 51, SENTENCE(8080), "Once",
					  NULL, "Deny", NULL))
		TH_LOG("the same request was not asked again");
	EXPECT_EQ(2, sd_log_count(&self->s, " once by agent"));
}

/* The countdown runs down to the default verdict, which the device gets. */
static void countdown_to_default(FIXTURE_DATA(gui) *self,
				 struct __test_metadata *_metadata,
				 const char *settings, const char *prefix,
				 int expected, const char *shot)
{
	AtspiAccessible *r, *win;
	long start, end;
	int first, now = -1, v;

	ASSERT_EQ(0, begin(self, settings));
	start = now_ms();
	ASSERT_EQ(0, sd_ask(&self->s, 60, 8080));
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r);
	win = window(self, WAIT_MS);
	ASSERT_NE(NULL, win);
	first = countdown(r, prefix);
	ASSERT_LT(0, first) TH_LOG("no \"%sN s\" label in the row", prefix);
	EXPECT_GE(4, first);
	/* It counts down while we watch. */
	end = now_ms() + 2500;
	while (now_ms() < end && (now = countdown(r, prefix)) == first)
		usleep(50000);
	EXPECT_GT(first, now) TH_LOG("still \"%s%d s\" after 2.5 s", prefix, now);
	EXPECT_LE(0, now);
	EXPECT_EQ(0, gui_screenshot(shot, win));
	unref(&win);
	v = verdict(self, 60, 4000 + WAIT_MS);
	EXPECT_EQ(expected, v) TH_LOG("the device got %s", verdict_name(v));
	EXPECT_LE(3500, now_ms() - start) TH_LOG("decided before the timeout");
	EXPECT_TRUE(rows(self, 0, WAIT_MS)) TH_LOG("%zu rows left after the timeout", row_count(self));
	EXPECT_TRUE(window_hidden(self, WAIT_MS));
	EXPECT_TRUE(sd_wait_log(&self->s, "no answer in 4 s", WAIT_MS));
	unref(&r);
}

TEST_F(gui, countdown_to_deny)
{
	countdown_to_default(self, _metadata, "default = \"deny\"; prompt_timeout = 4;",
			     "Denied in ", SACTL_DENY, "prompt-countdown");
}

TEST_F(gui, countdown_to_allow)
{
	countdown_to_default(self, _metadata, "default = \"allow\"; prompt_timeout = 4;",
			     "Allowed in ", SACTL_ALLOW, "prompt-countdown-allow");
}

/* Three requests, three rows; the same request again adds none. */
TEST_F(gui, three_requests_three_rows)
{
	AtspiAccessible *win, *r;
	struct sactl_response resp;
	bool got[2] = { false };
	const char *why;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 71, 8081));
	ASSERT_EQ(0, sd_ask(&self->s, 72, 8082));
	ASSERT_EQ(0, sd_ask(&self->s, 73, 8083));
	win = window(self, WAIT_MS);
	ASSERT_NE(NULL, win);
	EXPECT_TRUE(rows(self, 3, WAIT_MS)) TH_LOG("%zu rows for 3 requests", row_count(self));
	r = row(self, SENTENCE(8081), 0);
	EXPECT_NE(NULL, r);
	unref(&r);
	r = row(self, SENTENCE(8083), 0);
	EXPECT_NE(NULL, r);
	unref(&r);
	EXPECT_EQ(0, gui_screenshot("prompt-three", win));

	/* 8082 again, a new kernel request: sactld joins it to its prompt. */
	ASSERT_EQ(0, sd_ask(&self->s, 74, 8082));
	usleep(QUIET_MS * 1000);
	EXPECT_EQ(3, row_count(self)) TH_LOG("a duplicate request added a row");

	r = row(self, SENTENCE(8081), 0);
	ASSERT_NE(NULL, r);
	v = click_for(self, _metadata, r, "Deny", 71);
	EXPECT_EQ(SACTL_DENY, v) TH_LOG("8081 got %s", verdict_name(v));
	EXPECT_TRUE(rows(self, 2, WAIT_MS)) TH_LOG("%zu rows after answering 1 of 3", row_count(self));
	unref(&r);
	r = row(self, SENTENCE(8081), 0);
	EXPECT_EQ(NULL, r) TH_LOG("the answered row is still there");
	unref(&r);

	/* Allowing 8082 answers both of its kernel requests. */
	r = row(self, SENTENCE(8082), 0);
	ASSERT_NE(NULL, r);
	why = click(r, BUTTON("Allow"));
	ASSERT_EQ(NULL, why) TH_LOG("cannot click Allow: %s", why);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, sd_answer(&self->s, &resp, WAIT_MS));
		ASSERT_TRUE(resp.id == 72 || resp.id == 74) TH_LOG("answer to %llu",
								   (unsigned long long)resp.id);
		got[resp.id == 74] = true;
		EXPECT_EQ(SACTL_ALLOW, resp.verdict);
	}
	EXPECT_TRUE(got[0] && got[1]);
	EXPECT_TRUE(rows(self, 1, WAIT_MS));
	unref(&r);
	unref(&win);
}

/* Return, space and Escape in the window answer nothing and close nothing. */
TEST_F(gui, stray_keys_do_nothing)
{
	static const char *const keys[] = { "Return", "space", "KP_Enter", "Escape", NULL };
	AtspiAccessible *win, *r;
	unsigned long xid;
	char *focused;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 80, 8080));
	win = window(self, WAIT_MS);
	ASSERT_NE(NULL, win);
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r);
	xid = gui_x_window(TITLE);
	ASSERT_NE(0, xid) TH_LOG("no mapped X window titled \"%s\"", TITLE);
	ASSERT_EQ(0, gui_keys(xid, keys));
	/* The keys went to the window: it has the focus ... */
	EXPECT_TRUE(gui_has_state(win, ATSPI_STATE_ACTIVE))
		TH_LOG("the window did not get the focus: the keys went elsewhere");
	/* ... but nothing in it does. */
	focused = gui_names_with_state(win, ATSPI_STATE_FOCUSED);
	EXPECT_EQ(NULL, focused) TH_LOG("focused: %s", focused);
	g_free(focused);
	v = verdict(self, 80, QUIET_MS);
	EXPECT_EQ(-1, v) TH_LOG("the keys answered %s", verdict_name(v));
	EXPECT_EQ(1, row_count(self));
	EXPECT_EQ(xid, gui_x_window(TITLE)) TH_LOG("the window is gone");
	EXPECT_EQ(0, gui_screenshot("prompt-after-keys", win));
	/* ... and the buttons still work. */
	v = click_for(self, _metadata, r, "Deny", 80);
	EXPECT_EQ(SACTL_DENY, v) TH_LOG("Deny after the keys: %s", verdict_name(v));
	unref(&r);
	unref(&win);
}

/* The window's close button hides it; the request stays pending. */
TEST_F(gui, closing_the_window_keeps_the_request)
{
	AtspiAccessible *win, *r;
	const char *why;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 90, 8080));
	win = window(self, WAIT_MS);
	ASSERT_NE(NULL, win);
	why = click(win, BUTTON("Close"));
	ASSERT_EQ(NULL, why) TH_LOG("cannot click the window's Close: %s", why);
	EXPECT_TRUE(window_hidden(self, WAIT_MS)) TH_LOG("still on the screen after Close");
	v = verdict(self, 90, QUIET_MS);
	EXPECT_EQ(-1, v) TH_LOG("closing answered %s", verdict_name(v));
	EXPECT_EQ(0, kill(self->prompt, 0)) TH_LOG("closing the window ended the prompt");
	unref(&win);

	/* The next request brings it back, with both rows. */
	ASSERT_EQ(0, sd_ask(&self->s, 91, 8081));
	win = window(self, WAIT_MS);
	ASSERT_NE(NULL, win) TH_LOG("the window does not come back");
	EXPECT_TRUE(rows(self, 2, WAIT_MS)) TH_LOG("%zu rows, expected 2", row_count(self));
	r = row(self, SENTENCE(8080), 0);
	ASSERT_NE(NULL, r);
	v = click_for(self, _metadata, r, "Allow", 90);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("the first request got %s", verdict_name(v));
	unref(&r);
	unref(&win);
}

/* sactld stops (rows withdrawn) and comes back: the prompt reconnects. */
TEST_F(gui, survives_a_daemon_restart)
{
	AtspiAccessible *r;
	int v;

	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 100, 8080));
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r);
	unref(&r);
	kill(self->s.pid, SIGTERM);
	v = verdict(self, 100, WAIT_MS);
	EXPECT_EQ(SACTL_DENY, v) TH_LOG("shutdown gave %s, not the default", verdict_name(v));
	ASSERT_EQ(0, sd_stop(&self->s));
	EXPECT_TRUE(rows(self, 0, WAIT_MS)) TH_LOG("%zu rows after sactld stopped", row_count(self));
	EXPECT_TRUE(window_hidden(self, WAIT_MS));

	ASSERT_EQ(0, sd_start(&self->s));
	/* The log goes on: the second "connected" is to the new sactld. */
	ASSERT_TRUE(wait_agent(self, 2, WAIT_MS + 2000))
		TH_LOG("sactl-prompt did not reconnect to the new sactld");
	ASSERT_EQ(0, sd_ask(&self->s, 101, 8081));
	v = answer_with(self, _metadata, 101, SENTENCE(8081), NULL, NULL, "Allow", NULL);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("Allow after the restart: %s", verdict_name(v));
}

/* Started before sactld (no socket yet), it connects when sactld comes. */
TEST_F(gui, started_before_the_daemon)
{
	long start;
	int v;

	ASSERT_EQ(0, sd_write_config(&self->s, SETTINGS, ""));
	self->prompt = gui_start_prompt("-s", self->s.psock, self->plog);
	ASSERT_LT(0, self->prompt);
	self->app = gui_app(self->prompt, WAIT_MS);
	ASSERT_NE(NULL, self->app) TH_LOG("sactl-prompt is not on the AT-SPI bus");
	EXPECT_TRUE(window_hidden(self, 0));
	EXPECT_EQ(0, waitpid(self->prompt, NULL, WNOHANG)) TH_LOG("it gave up without sactld");
	ASSERT_EQ(0, sd_start(&self->s));
	start = now_ms();
	ASSERT_TRUE(wait_agent(self, 1, WAIT_MS + 2000))
		TH_LOG("sactl-prompt did not connect once sactld was there");
	/* It tries about every second. */
	EXPECT_GE(3000, now_ms() - start) TH_LOG("connected %ld ms after sactld started",
						  now_ms() - start);
	ASSERT_EQ(0, sd_ask(&self->s, 110, 8080));
	v = answer_with(self, _metadata, 110, SENTENCE(8080), NULL, NULL, "Allow", NULL);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("got %s", verdict_name(v));
}

/* An installed application's name, not its file's, names the program. */
TEST_F(gui, desktop_entry_names_the_program)
{
	AtspiAccessible *r;
	char dir[200], file[260];
	char *text;

	/* This test's own XDG_DATA_HOME, for sactl-prompt to find. */
	snprintf(dir, sizeof(dir), "%s/data", self->s.dir);
	ASSERT_EQ(0, mkdir(dir, 0755));
	setenv("XDG_DATA_HOME", dir, 1);
	strcat(dir, "/applications");
	ASSERT_EQ(0, mkdir(dir, 0755));
	snprintf(file, sizeof(file), "%s/sactl-test-truth.desktop", dir);
	ASSERT_EQ(0, write_text(file, "[Desktop Entry]\nType=Application\n"
				"Name=Truth Teller\nExec=true --tell\n"));
	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 130, 8080));
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r);
	text = gui_name(r);
	EXPECT_STREQ("Truth Teller " SENTENCE(8080), text);
	g_free(text);
	EXPECT_TRUE(has_label_exactly(r, "Truth Teller"))
		TH_LOG("no label \"Truth Teller\" for %s", self->s.exe);
	/* The file is still shown as it is. */
	EXPECT_TRUE(has_label(r, self->s.exe));
	unref(&r);
}

/* A second sactl-prompt in the session hands over to the first and ends. */
TEST_F(gui, one_instance_per_session)
{
	char log[200];
	pid_t second;
	int status;

	ASSERT_EQ(0, begin(self, SETTINGS));
	snprintf(log, sizeof(log), "%s/second.log", self->s.dir);
	second = gui_start_prompt("--socket", self->s.psock, log);
	ASSERT_LT(0, second);
	status = wait_exit(second, WAIT_MS);
	if (status < 0) {
		kill(second, SIGKILL);
		waitpid(second, NULL, 0);
	}
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the second sactl-prompt: wait status %d (-1: still running)", status);
	/* Only the first one ever said hello to sactld. */
	EXPECT_EQ(1, sd_log_count(&self->s, "' connected"));
	EXPECT_EQ(0, waitpid(self->prompt, NULL, WNOHANG)) TH_LOG("the first one ended");
}

/*
 * Another agent of the same user: the prompt, connecting later, is asked
 * about the request already open, with the time left; when the other
 * agent answers, the row goes.
 */
TEST_F(gui, another_agent_answers)
{
	struct client agent = { .fd = -1 };
	AtspiAccessible *r;
	uint64_t prompt;
	int left, v;

	ASSERT_EQ(0, sd_write_config(&self->s, SETTINGS, ""));
	ASSERT_EQ(0, sd_start(&self->s));
	ASSERT_EQ(0, agent_start(&agent, &self->s));
	ASSERT_EQ(0, sd_ask(&self->s, 140, 8080));
	prompt = agent_ask(&agent, NULL, WAIT_MS);
	ASSERT_NE(0, prompt);
	usleep(2500 * 1000);		/* time runs */
	ASSERT_EQ(0, start_prompt(self, "--socket"));
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r) TH_LOG("the prompt open before it connected is not shown");
	left = countdown(r, "Denied in ");
	EXPECT_LT(0, left);
	EXPECT_GE(118, left) TH_LOG("\"Denied in %d s\": the full timeout, not the time left",
				   left);
	ASSERT_EQ(0, agent_answer(&agent, prompt, WIRE_ALLOW, WIRE_ONCE, WIRE_DESTINATION));
	v = verdict(self, 140, WAIT_MS);
	EXPECT_EQ(SACTL_ALLOW, v) TH_LOG("the device got %s", verdict_name(v));
	EXPECT_TRUE(rows(self, 0, WAIT_MS)) TH_LOG("%zu rows after the other agent answered",
						  row_count(self));
	EXPECT_TRUE(window_hidden(self, WAIT_MS));
	unref(&r);
	client_close(&agent);
}

/* ---- with a stand-in for sactld --------------------------------------------- */

/*
 * Listen on the prompt socket as sactld would, start sactl-prompt, take
 * its AGENT_HELLO and answer HELLO: the prompt's connection in @c.  0 or -1.
 */
static int stand_in(FIXTURE_DATA(gui) *self, struct client *c)
{
	int lfd = listen_unix(self->s.psock, SOCK_STREAM), fd;
	struct wire_msg m;
	bool hello;

	if (lfd < 0)
		return -1;
	self->prompt = gui_start_prompt("--socket", self->s.psock, self->plog);
	fd = self->prompt > 0 ? accept_within(lfd, WAIT_MS) : -1;
	close(lfd);
	if (fd < 0)
		return -1;
	client_adopt(c, fd);
	if (!client_recv(c, &m, WAIT_MS))
		return -1;
	hello = m.type == WIRE_AGENT_HELLO;
	wire_msg_clear(&m);
	if (!hello)
		return -1;
	wire_msg_init(&m, WIRE_HELLO);
	wire_set_num(&m, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_num(&m, WIRE_T_UID, self->s.uid);
	wire_set_num(&m, WIRE_T_TIMEOUT, 120);
	wire_set_num(&m, WIRE_T_DEFAULT, WIRE_DENY);
	if (client_send(c, &m))
		return -1;
	self->app = gui_app(self->prompt, WAIT_MS);
	return self->app ? 0 : -1;
}

/* ASK prompt @id: /usr/bin/true, us, connecting to 127.0.0.1:@port. */
static int stand_in_ask(FIXTURE_DATA(gui) *self, struct client *c, uint64_t id,
			uint16_t port)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_ASK);
	wire_set_num(&m, WIRE_T_PROMPT_ID, id);
	wire_set_num(&m, WIRE_T_OP, WIRE_OP_CONNECT);
	wire_set_num(&m, WIRE_T_PID, (uint64_t)getpid());
	wire_set_num(&m, WIRE_T_UID, self->s.uid);
	wire_set_num(&m, WIRE_T_FAMILY, 4);
	wire_set_str(&m, WIRE_T_PROTO, "tcp");
	wire_set_num(&m, WIRE_T_SECONDS_LEFT, 120);
	wire_set_num(&m, WIRE_T_DEFAULT, WIRE_DENY);
	wire_set_str(&m, WIRE_T_EXE, self->s.exe);
	wire_set_str(&m, WIRE_T_COMM, "true");
	wire_set_str(&m, WIRE_T_LOCAL_ADDR, "127.0.0.1");
	wire_set_num(&m, WIRE_T_LOCAL_PORT, 40000);
	wire_set_str(&m, WIRE_T_REMOTE_ADDR, "127.0.0.1");
	wire_set_num(&m, WIRE_T_REMOTE_PORT, port);
	return client_send(c, &m);
}

static int stand_in_withdraw(struct client *c, uint64_t id, unsigned int reason)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_WITHDRAW);
	wire_set_num(&m, WIRE_T_PROMPT_ID, id);
	wire_set_num(&m, WIRE_T_REASON, reason);
	return client_send(c, &m);
}

/* What each choice sends: the ANSWER's fields, as wire.h defines them. */
TEST_F(gui, answers_on_the_wire)
{
	static const struct {
		const char *dur, *scope, *button;
		unsigned int verdict, duration, minutes, scope_v;
	} cases[] = {
		{ "Once", NULL, "Allow", WIRE_ALLOW, WIRE_ONCE, 0, WIRE_DESTINATION },
		{ "Until it quits", "Any address on this port", "Deny",
		  WIRE_DENY, WIRE_PROCESS, 0, WIRE_PORT },
		{ "15 minutes", "Anything this program does", "Allow",
		  WIRE_ALLOW, WIRE_MINUTES, 15, WIRE_PROGRAM },
		{ "Always", "This address and port", "Deny",
		  WIRE_DENY, WIRE_FOREVER, 0, WIRE_DESTINATION },
	};
	struct client c = { .fd = -1 };
	struct wire_msg m;

	ASSERT_EQ(0, stand_in(self, &c)) TH_LOG("sactl-prompt did not say hello");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t port = (uint16_t)(8100 + i);
		char part[32];
		AtspiAccessible *r;
		const char *why;

		ASSERT_EQ(0, stand_in_ask(self, &c, 100 + i, port));
		snprintf(part, sizeof(part), "port %u ", port);
		r = row(self, part, WAIT_MS);
		ASSERT_NE(NULL, r) TH_LOG("no row mentioning \"%s\"", part);
		why = choose(r, cases[i].dur);
		ASSERT_EQ(NULL, why) TH_LOG("cannot choose %s: %s", cases[i].dur, why);
		if (cases[i].scope) {
			why = choose(r, cases[i].scope);
			ASSERT_EQ(NULL, why) TH_LOG("cannot choose %s: %s", cases[i].scope, why);
		}
		why = click(r, BUTTON(cases[i].button));
		ASSERT_EQ(NULL, why) TH_LOG("cannot click %s: %s", cases[i].button, why);
		unref(&r);

		ASSERT_TRUE(client_recv(&c, &m, WAIT_MS))
			TH_LOG("%s + %s: no ANSWER", cases[i].dur, cases[i].button);
		EXPECT_EQ(WIRE_ANSWER, m.type);
		EXPECT_EQ(100 + i, wire_num(&m, WIRE_T_PROMPT_ID, 0));
		EXPECT_EQ(cases[i].verdict, wire_num(&m, WIRE_T_VERDICT, 0))
			TH_LOG("%s: verdict", cases[i].button);
		EXPECT_EQ(cases[i].duration, wire_num(&m, WIRE_T_DURATION, WIRE_ONCE))
			TH_LOG("\"%s\": duration", cases[i].dur);
		EXPECT_EQ(cases[i].minutes, wire_num(&m, WIRE_T_MINUTES, 0))
			TH_LOG("\"%s\": minutes", cases[i].dur);
		EXPECT_EQ(cases[i].scope_v, wire_num(&m, WIRE_T_SCOPE, WIRE_DESTINATION))
			TH_LOG("\"%s\": scope", cases[i].scope ?: "(default)");
		wire_msg_clear(&m);
		/* Answered: the row goes without waiting for sactld. */
		EXPECT_TRUE(rows(self, 0, WAIT_MS)) TH_LOG("%zu rows after the answer", row_count(self));
	}
	client_close(&c);
}

/* The same prompt twice is one row; every WITHDRAW takes its row away. */
TEST_F(gui, rows_follow_asks_and_withdraws)
{
	static const unsigned int reasons[] = {
		WIRE_ANSWERED, WIRE_TIMED_OUT, WIRE_GONE, WIRE_SHUTDOWN,
	};
	struct client c = { .fd = -1 };
	size_t n = sizeof(reasons) / sizeof(reasons[0]);

	ASSERT_EQ(0, stand_in(self, &c)) TH_LOG("sactl-prompt did not say hello");
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(0, stand_in_ask(self, &c, 200 + i, (uint16_t)(8200 + i)));
	ASSERT_TRUE(rows(self, n, WAIT_MS)) TH_LOG("%zu rows for %zu ASKs", row_count(self), n);
	ASSERT_EQ(0, stand_in_ask(self, &c, 200, 8200));	/* again */
	usleep(QUIET_MS * 1000);
	EXPECT_EQ(n, row_count(self)) TH_LOG("an ASK sent twice shows twice");
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(0, stand_in_withdraw(&c, 200 + i, reasons[i]));
		EXPECT_TRUE(rows(self, n - 1 - i, WAIT_MS))
			TH_LOG("WITHDRAW (%s): %zu rows, expected %zu",
			       wire_reason_text(reasons[i]), row_count(self), n - 1 - i);
	}
	EXPECT_TRUE(window_hidden(self, WAIT_MS)) TH_LOG("the window stays up with nothing to ask");
	client_close(&c);
}

/* Does /etc/hosts name 127.0.0.1 "localhost"? */
static bool hosts_has_localhost(void)
{
	char *text = read_file("/etc/hosts"), *line, *save = NULL;
	bool found = false;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char addr[64], name[256];
		int off = 0;

		if (sscanf(line, "%63s%n", addr, &off) != 1 || strcmp(addr, "127.0.0.1"))
			continue;
		for (char *p = line + off; sscanf(p, "%255s%n", name, &off) == 1; p += off)
			if (!strcmp(name, "localhost"))
				found = true;
			else if (name[0] == '#')
				break;
	}
	free(text);
	return found;
}

/* The address's host name, from reverse DNS (here /etc/hosts). */
TEST_F(gui, reverse_dns_names_the_host)
{
	AtspiAccessible *r, *host;

	if (!hosts_has_localhost())
		SKIP(return, "/etc/hosts does not call 127.0.0.1 localhost");
	ASSERT_EQ(0, begin(self, SETTINGS));
	ASSERT_EQ(0, sd_ask(&self->s, 120, 8080));
	r = row(self, SENTENCE(8080), WAIT_MS);
	ASSERT_NE(NULL, r);
	/* The lookup is asynchronous: the label comes when it is done. */
	host = gui_wait_find(r, WANT(.role = ATSPI_ROLE_LABEL, .name = "(localhost)",
				     .visible = true), WAIT_MS);
	EXPECT_NE(NULL, host) TH_LOG("no \"(localhost)\" label for 127.0.0.1");
	unref(&host);
	unref(&r);
}

TEST_HARNESS_MAIN
