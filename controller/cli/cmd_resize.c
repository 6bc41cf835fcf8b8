/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"

int cmd_resize(Cli *cli, int argc, char **argv)
{
	g_autofree char *session = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "Resize this exec session's terminal instead", "ID" },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	guint rows, cols;
	int status;

	if (!cli_parse(cli, cli_command("resize"), entries, &argc, &argv, 3, 3, &status))
		return status;
	if (!cli_parse_uint("resize: ROWS", argv[2], &rows) ||
	    !cli_parse_uint("resize: COLS", argv[3], &cols))
		return CLI_EXIT_FAILURE;
	/* A terminal of no rows or columns is what TIOCGWINSZ says when nothing set a size. */
	if (rows == 0 || cols == 0 || rows > G_MAXUINT16 || cols > G_MAXUINT16)
		return cli_failf(CLI_EXIT_FAILURE,
				 "resize: %s x %s is not a terminal size (1 to %u)", argv[2],
				 argv[3], G_MAXUINT16);
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	if (!vigil_runtime_resize(rt, argv[1], session, rows, cols, &error))
		return cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
