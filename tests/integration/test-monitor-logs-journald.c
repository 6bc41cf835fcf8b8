/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "testlib.h"

/*
 * The journald driver against real runc and a real journald (docs/conmon-contract.md,
 * "journald format"): conmon's fields, so `podman logs` and `journalctl CONTAINER_NAME=…` find the
 * entries; priorities per stream and from "<N>"; long lines assembled far beyond conmon's 8 KiB.
 */

#define WAIT_MS 30000

/* A 200 KiB line (one entry), a 600 KiB line (flagged pieces), priorities, a label. */
#define JOURNALD_SCRIPT                                                           \
	"echo hello; echo oops >&2; echo '<3>urgent'; echo '<9>not a priority'; " \
	"head -c 204800 /dev/zero | tr '\\000' a; echo; "                         \
	"head -c 614400 /dev/zero | tr '\\000' b; echo; printf 'no newline'"

/* The journal's entries for the container, in order, once the one whose MESSAGE is last
 * (what the container wrote last) is there. */
static JsonArray *journal_entries(const char *cid, const char *last)
{
	g_autofree char *match = g_strdup_printf("CONTAINER_ID_FULL=%s", cid);
	const char *argv[] = { "journalctl", "--no-pager", "--all", "-o", "json", match, NULL };
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	JsonArray *entries = json_array_new();
	gboolean complete = FALSE;

	while (!complete && g_get_monotonic_time() < deadline) {
		g_autofree char *out = NULL;
		json_array_unref(entries);
		entries = json_array_new();
		g_assert_cmpint(testlib_run(argv, NULL, &out, NULL), ==, 0);
		g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
		for (char **l = lines; *l != NULL && **l != '\0'; l++) {
			g_autoptr(JsonParser) p = json_parser_new();
			g_assert_true(json_parser_load_from_data(p, *l, -1, NULL));
			JsonObject *o = json_node_get_object(json_parser_get_root(p));
			if (json_object_has_member(o, "MESSAGE") &&
			    g_strcmp0(json_object_get_string_member(o, "MESSAGE"), last) == 0)
				complete = TRUE;
			json_array_add_element(entries, json_node_copy(json_parser_get_root(p)));
		}
		if (!complete)
			g_usleep(100 * 1000);
	}
	return entries;
}

static const char *field(JsonArray *entries, guint i, const char *name)
{
	JsonObject *o = json_array_get_object_element(entries, i);

	return json_object_has_member(o, name) ? json_object_get_string_member(o, name) : NULL;
}

#define OUT_FIELD(k, name) field(e, (guint)(guintptr)g_ptr_array_index(out, k), name)

/* One line from the entries out[*k]...: flagged pieces up to the first unflagged entry;
 * *k moves past it. */
static GString *join_pieces(JsonArray *e, GPtrArray *out, guint *k)
{
	GString *line = g_string_new(NULL);

	for (; *k < out->len; (*k)++) {
		const char *partial = OUT_FIELD(*k, "CONTAINER_PARTIAL_MESSAGE");
		g_string_append(line, OUT_FIELD(*k, "MESSAGE"));
		if (partial == NULL) {
			(*k)++;
			break;
		}
		g_assert_cmpstr(partial, ==, "true");
	}
	return line;
}

static void test_journald(void)
{
	if (!testlib_require_runc() || !testlib_require_program("journalctl") ||
	    !testlib_ensure_journald())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", JOURNALD_SCRIPT, NULL });
	/* journald needs an id longer than 12 characters (CONTAINER_ID is the first 12) */
	char *longer = g_strdup_printf("%s-0123456789abcdef", b->id);
	g_free(b->id);
	b->id = longer;
	const char *extra[] = { "-l",     "journald",    "--log-tag",
				"tagged", "--log-label", "VIGIL_TEST_LABEL=yes",
				NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, extra, NULL);

	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	/* hello, oops, urgent, <9>, 200 KiB, 600 KiB in >= 2 pieces, no newline */
	g_autoptr(JsonArray) e = journal_entries(b->id, "no newline");
	guint n = json_array_get_length(e);
	g_assert_cmpuint(n, >=, 8);
	if (n < 8)
		return; /* assertions are non-fatal: the checks below would index past the end */
	g_autofree char *short_id = g_strndup(b->id, 12);
	for (guint i = 0; i < n; i++) {
		g_assert_cmpstr(field(e, i, "CONTAINER_ID_FULL"), ==, b->id);
		g_assert_cmpstr(field(e, i, "CONTAINER_ID"), ==, short_id);
		g_assert_cmpstr(field(e, i, "CONTAINER_NAME"), ==, b->id); /* -n in the argv */
		g_assert_cmpstr(field(e, i, "CONTAINER_TAG"), ==, "tagged");
		g_assert_cmpstr(field(e, i, "SYSLOG_IDENTIFIER"), ==, "tagged");
		g_assert_cmpstr(field(e, i, "VIGIL_TEST_LABEL"), ==, "yes");
	}
	/* stdout and stderr are separate pipes: their relative order is not the container's */
	guint hello = 0, oops = 0;
	for (guint i = 0; i < n; i++) {
		const char *msg = field(e, i, "MESSAGE");
		if (g_strcmp0(msg, "hello\n") == 0)
			hello = i + 1;
		if (g_strcmp0(msg, "oops\n") == 0)
			oops = i + 1;
	}
	g_assert_cmpuint(hello, >, 0);
	g_assert_cmpuint(oops, >, 0);
	if (hello == 0 || oops == 0)
		return;
	g_assert_cmpstr(field(e, hello - 1, "PRIORITY"), ==, "6");
	g_assert_cmpstr(field(e, oops - 1, "PRIORITY"), ==, "3");
	g_assert_null(field(e, hello - 1, "CONTAINER_PARTIAL_MESSAGE"));

	/* the stdout entries after "hello", in order */
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	for (guint i = hello; i < n; i++) {
		if (i + 1 != oops)
			g_ptr_array_add(out, (gpointer)(guintptr)i);
	}
	g_assert_cmpstr(OUT_FIELD(0, "MESSAGE"), ==, "urgent\n");
	g_assert_cmpstr(OUT_FIELD(0, "PRIORITY"), ==, "3");
	g_assert_cmpstr(OUT_FIELD(1, "MESSAGE"), ==, "<9>not a priority\n");
	g_assert_cmpstr(OUT_FIELD(1, "PRIORITY"), ==, "6");
	/* 200 KiB: one entry (conmon: 26 entries of 8 KiB), unless `tr` stalled for longer than
	 * the hold timer between two pipe-fulls (a loaded CI machine), which flushes what is held
	 * as a flagged piece; either way the pieces rebuild the line. */
	guint k = 2;
	g_autoptr(GString) line = join_pieces(e, out, &k);
	g_assert_cmpuint(line->len, ==, 204801);
	g_assert_cmpuint(strspn(line->str, "a"), ==, 204800);
	if (k != 3)
		g_test_message("the 200 KiB line came in %u pieces", k - 2);
	/* 600 KiB: beyond the bound, so flagged pieces, then the end of the line */
	guint first = k;
	g_autoptr(GString) big = join_pieces(e, out, &k);
	g_assert_cmpuint(k - first, >=, 2);
	g_assert_cmpuint(big->len, ==, 614401);
	g_assert_cmpuint(strspn(big->str, "b"), ==, 614400);
	/* the last fragment, written out at exit */
	g_assert_cmpuint(k + 1, ==, out->len);
	if (k + 1 != out->len)
		return;
	g_assert_cmpstr(OUT_FIELD(k, "MESSAGE"), ==, "no newline");
	g_assert_cmpstr(OUT_FIELD(k, "CONTAINER_PARTIAL_MESSAGE"), ==, "true");
#undef OUT_FIELD
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/logs/journald", test_journald);
	return g_test_run();
}
