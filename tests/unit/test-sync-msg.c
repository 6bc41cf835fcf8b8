/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "sync_msg.h"

static void test_exact_bytes(void)
{
	g_autofree char *a = sync_msg_format(SYNC_KEY_DATA, 10840, NULL, 0);
	g_autofree char *b = sync_msg_format(SYNC_KEY_PID, 11385, NULL, 0);
	g_autofree char *c = sync_msg_format(SYNC_KEY_EXIT_CODE, -1, "command timed out", -1);
	g_autofree char *d = sync_msg_format(SYNC_KEY_DATA, -1, "", -1);
	g_autofree char *e = sync_msg_format(SYNC_KEY_PID, -1, "a \"q\"/x\n", -1);

	/* byte-exact with conmon: one space after colon and comma, newline-terminated */
	g_assert_cmpstr(a, ==, "{\"data\": 10840}\n");
	g_assert_cmpstr(b, ==, "{\"pid\": 11385}\n");
	g_assert_cmpstr(c, ==, "{\"exit_code\": -1, \"message\": \"command timed out\"}\n");
	g_assert_cmpstr(d, ==, "{\"data\": -1}\n");
	g_assert_cmpstr(e, ==, "{\"pid\": -1, \"message\": \"a \\\"q\\\"\\/x\\n\"}\n");
}

static void test_keys(void)
{
	g_assert_cmpint(sync_key_for(TRUE, FALSE), ==, SYNC_KEY_DATA);
	g_assert_cmpint(sync_key_for(TRUE, TRUE), ==, SYNC_KEY_DATA);
	g_assert_cmpint(sync_key_for(FALSE, FALSE), ==, SYNC_KEY_PID);
	g_assert_cmpint(sync_key_for(FALSE, TRUE), ==, SYNC_KEY_EXIT_CODE);
}

static void test_decodes(void)
{
	g_autofree char *m = sync_msg_format(SYNC_KEY_DATA, -1, "runc: \xff bad", -1);
	g_autoptr(JsonParser) p = json_parser_new();

	g_assert_true(json_parser_load_from_data(p, m, -1, NULL));
	JsonObject *o = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpint(json_object_get_int_member(o, "data"), ==, -1);
	g_assert_cmpstr(json_object_get_string_member(o, "message"), ==, "runc: \xef\xbf\xbd bad");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sync-msg/exact-bytes", test_exact_bytes);
	g_test_add_func("/sync-msg/keys", test_keys);
	g_test_add_func("/sync-msg/decodes", test_decodes);
	return g_test_run();
}
