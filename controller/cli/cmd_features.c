/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

int cmd_features(Cli *cli, int argc, char **argv)
{
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("features"), NULL, &argc, &argv, 0, 0, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	gboolean checkpoint = vigil_runtime_supports_checkpoint(rt);
	gboolean json_errors = vigil_runtime_supports_json_errors(rt);
	gboolean no_cgroups = vigil_runtime_supports_no_cgroups(rt);
	if (cli->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "runtime");
		json_builder_add_string_value(b, vigil_runtime_name(rt));
		json_builder_set_member_name(b, "checkpoint");
		json_builder_add_boolean_value(b, checkpoint);
		json_builder_set_member_name(b, "json_errors");
		json_builder_add_boolean_value(b, json_errors);
		json_builder_set_member_name(b, "no_cgroups");
		json_builder_add_boolean_value(b, no_cgroups);
		json_builder_end_object(b);
		g_autoptr(JsonNode) node = json_builder_get_root(b);
		output_json(node);
		return 0;
	}
	g_print("runtime      %s\ncheckpoint   %s\njson-errors  %s\nno-cgroups   %s\n",
		vigil_runtime_name(rt), checkpoint ? "yes" : "no", json_errors ? "yes" : "no",
		no_cgroups ? "yes" : "no");
	return 0;
}
