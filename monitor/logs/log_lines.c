/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "log_lines.h"

#include <string.h>

#include "attach_proto.h"

/* A held fragment's buffer above this size is given back after use: long lines are rare, and
 * an idle monitor should not sit on a large allocation. */
#define LOG_LINES_KEEP_ALLOC (16 * 1024)
void log_lines_init(LogLines *lines, gsize max, LogLinesEmit emit, gpointer user_data)
{
	memset(lines, 0, sizeof *lines);
	lines->max = max;
	lines->emit = emit;
	lines->user_data = user_data;
}

void log_lines_clear(LogLines *lines)
{
	for (int i = 0; i < 2; i++) {
		if (lines->pending[i] != NULL)
			g_string_free(lines->pending[i], TRUE);
		lines->pending[i] = NULL;
		lines->pending_since[i] = 0;
	}
}

static int index_of(int stream)
{
	return stream == VIGIL_STREAM_STDERR ? 1 : 0;
}

static int stream_of(int index)
{
	return index == 1 ? VIGIL_STREAM_STDERR : VIGIL_STREAM_STDOUT;
}

static gsize held(const LogLines *lines, int i)
{
	return lines->pending[i] != NULL ? lines->pending[i]->len : 0;
}

static void drop_held(LogLines *lines, int i)
{
	GString *s = lines->pending[i];

	lines->pending_since[i] = 0;
	if (s == NULL)
		return;
	if (s->allocated_len > LOG_LINES_KEEP_ALLOC) {
		g_string_free(s, TRUE);
		lines->pending[i] = NULL;
	} else {
		g_string_truncate(s, 0);
	}
}

/* One record made of what is held for stream i (if anything) and body. */
static void emit_with_held(LogLines *lines, int i, const char *body, gsize body_len,
			   gboolean partial)
{
	gsize n = held(lines, i);

	lines->emit(lines->user_data, stream_of(i), n > 0 ? lines->pending[i]->str : NULL, n, body,
		    body_len, partial);
	if (n > 0)
		drop_held(lines, i);
}

void log_lines_feed(LogLines *lines, int stream, const char *buf, gsize len)
{
	int i = index_of(stream);
	const char *p = buf, *end = buf + len;
	const char *nl;

	if (len == 0)
		return;
	if (held(lines, 1 - i) > 0)
		emit_with_held(lines, 1 - i, NULL, 0, TRUE);

	while (p < end && (nl = memchr(p, '\n', (gsize)(end - p))) != NULL) {
		emit_with_held(lines, i, p, (gsize)(nl + 1 - p), FALSE);
		p = nl + 1;
	}
	if (p == end)
		return;

	gsize frag = (gsize)(end - p);
	if (held(lines, i) + frag > lines->max) {
		emit_with_held(lines, i, p, frag, TRUE);
		return;
	}
	if (lines->pending[i] == NULL)
		lines->pending[i] = g_string_sized_new(MIN(lines->max, MAX(frag, 256)));
	if (lines->pending[i]->len == 0)
		lines->pending_since[i] = g_get_monotonic_time();
	g_string_append_len(lines->pending[i], p, (gssize)frag);
}

void log_lines_flush(LogLines *lines, gint64 started_before)
{
	/* stdout first, as it would have been written first had it not been held; the two are
	 * never both held (see log_lines_feed), so order is not otherwise at stake. */
	for (int i = 0; i < 2; i++) {
		if (held(lines, i) > 0 && lines->pending_since[i] < started_before)
			emit_with_held(lines, i, NULL, 0, TRUE);
	}
}

gint64 log_lines_pending_since(const LogLines *lines)
{
	gint64 oldest = 0;

	for (int i = 0; i < 2; i++) {
		if (held(lines, i) > 0 && (oldest == 0 || lines->pending_since[i] < oldest))
			oldest = lines->pending_since[i];
	}
	return oldest;
}
