/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <time.h>

#include <glib.h>

#include "log_driver.h"
#include "log_file.h"
#include "log_lines.h"

/*
 * What the file drivers (k8s-file, json-file) share: container output split into records by
 * LogLines, every record of a chunk stamped with the chunk's time, and written to one
 * LogFile in one batch per chunk. A driver embeds a LineFile as its first member, uses the
 * line_file_* functions as its LogDriverOps, and brings its own time format and record
 * format (the LogLines emit callback, called with the LineFile as user_data; lf->time is the
 * current chunk's time).
 */
typedef struct _LineFile LineFile;

/* Longest formatted time, NUL included (K8S_LOG_TIME_MAX, JSON_LOG_TIME_MAX fit). */
#define LINE_FILE_TIME_MAX 40

/* now in the driver's format into buf (LINE_FILE_TIME_MAX bytes); returns the length. */
typedef gsize (*LineFileFormatTime)(LineFile *lf, const struct timespec *now, char *buf);

struct _LineFile {
	LogDriver base;
	LogFile *file;
	LogLines lines;
	LineFileFormatTime format_time;
	char time[LINE_FILE_TIME_MAX];
	gsize time_len;
};

/* Open path with the command line's size limits and rotation (docs/conmon-contract.md,
 * "Log size and rotation"). */
gboolean line_file_init(LineFile *lf, const LogDriverOps *ops, const LogConfig *cfg,
			const char *path, gsize line_max, LineFileFormatTime format_time,
			LogLinesEmit emit, GError **error);
void line_file_clear(LineFile *lf);

void line_file_write(LogDriver *driver, int stream, const char *buf, gsize len,
		     const struct timespec *now);
gint64 line_file_pending_since(LogDriver *driver);
void line_file_flush_pending(LogDriver *driver, const struct timespec *now, gint64 started_before);
void line_file_reopen(LogDriver *driver, const struct timespec *now);
void line_file_flush(LogDriver *driver, const struct timespec *now, gboolean sync);
void line_file_stats(LogDriver *driver, LogStats *sum);
