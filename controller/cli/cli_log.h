/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "cli.h"

/*
 * Where vigilctl's messages go, as runc's global --log and --log-format: every GLib log
 * record (libvigil's and vigilctl's; debug ones only with --debug or G_MESSAGES_DEBUG) is
 * one line in the --log file, else on stderr, as text (time="..." level=debug msg="...") or
 * as JSON ({"level":"debug","msg":"...","time":"..."}), the two formats runc writes.
 *
 * The one error line of a failed command always goes to stderr: "vigilctl: <message>", or
 * with --json one JSON object {"message": "...", "code": <exit status>}; with --log it is
 * also an error record in the log.
 */

/* Send GLib's log records through cli (before anything logs). */
void cli_log_install(Cli *cli);

/* Open cli->log_path and take cli->log_format (NULL: text). FALSE with a message naming the
 * option when the file cannot be opened or the format is neither text nor json. */
gboolean cli_log_open(Cli *cli, GError **error);

/* Report the failure of the command: message (one line) with the exit status it ends in. */
void cli_log_error(const char *message, int status);

/* TRUE if argv has a --json before any "--": for an error in parsing the options, which
 * GLib reports after undoing what it had set. */
gboolean cli_log_wants_json(int argc, char **argv);
