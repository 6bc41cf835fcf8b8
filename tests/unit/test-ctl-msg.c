/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "ctl_msg.h"
#include "error_util.h"

static gboolean parse(const char *line, CtlMsg *out, GError **error)
{
	return ctl_msg_parse(line, strlen(line), out, error);
}

static void assert_ctl(const char *line, CtlMsgType type, int height, int width)
{
	g_autoptr(GError) error = NULL;
	CtlMsg msg = { 0 };

	g_assert_true(parse(line, &msg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(msg.type, ==, type);
	g_assert_cmpint(msg.height, ==, height);
	g_assert_cmpint(msg.width, ==, width);
}

static void assert_ctl_error(const char *line, int code, const char *message)
{
	g_autoptr(GError) error = NULL;
	CtlMsg msg = { .type = 77, .height = 77, .width = 77 };

	g_assert_false(parse(line, &msg, &error));
	g_assert_error(error, VIGIL_ERROR, code);
	g_assert_cmpstr(error->message, ==, message);
	/* a rejected line leaves the output alone */
	g_assert_cmpint(msg.type, ==, 77);
	g_assert_cmpint(msg.height, ==, 77);
}

static void test_valid(void)
{
	g_test_summary("The lines podman and CRI-O write, and what conmon's scanf accepts");
	assert_ctl("1 24 80", CTL_MSG_RESIZE, 24, 80);
	assert_ctl("2 0 0", CTL_MSG_REOPEN_LOGS, 0, 0);
	assert_ctl("1 0 0", CTL_MSG_RESIZE, 0, 0);
	assert_ctl("1 1000 1000", CTL_MSG_RESIZE, 1000, 1000);
	/* leading zeros, extra whitespace of every kind, trailing text ignored */
	assert_ctl("1 0010 0020", CTL_MSG_RESIZE, 10, 20);
	assert_ctl("  1\t2 \v\f3\r", CTL_MSG_RESIZE, 2, 3);
	assert_ctl("1 2 2 3", CTL_MSG_RESIZE, 2, 2);
	assert_ctl("1 2 2x", CTL_MSG_RESIZE, 2, 2);
	assert_ctl("1 +5 +6", CTL_MSG_RESIZE, 5, 6);
	/* scanf's " " matches zero spaces too */
	assert_ctl("1 2+3", CTL_MSG_RESIZE, 2, 3);
	assert_ctl("2 1 1", CTL_MSG_REOPEN_LOGS, 1, 1);
}

static void test_malformed(void)
{
	g_test_summary("Malformed ctl lines are rejected with one clear message, never a crash");
	assert_ctl_error("", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("1", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("1 2", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("foo", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("1 2x 3", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("0x1 2 3", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("- 1 2", EINVAL, "expected \"<type> <height> <width>\"");
	/* floats fail on the '.' (as with conmon) */
	assert_ctl_error("1 10.5 20.3", EINVAL, "expected \"<type> <height> <width>\"");
	assert_ctl_error("999 2 2", EINVAL, "unknown message type 999");
	assert_ctl_error("0 2 2", EINVAL, "unknown message type 0");
	assert_ctl_error("-1 2 2", EINVAL, "unknown message type -1");
	/* conmon checks the type before the size */
	assert_ctl_error("3 5000 2", EINVAL, "unknown message type 3");
	assert_ctl_error("1 1001 80", ERANGE, "window size 1001x80 is outside 0..1000");
	assert_ctl_error("1 24 -1", ERANGE, "window size 24x-1 is outside 0..1000");
	/* the size check applies to reopen too (docs/conmon-contract.md, "ctl and winsz FIFOs") */
	assert_ctl_error("2 0 5000", ERANGE, "window size 0x5000 is outside 0..1000");
	/* beyond int: an error, not scanf's undefined behaviour */
	assert_ctl_error("1 99999999999999999999 1", ERANGE, "number 2 does not fit an int");
	assert_ctl_error("1 2147483648 1", ERANGE, "number 2 does not fit an int");
	assert_ctl_error("1 -2147483649 1", ERANGE, "number 2 does not fit an int");
	assert_ctl_error("2147483647 1 1", EINVAL, "unknown message type 2147483647");
	assert_ctl_error("-2147483648 1 1", EINVAL, "unknown message type -2147483648");
}

static void test_embedded_nul(void)
{
	g_autoptr(GError) error = NULL;
	CtlMsg msg = { 0 };
	/* The length bounds the parse, not a NUL: bytes after it are just trailing text. */
	static const char line[] = "1 3 4\0garbage";
	static const char cut[] = "1 3\0 4";

	g_assert_true(ctl_msg_parse(line, sizeof line - 1, &msg, &error));
	g_assert_cmpint(msg.height, ==, 3);
	g_assert_cmpint(msg.width, ==, 4);
	g_assert_false(ctl_msg_parse(cut, sizeof cut - 1, &msg, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	/* Nothing is read past len. */
	g_clear_error(&error);
	g_assert_false(ctl_msg_parse("1 3 4", 4, &msg, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
}

static void test_winsz(void)
{
	g_autoptr(GError) error = NULL;
	CtlMsg msg = { 0 };

	g_assert_true(ctl_msg_parse_winsz("30 100", 6, &msg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(msg.type, ==, CTL_MSG_RESIZE);
	g_assert_cmpint(msg.height, ==, 30);
	g_assert_cmpint(msg.width, ==, 100);
	g_assert_true(ctl_msg_parse_winsz("1 2 3", 5, &msg, &error));
	g_assert_cmpint(msg.height, ==, 1);
	g_assert_cmpint(msg.width, ==, 2);

	g_assert_false(ctl_msg_parse_winsz("30", 2, &msg, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_assert_cmpstr(error->message, ==, "expected \"<height> <width>\"");
	g_clear_error(&error);
	g_assert_false(ctl_msg_parse_winsz("30 1001", 7, &msg, &error));
	g_assert_error(error, VIGIL_ERROR, ERANGE);
	g_assert_cmpstr(error->message, ==, "window size 30x1001 is outside 0..1000");
}

typedef struct {
	GPtrArray *lines; /* "<line>" or "(overlong)" */
} Collect;

static void collect_line(const char *line, gsize len, gpointer data)
{
	Collect *c = data;

	g_ptr_array_add(c->lines, line != NULL ? g_strndup(line, len) : g_strdup("(overlong)"));
}

static char *feed_all(const char *const *chunks)
{
	Collect c = { g_ptr_array_new_with_free_func(g_free) };
	CtlLineBuf lb = { 0 };

	for (; *chunks != NULL; chunks++)
		ctl_line_buf_feed(&lb, *chunks, strlen(*chunks), collect_line, &c);
	g_ptr_array_add(c.lines, NULL);
	char *joined = g_strjoinv("|", (char **)c.lines->pdata);
	g_ptr_array_unref(c.lines);
	return joined;
}

static void test_line_buf(void)
{
	g_test_summary("Lines are split across reads and several per read, in order");
	g_autofree char *a = feed_all((const char *const[]){ "1 24 80\n2 0 0\n", NULL });
	g_assert_cmpstr(a, ==, "1 24 80|2 0 0");
	g_autofree char *b = feed_all((const char *const[]){ "1 2", "4 8", "0\n2 0", NULL });
	/* the incomplete "2 0" stays buffered */
	g_assert_cmpstr(b, ==, "1 24 80");
	g_autofree char *c = feed_all((const char *const[]){ "\n\n", "x\n", NULL });
	g_assert_cmpstr(c, ==, "||x");
}

static void test_line_buf_overlong(void)
{
	g_test_summary("An over-long line is dropped whole; the next line is parsed normally");
	g_autofree char *max = g_strnfill(CTL_MSG_LINE_MAX, '7');
	g_autofree char *over = g_strnfill(CTL_MSG_LINE_MAX + 1, '1');
	g_autofree char *max_nl = g_strconcat(max, "\n", NULL);
	g_autofree char *over_nl = g_strconcat(over, " 2 3\n1 5 6\n", NULL);

	g_autofree char *a = feed_all((const char *const[]){ max_nl, NULL });
	g_assert_cmpstr(a, ==, max);
	/* conmon would parse the tail " 2 3" of the long line as a message; we drop it */
	g_autofree char *b = feed_all((const char *const[]){ over_nl, NULL });
	g_assert_cmpstr(b, ==, "(overlong)|1 5 6");
	/* split over many reads */
	g_autofree char *c =
		feed_all((const char *const[]){ max, "1", "2 2 2", "\n", "2 0 0\n", NULL });
	g_assert_cmpstr(c, ==, "(overlong)|2 0 0");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ctl-msg/valid", test_valid);
	g_test_add_func("/ctl-msg/malformed", test_malformed);
	g_test_add_func("/ctl-msg/embedded-nul", test_embedded_nul);
	g_test_add_func("/ctl-msg/winsz", test_winsz);
	g_test_add_func("/ctl-msg/line-buf", test_line_buf);
	g_test_add_func("/ctl-msg/line-buf-overlong", test_line_buf_overlong);
	return g_test_run();
}
