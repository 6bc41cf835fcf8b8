/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "streams.h"

/*
 * Attach clients' input on its way to the container's stdin (the -i pipe or the PTY), with
 * back-pressure (docs/conmon-contract.md, "Attach input and EOF"): what stdin cannot take now is
 * kept and written when it can, and while anything is kept attach_server.c reads no client, so
 * input arrives in order and the monitor holds at most one client message. Also the EOF rules of
 * docs/conmon-contract.md, "Attach input and EOF".
 */
typedef struct _AttachStdin AttachStdin;

/* Everything kept was written (or dropped): clients may be read again. */
typedef void (*AttachStdinDrainedFunc)(gpointer user_data);

/* The container's stdin, from the command line. */
typedef struct {
	gboolean terminal;         /* -t: stdin is the PTY, never closed */
	gboolean stdin_;           /* -i: a pipe, closed on a client's EOF ... */
	gboolean leave_stdin_open; /* ... unless --leave-stdin-open */
} AttachStdinConfig;

AttachStdin *attach_stdin_new(GMainContext *ctx, const AttachStdinConfig *cfg, Streams *streams,
			      AttachStdinDrainedFunc on_drained, gpointer user_data);

/* Bytes from a client. Dropped when there is no stdin (neither -i nor -t) or it is closed. */
void attach_stdin_write(AttachStdin *in, const char *buf, gsize len);

/* A client's input ended: close stdin after what is kept, if -i without --leave-stdin-open. */
void attach_stdin_client_eof(AttachStdin *in);

/* Input is kept: read no client until on_drained. */
gboolean attach_stdin_busy(AttachStdin *in);

/* Stdin may exist now (the PTY arrived): write what was kept for it. */
void attach_stdin_retry(AttachStdin *in);

/* No more writing (the container exited); what is kept is dropped. */
void attach_stdin_stop(AttachStdin *in);

void attach_stdin_free(AttachStdin *in);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AttachStdin, attach_stdin_free)
