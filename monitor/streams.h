/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The container's stdio as the monitor holds it: stdout/stderr pipes (or the PTY master in
 * terminal mode), and stdin (the -i pipe's write end, or the PTY master). Output is read
 * in large chunks and handed to one callback; what happens to it (logs, attach clients,
 * the runtime's error text) is the monitor's business.
 */
typedef struct _Streams Streams;

/* stream is VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR (attach_proto.h). */
typedef void (*StreamsOutputFunc)(int stream, const char *buf, gsize len, gpointer user_data);

Streams *streams_new(GMainContext *ctx, gboolean terminal, gboolean want_stdin,
		     StreamsOutputFunc on_output, gpointer user_data, GError **error);

/* The child's ends for fds 0, 1, 2 (-1: /dev/null). Valid until streams_close_child_ends(). */
void streams_child_fds(Streams *streams, int out_fds[3]);
void streams_close_child_ends(Streams *streams);

/* Start watching the output fds. */
void streams_start(Streams *streams);

/* Terminal mode: take ownership of the PTY master received from the runtime. */
void streams_set_pty(Streams *streams, int master);
gboolean streams_has_pty(Streams *streams);
/*
 * Terminal mode: set the PTY's window size. A size asked for before the PTY arrives is applied
 * when it does (podman resizes an exec session before it lets it start; conmon queues such
 * requests in its winsz FIFO until then). ENOTTY without a terminal.
 */
gboolean streams_resize(Streams *streams, int rows, int cols, GError **error);

/*
 * Stop (and resume) reading the container's output: its pipes fill and it waits, as it would
 * on a full terminal. The attach server uses this while a client that keeps reading is far
 * behind. streams_drain() reads regardless.
 */
void streams_pause_output(Streams *streams, gboolean paused);

/* Read everything that is ready now from one stream (0 = all), without blocking: up to
 * four times a full pipe, so a writer that never stops cannot hold it. */
void streams_drain(Streams *streams, int stream);

/* The container is gone and its output drained: close the output fds, so nothing outliving
 * it (a daemon an exec session left behind) is read after the exit was reported. */
void streams_stop_output(Streams *streams);

/* Bytes of the container's output read from one stream so far (a terminal's all count as
 * stdout), for the control socket's stats. */
guint64 streams_bytes_read(Streams *streams, int stream);

/* Where container input goes: the stdin pipe or the PTY master (non-blocking), or -1. */
int streams_stdin_fd(Streams *streams);
/* Close the container's stdin (it sees EOF). A PTY is never closed this way. */
void streams_close_stdin(Streams *streams);

void streams_free(Streams *streams);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Streams, streams_free)
