/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "create_opts.h"

int cmd_create(Cli *cli, int argc, char **argv)
{
	g_auto(CreateOpts) o = { 0 };
	g_autofree GOptionEntry *entries = create_opts_entries(&o, NULL);
	g_autoptr(GError) error = NULL;
	VigilCreateOptions options = VIGIL_CREATE_OPTIONS_INIT;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("create"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if (!create_opts_to_options(&o, &options) || (rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_create_container(rt, argv[1], &options, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return create_opts_write_pid_file(&o, rt, argv[1]) ? 0 : CLI_EXIT_FAILURE;
}
