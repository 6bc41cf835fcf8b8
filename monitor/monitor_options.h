/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "diag.h"

/*
 * Everything the command line says, parsed once into one struct owned by main() (no
 * globals; conmon's 46 externs have no place to live). The option set, names, short forms
 * and defaults are conmon's newest release (docs/conmon-contract.md, "Command line"), so engines
 * can start vigilmon with the argv they build for conmon.
 */

typedef struct {
	/* identity / mode */
	gboolean api_version;
	char *cid;
	char *cuuid;
	char *name;
	gboolean exec;
	char *exec_process_spec;
	gboolean exec_attach;
	char *restore;

	/* runtime invocation */
	char *runtime;
	char *bundle;
	char *container_pidfile;
	char **runtime_args;     /* before the subcommand */
	GPtrArray *runtime_opts; /* after it: --runtime-opt and --restore-arg, in order */
	gboolean systemd_cgroup;
	gboolean no_pivot;
	gboolean no_new_keyring;
	gboolean replace_listen_pid;

	/* stdio / terminal / attach */
	gboolean terminal;
	gboolean stdin_;
	gboolean leave_stdin_open;
	char *socket_dir_path;
	gboolean full_attach;
	int attach_stall_timeout; /* vigil: seconds; 0 = attach clients are never given up on */
	int timeout;

	/* files written */
	char *conmon_pidfile;
	char *exit_dir;
	char *persist_dir;

	/* exit handling */
	char *exit_command;
	char **exit_command_args;
	int exit_delay;
	gboolean sync;

	/* container logging */
	char **log_paths;
	gint64 log_size_max;
	gint64 log_global_size_max;
	gint64 log_line_max; /* vigil: bytes of one line assembled per record; 0 = driver's */
	gboolean log_rotate;
	int log_max_files;
	char **log_allowlist_dirs;
	char *log_tag;
	char **log_labels;
	gboolean no_container_partial_message;
	gboolean no_sync_log;

	/* diagnostics */
	char *log_level_str;
	DiagLevel log_level;
	gboolean syslog;

	/* sd-notify, seccomp notify */
	char *sdnotify_socket;
	char *seccomp_notify_socket;
	char *seccomp_notify_plugins;

	gboolean version;

	/* derived by options_validate() */
	char *cwd;
} MonitorConfig;

void monitor_config_clear(MonitorConfig *cfg);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MonitorConfig, monitor_config_clear)

/*
 * Parse argv into cfg (which must be zeroed). Non-option arguments are ignored, as GOption
 * does for conmon ("--api-version 1"). On failure error holds GOption's message; the caller
 * prints "option parsing failed: <message>" as conmon does.
 */
gboolean options_parse(MonitorConfig *cfg, int argc, char **argv, GError **error);

/*
 * Check what conmon checks after parsing, in conmon's order (docs/conmon-contract.md,
 * "Option errors", steps 3-11), and fill the derived fields. error holds the exact one-line
 * message.
 */
gboolean options_validate(MonitorConfig *cfg, GError **error);

/* Runtime subcommand kind derived from the mode flags. */
gboolean options_is_legacy_exec(const MonitorConfig *cfg);
