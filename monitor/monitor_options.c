/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_options.h"

#include <errno.h>
#include <unistd.h>

#include "error_util.h"
#include "paths.h"

void monitor_config_clear(MonitorConfig *cfg)
{
	g_clear_pointer(&cfg->cid, g_free);
	g_clear_pointer(&cfg->cuuid, g_free);
	g_clear_pointer(&cfg->name, g_free);
	g_clear_pointer(&cfg->exec_process_spec, g_free);
	g_clear_pointer(&cfg->restore, g_free);
	g_clear_pointer(&cfg->runtime, g_free);
	g_clear_pointer(&cfg->bundle, g_free);
	g_clear_pointer(&cfg->container_pidfile, g_free);
	g_clear_pointer(&cfg->runtime_args, g_strfreev);
	g_clear_pointer(&cfg->runtime_opts, g_ptr_array_unref);
	g_clear_pointer(&cfg->socket_dir_path, g_free);
	g_clear_pointer(&cfg->conmon_pidfile, g_free);
	g_clear_pointer(&cfg->exit_dir, g_free);
	g_clear_pointer(&cfg->persist_dir, g_free);
	g_clear_pointer(&cfg->exit_command, g_free);
	g_clear_pointer(&cfg->exit_command_args, g_strfreev);
	g_clear_pointer(&cfg->log_paths, g_strfreev);
	g_clear_pointer(&cfg->log_allowlist_dirs, g_strfreev);
	g_clear_pointer(&cfg->log_tag, g_free);
	g_clear_pointer(&cfg->log_labels, g_strfreev);
	g_clear_pointer(&cfg->log_level_str, g_free);
	g_clear_pointer(&cfg->sdnotify_socket, g_free);
	g_clear_pointer(&cfg->seccomp_notify_socket, g_free);
	g_clear_pointer(&cfg->seccomp_notify_plugins, g_free);
	g_clear_pointer(&cfg->cwd, g_free);
}

/* --runtime-opt and its deprecated alias --restore-arg feed one list in command-line order
 * (docs/conmon-contract.md, "Command line"), which two STRING_ARRAY entries could not do. */
static gboolean add_runtime_opt(const char *name, const char *value, gpointer data, GError **error)
{
	MonitorConfig *cfg = data;

	if (cfg->runtime_opts == NULL)
		cfg->runtime_opts = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(cfg->runtime_opts, g_strdup(value));
	return TRUE;
}

static void set_defaults(MonitorConfig *cfg)
{
	cfg->log_size_max = -1;
	cfg->log_global_size_max = -1;
	cfg->log_max_files = 1;
	cfg->log_level = DIAG_LEVEL_WARN;
}

static GOptionContext *build_context(MonitorConfig *cfg)
{
	/* Order and wording follow conmon's --help; engines grep it for option names (CRI-O
	 * looks for --log-global-size-max). Every value is taken as the bytes execve gave us
	 * (FILENAME types): GOption's STRING types convert from the locale's charset, which
	 * refuses a non-ASCII path (a rootless home /home/josé in -l or --exit-command-arg) in
	 * a C locale and would rewrite the bytes of runtime flags in a non-UTF-8 one. */
	const GOptionEntry entries[] = {
		{ "api-version", 0, 0, G_OPTION_ARG_NONE, &cfg->api_version,
		  "Conmon API version to use", NULL },
		{ "attach-stall-timeout", 0, 0, G_OPTION_ARG_INT, &cfg->attach_stall_timeout,
		  "vigil: disconnect an attach client that takes no output for this many seconds "
		  "while output waits for it, telling it so (default 0: never, every client gets "
		  "every byte)",
		  "SECONDS" },
		{ "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &cfg->bundle,
		  "Location of the OCI Bundle path", NULL },
		{ "cid", 'c', 0, G_OPTION_ARG_FILENAME, &cfg->cid, "Identification of Container",
		  NULL },
		/* conmon's help swaps these two descriptions; engines match only the names. */
		{ "conmon-pidfile", 'P', 0, G_OPTION_ARG_FILENAME, &cfg->conmon_pidfile,
		  "PID file for the monitor process (written by it)", NULL },
		{ "container-pidfile", 'p', 0, G_OPTION_ARG_FILENAME, &cfg->container_pidfile,
		  "PID file for the container's initial process (written by the runtime)", NULL },
		{ "cuuid", 'u', 0, G_OPTION_ARG_FILENAME, &cfg->cuuid, "Container UUID", NULL },
		{ "exec", 'e', 0, G_OPTION_ARG_NONE, &cfg->exec,
		  "Exec a command into a running container", NULL },
		{ "exec-attach", 0, 0, G_OPTION_ARG_NONE, &cfg->exec_attach,
		  "Attach to an exec session", NULL },
		{ "exec-process-spec", 0, 0, G_OPTION_ARG_FILENAME, &cfg->exec_process_spec,
		  "Path to the process spec for execution", NULL },
		{ "exit-command", 0, 0, G_OPTION_ARG_FILENAME, &cfg->exit_command,
		  "Path to the program to execute when the container terminates its execution",
		  NULL },
		{ "exit-command-arg", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cfg->exit_command_args,
		  "Additional arg to pass to the exit command.  Can be specified multiple times",
		  NULL },
		{ "exit-delay", 0, 0, G_OPTION_ARG_INT, &cfg->exit_delay,
		  "Delay before invoking the exit command (in seconds)", NULL },
		{ "exit-dir", 0, 0, G_OPTION_ARG_FILENAME, &cfg->exit_dir,
		  "Path to the directory where exit files are written", NULL },
		{ "full-attach", 0, 0, G_OPTION_ARG_NONE, &cfg->full_attach,
		  "Don't truncate the path to the attach socket. This option causes conmon to ignore "
		  "--socket-dir-path",
		  NULL },
		{ "leave-stdin-open", 0, 0, G_OPTION_ARG_NONE, &cfg->leave_stdin_open,
		  "Leave stdin open when attached client disconnects", NULL },
		{ "log-level", 0, 0, G_OPTION_ARG_FILENAME, &cfg->log_level_str,
		  "Print debug logs based on log level", NULL },
		{ "log-path", 'l', 0, G_OPTION_ARG_FILENAME_ARRAY, &cfg->log_paths, "Log file path",
		  NULL },
		{ "log-size-max", 0, 0, G_OPTION_ARG_INT64, &cfg->log_size_max,
		  "Maximum size of log file", NULL },
		{ "log-global-size-max", 0, 0, G_OPTION_ARG_INT64, &cfg->log_global_size_max,
		  "Maximum size of all log files", NULL },
		{ "log-line-max", 0, 0, G_OPTION_ARG_INT64, &cfg->log_line_max,
		  "vigil: longest part of a line held and written as one log record; longer lines "
		  "become partial records (default 64 KiB for files, 256 KiB for journald)",
		  "BYTES" },
		{ "log-tag", 0, 0, G_OPTION_ARG_FILENAME, &cfg->log_tag,
		  "Additional tag to use for logging", NULL },
		{ "log-label", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cfg->log_labels,
		  "Additional label to include in logs. Can be specified multiple times", NULL },
		{ "log-rotate", 0, 0, G_OPTION_ARG_NONE, &cfg->log_rotate,
		  "Rotate log files instead of truncating them when --log-size-max is reached",
		  NULL },
		{ "log-max-files", 0, 0, G_OPTION_ARG_INT, &cfg->log_max_files,
		  "Number of backup log files to keep when rotating (default: 1)", NULL },
		{ "log-allowlist-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cfg->log_allowlist_dirs,
		  "Allowed log directory. Can be specified multiple times", NULL },
		{ "name", 'n', 0, G_OPTION_ARG_FILENAME, &cfg->name, "Container name", NULL },
		{ "no-new-keyring", 0, 0, G_OPTION_ARG_NONE, &cfg->no_new_keyring,
		  "Do not create a new session keyring for the container", NULL },
		{ "no-pivot", 0, 0, G_OPTION_ARG_NONE, &cfg->no_pivot, "Do not use pivot_root",
		  NULL },
		{ "no-sync-log", 0, 0, G_OPTION_ARG_NONE, &cfg->no_sync_log,
		  "Do not manually call sync on logs after container shutdown", NULL },
		{ "no-container-partial-message", 0, 0, G_OPTION_ARG_NONE,
		  &cfg->no_container_partial_message,
		  "Do not set CONTAINER_PARTIAL_MESSAGE=true for partial lines (journald)", NULL },
		{ "persist-dir", '0', 0, G_OPTION_ARG_FILENAME, &cfg->persist_dir,
		  "Persistent directory for a container that can be used for storing container data",
		  NULL },
		{ "pidfile", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME,
		  &cfg->container_pidfile, "PID file (DEPRECATED)", NULL },
		{ "replace-listen-pid", 0, 0, G_OPTION_ARG_NONE, &cfg->replace_listen_pid,
		  "Replace listen pid if set for oci-runtime pid", NULL },
		{ "restore", 0, 0, G_OPTION_ARG_FILENAME, &cfg->restore,
		  "Restore a container from a checkpoint", NULL },
		{ "restore-arg", 0, G_OPTION_FLAG_HIDDEN | G_OPTION_FLAG_FILENAME,
		  G_OPTION_ARG_CALLBACK, (gpointer)(guintptr)add_runtime_opt,
		  "Additional arg to pass to the restore command. Can be specified multiple times. "
		  "(DEPRECATED)",
		  NULL },
		{ "runtime", 'r', 0, G_OPTION_ARG_FILENAME, &cfg->runtime,
		  "Path to the OCI runtime binary", NULL },
		{ "runtime-arg", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cfg->runtime_args,
		  "Additional arg to pass to the runtime. Can be specified multiple times", NULL },
		{ "runtime-opt", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
		  (gpointer)(guintptr)add_runtime_opt,
		  "Additional opts to pass to the restore or exec command. Can be specified multiple "
		  "times",
		  NULL },
		{ "sdnotify-socket", 0, 0, G_OPTION_ARG_FILENAME, &cfg->sdnotify_socket,
		  "Path to the host's sd-notify socket to relay messages to", NULL },
		{ "seccomp-notify-socket", 0, 0, G_OPTION_ARG_FILENAME, &cfg->seccomp_notify_socket,
		  "Path to the socket where the seccomp notification fd is received", NULL },
		{ "seccomp-notify-plugins", 0, 0, G_OPTION_ARG_FILENAME,
		  &cfg->seccomp_notify_plugins,
		  "Plugins to use for managing the seccomp notifications", NULL },
		{ "socket-dir-path", 0, 0, G_OPTION_ARG_FILENAME, &cfg->socket_dir_path,
		  "Location of container attach sockets", NULL },
		{ "stdin", 'i', 0, G_OPTION_ARG_NONE, &cfg->stdin_, "Open up a pipe to pass stdin",
		  NULL },
		{ "sync", 0, 0, G_OPTION_ARG_NONE, &cfg->sync,
		  "Keep the main conmon process as its child by only forking once", NULL },
		{ "syslog", 0, 0, G_OPTION_ARG_NONE, &cfg->syslog,
		  "Log to syslog (use with cgroupfs cgroup manager)", NULL },
		{ "systemd-cgroup", 's', 0, G_OPTION_ARG_NONE, &cfg->systemd_cgroup,
		  "Enable systemd cgroup manager, rather then use the cgroupfs directly", NULL },
		{ "terminal", 't', 0, G_OPTION_ARG_NONE, &cfg->terminal, "Allocate a pseudo-TTY",
		  NULL },
		{ "timeout", 'T', 0, G_OPTION_ARG_INT, &cfg->timeout,
		  "Kill container after specified timeout in seconds.", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &cfg->version, "Print the version and exit",
		  NULL },
		{ NULL },
	};
	GOptionGroup *group =
		g_option_group_new("vigilmon", "vigilmon options", "vigilmon options", cfg, NULL);
	GOptionContext *ctx = g_option_context_new("- conmon utility");

	g_option_group_add_entries(group, entries);
	g_option_context_set_main_group(ctx, group);
	g_option_context_set_summary(
		ctx, "vigilmon: a conmon-compatible container monitor (vigil " VIGIL_VERSION ")");
	return ctx;
}

gboolean options_parse(MonitorConfig *cfg, int argc, char **argv, GError **error)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_auto(GStrv) args = NULL;

	set_defaults(cfg);
	ctx = build_context(cfg);
	/* Parse a copy: GOption rewrites the vector, and callers (tests, fuzzers) keep theirs. */
	args = g_new0(char *, argc + 1);
	for (int i = 0; i < argc; i++)
		args[i] = g_strdup(argv[i]);
	return g_option_context_parse_strv(ctx, &args, error);
}

gboolean options_is_legacy_exec(const MonitorConfig *cfg)
{
	return cfg->exec && !cfg->api_version;
}

static gboolean parse_log_level(const char *s, DiagLevel *out)
{
	static const struct {
		const char *name;
		DiagLevel level;
	} levels[] = {
		{ "error", DIAG_LEVEL_ERROR },  { "fatal", DIAG_LEVEL_ERROR },
		{ "panic", DIAG_LEVEL_ERROR },  { "warn", DIAG_LEVEL_WARN },
		{ "warning", DIAG_LEVEL_WARN }, { "info", DIAG_LEVEL_INFO },
		{ "debug", DIAG_LEVEL_DEBUG },  { "trace", DIAG_LEVEL_TRACE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(levels); i++) {
		if (g_ascii_strcasecmp(s, levels[i].name) == 0) {
			*out = levels[i].level;
			return TRUE;
		}
	}
	return FALSE;
}

/* A path option given as "" would mean the working directory, or "/" once joined with a
 * name: neither is what the engine meant, and it would only fail after we daemonized. */
static gboolean check_paths_not_empty(const MonitorConfig *cfg, GError **error)
{
	const struct {
		const char *option;
		const char *value;
	} paths[] = {
		{ "--bundle", cfg->bundle },
		{ "--container-pidfile", cfg->container_pidfile },
		{ "--conmon-pidfile", cfg->conmon_pidfile },
		{ "--exit-dir", cfg->exit_dir },
		{ "--persist-dir", cfg->persist_dir },
		{ "--socket-dir-path", cfg->socket_dir_path },
		{ "--exec-process-spec", cfg->exec_process_spec },
		{ "--restore", cfg->restore },
		{ "--exit-command", cfg->exit_command },
		{ "--sdnotify-socket", cfg->sdnotify_socket },
		{ "--seccomp-notify-socket", cfg->seccomp_notify_socket },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
		if (paths[i].value != NULL && paths[i].value[0] == '\0')
			return vigil_throw(error, EINVAL, "%s must not be empty", paths[i].option);
	}
	return TRUE;
}

gboolean options_validate(MonitorConfig *cfg, GError **error)
{
	if (cfg->log_max_files < 0)
		return vigil_throw(error, EINVAL, "log-max-files must be non-negative, got %d",
				   cfg->log_max_files);
	if (cfg->log_rotate && cfg->log_max_files == 0)
		return vigil_throw(
			error, EINVAL,
			"log-max-files must be at least 1 when log-rotate is enabled, got 0");
	if (cfg->cid == NULL)
		return vigil_throw(error, EINVAL, "Container ID not provided. Use --cid");
	/* The id names the exit file and runtime state: it must be one path component. */
	if (!paths_validate_id(cfg->cid, "Container ID", error))
		return FALSE;
	if (cfg->log_level_str != NULL && !parse_log_level(cfg->log_level_str, &cfg->log_level))
		return vigil_throw(error, EINVAL, "No such log level %s", cfg->log_level_str);
	if (cfg->exec && cfg->restore != NULL)
		return vigil_throw(error, EINVAL,
				   "Cannot use 'exec' and 'restore' at the same time");
	if (cfg->exec_attach && !cfg->exec)
		return vigil_throw(error, EINVAL, "Attach can only be specified with exec");
	if (cfg->exec_attach && !cfg->api_version)
		return vigil_throw(error, EINVAL,
				   "Attach can only be specified for a non-legacy exec session");
	if (cfg->cuuid == NULL && !options_is_legacy_exec(cfg))
		return vigil_throw(error, EINVAL, "Container UUID not provided. Use --cuuid");
	if (cfg->runtime == NULL)
		return vigil_throw(error, EINVAL, "Runtime path not provided. Use --runtime");
	if (access(cfg->runtime, X_OK) < 0)
		return vigil_throw_errno(error, "Runtime path %s is not valid", cfg->runtime);
	if (cfg->exec && cfg->exec_process_spec == NULL)
		return vigil_throw(error, EINVAL,
				   "Exec process spec path not provided. Use --exec-process-spec");
	if (!check_paths_not_empty(cfg, error))
		return FALSE;

	cfg->cwd = g_get_current_dir();
	if (cfg->bundle == NULL && !cfg->exec)
		cfg->bundle = g_strdup(cfg->cwd);
	if (cfg->container_pidfile == NULL)
		cfg->container_pidfile = g_strdup_printf("%s/pidfile-%s", cfg->cwd, cfg->cid);
	if (cfg->socket_dir_path == NULL)
		cfg->socket_dir_path = g_strdup("/var/run/crio");

	if (cfg->attach_stall_timeout < 0)
		return vigil_throw(
			error, EINVAL,
			"--attach-stall-timeout must be a non-negative number of seconds, "
			"got %d",
			cfg->attach_stall_timeout);
	if (cfg->exit_delay < 0)
		return vigil_throw(
			error, EINVAL,
			"Delay before invoking exit command must be greater than or equal to 0");
	return TRUE;
}
