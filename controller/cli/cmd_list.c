/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

int cmd_list(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autofree char *format = NULL;
	gboolean quiet = FALSE;
	OutputListFormat how;
	VigilRuntime *rt;
	int status;
	GOptionEntry entries[] = {
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print the container ids only",
		  NULL },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "table (default) or json (as --json)", "FORMAT" },
		{ NULL },
	};

	if (!cli_parse(cli, cli_command("list"), entries, &argc, &argv, 0, 0, &status))
		return status;
	if (format != NULL && !g_str_equal(format, "table") && !g_str_equal(format, "json"))
		return cli_failf(CLI_EXIT_FAILURE, "list: --format '%s' is not table or json",
				 format);
	if (format != NULL && g_str_equal(format, "json"))
		cli->json = TRUE;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	list = vigil_runtime_list_containers(rt, &error);
	if (list == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	how = quiet ? OUTPUT_LIST_IDS : cli->json ? OUTPUT_LIST_JSON : OUTPUT_LIST_TABLE;
	output_list(list, how);
	return 0;
}
