// SPDX-License-Identifier: GPL-2.0
/*
 * SactlPromptApp.  The application keeps itself alive with
 * g_application_hold(): it has work to do while no window is shown.
 * Activating it again (running sactl-prompt a second time in the session)
 * shows the window if requests are waiting.
 */
#include <glib/gi18n.h>

#include "agent-conn.h"
#include "app-lookup.h"
#include "prompt-app.h"
#include "prompt-window.h"
#include "sactl/wire.h"

struct _SactlPromptApp {
	GtkApplication parent_instance;

	gchar *socket_path;
	SactlAgentConn *conn;
	SactlAppLookup *apps;
	SactlPromptWindow *window;
};

G_DEFINE_TYPE(SactlPromptApp, sactl_prompt_app, GTK_TYPE_APPLICATION)

static void on_ask(SactlAgentConn *conn G_GNUC_UNUSED, const SactlAsk *ask,
		   SactlPromptApp *self)
{
	sactl_prompt_window_add(self->window, ask,
				sactl_app_lookup_find(self->apps, ask->exe));
}

static void on_withdraw(SactlAgentConn *conn G_GNUC_UNUSED, guint64 id,
			guint reason, SactlPromptApp *self)
{
	g_debug("prompt %" G_GUINT64_FORMAT " withdrawn: %s", id,
		wire_reason_text(reason));
	sactl_prompt_window_remove(self->window, id);
}

/* sactld sends the prompts still open again after the next HELLO. */
static void on_disconnected(SactlAgentConn *conn G_GNUC_UNUSED,
			    const gchar *why G_GNUC_UNUSED, SactlPromptApp *self)
{
	sactl_prompt_window_clear(self->window);
}

static void on_answered(SactlPromptWindow *win G_GNUC_UNUSED,
			const SactlAnswer *a, SactlPromptApp *self)
{
	sactl_agent_conn_answer(self->conn, a);
}

static void load_css(void)
{
	g_autoptr(GtkCssProvider) css = gtk_css_provider_new();

	gtk_css_provider_load_from_resource(css, "/org/sactl/Prompt/style.css");
	gtk_style_context_add_provider_for_screen(gdk_screen_get_default(),
		GTK_STYLE_PROVIDER(css),
		GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void sactl_prompt_app_startup(GApplication *app)
{
	SactlPromptApp *self = SACTL_PROMPT_APP(app);

	G_APPLICATION_CLASS(sactl_prompt_app_parent_class)->startup(app);
	load_css();
	self->apps = sactl_app_lookup_new();
	self->window = sactl_prompt_window_new(GTK_APPLICATION(app));
	g_signal_connect(self->window, "answered", G_CALLBACK(on_answered), self);
	self->conn = sactl_agent_conn_new(self->socket_path ?
					  self->socket_path : SACTL_PROMPT_SOCKET);
	g_signal_connect(self->conn, "ask", G_CALLBACK(on_ask), self);
	g_signal_connect(self->conn, "withdraw", G_CALLBACK(on_withdraw), self);
	g_signal_connect(self->conn, "disconnected",
			 G_CALLBACK(on_disconnected), self);
	g_application_hold(app);
	sactl_agent_conn_start(self->conn);
}

static void sactl_prompt_app_activate(GApplication *app)
{
	SactlPromptApp *self = SACTL_PROMPT_APP(app);

	/* Asked for by the person: now the window may take the focus. */
	if (sactl_prompt_window_count(self->window))
		gtk_window_present(GTK_WINDOW(self->window));
}

static void sactl_prompt_app_shutdown(GApplication *app)
{
	SactlPromptApp *self = SACTL_PROMPT_APP(app);

	g_clear_object(&self->conn);
	g_clear_object(&self->apps);
	G_APPLICATION_CLASS(sactl_prompt_app_parent_class)->shutdown(app);
}

static gint sactl_prompt_app_handle_local_options(GApplication *app,
						  GVariantDict *options)
{
	SactlPromptApp *self = SACTL_PROMPT_APP(app);

	if (g_variant_dict_contains(options, "version")) {
		g_print("sactl-prompt %u (wire protocol %u)\n", 1, WIRE_VERSION);
		return 0;
	}
	g_variant_dict_lookup(options, "socket", "^ay", &self->socket_path);
	if (self->socket_path && !g_path_is_absolute(self->socket_path)) {
		g_printerr(_("sactl-prompt: --socket %s: not an absolute path\n"),
			   self->socket_path);
		return 2;
	}
	return -1;
}

static void sactl_prompt_app_finalize(GObject *obj)
{
	g_free(SACTL_PROMPT_APP(obj)->socket_path);
	G_OBJECT_CLASS(sactl_prompt_app_parent_class)->finalize(obj);
}

static void sactl_prompt_app_class_init(SactlPromptAppClass *klass)
{
	GApplicationClass *ac = G_APPLICATION_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = sactl_prompt_app_finalize;
	ac->startup = sactl_prompt_app_startup;
	ac->activate = sactl_prompt_app_activate;
	ac->shutdown = sactl_prompt_app_shutdown;
	ac->handle_local_options = sactl_prompt_app_handle_local_options;
}

static void sactl_prompt_app_init(SactlPromptApp *self)
{
	static const GOptionEntry entries[] = {
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, NULL,
		  N_("sactld's prompt socket (default: /run/sactl/prompt.sock)"),
		  N_("PATH") },
		{ "version", 0, 0, G_OPTION_ARG_NONE, NULL,
		  N_("Print the version and exit"), NULL },
		{ NULL }
	};

	g_application_add_main_option_entries(G_APPLICATION(self), entries);
	g_application_set_option_context_summary(G_APPLICATION(self),
		_("Ask, in this desktop session, whether a program may use the network."));
}

SactlPromptApp *sactl_prompt_app_new(GApplicationFlags flags)
{
	return g_object_new(SACTL_TYPE_PROMPT_APP,
			    "application-id", "org.sactl.Prompt",
			    "flags", flags, NULL);
}
