/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Running the OCI runtime's own commands (state, start, kill, delete, pause, resume,
 * checkpoint, features) with runc's CLI: `<runtime> [--root R] [--log-format json] <args>`.
 */
typedef struct {
	const char *path;
	const char *root;     /* --root, or NULL for the runtime's default */
	gboolean json_errors; /* the runtime takes --log-format json (runc, crun) */
} RuntimeCmd;

/* The full argv (NULL-terminated GPtrArray of borrowed strings). */
GPtrArray *runtime_cmd_argv(const RuntimeCmd *cmd, const char *const *args);

/* argv as one line a shell would split back into it (words quoted only where needed), for
 * the debug messages that show what runs (vigilctl --debug). */
char *runtime_cmd_argv_text(const char *const *argv);

/*
 * Run it and wait. Non-zero exit: EIO "<runtime name>: <its own message>" (the last error
 * line of its output, from JSON or logfmt, as one line). out_stdout (optional) gets stdout.
 */
gboolean runtime_cmd_run(const RuntimeCmd *cmd, const char *const *args, char **out_stdout,
			 GError **error);

/* TRUE if error, from runtime_cmd_run(), is the runtime saying it has no such container. */
gboolean runtime_cmd_error_is_missing(const GError *error);

/*
 * The runtime's error in its log output (stderr, or a --log file), as one line: the "msg" of
 * the last error-level JSON line ({"level":"error","msg":...}), else of the last logfmt
 * line (level=error msg="..."), else the text's last non-empty line. NULL if there is none.
 */
char *runtime_cmd_error_message(const char *output, gssize len);
