/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which installed application an executable belongs to: the .desktop
 * entry whose Exec= program resolves (through $PATH and symbolic links)
 * to the same file, for its translated name and icon.
 */
#ifndef SACTL_PROMPT_APP_LOOKUP_H
#define SACTL_PROMPT_APP_LOOKUP_H

#include <gio/gio.h>

#define SACTL_TYPE_APP_LOOKUP (sactl_app_lookup_get_type())
G_DECLARE_FINAL_TYPE(SactlAppLookup, sactl_app_lookup, SACTL, APP_LOOKUP,
		     GObject)

SactlAppLookup *sactl_app_lookup_new(void);
/* The application whose program is @exe (an absolute, resolved path), or
 * NULL.  Owned by @self. */
GAppInfo *sactl_app_lookup_find(SactlAppLookup *self, const gchar *exe);

#endif /* SACTL_PROMPT_APP_LOOKUP_H */
