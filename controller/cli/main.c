/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib.h>

#include "cli.h"
#include "cli_log.h"
#include "commands.h"
#include "output.h"

static int cmd_help(Cli *cli, int argc, char **argv);
static int cmd_version(Cli *cli, int argc, char **argv);

static const CliCommand commands[] = {
	{ "create", "ID", "Create a container from a bundle (not started)", cmd_create },
	{ "start", "ID", "Start a created container", cmd_start },
	{ "run", "ID", "Create, start and attach; exit with the container's code", cmd_run },
	{ "state", "ID", "Show a container's state", cmd_state },
	{ "list", "", "List the containers", cmd_list },
	{ "kill", "ID [SIGNAL]", "Send a signal (default TERM)", cmd_kill },
	{ "stop", "ID", "Stop signal, then KILL after the timeout", cmd_stop },
	{ "delete", "ID", "Delete a container", cmd_delete },
	{ "pause", "ID", "Freeze a container", cmd_pause },
	{ "unpause", "ID", "Thaw a paused container", cmd_unpause },
	{ "exec", "ID COMMAND [ARG...]", "Run a process in a running container", cmd_exec, TRUE },
	{ "exec-stop", "ID SESSION", "Stop an exec session", cmd_exec_stop },
	{ "exec-cleanup", "ID SESSION", "Remove an ended exec session's files", cmd_exec_cleanup },
	{ "exec-list", "ID", "List a container's exec sessions", cmd_exec_list },
	{ "checkpoint", "ID", "Checkpoint a running container with CRIU", cmd_checkpoint },
	{ "restore", "ID", "Create a container from a checkpoint", cmd_restore },
	{ "attach", "ID", "Attach to a container's (or exec session's) streams", cmd_attach },
	{ "logs", "ID", "Show a container's logs", cmd_logs },
	{ "reopen-log", "ID", "Have the monitor reopen the log files (after logrotate)",
	  cmd_reopen_log },
	{ "resize", "ID ROWS COLS", "Resize a container's (or exec session's) terminal",
	  cmd_resize },
	{ "wait", "ID", "Wait for a container to exit; exit with its code", cmd_wait },
	{ "stats", "ID", "Show a container's log, attach and cgroup statistics", cmd_stats },
	{ "events", "ID", "Follow a container's events until it exits", cmd_events },
	{ "paths", "ID", "Show the sockets, exit file and other paths", cmd_paths },
	{ "runtime-info", "", "Show the runtime and monitor in use", cmd_runtime_info },
	{ "features", "", "Show what the runtime and host support", cmd_features },
	{ "version", "", "Show the version (also -v, --version)", cmd_version },
	{ "help", "[COMMAND]", "Show this help, or a command's options", cmd_help },
	{ NULL, NULL, NULL, NULL, FALSE },
};

const CliCommand *cli_command(const char *name)
{
	for (const CliCommand *c = commands; c->name != NULL; c++) {
		if (g_str_equal(c->name, name))
			return c;
	}
	return NULL;
}

/* The global options, bound to cli, version (-v, --version) and help (-h, --help). */
static GOptionContext *global_context(Cli *cli, gboolean *version, gboolean *help)
{
	GOptionEntry globals[] = {
		{ "root", 0, 0, G_OPTION_ARG_FILENAME, &cli->root,
		  "State directory (default " VIGIL_DEFAULT_ROOT ")", "DIR" },
		{ "runtime", 0, 0, G_OPTION_ARG_STRING, &cli->runtime,
		  "OCI runtime: runc (default), crun, or a path", "RUNTIME" },
		{ "runtime-root", 0, 0, G_OPTION_ARG_FILENAME, &cli->runtime_root,
		  "The runtime's --root (default <root>/.runtime/<runtime>)", "DIR" },
		{ "monitor", 0, 0, G_OPTION_ARG_FILENAME, &cli->monitor,
		  "Monitor binary (default: $VIGIL_MONITOR, else the vigilmon installed with "
		  "vigilctl; conmon works too)",
		  "PATH" },
		{ "monitor-log-level", 0, 0, G_OPTION_ARG_STRING, &cli->monitor_log_level,
		  "The monitors' --log-level", "LEVEL" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &cli->json,
		  "Print JSON, errors too (one object on stderr)", NULL },
		{ "log", 0, 0, G_OPTION_ARG_FILENAME, &cli->log_path,
		  "Append vigilctl's messages to FILE (default stderr)", "FILE" },
		{ "log-format", 0, 0, G_OPTION_ARG_STRING, &cli->log_format,
		  "The messages' format: text (default) or json", "FORMAT" },
		{ "debug", 0, 0, G_OPTION_ARG_NONE, &cli->debug,
		  "Show debug messages, the command lines run among them", NULL },
		{ "version", 'v', 0, G_OPTION_ARG_NONE, version, "Show the version", NULL },
		{ "help", 'h', 0, G_OPTION_ARG_NONE, help, "Show this help", NULL },
		{ NULL },
	};
	GOptionContext *ctx = g_option_context_new("COMMAND [OPTION...] [ARG...]");

	g_option_context_set_summary(ctx, "Create and manage OCI containers, each beside a "
					  "vigilmon monitor.");
	g_option_context_set_help_enabled(ctx, FALSE);
	g_option_context_set_strict_posix(ctx, TRUE);
	/* The group keeps a copy of the entries: globals may go out of scope. */
	g_option_context_add_main_entries(ctx, globals, NULL);
	return ctx;
}

static char *usage(void)
{
	Cli unused = { 0 };
	gboolean version, help;
	g_autoptr(GOptionContext) ctx = global_context(&unused, &version, &help);
	g_autofree char *text = NULL;
	GString *s;

	/* `help` runs as a command, whose name GOption would put in the usage line. */
	g_set_prgname("vigilctl");
	text = g_option_context_get_help(ctx, TRUE, NULL);
	s = g_string_new(text);
	g_string_append(s, "Commands:\n");
	for (const CliCommand *c = commands; c->name != NULL; c++)
		g_string_append_printf(s, "  %-14s %s\n", c->name, c->summary);
	g_string_append(s, "\n'vigilctl help COMMAND' or 'vigilctl COMMAND --help' shows a "
			   "command's options.\n");
	return g_string_free(s, FALSE);
}

static int print_version(Cli *cli)
{
	if (cli->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) node = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "version");
		json_builder_add_string_value(b, VIGIL_VERSION);
		json_builder_set_member_name(b, "commit");
		json_builder_add_string_value(b, VIGIL_GIT_COMMIT);
		json_builder_set_member_name(b, "libvigil");
		json_builder_add_string_value(b, vigil_version());
		json_builder_end_object(b);
		node = json_builder_get_root(b);
		output_json(node);
		return EXIT_SUCCESS;
	}
	g_print("vigilctl version %s\ncommit: %s\nlibvigil: %s\n", VIGIL_VERSION, VIGIL_GIT_COMMIT,
		vigil_version());
	return EXIT_SUCCESS;
}

static int cmd_version(Cli *cli, int argc, char **argv)
{
	int status;

	if (!cli_parse(cli, cli_command("version"), NULL, &argc, &argv, 0, 0, &status))
		return status;
	return print_version(cli);
}

/* `help` is the global --help; `help COMMAND` is `COMMAND --help`. */
static int cmd_help(Cli *cli, int argc, char **argv)
{
	const CliCommand *cmd;
	int status;

	if (!cli_parse(cli, cli_command("help"), NULL, &argc, &argv, 0, 1, &status))
		return status;
	if (argc == 1) {
		g_autofree char *text = usage();
		g_print("%s", text);
		return EXIT_SUCCESS;
	}
	cmd = cli_command(argv[1]);
	if (cmd == NULL)
		return cli_failf(CLI_EXIT_FAILURE,
				 "help: unknown command '%s' (see 'vigilctl --help')", argv[1]);
	char *args[] = { (char *)cmd->name, (char *)"--help", NULL };
	return cmd->run(cli, 2, args);
}

int main(int argc, char **argv)
{
	g_auto(Cli) cli = { 0 };
	gboolean version = FALSE, help = FALSE;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	const CliCommand *cmd;

	setlocale(LC_ALL, "");
	/* First: every message from here on, errors included, goes through cli's settings. */
	cli_log_install(&cli);
	ctx = global_context(&cli, &version, &help);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		/* GLib undoes what it had parsed: --json asks for a JSON error all the same. */
		cli.json = cli_log_wants_json(argc, argv);
		return cli_failf(CLI_EXIT_FAILURE, "%s (see 'vigilctl --help')", error->message);
	}
	if (!cli_log_open(&cli, &error))
		return cli_failf(CLI_EXIT_FAILURE, "%s", error->message);
	if (version)
		return print_version(&cli);
	if (help || argc < 2) {
		g_autofree char *text = usage();
		if (help) {
			g_print("%s", text);
			return EXIT_SUCCESS;
		}
		/* A caller that asked for JSON reads one object on stderr, whatever failed. */
		if (cli.json)
			return cli_failf(CLI_EXIT_FAILURE, "no command (see 'vigilctl --help')");
		g_printerr("%s", text);
		return CLI_EXIT_FAILURE;
	}
	/* "" would be the current directory, whatever that is: never what was meant. */
	if (cli.root != NULL && *cli.root == '\0')
		return cli_failf(CLI_EXIT_FAILURE, "--root: must not be empty");
	if (cli.runtime_root != NULL && *cli.runtime_root == '\0')
		return cli_failf(CLI_EXIT_FAILURE, "--runtime-root: must not be empty");
	if (cli.debug)
		g_log_set_debug_enabled(TRUE);
	cmd = cli_command(argv[1]);
	if (cmd == NULL)
		return cli_failf(CLI_EXIT_FAILURE, "unknown command '%s' (see 'vigilctl --help')",
				 argv[1]);
	return cmd->run(&cli, argc - 1, argv + 1);
}
