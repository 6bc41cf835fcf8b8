/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_stdin.h"

#include <errno.h>

#include <glib-unix.h>

#include "fdutil.h"
#include "source.h"

struct _AttachStdin {
	GMainContext *ctx;
	Streams *streams;
	AttachStdinDrainedFunc on_drained;
	gpointer user_data;
	gboolean has_stdin;    /* -i or -t: input goes somewhere */
	gboolean terminal;     /* stdin is the PTY, which a detach never closes */
	gboolean close_on_eof; /* -i without --leave-stdin-open */
	gboolean gone;         /* closed or broken: input is dropped */
	gboolean stopped;
	GByteArray *pending;  /* what stdin could not take yet */
	gboolean close_after; /* a client's EOF waits for pending to be written */
	GSource *source;      /* G_IO_OUT on stdin, only while something is pending */
};

static void stdin_close(AttachStdin *in)
{
	source_drop(&in->source);
	g_byte_array_set_size(in->pending, 0);
	in->close_after = FALSE;
	/* A PTY stays open: the container would not see EOF anyway, and the next attach needs
	 * it (podman passes -t or -i, never both). */
	if (in->terminal)
		return;
	streams_close_stdin(in->streams);
	in->gone = TRUE;
}

static gboolean on_writable(int fd, GIOCondition cond, gpointer data);

/* Write as much as stdin takes now; TRUE when nothing is left pending. */
static gboolean flush(AttachStdin *in)
{
	int fd = streams_stdin_fd(in->streams);
	gsize written = 0;

	if (in->pending->len == 0)
		return TRUE;
	if (fd < 0)
		return FALSE; /* terminal mode before the PTY: attach_stdin_retry() comes */
	int r = fd_write_all(fd, in->pending->data, in->pending->len, &written);
	g_byte_array_remove_range(in->pending, 0, (guint)written);
	if (r == -EAGAIN) {
		if (in->source == NULL) {
			in->source = g_unix_fd_source_new(fd, G_IO_OUT);
			g_source_set_callback(in->source, G_SOURCE_FUNC(on_writable), in, NULL);
			g_source_set_static_name(in->source, "vigil-attach-stdin");
			g_source_attach(in->source, in->ctx);
		}
		return FALSE;
	}
	source_drop(&in->source);
	if (r < 0) {
		/* EPIPE: the container closed its stdin or exited; nobody will read more. */
		g_info("Failed to write to container stdin: %s, dropping attach input",
		       g_strerror(-r));
		g_byte_array_set_size(in->pending, 0);
		in->gone = !in->terminal;
	}
	if (in->close_after)
		stdin_close(in);
	return TRUE;
}

static gboolean on_writable(int fd, GIOCondition cond, gpointer data)
{
	AttachStdin *in = data;

	if (!flush(in))
		return G_SOURCE_CONTINUE;
	/* flush() dropped the source */
	in->on_drained(in->user_data);
	return G_SOURCE_REMOVE;
}

AttachStdin *attach_stdin_new(GMainContext *ctx, const AttachStdinConfig *cfg, Streams *streams,
			      AttachStdinDrainedFunc on_drained, gpointer user_data)
{
	AttachStdin *in = g_new0(AttachStdin, 1);

	in->ctx = ctx;
	in->streams = streams;
	in->on_drained = on_drained;
	in->user_data = user_data;
	in->terminal = cfg->terminal;
	in->has_stdin = cfg->terminal || cfg->stdin_;
	/* Compat (docs/conmon-contract.md, "Attach input and EOF"): only -i closes stdin on a
	 * client's EOF; -t alone never does. */
	in->close_on_eof = cfg->stdin_ && !cfg->leave_stdin_open;
	in->pending = g_byte_array_new();
	return in;
}

void attach_stdin_write(AttachStdin *in, const char *buf, gsize len)
{
	int fd = streams_stdin_fd(in->streams);
	gsize written = 0;

	/* Without stdin, conmon leaves input unread; it could go nowhere, so we drop it. */
	if (!in->has_stdin || in->gone || in->stopped)
		return;
	/* Straight through when nothing waits before these bytes; only what stdin cannot take
	 * now is copied. A failure is left to flush(), whose write meets it again. */
	if (in->pending->len == 0 && fd >= 0 && fd_write_all(fd, buf, len, &written) == 0)
		return;
	g_byte_array_append(in->pending, (const guint8 *)buf + written, (guint)(len - written));
	(void)flush(in);
}

void attach_stdin_client_eof(AttachStdin *in)
{
	if (in->stopped)
		return;
	if (in->close_on_eof && !in->gone) {
		g_debug("an attach client closed its input: closing container stdin");
		if (in->pending->len > 0)
			in->close_after = TRUE;
		else
			stdin_close(in);
	} else if (in->has_stdin && !in->terminal) {
		g_info("Not closing input");
	}
}

gboolean attach_stdin_busy(AttachStdin *in)
{
	return in->pending->len > 0;
}

void attach_stdin_retry(AttachStdin *in)
{
	if (in->pending->len > 0 && flush(in))
		in->on_drained(in->user_data);
}

void attach_stdin_stop(AttachStdin *in)
{
	in->stopped = TRUE;
	source_drop(&in->source);
	g_byte_array_set_size(in->pending, 0);
}

void attach_stdin_free(AttachStdin *in)
{
	if (in == NULL)
		return;
	source_drop(&in->source);
	g_byte_array_unref(in->pending);
	g_free(in);
}
