/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

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
	g_autoptr(GError) error = NULL;
	guint secs = 0;
	int status, code;

	if (!cli_parse(cli, cli_command("wait"), entries, &argc, &argv, 1, 1, &status))
		return status == 0 ? 0 : CLI_EXIT_OWN_FAILURE;
	if ((timeout != NULL && !cli_parse_uint("wait: --timeout", timeout, &secs)) ||
	    cli_runtime(cli) == NULL)
		return CLI_EXIT_OWN_FAILURE;
	/* The library takes an int of milliseconds: cap at its ~24 days rather than wrap. */
	if (!vigil_runtime_wait(cli->rt, argv[1], session,
				timeout != NULL ? (int)MIN(secs, G_MAXINT / 1000) * 1000 : -1,
				&code, &error)) {
		if (!g_error_matches(error, VIGIL_ERROR, ESRCH))
			return cli_fail(error, CLI_EXIT_OWN_FAILURE);
		/* It stopped, but its monitor was killed before it could say how: the code is
		 * unknown, and printed as such rather than as a number it never had. That is no
		 * failure of vigilctl's (125 would say so); the reason goes to stderr. */
		cli_fail(error, 0);
		g_print(cli->json ? "{\"exit_code\": null}\n" : "unknown\n");
		return cli_exit_status(-1);
	}
	if (cli->json)
		g_print("{\"exit_code\": %d}\n", code);
	else
		g_print("%d\n", code);
	return cli_exit_status(code);
}
