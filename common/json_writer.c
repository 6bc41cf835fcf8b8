/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "json_writer.h"

void json_append_string(GString *out, const char *s, gssize len)
{
	static const char hex[] = "0123456789abcdef";
	gsize n = len < 0 ? strlen(s) : (gsize)len;
	const char *p = s;
	const char *end = s + n;

	g_string_append_c(out, '"');
	while (p < end) {
		const char *run = p;
		/* Copy the longest run of bytes that need no escaping in one call. */
		while (p < end && (guchar)*p >= 0x20 && (guchar)*p < 0x7f && *p != '"' &&
		       *p != '\\' && *p != '/')
			p++;
		if (p > run)
			g_string_append_len(out, run, p - run);
		if (p >= end)
			break;
		guchar c = (guchar)*p;
		if (c >= 0x80) {
			/* One character at a time: a valid tail may still hold '"' or '\\'. */
			gunichar u = g_utf8_get_char_validated(p, end - p);
			if (u == (gunichar)-1 || u == (gunichar)-2) {
				g_string_append(out, "\xef\xbf\xbd");
				p++;
			} else {
				const char *next = g_utf8_next_char(p);
				g_string_append_len(out, p, next - p);
				p = next;
			}
			continue;
		}
		switch (c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '/':
			g_string_append(out, "\\/");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		case '\b':
			g_string_append(out, "\\b");
			break;
		case '\f':
			g_string_append(out, "\\f");
			break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };
			g_string_append_len(out, u, sizeof u);
			break;
		}
		}
		p++;
	}
	g_string_append_c(out, '"');
}
