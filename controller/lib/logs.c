/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "logs.h"

#include <errno.h>
#include <string.h>

#include "attach_proto.h"
#include "error_util.h"
#include "fdutil.h"
#include "json_log.h"
#include "k8s_log.h"

void logs_record_free(LogsRecord *r)
{
	if (r == NULL)
		return;
	g_bytes_unref(r->content);
	g_free(r);
}

LogsRecord *logs_parse_line(LogsFormat format, const char *line, gsize len, GError **error)
{
	LogsRecord *r;

	if (format == LOGS_FORMAT_K8S_FILE) {
		K8sLogRecord k;
		if (!k8s_log_parse_record(line, len, &k, error))
			return NULL;
		r = g_new0(LogsRecord, 1);
		r->time_ns = k.time_ns;
		r->stream = k.stream;
		r->partial = k.partial;
		/* A full record's '\n' is the line's own. */
		GByteArray *b = g_byte_array_sized_new((guint)k.content_len + 1);
		g_byte_array_append(b, (const guint8 *)k.content, (guint)k.content_len);
		if (!k.partial)
			g_byte_array_append(b, (const guint8 *)"\n", 1);
		r->content = g_byte_array_free_to_bytes(b);
		return r;
	}
	JsonLogRecord j = { 0 };
	if (!json_log_parse_record(line, len, &j, error)) {
		json_log_record_clear(&j);
		return NULL;
	}
	r = g_new0(LogsRecord, 1);
	r->time_ns = j.time_ns;
	r->stream = j.stream;
	r->partial = j.partial;
	r->content = g_bytes_new(j.log->str, j.log->len);
	json_log_record_clear(&j);
	return r;
}

GPtrArray *logs_files(const char *path)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	int n = 0;

	/* The monitor's rotation keeps <path>.1 (newest) .. <path>.N (oldest). */
	for (;;) {
		g_autofree char *p = g_strdup_printf("%s.%d", path, n + 1);
		if (!g_file_test(p, G_FILE_TEST_IS_REGULAR))
			break;
		n++;
	}
	for (int i = n; i >= 1; i--)
		g_ptr_array_add(files, g_strdup_printf("%s.%d", path, i));
	g_ptr_array_add(files, g_strdup(path));
	return files;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LogLines, log_lines_clear)

/* The record of one line if it is shown (a record at or after since), else NULL. */
static LogsRecord *shown_record(const LogsQuery *q, const char *line, gsize len)
{
	LogsRecord *r = logs_parse_line(q->format, line, len, NULL);

	if (r != NULL && r->time_ns < q->since_ns)
		g_clear_pointer(&r, logs_record_free);
	return r;
}

/*
 * Where the last q->tail lines start (*file, *offset), walking back from the end: a record
 * ends a line unless partial, and the last record shown ends one even when partial (a line
 * still being written counts). Everything, from the first file's start, when there are fewer.
 */
static gboolean find_tail_start(const LogsQuery *q, const LogFile *files, guint n, guint *file,
				gint64 *offset, GError **error)
{
	gint64 lines = 0;
	gboolean last = TRUE;

	*file = 0;
	*offset = 0;
	for (guint i = n; i-- > 0;) {
		g_auto(LogLines) it = { 0 };
		const char *line;
		gsize len;
		gint64 at;
		LogLinesResult res;

		log_lines_init_backward(&it, &files[i], q->block, q->stats);
		while ((res = log_lines_next(&it, &line, &len, &at, error)) == LOG_LINES_LINE) {
			LogsRecord *r = shown_record(q, line, len);
			gboolean ends_line = r != NULL && (!r->partial || last);
			if (r != NULL)
				last = FALSE;
			logs_record_free(r);
			if (ends_line && lines++ == q->tail) {
				*file = i;
				*offset = at + (gint64)len;
				return TRUE;
			}
		}
		if (res == LOG_LINES_ERROR)
			return FALSE;
	}
	return TRUE;
}

/* Every record shown of file from offset on, to sink; *consumed: where its last line ends. */
static gboolean read_forward(const LogsQuery *q, const LogFile *file, gint64 offset, LogsSink sink,
			     gpointer data, gint64 *consumed, GError **error)
{
	g_auto(LogLines) it = { 0 };
	const char *line;
	gsize len;
	gint64 at;
	LogLinesResult res;

	*consumed = offset;
	log_lines_init_forward(&it, file, offset, q->block, q->stats);
	while ((res = log_lines_next(&it, &line, &len, &at, error)) == LOG_LINES_LINE) {
		LogsRecord *r = shown_record(q, line, len);
		gboolean ok = r == NULL || sink(r, data, error);
		logs_record_free(r);
		if (!ok)
			return FALSE;
		*consumed = at + (gint64)len;
	}
	return res == LOG_LINES_END;
}

gboolean logs_read(const LogsQuery *q, GPtrArray *paths, LogsSink sink, gpointer data,
		   gint64 *out_consumed, GError **error)
{
	g_autoptr(GArray) files = g_array_sized_new(FALSE, TRUE, sizeof(LogFile), paths->len);
	guint first = 0;
	gint64 offset = 0, consumed = 0;

	g_array_set_clear_func(files, (GDestroyNotify)log_file_close);
	/* All opened before reading: a rotation meanwhile renames them, it does not change
	 * what they hold. */
	g_array_set_size(files, paths->len);
	for (guint i = 0; i < paths->len; i++)
		log_file_open(&g_array_index(files, LogFile, i), g_ptr_array_index(paths, i));
	if (q->tail >= 0 && !find_tail_start(q, (const LogFile *)(const void *)files->data,
					     files->len, &first, &offset, error))
		return FALSE;
	for (guint i = first; i < files->len; i++) {
		if (!read_forward(q, &g_array_index(files, LogFile, i), i == first ? offset : 0,
				  sink, data, &consumed, error))
			return FALSE;
	}
	if (out_consumed != NULL)
		*out_consumed = consumed;
	return TRUE;
}

gboolean logs_write_record(const LogsRecord *r, const VigilLogsOptions *o, gboolean *at_line_start,
			   GError **error)
{
	int fd = r->stream == VIGIL_STREAM_STDERR ? o->error_fd : o->output_fd;
	gsize len;
	const char *data = g_bytes_get_data(r->content, &len);
	int ret;

	if (o->timestamps && *at_line_start) {
		char ts[JSON_LOG_TIME_MAX + 1];
		JsonLogClock clock = { 0 };
		struct timespec t = { r->time_ns / 1000000000, r->time_ns % 1000000000 };
		gsize n = json_log_format_time(&clock, &t, ts);
		ts[n++] = ' ';
		ret = fd_write_all_blocking(fd, ts, n);
		if (ret < 0)
			return vigil_throw_errsv(error, -ret, "write the log");
	}
	ret = fd_write_all_blocking(fd, data, len);
	if (ret < 0)
		return vigil_throw_errsv(error, -ret, "write the log");
	*at_line_start = !r->partial;
	return TRUE;
}
