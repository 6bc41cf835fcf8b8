/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

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
		g_print("{\"runtime\": \"%s\", \"checkpoint\": %s, \"json_errors\": %s, "
			"\"no_cgroups\": %s}\n",
			vigil_runtime_name(rt), checkpoint ? "true" : "false",
			json_errors ? "true" : "false", no_cgroups ? "true" : "false");
		return 0;
	}
	g_print("runtime      %s\ncheckpoint   %s\njson-errors  %s\nno-cgroups   %s\n",
		vigil_runtime_name(rt), checkpoint ? "yes" : "no", json_errors ? "yes" : "no",
		no_cgroups ? "yes" : "no");
	return 0;
}
