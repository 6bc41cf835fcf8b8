/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "k8s_log.h"

#include <errno.h>
#include <string.h>

#include "attach_proto.h"
#include "error_util.h"

void k8s_log_clock_init(K8sLogClock *clock)
{
	memset(clock, 0, sizeof *clock);
}

static void clock_set_second(K8sLogClock *clock, time_t sec)
{
	struct tm tm;

	/* conmon calls tzset() once; localtime_r() is not required to, and glibc does not
	 * re-read TZ in it, so do it here. */
	if (!clock->valid)
		tzset();
	if (localtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	clock->date_len = (gsize)g_snprintf(
		clock->date, sizeof clock->date, "%d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	/* The offset in whole minutes, truncated like strftime's %z (docs/conmon-contract.md,
	 * "k8s-file format"). */
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	g_snprintf(clock->zone, sizeof clock->zone, "%c%02ld:%02ld", sign, (off / 3600) % 100,
		   (off % 3600) / 60);
	clock->sec = sec;
	clock->valid = TRUE;
}

gsize k8s_log_format_time(K8sLogClock *clock, const struct timespec *ts, char *buf)
{
	char *p = buf;
	long ns = ts->tv_nsec;

	if (!clock->valid || clock->sec != ts->tv_sec)
		clock_set_second(clock, ts->tv_sec);
	memcpy(p, clock->date, clock->date_len);
	p += clock->date_len;
	*p++ = '.';
	if (ns < 0 || ns > 999999999)
		ns = 0;
	for (int i = 8; i >= 0; i--) {
		p[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	p += 9;
	memcpy(p, clock->zone, 6);
	p += 6;
	*p = '\0';
	return (gsize)(p - buf);
}

static const char *stream_name(int stream)
{
	return stream == VIGIL_STREAM_STDERR ? "stderr" : "stdout";
}

gsize k8s_log_format_prefix(char *buf, const char *time, gsize time_len, int stream,
			    gboolean partial)
{
	char *p = buf;

	time_len = MIN(time_len, (gsize)K8S_LOG_TIME_MAX - 1);
	memcpy(p, time, time_len);
	p += time_len;
	*p++ = ' ';
	memcpy(p, stream_name(stream), 6);
	p += 6;
	*p++ = ' ';
	*p++ = partial ? 'P' : 'F';
	*p++ = ' ';
	return (gsize)(p - buf);
}

/* Exactly n decimal digits at *p (advanced); FALSE if any is not a digit. */
static gboolean take_digits(const char **p, const char *end, int n, int *out)
{
	int v = 0;

	if (end - *p < n)
		return FALSE;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return FALSE;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return TRUE;
}

static gboolean take_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return FALSE;
	(*p)++;
	return TRUE;
}

static gboolean is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static gint64 days_from_civil(int y, int m, int d)
{
	/* Count from March 1st of year 0 so the leap day is the last day of a year. */
	gint64 yy = m <= 2 ? y - 1 : y;
	gint64 era = (yy >= 0 ? yy : yy - 399) / 400;
	gint64 yoe = yy - era * 400;
	gint64 mp = (m + 9) % 12;
	gint64 doy = (153 * mp + 2) / 5 + d - 1;
	gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

gboolean k8s_log_parse_time(const char *s, gsize len, gint64 *out_ns, int *out_offset)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s, *end = s + len;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	gint64 frac = 0;

	if (!take_digits(&p, end, 4, &y) || !take_char(&p, end, '-') ||
	    !take_digits(&p, end, 2, &mo) || !take_char(&p, end, '-') ||
	    !take_digits(&p, end, 2, &d) || !take_char(&p, end, 'T') ||
	    !take_digits(&p, end, 2, &h) || !take_char(&p, end, ':') ||
	    !take_digits(&p, end, 2, &mi) || !take_char(&p, end, ':') ||
	    !take_digits(&p, end, 2, &sec))
		return FALSE;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return FALSE;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y) ? 1 : 0))
		return FALSE;
	if (p < end && *p == '.') {
		int digits = 0;
		p++;
		while (p < end && *p >= '0' && *p <= '9' && digits < 9) {
			frac = frac * 10 + (*p - '0');
			p++;
			digits++;
		}
		if (digits == 0)
			return FALSE;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (p < end && *p == 'Z') {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (!take_digits(&p, end, 2, &oh) || !take_char(&p, end, ':') ||
		    !take_digits(&p, end, 2, &om) || oh > 23 || om > 59)
			return FALSE;
	} else {
		return FALSE;
	}
	if (p != end)
		return FALSE;

	int offset = sign * (oh * 3600 + om * 60);
	gint64 secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	*out_ns = secs * G_GINT64_CONSTANT(1000000000) + frac;
	if (out_offset != NULL)
		*out_offset = offset;
	return TRUE;
}

gboolean k8s_log_parse_record(const char *line, gsize len, K8sLogRecord *out, GError **error)
{
	const char *end, *sp, *p;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	end = line + len;
	if (memchr(line, '\n', len) != NULL)
		return vigil_throw(error, EINVAL, "k8s log record contains a newline");

	sp = memchr(line, ' ', len);
	if (sp == NULL)
		return vigil_throw(error, EINVAL, "k8s log record has no timestamp");
	if (!k8s_log_parse_time(line, (gsize)(sp - line), &out->time_ns, &out->utc_offset))
		return vigil_throw(error, EINVAL, "k8s log record has a bad timestamp '%.*s'",
				   (int)MIN(sp - line, 64), line);
	out->time = line;
	out->time_len = (gsize)(sp - line);

	p = sp + 1;
	if (end - p >= 7 && memcmp(p, "stdout ", 7) == 0)
		out->stream = VIGIL_STREAM_STDOUT;
	else if (end - p >= 7 && memcmp(p, "stderr ", 7) == 0)
		out->stream = VIGIL_STREAM_STDERR;
	else
		return vigil_throw(error, EINVAL, "k8s log record has no stream name");
	p += 7;

	if (p < end && (*p == 'P' || *p == 'F') && (p + 1 == end || p[1] == ' ')) {
		out->partial = *p == 'P';
		p++;
	} else {
		return vigil_throw(error, EINVAL, "k8s log record has no P/F tag");
	}
	/* "<tag> <content>"; a record cut right after the tag is an empty fragment. */
	if (p < end)
		p++;
	out->content = p;
	out->content_len = (gsize)(end - p);
	return TRUE;
}
