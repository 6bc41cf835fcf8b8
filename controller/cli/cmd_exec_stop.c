/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_exec_stop(Cli *cli, int argc, char **argv)
{
	g_autofree char *time_arg = NULL;
	GOptionEntry entries[] = {
		{ "time", 't', 0, G_OPTION_ARG_STRING, &time_arg,
		  "Seconds between SIGTERM and SIGKILL (default 10; 0 = SIGKILL at once)", "SECS" },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	guint timeout;
	int status;

	if (!cli_parse(cli, cli_command("exec-stop"), entries, &argc, &argv, 2, 2, &status))
		return status;
	if (!cli_parse_uint("exec-stop: --time", time_arg != NULL ? time_arg : "10", &timeout) ||
	    (rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_exec_stop_container(rt, argv[1], argv[2], cli_seconds_to_ms(timeout),
					       &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
