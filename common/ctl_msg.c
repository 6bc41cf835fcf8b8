/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "ctl_msg.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "error_util.h"

/* The C locale's isspace(), which is what scanf skips before a %d. */
static gboolean is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

typedef enum {
	SCAN_OK,
	SCAN_NONE,    /* no number here */
	SCAN_TOO_BIG, /* digits, but beyond int */
} ScanResult;

static ScanResult scan_int(const char **p, const char *end, int *out)
{
	const char *s = *p;
	gboolean negative = FALSE;
	gint64 v = 0;

	while (s < end && is_space(*s))
		s++;
	if (s < end && (*s == '+' || *s == '-')) {
		negative = *s == '-';
		s++;
	}
	if (s >= end || !g_ascii_isdigit(*s))
		return SCAN_NONE;
	gboolean too_big = FALSE;
	for (; s < end && g_ascii_isdigit(*s); s++) {
		/* Stop accumulating once past int's range; still consume the digits. */
		if (!too_big) {
			v = v * 10 + (*s - '0');
			too_big = v > (gint64)INT_MAX + 1;
		}
	}
	if (negative)
		v = -v;
	if (too_big || v > INT_MAX || v < INT_MIN)
		return SCAN_TOO_BIG;
	*out = (int)v;
	*p = s;
	return SCAN_OK;
}

/* Read up to n numbers; FALSE with error unless all n are there. */
static gboolean scan_ints(const char *line, gsize len, int *vals, int n, const char *shape,
			  GError **error)
{
	const char *p = line, *end = line + len;

	for (int i = 0; i < n; i++) {
		switch (scan_int(&p, end, &vals[i])) {
		case SCAN_OK:
			break;
		case SCAN_TOO_BIG:
			return vigil_throw(error, ERANGE, "number %d does not fit an int", i + 1);
		case SCAN_NONE:
			return vigil_throw(error, EINVAL, "expected \"%s\"", shape);
		}
	}
	return TRUE;
}

static gboolean check_size(int height, int width, GError **error)
{
	if (height < 0 || width < 0 || height > CTL_MSG_SIZE_MAX || width > CTL_MSG_SIZE_MAX)
		return vigil_throw(error, ERANGE, "window size %dx%d is outside 0..%d", height,
				   width, CTL_MSG_SIZE_MAX);
	return TRUE;
}

gboolean ctl_msg_parse(const char *line, gsize len, CtlMsg *out, GError **error)
{
	int v[3] = { 0 };

	if (!scan_ints(line, len, v, 3, "<type> <height> <width>", error))
		return FALSE;
	/* conmon's order of checks: format, type, size. */
	if (v[0] != CTL_MSG_RESIZE && v[0] != CTL_MSG_REOPEN_LOGS)
		return vigil_throw(error, EINVAL, "unknown message type %d", v[0]);
	if (!check_size(v[1], v[2], error))
		return FALSE;
	out->type = (CtlMsgType)v[0];
	out->height = v[1];
	out->width = v[2];
	return TRUE;
}

gboolean ctl_msg_parse_winsz(const char *line, gsize len, CtlMsg *out, GError **error)
{
	int v[2] = { 0 };

	if (!scan_ints(line, len, v, 2, "<height> <width>", error) ||
	    !check_size(v[0], v[1], error))
		return FALSE;
	out->type = CTL_MSG_RESIZE;
	out->height = v[0];
	out->width = v[1];
	return TRUE;
}

void ctl_line_buf_feed(CtlLineBuf *lb, const char *data, gsize len, CtlLineFunc on_line,
		       gpointer user_data)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		gsize chunk = nl != NULL ? (gsize)(nl - data) : len;

		if (!lb->discarding) {
			if (lb->len + chunk > CTL_MSG_LINE_MAX) {
				lb->discarding = TRUE;
				lb->len = 0;
			} else {
				memcpy(lb->buf + lb->len, data, chunk);
				lb->len += chunk;
			}
		}
		if (nl == NULL)
			return;
		if (lb->discarding)
			on_line(NULL, 0, user_data);
		else
			on_line(lb->buf, lb->len, user_data);
		lb->discarding = FALSE;
		lb->len = 0;
		data += chunk + 1;
		len -= chunk + 1;
	}
}
