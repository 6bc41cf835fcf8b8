/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

#include "detach_keys.h"

/*
 * One attach connection streamed by GSources on a GMainContext, no thread and no blocking
 * call: the monitor's output messages (docs/conmon-contract.md, "Attach socket framing") go to
 * the local output fds, local input goes to the socket through the detach keys, and the
 * resize notification fd sends the terminal's size. Both vigil_runtime_attach() and an
 * attached exec run on it, the blocking calls on a private context of their own.
 *
 * The local fds are the caller's, left in the mode they are in (a terminal or stdout may be
 * shared with other processes): they are only read or written once poll() said so, and at
 * most PIPE_BUF bytes at a time are written, which a pipe that polled writable takes whole.
 * The socket is read only while nothing is left to write, so a slow local reader holds the
 * monitor back as it would a slow attach client, and nothing queues up here.
 */
typedef struct _AttachStream AttachStream;

/* The end: the container's output ended (detached FALSE) or the detach keys were typed (or
 * attach_stream_detach() was called: TRUE); error when the connection or a local fd failed. */
typedef void (*AttachStreamDone)(gboolean detached, GError *error, gpointer user_data);

/*
 * Start streaming sock (taken over: non-blocking, closed by attach_stream_free()) on ctx.
 * dir is where the ctl FIFO is (resizes); streams and resize are copied (resize may be NULL);
 * keys is what detach_keys_parse() gave. The size of resize's terminal is sent at once. done
 * runs once, from a source on ctx.
 */
AttachStream *attach_stream_start(GMainContext *ctx, int sock, const char *dir,
				  const VigilAttachStreams *streams, const DetachKeys *keys,
				  const VigilResizeSource *resize, AttachStreamDone done,
				  gpointer user_data);

/* Leave the connection as the detach keys would (input typed so far still goes in); done
 * runs with detached TRUE, from ctx. Nothing if it has ended already. */
void attach_stream_detach(AttachStream *a);

/* Stop (no done callback from then on) and close the socket. */
void attach_stream_free(AttachStream *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AttachStream, attach_stream_free)
