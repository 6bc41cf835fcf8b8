/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <unistd.h>

#include "commands.h"
#include "create_opts.h"
#include "tty.h"

/* Run's own options, after the create options. */
typedef struct {
	gboolean detach;
	gboolean rm;
	char *detach_keys;
} RunOpts;

static void run_opts_clear(RunOpts *r)
{
	g_free(r->detach_keys);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RunOpts, run_opts_clear)

static int finish(Cli *cli, const char *id, gboolean rm, int code)
{
	g_autoptr(GError) error = NULL;

	if (rm && !vigil_runtime_delete_container(cli->rt, id, TRUE, &error))
		cli_fail(error, CLI_EXIT_FAILURE);
	return cli_exit_status(code);
}

static int run_attached(Cli *cli, const char *id, CreateOpts *o, RunOpts *r)
{
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilAttachOptions options = VIGIL_ATTACH_OPTIONS_INIT;
	CliTty tty = { .fd = -1, .winch_fd = -1 };
	g_autoptr(GError) error = NULL;
	gboolean detached = FALSE, ok;
	int code = -1;

	streams.attach_input = o->interactive;
	options.streams = &streams;
	options.detach_keys = r->detach_keys;
	options.start = TRUE;
	/* -t, or a bundle whose process.terminal is true: the container has a terminal. */
	g_autoptr(VigilContainer) created =
		vigil_runtime_update_container_status(cli->rt, id, VIGIL_UPDATE_DEFAULT, NULL);
	gboolean terminal = o->tty || (created != NULL && vigil_container_get_terminal(created));

	if (terminal && cli_tty_setup(&tty, STDIN_FILENO))
		options.resize = &tty.resize;
	ok = vigil_runtime_attach(cli->rt, id, NULL, &options, &detached, &error);
	cli_tty_restore(&tty);
	if (!ok) {
		/* Never started (e.g. detach keys that do not parse): a failed run leaves no
		 * container behind. */
		g_autoptr(VigilContainer) ctr = vigil_runtime_update_container_status(
			cli->rt, id, VIGIL_UPDATE_DEFAULT, NULL);
		if (ctr != NULL && vigil_container_get_status(ctr) == VIGIL_STATUS_CREATED)
			(void)vigil_runtime_delete_container(cli->rt, id, TRUE, NULL);
		return cli_fail(error, CLI_EXIT_OWN_FAILURE);
	}
	if (detached)
		return 0;
	if (!cli_wait(cli, id, NULL, -1, &code))
		return CLI_EXIT_OWN_FAILURE;
	return finish(cli, id, r->rm, code);
}

/* The arguments of `vigilctl delete --background ID` with this vigilctl's global options
 * (the record has the rest; these serve a record that cannot be read). */
static GPtrArray *remove_command_args(Cli *cli, const char *id)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(a, g_strdup("--root"));
	g_ptr_array_add(a, g_strdup(vigil_runtime_root(cli->rt)));
	if (cli->runtime != NULL) {
		g_ptr_array_add(a, g_strdup("--runtime"));
		g_ptr_array_add(a, g_strdup(vigil_runtime_path(cli->rt)));
	}
	if (cli->runtime_root != NULL) {
		g_ptr_array_add(a, g_strdup("--runtime-root"));
		g_ptr_array_add(a, g_canonicalize_filename(cli->runtime_root, NULL));
	}
	g_ptr_array_add(a, g_strdup("delete"));
	g_ptr_array_add(a, g_strdup("--background"));
	g_ptr_array_add(a, g_strdup(id));
	g_ptr_array_add(a, NULL);
	return a;
}

int cmd_run(Cli *cli, int argc, char **argv)
{
	g_auto(CreateOpts) o = { 0 };
	g_auto(RunOpts) r = { 0 };
	const GOptionEntry extra[] = {
		{ "detach", 'd', 0, G_OPTION_ARG_NONE, &r.detach, "Start it and return at once",
		  NULL },
		{ "rm", 0, 0, G_OPTION_ARG_NONE, &r.rm, "Delete it once it exited", NULL },
		{ "detach-keys", 0, 0, G_OPTION_ARG_STRING, &r.detach_keys,
		  "Keys that detach (default ctrl-p,ctrl-q)", "KEYS" },
		{ NULL },
	};
	g_autofree GOptionEntry *entries = create_opts_entries(&o, extra);
	g_autoptr(GError) error = NULL;
	VigilCreateOptions options = VIGIL_CREATE_OPTIONS_INIT;
	int status;

	if (!cli_parse(cli, cli_command("run"), entries, &argc, &argv, 1, 1, &status))
		return status == 0 ? 0 : CLI_EXIT_OWN_FAILURE;
	if (!create_opts_to_options(&o, &options) || cli_runtime(cli) == NULL)
		return CLI_EXIT_OWN_FAILURE;
	if (cli->json && !r.detach)
		return cli_failf(CLI_EXIT_OWN_FAILURE, "run: --json needs --detach: the output is "
						       "the container's own");
	/* Detached, nobody is left to delete it but its monitor: its exit command does. */
	g_autoptr(GPtrArray) rm_args = NULL;
	g_autofree char *self = NULL;
	if (r.detach && r.rm) {
		if (o.exit_command != NULL)
			return cli_failf(CLI_EXIT_OWN_FAILURE,
					 "run: -d --rm cannot take --exit-command: the monitor's "
					 "exit command is what removes the container");
		self = g_file_read_link("/proc/self/exe", &error);
		if (self == NULL)
			return cli_failf(CLI_EXIT_OWN_FAILURE, "run: --rm: %s", error->message);
		rm_args = remove_command_args(cli, argv[1]);
		options.exit_command = self;
		options.exit_command_args = (const char *const *)rm_args->pdata;
	}
	if (!vigil_runtime_create_container(cli->rt, argv[1], &options, &error) ||
	    !create_opts_write_pid_file(&o, cli->rt, argv[1]))
		return error != NULL ? cli_fail_own(error) : CLI_EXIT_OWN_FAILURE;
	if (!r.detach)
		return run_attached(cli, argv[1], &o, &r);
	if (!vigil_runtime_start_container(cli->rt, argv[1], &error))
		return cli_fail(error, CLI_EXIT_OWN_FAILURE);
	return 0;
}
