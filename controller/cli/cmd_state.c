/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

int cmd_state(Cli *cli, int argc, char **argv)
{
	gboolean hard = FALSE;
	GOptionEntry entries[] = {
		{ "hard", 0, 0, G_OPTION_ARG_NONE, &hard, "Ask the runtime, not only the exit file",
		  NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("state"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	ctr = vigil_runtime_update_container_status(
		rt, argv[1], hard ? VIGIL_UPDATE_HARD_QUERY : VIGIL_UPDATE_DEFAULT, &error);
	if (ctr == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	output_container(cli, ctr);
	return 0;
}
