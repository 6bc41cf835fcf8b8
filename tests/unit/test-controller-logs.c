/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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
	records = logs_collect(LOGS_FORMAT_K8S_FILE, files, 0, -1, &consumed);
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
		g_autoptr(GPtrArray) r = logs_collect(LOGS_FORMAT_K8S_FILE, files, 0, tail, NULL);
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
	r = logs_collect(LOGS_FORMAT_K8S_FILE, files, since, -1, NULL);
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
	r = logs_collect(LOGS_FORMAT_JSON_FILE, files, 0, -1, NULL);
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
	return g_test_run();
}
