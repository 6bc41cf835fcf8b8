/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_exec_cleanup(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("exec-cleanup"), NULL, &argc, &argv, 2, 2, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_exec_container_cleanup(rt, argv[1], argv[2], &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
