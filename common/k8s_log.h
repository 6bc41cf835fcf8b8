/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <time.h>

#include <glib.h>

/*
 * The k8s-file (CRI) log format (docs/conmon-contract.md, "k8s-file format"): one record per
 * line or line fragment,
 *
 *   <time> <stream> <F|P> <content>\n
 *
 * time is local time, RFC 3339 with 9 fractional digits and a numeric offset
 * ("2026-11-28T21:18:14.448909925+01:00", never "Z"); stream is "stdout" or "stderr"; F means
 * content ends a line (its '\n' is the record's), P means content is a fragment (the record's
 * '\n' is not data). podman logs and the kubelet parse exactly this, so the bytes are fixed.
 * The monitor formats, the controller (vigilctl logs) parses.
 */

/* Longest time we format: a 5-digit year, 9 digits, offset ("+HH:MM"), plus NUL. */
#define K8S_LOG_TIME_MAX 40
/* Longest record prefix: time, ' ', "stdout", ' ', 'F', ' '. */
#define K8S_LOG_PREFIX_MAX (K8S_LOG_TIME_MAX + 10)

/*
 * localtime_r() is the expensive part of a timestamp, and records arrive in bursts within
 * the same second: the clock keeps the date, time and offset text of the last second seen so
 * only the nanoseconds are formatted per chunk. Zero-initialise, or k8s_log_clock_init().
 */
typedef struct {
	time_t sec;
	gboolean valid;
	char date[24]; /* "YYYY-MM-DDTHH:MM:SS" */
	gsize date_len;
	char zone[8]; /* "+HH:MM" */
} K8sLogClock;

void k8s_log_clock_init(K8sLogClock *clock);

/* Format ts as local time into buf (>= K8S_LOG_TIME_MAX bytes, NUL-terminated); returns the
 * length (35 for 4-digit years). */
gsize k8s_log_format_time(K8sLogClock *clock, const struct timespec *ts, char *buf);

/* "<time> <stream> <F|P> " into buf (>= K8S_LOG_PREFIX_MAX bytes); returns the length.
 * stream is VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR. */
gsize k8s_log_format_prefix(char *buf, const char *time, gsize time_len, int stream,
			    gboolean partial);

typedef struct {
	gint64 time_ns;   /* Unix time, nanoseconds */
	int utc_offset;   /* seconds east of UTC the time was written in */
	const char *time; /* the timestamp text as written */
	gsize time_len;
	int stream;          /* VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR */
	gboolean partial;    /* P: content is not followed by a newline in the output */
	const char *content; /* points into the parsed line; without the record's '\n' */
	gsize content_len;
} K8sLogRecord;

/*
 * Parse one record. line may end with its '\n' (which is dropped) but must contain no other
 * newline. The container's bytes are content followed by '\n' unless partial. The time may
 * also end in 'Z' and have 0-9 fractional digits (what other CRI writers produce).
 */
gboolean k8s_log_parse_record(const char *line, gsize len, K8sLogRecord *out, GError **error);

/* RFC 3339 time ("2026-01-02T03:04:05[.nnn](Z|+hh:mm)") to Unix nanoseconds. */
gboolean k8s_log_parse_time(const char *s, gsize len, gint64 *out_ns, int *out_offset);
