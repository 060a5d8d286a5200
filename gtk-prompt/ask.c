// SPDX-License-Identifier: GPL-2.0
/*
 * SactlAsk: an ASK frame as GLib data, and SactlAnswer as an ANSWER frame.
 */
#include "ask.h"

G_DEFINE_BOXED_TYPE(SactlAsk, sactl_ask, sactl_ask_copy, sactl_ask_free)

/* A display-safe copy of string field @tag, or NULL if absent. */
static gchar *dup_field(const struct wire_msg *m, unsigned int tag)
{
	const char *s = wire_str(m, tag);
	/* Escaping at most quadruples a byte ("\xNN"); "\u{NNNN}" is 8 for 3. */
	gsize len;
	gchar *out;

	if (!s)
		return NULL;
	len = strlen(s) * 4 + 1;
	out = g_malloc(len);
	wire_display(s, out, len);
	return out;
}

SactlAsk *sactl_ask_new_from_wire(const struct wire_msg *m)
{
	SactlAsk *a = g_new0(SactlAsk, 1);

	a->prompt_id = wire_num(m, WIRE_T_PROMPT_ID, 0);
	a->op = (guint)wire_num(m, WIRE_T_OP, 0);
	a->pid = (guint)wire_num(m, WIRE_T_PID, 0);
	a->ppid = (guint)wire_num(m, WIRE_T_PPID, 0);
	a->uid = (guint)wire_num(m, WIRE_T_UID, 0);
	a->family = (guint)wire_num(m, WIRE_T_FAMILY, 0);
	a->flags = (guint)wire_num(m, WIRE_T_FLAGS, 0);
	a->seconds_left = (guint)wire_num(m, WIRE_T_SECONDS_LEFT, 0);
	a->dflt = (guint)wire_num(m, WIRE_T_DEFAULT, WIRE_DENY);
	a->has_local_port = wire_has(m, WIRE_T_LOCAL_PORT);
	a->has_remote_port = wire_has(m, WIRE_T_REMOTE_PORT);
	a->local_port = (guint)wire_num(m, WIRE_T_LOCAL_PORT, 0);
	a->remote_port = (guint)wire_num(m, WIRE_T_REMOTE_PORT, 0);
	a->proto = dup_field(m, WIRE_T_PROTO);
	a->exe = dup_field(m, WIRE_T_EXE);
	a->parent_exe = dup_field(m, WIRE_T_PARENT_EXE);
	a->comm = dup_field(m, WIRE_T_COMM);
	a->local_addr = dup_field(m, WIRE_T_LOCAL_ADDR);
	a->remote_addr = dup_field(m, WIRE_T_REMOTE_ADDR);
	return a;
}

SactlAsk *sactl_ask_copy(const SactlAsk *ask)
{
	SactlAsk *a = g_memdup2(ask, sizeof(*ask));

	a->proto = g_strdup(ask->proto);
	a->exe = g_strdup(ask->exe);
	a->parent_exe = g_strdup(ask->parent_exe);
	a->comm = g_strdup(ask->comm);
	a->local_addr = g_strdup(ask->local_addr);
	a->remote_addr = g_strdup(ask->remote_addr);
	return a;
}

void sactl_ask_free(SactlAsk *ask)
{
	if (!ask)
		return;
	g_free(ask->proto);
	g_free(ask->exe);
	g_free(ask->parent_exe);
	g_free(ask->comm);
	g_free(ask->local_addr);
	g_free(ask->remote_addr);
	g_free(ask);
}

const gchar *sactl_ask_peer_address(const SactlAsk *ask)
{
	switch (ask->op) {
	case WIRE_OP_CONNECT:
	case WIRE_OP_ACCEPT:
	case WIRE_OP_SEND:
		return ask->remote_addr;
	case WIRE_OP_BIND:
	case WIRE_OP_LISTEN:
		return ask->local_addr;
	default:
		return NULL;
	}
}

void sactl_answer_to_wire(const SactlAnswer *a, struct wire_msg *m)
{
	wire_msg_init(m, WIRE_ANSWER);
	wire_set_num(m, WIRE_T_PROMPT_ID, a->prompt_id);
	wire_set_num(m, WIRE_T_VERDICT, a->verdict);
	wire_set_num(m, WIRE_T_DURATION, a->duration);
	if (a->duration == WIRE_MINUTES)
		wire_set_num(m, WIRE_T_MINUTES, a->minutes);
	if (a->duration != WIRE_ONCE)
		wire_set_num(m, WIRE_T_SCOPE, a->scope);
}
