/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One request as sactld's ASK frame describes it, copied out of the wire
 * message into GLib strings (display-safe: controls and bidirectional
 * overrides escaped, since a program picks its own path and name), and
 * the answer a person gives to it.
 */
#ifndef SACTL_PROMPT_ASK_H
#define SACTL_PROMPT_ASK_H

#include <glib-object.h>

#include "sactl/wire.h"

typedef struct {
	guint64 prompt_id;
	guint op;			/* enum wire_op */
	guint pid, ppid, uid;
	guint family;			/* 4 or 6 */
	guint flags;			/* WIRE_ASK_* */
	guint seconds_left;
	guint dflt;			/* enum wire_verdict */
	gboolean has_local_port, has_remote_port;
	guint local_port, remote_port;
	gchar *proto;			/* "tcp" */
	gchar *exe, *parent_exe, *comm;	/* NULL when not sent */
	gchar *local_addr, *remote_addr;
} SactlAsk;

typedef struct {
	guint64 prompt_id;
	enum wire_verdict verdict;
	enum wire_duration duration;
	guint minutes;			/* with WIRE_MINUTES */
	enum wire_scope scope;
} SactlAnswer;

#define SACTL_TYPE_ASK (sactl_ask_get_type())
GType sactl_ask_get_type(void);

/* A copy of the decoded ASK @m (which passed wire_decode()'s checks). */
SactlAsk *sactl_ask_new_from_wire(const struct wire_msg *m);
SactlAsk *sactl_ask_copy(const SactlAsk *ask);
void sactl_ask_free(SactlAsk *ask);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SactlAsk, sactl_ask_free)

/* The address the request is about, for reverse DNS: remote for
 * connect/accept/send, local for bind/listen; NULL if none. */
const gchar *sactl_ask_peer_address(const SactlAsk *ask);

/* Build the ANSWER frame for @a. */
void sactl_answer_to_wire(const SactlAnswer *a, struct wire_msg *m);

#endif /* SACTL_PROMPT_ASK_H */
