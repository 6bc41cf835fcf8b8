/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_kill(Cli *cli, int argc, char **argv)
{
	gboolean all = FALSE;
	GOptionEntry entries[] = {
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Signal every process in the container",
		  NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status, sig = 15;

	if (!cli_parse(cli, cli_command("kill"), entries, &argc, &argv, 1, 2, &status))
		return status;
	if (argc == 3 && (sig = vigil_signal_parse(argv[2])) <= 0)
		return cli_failf(CLI_EXIT_FAILURE, "kill '%s': '%s' is not a signal", argv[1],
				 argv[2]);
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_kill_container(rt, argv[1], sig, all, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
