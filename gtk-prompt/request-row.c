// SPDX-License-Identifier: GPL-2.0
/*
 * SactlRequestRow.  The countdown runs on the monotonic clock from the
 * seconds sactld said were left, so a row that waited in a busy main loop
 * does not lie; sactld, not this row, applies the default when it ends.
 * Reverse DNS runs asynchronously and is cancelled with the row: the row
 * is shown at once and the name filled in whenever it comes.
 */
#include <glib/gi18n.h>

#include "describe.h"
#include "request-row.h"

#define MINUTES_CHOICE	15

struct _SactlRequestRow {
	GtkListBoxRow parent_instance;

	SactlAsk *ask;
	gint64 deadline;		/* monotonic, µs */
	guint tick_id;
	GCancellable *resolving;

	GtkImage *icon;
	GtkLabel *name_label, *action_label, *host_label;
	GtkLabel *exe_label, *process_label, *countdown_label;
	GtkLabel *siblings_label;
	GtkToggleButton *once_button, *process_button, *minutes_button;
	GtkToggleButton *always_button;
	GtkWidget *scope_box;
	GtkToggleButton *dest_button, *port_button, *program_button;
};

G_DEFINE_TYPE(SactlRequestRow, sactl_request_row, GTK_TYPE_LIST_BOX_ROW)

enum { SIG_ANSWERED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void update_countdown(SactlRequestRow *self)
{
	gint64 left = self->deadline - g_get_monotonic_time();
	g_autofree gchar *text = NULL;

	/* Round up: "1 s" until the very end, never "0 s" too early. */
	left = left > 0 ? (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC : 0;
	text = sactl_describe_countdown(self->ask->dflt, (guint)left);
	gtk_label_set_text(self->countdown_label, text);
}

static gboolean on_tick(gpointer data)
{
	SactlRequestRow *self = data;

	update_countdown(self);
	if (g_get_monotonic_time() >= self->deadline) {
		/* sactld withdraws the prompt and applies the default. */
		self->tick_id = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void on_resolved(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = g_resolver_lookup_by_address_finish(
		G_RESOLVER(src), res, &error);
	SactlRequestRow *self;
	g_autofree gchar *text = NULL;

	/* Cancelled: the row is gone, @data with it. */
	if (!name)
		return;
	self = data;
	if (!g_strcmp0(name, sactl_ask_peer_address(self->ask)))
		return;
	text = g_strdup_printf("(%s)", name);
	gtk_label_set_text(self->host_label, text);
	gtk_widget_show(GTK_WIDGET(self->host_label));
}

static void resolve_peer(SactlRequestRow *self)
{
	const gchar *addr = sactl_ask_peer_address(self->ask);
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GResolver) resolver = NULL;

	if (!addr)
		return;
	/* Scoped IPv6 ("fe80::1%2") does not parse; nothing to look up. */
	inet = g_inet_address_new_from_string(addr);
	if (!inet || g_inet_address_get_is_any(inet))
		return;
	resolver = g_resolver_get_default();
	self->resolving = g_cancellable_new();
	g_resolver_lookup_by_address_async(resolver, inet, self->resolving,
					   on_resolved, self);
}

static void answer(SactlRequestRow *self, enum wire_verdict verdict)
{
	SactlAnswer a = {
		.prompt_id = self->ask->prompt_id,
		.verdict = verdict,
		.duration = WIRE_ONCE,
		.scope = WIRE_DESTINATION,
	};

	if (gtk_toggle_button_get_active(self->process_button))
		a.duration = WIRE_PROCESS;
	else if (gtk_toggle_button_get_active(self->minutes_button))
		a.duration = WIRE_MINUTES, a.minutes = MINUTES_CHOICE;
	else if (gtk_toggle_button_get_active(self->always_button))
		a.duration = WIRE_FOREVER;
	if (gtk_toggle_button_get_active(self->port_button))
		a.scope = WIRE_PORT;
	else if (gtk_toggle_button_get_active(self->program_button))
		a.scope = WIRE_PROGRAM;
	g_signal_emit(self, signals[SIG_ANSWERED], 0, &a);
}

static void on_allow_clicked(SactlRequestRow *self)
{
	answer(self, WIRE_ALLOW);
}

static void on_deny_clicked(SactlRequestRow *self)
{
	answer(self, WIRE_DENY);
}

/* A one-time answer has no scope to choose. */
static void on_duration_toggled(SactlRequestRow *self)
{
	gtk_widget_set_sensitive(self->scope_box,
				 !gtk_toggle_button_get_active(self->once_button));
}

/* Scopes that mean nothing for this operation are not offered. */
static void fit_scopes(SactlRequestRow *self)
{
	const SactlAsk *ask = self->ask;

	switch (ask->op) {
	case WIRE_OP_SOCKET:
		/* No address, no port: only the program as a whole. */
		gtk_widget_hide(GTK_WIDGET(self->dest_button));
		gtk_widget_hide(GTK_WIDGET(self->port_button));
		gtk_toggle_button_set_active(self->program_button, TRUE);
		break;
	default:
		break;
	}
}

static void fill(SactlRequestRow *self, GAppInfo *app)
{
	const SactlAsk *ask = self->ask;
	g_autofree gchar *prog = sactl_describe_program(ask);
	g_autofree gchar *action = sactl_describe_action(ask);
	g_autofree gchar *process = sactl_describe_process(ask);
	g_autofree gchar *whole = NULL;
	const gchar *name = prog;
	GIcon *gicon = app ? g_app_info_get_icon(app) : NULL;

	if (app && g_app_info_get_name(app))
		name = g_app_info_get_name(app);
	if (gicon)
		gtk_image_set_from_gicon(self->icon, gicon, GTK_ICON_SIZE_DIALOG);
	gtk_image_set_pixel_size(self->icon, 48);
	gtk_label_set_text(self->name_label, name);
	gtk_label_set_text(self->action_label, action);
	gtk_label_set_text(self->exe_label, ask->exe && *ask->exe ? ask->exe :
			   _("(unknown: the program's file is not accessible)"));
	gtk_label_set_text(self->process_label, process);
	/* Screen readers (and the GUI tests) read the row as one sentence. */
	whole = g_strdup_printf("%s %s", name, action);
	atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(self)), whole);
	fit_scopes(self);
	self->deadline = g_get_monotonic_time() +
			 (gint64)ask->seconds_left * G_USEC_PER_SEC;
	update_countdown(self);
	self->tick_id = g_timeout_add(1000, on_tick, self);
	resolve_peer(self);
}

GtkWidget *sactl_request_row_new(const SactlAsk *ask, GAppInfo *app)
{
	SactlRequestRow *self = g_object_new(SACTL_TYPE_REQUEST_ROW, NULL);

	self->ask = sactl_ask_copy(ask);
	fill(self, app);
	return GTK_WIDGET(self);
}

guint64 sactl_request_row_get_prompt_id(SactlRequestRow *row)
{
	return row->ask->prompt_id;
}

const gchar *sactl_request_row_get_exe(SactlRequestRow *row)
{
	return row->ask->exe ? row->ask->exe : "";
}

/* A program that opens many connections at once (a torrent client, a
 * scanner) must not bury the person in rows: one remembered answer for
 * the whole program decides all of them (sactld re-checks what waits). */
void sactl_request_row_set_siblings(SactlRequestRow *row, guint others)
{
	g_autofree gchar *text = NULL;

	if (!others) {
		gtk_widget_hide(GTK_WIDGET(row->siblings_label));
		return;
	}
	text = g_strdup_printf(ngettext("%u more request of this program is waiting: remember an answer for “Anything this program does” to decide them all.",
					"%u more requests of this program are waiting: remember an answer for “Anything this program does” to decide them all.",
					others), others);
	gtk_label_set_text(row->siblings_label, text);
	gtk_widget_show(GTK_WIDGET(row->siblings_label));
}

static void sactl_request_row_dispose(GObject *obj)
{
	SactlRequestRow *self = SACTL_REQUEST_ROW(obj);

	g_clear_handle_id(&self->tick_id, g_source_remove);
	if (self->resolving)
		g_cancellable_cancel(self->resolving);
	g_clear_object(&self->resolving);
	G_OBJECT_CLASS(sactl_request_row_parent_class)->dispose(obj);
}

static void sactl_request_row_finalize(GObject *obj)
{
	sactl_ask_free(SACTL_REQUEST_ROW(obj)->ask);
	G_OBJECT_CLASS(sactl_request_row_parent_class)->finalize(obj);
}

static void sactl_request_row_class_init(SactlRequestRowClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

	oc->dispose = sactl_request_row_dispose;
	oc->finalize = sactl_request_row_finalize;
	signals[SIG_ANSWERED] =
		g_signal_new("answered", G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
			     1, G_TYPE_POINTER);
	gtk_widget_class_set_template_from_resource(wc,
		"/org/sactl/Prompt/request-row.ui");
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, icon);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, name_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, action_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, host_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, exe_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, process_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, countdown_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, siblings_label);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, once_button);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, process_button);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, minutes_button);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, always_button);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, scope_box);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, dest_button);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, port_button);
	gtk_widget_class_bind_template_child(wc, SactlRequestRow, program_button);
	gtk_widget_class_bind_template_callback(wc, on_allow_clicked);
	gtk_widget_class_bind_template_callback(wc, on_deny_clicked);
	gtk_widget_class_bind_template_callback(wc, on_duration_toggled);
}

static void sactl_request_row_init(SactlRequestRow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}
