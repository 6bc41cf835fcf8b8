/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

int cmd_runtime_info(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) info = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("runtime-info"), NULL, &argc, &argv, 0, 0, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	info = vigil_runtime_info(rt, &error);
	if (info == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	/* It is a JSON object either way (the seed's map). */
	output_json(info);
	return 0;
}
