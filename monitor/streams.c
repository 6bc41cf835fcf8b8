/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "streams.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "attach_proto.h"
#include "error_util.h"
#include "fdutil.h"
#include "source.h"

/*
 * One read takes up to this much. Large reads are what make logging cheap (fewer wakeups,
 * fewer records, one write per batch); attach clients still get <= 8192-byte messages.
 */
#define STREAMS_READ_BUF (64 * 1024)
/* Room for a burst from the container while the monitor is busy writing logs. */
#define STREAMS_PIPE_SIZE (1024 * 1024)
/*
 * A drain reads at most this many times per stream. What was written before the drain is at
 * the front of the pipe and comes in full reads, 16 for our pipe's 1 MiB; the bound is for a
 * writer that outlived the container (a daemon an exec session left behind, writing to the
 * session's stdout), which would otherwise keep the exit file waiting as long as it writes.
 */
#define STREAMS_DRAIN_READS (4 * STREAMS_PIPE_SIZE / STREAMS_READ_BUF)

typedef struct {
	Streams *owner;
	int stream;
	int fd;
	gboolean is_pty;
	GSource *source;
	gboolean paused; /* watched, but not while output is paused */
	guint64 bytes_read;
} OutStream;

struct _Streams {
	GMainContext *ctx;
	gboolean terminal;
	StreamsOutputFunc on_output;
	gpointer user_data;

	OutStream out[2]; /* [0] stdout (or PTY: out[0].is_pty), [1] stderr */
	int child_fds[3];
	int stdin_fd;         /* the -i pipe, or a dup of the PTY master */
	gboolean has_winsize; /* a size asked for before the PTY arrived */
	struct winsize winsize;
	gboolean started;
	gboolean output_paused;
	char *buf;
};

static gboolean make_pipe(int *out_read, int *out_write, GError **error)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return vigil_throw_errno(error, "pipe");
	*out_read = p[0];
	*out_write = p[1];
	/* Best effort: a bigger pipe lets the container burst while we write logs. */
	(void)fcntl(p[0], F_SETPIPE_SZ, STREAMS_PIPE_SIZE);
	return TRUE;
}

Streams *streams_new(GMainContext *ctx, gboolean terminal, gboolean want_stdin,
		     StreamsOutputFunc on_output, gpointer user_data, GError **error)
{
	g_autoptr(Streams) s = g_new0(Streams, 1);

	s->ctx = ctx;
	s->terminal = terminal;
	s->on_output = on_output;
	s->user_data = user_data;
	s->stdin_fd = -1;
	for (int i = 0; i < 3; i++)
		s->child_fds[i] = -1;
	for (int i = 0; i < 2; i++) {
		s->out[i].owner = s;
		s->out[i].stream = i == 0 ? VIGIL_STREAM_STDOUT : VIGIL_STREAM_STDERR;
		s->out[i].fd = -1;
	}

	/* A terminal's output arrives on the PTY master later; stderr always has a pipe, since
	 * the runtime writes its own errors there. */
	if (!terminal) {
		if (!make_pipe(&s->out[0].fd, &s->child_fds[1], error))
			return NULL;
		if (want_stdin) {
			if (!make_pipe(&s->child_fds[0], &s->stdin_fd, error))
				return NULL;
			(void)fd_set_nonblock(s->stdin_fd, TRUE);
		}
	}
	if (!make_pipe(&s->out[1].fd, &s->child_fds[2], error))
		return NULL;
	for (int i = 0; i < 2; i++) {
		if (s->out[i].fd >= 0)
			(void)fd_set_nonblock(s->out[i].fd, TRUE);
	}
	s->buf = g_malloc(STREAMS_READ_BUF);
	return g_steal_pointer(&s);
}

void streams_child_fds(Streams *streams, int out_fds[3])
{
	for (int i = 0; i < 3; i++)
		out_fds[i] = streams->child_fds[i];
}

void streams_close_child_ends(Streams *streams)
{
	for (int i = 0; i < 3; i++)
		vigil_clear_fd(&streams->child_fds[i]);
}

static void out_stream_close(OutStream *o)
{
	source_drop(&o->source);
	vigil_clear_fd(&o->fd);
}

typedef enum {
	READ_MORE,    /* got data: more may be waiting */
	READ_EMPTY,   /* EAGAIN: nothing more for now */
	READ_FINISHED /* EOF or error: the stream is closed */
} ReadResult;

static ReadResult out_stream_read(OutStream *o)
{
	Streams *s = o->owner;

	if (o->fd < 0)
		return READ_FINISHED;
	gssize n = fd_read_once(o->fd, s->buf, STREAMS_READ_BUF);
	if (n > 0) {
		o->bytes_read += (guint64)n;
		s->on_output(o->stream, s->buf, (gsize)n, s->user_data);
		return READ_MORE;
	}
	if (n == -EAGAIN)
		return READ_EMPTY;
	/* 0 = EOF; EIO on a PTY master = the last slave closed (conmon: EOF). */
	if (n < 0 && !(o->is_pty && n == -EIO))
		g_warning("read container %s: %s",
			  o->stream == VIGIL_STREAM_STDOUT ? "stdout" : "stderr",
			  g_strerror((int)-n));
	out_stream_close(o);
	return READ_FINISHED;
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	OutStream *o = data;

	if (!(cond & G_IO_IN) && o->is_pty) {
		/* HUP without data on a PTY: no slave is open right now. Stop watching instead of
		 * spinning (conmon polls every 100 ms); the final drain still reads what is left.
		 */
		g_clear_pointer(&o->source, g_source_unref);
		return G_SOURCE_REMOVE;
	}
	/* One read per wakeup keeps the streams fair; on HUP/ERR of a pipe read to EOF. */
	ReadResult r;
	do
		r = out_stream_read(o);
	while (r == READ_MORE && !(cond & G_IO_IN) && !o->paused);
	if (r != READ_FINISHED)
		return G_SOURCE_CONTINUE;
	/* out_stream_close() already destroyed and dropped our source. */
	return G_SOURCE_REMOVE;
}

static void out_stream_watch(Streams *s, OutStream *o)
{
	if (o->fd < 0 || o->source != NULL)
		return;
	if (s->output_paused) {
		o->paused = TRUE;
		return;
	}
	o->source = g_unix_fd_source_new(o->fd, G_IO_IN);
	g_source_set_callback(o->source, G_SOURCE_FUNC(on_readable), o, NULL);
	g_source_set_static_name(o->source, o->stream == VIGIL_STREAM_STDOUT ? "vigil-stdout"
									     : "vigil-stderr");
	g_source_attach(o->source, s->ctx);
}

void streams_start(Streams *streams)
{
	streams->started = TRUE;
	for (int i = 0; i < 2; i++)
		out_stream_watch(streams, &streams->out[i]);
}

void streams_set_pty(Streams *streams, int master)
{
	g_return_if_fail(streams->terminal && streams->out[0].fd < 0);

	(void)fd_set_nonblock(master, TRUE);
	streams->out[0].fd = master;
	streams->out[0].is_pty = TRUE;
	/* A second fd for input, so closing either direction never pulls the other. */
	streams->stdin_fd = fd_dup_cloexec(master);
	if (streams->stdin_fd < 0) {
		g_warning("dup PTY master: %s, container input and resizes are lost",
			  g_strerror(-streams->stdin_fd));
		streams->stdin_fd = -1;
	}
	if (streams->started)
		out_stream_watch(streams, &streams->out[0]);
	if (streams->has_winsize && ioctl(master, TIOCSWINSZ, &streams->winsize) < 0)
		g_warning("Failed to set process pty terminal size: %s, ignoring",
			  g_strerror(errno));
}

gboolean streams_has_pty(Streams *streams)
{
	return streams->out[0].is_pty;
}

gboolean streams_resize(Streams *streams, int rows, int cols, GError **error)
{
	if (!streams->terminal)
		return vigil_throw(error, ENOTTY, "the container has no terminal");
	streams->winsize =
		(struct winsize){ .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	streams->has_winsize = TRUE;
	/* A terminal has no -i pipe: stdin_fd is the PTY's once the PTY arrived. */
	if (streams->stdin_fd >= 0 && ioctl(streams->stdin_fd, TIOCSWINSZ, &streams->winsize) < 0)
		return vigil_throw_errno(error, "Failed to set process pty terminal size");
	return TRUE;
}

void streams_pause_output(Streams *streams, gboolean paused)
{
	if (streams->output_paused == paused)
		return;
	streams->output_paused = paused;
	for (int i = 0; i < 2; i++) {
		OutStream *o = &streams->out[i];
		if (paused && o->source != NULL) {
			source_drop(&o->source);
			o->paused = TRUE;
		} else if (!paused && o->paused) {
			o->paused = FALSE;
			out_stream_watch(streams, o);
		}
	}
}

void streams_drain(Streams *streams, int stream)
{
	for (int i = 0; i < 2; i++) {
		OutStream *o = &streams->out[i];
		if (stream != 0 && o->stream != stream)
			continue;
		for (int n = 0; n < STREAMS_DRAIN_READS && out_stream_read(o) == READ_MORE; n++)
			;
	}
}

void streams_stop_output(Streams *streams)
{
	for (int i = 0; i < 2; i++)
		out_stream_close(&streams->out[i]);
}

guint64 streams_bytes_read(Streams *streams, int stream)
{
	guint64 n = 0;

	for (int i = 0; i < 2; i++) {
		if (streams->out[i].stream == stream)
			n += streams->out[i].bytes_read;
	}
	return n;
}

int streams_stdin_fd(Streams *streams)
{
	return streams->stdin_fd;
}

void streams_close_stdin(Streams *streams)
{
	if (streams->out[0].is_pty)
		return;
	vigil_clear_fd(&streams->stdin_fd);
}

void streams_free(Streams *streams)
{
	if (streams == NULL)
		return;
	for (int i = 0; i < 2; i++)
		out_stream_close(&streams->out[i]);
	streams_close_child_ends(streams);
	vigil_clear_fd(&streams->stdin_fd);
	g_free(streams->buf);
	g_free(streams);
}
