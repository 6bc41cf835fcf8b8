/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "testlib.h"

/*
 * A k8s-file record always carries container bytes (docs/logging.md). conmon 2.2.0 wrote an
 * empty "F" record to end a partial line at exit; `podman logs` then printed a newline the
 * container never wrote and Kubernetes' log tests failed, and it was reverted. Every path
 * that could write a record with nothing in it is driven here: empty writes, lone newlines,
 * a fragment held for merging then flushed (by the timer, by the other stream, by the
 * container's exit, by a rotation), a line longer than one record, a terminal.
 *
 * The check is exact: each stream rebuilt from its records (an F record's content plus the
 * newline, a P record's content alone) must be byte for byte what the container wrote, so a
 * spurious F adds a newline and fails; and no P record may be empty.
 */

#define WAIT_MS 30000

typedef struct {
	GString *bytes[2]; /* stdout, stderr */
	guint records;
	guint empty_partial;
	guint malformed;
} Rebuilt;

static void rebuilt_clear(Rebuilt *r)
{
	for (int i = 0; i < 2; i++) {
		if (r->bytes[i] != NULL)
			g_string_free(r->bytes[i], TRUE);
	}
}

/* Add the records of one k8s-file to r. */
static void rebuild_file(Rebuilt *r, const char *path)
{
	g_autofree char *text = testlib_read_file(path);
	g_autoptr(GRegex) re =
		g_regex_new("^[0-9T:.+-]+ (stdout|stderr) ([PF]) (.*)$", G_REGEX_DOTALL, 0, NULL);

	for (int i = 0; i < 2; i++) {
		if (r->bytes[i] == NULL)
			r->bytes[i] = g_string_new(NULL);
	}
	if (text == NULL || *text == '\0')
		return;
	/* every record ends with '\n' */
	g_assert_true(g_str_has_suffix(text, "\n"));
	text[strlen(text) - 1] = '\0';
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		g_autoptr(GMatchInfo) mi = NULL;
		r->records++;
		if (!g_regex_match(re, *l, 0, &mi)) {
			g_test_message("malformed record: '%s'", *l);
			r->malformed++;
			continue;
		}
		g_autofree char *stream = g_match_info_fetch(mi, 1);
		g_autofree char *tag = g_match_info_fetch(mi, 2);
		g_autofree char *content = g_match_info_fetch(mi, 3);
		GString *out = r->bytes[g_str_equal(stream, "stderr") ? 1 : 0];
		g_string_append(out, content);
		if (g_str_equal(tag, "F"))
			g_string_append_c(out, '\n');
		else if (*content == '\0')
			r->empty_partial++;
	}
}

static void assert_rebuilt(Rebuilt *r, const char *want_out, const char *want_err)
{
	g_test_message("%u records", r->records);
	g_assert_cmpuint(r->malformed, ==, 0);
	g_assert_cmpuint(r->empty_partial, ==, 0);
	g_assert_cmpstr(r->bytes[0]->str, ==, want_out);
	g_assert_cmpstr(r->bytes[1]->str, ==, want_err);
}

/* Run script in a podman-like container with extra monitor args; exit file 0 and the
 * monitor gone before returning. */
static TestBundle *run_script(const char *script, const char *const *extra)
{
	TestBundle *b = test_bundle_new((const char *const[]){ "sh", "-c", script, NULL });
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, extra, NULL);

	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	return b;
}

/* Empty writes and lone newlines, fragments merged, the other stream cutting in, and the
 * container ending mid-line: the log ends with the P record, no F after it. */
static void test_fragments_and_exit(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = run_script("printf a; printf '\\n'; printf ''; printf '\\n\\n'; "
					     "printf b; printf 'c\\n'; printf e1 >&2; printf o1; "
					     "printf 'e2\\n' >&2; printf '\\n'; printf tail",
					     NULL);
	Rebuilt r = { 0 };

	rebuild_file(&r, b->log_path);
	assert_rebuilt(&r, "a\n\n\nbc\no1\ntail", "e1e2\n");
	g_autofree char *text = testlib_read_file(b->log_path);
	/* the two pipes are read one after the other: only each stream's order is kept */
	g_assert_nonnull(strstr(text, " stdout P tail\n"));
	rebuilt_clear(&r);
}

/* A prompt held back, then written by the hold timer, then the line's end: the timer's flush
 * is one P record with the prompt, the rest an F record, nothing empty between. */
static void test_held_fragment_timer(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		run_script("printf 'prompt> '; sleep 1; echo answer; printf 'x'; sleep 1", NULL);
	Rebuilt r = { 0 };

	rebuild_file(&r, b->log_path);
	assert_rebuilt(&r, "prompt> answer\nx", "");
	rebuilt_clear(&r);
}

/* Rotation at every few records, fragments and empty lines among them: the files together
 * hold exactly the output, each file only whole records with content. */
static void test_rotation_boundaries(void)
{
	if (!testlib_require_runc())
		return;
	const char *extra[] = { "--log-size-max",  "300", "--log-rotate",
				"--log-max-files", "200", NULL };
	g_autoptr(TestBundle) b = run_script("i=0; while [ $i -lt 40 ]; do printf \"l$i\"; "
					     "printf '\\n'; echo; printf 'p'; i=$((i+1)); done",
					     extra);
	g_autoptr(GString) want = g_string_new(NULL);
	Rebuilt r = { 0 };

	for (int i = 0; i < 40; i++)
		g_string_append_printf(want, "%sl%d\n\n", i == 0 ? "" : "p", i);
	g_string_append(want, "p");
	for (int n = 200; n >= 1; n--) {
		g_autofree char *path = g_strdup_printf("%s.%d", b->log_path, n);
		if (g_file_test(path, G_FILE_TEST_EXISTS))
			rebuild_file(&r, path);
	}
	rebuild_file(&r, b->log_path);
	assert_rebuilt(&r, want->str, "");
	rebuilt_clear(&r);
}

/* Truncation drops the old content: what is left is still only records with content. */
static void test_truncate_boundaries(void)
{
	if (!testlib_require_runc())
		return;
	const char *extra[] = { "--log-size-max", "200", NULL };
	g_autoptr(TestBundle) b = run_script(
		"i=0; while [ $i -lt 40 ]; do printf \"l$i\"; echo; printf 'p'; i=$((i+1)); done",
		extra);
	g_autoptr(GString) full = g_string_new(NULL);
	Rebuilt r = { 0 };

	for (int i = 0; i < 40; i++)
		g_string_append_printf(full, "%sl%d\n", i == 0 ? "" : "p", i);
	g_string_append(full, "p");
	rebuild_file(&r, b->log_path);
	g_assert_cmpuint(r.malformed, ==, 0);
	g_assert_cmpuint(r.empty_partial, ==, 0);
	g_assert_cmpuint(r.records, >, 0);
	/* the newest records, the exit's fragment last and nothing empty after it */
	g_assert_cmpuint(r.bytes[0]->len, >, 0);
	g_assert_true(g_str_has_suffix(full->str, r.bytes[0]->str));
	rebuilt_clear(&r);
}

/* A line much longer than one record (64 KiB by default), written in pieces: P records with
 * content, the last piece F. */
static void test_long_line(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = run_script(
		"i=0; while [ $i -lt 50 ]; do head -c 4000 /dev/zero | tr '\\0' x; i=$((i+1)); "
		"done; echo; head -c 70000 /dev/zero | tr '\\0' y",
		NULL);
	g_autofree char *xs = g_strnfill(200000, 'x');
	g_autofree char *ys = g_strnfill(70000, 'y');
	g_autofree char *want = g_strdup_printf("%s\n%s", xs, ys);
	Rebuilt r = { 0 };

	rebuild_file(&r, b->log_path);
	assert_rebuilt(&r, want, "");
	g_assert_cmpuint(r.records, >=, 4);
	rebuilt_clear(&r);
}

/* A terminal's output (one stream, "\r\n" line ends) ending mid-line. */
static void test_terminal(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c",
						       "printf x; printf '\\n'; printf ''; "
						       "printf '\\n'; printf y",
						       NULL });
	test_bundle_set_terminal(b, TRUE);
	test_bundle_write_config(b);
	g_autoptr(TestMonitor) m =
		test_monitor_start_running(b, (const char *const[]){ "-t", NULL }, NULL);
	Rebuilt r = { 0 };

	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	rebuild_file(&r, b->log_path);
	assert_rebuilt(&r, "x\r\n\r\ny", "");
	rebuilt_clear(&r);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/logs/records/fragments-and-exit", test_fragments_and_exit);
	g_test_add_func("/monitor/logs/records/held-fragment-timer", test_held_fragment_timer);
	g_test_add_func("/monitor/logs/records/rotation-boundaries", test_rotation_boundaries);
	g_test_add_func("/monitor/logs/records/truncate-boundaries", test_truncate_boundaries);
	g_test_add_func("/monitor/logs/records/long-line", test_long_line);
	g_test_add_func("/monitor/logs/records/terminal", test_terminal);
	return g_test_run();
}
