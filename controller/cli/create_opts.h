/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/vigil.h>

#include <glib.h>

/* The options create, run and restore share, bound to one struct (no globals). */
typedef struct {
	char *bundle;
	char *name;
	gboolean tty;
	gboolean interactive;
	char **log_drivers;
	char *log_path;
	char *log_size_max; /* sizes, as cli_parse_size() takes them */
	char *log_global_size_max;
	gboolean log_rotate;
	int log_max_files;
	char *log_tag;
	char *exit_dir;
	char *persist_dir;
	char *exit_command;
	char **exit_command_args;
	int exit_delay;
	int timeout;
	int preserve_fds;
	char *stop_signal;
	char *pid_file;
	char *sdnotify_socket;
	char *seccomp_notify_socket;
	char *seccomp_notify_plugins;
	gboolean no_pivot;
	gboolean no_new_keyring;
	gboolean systemd_cgroup;
	gboolean no_cgroups;

	/* derived */
	char **drivers; /* log_drivers plus k8s-file:<log_path> */
} CreateOpts;

void create_opts_clear(CreateOpts *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CreateOpts, create_opts_clear)

/* The GOptionEntry table bound to o; extra (may be NULL) is appended. Free with g_free. */
GOptionEntry *create_opts_entries(CreateOpts *o, const GOptionEntry *extra);

/* Fill out from o; FALSE after printing a usage error. */
gboolean create_opts_to_options(CreateOpts *o, VigilCreateOptions *out);

/* --pid-file: write the container's pid there, as runc create does. */
gboolean create_opts_write_pid_file(CreateOpts *o, VigilRuntime *rt, const char *id);
