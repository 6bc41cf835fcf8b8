/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "attach_proto.h"
#include "error_util.h"
#include "json_log.h"

#define T "2026-11-28T21:18:14.448909925Z"

static char *record(const char *log, gsize len, int stream)
{
	GString *out = g_string_new(NULL);

	json_log_append_record(out, log, len, stream, T, strlen(T));
	return g_string_free(out, FALSE);
}

/* Byte for byte what dockerd's jsonfilelog writes for the same input. */
static void test_exact_escapes(void)
{
	static const struct {
		const char *in;
		gsize len;
		const char *log;
	} cases[] = {
		{ "hello\n", 6, "hello\\n" },
		{ "q\"b\\s/", 6, "q\\\"b\\\\s/" },
		{ "\r\n", 2, "\\r\\n" },
		{ "\t\b\f", 3, "\\u0009\\u0008\\u000c" },
		{ "a\0b", 3, "a\\u0000b" },
		{ "\x01\x1f\x7f", 3, "\\u0001\\u001f\x7f" },
		{ "<a href=x>&amp;", 15, "\\u003ca href=x\\u003e\\u0026amp;" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\xe2\x80\xa8|\xe2\x80\xa9", 7, "\\u2028|\\u2029" },
		/* invalid UTF-8: one U+FFFD per bad byte, as Go's decoder consumes them */
		{ "\xff", 1, "\\ufffd" },
		{ "cut\xc3", 4, "cut\\ufffd" },
		{ "\xe2\x82", 2, "\\ufffd\\ufffd" },
		{ "\xc0\xaf", 2, "\\ufffd\\ufffd" },                       /* overlong '/' */
		{ "\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd" },            /* a surrogate */
		{ "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* > U+10FFFF */
		{ "\xc3\x28", 2, "\\ufffd(" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = record(cases[i].in, cases[i].len, VIGIL_STREAM_STDOUT);
		g_autofree char *want = g_strdup_printf(
			"{\"log\":\"%s\",\"stream\":\"stdout\",\"time\":\"" T "\"}\n",
			cases[i].log);
		g_assert_cmpstr(got, ==, want);
	}
	/* Go's omitempty: no "log" at all for an empty message */
	g_autofree char *empty = record("", 0, VIGIL_STREAM_STDERR);
	g_assert_cmpstr(empty, ==, "{\"stream\":\"stderr\",\"time\":\"" T "\"}\n");
}

static void test_time(void)
{
	static const struct {
		long ns;
		const char *want;
	} cases[] = {
		{ 0, "2026-11-28T21:18:14Z" },
		{ 500000000, "2026-11-28T21:18:14.5Z" },
		{ 7, "2026-11-28T21:18:14.000000007Z" },
		{ 123456789, "2026-11-28T21:18:14.123456789Z" },
		{ 120000000, "2026-11-28T21:18:14.12Z" },
	};
	JsonLogClock clock = { 0 };
	char buf[JSON_LOG_TIME_MAX];

	/* UTC whatever the local zone, as Docker's copier stamps time.Now().UTC() */
	g_setenv("TZ", "IST-5:30", TRUE);
	tzset();
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct timespec ts = { 1795900694, cases[i].ns };
		gsize n = json_log_format_time(&clock, &ts, buf);
		g_assert_cmpstr(buf, ==, cases[i].want);
		g_assert_cmpuint(n, ==, strlen(cases[i].want));
	}
}

/* Any bytes in: json-glib parses the line, and our parser gives back the same string. */
static void test_any_bytes_valid_json(void)
{
	GRand *rand = g_rand_new_with_seed(7);

	for (int i = 0; i < 2000; i++) {
		gsize len = (gsize)g_rand_int_range(rand, 1, 200);
		g_autofree char *in = g_malloc(len);
		for (gsize j = 0; j < len; j++)
			in[j] = (char)(i % 2 ? g_rand_int_range(rand, 0, 256)
					     : g_rand_int_range(rand, 0, 128));
		g_autofree char *line = record(in, len, VIGIL_STREAM_STDERR);
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GError) error = NULL;

		g_assert_true(g_str_has_suffix(line, "}\n"));
		g_assert_true(strchr(line, '\n') == line + strlen(line) - 1);
		g_assert_true(json_parser_load_from_data(parser, line, -1, &error));
		g_assert_no_error(error);
		JsonObject *o = json_node_get_object(json_parser_get_root(parser));
		const char *glib_log = json_object_get_string_member(o, "log");

		JsonLogRecord r;
		g_assert_true(json_log_parse_record(line, strlen(line), &r, &error));
		g_assert_no_error(error);
		g_assert_cmpint(r.stream, ==, VIGIL_STREAM_STDERR);
		/* json-glib stops at an escaped NUL; compare up to it */
		g_assert_cmpint(strncmp(glib_log, r.log->str, strlen(glib_log)), ==, 0);
		if (i % 2 == 0) /* ASCII: exactly what went in */
			g_assert_cmpmem(r.log->str, r.log->len, in, len);
		json_log_record_clear(&r);
	}
	g_rand_free(rand);
}

static void test_parse(void)
{
	static const char docker[] =
		"{\"log\":\"x \\/ \\u00e9 \\ud83d\\ude00 \\ud83d!\\n\",\"stream\":\"stderr\","
		"\"attrs\":{\"a\":\"b\",\"n\":[1,-2.5e3,true,false,null,{}]},"
		"\"time\":\"2019-01-01T00:00:00.000000001Z\"}\n";
	g_autoptr(GError) error = NULL;
	JsonLogRecord r;

	g_assert_true(json_log_parse_record(docker, strlen(docker), &r, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(r.log->str, ==, "x / \xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd!\n");
	g_assert_cmpint(r.stream, ==, VIGIL_STREAM_STDERR);
	g_assert_cmpint(r.time_ns, ==, G_GINT64_CONSTANT(1546300800000000001));
	g_assert_false(r.partial);
	json_log_record_clear(&r);

	static const char frag[] =
		" { \"time\" : \"2019-01-01T00:00:00Z\" , \"stream\":\"stdout\" ,"
		"\"log\":\"no newline\" } ";
	g_assert_true(json_log_parse_record(frag, strlen(frag), &r, &error));
	g_assert_true(r.partial);
	g_assert_cmpstr(r.log->str, ==, "no newline");
	json_log_record_clear(&r);

	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{}",
		"{\"stream\":\"stdout\"}",
		"{\"stream\":\"stdin\",\"time\":\"2019-01-01T00:00:00Z\"}",
		"{\"stream\":\"stdout\",\"time\":\"yesterday\"}",
		"{\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"} x",
		"{\"log\":\"a\tb\",\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"}",
		"{\"log\":\"\xff\",\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"}",
		"{\"log\":\"\\x\",\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"}",
		"{\"log\":\"\\u12\",\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"}",
		"{\"log\":01,\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"}",
		("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"
		 "\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\"}"),
		"{\"stream\":\"stdout\",,\"time\":\"2019-01-01T00:00:00Z\"}",
		"{\"stream\":\"stdout\",\"time\":\"2019-01-01T00:00:00Z\",}",
		"{\"stream\":\"stdout\" \"time\":\"2019-01-01T00:00:00Z\"}",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_assert_false(json_log_parse_record(bad[i], strlen(bad[i]), &r, &e));
		g_assert_error(e, VIGIL_ERROR, EINVAL);
		g_assert_null(r.log);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/json-log/exact-escapes", test_exact_escapes);
	g_test_add_func("/json-log/time", test_time);
	g_test_add_func("/json-log/any-bytes-valid-json", test_any_bytes_valid_json);
	g_test_add_func("/json-log/parse", test_parse);
	return g_test_run();
}
