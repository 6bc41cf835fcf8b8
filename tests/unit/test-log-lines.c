/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "attach_proto.h"
#include "log_lines.h"

#define OUT VIGIL_STREAM_STDOUT
#define ERR VIGIL_STREAM_STDERR

/* Records as "<o|e><F|P>:<bytes>" in a list, for exact comparison. */
typedef struct {
	LogLines lines;
	GPtrArray *records;
	gsize max_record;
} Fixture;

static void collect(gpointer data, int stream, const char *head, gsize head_len, const char *body,
		    gsize body_len, gboolean partial)
{
	Fixture *f = data;
	GString *s = g_string_new(NULL);

	/* a full record ends its line, a partial one never does */
	g_assert_true(partial || (body_len > 0 && body[body_len - 1] == '\n'));
	g_assert_true(head_len + body_len > 0);
	g_string_append_printf(s, "%c%c:", stream == ERR ? 'e' : 'o', partial ? 'P' : 'F');
	g_string_append_len(s, head, (gssize)head_len);
	g_string_append_len(s, body, (gssize)body_len);
	f->max_record = MAX(f->max_record, head_len + body_len);
	g_ptr_array_add(f->records, g_string_free(s, FALSE));
}

static void setup(Fixture *f, gconstpointer data)
{
	gsize max = data != NULL ? GPOINTER_TO_SIZE(data) : 64;

	log_lines_init(&f->lines, max, collect, f);
	f->records = g_ptr_array_new_with_free_func(g_free);
}

static void teardown(Fixture *f, gconstpointer data)
{
	log_lines_clear(&f->lines);
	g_ptr_array_unref(f->records);
}

static void feed(Fixture *f, int stream, const char *s)
{
	log_lines_feed(&f->lines, stream, s, strlen(s));
}

static void assert_records(Fixture *f, const char *const *want)
{
	guint n = 0;

	for (; want[n] != NULL; n++) {
		g_assert_cmpuint(n, <, f->records->len);
		g_assert_cmpstr(g_ptr_array_index(f->records, n), ==, want[n]);
	}
	g_assert_cmpuint(f->records->len, ==, n);
	g_ptr_array_set_size(f->records, 0);
}

static void test_lines(Fixture *f, gconstpointer data)
{
	feed(f, OUT, "a\nbc\n\n");
	feed(f, OUT, "");
	assert_records(f, (const char *[]){ "oF:a\n", "oF:bc\n", "oF:\n", NULL });
	g_assert_cmpint(log_lines_pending_since(&f->lines), ==, 0);
}

/* A line split across reads is one record (conmon writes one P per read). */
static void test_merge_across_reads(Fixture *f, gconstpointer data)
{
	const char *line = "hello, world\n";

	for (const char *p = line; *p != '\0'; p++)
		log_lines_feed(&f->lines, OUT, p, 1);
	feed(f, OUT, "abc");
	feed(f, OUT, "def\nghi");
	assert_records(f, (const char *[]){ "oF:hello, world\n", "oF:abcdef\n", NULL });
	g_assert_cmpint(log_lines_pending_since(&f->lines), >, 0);
	log_lines_flush(&f->lines, G_MAXINT64);
	assert_records(f, (const char *[]){ "oP:ghi", NULL });
	g_assert_cmpint(log_lines_pending_since(&f->lines), ==, 0);
}

/* The other stream's output goes out only after the held fragment, as a partial record. */
static void test_other_stream_flushes(Fixture *f, gconstpointer data)
{
	feed(f, OUT, "prompt> ");
	feed(f, ERR, "warn\n");
	feed(f, OUT, "answer\n");
	feed(f, ERR, "err-frag");
	feed(f, ERR, "ment");
	feed(f, OUT, "x\n");
	assert_records(f, (const char *[]){ "oP:prompt> ", "eF:warn\n", "oF:answer\n",
					    "eP:err-fragment", "oF:x\n", NULL });
}

/* max 8: a fragment is held while held + new <= 8, else both go out together. */
static void test_bound(Fixture *f, gconstpointer data)
{
	feed(f, OUT, "12345");
	feed(f, OUT, "678");
	assert_records(f, (const char *[]){ NULL });
	feed(f, OUT, "9");
	assert_records(f, (const char *[]){ "oP:123456789", NULL });
	feed(f, OUT, "0123456789");
	assert_records(f, (const char *[]){ "oP:0123456789", NULL });
	feed(f, OUT, "ab\ncdefghijk");
	assert_records(f, (const char *[]){ "oF:ab\n", "oP:cdefghijk", NULL });
	feed(f, OUT, "\n");
	assert_records(f, (const char *[]){ "oF:\n", NULL });
}

/* A 1 MiB line in 64 KiB reads: bounded records whose bytes are the line. */
static void test_huge_line(Fixture *f, gconstpointer data)
{
	const gsize chunk = 64 * 1024, total = 1024 * 1024;
	g_autofree char *line = g_malloc(total + 1);
	g_autoptr(GString) joined = g_string_new(NULL);

	for (gsize i = 0; i < total; i++)
		line[i] = (char)('a' + i % 26);
	line[total] = '\n';
	for (gsize off = 0; off < total + 1; off += chunk)
		log_lines_feed(&f->lines, OUT, line + off, MIN(chunk, total + 1 - off));
	for (guint i = 0; i < f->records->len; i++) {
		const char *r = g_ptr_array_index(f->records, i);
		g_assert_true(g_str_has_prefix(r, i + 1 == f->records->len ? "oF:" : "oP:"));
		g_string_append(joined, r + 3);
	}
	g_assert_cmpmem(joined->str, joined->len, line, total + 1);
	/* held + one read at most; far fewer records than conmon's one per 8 KiB */
	g_assert_cmpuint(f->max_record, <=, 2 * chunk);
	g_assert_cmpuint(f->records->len, <=, 9);
}

/* The hold timer's cut: only fragments that started before it go out. */
static void test_flush_older(Fixture *f, gconstpointer data)
{
	feed(f, ERR, "slow");
	gint64 since = log_lines_pending_since(&f->lines);
	g_assert_cmpint(since, >, 0);
	log_lines_flush(&f->lines, since);
	assert_records(f, (const char *[]){ NULL });
	feed(f, ERR, "er");
	g_assert_cmpint(log_lines_pending_since(&f->lines), ==, since);
	log_lines_flush(&f->lines, since + 1);
	assert_records(f, (const char *[]){ "eP:slower", NULL });
}

static void test_bytes(Fixture *f, gconstpointer data)
{
	static const char chunk[] = "\r\n\0nul\n\xff\xfe\n";

	log_lines_feed(&f->lines, OUT, chunk, sizeof chunk - 1);
	g_assert_cmpuint(f->records->len, ==, 3);
	g_assert_cmpmem(g_ptr_array_index(f->records, 0), 4, "oF:\r", 4);
	g_assert_cmpmem((char *)g_ptr_array_index(f->records, 1) + 3, 5, "\0nul\n", 5);
	g_assert_cmpstr(g_ptr_array_index(f->records, 2), ==, "oF:\xff\xfe\n");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/log-lines/lines", Fixture, NULL, setup, test_lines, teardown);
	g_test_add("/log-lines/merge-across-reads", Fixture, NULL, setup, test_merge_across_reads,
		   teardown);
	g_test_add("/log-lines/other-stream-flushes", Fixture, NULL, setup,
		   test_other_stream_flushes, teardown);
	g_test_add("/log-lines/bound", Fixture, GSIZE_TO_POINTER(8), setup, test_bound, teardown);
	g_test_add("/log-lines/huge-line", Fixture, GSIZE_TO_POINTER(64 * 1024), setup,
		   test_huge_line, teardown);
	g_test_add("/log-lines/flush-older", Fixture, NULL, setup, test_flush_older, teardown);
	g_test_add("/log-lines/bytes", Fixture, NULL, setup, test_bytes, teardown);
	return g_test_run();
}
