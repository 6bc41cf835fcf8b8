/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "json_log.h"
#include "line_file.h"

/*
 * json-file: Docker's format (common/json_log.h), one JSON object per line, for tools that
 * read Docker logs (conmon#37). Same batching, limits, rotation and line merging as k8s-file;
 * a line fragment is a record whose "log" does not end in "\n", as in Docker.
 */

/* Default as k8s-file's (--log-line-max): one pipe read; Docker itself splits at 16 KiB. */
#define JSON_FILE_LINE_MAX (64 * 1024)
/* Scratch buffers above this are given back after a long record. */
#define JSON_FILE_KEEP_ALLOC (256 * 1024)

typedef struct {
	LineFile lf;
	JsonLogClock clock;
	GString *record; /* one formatted record */
	GString *joined; /* held fragment + its continuation, so UTF-8 split across reads
			  * is escaped as the character it is */
} JsonFile;

G_STATIC_ASSERT(JSON_LOG_TIME_MAX <= LINE_FILE_TIME_MAX);

static gsize json_format_time(LineFile *lf, const struct timespec *now, char *buf)
{
	return json_log_format_time(&((JsonFile *)lf)->clock, now, buf);
}

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
	json_log_append_record(j->record, log, len, stream, j->lf.time, j->lf.time_len);
	if (log_file_begin_record(j->lf.file, j->record->len))
		log_file_append(j->lf.file, j->record->str, j->record->len, FALSE);
	shrink(&j->joined);
	shrink(&j->record);
}

static void json_free(LogDriver *driver)
{
	JsonFile *j = (JsonFile *)driver;

	line_file_clear(&j->lf);
	g_string_free(j->record, TRUE);
	g_string_free(j->joined, TRUE);
	g_free(j);
}

static const LogDriverOps json_ops = {
	.write = line_file_write,
	.pending_since = line_file_pending_since,
	.flush_pending = line_file_flush_pending,
	.reopen = line_file_reopen,
	.flush = line_file_flush,
	.free = json_free,
	.stats = line_file_stats,
};

LogDriver *json_file_driver_new(const LogConfig *cfg, const char *path, GError **error)
{
	g_autofree JsonFile *j = g_new0(JsonFile, 1);

	if (!line_file_init(&j->lf, &json_ops, cfg, path,
			    log_driver_line_max(cfg, JSON_FILE_LINE_MAX), json_format_time,
			    json_emit, error))
		return NULL;
	j->record = g_string_new(NULL);
	j->joined = g_string_new(NULL);
	return &g_steal_pointer(&j)->lf.base;
}
