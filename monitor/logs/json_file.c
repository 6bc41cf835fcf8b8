/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "json_log.h"
#include "log_driver.h"
#include "log_file.h"
#include "log_lines.h"

/*
 * json-file: Docker's format (common/json_log.h), one JSON object per line, for tools that
 * read Docker logs (conmon#37). Same batching, limits, rotation and line merging as k8s-file;
 * a line fragment is a record whose "log" does not end in "\n", as in Docker.
 */

/* As k8s-file: one pipe read; Docker itself splits at 16 KiB. */
#define JSON_FILE_LINE_MAX (64 * 1024)
/* Scratch buffers above this are given back after a long record. */
#define JSON_FILE_KEEP_ALLOC (256 * 1024)

typedef struct {
	LogDriver base;
	LogFile *file;
	LogLines lines;
	JsonLogClock clock;
	char time[JSON_LOG_TIME_MAX];
	gsize time_len;
	GString *record; /* one formatted record */
	GString *joined; /* held fragment + its continuation, so UTF-8 split across reads
			  * is escaped as the character it is */
} JsonFile;

static void shrink(GString **s)
{
	if ((*s)->allocated_len > JSON_FILE_KEEP_ALLOC) {
		g_string_free(*s, TRUE);
		*s = g_string_new(NULL);
	}
}

static void json_emit(gpointer data, int stream, const char *head, gsize head_len, const char *body,
		      gsize body_len, gboolean partial)
{
	JsonFile *j = data;
	const char *log = body;
	gsize len = body_len;

	if (head_len > 0) {
		g_string_truncate(j->joined, 0);
		g_string_append_len(j->joined, head, (gssize)head_len);
		g_string_append_len(j->joined, body, (gssize)body_len);
		log = j->joined->str;
		len = j->joined->len;
	}
	g_string_truncate(j->record, 0);
	json_log_append_record(j->record, log, len, stream, j->time, j->time_len);
	if (log_file_begin_record(j->file, j->record->len))
		log_file_append(j->file, j->record->str, j->record->len, FALSE);
	shrink(&j->joined);
	shrink(&j->record);
}

static void set_time(JsonFile *j, const struct timespec *now)
{
	j->time_len = json_log_format_time(&j->clock, now, j->time);
}

static void json_write(LogDriver *driver, int stream, const char *buf, gsize len,
		       const struct timespec *now)
{
	JsonFile *j = (JsonFile *)driver;

	set_time(j, now);
	log_lines_feed(&j->lines, stream, buf, len);
	log_file_flush(j->file);
}

static gint64 json_pending_since(LogDriver *driver)
{
	return log_lines_pending_since(&((JsonFile *)driver)->lines);
}

static void json_flush_pending(LogDriver *driver, const struct timespec *now, gint64 started_before)
{
	JsonFile *j = (JsonFile *)driver;

	set_time(j, now);
	log_lines_flush(&j->lines, started_before);
	log_file_flush(j->file);
}

static void json_reopen(LogDriver *driver, const struct timespec *now)
{
	json_flush_pending(driver, now, G_MAXINT64);
	log_file_reopen(((JsonFile *)driver)->file);
}

static void json_flush(LogDriver *driver, const struct timespec *now, gboolean sync)
{
	json_flush_pending(driver, now, G_MAXINT64);
	if (sync)
		log_file_sync(((JsonFile *)driver)->file);
}

static void json_free(LogDriver *driver)
{
	JsonFile *j = (JsonFile *)driver;

	log_lines_clear(&j->lines);
	g_clear_pointer(&j->file, log_file_free);
	g_string_free(j->record, TRUE);
	g_string_free(j->joined, TRUE);
	g_free(j);
}

static const LogDriverOps json_ops = {
	.name = "json-file",
	.write = json_write,
	.pending_since = json_pending_since,
	.flush_pending = json_flush_pending,
	.reopen = json_reopen,
	.flush = json_flush,
	.free = json_free,
};

LogDriver *json_file_driver_new(const MonitorConfig *cfg, const char *path, GError **error)
{
	LogFileOptions opts;
	LogFile *file;

	log_driver_file_options(cfg, path, &opts);
	file = log_file_open(&opts, error);
	if (file == NULL)
		return NULL;
	JsonFile *j = g_new0(JsonFile, 1);
	j->base.ops = &json_ops;
	j->file = file;
	j->record = g_string_new(NULL);
	j->joined = g_string_new(NULL);
	log_lines_init(&j->lines, JSON_FILE_LINE_MAX, json_emit, j);
	return &j->base;
}
