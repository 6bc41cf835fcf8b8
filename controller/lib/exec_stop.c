/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/pidfd.h>

#include "container.h"
#include "error_util.h"
#include "exec_session.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "proc.h"
#include "state_dir.h"

#define KILL_TIMEOUT_S 30

/* A pidfd for the session's process, if it still is that process: runc exec --detach leaves
 * it to the session's monitor (a subreaper), so its parent tells a recycled pid apart. */
static int session_pidfd(const ExecSession *s)
{
	vigil_autofd int fd = proc_pidfd_open(s->pid, 0);

	if (fd < 0 || proc_parent(s->pid) != s->monitor_pid)
		return -1;
	return g_steal_fd(&fd);
}

static gboolean wait_exit(const VigilContainer *ctr, const ExecSession *s, gint64 deadline,
			  GError **error)
{
	g_autofree char *exits = exec_session_exit_dir(s);

	return exit_wait_for_file(exits, ctr->id, s->monitor_pid, s->monitor_start, deadline,
				  error);
}

static gboolean exec_stop(VigilRuntime *rt, const char *id, const char *session_id,
			  guint timeout_ms, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;
	g_autoptr(GError) local = NULL;
	vigil_autofd int pidfd = -1;

	if (h == NULL)
		return FALSE;
	s = exec_session_load(h->ctr, session_id, error);
	if (s == NULL)
		return FALSE;
	if (!exec_session_running(s))
		return TRUE;
	pidfd = session_pidfd(s);
	if (pidfd < 0) {
		/* Gone already: the monitor is finishing its bookkeeping. */
		return wait_exit(h->ctr, s,
				 g_get_monotonic_time() + KILL_TIMEOUT_S * G_USEC_PER_SEC, error);
	}
	if (timeout_ms > 0) {
		if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
			return vigil_throw_errno(error, "signal pid %d", s->pid);
		if (wait_exit(h->ctr, s, g_get_monotonic_time() + (gint64)timeout_ms * 1000,
			      &local))
			return TRUE;
		if (!g_error_matches(local, VIGIL_ERROR, ETIMEDOUT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	}
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return vigil_throw_errno(error, "signal pid %d", s->pid);
	return wait_exit(h->ctr, s, g_get_monotonic_time() + KILL_TIMEOUT_S * G_USEC_PER_SEC,
			 error);
}

gboolean vigil_runtime_exec_stop_container(VigilRuntime *rt, const char *id, const char *session_id,
					   guint timeout_ms, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL, FALSE);
	if (!exec_stop(rt, id, session_id, timeout_ms, error)) {
		g_prefix_error(error, "exec-stop '%s' in '%s': ", session_id, id);
		return FALSE;
	}
	return TRUE;
}

static gboolean exec_cleanup(VigilRuntime *rt, const char *id, const char *session_id,
			     GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;

	if (h == NULL)
		return FALSE;
	s = exec_session_load(h->ctr, session_id, error);
	if (s == NULL)
		return FALSE;
	/* A session that has ended but whose monitor is still finishing (it sent the exit code
	 * first) is given a moment; one that still runs is refused. */
	g_autofree char *exits = exec_session_exit_dir(s);
	g_autofree char *exit_file = g_build_filename(exits, h->ctr->id, NULL);
	vigil_autofd int monitor = proc_pidfd_open(s->monitor_pid, s->monitor_start);
	if (proc_pidfd_alive(monitor) && g_file_test(exit_file, G_FILE_TEST_EXISTS))
		(void)proc_pidfd_wait(monitor,
				      g_get_monotonic_time() + KILL_TIMEOUT_S * G_USEC_PER_SEC);
	if (proc_pidfd_alive(monitor))
		return vigil_throw(error, EBUSY, "the session is still running");
	return state_dir_remove(s->dir, error);
}

gboolean vigil_runtime_exec_container_cleanup(VigilRuntime *rt, const char *id,
					      const char *session_id, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL, FALSE);
	if (!exec_cleanup(rt, id, session_id, error)) {
		g_prefix_error(error, "exec-cleanup '%s' in '%s': ", session_id, id);
		return FALSE;
	}
	return TRUE;
}
