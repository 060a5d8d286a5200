/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SactlPromptWindow: the one window, listing every pending request.  It
 * appears (without taking the keyboard focus) when the first request
 * comes and hides when the last one is answered or withdrawn.
 *
 * Signal answered(SactlAnswer *), relayed from its rows.
 */
#ifndef SACTL_PROMPT_WINDOW_H
#define SACTL_PROMPT_WINDOW_H

#include <gtk/gtk.h>

#include "ask.h"

#define SACTL_TYPE_PROMPT_WINDOW (sactl_prompt_window_get_type())
G_DECLARE_FINAL_TYPE(SactlPromptWindow, sactl_prompt_window, SACTL,
		     PROMPT_WINDOW, GtkApplicationWindow)

SactlPromptWindow *sactl_prompt_window_new(GtkApplication *app);
/* Add a row for @ask unless one for its prompt id is there already. */
void sactl_prompt_window_add(SactlPromptWindow *win, const SactlAsk *ask,
			     GAppInfo *info);
/* Remove the row of @prompt_id, if any. */
void sactl_prompt_window_remove(SactlPromptWindow *win, guint64 prompt_id);
void sactl_prompt_window_clear(SactlPromptWindow *win);
guint sactl_prompt_window_count(SactlPromptWindow *win);

#endif /* SACTL_PROMPT_WINDOW_H */
