/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "create_opts.h"

int cmd_restore(Cli *cli, int argc, char **argv)
{
	g_auto(CreateOpts) o = { 0 };
	VigilCheckpointOptions restore = VIGIL_CHECKPOINT_OPTIONS_INIT;
	g_autofree char *image = NULL;
	const GOptionEntry extra[] = {
		{ "image-path", 0, 0, G_OPTION_ARG_FILENAME, &image,
		  "The checkpoint to restore (required)", "DIR" },
		{ "tcp-established", 0, 0, G_OPTION_ARG_NONE, &restore.tcp_established,
		  "Restore established TCP connections", NULL },
		{ "file-locks", 0, 0, G_OPTION_ARG_NONE, &restore.file_locks, "Restore file locks",
		  NULL },
		{ NULL },
	};
	g_autofree GOptionEntry *entries = create_opts_entries(&o, extra);
	VigilCreateOptions options = VIGIL_CREATE_OPTIONS_INIT;
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("restore"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if (image == NULL)
		return cli_failf(CLI_EXIT_FAILURE, "restore: --image-path is required");
	if (!create_opts_to_options(&o, &options) || (rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	restore.image_path = image;
	options.restore = &restore;
	if (!vigil_runtime_create_container(rt, argv[1], &options, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return create_opts_write_pid_file(&o, rt, argv[1]) ? 0 : CLI_EXIT_FAILURE;
}
