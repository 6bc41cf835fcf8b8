/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_stream.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "attach_conn.h"
#include "attach_proto.h"
#include "error_util.h"
#include "fdutil.h"

/* conmon's ConnSockBufSize: the most the monitor takes from one client read. */
#define INPUT_CHUNK VIGIL_ATTACH_INPUT_BUF

/* One fd watched for a condition that changes with the state (0: not watched). */
typedef struct {
	GSource *source;
	GIOCondition cond;
} Watch;

struct _AttachStream {
	GMainContext *ctx;
	int sock;
	char *dir;
	VigilAttachStreams streams;
	VigilResizeSource resize;
	gboolean has_resize;
	DetachKeys keys;
	GByteArray *pending_in; /* input not yet taken by the socket */
	GByteArray *out;        /* one message's payload not yet written to out_fd */
	gsize out_done;
	int out_fd;
	gboolean input_done;
	gboolean finished;
	gboolean detached;
	GError *error;
	Watch sock_watch, in_watch, out_watch, notify_watch;
	GSource *done_source;
	AttachStreamDone done;
	gpointer user_data;
};

static void update(AttachStream *a);

static void unwatch(Watch *w)
{
	if (w->source != NULL) {
		g_source_destroy(w->source);
		g_clear_pointer(&w->source, g_source_unref);
	}
	w->cond = 0;
}

/* Watch fd for cond (0 or fd < 0: not at all), replacing the source only when cond changed. */
static void watch(AttachStream *a, Watch *w, int fd, GIOCondition cond, GUnixFDSourceFunc fn)
{
	if (fd < 0)
		cond = 0;
	if (w->cond == cond && (cond == 0 || w->source != NULL))
		return;
	unwatch(w);
	if (cond == 0)
		return;
	w->source = g_unix_fd_source_new(fd, cond);
	w->cond = cond;
	g_source_set_callback(w->source, G_SOURCE_FUNC(fn), a, NULL);
	g_source_attach(w->source, a->ctx);
}

static gboolean on_done(gpointer data)
{
	AttachStream *a = data;
	g_autoptr(GError) error = g_steal_pointer(&a->error);

	g_clear_pointer(&a->done_source, g_source_unref);
	/* Last: the callback may free a. */
	a->done(a->detached, error, a->user_data);
	return G_SOURCE_REMOVE;
}

/* Stop watching and report from an idle source, so the caller may free a in its callback. */
static void finish(AttachStream *a, GError *error)
{
	if (a->finished) {
		g_clear_error(&error);
		return;
	}
	a->finished = TRUE;
	a->error = error;
	unwatch(&a->sock_watch);
	unwatch(&a->in_watch);
	unwatch(&a->out_watch);
	unwatch(&a->notify_watch);
	/* What was typed before the detach keys still goes in (a short blocking send: the
	 * monitor takes up to INPUT_CHUNK per read and queues what the container has not read). */
	if (a->detached && error == NULL && a->pending_in->len > 0) {
		(void)fd_set_nonblock(a->sock, FALSE);
		(void)send(a->sock, a->pending_in->data, a->pending_in->len, MSG_NOSIGNAL);
	}
	a->done_source = g_idle_source_new();
	g_source_set_callback(a->done_source, on_done, a, NULL);
	g_source_attach(a->done_source, a->ctx);
}

/* One message from the monitor, to be written out before the next is read. */
static gboolean on_sock(int fd, GIOCondition cond, gpointer data)
{
	AttachStream *a = data;
	guint8 buf[VIGIL_ATTACH_MAX_PAYLOAD + 1];
	GError *error = NULL;

	if (cond & G_IO_OUT) {
		gsize len = MIN(a->pending_in->len, INPUT_CHUNK);
		gssize n = send(a->sock, a->pending_in->data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno != EAGAIN && errno != EINTR && errno != EPIPE &&
		    errno != ECONNRESET) {
			vigil_throw_errno(&error, "write the attach socket");
			finish(a, error);
			return G_SOURCE_REMOVE;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			/* The container's stdin is closed: nothing more can go in. */
			g_byte_array_set_size(a->pending_in, 0);
			a->input_done = TRUE;
		} else if (n > 0) {
			g_byte_array_remove_range(a->pending_in, 0, (guint)n);
			if (a->pending_in->len == 0 && a->input_done)
				(void)shutdown(a->sock, SHUT_WR);
		}
	}
	if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
		gssize n = recv(a->sock, buf, sizeof buf, MSG_DONTWAIT);

		if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNRESET) {
			vigil_throw_errno(&error, "read the attach socket");
			finish(a, error);
			return G_SOURCE_REMOVE;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			/* The container (or session) ended: its output is all here. */
			finish(a, NULL);
			return G_SOURCE_REMOVE;
		}
		if (n > 1 && buf[0] == VIGIL_STREAM_STDOUT && a->streams.attach_output)
			a->out_fd = a->streams.output_fd;
		else if (n > 1 && buf[0] == VIGIL_STREAM_STDERR && a->streams.attach_error)
			a->out_fd = a->streams.error_fd;
		else
			a->out_fd = -1;
		if (a->out_fd >= 0) {
			g_byte_array_set_size(a->out, 0);
			g_byte_array_append(a->out, buf + 1, (guint)n - 1);
			a->out_done = 0;
		}
	}
	update(a);
	return G_SOURCE_CONTINUE;
}

static gboolean on_out(int fd, GIOCondition cond, gpointer data)
{
	AttachStream *a = data;
	gsize len = MIN(a->out->len - a->out_done, PIPE_BUF);
	gssize n = write(a->out_fd, a->out->data + a->out_done, len);

	if (n < 0 && errno != EAGAIN && errno != EINTR && errno != EPIPE) {
		GError *error = NULL;

		vigil_throw_errno(&error, "write the container's output");
		finish(a, error);
		return G_SOURCE_REMOVE;
	}
	/* The local reader went away (a closed pipe): keep draining, the container decides. */
	if (n < 0 && errno == EPIPE)
		a->out_done = a->out->len;
	else if (n > 0)
		a->out_done += (gsize)n;
	if (a->out_done == a->out->len)
		g_byte_array_set_size(a->out, 0);
	update(a);
	return G_SOURCE_CONTINUE;
}

static void end_input(AttachStream *a)
{
	a->input_done = TRUE;
	if (a->pending_in->len == 0)
		(void)shutdown(a->sock, SHUT_WR);
}

static gboolean on_input(int fd, GIOCondition cond, gpointer data)
{
	AttachStream *a = data;
	guint8 buf[8192];
	gssize n = fd_read_once(a->streams.input_fd, buf, sizeof buf);

	if (n == -EAGAIN || n == -EINTR)
		return G_SOURCE_CONTINUE;
	if (n < 0 && n != -EIO) {
		GError *error = NULL;

		vigil_throw_errsv(&error, (int)-n, "read the local input");
		finish(a, error);
		return G_SOURCE_REMOVE;
	}
	if (n <= 0) {
		/* A trailing ctrl-p (say) was only held back in case ctrl-q followed. */
		detach_keys_flush(&a->keys, a->pending_in);
		end_input(a);
	} else if (detach_keys_feed(&a->keys, buf, (gsize)n, a->pending_in)) {
		a->detached = TRUE;
		finish(a, NULL);
		return G_SOURCE_REMOVE;
	}
	update(a);
	return G_SOURCE_CONTINUE;
}

static gboolean on_notify(int fd, GIOCondition cond, gpointer data)
{
	AttachStream *a = data;
	/* A signalfd needs a buffer of at least one siginfo (128 bytes); one read per wakeup,
	 * so a blocking fd is never read when empty. */
	char drain[512];
	gssize n = fd_read_once(fd, drain, sizeof drain);

	(void)n;
	attach_resize_from_tty(a->dir, a->resize.tty_fd);
	return G_SOURCE_CONTINUE;
}

/* What to watch now: the socket for output only while nothing waits to be written out, and
 * for writing while input waits; the input only while none waits to go in. */
static void update(AttachStream *a)
{
	gboolean writing = a->out->len > 0;
	GIOCondition sock = (writing ? 0 : G_IO_IN | G_IO_HUP | G_IO_ERR) |
			    (a->pending_in->len > 0 ? G_IO_OUT : 0);
	gboolean want_input = a->streams.attach_input && !a->input_done && a->pending_in->len == 0;

	watch(a, &a->sock_watch, a->sock, sock, on_sock);
	watch(a, &a->out_watch, a->out_fd, writing ? G_IO_OUT | G_IO_ERR : 0, on_out);
	watch(a, &a->in_watch, a->streams.input_fd, want_input ? G_IO_IN | G_IO_HUP | G_IO_ERR : 0,
	      on_input);
	watch(a, &a->notify_watch, a->has_resize ? a->resize.notify_fd : -1, G_IO_IN, on_notify);
}

AttachStream *attach_stream_start(GMainContext *ctx, int sock, const char *dir,
				  const VigilAttachStreams *streams, const DetachKeys *keys,
				  const VigilResizeSource *resize, AttachStreamDone done,
				  gpointer user_data)
{
	AttachStream *a = g_new0(AttachStream, 1);

	a->ctx = g_main_context_ref(ctx);
	a->sock = sock;
	(void)fd_set_nonblock(sock, TRUE);
	a->dir = g_strdup(dir);
	a->streams = *streams;
	a->keys = *keys;
	a->has_resize = resize != NULL;
	if (resize != NULL)
		a->resize = *resize;
	a->pending_in = g_byte_array_new();
	a->out = g_byte_array_new();
	a->out_fd = -1;
	a->done = done;
	a->user_data = user_data;
	if (resize != NULL)
		attach_resize_from_tty(dir, resize->tty_fd);
	update(a);
	return a;
}

void attach_stream_detach(AttachStream *a)
{
	if (a->finished)
		return;
	a->detached = TRUE;
	finish(a, NULL);
}

void attach_stream_free(AttachStream *a)
{
	if (a == NULL)
		return;
	unwatch(&a->sock_watch);
	unwatch(&a->in_watch);
	unwatch(&a->out_watch);
	unwatch(&a->notify_watch);
	if (a->done_source != NULL) {
		g_source_destroy(a->done_source);
		g_source_unref(a->done_source);
	}
	g_clear_error(&a->error);
	vigil_clear_fd(&a->sock);
	g_byte_array_unref(a->pending_in);
	g_byte_array_unref(a->out);
	g_free(a->dir);
	g_main_context_unref(a->ctx);
	g_free(a);
}
