/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "json_util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "error_util.h"
#include "fdutil.h"

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

static gboolean json_char(char c)
{
	/* Structure, whitespace, numbers and the letters of true, false and null. */
	return strchr("[]{}:, \t\r\n-+.0123456789eEtrufalsn", c) != NULL && c != '\0';
}

gboolean json_util_check(const char *text, gsize len, gsize max_bytes, GError **error)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	if (len > max_bytes)
		return vigil_throw(error, EPROTO, "larger than %" G_GSIZE_FORMAT " bytes",
				   max_bytes);
	for (gsize i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_UTIL_MAX_DEPTH)
				return vigil_throw(error, EPROTO,
						   "JSON nested deeper than %d levels",
						   JSON_UTIL_MAX_DEPTH);
		} else if (c == ']' || c == '}') {
			if (depth > 0)
				depth--;
		} else if (!json_char(c)) {
			if (g_ascii_isprint(c))
				return vigil_throw(
					error, EPROTO,
					"not JSON: unexpected '%c' at byte %" G_GSIZE_FORMAT, c, i);
			return vigil_throw(
				error, EPROTO,
				"not JSON: unexpected byte 0x%02x at byte %" G_GSIZE_FORMAT,
				(guchar)c, i);
		}
	}
	return TRUE;
}

JsonParser *json_util_parse(const char *text, gsize len, gsize max_bytes, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;

	if (!json_util_check(text, len, max_bytes, error))
		return NULL;
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, text, (gssize)len, &local)) {
		vigil_throw(error, EPROTO, "%s", local->message);
		return NULL;
	}
	return g_steal_pointer(&parser);
}

static const char *where(GString *path)
{
	return path->len > 0 ? path->str : "the top level";
}

static gboolean check_node(JsonNode *node, GString *path, GError **error);

static gboolean check_object(JsonObject *o, GString *path, GError **error)
{
	g_autoptr(GList) names = json_object_get_members(o);
	gsize len = path->len;

	for (GList *l = names; l != NULL; l = l->next) {
		const char *name = l->data;
		if (!g_utf8_validate(name, -1, NULL))
			return vigil_throw(error, EPROTO, "member name not UTF-8 at %s",
					   where(path));
		g_string_append_printf(path, "%s%s", len > 0 ? "." : "", name);
		if (!check_node(json_object_get_member(o, name), path, error))
			return FALSE;
		g_string_truncate(path, len);
	}
	return TRUE;
}

static gboolean check_array(JsonArray *a, GString *path, GError **error)
{
	gsize len = path->len;

	for (guint i = 0; i < json_array_get_length(a); i++) {
		g_string_append_printf(path, "[%u]", i);
		if (!check_node(json_array_get_element(a, i), path, error))
			return FALSE;
		g_string_truncate(path, len);
	}
	return TRUE;
}

static gboolean check_node(JsonNode *node, GString *path, GError **error)
{
	if (JSON_NODE_HOLDS_OBJECT(node))
		return check_object(json_node_get_object(node), path, error);
	if (JSON_NODE_HOLDS_ARRAY(node))
		return check_array(json_node_get_array(node), path, error);
	if (!JSON_NODE_HOLDS_VALUE(node))
		return TRUE;
	if (json_node_get_value_type(node) == G_TYPE_STRING &&
	    !g_utf8_validate(json_node_get_string(node), -1, NULL))
		return vigil_throw(error, EPROTO, "string not UTF-8 at %s", where(path));
	if (json_node_get_value_type(node) == G_TYPE_DOUBLE &&
	    !isfinite(json_node_get_double(node)))
		return vigil_throw(error, EPROTO, "number out of range at %s", where(path));
	return TRUE;
}

gboolean json_util_check_tree(JsonNode *node, GError **error)
{
	g_autoptr(GString) path = g_string_new(NULL);

	return node == NULL || check_node(node, path, error);
}

char *json_util_read_file(const char *path, gsize max_bytes, gboolean follow, gsize *out_len,
			  GError **error)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
	vigil_autofd int fd = open(path, flags);
	g_autofree char *text = NULL;
	struct stat st;
	gsize len = 0;

	if (fd < 0) {
		if (errno == ELOOP && !follow)
			return vigil_throw(error, ELOOP, "a symbolic link"), NULL;
		return vigil_throw_errno(error, "open"), NULL;
	}
	if (fstat(fd, &st) < 0)
		return vigil_throw_errno(error, "stat"), NULL;
	if (S_ISDIR(st.st_mode))
		return vigil_throw(error, EISDIR, "a directory, not a file"), NULL;
	if (!S_ISREG(st.st_mode))
		return vigil_throw(error, EINVAL, "not a regular file"), NULL;
	if ((guint64)st.st_size > max_bytes)
		return vigil_throw(error, EFBIG, "larger than %" G_GSIZE_FORMAT " bytes",
				   max_bytes),
		       NULL;
	/* One byte more than allowed tells a file that grew meanwhile. */
	text = fd_read_to_end(fd, max_bytes + 1, &len, error);
	if (text == NULL)
		return NULL;
	if (len > max_bytes)
		return vigil_throw(error, EFBIG, "larger than %" G_GSIZE_FORMAT " bytes",
				   max_bytes),
		       NULL;
	*out_len = len;
	return g_steal_pointer(&text);
}

JsonParser *json_util_load_file(const char *path, gsize max_bytes, gboolean follow, GError **error)
{
	gsize len = 0;
	g_autofree char *text = json_util_read_file(path, max_bytes, follow, &len, error);

	return text != NULL ? json_util_parse(text, len, max_bytes, error) : NULL;
}
