/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <time.h>

#include <glib.h>

/*
 * Docker's json-file log format, one object per line:
 *
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-28T21:18:14.448909925Z"}\n
 *
 * Byte for byte what dockerd's jsonfilelog writer produces, so Docker-format tooling (docker
 * logs readers, fluentd/fluent-bit/promtail "docker" parsers) reads it:
 * - keys in the order log, stream, time, no spaces; "log" is left out when empty (Go
 *   omitempty);
 * - log escaping: \" \\ \n \r; every other byte < 0x20 and < > & as \u00xx (lowercase hex);
 *   invalid UTF-8 as \ufffd (per byte); U+2028 and U+2029 as \u2028 \u2029; other UTF-8
 *   copied. Any bytes in, valid JSON out;
 * - time is UTC, RFC 3339 with trailing fractional zeros dropped (Go's RFC3339Nano);
 * - a record whose log does not end in "\n" is a line fragment (Docker's partial message).
 */

/* Longest time we format ("YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", 5-digit years) plus NUL. */
#define JSON_LOG_TIME_MAX 36

/* Date-time text of the last second formatted (gmtime_r once per second). Zero-init. */
typedef struct {
	time_t sec;
	gboolean valid;
	char date[24];
	gsize date_len;
} JsonLogClock;

gsize json_log_format_time(JsonLogClock *clock, const struct timespec *ts, char *buf);

/* Length of the well-formed UTF-8 sequence at p (n bytes available), or 0 if there is none:
 * RFC 3629's table, which is what Go's decoder (and so Docker) accepts. */
gsize json_log_utf8_sequence(const guchar *p, gsize n);

/* One whole line, '\n' included. stream is VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR. */
void json_log_append_record(GString *out, const char *log, gsize len, int stream, const char *time,
			    gsize time_len);

typedef struct {
	GString *log;     /* unescaped bytes */
	int stream;       /* VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR */
	gint64 time_ns;   /* Unix time, nanoseconds */
	gboolean partial; /* log does not end with '\n' */
} JsonLogRecord;

/*
 * Parse one line (a trailing '\n' is allowed). Any valid JSON object with a string "time"
 * (RFC 3339) and "stream" ("stdout"/"stderr") is accepted; "log" may be missing (empty);
 * other members are skipped. Invalid JSON (including invalid UTF-8) is an error. out->log is
 * allocated; free it with json_log_record_clear().
 */
gboolean json_log_parse_record(const char *line, gsize len, JsonLogRecord *out, GError **error);
void json_log_record_clear(JsonLogRecord *record);
