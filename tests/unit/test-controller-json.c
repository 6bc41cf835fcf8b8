/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "container.h"
#include "exec_session.h"
#include "json_util.h"
#include "runtime_cmd.h"
#include "state_record.h"
#include "status.h"
#include "sync_decode.h"

/*
 * JSON the controller reads from disk, the runtime or the monitor goes through one bounded
 * parser: json-glib recurses once per level, and 100,000 levels crashed vigilctl.
 */

#define DEEP 100000

/* prefix, levels opening brackets, as many closing ones, suffix. */
static char *nested(const char *prefix, int levels, const char *suffix)
{
	GString *s = g_string_new(prefix);

	for (int i = 0; i < levels; i++)
		g_string_append_c(s, '[');
	for (int i = 0; i < levels; i++)
		g_string_append_c(s, ']');
	g_string_append(s, suffix);
	return g_string_free(s, FALSE);
}

static void check_refused(const char *text, const char *want)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(json_util_check(text, strlen(text), 1024, &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_check(void)
{
	g_autofree char *at_limit = nested("", JSON_UTIL_MAX_DEPTH, "");
	g_autofree char *over = nested("", JSON_UTIL_MAX_DEPTH + 1, "");
	g_autofree char *in_string = nested("{\"a\": \"", 200, "\\\"\", \"b\": 1}");
	g_autoptr(GError) error = NULL;

	g_test_summary("the pre-scan: depth counted outside strings only, json-glib's "
		       "extensions (comments, single quotes) refused, size bounded");
	g_assert_true(json_util_check(at_limit, strlen(at_limit), G_MAXSIZE, &error));
	g_assert_no_error(error);
	/* Brackets and escaped quotes inside a string are text. */
	g_assert_true(json_util_check(in_string, strlen(in_string), G_MAXSIZE, &error));
	g_assert_no_error(error);
	g_autoptr(JsonParser) p = json_util_parse(in_string, strlen(in_string), G_MAXSIZE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(p);
	const char *ok = "{\"version\": 1, \"pid\": -4.5e+3, \"x\": [true, false, null]}";
	g_assert_true(json_util_check(ok, strlen(ok), 1024, &error));
	g_assert_no_error(error);

	g_assert_false(json_util_check(over, strlen(over), G_MAXSIZE, &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, "JSON nested deeper than 64 levels");
	g_clear_error(&error);
	/* json-glib takes these, and they would hide brackets from a quote-only count. */
	check_refused("['\"', [[[1]]]]", "not JSON: unexpected ''' at byte 1");
	check_refused("[/* \" */ 1]", "not JSON: unexpected '/' at byte 1");
	check_refused("[1]\x01", "not JSON: unexpected byte 0x01 at byte 3");
	g_autofree char *big = g_strnfill(1025, ' ');
	check_refused(big, "larger than 1024 bytes");
	g_assert_false(json_util_check("[1]", 3, 2, NULL));
}

static void check_tree(const char *text, const char *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) p = json_util_parse(text, strlen(text), 1024, &error);

	g_assert_no_error(error);
	if (want == NULL) {
		g_assert_true(json_util_check_tree(json_parser_get_root(p), &error));
		g_assert_no_error(error);
		return;
	}
	g_assert_false(json_util_check_tree(json_parser_get_root(p), &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_check_tree(void)
{
	g_test_summary("json-glib takes infinite numbers and \\u escapes that decode to bytes "
		       "that are not UTF-8, and writes both back as no JSON reads them: "
		       "refused, saying where");
	check_tree("{\"a\": [1, {\"b\": 1e999}]}", "number out of range at a[1].b");
	check_tree("[-1e999]", "number out of range at [0]");
	check_tree("1e999", "number out of range at the top level");
	check_tree("{\"process\": {\"env\": [\"A=1\", \"B=\\udffd.\"]}}",
		   "string not UTF-8 at process.env[1]");
	check_tree("{\"x\": \"\\ud80log\"}", "string not UTF-8 at x");
	check_tree("{\"p\": {\"a\\udffdb\": 1}}", "member name not UTF-8 at p");
	check_tree("{\"a\": [1e308, -1e-999, 9223372036854775807, \"\\ud83d\\ude00\", null, "
		   "true, {}], \"\\u00e9\": \"\\u0041\"}",
		   NULL);
	g_assert_true(json_util_check_tree(NULL, NULL));
}

static void test_deep_record(void)
{
	g_autofree char *text = nested("", DEEP, "");
	g_autofree char *in_object =
		nested("{\"version\": 1, \"id\": \"web1\", \"x\": ", DEEP, "}");
	g_autoptr(GError) error = NULL;

	g_test_summary("a state record nested 100,000 levels: EPROTO naming the file, no crash");
	g_autoptr(VigilContainer) c = state_record_parse(text, strlen(text), "web1", "/s", &error);
	g_assert_null(c);
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==,
			"state record of container 'web1' is corrupt: '/s/state.json': JSON "
			"nested deeper than 64 levels");
	g_clear_error(&error);
	g_autoptr(VigilContainer) d =
		state_record_parse(in_object, strlen(in_object), "web1", "/s", &error);
	g_assert_null(d);
	g_assert_error(error, VIGIL_ERROR, EPROTO);
}

static void test_deep_runtime_and_monitor(void)
{
	g_autofree char *state = nested("{\"status\": \"running\", \"x\": ", DEEP, "}");
	g_autofree char *log = nested("{\"level\": \"error\", \"msg\": ", DEEP, "}");
	/* Within the sync line bound (128 KiB), still deep enough to crash json-glib. */
	g_autofree char *sync = nested("{\"data\": 4, \"x\": ", 65000, "}\n");
	g_autoptr(GError) error = NULL;
	VigilStatus status = VIGIL_STATUS_UNKNOWN;
	int pid = 0, value = 0;

	g_test_summary("the runtime's state, its log lines and the monitor's sync messages, "
		       "nested 100,000 levels: refused, no crash");
	g_assert_false(status_parse_state(state, &status, &pid, &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==,
			"the runtime's state is not valid: JSON nested deeper than 64 levels");
	g_clear_error(&error);
	/* Not an error line: the plain last line before it is the message. */
	g_autofree char *both = g_strconcat("plain words\n", log, "\n", NULL);
	g_autofree char *msg = runtime_cmd_error_message(both, -1);
	g_assert_cmpstr(msg, ==, "plain words");
	g_assert_false(sync_decode(sync, strlen(sync), &value, NULL, &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==,
			"bad message from the monitor: JSON nested deeper than 64 levels");
}

typedef struct {
	char *dir;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("vigil-json-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
}

static void teardown(Fixture *f, gconstpointer data)
{
	const char *rm[] = { "rm", "-rf", f->dir, NULL };

	g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
	g_free(f->dir);
}

static void test_deep_files(Fixture *f, gconstpointer data)
{
	g_autofree char *config = g_build_filename(f->dir, "config.json", NULL);
	g_autofree char *text = nested("{\"process\": ", DEEP, "}");
	g_autoptr(VigilContainer) ctr = container_new("web1", f->dir);
	g_autoptr(GError) error = NULL;

	g_test_summary("a bundle's config.json and an exec session record nested 100,000 "
		       "levels: refused with the file named, no crash");
	g_assert_true(g_file_set_contents(config, text, -1, NULL));
	g_autoptr(Bundle) b = bundle_load(f->dir, &error);
	g_assert_null(b);
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_autofree char *want = g_strdup_printf("'%s': JSON nested deeper than 64 levels", config);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);

	/* A session record that cannot be read is a session without one. */
	g_autofree char *sdir = g_build_filename(f->dir, "exec", "s1", NULL);
	g_autofree char *srecord = g_build_filename(sdir, SESSION_RECORD, NULL);
	g_assert_cmpint(g_mkdir_with_parents(sdir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(srecord, text, -1, NULL));
	g_autoptr(ExecSession) s = exec_session_load(ctr, "s1", &error);
	g_assert_no_error(error);
	g_assert_cmpint(s->pid, ==, 0);
}

static void expect_bad_config(Fixture *f, const char *text, const char *why)
{
	g_autofree char *config = g_build_filename(f->dir, "config.json", NULL);
	g_autofree char *want = g_strdup_printf("'%s': %s", config, why);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(config, text, -1, NULL));
	g_autoptr(Bundle) b = bundle_load(f->dir, &error);
	g_assert_null(b);
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_config_values(Fixture *f, gconstpointer data)
{
	g_test_summary("a config.json with a number json-glib reads as infinity, or a string "
		       "that decodes to bytes that are not UTF-8: refused at load with the file "
		       "and the place named (its copy for the runtime would not be JSON)");
	expect_bad_config(f, "{\"process\": {\"consoleSize\": {\"height\": 1e999}}}",
			  "number out of range at process.consoleSize.height");
	expect_bad_config(f, "{\"process\": {\"args\": [\"sh\", \"a\\udffdb\"]}}",
			  "string not UTF-8 at process.args[1]");
}

static void expect_corrupt(Fixture *f, const char *record, const char *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) c = state_record_load(record, "web1", f->dir, &error);
	g_autofree char *want = g_strdup_printf(
		"state record of container 'web1' is corrupt: '%s': %s", record, why);

	g_assert_null(c);
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_record_not_a_file(Fixture *f, gconstpointer data)
{
	g_autofree char *record = g_build_filename(f->dir, "state.json", NULL);
	g_autofree char *big = g_strnfill(JSON_UTIL_RECORD_MAX + 1, ' ');

	g_test_summary("a state.json that is a directory, a FIFO, a symlink or too large: "
		       "EPROTO (corrupt) naming the file, never a hang or a huge read");
	g_assert_cmpint(mkdir(record, 0700), ==, 0);
	expect_corrupt(f, record, "a directory, not a file");
	g_assert_cmpint(rmdir(record), ==, 0);
	g_assert_cmpint(mkfifo(record, 0600), ==, 0);
	expect_corrupt(f, record, "not a regular file");
	g_assert_cmpint(unlink(record), ==, 0);
	g_assert_cmpint(symlink("/etc/hostname", record), ==, 0);
	expect_corrupt(f, record, "a symbolic link");
	g_assert_cmpint(unlink(record), ==, 0);
	g_assert_true(g_file_set_contents(record, big, -1, NULL));
	expect_corrupt(f, record, "larger than 1048576 bytes");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/controller-json/check", test_check);
	g_test_add_func("/controller-json/check-tree", test_check_tree);
	g_test_add_func("/controller-json/deep-record", test_deep_record);
	g_test_add_func("/controller-json/deep-runtime-monitor", test_deep_runtime_and_monitor);
	g_test_add("/controller-json/deep-files", Fixture, NULL, setup, test_deep_files, teardown);
	g_test_add("/controller-json/config-values", Fixture, NULL, setup, test_config_values,
		   teardown);
	g_test_add("/controller-json/record-not-a-file", Fixture, NULL, setup,
		   test_record_not_a_file, teardown);
	return g_test_run();
}
