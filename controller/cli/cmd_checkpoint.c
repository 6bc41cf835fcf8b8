/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_checkpoint(Cli *cli, int argc, char **argv)
{
	VigilCheckpointOptions options = VIGIL_CHECKPOINT_OPTIONS_INIT;
	g_autofree char *image = NULL, *work = NULL, *parent = NULL;
	GOptionEntry entries[] = {
		{ "image-path", 0, 0, G_OPTION_ARG_FILENAME, &image,
		  "Where to write the checkpoint (required)", "DIR" },
		{ "work-path", 0, 0, G_OPTION_ARG_FILENAME, &work, "CRIU's work directory", "DIR" },
		{ "parent-path", 0, 0, G_OPTION_ARG_FILENAME, &parent,
		  "A previous pre-dump to build on", "DIR" },
		{ "leave-running", 0, 0, G_OPTION_ARG_NONE, &options.leave_running,
		  "Keep the container running", NULL },
		{ "tcp-established", 0, 0, G_OPTION_ARG_NONE, &options.tcp_established,
		  "Checkpoint established TCP connections", NULL },
		{ "file-locks", 0, 0, G_OPTION_ARG_NONE, &options.file_locks,
		  "Checkpoint file locks", NULL },
		{ "pre-dump", 0, 0, G_OPTION_ARG_NONE, &options.pre_dump,
		  "Only dump memory; keep running", NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("checkpoint"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if (image == NULL)
		return cli_failf(CLI_EXIT_FAILURE, "checkpoint: --image-path is required");
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	options.image_path = image;
	options.work_path = work;
	options.parent_path = parent;
	if (!vigil_runtime_checkpoint_container(rt, argv[1], &options, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
