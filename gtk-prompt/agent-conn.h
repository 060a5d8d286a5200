/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SactlAgentConn: this session's connection to sactld's prompt socket.
 * It says AGENT_HELLO, turns frames into signals, sends answers, and
 * when the socket is missing or closes (sactld restarting) tries again
 * every second, for as long as it lives.
 *
 * Signals:
 *   connected(uid, timeout, default)   HELLO arrived
 *   ask(SactlAsk)                      a request to show
 *   withdraw(prompt_id, reason)        stop showing it (enum wire_reason)
 *   disconnected(message)              every open request is void; a
 *                                      reconnect is scheduled
 */
#ifndef SACTL_PROMPT_AGENT_CONN_H
#define SACTL_PROMPT_AGENT_CONN_H

#include <gio/gio.h>

#include "ask.h"

#define SACTL_TYPE_AGENT_CONN (sactl_agent_conn_get_type())
G_DECLARE_FINAL_TYPE(SactlAgentConn, sactl_agent_conn, SACTL, AGENT_CONN,
		     GObject)

SactlAgentConn *sactl_agent_conn_new(const gchar *socket_path);
/* Connect now, and keep reconnecting from then on. */
void sactl_agent_conn_start(SactlAgentConn *conn);
/* Queue @a; FALSE (with a warning) if not connected or @a is refused. */
gboolean sactl_agent_conn_answer(SactlAgentConn *conn, const SactlAnswer *a);
gboolean sactl_agent_conn_is_connected(SactlAgentConn *conn);

#endif /* SACTL_PROMPT_AGENT_CONN_H */
