/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

static void add_member(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

/* {"runtime": {"name", "path", "version"}, "monitor": {"path", "version"}, "root",
 * "runtime_root", "library": {"version", "commit"}}: a JSON object either way (the seed's
 * map). */
static JsonNode *info_json(const VigilRuntimeInfo *info)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "runtime");
	json_builder_begin_object(b);
	add_member(b, "name", info->runtime_name);
	add_member(b, "path", info->runtime_path);
	add_member(b, "version", info->runtime_version);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "monitor");
	json_builder_begin_object(b);
	add_member(b, "path", info->monitor_path);
	add_member(b, "version", info->monitor_version);
	json_builder_end_object(b);
	add_member(b, "root", info->root);
	add_member(b, "runtime_root", info->runtime_root);
	json_builder_set_member_name(b, "library");
	json_builder_begin_object(b);
	add_member(b, "version", info->library_version);
	add_member(b, "commit", info->library_commit);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

int cmd_runtime_info(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilRuntimeInfo) info = NULL;
	g_autoptr(JsonNode) node = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("runtime-info"), NULL, &argc, &argv, 0, 0, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	info = vigil_runtime_info(rt, &error);
	if (info == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	node = info_json(info);
	output_json(node);
	return 0;
}
