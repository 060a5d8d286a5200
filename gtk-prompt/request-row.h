/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SactlRequestRow: one pending request in the prompt window's list: the
 * program (icon and name from its application entry when there is one),
 * what it wants in plain words, the host name once reverse DNS answers,
 * its executable, process and parent, a countdown to the default verdict,
 * and the answer: duration, scope, Deny / Allow.
 *
 * Signal answered(SactlAnswer *): the person clicked Deny or Allow.
 */
#ifndef SACTL_PROMPT_REQUEST_ROW_H
#define SACTL_PROMPT_REQUEST_ROW_H

#include <gtk/gtk.h>

#include "ask.h"

#define SACTL_TYPE_REQUEST_ROW (sactl_request_row_get_type())
G_DECLARE_FINAL_TYPE(SactlRequestRow, sactl_request_row, SACTL, REQUEST_ROW,
		     GtkListBoxRow)

/* @app: the program's application entry, or NULL. */
GtkWidget *sactl_request_row_new(const SactlAsk *ask, GAppInfo *app);
guint64 sactl_request_row_get_prompt_id(SactlRequestRow *row);
/* The executable the row is about ("" when unknown). */
const gchar *sactl_request_row_get_exe(SactlRequestRow *row);
/* Say that @others more requests of the same program are waiting. */
void sactl_request_row_set_siblings(SactlRequestRow *row, guint others);

#endif /* SACTL_PROMPT_REQUEST_ROW_H */
