/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "json_writer.h"

static char *enc(const char *s, gssize len)
{
	GString *out = g_string_new(NULL);

	json_append_string(out, s, len);
	return g_string_free(out, FALSE);
}

static void test_exact_escapes(void)
{
	static const struct {
		const char *in;
		gssize len;
		const char *out;
	} cases[] = {
		{ "", 0, "\"\"" },
		{ "plain text", -1, "\"plain text\"" },
		{ "a\"b\\c/d", -1, "\"a\\\"b\\\\c\\/d\"" },
		{ "\n\r\t\b\f", -1, "\"\\n\\r\\t\\b\\f\"" },
		{ "\x01\x1f\x7f", -1, "\"\\u0001\\u001f\\u007f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "h\xc3\xa9llo", -1, "\"h\xc3\xa9llo\"" },
		{ "bad\xff\xfeutf", -1, "\"bad\xef\xbf\xbd\xef\xbf\xbdutf\"" },
		{ "cut\xc3", -1, "\"cut\xef\xbf\xbd\"" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = enc(cases[i].in, cases[i].len);
		g_assert_cmpstr(got, ==, cases[i].out);
	}
}

/* Whatever the bytes, json-glib must parse the output back. */
static void test_parses_with_json_glib(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(42);

	for (int round = 0; round < 2000; round++) {
		char buf[64];
		gsize len = (gsize)g_rand_int_range(rand, 0, sizeof buf);
		for (gsize i = 0; i < len; i++)
			buf[i] = (char)g_rand_int_range(rand, 0, 256);
		g_autofree char *s = enc(buf, (gssize)len);
		g_autofree char *doc = g_strdup_printf("{\"m\": %s}", s);
		g_autoptr(JsonParser) p = json_parser_new();
		g_autoptr(GError) error = NULL;
		if (!json_parser_load_from_data(p, doc, -1, &error))
			g_test_message("doc: %s", doc);
		g_assert_no_error(error);
		/* valid UTF-8 input survives unchanged */
		if (g_utf8_validate(buf, (gssize)len, NULL) && memchr(buf, 0, len) == NULL) {
			JsonObject *o = json_node_get_object(json_parser_get_root(p));
			g_assert_cmpmem(json_object_get_string_member(o, "m"),
					strlen(json_object_get_string_member(o, "m")), buf, len);
		}
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/json-writer/exact-escapes", test_exact_escapes);
	g_test_add_func("/json-writer/parses-with-json-glib", test_parses_with_json_glib);
	return g_test_run();
}
