/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_start(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("start"), NULL, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_start_container(rt, argv[1], &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
