/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

/* podman's and docker's default grace period. */
#define DEFAULT_STOP_TIMEOUT "10"

int cmd_stop(Cli *cli, int argc, char **argv)
{
	g_autofree char *time_arg = NULL;
	gboolean all = FALSE;
	GOptionEntry entries[] = {
		{ "time", 't', 0, G_OPTION_ARG_STRING, &time_arg,
		  "Seconds to wait before SIGKILL (default 10; 0 = SIGKILL at once)", "SECS" },
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all,
		  "Signal every process (the runtime's kill --all)", NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	guint timeout;
	int status;

	if (!cli_parse(cli, cli_command("stop"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if (!cli_parse_uint("stop: --time", time_arg != NULL ? time_arg : DEFAULT_STOP_TIMEOUT,
			    &timeout) ||
	    (rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_stop_container(rt, argv[1], cli_seconds_to_ms(timeout), all, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
