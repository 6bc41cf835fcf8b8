/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "create_opts.h"

#include <string.h>

#include "cli.h"

void create_opts_clear(CreateOpts *o)
{
	g_free(o->bundle);
	g_free(o->name);
	g_strfreev(o->log_drivers);
	g_free(o->log_path);
	g_free(o->log_tag);
	g_free(o->log_size_max);
	g_free(o->log_global_size_max);
	g_free(o->exit_dir);
	g_free(o->persist_dir);
	g_free(o->exit_command);
	g_strfreev(o->exit_command_args);
	g_free(o->stop_signal);
	g_free(o->pid_file);
	g_free(o->sdnotify_socket);
	g_free(o->seccomp_notify_socket);
	g_free(o->seccomp_notify_plugins);
	g_strfreev(o->drivers);
}

GOptionEntry *create_opts_entries(CreateOpts *o, const GOptionEntry *extra)
{
	const GOptionEntry entries[] = {
		{ "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &o->bundle,
		  "The OCI bundle (default: the current directory)", "DIR" },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &o->name, "A name for logs and journald",
		  "NAME" },
		{ "tty", 't', 0, G_OPTION_ARG_NONE, &o->tty, "Allocate a terminal", NULL },
		{ "interactive", 'i', 0, G_OPTION_ARG_NONE, &o->interactive,
		  "Keep the container's stdin open", NULL },
		{ "log-driver", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->log_drivers,
		  "k8s-file:PATH, json-file:PATH, journald, none, passthrough (repeatable)",
		  "DRIVER" },
		{ "log-path", 0, 0, G_OPTION_ARG_FILENAME, &o->log_path,
		  "Shorthand for --log-driver k8s-file:PATH", "PATH" },
		{ "log-size-max", 0, 0, G_OPTION_ARG_STRING, &o->log_size_max,
		  "Largest log file (bytes, or 10k, 10m, 1g: powers of 1024)", "SIZE" },
		{ "log-global-size-max", 0, 0, G_OPTION_ARG_STRING, &o->log_global_size_max,
		  "Most log bytes ever written (as --log-size-max)", "SIZE" },
		{ "log-rotate", 0, 0, G_OPTION_ARG_NONE, &o->log_rotate,
		  "Rotate the log at the size limit instead of truncating it", NULL },
		{ "log-max-files", 0, 0, G_OPTION_ARG_INT, &o->log_max_files,
		  "Rotated log files to keep", "N" },
		{ "log-tag", 0, 0, G_OPTION_ARG_STRING, &o->log_tag, "journald tag", "TAG" },
		{ "exit-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->exit_dir,
		  "Where the exit file goes (default: the state directory)", "DIR" },
		{ "persist-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->persist_dir,
		  "Where the exit and oom files are kept", "DIR" },
		{ "exit-command", 0, 0, G_OPTION_ARG_FILENAME, &o->exit_command,
		  "Run this program once the container exited", "PATH" },
		{ "exit-command-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->exit_command_args,
		  "An argument for the exit command (repeatable)", "ARG" },
		{ "exit-delay", 0, 0, G_OPTION_ARG_INT, &o->exit_delay,
		  "Seconds before the exit command", "SECS" },
		{ "timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout,
		  "Kill the container after this many seconds", "SECS" },
		{ "preserve-fds", 0, 0, G_OPTION_ARG_INT, &o->preserve_fds,
		  "Pass fds 3 .. 3+N-1 on to the container", "N" },
		{ "stop-signal", 0, 0, G_OPTION_ARG_STRING, &o->stop_signal,
		  "Signal for stop (default: the bundle's annotation, else TERM)", "SIGNAL" },
		{ "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &o->pid_file,
		  "Write the container's pid to this file", "PATH" },
		{ "sdnotify-socket", 0, 0, G_OPTION_ARG_FILENAME, &o->sdnotify_socket,
		  "Relay the container's sd_notify messages to this socket", "PATH" },
		{ "seccomp-notify-socket", 0, 0, G_OPTION_ARG_FILENAME, &o->seccomp_notify_socket,
		  "Take the container's seccomp notifications on this socket", "PATH" },
		{ "seccomp-notify-plugins", 0, 0, G_OPTION_ARG_STRING, &o->seccomp_notify_plugins,
		  "Plugins that answer them (colon-separated .so paths)", "LIST" },
		{ "no-pivot", 0, 0, G_OPTION_ARG_NONE, &o->no_pivot, "Do not use pivot_root",
		  NULL },
		{ "no-new-keyring", 0, 0, G_OPTION_ARG_NONE, &o->no_new_keyring,
		  "Do not create a session keyring", NULL },
		{ "systemd-cgroup", 0, 0, G_OPTION_ARG_NONE, &o->systemd_cgroup,
		  "Use systemd for the container's cgroups", NULL },
		{ "no-cgroups", 0, 0, G_OPTION_ARG_NONE, &o->no_cgroups,
		  "Run without cgroups (crun)", NULL },
	};
	gsize n_extra = 0;

	while (extra != NULL && extra[n_extra].long_name != NULL)
		n_extra++;
	GOptionEntry *all = g_new0(GOptionEntry, G_N_ELEMENTS(entries) + n_extra + 1);
	memcpy(all, entries, sizeof entries);
	if (n_extra > 0)
		memcpy(all + G_N_ELEMENTS(entries), extra, n_extra * sizeof(GOptionEntry));
	return all;
}

gboolean create_opts_to_options(CreateOpts *o, VigilCreateOptions *out)
{
	g_autoptr(GPtrArray) drivers = g_ptr_array_new_with_free_func(g_free);

	if (o->bundle == NULL)
		o->bundle = g_get_current_dir();
	for (char **d = o->log_drivers; d != NULL && *d != NULL; d++)
		g_ptr_array_add(drivers, g_strdup(*d));
	if (o->log_path != NULL)
		g_ptr_array_add(drivers, g_strconcat("k8s-file:", o->log_path, NULL));
	g_ptr_array_add(drivers, NULL);
	o->drivers = (char **)g_ptr_array_free(g_steal_pointer(&drivers), FALSE);

	if (o->timeout < 0 || o->preserve_fds < 0 || o->exit_delay < 0 || o->log_max_files < 0) {
		cli_failf(CLI_EXIT_FAILURE, "--timeout, --preserve-fds, --exit-delay and "
					    "--log-max-files must not be negative");
		return FALSE;
	}
	out->bundle = o->bundle;
	out->name = o->name;
	out->terminal = o->tty;
	out->stdin_ = o->interactive;
	out->log_drivers = o->drivers[0] != NULL ? (const char *const *)o->drivers : NULL;
	if ((o->log_size_max != NULL &&
	     !cli_parse_size("--log-size-max", o->log_size_max, &out->log_size_max)) ||
	    (o->log_global_size_max != NULL &&
	     !cli_parse_size("--log-global-size-max", o->log_global_size_max,
			     &out->log_global_size_max)))
		return FALSE;
	out->log_rotate = o->log_rotate;
	out->log_max_files = o->log_max_files;
	out->log_tag = o->log_tag;
	out->exit_dir = o->exit_dir;
	out->persist_dir = o->persist_dir;
	out->exit_command = o->exit_command;
	out->exit_command_args = (const char *const *)o->exit_command_args;
	out->exit_delay_ms = cli_seconds_to_ms((guint)o->exit_delay);
	out->timeout_ms = cli_seconds_to_ms((guint)o->timeout);
	out->preserve_fds = (guint)o->preserve_fds;
	out->sdnotify_socket = o->sdnotify_socket;
	out->seccomp_notify_socket = o->seccomp_notify_socket;
	out->seccomp_notify_plugins = o->seccomp_notify_plugins;
	out->no_pivot = o->no_pivot;
	out->no_new_keyring = o->no_new_keyring;
	out->systemd_cgroup = o->systemd_cgroup;
	out->no_cgroups = o->no_cgroups;
	if (o->stop_signal != NULL) {
		out->stop_signal = vigil_signal_parse(o->stop_signal);
		if (out->stop_signal <= 0) {
			cli_failf(CLI_EXIT_FAILURE, "--stop-signal '%s' is not a signal",
				  o->stop_signal);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean create_opts_write_pid_file(CreateOpts *o, VigilRuntime *rt, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	g_autofree char *text = NULL;

	if (o->pid_file == NULL)
		return TRUE;
	ctr = vigil_runtime_update_container_status(rt, id, VIGIL_UPDATE_DEFAULT, &error);
	if (ctr == NULL) {
		cli_fail(error, CLI_EXIT_FAILURE);
		return FALSE;
	}
	text = g_strdup_printf("%d", vigil_container_get_pid(ctr));
	if (!g_file_set_contents(o->pid_file, text, -1, &error)) {
		cli_failf(CLI_EXIT_FAILURE, "create '%s': write '%s': %s", id, o->pid_file,
			  error->message);
		return FALSE;
	}
	return TRUE;
}
