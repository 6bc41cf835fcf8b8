/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "module_config.h"

#include <string.h>

AttachConfig module_config_attach(const MonitorConfig *cfg)
{
	return (AttachConfig){
		.socket = {
			.bundle = cfg->bundle,
			.cwd = cfg->cwd,
			.socket_dir_path = cfg->socket_dir_path,
			.cuuid = cfg->cuuid,
			.full_attach = cfg->full_attach,
		},
		.stdin_ = {
			.terminal = cfg->terminal,
			.stdin_ = cfg->stdin_,
			.leave_stdin_open = cfg->leave_stdin_open,
		},
		.attach_stall_timeout = cfg->attach_stall_timeout,
	};
}

ControlConfig module_config_control(const MonitorConfig *cfg)
{
	return (ControlConfig){
		.bundle = cfg->bundle,
		.id = cfg->cid,
		.exec = cfg->exec,
	};
}

DiagConfig module_config_diag(const MonitorConfig *cfg)
{
	return (DiagConfig){
		.log_level = cfg->log_level,
		.syslog = cfg->syslog,
		.cid = cfg->cid,
		.log_tag = cfg->log_tag,
	};
}

LogConfig module_config_logs(const MonitorConfig *cfg)
{
	return (LogConfig){
		.log_paths = cfg->log_paths,
		.log_line_max = cfg->log_line_max,
		.log_size_max = cfg->log_size_max,
		.log_global_size_max = cfg->log_global_size_max,
		.log_rotate = cfg->log_rotate,
		.log_max_files = cfg->log_max_files,
		.log_allowlist_dirs = cfg->log_allowlist_dirs,
		.cid = cfg->cid,
		.name = cfg->name,
		.log_tag = cfg->log_tag,
		.log_labels = cfg->log_labels,
		.no_container_partial_message = cfg->no_container_partial_message,
	};
}

RuntimeConfig module_config_runtime(const MonitorConfig *cfg)
{
	return (RuntimeConfig){
		.runtime = cfg->runtime,
		.runtime_args = cfg->runtime_args,
		.runtime_opts = cfg->runtime_opts,
		.systemd_cgroup = cfg->systemd_cgroup,
		.no_pivot = cfg->no_pivot,
		.no_new_keyring = cfg->no_new_keyring,
		.cid = cfg->cid,
		.bundle = cfg->bundle,
		.container_pidfile = cfg->container_pidfile,
		.exec = cfg->exec,
		.exec_process_spec = cfg->exec_process_spec,
		.restore = cfg->restore,
	};
}

/* The runtime's --root among the --runtime-arg values: seccomp plugins are told it. */
static const char *runtime_root(char *const *runtime_args)
{
	for (char *const *a = runtime_args; a != NULL && *a != NULL; a++) {
		if (g_str_has_prefix(*a, "--root="))
			return *a + strlen("--root=");
		if (g_str_equal(*a, "--root") && a[1] != NULL)
			return a[1];
	}
	return NULL;
}

SeccompConfig module_config_seccomp(const MonitorConfig *cfg)
{
	return (SeccompConfig){
		.seccomp_notify_socket = cfg->seccomp_notify_socket,
		.seccomp_notify_plugins = cfg->seccomp_notify_plugins,
		.cid = cfg->cid,
		.bundle = cfg->bundle,
		.runtime_root = runtime_root(cfg->runtime_args),
	};
}
