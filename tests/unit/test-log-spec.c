/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "attach_proto.h"
#include "error_util.h"
#include "json_log.h"
#include "k8s_log.h"
#include "log_sink.h"

#define OUT VIGIL_STREAM_STDOUT
#define ERR VIGIL_STREAM_STDERR

/* A config with the given -l values (NULL-terminated) and conmon's defaults. */
static LogConfig config_for(char **specs)
{
	LogConfig cfg = { 0 };

	cfg.cid = (char *)"0123456789abcdef";
	cfg.log_paths = specs;
	cfg.log_max_files = 1;
	cfg.log_size_max = -1;
	cfg.log_global_size_max = -1;
	return cfg;
}

static LogSinks *sinks_for(const char *spec, GError **error)
{
	char *paths[] = { (char *)spec, NULL };
	LogConfig cfg = config_for(spec != NULL ? paths : NULL);

	return log_sinks_new(&cfg, error);
}

static void test_errors(void)
{
	static const char *const cases[][2] = {
		{ "", "log-path must not be empty" },
		{ ":", "log-path must not be empty" },
		{ "k8s-file", "k8s-file requires a filename" },
		{ "k8s-file:", "k8s-file requires a filename" },
		{ "json-file", "json-file requires a filename" },
		{ "json-file:", "json-file requires a filename" },
		{ "bogus:/x", "No such log driver bogus" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_null(sinks_for(cases[i][0], &error));
		g_assert_cmpstr(error->message, ==, cases[i][1]);
	}
	g_autoptr(GError) error = NULL;
	g_assert_null(sinks_for(NULL, &error));
	g_assert_cmpstr(error->message, ==, "Log driver not provided. Use --log-path");
}

static void test_kinds(void)
{
	g_autofree char *dir = g_dir_make_tmp("log-spec-XXXXXX", NULL);
	g_autofree char *colon_path = g_build_filename(dir, "a:b", NULL);
	g_autofree char *spec = g_strconcat("k8s-file:", colon_path, NULL);
	g_autofree char *bare = g_build_filename(dir, "bare.log", NULL);
	g_autofree char *json = g_build_filename(dir, "j.log", NULL);
	g_autofree char *json_spec = g_strconcat("json-file:", json, NULL);
	g_autoptr(GError) error = NULL;

	{
		g_autoptr(LogSinks) s = sinks_for("none", &error);
		g_assert_nonnull(s);
		g_assert_false(log_sinks_is_passthrough(s));
	}
	{
		g_autoptr(LogSinks) s = sinks_for("passthrough", &error);
		g_assert_true(log_sinks_is_passthrough(s));
	}
	{
		/* conmon truncates at the second ':'; we keep the whole path */
		g_autoptr(LogSinks) s = sinks_for(spec, &error);
		g_assert_no_error(error);
		g_assert_nonnull(s);
		g_assert_true(g_file_test(colon_path, G_FILE_TEST_EXISTS));
	}
	{
		/* no driver: a k8s-file path; several drivers at once */
		char *specs[] = { bare, json_spec, (char *)"none", NULL };
		LogConfig cfg = config_for(specs);
		g_autoptr(LogSinks) s = log_sinks_new(&cfg, &error);
		g_assert_no_error(error);
		g_assert_nonnull(s);
		g_assert_true(g_file_test(bare, G_FILE_TEST_EXISTS));
		g_assert_true(g_file_test(json, G_FILE_TEST_EXISTS));
	}
	g_remove(colon_path);
	g_remove(bare);
	g_remove(json);
	g_rmdir(dir);
}

/* conmon's messages for journald-only options, the id length and labels (docs/conmon-contract.md,
 * "Option errors"). */
static void test_journald_options(void)
{
	g_autofree char *dir = g_dir_make_tmp("log-spec-XXXXXX", NULL);
	g_autofree char *k8s = g_strconcat("k8s-file:", dir, "/k.log", NULL);
	g_autofree char *json = g_strconcat("json-file:", dir, "/j.log", NULL);
	static const struct {
		int file; /* 0 none, 1 k8s-file, 2 json-file, 3 journald */
		const char *cid, *tag, *label;
		const char *error;
	} cases[] = {
		{ 1, NULL, "t", NULL, "k8s-file doesn't support --log-tag" },
		{ 2, NULL, "t", NULL, "json-file doesn't support --log-tag" },
		{ 1, NULL, NULL, "A=b", "k8s-file doesn't support --log-label" },
		{ 0, NULL, "t", "A=b", NULL },
		{ 3, "0123456789ab", NULL, NULL, "Container ID must be longer than 12 characters" },
		{ 3, NULL, NULL, "NOEQUALS", "Container labels must be in format LABEL=VALUE" },
		{ 3, NULL, NULL, "A=B=C", "Container labels must be in format LABEL=VALUE" },
		{ 3, NULL, NULL, "=v", "Container labels must be in format LABEL=VALUE" },
		{ 3, NULL, NULL, "MY%LABEL=v",
		  "Container label names must contain only uppercase letters, numbers and "
		  "underscore" },
		{ 3, NULL, NULL, "lower=v",
		  "Container label names must contain only uppercase letters, numbers and "
		  "underscore" },
		{ 3, NULL, "t", "MY_LABEL_2=any=thing?",
		  "Container labels must be in format "
		  "LABEL=VALUE" },
		{ 3, "0123456789abc", "t", "MY_LABEL_2=v", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *specs[] = { NULL, NULL };
		char *labels[] = { (char *)cases[i].label, NULL };
		specs[0] = cases[i].file == 1   ? k8s
			   : cases[i].file == 2 ? json
			   : cases[i].file == 3 ? (char *)"journald"
						: (char *)"none";
		LogConfig cfg = config_for(specs);
		if (cases[i].cid != NULL)
			cfg.cid = (char *)cases[i].cid;
		cfg.log_tag = (char *)cases[i].tag;
		cfg.log_labels = cases[i].label != NULL ? labels : NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(LogSinks) s = log_sinks_new(&cfg, &error);
		if (cases[i].error == NULL) {
			g_assert_no_error(error);
			g_assert_nonnull(s);
		} else {
			g_assert_null(s);
			g_assert_cmpstr(error->message, ==, cases[i].error);
		}
	}
	g_autofree char *k = g_build_filename(dir, "k.log", NULL);
	g_autofree char *j = g_build_filename(dir, "j.log", NULL);
	g_remove(k);
	g_remove(j);
	g_rmdir(dir);
}

static void test_partial_message_warning(void)
{
	char *specs[] = { (char *)"none", NULL };
	LogConfig cfg = config_for(specs);

	cfg.no_container_partial_message = TRUE;
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "--no-container-partial-message has no effect without journald log "
			      "driver");
	g_autoptr(LogSinks) s = log_sinks_new(&cfg, NULL);
	g_test_assert_expected_messages();
	g_assert_nonnull(s);
}

/* ---- what the file drivers write ---- */

typedef struct {
	char *dir;
	char *k8s;
	char *json;
	LogSinks *sinks;
} Files;

static void files_setup(Files *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("log-drivers-XXXXXX", NULL);
	f->k8s = g_build_filename(f->dir, "ctr.log", NULL);
	f->json = g_build_filename(f->dir, "ctr.json", NULL);
	g_autofree char *k = g_strconcat("k8s-file:", f->k8s, NULL);
	g_autofree char *j = g_strconcat("json-file:", f->json, NULL);
	char *specs[] = { k, j, NULL };
	LogConfig cfg = config_for(specs);

	cfg.log_line_max = (gint64)GPOINTER_TO_SIZE(data); /* 0: the drivers' defaults */
	f->sinks = log_sinks_new(&cfg, NULL);
	g_assert_nonnull(f->sinks);
}

static void files_teardown(Files *f, gconstpointer data)
{
	const char *argv[] = { "rm", "-rf", f->dir, NULL };

	g_clear_pointer(&f->sinks, log_sinks_free);
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
		     NULL);
	g_free(f->dir);
	g_free(f->k8s);
	g_free(f->json);
}

static void put(Files *f, int stream, const char *s, gssize len)
{
	log_sinks_write(f->sinks, stream, s, len < 0 ? strlen(s) : (gsize)len);
}

/*
 * Both files as "<o|e><F|P>:<content>" records, every line checked against its format (the
 * timestamp parsed, the record's newline where it belongs); and the bytes of each stream,
 * reassembled the way podman logs does.
 */
static GPtrArray *records_of(const char *path, gboolean json, GString *streams[2])
{
	g_autofree char *text = NULL;
	gsize len;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	g_assert_true(len == 0 || text[len - 1] == '\n');
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (gsize)(text + len - p));
		GString *r = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		int stream;
		gboolean partial;

		if (json) {
			JsonLogRecord jr;
			g_assert_true(json_log_parse_record(p, (gsize)(nl + 1 - p), &jr, &error));
			g_assert_no_error(error);
			stream = jr.stream;
			partial = jr.partial;
			g_string_append_len(r, jr.log->str, (gssize)jr.log->len);
			json_log_record_clear(&jr);
		} else {
			K8sLogRecord kr;
			g_assert_true(k8s_log_parse_record(p, (gsize)(nl + 1 - p), &kr, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(kr.time_len, ==, 35);
			stream = kr.stream;
			partial = kr.partial;
			g_string_append_len(r, kr.content, (gssize)kr.content_len);
			if (!partial)
				g_string_append_c(r, '\n');
		}
		g_string_append_len(streams[stream == ERR], r->str, (gssize)r->len);
		g_string_prepend(r, partial ? "P:" : "F:");
		g_string_prepend_c(r, stream == ERR ? 'e' : 'o');
		g_ptr_array_add(out, g_string_free(r, FALSE));
		p = nl + 1;
	}
	return out;
}

static void assert_both(Files *f, const char *const *want, gboolean same_in_json)
{
	for (int json = 0; json < 2; json++) {
		GString *streams[2] = { g_string_new(NULL), g_string_new(NULL) };
		g_autoptr(GPtrArray) got = records_of(json ? f->json : f->k8s, json, streams);
		guint n = 0;
		if (json && !same_in_json)
			continue;
		for (; want[n] != NULL; n++) {
			g_assert_cmpuint(n, <, got->len);
			g_assert_cmpstr(g_ptr_array_index(got, n), ==, want[n]);
		}
		g_assert_cmpuint(got->len, ==, n);
		g_string_free(streams[0], TRUE);
		g_string_free(streams[1], TRUE);
	}
}

static void test_tricky_lines(Files *f, gconstpointer data)
{
	put(f, OUT, "hello\n", -1);
	put(f, OUT, "\n\n", -1);     /* empty lines */
	put(f, OUT, "a\rb\r\n", -1); /* CR is data */
	put(f, ERR, "oops\n", -1);
	put(f, OUT, "split ", -1); /* a line across three reads */
	put(f, OUT, "across ", -1);
	put(f, OUT, "reads\n", -1);
	put(f, OUT, "tail", -1);
	log_sinks_flush(f->sinks, TRUE);
	assert_both(f,
		    (const char *[]){ "oF:hello\n", "oF:\n", "oF:\n", "oF:a\rb\r\n", "eF:oops\n",
				      "oF:split across reads\n", "oP:tail", NULL },
		    TRUE);
}

/* NUL and invalid UTF-8: raw in k8s-file, escaped (and so replaced) in json-file. */
static void test_binary(Files *f, gconstpointer data)
{
	static const char bin[] = "n\0l\xff\xc3\n";

	put(f, ERR, bin, sizeof bin - 1);
	log_sinks_flush(f->sinks, FALSE);
	GString *s[2] = { g_string_new(NULL), g_string_new(NULL) };
	g_autoptr(GPtrArray) k = records_of(f->k8s, FALSE, s);
	g_assert_cmpuint(k->len, ==, 1);
	g_assert_cmpmem(s[1]->str, s[1]->len, bin, sizeof bin - 1);
	g_autoptr(GPtrArray) j = records_of(f->json, TRUE, s);
	g_assert_cmpstr(g_ptr_array_index(j, 0), ==, "eF:n");
	g_autofree char *raw = NULL;
	g_assert_true(g_file_get_contents(f->json, &raw, NULL, NULL));
	g_assert_nonnull(
		strstr(raw, "{\"log\":\"n\\u0000l\\ufffd\\ufffd\\n\",\"stream\":\"stderr\""));
	g_string_free(s[0], TRUE);
	g_string_free(s[1], TRUE);
}

/* A 1 MiB line in 64 KiB reads: a few bounded records, the exact bytes. */
static void test_megabyte_line(Files *f, gconstpointer data)
{
	const gsize total = 1024 * 1024, chunk = 64 * 1024;
	g_autofree char *line = g_malloc(total + 1);

	for (gsize i = 0; i < total; i++)
		line[i] = (char)('!' + i % 90);
	line[total] = '\n';
	for (gsize off = 0; off <= total; off += chunk)
		put(f, OUT, line + off, (gssize)MIN(chunk, total + 1 - off));
	log_sinks_flush(f->sinks, FALSE);
	for (int json = 0; json < 2; json++) {
		GString *s[2] = { g_string_new(NULL), g_string_new(NULL) };
		g_autoptr(GPtrArray) r = records_of(json ? f->json : f->k8s, json, s);
		g_assert_cmpmem(s[0]->str, s[0]->len, line, total + 1);
		/* conmon: 129 records of <= 8 KiB */
		g_assert_cmpuint(r->len, <=, 9);
		g_string_free(s[0], TRUE);
		g_string_free(s[1], TRUE);
	}
}

/* --log-line-max: a line arriving in small reads is assembled into records of about that
 * size (the default would make it two records), its bytes unchanged. */
static void test_line_max(Files *f, gconstpointer data)
{
	const gsize max = GPOINTER_TO_SIZE(data), total = 100 * 1024, chunk = 1000;
	g_autofree char *line = g_malloc(total + 1);

	for (gsize i = 0; i < total; i++)
		line[i] = (char)('!' + i % 90);
	line[total] = '\n';
	for (gsize off = 0; off <= total; off += chunk)
		put(f, OUT, line + off, (gssize)MIN(chunk, total + 1 - off));
	log_sinks_flush(f->sinks, FALSE);
	for (int json = 0; json < 2; json++) {
		GString *s[2] = { g_string_new(NULL), g_string_new(NULL) };
		g_autoptr(GPtrArray) r = records_of(json ? f->json : f->k8s, json, s);
		g_assert_cmpmem(s[0]->str, s[0]->len, line, total + 1);
		g_assert_cmpuint(r->len, >=, total / (max + chunk));
		for (guint i = 0; i < r->len; i++) {
			const char *rec = g_ptr_array_index(r, i);
			/* "oP:" + content: never more than the bound plus one read */
			g_assert_cmpuint(strlen(rec) - 3, <=, max + chunk);
			if (i + 1 < r->len)
				g_assert_true(g_str_has_prefix(rec, "oP:"));
		}
		g_string_free(s[0], TRUE);
		g_string_free(s[1], TRUE);
	}
}

/* --log-line-max out of range: one clear error, nothing opened. */
static void test_line_max_range(void)
{
	static const gint64 bad[] = { -1, 1, 1023, 64 * 1024 * 1024 + 1, G_MAXINT64 };
	static const gint64 good[] = { 0, 1024, 64 * 1024 * 1024 };
	char *specs[] = { (char *)"none", NULL };

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *want = g_strdup_printf(
			"--log-line-max must be between 1024 and 67108864 bytes, got %" G_GINT64_FORMAT,
			bad[i]);
		LogConfig cfg = config_for(specs);
		cfg.log_line_max = bad[i];
		g_assert_null(log_sinks_new(&cfg, &error));
		g_assert_error(error, VIGIL_ERROR, EINVAL);
		g_assert_cmpstr(error->message, ==, want);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		LogConfig cfg = config_for(specs);
		cfg.log_line_max = good[i];
		g_autoptr(LogSinks) s = log_sinks_new(&cfg, &error);
		g_assert_no_error(error);
		g_assert_nonnull(s);
	}
}

/* A prompt: written out by the one-shot timer, which is gone afterwards (no idle wakeups). */
static void test_hold_timer(Files *f, gconstpointer data)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	struct stat k = { 0 }, j = { 0 };

	log_sinks_attach(f->sinks, ctx);
	g_assert_null(g_main_context_find_source_by_user_data(ctx, f->sinks));
	put(f, OUT, "done\nprompt$ ", -1);
	g_assert_nonnull(g_main_context_find_source_by_user_data(ctx, f->sinks));
	g_assert_cmpint(stat(f->k8s, &k), ==, 0);
	g_assert_cmpint(stat(f->json, &j), ==, 0);
	off_t k_before = k.st_size, j_before = j.st_size;
	/* Both drivers hold the fragment; wait until both files have it. */
	while ((k.st_size == k_before || j.st_size == j_before) &&
	       g_get_monotonic_time() < deadline) {
		g_main_context_iteration(ctx, TRUE);
		g_assert_cmpint(stat(f->k8s, &k), ==, 0);
		g_assert_cmpint(stat(f->json, &j), ==, 0);
	}
	assert_both(f, (const char *[]){ "oF:done\n", "oP:prompt$ ", NULL }, TRUE);
	g_assert_null(g_main_context_find_source_by_user_data(ctx, f->sinks));
	log_sinks_attach(f->sinks, NULL);
}

/* ctl "2" after the file was renamed away: a held fragment ends in the old file, the rest
 * of its line in the new one; nothing lost, nothing twice. */
static void test_reopen(Files *f, gconstpointer data)
{
	g_autofree char *moved = g_strconcat(f->k8s, ".1", NULL);

	put(f, OUT, "one\ntw", -1);
	g_assert_cmpint(g_rename(f->k8s, moved), ==, 0);
	log_sinks_reopen(f->sinks);
	put(f, OUT, "o\n", -1);
	log_sinks_flush(f->sinks, FALSE);
	GString *s[2] = { g_string_new(NULL), g_string_new(NULL) };
	g_autoptr(GPtrArray) old = records_of(moved, FALSE, s);
	g_autoptr(GPtrArray) cur = records_of(f->k8s, FALSE, s);
	g_assert_cmpstr(s[0]->str, ==, "one\ntwo\n");
	g_assert_cmpuint(old->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(old, 1), ==, "oP:tw");
	g_assert_cmpuint(cur->len, ==, 1);
	g_string_free(s[0], TRUE);
	g_string_free(s[1], TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log-spec/errors", test_errors);
	g_test_add_func("/log-spec/kinds", test_kinds);
	g_test_add_func("/log-spec/journald-options", test_journald_options);
	g_test_add_func("/log-spec/partial-message-warning", test_partial_message_warning);
	g_test_add("/log-spec/tricky-lines", Files, NULL, files_setup, test_tricky_lines,
		   files_teardown);
	g_test_add("/log-spec/binary", Files, NULL, files_setup, test_binary, files_teardown);
	g_test_add("/log-spec/megabyte-line", Files, NULL, files_setup, test_megabyte_line,
		   files_teardown);
	g_test_add("/log-spec/line-max", Files, GSIZE_TO_POINTER(4096), files_setup, test_line_max,
		   files_teardown);
	g_test_add_func("/log-spec/line-max-range", test_line_max_range);
	g_test_add("/log-spec/hold-timer", Files, NULL, files_setup, test_hold_timer,
		   files_teardown);
	g_test_add("/log-spec/reopen", Files, NULL, files_setup, test_reopen, files_teardown);
	return g_test_run();
}
