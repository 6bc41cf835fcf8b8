/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attach_proto.h"
#include "error_util.h"
#include "k8s_log.h"

/* 2026-11-28T21:18:14.000000007 UTC */
#define T0 ((time_t)1795900694)

static void set_tz(const char *tz)
{
	g_setenv("TZ", tz, TRUE);
	tzset();
}

static char *format_in(const char *tz, time_t sec, long nsec)
{
	K8sLogClock clock;
	struct timespec ts = { sec, nsec };
	char buf[K8S_LOG_TIME_MAX];

	set_tz(tz);
	k8s_log_clock_init(&clock);
	gsize n = k8s_log_format_time(&clock, &ts, buf);
	g_assert_cmpuint(n, ==, strlen(buf));
	return g_strdup(buf);
}

static void test_time_zones(void)
{
	static const struct {
		const char *tz;
		const char *want;
	} cases[] = {
		/* never "Z": conmon writes the numeric offset even for UTC */
		{ "UTC0", "2026-11-28T21:18:14.000000007+00:00" },
		{ "IST-5:30", "2026-11-29T02:48:14.000000007+05:30" },
		{ "EST5", "2026-11-28T16:18:14.000000007-05:00" },
		{ "NPT-5:45", "2026-11-29T03:03:14.000000007+05:45" },
		{ "NST3:30", "2026-11-28T17:48:14.000000007-03:30" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = format_in(cases[i].tz, T0, 7);
		g_assert_cmpstr(got, ==, cases[i].want);
		g_assert_cmpuint(strlen(got), ==, 35);
	}
	set_tz("UTC0");
}

/* The cached date must follow the seconds: same second reuses it, a new one refreshes. */
static void test_time_cache(void)
{
	K8sLogClock clock;
	char buf[K8S_LOG_TIME_MAX];
	struct timespec a = { T0, 999999999 }, b = { T0 + 1, 0 }, c = { T0 - 86400, 5 };

	set_tz("UTC0");
	k8s_log_clock_init(&clock);
	k8s_log_format_time(&clock, &a, buf);
	g_assert_cmpstr(buf, ==, "2026-11-28T21:18:14.999999999+00:00");
	k8s_log_format_time(&clock, &b, buf);
	g_assert_cmpstr(buf, ==, "2026-11-28T21:18:15.000000000+00:00");
	k8s_log_format_time(&clock, &c, buf);
	g_assert_cmpstr(buf, ==, "2026-11-27T21:18:14.000000005+00:00");
}

/* One whole record as the k8s-file driver writes it (monitor/logs/k8s_file.c k8s_emit):
 * prefix, content, and the record's '\n' for a partial; a full record's content ends with
 * its own '\n'. */
static void append_record(GString *out, const char *time, gsize time_len, int stream,
			  gboolean partial, const char *content, gsize len)
{
	char prefix[K8S_LOG_PREFIX_MAX];
	gsize n = k8s_log_format_prefix(prefix, time, time_len, stream, partial);

	g_string_append_len(out, prefix, (gssize)n);
	g_string_append_len(out, content, (gssize)len);
	if (partial)
		g_string_append_c(out, '\n');
}

static void test_records(void)
{
	static const char *t = "2026-11-28T21:18:14.448909925+01:00";
	g_autoptr(GString) out = g_string_new(NULL);
	char prefix[K8S_LOG_PREFIX_MAX];

	gsize n = k8s_log_format_prefix(prefix, t, strlen(t), VIGIL_STREAM_STDERR, TRUE);
	g_assert_cmpmem(prefix, n, "2026-11-28T21:18:14.448909925+01:00 stderr P ", 45);

	append_record(out, t, strlen(t), VIGIL_STREAM_STDOUT, FALSE, "hello\n", 6);
	append_record(out, t, strlen(t), VIGIL_STREAM_STDOUT, FALSE, "\n", 1);
	append_record(out, t, strlen(t), VIGIL_STREAM_STDERR, TRUE, "a\0b\r", 4);
	static const char want[] = "2026-11-28T21:18:14.448909925+01:00 stdout F hello\n"
				   "2026-11-28T21:18:14.448909925+01:00 stdout F \n"
				   "2026-11-28T21:18:14.448909925+01:00 stderr P a\0b\r\n";
	g_assert_cmpmem(out->str, out->len, want, sizeof want - 1);
}

static void test_parse_time(void)
{
	static const struct {
		const char *s;
		gint64 ns;
		int offset;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "1970-01-01T00:00:00.000000001+00:00", 1, 0 },
		{ "2026-11-28T22:18:14.000000007+01:00", T0 * G_GINT64_CONSTANT(1000000000) + 7,
		  3600 },
		{ "2026-11-28T16:18:14.5-05:00", T0 * G_GINT64_CONSTANT(1000000000) + 500000000,
		  -18000 },
		{ "2000-02-29T00:00:00Z", G_GINT64_CONSTANT(951782400000000000), 0 },
		{ "1969-12-31T23:59:59Z", -G_GINT64_CONSTANT(1000000000), 0 },
	};
	static const char *const bad[] = {
		"",
		"2026-11-28",
		"2026-11-28T21:18:14",             /* no zone */
		"2026-11-28T21:18:14.+00:00",      /* no digits */
		"2026-11-28T21:18:14.0000000001Z", /* 10 digits */
		"2026-13-28T21:18:14Z",
		"2026-02-29T21:18:14Z", /* not a leap year */
		"1900-02-29T00:00:00Z", /* nor is 1900 */
		"2026-11-28T24:00:00Z",
		"2026-11-28T21:60:00Z",
		"2026-11-28T21:18:14+0100",
		"2026-11-28T21:18:14+01:00 ",
		"2026-11-28t21:18:14Z",
		"-026-11-28T21:18:14Z",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		gint64 ns = 0;
		int off = 99;
		g_assert_true(k8s_log_parse_time(good[i].s, strlen(good[i].s), &ns, &off));
		g_assert_cmpint(ns, ==, good[i].ns);
		g_assert_cmpint(off, ==, good[i].offset);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		gint64 ns;
		g_assert_false(k8s_log_parse_time(bad[i], strlen(bad[i]), &ns, NULL));
	}
}

static void test_parse_records(void)
{
	K8sLogRecord r;
	g_autoptr(GError) error = NULL;
	const char *line = "2026-11-28T21:18:14.448909925+01:00 stderr P a b \r\n";

	g_assert_true(k8s_log_parse_record(line, strlen(line), &r, &error));
	g_assert_no_error(error);
	g_assert_cmpint(r.stream, ==, VIGIL_STREAM_STDERR);
	g_assert_true(r.partial);
	g_assert_cmpmem(r.content, r.content_len, "a b \r", 5);
	g_assert_cmpmem(r.time, r.time_len, line, 35);
	g_assert_cmpint(r.utc_offset, ==, 3600);

	/* an empty line: "F " then nothing */
	line = "2026-11-28T21:18:14.448909925+01:00 stdout F ";
	g_assert_true(k8s_log_parse_record(line, strlen(line), &r, &error));
	g_assert_false(r.partial);
	g_assert_cmpuint(r.content_len, ==, 0);
	/* NUL in content is data */
	static const char nul[] = "2026-11-28T21:18:14Z stdout F a\0b\n";
	g_assert_true(k8s_log_parse_record(nul, sizeof nul - 1, &r, &error));
	g_assert_cmpmem(r.content, r.content_len, "a\0b", 3);

	static const char *const bad[] = {
		"",
		"\n",
		"garbage",
		"2026-11-28T21:18:14Z",
		"2026-11-28T21:18:14Z stdin F x",
		"2026-11-28T21:18:14Z stdout X x",
		"2026-11-28T21:18:14Z stdout FF x",
		"2026-11-28T21:18:14Z stdout F a\nb",
		"2026-11-28T21:18:14 stdout F x",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_assert_false(k8s_log_parse_record(bad[i], strlen(bad[i]), &r, &e));
		g_assert_error(e, VIGIL_ERROR, EINVAL);
	}
}

/* Formatting then parsing gives back the bytes, the stream and the flag, for any content. */
static void test_roundtrip(void)
{
	K8sLogClock clock;
	struct timespec ts = { T0, 123456789 };
	char time[K8S_LOG_TIME_MAX];
	GRand *rand = g_rand_new_with_seed(42);

	set_tz("IST-5:30");
	k8s_log_clock_init(&clock);
	gsize tlen = k8s_log_format_time(&clock, &ts, time);
	for (int i = 0; i < 500; i++) {
		g_autoptr(GString) out = g_string_new(NULL);
		gsize len = (gsize)g_rand_int_range(rand, 0, 300);
		g_autofree char *content = g_malloc(len + 1);
		gboolean partial = g_rand_boolean(rand);
		int stream = g_rand_boolean(rand) ? VIGIL_STREAM_STDOUT : VIGIL_STREAM_STDERR;
		K8sLogRecord r;

		for (gsize j = 0; j < len; j++) {
			content[j] = (char)g_rand_int_range(rand, 0, 256);
			if (content[j] == '\n')
				content[j] = ' ';
		}
		if (!partial)
			content[len++] = '\n';
		append_record(out, time, tlen, stream, partial, content, len);
		g_assert_true(k8s_log_parse_record(out->str, out->len, &r, NULL));
		g_assert_cmpint(r.stream, ==, stream);
		g_assert_cmpint(r.partial, ==, partial);
		g_assert_cmpmem(r.content, r.content_len, content, partial ? len : len - 1);
		g_assert_cmpint(r.time_ns, ==, T0 * G_GINT64_CONSTANT(1000000000) + 123456789);
		g_assert_cmpint(r.utc_offset, ==, 5 * 3600 + 1800);
	}
	g_rand_free(rand);
	set_tz("UTC0");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/k8s-log/time-zones", test_time_zones);
	g_test_add_func("/k8s-log/time-cache", test_time_cache);
	g_test_add_func("/k8s-log/records", test_records);
	g_test_add_func("/k8s-log/parse-time", test_parse_time);
	g_test_add_func("/k8s-log/parse-records", test_parse_records);
	g_test_add_func("/k8s-log/roundtrip", test_roundtrip);
	return g_test_run();
}
