/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Splitting container output into records, shared by every driver that writes lines.
 *
 * conmon writes one record per line and one partial record ("P") for the fragment at the end
 * of every read, so a line that arrives in several reads becomes several records, and a
 * prompt without a newline becomes a record of its own (docs/logging.md,
 * "Partial lines: the decision"). Here a stream's trailing fragment is held back and merged with
 * what follows, as long as:
 * - the held fragment plus the new one fit in max bytes (otherwise both go out as one
 *   partial record: memory stays bounded, nothing is reordered);
 * - the other stream has nothing to write (its records would otherwise interleave with the
 *   pieces of this line ambiguously: podman joins consecutive partial records, whatever the
 *   stream, so the fragment goes out first);
 * - the caller does not flush it (a one-shot timer so a prompt is not held indefinitely,
 *   reopen/rotation, container exit).
 * A flushed fragment is a partial record, exactly as conmon would have written it: no byte
 * is added, so what `podman logs` prints is unchanged; there are just fewer records.
 */

/* One record: head (held bytes, valid only during the call) then body (the caller's chunk).
 * partial: not the end of a line (body does not end with '\n'). */
typedef void (*LogLinesEmit)(gpointer user_data, int stream, const char *head, gsize head_len,
			     const char *body, gsize body_len, gboolean partial);

typedef struct {
	GString *pending[2];     /* [0] stdout, [1] stderr; NULL when never needed */
	gint64 pending_since[2]; /* monotonic µs the held fragment started, 0 = none */
	gsize max;
	LogLinesEmit emit;
	gpointer user_data;
} LogLines;

void log_lines_init(LogLines *lines, gsize max, LogLinesEmit emit, gpointer user_data);
void log_lines_clear(LogLines *lines);

/* A chunk of one stream (VIGIL_STREAM_STDOUT/STDERR): emits every record it completes. */
void log_lines_feed(LogLines *lines, int stream, const char *buf, gsize len);

/* Emit held fragments that started before started_before (monotonic µs; G_MAXINT64 = all) as
 * partial records. */
void log_lines_flush(LogLines *lines, gint64 started_before);

/* When the oldest held fragment started (monotonic µs), or 0 if nothing is held. */
gint64 log_lines_pending_since(const LogLines *lines);
