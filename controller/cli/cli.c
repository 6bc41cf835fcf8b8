/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_log.h"

void cli_clear(Cli *cli)
{
	g_clear_pointer(&cli->rt, vigil_runtime_free);
	g_clear_pointer(&cli->root, g_free);
	g_clear_pointer(&cli->runtime, g_free);
	g_clear_pointer(&cli->runtime_root, g_free);
	g_clear_pointer(&cli->monitor, g_free);
	g_clear_pointer(&cli->monitor_log_level, g_free);
	g_clear_pointer(&cli->log_path, g_free);
	g_clear_pointer(&cli->log_format, g_free);
	g_clear_pointer(&cli->log_file, fclose);
}

static void one_line(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
}

int cli_fail(GError *error, int status)
{
	g_autofree char *msg = g_strdup(error != NULL ? error->message : "failed");

	one_line(msg);
	cli_log_error(msg, status);
	return status;
}

int cli_fail_own(GError *error)
{
	int status = CLI_EXIT_OWN_FAILURE;

	if (g_error_matches(error, VIGIL_ERROR, ENOEXEC))
		status = CLI_EXIT_NOT_FOUND;
	else if (g_error_matches(error, VIGIL_ERROR, EACCES))
		status = CLI_EXIT_CANNOT_EXEC;
	return cli_fail(error, status);
}

int cli_failf(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	one_line(msg);
	cli_log_error(msg, status);
	return status;
}

gboolean cli_wait(Cli *cli, const char *id, const char *session, int timeout_ms, int *out_code)
{
	g_autoptr(GError) error = NULL;

	if (vigil_runtime_wait(cli->rt, id, session, timeout_ms, out_code, &error))
		return TRUE;
	/* It stopped, but nobody knows how: podman reports that as -1, which callers see as
	 * 255. vigilctl has not failed, so 125 would be wrong; the reason goes to stderr. */
	if (g_error_matches(error, VIGIL_ERROR, ESRCH)) {
		cli_fail(error, 0);
		*out_code = -1;
		return TRUE;
	}
	cli_fail(error, CLI_EXIT_OWN_FAILURE);
	return FALSE;
}

int cli_exit_status(int code)
{
	return code >= 0 && code <= 255 ? code : 255;
}

gboolean cli_parse_size(const char *what, const char *s, gint64 *out)
{
	/* Powers of 1024, as podman's --log-opt max-size: k = kb = kib = 1024, m, g likewise. */
	static const struct {
		const char *unit;
		int shift;
	} units[] = {
		{ "", 0 },    { "b", 0 },    { "k", 10 }, { "kb", 10 }, { "kib", 10 }, { "m", 20 },
		{ "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 },
	};
	const char *end = s;
	int shift = -1;

	while (g_ascii_isdigit(*end))
		end++;
	for (gsize i = 0; end != s && i < G_N_ELEMENTS(units); i++) {
		if (g_ascii_strcasecmp(end, units[i].unit) == 0)
			shift = units[i].shift;
	}
	if (shift < 0) {
		cli_failf(CLI_EXIT_FAILURE,
			  "%s '%s' is not a size (a number of bytes, or with k, m or g: 10m, 1g)",
			  what, s);
		return FALSE;
	}
	g_autofree char *digits = g_strndup(s, end - s);
	guint64 n = 0;
	/* 19 digits fit in a guint64: no wrap before the check. */
	if (strlen(digits) > 19 ||
	    (n = g_ascii_strtoull(digits, NULL, 10)) > (guint64)G_MAXINT64 >> shift) {
		cli_failf(CLI_EXIT_FAILURE, "%s '%s' is too large", what, s);
		return FALSE;
	}
	*out = (gint64)(n << shift);
	return TRUE;
}

gboolean cli_parse_uint(const char *what, const char *s, guint *out)
{
	g_autoptr(GError) error = NULL;
	guint64 v;

	if (s == NULL || !g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT, &v, &error)) {
		if (g_error_matches(error, G_NUMBER_PARSER_ERROR,
				    G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
			cli_failf(CLI_EXIT_FAILURE, "%s '%s' is too large (at most %d)", what, s,
				  G_MAXINT);
		else
			cli_failf(CLI_EXIT_FAILURE, "%s '%s' is not a non-negative number", what,
				  s != NULL ? s : "");
		return FALSE;
	}
	*out = (guint)v;
	return TRUE;
}

guint cli_seconds_to_ms(guint seconds)
{
	return MIN(seconds, G_MAXUINT / 1000) * 1000;
}

gboolean cli_parse(Cli *cli, const CliCommand *cmd, GOptionEntry *entries, int *argc, char ***argv,
		   int min_args, int max_args, int *out_status)
{
	gboolean help = FALSE;
	GOptionEntry common[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Print JSON", NULL },
		{ "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(cmd->params);
	g_autoptr(GError) error = NULL;
	g_autofree char *name = g_strdup_printf("vigilctl %s", cmd->name);

	g_set_prgname(name);
	g_option_context_set_summary(ctx, cmd->summary);
	g_option_context_set_help_enabled(ctx, FALSE);
	g_option_context_set_strict_posix(ctx, cmd->options_first);
	if (entries != NULL)
		g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, common, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		/* GLib undoes what it had parsed: --json asks for a JSON error all the same. */
		cli->json = cli->json || cli_log_wants_json(*argc, *argv);
		*out_status = cli_failf(CLI_EXIT_FAILURE, "%s: %s (see 'vigilctl %s --help')",
					cmd->name, error->message, cmd->name);
		return FALSE;
	}
	if (help) {
		g_autofree char *text = g_option_context_get_help(ctx, TRUE, NULL);
		g_print("%s", text);
		*out_status = EXIT_SUCCESS;
		return FALSE;
	}
	/* A "--" ends the options; the positionals follow it. Where options end at the first
	 * positional, a "--" right after it ends them too (`exec ID -- CMD`, as podman's and
	 * docker's exec take it), and is no part of the command. */
	if (*argc > 1 && g_str_equal((*argv)[1], "--")) {
		memmove(&(*argv)[1], &(*argv)[2], sizeof(char *) * (gsize)(*argc - 1));
		(*argc)--;
	} else if (cmd->options_first && *argc > 2 && g_str_equal((*argv)[2], "--")) {
		memmove(&(*argv)[2], &(*argv)[3], sizeof(char *) * (gsize)(*argc - 2));
		(*argc)--;
	}
	int n = *argc - 1;
	if (n < min_args || (max_args >= 0 && n > max_args)) {
		*out_status =
			cli_failf(CLI_EXIT_FAILURE, "%s: expected %s (see 'vigilctl %s --help')",
				  cmd->name, cmd->params, cmd->name);
		return FALSE;
	}
	return TRUE;
}

/* The monitor beside this vigilctl in a build tree (build/controller/vigilctl and
 * build/monitor/vigilmon), so a fresh build works before installing. */
static char *sibling_monitor(void)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = NULL;
	g_autofree char *path = NULL;

	if (self == NULL)
		return NULL;
	dir = g_path_get_dirname(self);
	path = g_build_filename(dir, "..", "monitor", "vigilmon", NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		return NULL;
	return g_canonicalize_filename(path, NULL);
}

VigilRuntime *cli_runtime(Cli *cli)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *monitor = NULL;
	VigilConfig config = VIGIL_CONFIG_INIT;

	if (cli->rt != NULL)
		return cli->rt;
	if (cli->monitor != NULL)
		monitor = g_strdup(cli->monitor);
	else if (g_getenv("VIGIL_MONITOR") != NULL)
		monitor = g_strdup(g_getenv("VIGIL_MONITOR"));
	else
		monitor = sibling_monitor();
	config.runtime = cli->runtime;
	config.root = cli->root;
	config.runtime_root = cli->runtime_root;
	config.monitor = monitor;
	config.monitor_log_level = cli->monitor_log_level;
	cli->rt = vigil_runtime_new(&config, &error);
	if (cli->rt == NULL)
		cli_fail(error, CLI_EXIT_FAILURE);
	return cli->rt;
}
