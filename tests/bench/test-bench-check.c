/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench.h"
#include "error_util.h"

/*
 * The benchmark's own correctness claims: the generated container output has the promised
 * shape, the k8s-file check accepts exactly the logs that rebuild the output (conmon's split
 * records included) and rejects any other, and the median is the median.
 */

typedef struct {
	char *dir;
	BenchData *data;
	char *log;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("bench-check-XXXXXX", &error);
	g_assert_no_error(error);
	f->data = bench_data_new(f->dir, "out.data", 1, 100, &error);
	g_assert_no_error(error);
	f->log = g_build_filename(f->dir, "ctr.log", NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer user_data)
{
	bench_data_free(f->data);
	(void)unlink(f->log);
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->log);
	g_free(f->dir);
}

static char *read_data(Fixture *f, gsize *len)
{
	char *text = NULL;

	g_assert_true(g_file_get_contents(f->data->path, &text, len, NULL));
	return text;
}

/* A log of the data: every line as one F record, except line split_at (if >= 0), cut into
 * a P record of its first 7 bytes and an F record of the rest (what conmon writes when a
 * line straddles its 8 KiB reads). edit() may change the record text before it is added. */
static void write_log(Fixture *f, long split_at, void (*edit)(GString *log, long line))
{
	gsize len;
	g_autofree char *text = read_data(f, &len);
	g_autoptr(GString) log = g_string_new(NULL);
	long n = 0;

	for (char *p = text, *nl; p < text + len; p = nl + 1, n++) {
		nl = memchr(p, '\n', (gsize)(text + len - p));
		g_assert_nonnull(nl);
		const char *ts = "2026-11-29T06:00:00.123456789+00:00";
		if (n == split_at) {
			g_string_append_printf(log, "%s stdout P %.*s\n", ts, 7, p);
			g_string_append_printf(log, "%s stdout F %.*s\n", ts, (int)(nl - p - 7),
					       p + 7);
		} else {
			g_string_append_printf(log, "%s stdout F %.*s\n", ts, (int)(nl - p), p);
		}
		if (edit != NULL)
			edit(log, n);
	}
	g_assert_true(g_file_set_contents(f->log, log->str, (gssize)log->len, NULL));
}

static void test_data_shape(Fixture *f, gconstpointer user_data)
{
	gsize len;
	g_autofree char *text = read_data(f, &len);

	g_assert_cmpuint(f->data->lines, ==, 1024 * 1024 / 100);
	g_assert_cmpuint(f->data->bytes, ==, f->data->lines * 100);
	g_assert_cmpuint(len, ==, f->data->bytes);
	for (gsize i = 0; i < len; i += 100) {
		g_assert_cmpint(text[i + 99], ==, '\n');
		g_assert_null(memchr(text + i, '\n', 99));
		g_assert_cmpint(text[i], !=, ' ');
		g_assert_cmpint(text[i + 98], !=, ' ');
	}
	g_assert_cmpuint(strlen(f->data->sha256), ==, 64);
}

static void test_log_whole_lines(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	guint64 records = 0;

	write_log(f, -1, NULL);
	g_assert_true(bench_data_check_k8s_log(f->data, f->log, &records, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(records, ==, f->data->lines);
}

static void test_log_split_line(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	guint64 records = 0;

	write_log(f, 5, NULL);
	g_assert_true(bench_data_check_k8s_log(f->data, f->log, &records, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(records, ==, f->data->lines + 1);
}

static void flip_byte(GString *log, long line)
{
	if (line == 100)
		log->str[log->len - 2] ^= 1;
}

static void drop_line(GString *log, long line)
{
	if (line == 100) {
		char *prev = g_strrstr_len(log->str, (gssize)log->len - 1, "\n");
		g_string_truncate(log, (gsize)(prev - log->str) + 1);
	}
}

static void to_stderr(GString *log, long line)
{
	if (line == 3) {
		char *last = g_strrstr_len(log->str, (gssize)log->len - 1, "\n") + 1;
		char *s = strstr(last, " stdout ");
		memcpy(s, " stderr ", 8);
	}
}

static void test_log_rejects(Fixture *f, gconstpointer user_data)
{
	static const struct {
		void (*edit)(GString *log, long line);
		const char *message;
	} cases[] = {
		{ flip_byte, "same size, different bytes" },
		{ drop_line,
		  "1048400 bytes in 10484 lines, container wrote 1048500 bytes in 10485 lines" },
		{ to_stderr, "record 4 is not" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		guint64 records = 0;

		write_log(f, -1, cases[i].edit);
		g_assert_false(bench_data_check_k8s_log(f->data, f->log, &records, &error));
		g_assert_error(error, VIGIL_ERROR, EPROTO);
		g_test_message("case %zu: %s", i, error->message);
		g_assert_nonnull(strstr(error->message, cases[i].message));
	}
}

/* A record cut off by a crash or a torn write. */
static void test_log_torn(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	guint64 records = 0;
	GStatBuf st;

	write_log(f, -1, NULL);
	g_assert_cmpint(g_stat(f->log, &st), ==, 0);
	g_assert_cmpint(truncate(f->log, st.st_size - 1), ==, 0);
	g_assert_false(bench_data_check_k8s_log(f->data, f->log, &records, &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_nonnull(strstr(error->message, "last record has no newline"));
}

static void test_log_missing(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	guint64 records = 0;

	g_assert_false(bench_data_check_k8s_log(f->data, f->log, &records, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

static GArray *doubles(const double *v, guint n)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(double));

	g_array_append_vals(a, v, n);
	return a;
}

static void test_median(void)
{
	g_autoptr(GArray) odd = doubles((const double[]){ 9, 1, 5 }, 3);
	g_autoptr(GArray) even = doubles((const double[]){ 4, 1, 3, 10 }, 4);
	g_autoptr(GArray) empty = doubles(NULL, 0);

	g_assert_cmpfloat(bench_median(odd), ==, 5);
	g_assert_cmpfloat(bench_median(even), ==, 3.5);
	/* the median sorts a copy: the samples keep their run order */
	g_assert_cmpfloat(g_array_index(odd, double, 0), ==, 9);
	g_assert_true(isnan(bench_median(empty)));
	g_assert_true(isnan(bench_median(NULL)));
}

/* Every data test gets fresh generated output in a directory of its own. */
#define add_data_test(path, func) \
	g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	add_data_test("/bench/data/shape", test_data_shape);
	add_data_test("/bench/k8s-log/whole-lines", test_log_whole_lines);
	add_data_test("/bench/k8s-log/split-line", test_log_split_line);
	add_data_test("/bench/k8s-log/rejects", test_log_rejects);
	add_data_test("/bench/k8s-log/torn", test_log_torn);
	add_data_test("/bench/k8s-log/missing", test_log_missing);
	g_test_add_func("/bench/median", test_median);
	return g_test_run();
}
