/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SactlPromptApp: the GtkApplication, one per desktop session.  It holds
 * the connection to sactld, the application index and the window, and
 * wires them together: ASK -> row, WITHDRAW -> row gone, click -> ANSWER.
 */
#ifndef SACTL_PROMPT_APP_H
#define SACTL_PROMPT_APP_H

#include <gtk/gtk.h>

#define SACTL_TYPE_PROMPT_APP (sactl_prompt_app_get_type())
G_DECLARE_FINAL_TYPE(SactlPromptApp, sactl_prompt_app, SACTL, PROMPT_APP,
		     GtkApplication)

SactlPromptApp *sactl_prompt_app_new(GApplicationFlags flags);

#endif /* SACTL_PROMPT_APP_H */
