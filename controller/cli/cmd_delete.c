/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"

/*
 * `run -d --rm`: the container's monitor runs `vigilctl delete --background ID` as its exit
 * command once the container exited, and waits for it. A delete waits for the monitor, so
 * one run there would wait for its own caller: this returns at once and deletes from a child
 * of its own, which the delete keeps waiting until the monitor is gone. Only the container of
 * that monitor is deleted: the id may have been freed and taken again meanwhile.
 */
static int delete_in_background(Cli *cli, const char *id)
{
	pid_t monitor = getppid();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_failf(CLI_EXIT_FAILURE, "delete '%s': fork: %s", id, g_strerror(errno));
	if (pid > 0)
		return 0;
	(void)setsid();

	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	VigilRuntime *rt = cli_runtime(cli);

	if (rt == NULL)
		return CLI_EXIT_FAILURE;
	ctr = vigil_runtime_update_container_status(rt, id, VIGIL_UPDATE_DEFAULT, &error);
	if (ctr == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	if (vigil_container_get_monitor_pid(ctr) != monitor)
		return cli_failf(CLI_EXIT_FAILURE,
				 "delete '%s': not the container of monitor %d: left alone", id,
				 monitor);
	if (!vigil_runtime_delete_container(rt, id, TRUE, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}

int cmd_delete(Cli *cli, int argc, char **argv)
{
	gboolean force = FALSE, background = FALSE;
	GOptionEntry entries[] = {
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Kill a running container first",
		  NULL },
		{ "background", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &background,
		  "As a monitor's exit command (run -d --rm): return at once, delete once the "
		  "monitor is gone",
		  NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("delete"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if (background)
		return delete_in_background(cli, argv[1]);
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_delete_container(rt, argv[1], force, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
