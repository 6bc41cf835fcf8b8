/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "bundle.h"

#include <errno.h>
#include <string.h>
#include <vigil/options.h>

#include "error_util.h"
#include "json_util.h"
#include "state_record.h"

/* The OCI image-spec annotation that carries the image's STOPSIGNAL. */
#define STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"

Bundle *bundle_load(const char *dir, GError **error)
{
	g_autoptr(Bundle) b = g_new0(Bundle, 1);
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *path = NULL;
	JsonObject *root;

	b->dir = g_canonicalize_filename(dir, NULL);
	path = g_build_filename(b->dir, "config.json", NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		vigil_throw(error, ENOENT, "bundle '%s' has no config.json", dir);
		return NULL;
	}
	parser = json_util_load_file(path, JSON_UTIL_CONFIG_MAX, TRUE, &local);
	/* The config is copied for the runtime, and that copy must be JSON again. */
	if (parser == NULL || !json_util_check_tree(json_parser_get_root(parser), &local)) {
		vigil_throw(error, EINVAL, "'%s': %s", path, local->message);
		return NULL;
	}
	root = json_util_root_object(parser);
	if (json_util_object(root, "process") == NULL) {
		vigil_throw(error, EINVAL, "'%s' is not an OCI config: no process object", path);
		return NULL;
	}
	b->config = json_node_copy(json_parser_get_root(parser));
	return g_steal_pointer(&b);
}

/* A new value node: json_node_copy() would share the JsonValue with node. */
static JsonNode *copy_value(JsonNode *node)
{
	JsonNode *copy = json_node_alloc();
	GType type = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_NONE;

	if (type == G_TYPE_STRING)
		return json_node_init_string(copy, json_node_get_string(node));
	if (type == G_TYPE_INT64)
		return json_node_init_int(copy, json_node_get_int(node));
	if (type == G_TYPE_DOUBLE)
		return json_node_init_double(copy, json_node_get_double(node));
	if (type == G_TYPE_BOOLEAN)
		return json_node_init_boolean(copy, json_node_get_boolean(node));
	return json_node_init_null(copy);
}

static void copy_member(JsonObject *o, const char *name, JsonNode *member, gpointer copy)
{
	json_object_set_member(copy, name, bundle_json_deep_copy(member));
}

static void copy_element(JsonArray *a, guint i, JsonNode *element, gpointer copy)
{
	json_array_add_element(copy, bundle_json_deep_copy(element));
}

JsonNode *bundle_json_deep_copy(JsonNode *node)
{
	/* json_node_copy() shares objects and arrays; a copy we edit must not. Copied node by
	 * node, not through text, so it cannot fail (json-glib writes some values as no JSON
	 * parser reads them). The recursion is bounded: the tree came from json_util_parse(). */
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonNode *copy = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(copy, json_object_new());
		json_object_foreach_member(json_node_get_object(node), copy_member,
					   json_node_get_object(copy));
		return copy;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonNode *copy = json_node_new(JSON_NODE_ARRAY);
		json_node_take_array(copy, json_array_new());
		json_array_foreach_element(json_node_get_array(node), copy_element,
					   json_node_get_array(copy));
		return copy;
	}
	return copy_value(node);
}

void bundle_free(Bundle *b)
{
	if (b == NULL)
		return;
	g_free(b->dir);
	g_clear_pointer(&b->config, json_node_unref);
	g_free(b);
}

JsonObject *bundle_process(Bundle *b)
{
	return json_util_object(json_node_get_object(b->config), "process");
}

gboolean bundle_terminal(Bundle *b)
{
	return json_util_bool(bundle_process(b), "terminal");
}

int bundle_stop_signal(Bundle *b)
{
	JsonObject *ann = json_util_object(json_node_get_object(b->config), "annotations");
	int sig = vigil_signal_parse(json_util_string(ann, STOP_SIGNAL_ANNOTATION));

	return sig > 0 ? sig : 0;
}

char *bundle_rootfs(Bundle *b)
{
	JsonObject *root = json_util_object(json_node_get_object(b->config), "root");
	const char *path = json_util_string(root, "path");

	if (path == NULL)
		path = "rootfs";
	if (g_path_is_absolute(path))
		return g_strdup(path);
	return g_build_filename(b->dir, path, NULL);
}

static gboolean is_bind(JsonObject *m)
{
	JsonNode *opts = json_object_get_member(m, "options");

	if (g_strcmp0(json_util_string(m, "type"), "bind") == 0)
		return TRUE;
	if (opts == NULL || !JSON_NODE_HOLDS_ARRAY(opts))
		return FALSE;
	JsonArray *a = json_node_get_array(opts);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *o = json_array_get_element(a, i);
		if (JSON_NODE_HOLDS_VALUE(o) && json_node_get_value_type(o) == G_TYPE_STRING &&
		    (g_str_equal(json_node_get_string(o), "bind") ||
		     g_str_equal(json_node_get_string(o), "rbind")))
			return TRUE;
	}
	return FALSE;
}

static void absolute_mount_sources(Bundle *b, JsonObject *config)
{
	JsonNode *mounts = json_object_get_member(config, "mounts");

	if (mounts == NULL || !JSON_NODE_HOLDS_ARRAY(mounts))
		return;
	JsonArray *a = json_node_get_array(mounts);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *n = json_array_get_element(a, i);
		if (!JSON_NODE_HOLDS_OBJECT(n))
			continue;
		JsonObject *m = json_node_get_object(n);
		const char *src = json_util_string(m, "source");
		if (src != NULL && !g_path_is_absolute(src) && is_bind(m)) {
			g_autofree char *abs = g_build_filename(b->dir, src, NULL);
			json_object_set_string_member(m, "source", abs);
		}
	}
}

gboolean bundle_write_copy(Bundle *b, const char *path, gboolean terminal, GError **error)
{
	g_autoptr(JsonNode) copy = bundle_json_deep_copy(b->config);
	JsonObject *config = json_node_get_object(copy);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *rootfs = bundle_rootfs(b);
	JsonObject *root = json_util_object(config, "root");

	if (root == NULL) {
		root = json_object_new();
		json_object_set_object_member(config, "root", root);
	}
	json_object_set_string_member(root, "path", rootfs);
	absolute_mount_sources(b, config);
	json_object_set_boolean_member(json_util_object(config, "process"), "terminal", terminal);

	json_generator_set_root(gen, copy);
	json_generator_set_pretty(gen, TRUE);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	return state_file_write_atomic(path, text, strlen(text), 0600, error);
}
