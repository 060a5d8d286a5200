// SPDX-License-Identifier: GPL-2.0
/*
 * SactlAgentConn: the prompt socket as a GIO stream.  Reads go through
 * lib/wire.c's streaming decoder, so frames may arrive split or joined;
 * writes are queued whole frames, one write_all in flight at a time.
 * Every asynchronous operation holds a reference to the object and the
 * connection's GCancellable: dropping a connection cancels them all, and
 * their callbacks then do nothing.
 */
#include <errno.h>

#include <gio/gunixsocketaddress.h>

#include "agent-conn.h"

#define RETRY_SECONDS	1
#define READ_CHUNK	4096

struct _SactlAgentConn {
	GObject parent_instance;

	gchar *path;
	GSocketClient *client;
	GSocketConnection *stream;	/* NULL while not connected */
	GCancellable *cancel;		/* the current attempt's I/O */
	struct wire_reader reader;
	guint8 inbuf[READ_CHUNK];
	GQueue out;			/* GBytes frames to write */
	gboolean writing;
	gboolean hello;			/* HELLO received */
	gboolean down_logged;		/* said once per outage */
	guint retry_id;
};

G_DEFINE_TYPE(SactlAgentConn, sactl_agent_conn, G_TYPE_OBJECT)

enum { SIG_CONNECTED, SIG_ASK, SIG_WITHDRAW, SIG_DISCONNECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void try_connect(SactlAgentConn *self);
static void read_more(SactlAgentConn *self);
static void write_next(SactlAgentConn *self);

static gboolean retry_cb(gpointer data)
{
	SactlAgentConn *self = data;

	self->retry_id = 0;
	try_connect(self);
	return G_SOURCE_REMOVE;
}

static void schedule_retry(SactlAgentConn *self)
{
	if (!self->retry_id)
		self->retry_id = g_timeout_add_seconds(RETRY_SECONDS, retry_cb,
						       self);
}

/* Forget the connection (if any) and try again later. */
static void drop(SactlAgentConn *self, const gchar *why)
{
	gboolean was_up = self->hello;

	if (!self->stream)
		return;
	g_cancellable_cancel(self->cancel);
	g_clear_object(&self->cancel);
	/* Close the descriptor now, so that sactld gives our prompts to
	 * someone else at once; cancelled operations still hold the
	 * stream until their callbacks run. */
	g_socket_close(g_socket_connection_get_socket(self->stream), NULL);
	g_clear_object(&self->stream);
	g_queue_clear_full(&self->out, (GDestroyNotify)g_bytes_unref);
	self->writing = FALSE;
	self->hello = FALSE;
	wire_reader_free(&self->reader);
	if (was_up)
		g_message("disconnected from sactld: %s", why);
	else
		g_warning("sactld refused this prompt: %s", why);
	g_signal_emit(self, signals[SIG_DISCONNECTED], 0, why);
	schedule_retry(self);
}

static gboolean send_msg(SactlAgentConn *self, const struct wire_msg *m)
{
	struct wire_buf b;
	char err[256];
	int r;

	if (!self->stream)
		return FALSE;
	wire_buf_init(&b, WIRE_MAX_FRAME);
	r = wire_encode(m, &b, err, sizeof(err));
	if (r) {
		wire_buf_free(&b);
		g_warning("cannot encode %s: %s", wire_type_name(m->type),
			  r == -EINVAL ? err : g_strerror(-r));
		return FALSE;
	}
	g_queue_push_tail(&self->out, g_bytes_new_take(b.data, b.len));
	if (!self->writing)
		write_next(self);
	return TRUE;
}

static void on_written(GObject *src, GAsyncResult *res, gpointer data)
{
	SactlAgentConn *self = data;
	g_autoptr(GError) error = NULL;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL,
					      &error)) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			drop(self, error->message);
	} else if (self->stream) {
		g_bytes_unref(g_queue_pop_head(&self->out));
		self->writing = FALSE;
		write_next(self);
	}
	g_object_unref(self);
}

static void write_next(SactlAgentConn *self)
{
	GBytes *frame = g_queue_peek_head(&self->out);
	GOutputStream *os;
	gsize len;
	gconstpointer data;

	if (!frame || !self->stream)
		return;
	data = g_bytes_get_data(frame, &len);
	os = g_io_stream_get_output_stream(G_IO_STREAM(self->stream));
	self->writing = TRUE;
	g_output_stream_write_all_async(os, data, len, G_PRIORITY_DEFAULT,
					self->cancel, on_written,
					g_object_ref(self));
}

static void handle(SactlAgentConn *self, const struct wire_msg *m)
{
	g_autoptr(SactlAsk) ask = NULL;

	switch (m->type) {
	case WIRE_HELLO:
		self->hello = TRUE;
		self->down_logged = FALSE;
		g_message("connected to sactld at %s, serving uid %u", self->path,
			  (guint)wire_num(m, WIRE_T_UID, 0));
		g_signal_emit(self, signals[SIG_CONNECTED], 0,
			      (guint)wire_num(m, WIRE_T_UID, 0),
			      (guint)wire_num(m, WIRE_T_TIMEOUT, 0),
			      (guint)wire_num(m, WIRE_T_DEFAULT, WIRE_DENY));
		break;
	case WIRE_ASK:
		ask = sactl_ask_new_from_wire(m);
		g_signal_emit(self, signals[SIG_ASK], 0, ask);
		break;
	case WIRE_WITHDRAW:
		g_signal_emit(self, signals[SIG_WITHDRAW], 0,
			      (guint64)wire_num(m, WIRE_T_PROMPT_ID, 0),
			      (guint)wire_num(m, WIRE_T_REASON, 0));
		break;
	case WIRE_ERROR:
		drop(self, wire_str(m, WIRE_T_TEXT));
		break;
	default:
		drop(self, "sactld sent a message meant for its control socket");
		break;
	}
}

/* Decode what @n new bytes complete; FALSE if the connection was dropped. */
static gboolean consume(SactlAgentConn *self, gsize n)
{
	GSocketConnection *stream = self->stream;
	gsize off = 0;
	char err[256];

	while (off < n) {
		ssize_t took = wire_reader_feed(&self->reader, self->inbuf + off,
						n - off);
		struct wire_msg m;
		int r;

		if (took < 0) {
			drop(self, g_strerror(-(int)took));
			return FALSE;
		}
		off += (gsize)took;
		while ((r = wire_reader_next(&self->reader, &m, err,
					     sizeof(err))) > 0) {
			handle(self, &m);
			wire_msg_clear(&m);
			/* A handler may have dropped it (ERROR). */
			if (self->stream != stream)
				return FALSE;
		}
		if (r < 0) {
			g_autofree gchar *why = g_strdup_printf(
				"bad frame from sactld: %s",
				r == -EPROTO ? err : g_strerror(-r));

			drop(self, why);
			return FALSE;
		}
	}
	return TRUE;
}

static void on_read(GObject *src, GAsyncResult *res, gpointer data)
{
	SactlAgentConn *self = data;
	g_autoptr(GError) error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(src), res, &error);

	if (n < 0) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			drop(self, error->message);
	} else if (n == 0) {
		drop(self, "sactld closed the connection");
	} else if (consume(self, (gsize)n)) {
		read_more(self);
	}
	g_object_unref(self);
}

static void read_more(SactlAgentConn *self)
{
	GInputStream *is = g_io_stream_get_input_stream(G_IO_STREAM(self->stream));

	g_input_stream_read_async(is, self->inbuf, sizeof(self->inbuf),
				  G_PRIORITY_DEFAULT, self->cancel, on_read,
				  g_object_ref(self));
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data)
{
	SactlAgentConn *self = data;
	g_autoptr(GError) error = NULL;
	GSocketConnection *stream;
	struct wire_msg hello;

	stream = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &error);
	if (!stream) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			if (!self->down_logged)
				g_message("waiting for sactld at %s: %s",
					  self->path, error->message);
			self->down_logged = TRUE;
			g_clear_object(&self->cancel);
			schedule_retry(self);
		}
		g_object_unref(self);
		return;
	}
	self->stream = stream;
	wire_reader_init(&self->reader, WIRE_MAX_FRAME);
	wire_msg_init(&hello, WIRE_AGENT_HELLO);
	wire_set_num(&hello, WIRE_T_VERSION, WIRE_VERSION);
	wire_set_str(&hello, WIRE_T_NAME, "sactl-prompt");
	send_msg(self, &hello);
	read_more(self);
	g_object_unref(self);
}

static void try_connect(SactlAgentConn *self)
{
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(self->path);

	if (self->stream || self->cancel)
		return;
	self->cancel = g_cancellable_new();
	g_socket_client_connect_async(self->client, G_SOCKET_CONNECTABLE(addr),
				      self->cancel, on_connected,
				      g_object_ref(self));
}

void sactl_agent_conn_start(SactlAgentConn *conn)
{
	try_connect(conn);
}

gboolean sactl_agent_conn_answer(SactlAgentConn *conn, const SactlAnswer *a)
{
	struct wire_msg m;

	if (!conn->hello) {
		g_warning("not connected to sactld: answer to prompt %" G_GUINT64_FORMAT
			  " dropped", a->prompt_id);
		return FALSE;
	}
	sactl_answer_to_wire(a, &m);
	return send_msg(conn, &m);
}

gboolean sactl_agent_conn_is_connected(SactlAgentConn *conn)
{
	return conn->hello;
}

SactlAgentConn *sactl_agent_conn_new(const gchar *socket_path)
{
	SactlAgentConn *self = g_object_new(SACTL_TYPE_AGENT_CONN, NULL);

	self->path = g_strdup(socket_path);
	return self;
}

static void sactl_agent_conn_dispose(GObject *obj)
{
	SactlAgentConn *self = SACTL_AGENT_CONN(obj);

	g_clear_handle_id(&self->retry_id, g_source_remove);
	if (self->stream) {
		g_cancellable_cancel(self->cancel);
		g_socket_close(g_socket_connection_get_socket(self->stream), NULL);
		g_clear_object(&self->stream);
		wire_reader_free(&self->reader);
	}
	if (self->cancel)
		g_cancellable_cancel(self->cancel);
	g_clear_object(&self->cancel);
	g_queue_clear_full(&self->out, (GDestroyNotify)g_bytes_unref);
	g_clear_object(&self->client);
	G_OBJECT_CLASS(sactl_agent_conn_parent_class)->dispose(obj);
}

static void sactl_agent_conn_finalize(GObject *obj)
{
	g_free(SACTL_AGENT_CONN(obj)->path);
	G_OBJECT_CLASS(sactl_agent_conn_parent_class)->finalize(obj);
}

static void sactl_agent_conn_class_init(SactlAgentConnClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);

	oc->dispose = sactl_agent_conn_dispose;
	oc->finalize = sactl_agent_conn_finalize;
	signals[SIG_CONNECTED] =
		g_signal_new("connected", G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
			     3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
	signals[SIG_ASK] =
		g_signal_new("ask", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
			     0, NULL, NULL, NULL, G_TYPE_NONE, 1,
			     SACTL_TYPE_ASK | G_SIGNAL_TYPE_STATIC_SCOPE);
	signals[SIG_WITHDRAW] =
		g_signal_new("withdraw", G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
			     2, G_TYPE_UINT64, G_TYPE_UINT);
	signals[SIG_DISCONNECTED] =
		g_signal_new("disconnected", G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
			     1, G_TYPE_STRING);
}

static void sactl_agent_conn_init(SactlAgentConn *self)
{
	self->client = g_socket_client_new();
	g_queue_init(&self->out);
}
