// SPDX-License-Identifier: GPL-2.0
/*
 * SactlPromptWindow.  What OpenSnitch users complain about is designed
 * out here: one window with a list instead of a dialog per request, so
 * one request never hides or blocks another; mapped with focus-on-map
 * off and the focus cleared, so typing in another window goes on there
 * and a stray Enter reaches no button; closing only hides it.
 */
#include <glib/gi18n.h>

#include "prompt-window.h"
#include "request-row.h"

struct _SactlPromptWindow {
	GtkApplicationWindow parent_instance;

	GtkHeaderBar *header;
	GtkScrolledWindow *scroller;
	GtkListBox *list;
	GHashTable *rows;		/* prompt id (guint64 *) -> row */
};

G_DEFINE_TYPE(SactlPromptWindow, sactl_prompt_window,
	      GTK_TYPE_APPLICATION_WINDOW)

enum { SIG_ANSWERED, N_SIGNALS };
static guint signals[N_SIGNALS];

/*
 * Where a request shows: at the top centre of the screen, where the eye
 * goes first, growing downwards with the list up to three quarters of the
 * screen's height (then the list scrolls).
 */
static void place(SactlPromptWindow *self)
{
	GdkDisplay *display = gtk_widget_get_display(GTK_WIDGET(self));
	GdkMonitor *mon = gdk_display_get_primary_monitor(display);
	GtkRequisition nat;
	GdkRectangle wa;

	if (!mon)
		mon = gdk_display_get_monitor(display, 0);
	if (!mon)
		return;
	gdk_monitor_get_workarea(mon, &wa);
	gtk_scrolled_window_set_max_content_height(self->scroller,
						   MAX(wa.height * 3 / 4 - 60, 240));
	gtk_widget_get_preferred_size(GTK_WIDGET(self), NULL, &nat);
	gtk_window_move(GTK_WINDOW(self),
			wa.x + MAX(wa.width - nat.width, 0) / 2,
			wa.y + wa.height / 16);
}

/* Tell the first row of @exe (in list order: the one read first) how
 * many other requests of that program wait. */
static void count_siblings(SactlPromptWindow *self, const gchar *exe)
{
	g_autoptr(GList) rows = NULL;
	GtkWidget *first = NULL;
	guint n = 0;

	if (!*exe)
		return;
	rows = gtk_container_get_children(GTK_CONTAINER(self->list));
	for (GList *l = rows; l; l = l->next) {
		SactlRequestRow *row = l->data;

		if (g_strcmp0(sactl_request_row_get_exe(row), exe))
			continue;
		if (!n++)
			first = l->data;
		else
			sactl_request_row_set_siblings(row, 0);
	}
	if (first)
		sactl_request_row_set_siblings(SACTL_REQUEST_ROW(first), n - 1);
}

static void update(SactlPromptWindow *self)
{
	guint n = g_hash_table_size(self->rows);
	g_autofree gchar *sub = NULL;

	if (!n) {
		gtk_widget_hide(GTK_WIDGET(self));
		return;
	}
	sub = g_strdup_printf(ngettext("%u request is waiting",
				       "%u requests are waiting", n), n);
	gtk_header_bar_set_subtitle(self->header, sub);
	if (!gtk_widget_get_visible(GTK_WIDGET(self))) {
		/* show, not present: presenting asks for the focus. */
		place(self);
		gtk_widget_show(GTK_WIDGET(self));
		gtk_window_set_focus(GTK_WINDOW(self), NULL);
	}
	gtk_window_set_urgency_hint(GTK_WINDOW(self), TRUE);
}

static void on_row_answered(SactlRequestRow *row G_GNUC_UNUSED,
			    const SactlAnswer *a, SactlPromptWindow *self)
{
	g_signal_emit(self, signals[SIG_ANSWERED], 0, a);
	sactl_prompt_window_remove(self, a->prompt_id);
}

void sactl_prompt_window_add(SactlPromptWindow *self, const SactlAsk *ask,
			     GAppInfo *info)
{
	GtkWidget *row;

	if (g_hash_table_contains(self->rows, &ask->prompt_id))
		return;
	row = sactl_request_row_new(ask, info);
	g_signal_connect(row, "answered", G_CALLBACK(on_row_answered), self);
	g_hash_table_insert(self->rows, g_memdup2(&ask->prompt_id,
						  sizeof(ask->prompt_id)), row);
	gtk_container_add(GTK_CONTAINER(self->list), row);
	gtk_widget_show(row);
	count_siblings(self, sactl_request_row_get_exe(SACTL_REQUEST_ROW(row)));
	update(self);
}

void sactl_prompt_window_remove(SactlPromptWindow *self, guint64 prompt_id)
{
	GtkWidget *row = g_hash_table_lookup(self->rows, &prompt_id);
	g_autofree gchar *exe = NULL;

	if (!row)
		return;
	exe = g_strdup(sactl_request_row_get_exe(SACTL_REQUEST_ROW(row)));
	g_hash_table_remove(self->rows, &prompt_id);
	gtk_widget_destroy(row);
	count_siblings(self, exe);
	update(self);
}

void sactl_prompt_window_clear(SactlPromptWindow *self)
{
	GHashTableIter it;
	gpointer row;

	g_hash_table_iter_init(&it, self->rows);
	while (g_hash_table_iter_next(&it, NULL, &row)) {
		g_hash_table_iter_steal(&it);
		gtk_widget_destroy(row);
	}
	g_hash_table_remove_all(self->rows);
	update(self);
}

guint sactl_prompt_window_count(SactlPromptWindow *self)
{
	return g_hash_table_size(self->rows);
}

/* The close button only hides: the requests wait, and the window comes
 * back with the next one. */
static gboolean on_delete_event(GtkWidget *widget,
				GdkEvent *event G_GNUC_UNUSED,
				gpointer data G_GNUC_UNUSED)
{
	gtk_widget_hide(widget);
	return GDK_EVENT_STOP;
}

/* A line between requests. */
static void separate(GtkListBoxRow *row, GtkListBoxRow *before,
		     gpointer data G_GNUC_UNUSED)
{
	if (before && !gtk_list_box_row_get_header(row))
		gtk_list_box_row_set_header(row,
			gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
}

SactlPromptWindow *sactl_prompt_window_new(GtkApplication *app)
{
	return g_object_new(SACTL_TYPE_PROMPT_WINDOW, "application", app, NULL);
}

static void sactl_prompt_window_finalize(GObject *obj)
{
	g_hash_table_unref(SACTL_PROMPT_WINDOW(obj)->rows);
	G_OBJECT_CLASS(sactl_prompt_window_parent_class)->finalize(obj);
}

static void sactl_prompt_window_class_init(SactlPromptWindowClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = sactl_prompt_window_finalize;
	signals[SIG_ANSWERED] =
		g_signal_new("answered", G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
			     1, G_TYPE_POINTER);
	gtk_widget_class_set_template_from_resource(wc,
		"/org/sactl/Prompt/prompt-window.ui");
	gtk_widget_class_bind_template_child(wc, SactlPromptWindow, header);
	gtk_widget_class_bind_template_child(wc, SactlPromptWindow, scroller);
	gtk_widget_class_bind_template_child(wc, SactlPromptWindow, list);
	gtk_widget_class_bind_template_callback(wc, on_delete_event);
}

static void sactl_prompt_window_init(SactlPromptWindow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					   NULL);
	gtk_list_box_set_header_func(self->list, separate, NULL, NULL);
	/* Keep above other windows, so a request is never lost behind them;
	 * it still does not take the focus. */
	gtk_window_set_keep_above(GTK_WINDOW(self), TRUE);
}
