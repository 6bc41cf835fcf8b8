/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

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

/* Records of files (in order) at or after since_ns, as a GPtrArray of LogsRecord; with
 * tail >= 0 only those of the last tail lines. *out_consumed (optional): the bytes of the
 * last file read, up to its last complete line (where following continues). */
GPtrArray *logs_collect(LogsFormat format, GPtrArray *files, gint64 since_ns, gint64 tail,
			gint64 *out_consumed);

/* Write r to the options' fds. The first record of a line gets the timestamp prefix. */
gboolean logs_write_record(const LogsRecord *r, const VigilLogsOptions *o, gboolean *at_line_start,
			   GError **error);
