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
