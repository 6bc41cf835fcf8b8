/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "attach_proto.h"
#include "error_util.h"
#include "json_log.h"
#include "k8s_log.h"

/*
 * Reading json-file lines back (vigilctl logs): a small strict JSON reader for one object
 * whose members we want are strings; anything else is skipped but must be valid JSON.
 */

typedef struct {
	const char *p;
	const char *end;
} Cursor;

static void skip_ws(Cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static gboolean hex4(Cursor *c, gunichar *out)
{
	gunichar v = 0;

	if (c->end - c->p < 4)
		return FALSE;
	for (int i = 0; i < 4; i++) {
		int d = g_ascii_xdigit_value(c->p[i]);
		if (d < 0)
			return FALSE;
		v = v * 16 + (gunichar)d;
	}
	c->p += 4;
	*out = v;
	return TRUE;
}

/* A JSON string at c->p ('"' included); its value appended to out unless out is NULL. */
static gboolean parse_string(Cursor *c, GString *out)
{
	if (c->p >= c->end || *c->p != '"')
		return FALSE;
	c->p++;
	while (c->p < c->end) {
		const guchar *run = (const guchar *)c->p;
		const guchar *q = run;
		while (q < (const guchar *)c->end && *q >= 0x20 && *q < 0x80 && *q != '"' &&
		       *q != '\\')
			q++;
		if (out != NULL && q > run)
			g_string_append_len(out, (const char *)run, q - run);
		c->p = (const char *)q;
		if (c->p >= c->end)
			return FALSE;
		guchar b = (guchar)*c->p;
		if (b == '"') {
			c->p++;
			return TRUE;
		}
		if (b < 0x20)
			return FALSE;
		if (b >= 0x80) {
			gsize n = json_log_utf8_sequence(q, (gsize)(c->end - c->p));
			if (n == 0)
				return FALSE;
			if (out != NULL)
				g_string_append_len(out, c->p, (gssize)n);
			c->p += n;
			continue;
		}
		/* backslash */
		c->p++;
		if (c->p >= c->end)
			return FALSE;
		char e = *c->p++;
		gunichar u;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			u = (gunichar)e;
			break;
		case 'b':
			u = '\b';
			break;
		case 'f':
			u = '\f';
			break;
		case 'n':
			u = '\n';
			break;
		case 'r':
			u = '\r';
			break;
		case 't':
			u = '\t';
			break;
		case 'u':
			if (!hex4(c, &u))
				return FALSE;
			if (u >= 0xd800 && u <= 0xdbff) {
				/* A high surrogate only makes a character with a low one after it.
				 */
				gunichar lo;
				Cursor save = *c;
				if (c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
					c->p += 2;
					if (hex4(c, &lo) && lo >= 0xdc00 && lo <= 0xdfff)
						u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
					else
						*c = save, u = 0xfffd;
				} else {
					u = 0xfffd;
				}
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				u = 0xfffd;
			}
			break;
		default:
			return FALSE;
		}
		if (out != NULL)
			g_string_append_unichar(out, u);
	}
	return FALSE;
}

static gboolean skip_value(Cursor *c, int depth);

static gboolean skip_container(Cursor *c, char close, int depth)
{
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return TRUE;
	}
	for (;;) {
		if (close == '}') {
			if (!parse_string(c, NULL))
				return FALSE;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return FALSE;
			c->p++;
		}
		if (!skip_value(c, depth + 1))
			return FALSE;
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			skip_ws(c);
			continue;
		}
		if (c->p < c->end && *c->p == close) {
			c->p++;
			return TRUE;
		}
		return FALSE;
	}
}

static gboolean skip_literal(Cursor *c, const char *word)
{
	gsize n = strlen(word);

	if ((gsize)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return FALSE;
	c->p += n;
	return TRUE;
}

static gboolean skip_number(Cursor *c)
{
	const char *start = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || !g_ascii_isdigit(*c->p))
		return FALSE;
	if (*c->p == '0')
		c->p++;
	else
		while (c->p < c->end && g_ascii_isdigit(*c->p))
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || !g_ascii_isdigit(*c->p))
			return FALSE;
		while (c->p < c->end && g_ascii_isdigit(*c->p))
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || !g_ascii_isdigit(*c->p))
			return FALSE;
		while (c->p < c->end && g_ascii_isdigit(*c->p))
			c->p++;
	}
	return c->p > start;
}

/* Deep enough for any real attrs object, shallow enough for the stack. */
#define JSON_MAX_DEPTH 32

static gboolean skip_value(Cursor *c, int depth)
{
	skip_ws(c);
	if (c->p >= c->end || depth > JSON_MAX_DEPTH)
		return FALSE;
	switch (*c->p) {
	case '"':
		return parse_string(c, NULL);
	case '{':
		return skip_container(c, '}', depth);
	case '[':
		return skip_container(c, ']', depth);
	case 't':
		return skip_literal(c, "true");
	case 'f':
		return skip_literal(c, "false");
	case 'n':
		return skip_literal(c, "null");
	default:
		return skip_number(c);
	}
}

gboolean json_log_parse_record(const char *line, gsize len, JsonLogRecord *out, GError **error)
{
	Cursor c = { line, line + len };
	g_autoptr(GString) log = g_string_new(NULL);
	g_autoptr(GString) key = g_string_new(NULL);
	g_autoptr(GString) stream = NULL;
	g_autoptr(GString) time = NULL;
	gboolean ok = FALSE;

	memset(out, 0, sizeof *out);
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return vigil_throw(error, EINVAL, "json log record is not a JSON object");
	c.p++;
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
		ok = TRUE;
	}
	while (!ok) {
		g_string_truncate(key, 0);
		if (!parse_string(&c, key))
			break;
		skip_ws(&c);
		if (c.p >= c.end || *c.p != ':')
			break;
		c.p++;
		skip_ws(&c);
		GString *target = NULL;
		if (g_str_equal(key->str, "log") && key->len == 3) {
			g_string_truncate(log, 0);
			target = log;
		} else if (g_str_equal(key->str, "stream") && key->len == 6) {
			if (stream == NULL)
				stream = g_string_new(NULL);
			g_string_truncate(stream, 0);
			target = stream;
		} else if (g_str_equal(key->str, "time") && key->len == 4) {
			if (time == NULL)
				time = g_string_new(NULL);
			g_string_truncate(time, 0);
			target = time;
		}
		if (target != NULL ? !parse_string(&c, target) : !skip_value(&c, 1))
			break;
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			skip_ws(&c);
		} else if (c.p < c.end && *c.p == '}') {
			c.p++;
			ok = TRUE;
		} else {
			break;
		}
	}
	skip_ws(&c);
	if (!ok || c.p != c.end)
		return vigil_throw(error, EINVAL, "json log record is not valid JSON");
	if (stream == NULL || time == NULL)
		return vigil_throw(error, EINVAL, "json log record lacks \"%s\"",
				   stream == NULL ? "stream" : "time");
	if (g_str_equal(stream->str, "stdout") && stream->len == 6)
		out->stream = VIGIL_STREAM_STDOUT;
	else if (g_str_equal(stream->str, "stderr") && stream->len == 6)
		out->stream = VIGIL_STREAM_STDERR;
	else
		return vigil_throw(error, EINVAL, "json log record has an unknown stream");
	if (!k8s_log_parse_time(time->str, time->len, &out->time_ns, NULL))
		return vigil_throw(error, EINVAL, "json log record has a bad time");
	out->partial = log->len == 0 || log->str[log->len - 1] != '\n';
	out->log = g_steal_pointer(&log);
	return TRUE;
}

void json_log_record_clear(JsonLogRecord *record)
{
	if (record->log != NULL)
		g_string_free(record->log, TRUE);
	record->log = NULL;
}
