/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "attach_proto.h"
#include "fdutil.h"
#include "logs.h"
#include "state_dir.h"

typedef struct {
	char *dir;
	char *log;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("vigil-logs-XXXXXX", NULL);
	f->log = g_build_filename(f->dir, "ctr.log", NULL);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_assert_true(state_dir_remove(f->dir, NULL));
	g_free(f->log);
	g_free(f->dir);
}

static void write_file(const char *path, const char *text)
{
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

#define T(s) "2026-11-29T10:00:0" #s ".000000000+00:00"

/* Three files: .2 (oldest), .1, and the current one; one line spans two records. */
static void write_rotated(Fixture *f)
{
	g_autofree char *one = g_strconcat(f->log, ".1", NULL);
	g_autofree char *two = g_strconcat(f->log, ".2", NULL);

	write_file(two, T(1) " stdout F first\n");
	write_file(one, T(2) " stderr F second\n" T(3) " stdout P thi\n");
	write_file(f->log, T(4) " stdout F rd\n" T(5) " stdout F fourth\n"
						      "garbage line\n" T(6) " stdout P unfinished");
}

/* Run the records through logs_write_record into two files; return out, err. */
static void render(GPtrArray *records, gboolean timestamps, char **out, char **err)
{
	g_autofree char *dir = g_dir_make_tmp("vigil-render-XXXXXX", NULL);
	g_autofree char *o = g_build_filename(dir, "out", NULL);
	g_autofree char *e = g_build_filename(dir, "err", NULL);
	VigilLogsOptions opts = VIGIL_LOGS_OPTIONS_INIT;
	gboolean start = TRUE;

	opts.output_fd = open(o, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	opts.error_fd = open(e, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	opts.timestamps = timestamps;
	for (guint i = 0; i < records->len; i++)
		g_assert_true(
			logs_write_record(g_ptr_array_index(records, i), &opts, &start, NULL));
	close(opts.output_fd);
	close(opts.error_fd);
	g_assert_true(g_file_get_contents(o, out, NULL, NULL));
	g_assert_true(g_file_get_contents(e, err, NULL, NULL));
	g_assert_true(state_dir_remove(dir, NULL));
}

/* logs_read into an array, to look at all the records at once. */
static gboolean collect_record(const LogsRecord *r, gpointer data, GError **error)
{
	LogsRecord *copy = g_new(LogsRecord, 1);

	*copy = *r;
	copy->content = g_bytes_ref(r->content);
	g_ptr_array_add(data, copy);
	return TRUE;
}

static GPtrArray *read_all(LogsFormat format, GPtrArray *files, gint64 since_ns, gint64 tail,
			   gint64 *out_consumed)
{
	g_autoptr(GPtrArray) records =
		g_ptr_array_new_with_free_func((GDestroyNotify)logs_record_free);
	LogsQuery q = { .format = format, .since_ns = since_ns, .tail = tail };

	g_assert_true(logs_read(&q, files, collect_record, records, out_consumed, NULL));
	return g_steal_pointer(&records);
}

static void test_all(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(GPtrArray) records = NULL;
	g_autofree char *out = NULL, *err = NULL;
	gint64 consumed = 0;

	g_test_summary("rotated files first, partial records joined, garbage and an unfinished "
		       "last line skipped");
	write_rotated(f);
	files = logs_files(f->log);
	g_assert_cmpuint(files->len, ==, 3);
	g_assert_true(g_str_has_suffix(g_ptr_array_index(files, 0), ".2"));
	g_assert_true(g_str_has_suffix(g_ptr_array_index(files, 1), ".1"));
	records = read_all(LOGS_FORMAT_K8S_FILE, files, 0, -1, &consumed);
	g_assert_cmpuint(records->len, ==, 5);
	render(records, FALSE, &out, &err);
	g_assert_cmpstr(out, ==, "first\nthird\nfourth\n");
	g_assert_cmpstr(err, ==, "second\n");
	/* Following continues after "garbage line\n", before the unfinished record. */
	g_autofree char *current = NULL;
	g_assert_true(g_file_get_contents(f->log, &current, NULL, NULL));
	g_assert_cmpint(consumed, ==, strstr(current, T(6)) - current);
}

static void test_tail(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) files = NULL;

	g_test_summary("--tail counts lines, not records");
	write_rotated(f);
	files = logs_files(f->log);
	for (int tail = 0; tail <= 5; tail++) {
		g_autoptr(GPtrArray) r = read_all(LOGS_FORMAT_K8S_FILE, files, 0, tail, NULL);
		g_autofree char *out = NULL, *err = NULL;
		const char *want[] = { "",
				       "fourth\n",
				       "third\nfourth\n",
				       "third\nfourth\n",
				       "first\nthird\nfourth\n",
				       "first\nthird\nfourth\n" };
		render(r, FALSE, &out, &err);
		g_assert_cmpstr(out, ==, want[tail]);
		g_assert_cmpstr(err, ==, tail >= 3 ? "second\n" : "");
	}
}

static void test_since_and_timestamps(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(GPtrArray) r = NULL;
	g_autofree char *out = NULL, *err = NULL;
	/* 2026-11-29T10:00:04Z */
	gint64 since = G_GINT64_CONSTANT(1795946404) * 1000000000;

	write_rotated(f);
	files = logs_files(f->log);
	r = read_all(LOGS_FORMAT_K8S_FILE, files, since, -1, NULL);
	render(r, TRUE, &out, &err);
	g_assert_cmpstr(out, ==, "2026-11-29T10:00:04Z rd\n2026-11-29T10:00:05Z fourth\n");
}

static void test_json_file(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(GPtrArray) r = NULL;
	g_autofree char *out = NULL, *err = NULL;

	g_test_summary("Docker's json-file: escapes undone, a log without newline is partial");
	write_file(f->log, "{\"log\":\"a \\\"q\\\"\\n\",\"stream\":\"stdout\","
			   "\"time\":\"2026-11-29T10:00:01.5Z\"}\n"
			   "{\"log\":\"no newline \",\"stream\":\"stderr\","
			   "\"time\":\"2026-11-29T10:00:02Z\"}\n"
			   "{\"log\":\"end\\n\",\"stream\":\"stderr\","
			   "\"time\":\"2026-11-29T10:00:03Z\"}\n");
	files = logs_files(f->log);
	r = read_all(LOGS_FORMAT_JSON_FILE, files, 0, -1, NULL);
	render(r, FALSE, &out, &err);
	g_assert_cmpstr(out, ==, "a \"q\"\n");
	g_assert_cmpstr(err, ==, "no newline end\n");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	render(r, TRUE, &out, &err);
	g_assert_cmpstr(out, ==, "2026-11-29T10:00:01.5Z a \"q\"\n");
	/* A line's timestamp is printed once, at its start. */
	g_assert_cmpstr(err, ==, "2026-11-29T10:00:02Z no newline end\n");
}

/* The whole-file reading logs_read replaced, kept as the reference it must match: every
 * file in memory, records of complete lines at or after since, then the last tail lines. */
static GPtrArray *reference_collect(LogsFormat format, GPtrArray *files, gint64 since_ns,
				    gint64 tail, gint64 *out_consumed)
{
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)logs_record_free);
	gint64 lines = 0;
	guint start;

	for (guint i = 0; i < files->len; i++) {
		g_autofree char *text = NULL;
		gsize len = 0;
		const char *p = NULL;

		*out_consumed = 0;
		if (!g_file_get_contents(g_ptr_array_index(files, i), &text, &len, NULL))
			continue;
		for (p = text; p < text + len;) {
			const char *nl = memchr(p, '\n', (gsize)(text + len - p));
			if (nl == NULL)
				break;
			LogsRecord *r = logs_parse_line(format, p, (gsize)(nl - p) + 1, NULL);
			if (r != NULL && r->time_ns >= since_ns)
				g_ptr_array_add(records, r);
			else
				logs_record_free(r);
			p = nl + 1;
		}
		*out_consumed = p - text;
	}
	if (tail < 0)
		return records;
	for (start = records->len; start > 0; start--) {
		LogsRecord *r = g_ptr_array_index(records, start - 1);
		gboolean ends_line = !r->partial || start == records->len;
		if (ends_line && lines++ == tail)
			break;
	}
	g_ptr_array_remove_range(records, 0, start);
	return records;
}

static gboolean collect(const LogsRecord *r, gpointer data, GError **error)
{
	LogsRecord *copy = g_new(LogsRecord, 1);

	*copy = *r;
	copy->content = g_bytes_ref(r->content);
	g_ptr_array_add(data, copy);
	return TRUE;
}

static void assert_same_records(GPtrArray *a, GPtrArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++) {
		LogsRecord *x = g_ptr_array_index(a, i), *y = g_ptr_array_index(b, i);
		gsize xn, yn;
		const void *xd = g_bytes_get_data(x->content, &xn);
		const void *yd = g_bytes_get_data(y->content, &yn);
		g_assert_cmpint(x->time_ns, ==, y->time_ns);
		g_assert_cmpint(x->stream, ==, y->stream);
		g_assert_cmpint(x->partial, ==, y->partial);
		g_assert_cmpmem(xd, xn, yd, yn);
	}
}

/* One random record (or, now and then, a line that is none) in format. */
static void append_random_line(GString *s, LogsFormat format, int *second)
{
	GString *content = g_string_new(NULL);
	int len = g_test_rand_int_range(0, 100) < 10 ? g_test_rand_int_range(60, 300)
						     : g_test_rand_int_range(0, 12);
	gboolean partial = g_test_rand_int_range(0, 3) == 0;
	const char *stream = g_test_rand_bit() ? "stdout" : "stderr";

	if (g_test_rand_int_range(0, 12) == 0) {
		g_string_append(s, g_test_rand_bit() ? "garbage line\n" : "\n");
		g_string_free(content, TRUE);
		return;
	}
	/* Mostly forward in time, sometimes back: --since compares each record. */
	*second = CLAMP(*second + g_test_rand_int_range(-1, 3), 0, 59);
	for (int i = 0; i < len; i++)
		g_string_append_c(content, "abc xyz"[g_test_rand_int_range(0, 7)]);
	if (format == LOGS_FORMAT_K8S_FILE)
		g_string_append_printf(s, "2026-11-29T10:00:%02d.%09d+00:00 %s %c %s\n", *second,
				       g_test_rand_int_range(0, 1000000000), stream,
				       partial ? 'P' : 'F', content->str);
	else
		g_string_append_printf(s,
				       "{\"log\":\"%s%s\",\"stream\":\"%s\","
				       "\"time\":\"2026-11-29T10:00:%02d.%dZ\"}\n",
				       content->str, partial ? "" : "\\n", stream, *second,
				       g_test_rand_int_range(1, 1000));
	g_string_free(content, TRUE);
}

static void write_random_log(Fixture *f, LogsFormat format)
{
	int rotated = g_test_rand_int_range(0, 4), second = 0;

	for (int gen = rotated; gen >= 0; gen--) {
		g_autoptr(GString) text = g_string_new(NULL);
		g_autofree char *path =
			gen == 0 ? g_strdup(f->log) : g_strdup_printf("%s.%d", f->log, gen);
		int n = g_test_rand_int_range(0, 25);
		for (int i = 0; i < n; i++)
			append_random_line(text, format, &second);
		/* The current file's last record may be half written. */
		if (gen == 0 && text->len > 0 && g_test_rand_bit())
			g_string_truncate(text,
					  text->len - 1 - g_test_rand_int_range(0, 10) % text->len);
		write_file(path, text->str);
	}
}

static void test_matches_whole_file_reading(Fixture *f, gconstpointer data)
{
	const gint64 tails[] = { -1, 0, 1, 2, 7, 1000 };
	const gsize blocks[] = { 3, 64, 0 };
	const LogsFormat formats[] = { LOGS_FORMAT_K8S_FILE, LOGS_FORMAT_JSON_FILE };

	g_test_summary("reading in blocks, forward and backward, shows exactly the records the "
		       "whole-file reading did, for every --tail and --since, across rotated "
		       "files, lines longer than a block, garbage and a half-written last line");
	for (int round = 0; round < 60; round++) {
		LogsFormat format = formats[round % 2];
		g_autoptr(GPtrArray) files = NULL;
		g_assert_true(state_dir_remove(f->dir, NULL));
		g_assert_cmpint(g_mkdir(f->dir, 0700), ==, 0);
		write_random_log(f, format);
		files = logs_files(f->log);
		for (guint t = 0; t < G_N_ELEMENTS(tails); t++) {
			{
				/* Since 10:00:00 (everything), 10:00:20 or 10:01:00 (nothing). */
				int s = (int)((guint)round / 2 + t) % 3;
				gint64 since = s == 0 ? 0
						      : (G_GINT64_CONSTANT(1795946400) +
							 (s == 1 ? 20 : 60)) *
								1000000000;
				gint64 want_consumed = -1;
				g_autoptr(GPtrArray) want = reference_collect(
					format, files, since, tails[t], &want_consumed);
				for (guint b = 0; b < G_N_ELEMENTS(blocks); b++) {
					g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(
						(GDestroyNotify)logs_record_free);
					g_autoptr(GError) error = NULL;
					LogsQuery q = { .format = format,
							.since_ns = since,
							.tail = tails[t],
							.block = blocks[b] };
					gint64 consumed = -1;
					g_assert_true(logs_read(&q, files, collect, got, &consumed,
								&error));
					g_assert_no_error(error);
					assert_same_records(got, want);
					g_assert_cmpint(consumed, ==, want_consumed);
				}
			}
		}
	}
}

/* lines k8s-file records of 100 bytes ("line-<n>" padded) to path. */
static void write_big_log(const char *path, int first, int lines)
{
	g_autoptr(GString) text = g_string_sized_new((gsize)lines * 100);

	for (int i = first; i < first + lines; i++)
		g_string_append_printf(text, T(1) " stdout F line-%-49d\n", i);
	write_file(path, text->str);
}

/* Each record's first word and a space. */
static gboolean first_words(const LogsRecord *r, gpointer data, GError **error)
{
	gsize len;
	const char *s = g_bytes_get_data(r->content, &len);
	const char *space = memchr(s, ' ', len);

	g_string_append_len(data, s, space != NULL ? space - s + 1 : (gssize)len);
	return TRUE;
}

static void test_tail_reads_the_end(Fixture *f, gconstpointer data)
{
	g_autofree char *one = g_strconcat(f->log, ".1", NULL);
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	LogReadStats stats = { 0 };
	LogsQuery q = { .format = LOGS_FORMAT_K8S_FILE, .tail = 1, .stats = &stats };
	gint64 consumed = 0;
	struct stat st;

	g_test_summary("--tail reads the end of the log, backward in blocks, and no more: a "
		       "bounded amount whatever the log's size, also across a rotated file");
	/* 10 MB in .1, three lines in the current file. */
	write_big_log(one, 0, 100000);
	write_big_log(f->log, 100000, 3);
	files = logs_files(f->log);
	g_assert_true(logs_read(&q, files, first_words, out, &consumed, NULL));
	g_assert_cmpstr(out->str, ==, "line-100002 ");
	g_assert_cmpuint(stats.bytes_read, <=, 2 * LOG_READER_BLOCK);
	g_assert_cmpuint(stats.peak_buffer, <=, 2 * LOG_READER_BLOCK);
	g_assert_cmpint(g_stat(f->log, &st), ==, 0);
	g_assert_cmpint(consumed, ==, st.st_size);

	/* Ten lines: the current file's three and the end of .1. */
	g_string_truncate(out, 0);
	stats = (LogReadStats){ 0 };
	q.tail = 10;
	g_assert_true(logs_read(&q, files, first_words, out, NULL, NULL));
	g_assert_cmpstr(out->str, ==,
			"line-99993 line-99994 line-99995 line-99996 line-99997 "
			"line-99998 line-99999 line-100000 line-100001 line-100002 ");
	g_assert_cmpuint(stats.bytes_read, <=, 4 * LOG_READER_BLOCK);
	g_assert_cmpuint(stats.peak_buffer, <=, 2 * LOG_READER_BLOCK);
}

static gboolean count_only(const LogsRecord *r, gpointer data, GError **error)
{
	(*(guint *)data)++;
	return TRUE;
}

static void test_streams_bounded(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) files = NULL;
	LogReadStats stats = { 0 };
	LogsQuery q = { .format = LOGS_FORMAT_K8S_FILE, .tail = -1, .stats = &stats };
	guint n = 0;

	g_test_summary("the whole log streams through a buffer of a block or two, not the file");
	write_big_log(f->log, 0, 100000);
	files = logs_files(f->log);
	g_assert_true(logs_read(&q, files, count_only, &n, NULL, NULL));
	g_assert_cmpuint(n, ==, 100000);
	g_assert_cmpuint(stats.bytes_read, ==, 100000 * 100);
	g_assert_cmpuint(stats.peak_buffer, <=, 2 * LOG_READER_BLOCK);
}

static void test_parse_line(void)
{
	g_autoptr(GError) error = NULL;
	const char *line = T(1) " stderr P abc\n";
	LogsRecord *r = logs_parse_line(LOGS_FORMAT_K8S_FILE, line, strlen(line), &error);
	gsize len;

	g_assert_no_error(error);
	g_assert_cmpint(r->stream, ==, VIGIL_STREAM_STDERR);
	g_assert_true(r->partial);
	g_assert_cmpmem(g_bytes_get_data(r->content, &len), len, "abc", 3);
	logs_record_free(r);
	g_assert_null(logs_parse_line(LOGS_FORMAT_K8S_FILE, "x", 1, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_null(logs_parse_line(LOGS_FORMAT_JSON_FILE, "{", 1, &error));
	g_assert_nonnull(error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add("/controller-logs/all", Fixture, NULL, setup, test_all, teardown);
	g_test_add("/controller-logs/tail", Fixture, NULL, setup, test_tail, teardown);
	g_test_add("/controller-logs/since-timestamps", Fixture, NULL, setup,
		   test_since_and_timestamps, teardown);
	g_test_add("/controller-logs/json-file", Fixture, NULL, setup, test_json_file, teardown);
	g_test_add_func("/controller-logs/parse-line", test_parse_line);
	g_test_add("/controller-logs/matches-whole-file-reading", Fixture, NULL, setup,
		   test_matches_whole_file_reading, teardown);
	g_test_add("/controller-logs/tail-reads-the-end", Fixture, NULL, setup,
		   test_tail_reads_the_end, teardown);
	g_test_add("/controller-logs/streams-bounded", Fixture, NULL, setup, test_streams_bounded,
		   teardown);
	return g_test_run();
}
