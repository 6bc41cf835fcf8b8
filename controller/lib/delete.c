/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "fdutil.h"
#include "proc.h"
#include "runtime.h"
#include "state_dir.h"

/* Once the container is gone its monitor drains, writes the exit file and leaves. */
#define MONITOR_EXIT_TIMEOUT_S 10

/* Wait for the monitor behind pidfile (and start time, 0 = unchecked) to exit; SIGKILL it
 * if it lingers: it writes into the directory we are about to remove. */
static void reap_monitor(pid_t pid, guint64 start)
{
	vigil_autofd int pidfd = proc_pidfd_open(pid, start);

	if (pidfd < 0)
		return;
	if (!proc_pidfd_wait(pidfd,
			     g_get_monotonic_time() + MONITOR_EXIT_TIMEOUT_S * G_USEC_PER_SEC)) {
		g_debug("monitor %d did not exit, killing it", (int)pid);
		(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	}
}

/* Exec session monitors go when their process dies with the container. */
static void reap_session_monitors(const VigilContainer *ctr)
{
	g_autofree char *exec_dir = container_file(ctr, STATE_EXEC);
	g_autoptr(GDir) d = g_dir_open(exec_dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *pidfile =
			g_build_filename(exec_dir, name, STATE_MONITOR_PID, NULL);
		pid_t pid = proc_read_pidfile(pidfile);
		/* Only a monitor still working in that directory is ours. */
		if (pid > 0 && proc_parent(pid) != 0)
			reap_monitor(pid, proc_start_time(pid));
	}
}

static gboolean delete_container(VigilRuntime *rt, const char *id, gboolean force, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(GError) local = NULL;
	VigilContainer *ctr;
	RuntimeCmd cmd;

	if (h == NULL)
		return FALSE;
	ctr = h->ctr;
	if (!force && (ctr->status == VIGIL_STATUS_RUNNING || ctr->status == VIGIL_STATUS_PAUSED))
		return vigil_throw(error, EBUSY, "it is %s: stop it first or force the delete",
				   vigil_status_to_string(ctr->status));
	runtime_cmd_for(rt, ctr, &cmd);
	const char *args[] = { "delete", "--force", id, NULL };
	if (!runtime_cmd_run(&cmd, args, NULL, &local)) {
		/* Already gone from the runtime (stopped containers it forgot, failed creates). */
		if (strstr(local->message, "does not exist") == NULL &&
		    strstr(local->message, "No such file") == NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	}
	reap_monitor(ctr->monitor_pid, ctr->monitor_start);
	reap_session_monitors(ctr);
	if (!g_str_has_prefix(ctr->exit_dir, ctr->state_dir)) {
		g_autofree char *exit_file = container_exit_file(ctr);
		(void)unlink(exit_file);
	}
	/* Removed while locked: a caller waiting for the lock then finds it gone. */
	return state_dir_remove(h->dir, error);
}

gboolean vigil_runtime_delete_container(VigilRuntime *rt, const char *id, gboolean force,
					GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!delete_container(rt, id, force, error)) {
		g_prefix_error(error, "delete '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
