/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_target.h"

#include <errno.h>

#include "container.h"
#include "error_util.h"
#include "exec_session.h"
#include "fdutil.h"
#include "proc.h"

/* Connecting to a monitor whose backlog is full (it stopped accepting) gives up after this. */
#define CONNECT_TIMEOUT_MS 5000

/* The monitor's directory, its pid and start time, if it (and what it watches) still runs. */
static char *find(VigilRuntime *rt, const char *id, const char *session_id, pid_t *out_pid,
		  guint64 *out_start, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;

	if (h == NULL)
		return NULL;
	if (session_id == NULL) {
		if (h->ctr->status == VIGIL_STATUS_STOPPED)
			return vigil_throw(error, EBUSY, "it has exited"), NULL;
		*out_pid = h->ctr->monitor_pid;
		*out_start = h->ctr->monitor_start;
		return g_strdup(h->ctr->state_dir);
	}
	s = exec_session_load(h->ctr, session_id, error);
	if (s == NULL)
		return NULL;
	if (!exec_session_running(s))
		return vigil_throw(error, EBUSY, "exec session '%s' has ended", session_id), NULL;
	*out_pid = s->monitor_pid;
	*out_start = s->monitor_start;
	return g_strdup(s->dir);
}

ControlConn *control_target_connect(VigilRuntime *rt, const char *id, const char *session_id,
				    GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = NULL;
	ControlConn *c;
	pid_t pid = 0;
	guint64 start = 0;

	dir = find(rt, id, session_id, &pid, &start, error);
	if (dir == NULL)
		return NULL;
	c = control_conn_new(dir, CONNECT_TIMEOUT_MS, &local);
	if (c != NULL)
		return c;
	if (control_error_is_gone(local)) {
		vigil_autofd int pidfd = proc_pidfd_open(pid, start);

		g_debug("'%s': %s", id, local->message);
		if (proc_pidfd_alive(pidfd))
			return vigil_throw(error, ENOTSUP,
					   "its monitor serves no control socket (%s)",
					   local->message),
			       NULL;
		return vigil_throw(error, ESRCH, "its monitor is gone"), NULL;
	}
	g_propagate_error(error, g_steal_pointer(&local));
	return NULL;
}
