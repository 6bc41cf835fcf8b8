/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_proto.h"
#include "output_hold.h"

static void collect(int stream, const char *buf, gsize len, gpointer data)
{
	GString *out = data;

	g_string_append_printf(out, "%d:", stream);
	g_string_append_len(out, buf, (gssize)len);
	g_string_append_c(out, '|');
}

static void test_order_and_release(void)
{
	g_autoptr(OutputHold) hold = output_hold_new();
	g_autoptr(GString) out = g_string_new(NULL);

	g_assert_true(output_hold_add(hold, VIGIL_STREAM_STDOUT, "a", 1));
	g_assert_true(output_hold_add(hold, VIGIL_STREAM_STDERR, "b\0c", 3));
	g_assert_true(output_hold_add(hold, VIGIL_STREAM_STDOUT, "", 0));
	output_hold_release(hold, collect, out);
	g_assert_cmpmem(out->str, out->len, "2:a|3:b\0c|2:|", 13);
	/* released means forgotten */
	g_string_truncate(out, 0);
	output_hold_release(hold, collect, out);
	g_assert_cmpuint(out->len, ==, 0);
}

static void test_bound(void)
{
	g_autoptr(OutputHold) hold = output_hold_new();
	g_autofree char *big = g_malloc0(600 * 1024);

	g_assert_true(output_hold_add(hold, VIGIL_STREAM_STDOUT, big, 600 * 1024));
	/* past 1 MiB nothing more is kept: the caller passes output on directly */
	g_assert_false(output_hold_add(hold, VIGIL_STREAM_STDOUT, big, 600 * 1024));
	g_autoptr(GString) out = g_string_new(NULL);
	output_hold_release(hold, collect, out);
	g_assert_cmpuint(out->len, ==, 600 * 1024 + 3);
	g_assert_true(output_hold_add(hold, VIGIL_STREAM_STDOUT, big, 600 * 1024));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/output-hold/order-and-release", test_order_and_release);
	g_test_add_func("/output-hold/bound", test_bound);
	return g_test_run();
}
