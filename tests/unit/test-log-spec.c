/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "error.h"
#include "log_sink.h"

static LogSinks *sinks_for(const char *spec, GError **error)
{
	MonitorConfig cfg = { 0 };
	char *paths[] = { (char *)spec, NULL };

	cfg.cid = (char *)"0123456789abcdef";
	cfg.log_paths = spec != NULL ? paths : NULL;
	cfg.log_max_files = 1;
	return log_sinks_new(&cfg, error);
}

static void test_errors(void)
{
	static const char *const cases[][2] = {
		{ "", "log-path must not be empty" },
		{ ":", "log-path must not be empty" },
		{ "k8s-file", "k8s-file requires a filename" },
		{ "k8s-file:", "k8s-file requires a filename" },
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
		g_assert_true(g_file_test(colon_path, G_FILE_TEST_EXISTS));
	}
	g_remove(colon_path);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log-spec/errors", test_errors);
	g_test_add_func("/log-spec/kinds", test_kinds);
	return g_test_run();
}
