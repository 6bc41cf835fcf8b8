/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "container.h"
#include "control_client.h"
#include "control_msg.h"
#include "error_util.h"
#include "exec_session.h"
#include "exit_file.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "proc.h"
#include "wait_target.h"

void wait_target_clear(WaitTarget *t)
{
	g_free(t->control_dir);
	g_free(t->exit_dir);
	g_free(t->name);
}

gboolean wait_target_find(VigilRuntime *rt, const char *id, const char *session_id, WaitTarget *t,
			  GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;

	if (h == NULL)
		return FALSE;
	t->name = g_strdup(id);
	if (session_id == NULL) {
		t->control_dir = g_strdup(h->ctr->state_dir);
		t->exit_dir = g_strdup(h->ctr->exit_dir);
		t->monitor_pid = h->ctr->monitor_pid;
		t->monitor_start = h->ctr->monitor_start;
		t->has_code = vigil_container_get_exit_code(h->ctr, &t->code);
		if (h->ctr->status == VIGIL_STATUS_STOPPED && !t->has_code)
			return vigil_throw(error, ESRCH, "it stopped with an unknown exit code");
		return TRUE;
	}
	s = exec_session_load(h->ctr, session_id, error);
	if (s == NULL)
		return FALSE;
	t->control_dir = g_strdup(s->dir);
	t->exit_dir = exec_session_exit_dir(s);
	t->monitor_pid = s->monitor_pid;
	t->monitor_start = s->monitor_start;
	return TRUE;
}

gboolean wait_socket_fallback(const GError *error)
{
	return control_error_is_gone(error) || g_error_matches(error, VIGIL_ERROR, ENOTSUP);
}

gboolean wait_reply_code(JsonParser *line, int *out_code, GError **error)
{
	JsonObject *reply = control_reply_object(line, error);

	return reply != NULL && control_msg_exit(reply, out_code, NULL, NULL, error);
}

gboolean wait_unknown_code(GError **error)
{
	return vigil_throw(error, ESRCH,
			   "its monitor is gone and left no exit file: the exit code is unknown");
}

gboolean wait_after_monitor(VigilRuntime *rt, const char *id, const char *session_id,
			    gboolean *out_has_code, int *out_code, pid_t *out_pid, GError **error)
{
	/* Opening it again reconciles the record: with its monitor dead, that asks the
	 * runtime, and reads an exit file that appeared meanwhile. */
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	VigilStatus status;

	*out_has_code = FALSE;
	*out_pid = 0;
	if (h == NULL)
		return FALSE;
	if (session_id != NULL) {
		g_autoptr(ExecSession) s = exec_session_load(h->ctr, session_id, error);
		g_autofree char *dir = s != NULL ? exec_session_exit_dir(s) : NULL;
		g_autofree char *path = dir != NULL ? g_build_filename(dir, id, NULL) : NULL;

		if (s == NULL)
			return FALSE;
		/* The session's pid is not pinned by a start time: it is never waited for. */
		*out_has_code = exit_file_read(path, out_code, NULL);
		return TRUE;
	}
	*out_has_code = vigil_container_get_exit_code(h->ctr, out_code);
	status = vigil_container_get_status(h->ctr);
	if (!*out_has_code && status != VIGIL_STATUS_STOPPED)
		*out_pid = vigil_container_get_pid(h->ctr);
	return TRUE;
}

/* The monitor's `wait`: connected and sent, then one poll() until the reply. */
static gboolean wait_on_socket(const WaitTarget *t, gint64 deadline, int *out_code, GError **error)
{
	g_autoptr(ControlConn) c =
		control_conn_new(t->control_dir, proc_poll_timeout(deadline), error);
	g_autoptr(JsonParser) line = NULL;
	g_autoptr(GError) local = NULL;

	if (c == NULL || !control_conn_send(c, "wait", error))
		return FALSE;
	line = control_conn_read(c, deadline, &local);
	if (g_error_matches(local, VIGIL_ERROR, ETIMEDOUT))
		return vigil_throw(error, ETIMEDOUT, "timed out waiting for the exit of '%s'",
				   t->name);
	if (line == NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return wait_reply_code(line, out_code, error);
}

/* No exit file and no monitor: a container still running is waited for through a pidfd,
 * then its code is as unknown as before. */
static gboolean wait_without_monitor(VigilRuntime *rt, const char *id, const char *session_id,
				     gint64 deadline, int *out_code, GError **error)
{
	gboolean has_code;
	pid_t pid;
	vigil_autofd int pidfd = -1;

	if (!wait_after_monitor(rt, id, session_id, &has_code, out_code, &pid, error))
		return FALSE;
	if (has_code)
		return TRUE;
	pidfd = proc_pidfd_open(pid, 0);
	if (pidfd >= 0 && !proc_pidfd_wait(pidfd, deadline))
		return vigil_throw(error, ETIMEDOUT, "timed out waiting for the exit of '%s'", id);
	return wait_unknown_code(error);
}

static gboolean wait_for(VigilRuntime *rt, const char *id, const char *session_id, int timeout_ms,
			 int *out_code, GError **error)
{
	g_auto(WaitTarget) t = { 0 };
	g_autoptr(GError) local = NULL;
	gint64 deadline = exit_wait_deadline(timeout_ms);

	if (!wait_target_find(rt, id, session_id, &t, error))
		return FALSE;
	if (t.has_code) {
		*out_code = t.code;
		return TRUE;
	}
	if (wait_on_socket(&t, deadline, out_code, &local))
		return TRUE;
	if (!wait_socket_fallback(local)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	g_debug("wait '%s': no control socket (%s), waiting for the exit file", id, local->message);
	g_clear_error(&local);
	if (exit_wait(t.exit_dir, t.name, t.monitor_pid, t.monitor_start, deadline, out_code,
		      &local))
		return TRUE;
	if (!g_error_matches(local, VIGIL_ERROR, ESRCH)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	g_debug("wait '%s': %s", id, local->message);
	return wait_without_monitor(rt, id, session_id, deadline, out_code, error);
}

gboolean vigil_runtime_wait(VigilRuntime *rt, const char *id, const char *session_id,
			    int timeout_ms, int *out_exit_code, GError **error)
{
	int code;

	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!wait_for(rt, id, session_id, timeout_ms, &code, error)) {
		g_prefix_error(error, "wait '%s': ", id);
		return FALSE;
	}
	if (out_exit_code != NULL)
		*out_exit_code = code;
	return TRUE;
}
