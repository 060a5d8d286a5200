// SPDX-License-Identifier: GPL-2.0
/*
 * The sentences of a prompt.  Each is one translatable string with its
 * variables in it, so that translators can reorder words.
 */
#include <glib/gi18n.h>

#include "describe.h"

/* "TCP", "UDP"; other protocols as sactld names them. */
static gchar *proto_name(const SactlAsk *ask)
{
	return g_ascii_strup(ask->proto ? ask->proto : "?", -1);
}

/* The wildcard addresses mean "every local address". */
static gboolean is_any(const gchar *addr)
{
	return !addr || !g_strcmp0(addr, "0.0.0.0") || !g_strcmp0(addr, "::");
}

gchar *sactl_describe_action(const SactlAsk *ask)
{
	g_autofree gchar *proto = proto_name(ask);
	const gchar *r = ask->remote_addr ? ask->remote_addr : "?";
	const gchar *l = ask->local_addr;

	switch (ask->op) {
	case WIRE_OP_SOCKET:
		/* TRANSLATORS: "wants to open a TCP socket (IPv4)" */
		return g_strdup_printf(_("wants to open a %s socket (IPv%u)"),
				       proto, ask->family);
	case WIRE_OP_BIND:
		if (is_any(l))
			return g_strdup_printf(_("wants to use local port %u (%s)"),
					       ask->local_port, proto);
		return g_strdup_printf(_("wants to use local address %s, port %u (%s)"),
				       l, ask->local_port, proto);
	case WIRE_OP_CONNECT:
		if (ask->flags & WIRE_ASK_FASTOPEN)
			return g_strdup_printf(_("wants to connect to %s, port %u (%s, Fast Open)"),
					       r, ask->remote_port, proto);
		return g_strdup_printf(_("wants to connect to %s, port %u (%s)"),
				       r, ask->remote_port, proto);
	case WIRE_OP_LISTEN:
		if (is_any(l))
			return g_strdup_printf(_("wants to accept connections on port %u (%s)"),
					       ask->local_port, proto);
		return g_strdup_printf(_("wants to accept connections on %s, port %u (%s)"),
				       l, ask->local_port, proto);
	case WIRE_OP_ACCEPT:
		return g_strdup_printf(_("wants to accept a connection from %s, port %u, on port %u (%s)"),
				       r, ask->remote_port, ask->local_port, proto);
	case WIRE_OP_SEND:
		return g_strdup_printf(_("wants to send to %s, port %u (%s)"),
				       r, ask->remote_port, proto);
	default:
		return g_strdup(_("wants to use the network"));
	}
}

gchar *sactl_describe_program(const SactlAsk *ask)
{
	/* Its file was swapped after it started: its name proves nothing. */
	if (ask->flags & WIRE_ASK_EXE_REPLACED)
		/* TRANSLATORS: %s is the name the program gave itself */
		return g_strdup_printf(_("Unknown program calling itself “%s”"),
				       ask->comm ? ask->comm : "");
	if (ask->exe && *ask->exe)
		return g_path_get_basename(ask->exe);
	if (ask->comm && *ask->comm)
		return g_strdup(ask->comm);
	return g_strdup(_("A program"));
}

gchar *sactl_describe_process(const SactlAsk *ask)
{
	if (ask->parent_exe && *ask->parent_exe)
		return g_strdup_printf(_("pid %u, started by %s (pid %u)"),
				       ask->pid, ask->parent_exe, ask->ppid);
	if (ask->ppid)
		return g_strdup_printf(_("pid %u, started by pid %u"), ask->pid,
				       ask->ppid);
	return g_strdup_printf(_("pid %u"), ask->pid);
}

gchar *sactl_describe_countdown(guint dflt, guint seconds)
{
	/* TRANSLATORS: the default verdict comes in this many seconds */
	if (dflt == WIRE_ALLOW)
		return g_strdup_printf(_("Allowed in %u s"), seconds);
	return g_strdup_printf(_("Denied in %u s"), seconds);
}
