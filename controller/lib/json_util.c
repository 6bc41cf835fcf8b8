/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "json_util.h"

JsonObject *json_util_root_object(JsonParser *parser)
{
	JsonNode *root = json_parser_get_root(parser);

	return root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
}

static JsonNode *value(JsonObject *o, const char *key, GType type)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != type)
		return NULL;
	return n;
}

JsonObject *json_util_object(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

const char *json_util_string(JsonObject *o, const char *key)
{
	JsonNode *n = value(o, key, G_TYPE_STRING);

	return n != NULL ? json_node_get_string(n) : NULL;
}

gboolean json_util_int(JsonObject *o, const char *key, gint64 *out)
{
	JsonNode *n = value(o, key, G_TYPE_INT64);

	if (n == NULL)
		return FALSE;
	*out = json_node_get_int(n);
	return TRUE;
}

gboolean json_util_bool(JsonObject *o, const char *key)
{
	JsonNode *n = value(o, key, G_TYPE_BOOLEAN);

	return n != NULL && json_node_get_boolean(n);
}
