/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

#include "log_reader.h"

/*
 * Reading a container's log file back (podman logs): k8s-file or json-file records, rotated
 * files (<path>.N ... <path>.1, oldest first) before the current one, --tail counted in
 * lines (a line may span several partial records), --since by record time, --follow through
 * rotations until the container's exit file appears.
 */

typedef enum {
	LOGS_FORMAT_K8S_FILE,
	LOGS_FORMAT_JSON_FILE,
} LogsFormat;

/* One record, normalised: content includes the line's '\n' unless partial. */
typedef struct {
	gint64 time_ns;
	int stream; /* VIGIL_STREAM_STDOUT / _STDERR */
	gboolean partial;
	GBytes *content;
} LogsRecord;

void logs_record_free(LogsRecord *r);

/* Parse one line of a log file. NULL (and error) if it is not a record. */
LogsRecord *logs_parse_line(LogsFormat format, const char *line, gsize len, GError **error);

/* The files to read for path, oldest first (rotated backups, then path itself). */
GPtrArray *logs_files(const char *path);

/* Which records of a log to show. */
typedef struct {
	LogsFormat format;
	gint64 since_ns;     /* records before this time are left out */
	gint64 tail;         /* >= 0: only the last tail lines; -1: all */
	gsize block;         /* read size; 0: LOG_READER_BLOCK */
	LogReadStats *stats; /* optional */
} LogsQuery;

/* Takes each record shown, in order; the record is freed after the call. */
typedef gboolean (*LogsSink)(const LogsRecord *r, gpointer data, GError **error);

/* Records of files (in order) at or after since_ns, to sink; with tail >= 0 only those of
 * the last tail lines, found by reading backward from the end, so the cost of --tail is what
 * it shows, not the log's size. Memory holds a block and a line, never a file.
 * *out_consumed (optional): the bytes of the last file, up to its last complete line (where
 * following continues). A missing file reads as empty. */
gboolean logs_read(const LogsQuery *q, GPtrArray *files, LogsSink sink, gpointer data,
		   gint64 *out_consumed, GError **error);

/* Write r to the options' fds. The first record of a line gets the timestamp prefix. */
gboolean logs_write_record(const LogsRecord *r, const VigilLogsOptions *o, gboolean *at_line_start,
			   GError **error);
