/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * Typed reads from JSON that came from outside (records, configs, monitor and runtime
 * output): a missing member or one of another type reads as absent, never as a critical.
 */

/* The root object, or NULL (json-glib parses "" as success with no root). */
JsonObject *json_util_root_object(JsonParser *parser);

JsonObject *json_util_object(JsonObject *o, const char *key);
const char *json_util_string(JsonObject *o, const char *key);
gboolean json_util_int(JsonObject *o, const char *key, gint64 *out);
gboolean json_util_bool(JsonObject *o, const char *key);

/*
 * Bounds on JSON from outside, checked before json-glib sees it: its parser recurses once
 * per nesting level, so a deep enough document (a damaged record, a hostile config.json)
 * overflows the stack, and a file is read whole into memory.
 */
#define JSON_UTIL_MAX_DEPTH 64
/* state.json and exec session records: a few paths and numbers. */
#define JSON_UTIL_RECORD_MAX (1024 * 1024)
/* A bundle's config.json, and the runtime's state (which repeats its annotations). */
#define JSON_UTIL_CONFIG_MAX (16 * 1024 * 1024)
/* One line from the monitor or the runtime's log. */
#define JSON_UTIL_LINE_MAX (1024 * 1024)

/*
 * TRUE if text (len bytes) is at most max_bytes and nests at most JSON_UTIL_MAX_DEPTH
 * levels. Outside strings only JSON's own characters are allowed: json-glib also takes
 * comments and single-quoted strings, which could hide brackets from the count. EPROTO with
 * what was wrong ("JSON nested deeper than 64 levels", ...), for the caller to prefix.
 */
gboolean json_util_check(const char *text, gsize len, gsize max_bytes, GError **error);

/* json_util_check(), then parse. A new parser, or NULL: EPROTO with the reason. */
JsonParser *json_util_parse(const char *text, gsize len, gsize max_bytes, GError **error);

/*
 * Read a regular file of at most max_bytes (a FIFO would block, a directory is no
 * document); a symlink is followed only if follow. NULL with the errno of what failed (ENOENT
 * for a missing file, EFBIG, EISDIR, ...) and the reason, for the caller to prefix.
 */
char *json_util_read_file(const char *path, gsize max_bytes, gboolean follow, gsize *out_len,
			  GError **error);

/*
 * TRUE if every string and member name under node is UTF-8 and every number finite. json-glib
 * takes broken \u escapes ("\ud80x", a lone low surrogate), giving bytes that are not UTF-8,
 * and reads 1e999 as infinity; its generator writes both back as no JSON reads them (the raw
 * bytes, "inf.0"), so a document that is kept or copied is checked first. EPROTO saying
 * where ("string not UTF-8 at process.args[0]", "member name not UTF-8 at process", "number
 * out of range at the top level"), for the caller to prefix. The walk recurses once per
 * level: node comes from json_util_parse().
 */
gboolean json_util_check_tree(JsonNode *node, GError **error);

/* json_util_read_file() and json_util_parse(). */
JsonParser *json_util_load_file(const char *path, gsize max_bytes, gboolean follow, GError **error);
