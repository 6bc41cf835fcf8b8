/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_reopen_log(Cli *cli, int argc, char **argv)
{
	g_autofree char *session = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "Reopen this exec session's log instead", "ID" },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("reopen-log"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_reopen_log(rt, argv[1], session, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
