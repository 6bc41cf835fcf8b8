/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "attach_client.h"
#include "attach_proto.h"
#include "attach_socket.h"
#include "attach_stdin.h"
#include "source.h"

/*
 * Flow control (conmon.md §12.1 #4 is what we avoid: conmon writes to clients blocking, so
 * one that stops reading freezes its whole loop and then the container).
 *
 * A client more than ATTACH_QUEUE_HIGH behind pauses the reading of the container's output,
 * so the container waits for it as it would for a pipe or a terminal: `podman run ... cat
 * file > out` and `podman exec ... | less` get every byte, as with conmon. The main loop never
 * waits: other clients, ctl, signals and the timeout are served meanwhile. Output resumes
 * when every client is below ATTACH_QUEUE_LOW.
 *
 * A client that takes nothing at all for ATTACH_STALL_MS while the container waits for it is
 * stuck, not slow: it is dropped with one warning line and the container goes on. 1 MiB is
 * a few hundred messages on top of the kernel's socket buffer, enough that a terminal that
 * scrolls in bursts never pauses the container; 5 s is far longer than any reading client
 * needs to take something, and short enough that a stuck one costs the container little.
 */
#define ATTACH_QUEUE_HIGH (1024 * 1024)
#define ATTACH_QUEUE_LOW  (256 * 1024)
#define ATTACH_STALL_MS   5000

/* At the end, how long clients may take none of their queued output before they are closed.
 * The container is gone by then; this only delays the exit command. */
#define ATTACH_FINAL_FLUSH_MS 5000

/* At most this many connections waiting in the backlog are taken in when the container
 * exits (the backlog is 10). */
#define ATTACH_LAST_ACCEPTS 64

struct _AttachServer {
	GMainContext *ctx;
	Streams *streams;
	AttachStdin *stdin_;
	gboolean stopping; /* the container exited: no more input */

	AttachSocket sock;
	GSource *listen_source; /* NULL while out of fds: resumed when a client leaves */
	GPtrArray *clients;     /* AttachClient*, one ref each */
	gboolean output_paused; /* a client is ATTACH_QUEUE_HIGH behind */
	GSource *stall_source;  /* armed only while output is paused */
};

static void clients_update(AttachServer *s)
{
	for (guint i = 0; i < s->clients->len; i++)
		attach_client_update(g_ptr_array_index(s->clients, i));
}

static gboolean on_stall(gpointer data);

static void arm_stall_timer(AttachServer *s, gint64 delay_us)
{
	source_drop(&s->stall_source);
	s->stall_source = g_timeout_source_new((guint)MAX(delay_us / 1000, 1));
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
		arm_stall_timer(s, (gint64)ATTACH_STALL_MS * 1000);
	} else if (s->output_paused && (all_low || s->stopping)) {
		g_debug("attach clients caught up: resuming the container's output");
		s->output_paused = FALSE;
		source_drop(&s->stall_source);
		streams_pause_output(s->streams, FALSE);
	}
}

/* Output has waited ATTACH_STALL_MS: drop the clients that took nothing in that time. */
static gboolean on_stall(gpointer data)
{
	AttachServer *s = data;
	gint64 now = g_get_monotonic_time(), next = G_MAXINT64;

	g_clear_pointer(&s->stall_source, g_source_unref);
	for (guint i = s->clients->len; i > 0; i--) {
		AttachClient *c = g_ptr_array_index(s->clients, i - 1);
		gint64 since = attach_client_stalled_since(c);
		if (attach_client_queued(c) <= ATTACH_QUEUE_LOW || since == 0)
			continue;
		if (now - since >= (gint64)ATTACH_STALL_MS * 1000)
			attach_client_drop(c, "took no output while the container waited for it");
		else
			next = MIN(next, since + (gint64)ATTACH_STALL_MS * 1000);
	}
	flow_check(s);
	/* Still paused by a client that reads, slowly: look again when it could be stuck. */
	if (s->output_paused && s->stall_source == NULL)
		arm_stall_timer(s,
				next != G_MAXINT64 ? next - now : (gint64)ATTACH_STALL_MS * 1000);
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

static void listen_watch(AttachServer *s);

static void on_client_closed(AttachClient *client, gpointer data)
{
	AttachServer *s = data;

	g_debug("Closing attach client %d", attach_client_fd(client));
	g_ptr_array_remove(s->clients, client);
	/* A paused listener (out of fds) can take the connection waiting now. */
	if (!s->stopping)
		listen_watch(s);
	if (s->output_paused)
		flow_check(s);
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
}

static gboolean on_listen(int fd, GIOCondition cond, gpointer data)
{
	AttachServer *s = data;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (cfd >= 0) {
		add_client(s, cfd);
		return G_SOURCE_CONTINUE;
	}
	if (errno == EMFILE || errno == ENFILE) {
		/* The waiting connection keeps the socket readable: stop polling it rather than
		 * spin, until a client leaves and frees an fd. */
		g_warning("Failed to accept client connection on attach socket: %s, pausing",
			  g_strerror(errno));
		g_clear_pointer(&s->listen_source, g_source_unref);
		return G_SOURCE_REMOVE;
	}
	if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		g_warning("Failed to accept client connection on attach socket: %s, ignoring",
			  g_strerror(errno));
	return G_SOURCE_CONTINUE;
}

/* Watch the listener unless it is watched already or closed. */
static void listen_watch(AttachServer *s)
{
	if (s->listen_source != NULL || s->sock.listen_fd < 0)
		return;
	s->listen_source = g_unix_fd_source_new(s->sock.listen_fd, G_IO_IN);
	g_source_set_callback(s->listen_source, G_SOURCE_FUNC(on_listen), s, NULL);
	g_source_set_static_name(s->listen_source, "vigil-attach-listen");
	g_source_attach(s->listen_source, s->ctx);
}

AttachServer *attach_server_new(GMainContext *ctx, const MonitorConfig *cfg, Streams *streams,
				GError **error)
{
	g_autoptr(AttachServer) s = g_new0(AttachServer, 1);

	s->ctx = ctx;
	s->streams = streams;
	s->stdin_ = attach_stdin_new(ctx, cfg, streams, on_stdin_drained, s);
	s->clients = g_ptr_array_new_with_free_func(attach_client_release);
	s->sock = (AttachSocket)ATTACH_SOCKET_INIT;
	if (!attach_socket_open(&s->sock, cfg, error))
		return NULL;
	listen_watch(s);
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
	if (server == NULL || server->sock.listen_fd < 0)
		return;
	/* Whoever connected before the container exited still gets its last output. */
	for (int i = 0; i < ATTACH_LAST_ACCEPTS; i++) {
		int cfd = accept4(server->sock.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0)
			break;
		add_client(server, cfd);
	}
	source_drop(&server->listen_source);
	attach_socket_close_listener(&server->sock);
}

/* One wait for the clients that still have output queued, and what they take. FALSE when
 * finished: nothing is queued, or none took anything in time (*out_stuck of them). */
static gboolean final_flush_round(AttachServer *s, guint *out_stuck)
{
	g_autoptr(GPtrArray) busy = g_ptr_array_new_with_free_func(attach_client_unref);

	for (guint i = 0; i < s->clients->len; i++) {
		AttachClient *c = g_ptr_array_index(s->clients, i);
		if (attach_client_queued(c) > 0)
			g_ptr_array_add(busy, attach_client_ref(c));
	}
	if (busy->len == 0)
		return FALSE;
	g_autofree struct pollfd *pfds = g_new0(struct pollfd, busy->len);
	for (guint i = 0; i < busy->len; i++)
		pfds[i] = (struct pollfd){ .fd = attach_client_fd(busy->pdata[i]),
					   .events = POLLOUT };
	int r;
	do
		r = poll(pfds, busy->len, ATTACH_FINAL_FLUSH_MS);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		*out_stuck = busy->len;
		return FALSE;
	}
	for (guint i = 0; i < busy->len; i++) {
		AttachClient *c = busy->pdata[i];
		if (attach_client_is_closed(c) || pfds[i].revents == 0)
			continue;
		if (pfds[i].revents & (POLLHUP | POLLERR))
			attach_client_close(c);
		else
			attach_client_flush(c);
	}
	return TRUE;
}

/*
 * The monitor is about to exit. Clients get what is still queued for them (podman prints a
 * container's last output from here), with a bounded wait: the loop no longer runs, nothing
 * else needs it, and clients that take nothing for ATTACH_FINAL_FLUSH_MS are given up on.
 */
static void final_flush(AttachServer *s)
{
	guint stuck = 0;

	while (final_flush_round(s, &stuck))
		;
	if (stuck > 0)
		g_warning("%u attach client(s) took none of their last output in %d ms, closing "
			  "them",
			  stuck, ATTACH_FINAL_FLUSH_MS);
}

void attach_server_shutdown(AttachServer *server)
{
	if (server == NULL)
		return;
	attach_server_stop_listening(server);
	server->stopping = TRUE;
	attach_stdin_stop(server->stdin_);
	flow_check(server);
	clients_update(server);
	final_flush(server);
	g_ptr_array_set_size(server->clients, 0);
	attach_socket_clear(&server->sock);
}

void attach_server_free(AttachServer *server)
{
	if (server == NULL)
		return;
	/* The clients' callbacks point here: mark first so none of them calls back in. */
	server->stopping = TRUE;
	source_drop(&server->listen_source);
	source_drop(&server->stall_source);
	g_clear_pointer(&server->clients, g_ptr_array_unref);
	attach_socket_clear(&server->sock);
	g_clear_pointer(&server->stdin_, attach_stdin_free);
	g_free(server);
}
