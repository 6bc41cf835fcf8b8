/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_delete(Cli *cli, int argc, char **argv)
{
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Kill a running container first",
		  NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("delete"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_delete_container(rt, argv[1], force, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
