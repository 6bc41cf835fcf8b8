/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_server.h"

#include "attach_client.h"
#include "attach_proto.h"
#include "attach_socket.h"
#include "attach_stdin.h"
#include "listener.h"
#include "source.h"

/*
 * Flow control: every client gets every byte of the output it attached to, in order, however
 * slowly it reads — what conmon gives with its blocking writes (docs/protocols.md, "Flow
 * control"), without ever blocking the main loop.
 *
 * A client whose queue passes ATTACH_QUEUE_HIGH pauses the reading of the container's
 * output, so the container waits for it as it would for a pipe or a terminal (the log and
 * the other clients wait too). ctl, resizes, signals, the reaper and other clients are served
 * meanwhile. Reading resumes once every queue has room for one more read (ATTACH_QUEUE_LOW):
 * the container then moves at its slowest client's pace in steps of ~128 KiB, instead of
 * stopping for as long as the client takes to eat most of a megabyte.
 *
 * So while the container runs a queue holds at most ATTACH_QUEUE_HIGH plus one read of the
 * streams (64 KiB), or once the output held while the runtime ran (1 MiB, output_hold.c).
 * At the container's exit the final drain adds what the container left in its pipes (what
 * fit in them, 1 MiB each; at most 4 MiB each by the drain's own bound, streams.c). 1 MiB
 * is a few hundred messages on top of the kernel's socket buffer: a terminal that scrolls in
 * bursts never pauses the container.
 *
 * Giving up on a client is opt-in (--attach-stall-timeout): a client that takes nothing for
 * that long while output waits for it is told so in a last message and disconnected.
 */
#define ATTACH_QUEUE_HIGH (1024 * 1024)
#define ATTACH_QUEUE_LOW  (ATTACH_QUEUE_HIGH - 128 * 1024)

/* What an abandoned client reads last, on the stderr stream. */
#define ATTACH_STALL_NOTICE                                                                    \
	"\nvigilmon: this attach client took no output for %d s while the container waited "   \
	"for it (--attach-stall-timeout), so it was disconnected and missed output from here " \
	"on; the container's log has it\n"

/* At most this many connections waiting in the backlog are taken in when the container
 * exits (the backlog is 10). */
#define ATTACH_LAST_ACCEPTS 64

struct _AttachServer {
	GMainContext *ctx;
	Streams *streams;
	AttachStdin *stdin_;
	gboolean stopping; /* the container exited: no more input */
	gint64 stall_us;   /* --attach-stall-timeout, 0 = never */

	AttachSocket sock;
	Listener *listener;     /* NULL once the container exited */
	GPtrArray *clients;     /* AttachClient*, one ref each */
	gboolean output_paused; /* a client is ATTACH_QUEUE_HIGH behind */
	GSource *stall_source;  /* with a stall timeout: armed while output waits for a client */

	/* attach_server_finish(): called once the last client is finished */
	AttachDoneFunc done;
	gpointer done_data;

	/* the control socket's attach/detach events */
	AttachClientsFunc clients_changed;
	gpointer clients_changed_data;
};

static void notify_clients(AttachServer *s, gboolean attached)
{
	if (s->clients_changed != NULL)
		s->clients_changed(attached, s->clients->len, s->clients_changed_data);
}

static void clients_update(AttachServer *s)
{
	for (guint i = 0; i < s->clients->len; i++)
		attach_client_update(g_ptr_array_index(s->clients, i));
}

static gboolean on_stall(gpointer data);

/* With a stall timeout, look at the clients again when the first waiting one could reach
 * it; output waits for a client while reading is paused, and always once finishing. */
static void stall_watch(AttachServer *s)
{
	gint64 first = G_MAXINT64;

	if (s->stall_us == 0)
		return;
	source_drop(&s->stall_source);
	if (!s->output_paused && s->done == NULL)
		return;
	for (guint i = 0; i < s->clients->len; i++) {
		gint64 since = attach_client_stalled_since(g_ptr_array_index(s->clients, i));
		if (since != 0)
			first = MIN(first, since);
	}
	if (first == G_MAXINT64)
		return;
	gint64 delay_us = MAX(first + s->stall_us - g_get_monotonic_time(), 1000);
	s->stall_source = g_timeout_source_new((guint)(delay_us / 1000));
	g_source_set_callback(s->stall_source, on_stall, s, NULL);
	g_source_set_static_name(s->stall_source, "vigil-attach-stall");
	g_source_attach(s->stall_source, s->ctx);
}

/* Pause or resume the container's output by how far behind the clients are. */
static void flow_check(AttachServer *s)
{
	gboolean over = FALSE, all_low = TRUE;

	for (guint i = 0; i < s->clients->len; i++) {
		gsize q = attach_client_queued(g_ptr_array_index(s->clients, i));
		over |= q > ATTACH_QUEUE_HIGH;
		all_low &= q <= ATTACH_QUEUE_LOW;
	}
	if (!s->output_paused && over && !s->stopping) {
		g_debug("an attach client is behind: pausing the container's output");
		s->output_paused = TRUE;
		streams_pause_output(s->streams, TRUE);
		stall_watch(s);
	} else if (s->output_paused && (all_low || s->stopping)) {
		g_debug("attach clients caught up: resuming the container's output");
		s->output_paused = FALSE;
		streams_pause_output(s->streams, FALSE);
		stall_watch(s);
	}
}

/* Output has waited --attach-stall-timeout for some client: give up on the clients that took
 * nothing in that time (a second time: one that did not even take the notice is closed). */
static gboolean on_stall(gpointer data)
{
	AttachServer *s = data;
	gint64 now = g_get_monotonic_time();
	g_autofree char *notice =
		g_strdup_printf(ATTACH_STALL_NOTICE, (int)(s->stall_us / 1000000));

	g_clear_pointer(&s->stall_source, g_source_unref);
	for (guint i = s->clients->len; i > 0; i--) {
		AttachClient *c = g_ptr_array_index(s->clients, i - 1);
		gint64 since = attach_client_stalled_since(c);
		if (since == 0 || now - since < s->stall_us)
			continue;
		if (attach_client_is_abandoned(c))
			attach_client_drop(c, "did not take its disconnect notice either");
		else
			attach_client_abandon(c, notice);
	}
	flow_check(s);
	stall_watch(s);
	return G_SOURCE_REMOVE;
}

static void on_client_progress(AttachClient *client, gpointer data)
{
	AttachServer *s = data;

	if (s->output_paused)
		flow_check(s);
}

static void on_client_input(AttachClient *client, const char *buf, gsize len, gpointer data)
{
	AttachServer *s = data;

	attach_stdin_write(s->stdin_, buf, len);
	/* stdin is full: read no client until it drains (on_stdin_drained) */
	if (attach_stdin_busy(s->stdin_))
		clients_update(s);
}

static void on_client_input_eof(AttachClient *client, gpointer data)
{
	AttachServer *s = data;

	g_debug("attach client %d closed its input", attach_client_fd(client));
	attach_stdin_client_eof(s->stdin_);
}

static void on_stdin_drained(gpointer data)
{
	clients_update(data);
}

static void on_client_closed(AttachClient *client, gpointer data)
{
	AttachServer *s = data;

	g_debug("Closing attach client %d", attach_client_fd(client));
	g_ptr_array_remove(s->clients, client);
	notify_clients(s, FALSE);
	/* A listener resting for want of fds can take the connection waiting now. */
	if (!s->stopping)
		listener_resume(s->listener);
	if (s->output_paused)
		flow_check(s);
	if (s->done != NULL && s->clients->len == 0) {
		AttachDoneFunc done = s->done;
		s->done = NULL;
		source_drop(&s->stall_source);
		done(s->done_data);
	}
}

static gboolean client_may_read(gpointer data)
{
	AttachServer *s = data;

	return !s->stopping && !attach_stdin_busy(s->stdin_);
}

static const AttachClientOps client_ops = {
	.input = on_client_input,
	.input_eof = on_client_input_eof,
	.closed = on_client_closed,
	.may_read = client_may_read,
	.progress = on_client_progress,
};

static void add_client(AttachServer *s, int fd)
{
	g_info("Accepted connection %d", fd);
	g_ptr_array_add(s->clients, attach_client_new(s->ctx, fd, &client_ops, s));
	notify_clients(s, TRUE);
}

static void on_accept(int fd, gpointer data)
{
	add_client(data, fd);
}

AttachServer *attach_server_new(GMainContext *ctx, const AttachConfig *cfg, Streams *streams,
				GError **error)
{
	g_autoptr(AttachServer) s = g_new0(AttachServer, 1);

	s->ctx = ctx;
	s->streams = streams;
	s->stall_us = (gint64)cfg->attach_stall_timeout * G_USEC_PER_SEC;
	s->stdin_ = attach_stdin_new(ctx, &cfg->stdin_, streams, on_stdin_drained, s);
	s->clients = g_ptr_array_new_with_free_func(attach_client_release);
	s->sock = (AttachSocket)ATTACH_SOCKET_INIT;
	if (!attach_socket_open(&s->sock, &cfg->socket, error))
		return NULL;
	s->listener = listener_new(ctx, s->sock.listen_fd, "vigil-attach-listen", "attach socket",
				   on_accept, s);
	return g_steal_pointer(&s);
}

static void send_all(AttachServer *s, guint8 stream, const char *buf, gsize len)
{
	/* Clients read with 8193-byte buffers and SEQPACKET truncates: never send more. */
	for (gsize off = 0; off < len; off += VIGIL_ATTACH_MAX_PAYLOAD) {
		gsize n = MIN(len - off, VIGIL_ATTACH_MAX_PAYLOAD);
		/* Backwards: a client dropped on the way leaves without disturbing the rest. */
		for (guint i = s->clients->len; i > 0; i--)
			attach_client_send(g_ptr_array_index(s->clients, i - 1), stream, buf + off,
					   n);
	}
	flow_check(s);
}

void attach_server_broadcast(AttachServer *server, int stream, const char *buf, gsize len)
{
	if (server == NULL || len == 0)
		return;
	send_all(server, (guint8)stream, buf, len);
}

void attach_server_stdin_ready(AttachServer *server)
{
	if (server != NULL)
		attach_stdin_retry(server->stdin_);
}

void attach_server_stop_listening(AttachServer *server)
{
	if (server == NULL || server->listener == NULL)
		return;
	/* Whoever connected before the container exited still gets its last output. */
	for (int i = 0; i < ATTACH_LAST_ACCEPTS; i++) {
		int cfd = listener_accept(server->listener);
		if (cfd < 0)
			break;
		add_client(server, cfd);
	}
	g_clear_pointer(&server->listener, listener_free);
	attach_socket_close_listener(&server->sock);
}

gboolean attach_server_finish(AttachServer *server, AttachDoneFunc done, gpointer user_data)
{
	if (server == NULL)
		return FALSE;
	attach_server_stop_listening(server);
	server->stopping = TRUE;
	attach_stdin_stop(server->stdin_);
	flow_check(server);
	clients_update(server);
	/* Connected clients keep their connections; nobody new can find the socket. */
	attach_socket_clear(&server->sock);
	/* Backwards: a client finished at once leaves the array without disturbing the rest. */
	for (guint i = server->clients->len; i > 0; i--)
		attach_client_finish(g_ptr_array_index(server->clients, i - 1));
	if (server->clients->len == 0)
		return FALSE;
	g_info("%u attach client(s) still have output queued: serving them before exiting",
	       server->clients->len);
	server->done = done;
	server->done_data = user_data;
	stall_watch(server);
	return TRUE;
}

guint attach_server_client_count(AttachServer *server)
{
	return server != NULL ? server->clients->len : 0;
}

void attach_server_set_clients_func(AttachServer *server, AttachClientsFunc func,
				    gpointer user_data)
{
	if (server == NULL)
		return;
	server->clients_changed = func;
	server->clients_changed_data = user_data;
}

void attach_server_free(AttachServer *server)
{
	if (server == NULL)
		return;
	/* The clients' callbacks point here: mark first so none of them calls back in. */
	server->stopping = TRUE;
	server->done = NULL;
	server->clients_changed = NULL;
	g_clear_pointer(&server->listener, listener_free);
	source_drop(&server->stall_source);
	g_clear_pointer(&server->clients, g_ptr_array_unref);
	attach_socket_clear(&server->sock);
	g_clear_pointer(&server->stdin_, attach_stdin_free);
	g_free(server);
}
