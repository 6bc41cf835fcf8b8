/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Detach keys, handled on the client side as podman does (the monitor has no notion of
 * them). Docker's syntax: a comma-separated list of keys, each a single character or
 * "ctrl-<c>" with c in a-z, @, [, \, ], ^, _. The default is "ctrl-p,ctrl-q".
 */
#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define DETACH_KEYS_MAX     32

typedef struct {
	guint8 seq[DETACH_KEYS_MAX];
	gsize len; /* 0 = detaching disabled */
	gsize matched;
} DetachKeys;

/* Parse spec (NULL = the default, "" = none). EINVAL with the offending key. */
gboolean detach_keys_parse(const char *spec, DetachKeys *out, GError **error);

/*
 * Pass input through: bytes to forward to the container are appended to out; bytes that
 * may start the sequence are held back until they do not. TRUE when the whole sequence has
 * been typed (the rest of in is dropped: the client detaches).
 */
gboolean detach_keys_feed(DetachKeys *k, const guint8 *in, gsize len, GByteArray *out);

/* The input ended: bytes held back as a possible start of the sequence go out after all. */
void detach_keys_flush(DetachKeys *k, GByteArray *out);
