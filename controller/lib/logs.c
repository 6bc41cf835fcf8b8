/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "logs.h"

#include <errno.h>
#include <string.h>

#include "attach_proto.h"
#include "error.h"
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

/* Records of path's complete lines; returns the bytes they take. */
static gint64 collect_file(LogsFormat format, const char *path, gint64 since_ns, GPtrArray *out)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	const char *p, *end;

	if (!g_file_get_contents(path, &text, &len, NULL))
		return 0;
	for (p = text, end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		/* An unterminated last line is still being written. */
		if (nl == NULL)
			break;
		LogsRecord *r = logs_parse_line(format, p, (gsize)(nl - p) + 1, NULL);
		if (r != NULL && r->time_ns >= since_ns)
			g_ptr_array_add(out, r);
		else
			logs_record_free(r);
		p = nl + 1;
	}
	return p - text;
}

GPtrArray *logs_collect(LogsFormat format, GPtrArray *files, gint64 since_ns, gint64 tail,
			gint64 *out_consumed)
{
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)logs_record_free);
	gint64 lines = 0, consumed = 0;
	guint start;

	for (guint i = 0; i < files->len; i++)
		consumed = collect_file(format, g_ptr_array_index(files, i), since_ns, records);
	if (out_consumed != NULL)
		*out_consumed = consumed;
	if (tail < 0)
		return records;
	/* Walk back over complete lines; a trailing partial line counts as one. */
	for (start = records->len; start > 0; start--) {
		LogsRecord *r = g_ptr_array_index(records, start - 1);
		gboolean ends_line = !r->partial || start == records->len;
		if (ends_line && lines++ == tail)
			break;
	}
	g_ptr_array_remove_range(records, 0, start);
	return records;
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
