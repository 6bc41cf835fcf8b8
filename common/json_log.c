/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "json_log.h"

#include <string.h>

#include "attach_proto.h"

gsize json_log_format_time(JsonLogClock *clock, const struct timespec *ts, char *buf)
{
	char *p = buf;
	long ns = ts->tv_nsec;

	if (!clock->valid || clock->sec != ts->tv_sec) {
		struct tm tm;
		if (gmtime_r(&ts->tv_sec, &tm) == NULL)
			memset(&tm, 0, sizeof tm);
		clock->date_len = (gsize)g_snprintf(clock->date, sizeof clock->date,
						    "%04d-%02d-%02dT%02d:%02d:%02d",
						    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
						    tm.tm_hour, tm.tm_min, tm.tm_sec);
		clock->sec = ts->tv_sec;
		clock->valid = TRUE;
	}
	memcpy(p, clock->date, clock->date_len);
	p += clock->date_len;
	if (ns > 0 && ns <= 999999999) {
		/* Go's RFC3339Nano: the fraction without trailing zeros, none at all for 0. */
		int digits = 9;
		while (ns % 10 == 0) {
			ns /= 10;
			digits--;
		}
		*p++ = '.';
		for (int i = digits - 1; i >= 0; i--) {
			p[i] = (char)('0' + ns % 10);
			ns /= 10;
		}
		p += digits;
	}
	*p++ = 'Z';
	*p = '\0';
	return (gsize)(p - buf);
}

gsize json_log_utf8_sequence(const guchar *p, gsize n)
{
	guchar c = p[0], lo = 0x80, hi = 0xbf;
	gsize len;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f; /* <= U+10FFFF */
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (gsize i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return len;
}

/* ASCII bytes Docker copies as they are. */
static gboolean ascii_plain(guchar c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

/* Append s with Docker's escaping, without quotes. */
static void append_escaped(GString *out, const char *s, gsize len)
{
	static const char hex[] = "0123456789abcdef";
	const guchar *p = (const guchar *)s, *end = p + len;

	while (p < end) {
		const guchar *run = p;
		while (p < end && ascii_plain(*p))
			p++;
		if (p > run)
			g_string_append_len(out, (const char *)run, p - run);
		if (p >= end)
			break;
		guchar c = *p;
		if (c < 0x80) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };
			if (c == '"' || c == '\\')
				g_string_append_c(out, '\\'), g_string_append_c(out, (char)c);
			else if (c == '\n')
				g_string_append_len(out, "\\n", 2);
			else if (c == '\r')
				g_string_append_len(out, "\\r", 2);
			else
				g_string_append_len(out, esc, sizeof esc);
			p++;
			continue;
		}
		gsize n = json_log_utf8_sequence(p, (gsize)(end - p));
		if (n == 0) {
			g_string_append_len(out, "\\ufffd", 6);
			p++;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
			   (p[2] == 0xa8 || p[2] == 0xa9)) {
			/* U+2028/U+2029 end lines in JavaScript; Docker escapes them. */
			g_string_append_len(out, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			p += n;
		} else {
			g_string_append_len(out, (const char *)p, (gssize)n);
			p += n;
		}
	}
}

void json_log_append_record(GString *out, const char *log, gsize len, int stream, const char *time,
			    gsize time_len)
{
	if (len > 0) {
		g_string_append_len(out, "{\"log\":\"", 8);
		append_escaped(out, log, len);
		g_string_append_len(out, "\",", 2);
	} else {
		g_string_append_c(out, '{');
	}
	if (stream == VIGIL_STREAM_STDERR)
		g_string_append_len(out, "\"stream\":\"stderr\",\"time\":\"", 26);
	else
		g_string_append_len(out, "\"stream\":\"stdout\",\"time\":\"", 26);
	g_string_append_len(out, time, (gssize)time_len);
	g_string_append_len(out, "\"}\n", 3);
}
