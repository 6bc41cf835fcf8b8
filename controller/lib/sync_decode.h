/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The monitor's messages on _OCI_SYNCPIPE and _OCI_ATTACHPIPE (docs/conmon-contract.md,
 * "Sync pipe messages"): one JSON object per line, {"data": N} or {"data": N, "message": "..."}
 * (legacy monitors key it "pid" or "exit_code"). Negative N is a failure whose message is the
 * runtime's stderr.
 */

/* Decode one line (with or without its '\n'). EPROTO if it is not that shape. message is
 * NULL when absent. */
gboolean sync_decode(const char *line, gsize len, int *out_value, char **out_message,
		     GError **error);

typedef struct _SyncReader SyncReader;

/* Reads lines from fd (a socketpair end or a pipe); takes ownership of fd. */
SyncReader *sync_reader_new(int fd);
void sync_reader_free(SyncReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SyncReader, sync_reader_free)

/* The fd to watch for readability before sync_reader_try() (owned by r). */
int sync_reader_get_fd(SyncReader *r);

typedef enum {
	SYNC_READ_MESSAGE, /* *out_value (and *out_message) are the next message */
	SYNC_READ_AGAIN,   /* no whole message yet: try again once the fd is readable */
	SYNC_READ_ERROR,   /* error is set: EPIPE, EPROTO, or the read's errno */
} SyncRead;

/* The next message if it has arrived, without waiting (for a main loop's fd source). */
SyncRead sync_reader_try(SyncReader *r, int *out_value, char **out_message, GError **error);

/*
 * The next message, waiting until deadline (monotonic µs, < 0 = forever). EPIPE if the
 * monitor closed its end first (it died, or exited without a second message), ETIMEDOUT,
 * EPROTO for garbage.
 */
gboolean sync_reader_next(SyncReader *r, gint64 deadline, int *out_value, char **out_message,
			  GError **error);
