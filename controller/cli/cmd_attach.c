/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <unistd.h>

#include "commands.h"
#include "tty.h"

int cmd_attach(Cli *cli, int argc, char **argv)
{
	gboolean no_stdin = FALSE;
	g_autofree char *detach_keys = NULL, *session = NULL;
	GOptionEntry entries[] = {
		{ "no-stdin", 0, 0, G_OPTION_ARG_NONE, &no_stdin, "Do not attach stdin", NULL },
		{ "detach-keys", 0, 0, G_OPTION_ARG_STRING, &detach_keys,
		  "Keys that detach (default ctrl-p,ctrl-q)", "KEYS" },
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "Attach to this exec session instead", "ID" },
		{ NULL },
	};
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilAttachOptions options = VIGIL_ATTACH_OPTIONS_INIT;
	CliTty tty = { .fd = -1, .winch_fd = -1 };
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	VigilRuntime *rt;
	gboolean ok, detached = FALSE;
	int status, code = -1;

	/* Like run and exec, attach exits with the container's code: its own failures are 125,
	 * never a code the container could have exited with. */
	if (!cli_parse(cli, cli_command("attach"), entries, &argc, &argv, 1, 1, &status))
		return status == 0 ? 0 : CLI_EXIT_OWN_FAILURE;
	if (cli->json)
		return cli_failf(CLI_EXIT_OWN_FAILURE, "attach: --json is not supported: the "
						       "output is the container's own");
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_OWN_FAILURE;
	streams.attach_input = !no_stdin;
	options.streams = &streams;
	options.detach_keys = detach_keys;
	/* Raw mode only for a terminal container or session: a pipe's line discipline stays
	 * local. Only asked to know that: what cannot be read makes the attach below fail with
	 * an error that says "attach". */
	gboolean terminal = FALSE;
	if (session != NULL) {
		(void)vigil_runtime_exec_session_terminal(rt, argv[1], session, &terminal, NULL);
	} else {
		ctr = vigil_runtime_update_container_status(rt, argv[1], VIGIL_UPDATE_DEFAULT,
							    NULL);
		terminal = ctr != NULL && vigil_container_get_terminal(ctr);
	}
	if (terminal && cli_tty_setup(&tty, STDIN_FILENO))
		options.resize = &tty.resize;
	ok = vigil_runtime_attach(rt, argv[1], session, &options, &detached, &error);
	cli_tty_restore(&tty);
	if (!ok)
		return cli_fail(error, CLI_EXIT_OWN_FAILURE);
	if (detached)
		return 0;
	/* The output ended: it exited (the monitor writes the exit file before it lets
	 * attach clients go). Its code, as podman attach exits with it. */
	return cli_wait(cli, argv[1], session, -1, &code) ? cli_exit_status(code)
							  : CLI_EXIT_OWN_FAILURE;
}
