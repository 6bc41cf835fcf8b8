/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "detach_keys.h"

#include <errno.h>
#include <string.h>

#include "error_util.h"

static int parse_key(const char *key)
{
	if (strlen(key) == 1)
		return (guint8)key[0];
	if (g_ascii_strncasecmp(key, "ctrl-", 5) != 0 || strlen(key) != 6)
		return -1;
	char c = g_ascii_tolower(key[5]);
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 1;
	const char *specials = "@[\\]^_"; /* 0, 27 .. 31 */
	const char *at = strchr(specials, c);
	if (at == NULL || c == '\0')
		return -1;
	return at == specials ? 0 : 27 + (int)(at - specials - 1);
}

gboolean detach_keys_parse(const char *spec, DetachKeys *out, GError **error)
{
	g_auto(GStrv) keys = NULL;
	DetachKeys k = { { 0 }, 0, 0 };

	if (spec == NULL)
		spec = DETACH_KEYS_DEFAULT;
	if (*spec == '\0') {
		*out = k;
		return TRUE;
	}
	keys = g_strsplit(spec, ",", -1);
	for (char **key = keys; *key != NULL; key++) {
		int v = parse_key(*key);
		if (v < 0)
			return vigil_throw(error, EINVAL,
					   "detach keys '%s': '%s' is not a key (use a character "
					   "or ctrl-<c>)",
					   spec, *key);
		if (k.len == DETACH_KEYS_MAX)
			return vigil_throw(error, EINVAL, "detach keys '%s': too many keys", spec);
		k.seq[k.len++] = (guint8)v;
	}
	*out = k;
	return TRUE;
}

/* One byte: returns TRUE when the sequence completes. */
static gboolean feed_byte(DetachKeys *k, guint8 c, GByteArray *out)
{
	if (c == k->seq[k->matched]) {
		k->matched++;
		return k->matched == k->len;
	}
	if (k->matched == 0) {
		g_byte_array_append(out, &c, 1);
		return FALSE;
	}
	/* The held prefix did not lead to the sequence: its first byte goes out, and the rest
	 * plus c are looked at again (they may start a new match, e.g. "p p q" for "p,q"). */
	guint8 again[DETACH_KEYS_MAX + 1];
	gsize n = k->matched - 1;

	memcpy(again, k->seq + 1, n);
	again[n++] = c;
	g_byte_array_append(out, k->seq, 1);
	k->matched = 0;
	for (gsize i = 0; i < n; i++) {
		if (feed_byte(k, again[i], out))
			return TRUE;
	}
	return FALSE;
}

void detach_keys_flush(DetachKeys *k, GByteArray *out)
{
	g_byte_array_append(out, k->seq, (guint)k->matched);
	k->matched = 0;
}

gboolean detach_keys_feed(DetachKeys *k, const guint8 *in, gsize len, GByteArray *out)
{
	if (k->len == 0) {
		g_byte_array_append(out, in, (guint)len);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (feed_byte(k, in[i], out)) {
			k->matched = 0;
			return TRUE;
		}
	}
	return FALSE;
}
