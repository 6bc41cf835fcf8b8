/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>
#include <vigil/vigil.h>

#include <glib.h>

/*
 * What every subcommand shares: the global options, the runtime object (made on first
 * use), option parsing with --help and --json, and the one-line error convention.
 *
 * Exit codes: 0 success; 1 failure (one line "vigilctl: <message>" on stderr); run, exec,
 * attach and wait exit with the container's (or session's) exit code, and with 125 when
 * vigilctl itself failed before that code was known, 126 when the process's command could
 * not be executed and 127 when it was not found (podman's convention).
 */
#define CLI_EXIT_FAILURE     1
#define CLI_EXIT_OWN_FAILURE 125
#define CLI_EXIT_CANNOT_EXEC 126
#define CLI_EXIT_NOT_FOUND   127

typedef struct {
	char *root;
	char *runtime;
	char *runtime_root;
	char *monitor;
	char *monitor_log_level;
	gboolean json;
	gboolean debug;
	char *log_path;   /* --log */
	char *log_format; /* --log-format: text (NULL) or json */
	FILE *log_file;   /* --log opened (cli_log.h); NULL: stderr */
	gboolean log_json;
	VigilRuntime *rt;
} Cli;

void cli_clear(Cli *cli);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Cli, cli_clear)

typedef int (*CliCommandFunc)(Cli *cli, int argc, char **argv);

typedef struct {
	const char *name;
	const char *params;  /* "ID", "ID [SIGNAL]" ... */
	const char *summary; /* one line */
	CliCommandFunc run;
	/* Options only before the first positional: the rest belongs to a command line
	 * (`exec ID sh -c x` keeps "-c"). Otherwise options may come anywhere. */
	gboolean options_first;
} CliCommand;

/*
 * Parse a subcommand's options (entries may be NULL) plus --json and --help. Leaves the
 * positionals in argc and argv (argv[0] is the command name). Returns FALSE when the caller
 * should return *out_status at once: after --help (0) or a usage error (1, printed), or
 * when the number of positionals is not within [min_args, max_args] (max < 0: no limit).
 */
gboolean cli_parse(Cli *cli, const CliCommand *cmd, GOptionEntry *entries, int *argc, char ***argv,
		   int min_args, int max_args, int *out_status);

/* The runtime for the global options; NULL after printing the error. */
VigilRuntime *cli_runtime(Cli *cli);

/* Print "vigilctl: <message>" (one line) and return status. */
int cli_fail(GError *error, int status);
/* For run and exec, which exit with the process's code: 127 when its command was not
 * found, 126 when it could not be executed, else 125 (podman's and Docker's convention). */
int cli_fail_own(GError *error);
int cli_failf(int status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* vigil_runtime_wait() for run, attach and wait (cli_runtime() done): TRUE with the exit code,
 * -1 when it is unknown (ESRCH: the monitor is gone and left no exit file; the reason is
 * printed); FALSE after printing any other failure, which is vigilctl's own (125). */
gboolean cli_wait(Cli *cli, const char *id, const char *session, int timeout_ms, int *out_code);

/* The exit status for a container's (or session's) exit code: -1 (unknown, or killed by the
 * monitor's --timeout) and anything else out of range is 255. */
int cli_exit_status(int code);

/* Parse a size: digits, optionally followed by b, k, kb, kib, m, mb, mib, g, gb or gib (any
 * case; all powers of 1024). FALSE after printing an error naming what. */
gboolean cli_parse_size(const char *what, const char *s, gint64 *out);

/* Parse a non-negative integer option value; FALSE after printing an error. */
gboolean cli_parse_uint(const char *what, const char *s, guint *out);

/* The options' seconds as the library's milliseconds; what does not fit (over 49 days) is
 * capped rather than wrapped. */
guint cli_seconds_to_ms(guint seconds);
