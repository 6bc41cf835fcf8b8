/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "error_util.h"
#include "runtime_cmd.h"
#include "state_dir.h"

void monitor_launch_args_base(VigilRuntime *rt, const VigilContainer *ctr, MonitorArgsBase *out)
{
	RuntimeCmd cmd;

	/* Run the way every other command on this container runs its runtime. */
	runtime_cmd_for(rt, ctr, &cmd);
	*out = (MonitorArgsBase){
		.runtime = cmd.path,
		.runtime_root = cmd.root,
		.json_errors = cmd.json_errors,
		.log_level = rt->monitor_log_level,
		.cid = ctr->id,
		.name = ctr->name,
	};
}

gboolean monitor_launch_preserve_fds_check(guint n, GError **error)
{
	/* The monitor hands fds 3 .. 3+n-1 on as they are: one that is not open would reach the
	 * runtime as a closed fd (or as whatever the monitor opened there). */
	for (guint i = 0; i < n; i++) {
		int fd = 3 + (int)i;

		if (fcntl(fd, F_GETFD) < 0)
			return vigil_throw(error, EINVAL, "--preserve-fds %u: fd %d is not open", n,
					   fd);
	}
	return TRUE;
}

/* The runtime's error for a failed create/exec: its JSON log in dir, else the monitor's
 * message. One line; never NULL. */
static char *runtime_error(const char *dir, const char *monitor_message)
{
	g_autofree char *log_path = g_build_filename(dir, STATE_RUNTIME_LOG, NULL);
	g_autofree char *log = NULL;
	char *msg = NULL;

	if (g_file_get_contents(log_path, &log, NULL, NULL))
		msg = runtime_cmd_error_message(log, -1);
	if (msg == NULL && monitor_message != NULL)
		msg = runtime_cmd_error_message(monitor_message, -1);
	return msg != NULL ? msg : g_strdup("failed without a message");
}

int monitor_launch_error_code(const char *why)
{
	g_autofree char *lower = g_ascii_strdown(why, -1);
	/* runc: `exec: "x": executable file not found in $PATH`, `exec: "/x": stat /x: no
	 * such file or directory`, `exec: "/x": permission denied`; crun: "executable file
	 * `x` not found in $PATH", "open executable: Permission denied". Podman reads the
	 * same messages the same way (its ErrOCIRuntimeNotFound and PermissionDenied). */
	gboolean about_exec =
		strstr(lower, "exec: \"") != NULL || strstr(lower, "executable") != NULL;

	if (!about_exec)
		return EIO;
	if (strstr(lower, "not found") != NULL ||
	    strstr(lower, "no such file or directory") != NULL)
		return ENOEXEC;
	if (strstr(lower, "permission denied") != NULL || strstr(lower, "is a directory") != NULL)
		return EACCES;
	return EIO;
}

gboolean monitor_launch_read_pid(MonitorProcess *m, const char *dir, const char *runtime,
				 int *out_pid, GError **error)
{
	g_autofree char *message = NULL;
	g_autoptr(GError) local = NULL;
	int value = -1;

	if (!sync_reader_next(m->sync,
			      g_get_monotonic_time() + MONITOR_SYNC_TIMEOUT_S * G_USEC_PER_SEC,
			      &value, &message, &local))
		return monitor_launch_pid_result(dir, runtime, local, 0, NULL, out_pid, error);
	return monitor_launch_pid_result(dir, runtime, NULL, value, message, out_pid, error);
}

gboolean monitor_launch_pid_result(const char *dir, const char *runtime, const GError *read_error,
				   int value, const char *message, int *out_pid, GError **error)
{
	if (read_error != NULL) {
		g_autofree char *why = runtime_error(dir, NULL);
		return vigil_throw(error, read_error->code, "%s (%s)", read_error->message, why);
	}
	if (value <= 0) {
		g_autofree char *why = runtime_error(dir, message);
		g_autofree char *name = g_path_get_basename(runtime);
		return vigil_throw(error, monitor_launch_error_code(why), "%s: %s", name, why);
	}
	*out_pid = value;
	return TRUE;
}
