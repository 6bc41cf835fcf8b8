/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <unistd.h>

#include "commands.h"
#include "tty.h"

typedef struct {
	gboolean detach, interactive, tty;
	char **env, **cap_add;
	char *cwd, *user, *detach_keys, *session;
	int preserve_fds, timeout;
} ExecOpts;

static void exec_opts_clear(ExecOpts *o)
{
	g_strfreev(o->env);
	g_strfreev(o->cap_add);
	g_free(o->cwd);
	g_free(o->user);
	g_free(o->detach_keys);
	g_free(o->session);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ExecOpts, exec_opts_clear)

/* A session left running (-d, or the detach keys typed): its id, for attach, wait or
 * exec-stop. */
static int report(Cli *cli, const char *session, const VigilExecResult *r)
{
	if (cli->json)
		g_print("{\"session\": \"%s\", \"pid\": %d}\n", session, r->pid);
	else
		g_print("%s\n", session);
	return 0;
}

int cmd_exec(Cli *cli, int argc, char **argv)
{
	g_auto(ExecOpts) o = { 0 };
	GOptionEntry entries[] = {
		{ "detach", 'd', 0, G_OPTION_ARG_NONE, &o.detach,
		  "Return once it runs; print the session id", NULL },
		{ "interactive", 'i', 0, G_OPTION_ARG_NONE, &o.interactive, "Attach stdin", NULL },
		{ "tty", 't', 0, G_OPTION_ARG_NONE, &o.tty, "Allocate a terminal", NULL },
		{ "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o.env, "Set KEY=VALUE (repeatable)",
		  "KEY=VALUE" },
		{ "workdir", 'w', 0, G_OPTION_ARG_STRING, &o.cwd, "Working directory", "DIR" },
		{ "user", 'u', 0, G_OPTION_ARG_STRING, &o.user, "uid[:gid] or name[:group]",
		  "USER" },
		{ "cap-add", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.cap_add,
		  "Add a capability (repeatable)", "CAP" },
		{ "preserve-fds", 0, 0, G_OPTION_ARG_INT, &o.preserve_fds, "Pass fds 3 .. 3+N-1 on",
		  "N" },
		{ "detach-keys", 0, 0, G_OPTION_ARG_STRING, &o.detach_keys,
		  "Keys that detach (default ctrl-p,ctrl-q)", "KEYS" },
		{ "session", 0, 0, G_OPTION_ARG_STRING, &o.session,
		  "Session id (default: a random one)", "ID" },
		{ "timeout", 0, 0, G_OPTION_ARG_INT, &o.timeout, "Kill it after SECS", "SECS" },
		{ NULL },
	};
	VigilExecOptions options = VIGIL_EXEC_OPTIONS_INIT;
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilExecResult result = { 0 };
	CliTty tty = { .fd = -1, .winch_fd = -1 };
	g_autoptr(GError) error = NULL;
	gboolean ok;
	int status;

	if (!cli_parse(cli, cli_command("exec"), entries, &argc, &argv, 2, -1, &status))
		return status == 0 ? 0 : CLI_EXIT_OWN_FAILURE;
	if (cli->json && !o.detach)
		return cli_failf(CLI_EXIT_OWN_FAILURE, "exec: --json needs --detach: the output is "
						       "the session's own");
	if (o.preserve_fds < 0 || o.timeout < 0)
		return cli_failf(CLI_EXIT_OWN_FAILURE,
				 "exec: --preserve-fds and --timeout must not be negative");
	if (o.session == NULL) {
		g_autofree char *uuid = g_uuid_string_random();
		o.session = g_strndup(uuid, 8);
	}
	if (cli_runtime(cli) == NULL)
		return CLI_EXIT_OWN_FAILURE;
	options.cmd = (const char *const *)argv + 2;
	options.env = (const char *const *)o.env;
	options.cap_add = (const char *const *)o.cap_add;
	options.terminal = o.tty;
	options.cwd = o.cwd;
	options.user = o.user;
	options.preserve_fds = (guint)o.preserve_fds;
	options.timeout_ms = cli_seconds_to_ms((guint)o.timeout);
	options.detach_keys = o.detach_keys;
	streams.attach_input = o.interactive;
	options.streams = o.detach ? NULL : &streams;
	if (!o.detach && o.tty && cli_tty_setup(&tty, STDIN_FILENO))
		options.resize = &tty.resize;
	ok = vigil_runtime_exec_container(cli->rt, argv[1], o.session, &options, &result, &error);
	cli_tty_restore(&tty);
	if (!ok && result.pid <= 0)
		return cli_fail_own(error);
	/* It ran, but the attach broke: said, and its own exit code still decides. */
	if (!ok)
		cli_fail(error, 0);
	if (o.detach || result.detached)
		return report(cli, o.session, &result);
	g_clear_error(&error);
	/* An attached session is over: nobody needs its files any more. */
	if (!vigil_runtime_exec_container_cleanup(cli->rt, argv[1], o.session, &error))
		cli_fail(error, 0);
	/* Killed at --timeout: say so, as the code alone (255, the -1 of an unknown code, as
	 * podman's healthchecks report a timeout) cannot. */
	if (result.timed_out)
		cli_failf(0, "exec '%s' in '%s': timed out after %d s and was killed", o.session,
			  argv[1], o.timeout);
	return cli_exit_status(result.exit_code);
}
