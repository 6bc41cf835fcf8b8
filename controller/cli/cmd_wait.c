/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_wait(Cli *cli, int argc, char **argv)
{
	g_autofree char *session = NULL, *timeout = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "Wait for this exec session instead", "ID" },
		{ "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
		  "Give up after SECS (default: never)", "SECS" },
		{ NULL },
	};
	guint secs = 0;
	int status, code;

	if (!cli_parse(cli, cli_command("wait"), entries, &argc, &argv, 1, 1, &status))
		return status == 0 ? 0 : CLI_EXIT_OWN_FAILURE;
	if ((timeout != NULL && !cli_parse_uint("wait: --timeout", timeout, &secs)) ||
	    cli_runtime(cli) == NULL)
		return CLI_EXIT_OWN_FAILURE;
	/* The library takes an int of milliseconds: cap at its ~24 days rather than wrap. */
	if (!cli_wait(cli, argv[1], session,
		      timeout != NULL ? (int)MIN(secs, G_MAXINT / 1000) * 1000 : -1, &code))
		return CLI_EXIT_OWN_FAILURE;
	if (cli->json)
		g_print("{\"exit_code\": %d}\n", code);
	else
		g_print("%d\n", code);
	return cli_exit_status(code);
}
