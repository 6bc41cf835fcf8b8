/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

int cmd_list(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("list"), NULL, &argc, &argv, 0, 0, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	list = vigil_runtime_list_containers(rt, &error);
	if (list == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	output_list(cli, list);
	return 0;
}
