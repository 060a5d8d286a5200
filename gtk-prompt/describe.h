/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A request in plain, translated words: "wants to connect to
 * 93.184.216.34, port 443 (TCP)", and the name to show for the program.
 */
#ifndef SACTL_PROMPT_DESCRIBE_H
#define SACTL_PROMPT_DESCRIBE_H

#include <glib.h>

#include "ask.h"

/* What the program wants, starting with "wants to". */
gchar *sactl_describe_action(const SactlAsk *ask);
/* The program's name without an application entry: the executable's
 * base name, else its thread name, else "A program". */
gchar *sactl_describe_program(const SactlAsk *ask);
/* "pid 1234, started by /usr/bin/bash (pid 1200)" */
gchar *sactl_describe_process(const SactlAsk *ask);
/* "Denied in 27 s" / "Allowed in 27 s" */
gchar *sactl_describe_countdown(guint dflt, guint seconds);

#endif /* SACTL_PROMPT_DESCRIBE_H */
