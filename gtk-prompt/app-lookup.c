// SPDX-License-Identifier: GPL-2.0
/*
 * SactlAppLookup: an index from resolved executable path to GAppInfo,
 * built on first use and rebuilt when GAppInfoMonitor says the installed
 * applications changed.  The kernel reports the executable's real path
 * (/usr/lib/firefox-esr/firefox-esr) while .desktop files name a command
 * (firefox-esr, found in $PATH as a link): both sides are resolved.
 */
#include <stdlib.h>

#include "app-lookup.h"

struct _SactlAppLookup {
	GObject parent_instance;

	GHashTable *by_exe;		/* resolved path -> GAppInfo */
	GAppInfoMonitor *monitor;
	gulong changed_id;
};

G_DEFINE_TYPE(SactlAppLookup, sactl_app_lookup, G_TYPE_OBJECT)

/* The file @cmd runs, with links resolved; NULL if there is none. */
static gchar *resolve(const gchar *cmd)
{
	g_autofree gchar *found = NULL;
	char *real;
	gchar *ret;

	if (!cmd || !*cmd)
		return NULL;
	found = g_path_is_absolute(cmd) ? g_strdup(cmd) : g_find_program_in_path(cmd);
	if (!found)
		return NULL;
	real = realpath(found, NULL);
	if (!real)
		return NULL;
	ret = g_strdup(real);
	free(real);
	return ret;
}

/* Ambiguous paths map to NULL. */
static void unref_info(gpointer info)
{
	if (info)
		g_object_unref(info);
}

static void build(SactlAppLookup *self)
{
	GList *all = g_app_info_get_all();

	self->by_exe = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     unref_info);
	for (GList *l = all; l; l = l->next) {
		GAppInfo *info = l->data;
		gchar *path = resolve(g_app_info_get_executable(info));

		/* Interpreters and launchers (sh, env, flatpak) run many
		 * applications: naming one of them would mislead. */
		if (!path || g_hash_table_contains(self->by_exe, path)) {
			if (path)
				g_hash_table_replace(self->by_exe, path, NULL);
			continue;
		}
		g_hash_table_insert(self->by_exe, path, g_object_ref(info));
	}
	g_list_free_full(all, g_object_unref);
}

static void on_changed(GAppInfoMonitor *monitor G_GNUC_UNUSED, gpointer data)
{
	SactlAppLookup *self = data;

	g_clear_pointer(&self->by_exe, g_hash_table_unref);
}

GAppInfo *sactl_app_lookup_find(SactlAppLookup *self, const gchar *exe)
{
	if (!exe)
		return NULL;
	if (!self->by_exe)
		build(self);
	return g_hash_table_lookup(self->by_exe, exe);
}

SactlAppLookup *sactl_app_lookup_new(void)
{
	return g_object_new(SACTL_TYPE_APP_LOOKUP, NULL);
}

static void sactl_app_lookup_dispose(GObject *obj)
{
	SactlAppLookup *self = SACTL_APP_LOOKUP(obj);

	if (self->monitor)
		g_clear_signal_handler(&self->changed_id, self->monitor);
	g_clear_object(&self->monitor);
	g_clear_pointer(&self->by_exe, g_hash_table_unref);
	G_OBJECT_CLASS(sactl_app_lookup_parent_class)->dispose(obj);
}

static void sactl_app_lookup_class_init(SactlAppLookupClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = sactl_app_lookup_dispose;
}

static void sactl_app_lookup_init(SactlAppLookup *self)
{
	self->monitor = g_app_info_monitor_get();
	self->changed_id = g_signal_connect(self->monitor, "changed",
					    G_CALLBACK(on_changed), self);
}
