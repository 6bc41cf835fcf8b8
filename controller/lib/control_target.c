/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_target.h"

#include <errno.h>

#include "container.h"
#include "error_util.h"
#include "exec_session.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "proc.h"

void control_target_clear(ControlTarget *t)
{
	g_free(t->dir);
	g_free(t->exit_file);
	g_free(t->session_id);
}

static gboolean ended(const ControlTarget *t, GError **error)
{
	if (t->session_id != NULL)
		return vigil_throw(error, EBUSY, "exec session '%s' has ended", t->session_id);
	return vigil_throw(error, EBUSY, "it has exited");
}

gboolean control_target_find(VigilRuntime *rt, const char *id, const char *session_id,
			     ControlTarget *t, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;
	g_autofree char *exits = NULL;

	if (h == NULL)
		return FALSE;
	t->session_id = g_strdup(session_id);
	if (session_id == NULL) {
		if (h->ctr->status == VIGIL_STATUS_STOPPED)
			return ended(t, error);
		t->dir = g_strdup(h->ctr->state_dir);
		t->exit_file = container_exit_file(h->ctr);
		t->monitor_pid = h->ctr->monitor_pid;
		t->monitor_start = h->ctr->monitor_start;
		return TRUE;
	}
	s = exec_session_load(h->ctr, session_id, error);
	if (s == NULL)
		return FALSE;
	exits = exec_session_exit_dir(s);
	t->exit_file = g_build_filename(exits, id, NULL);
	/* Its exit file says so at once; the monitor may still be finishing up. */
	if (!exec_session_running(s) || g_file_test(t->exit_file, G_FILE_TEST_EXISTS))
		return ended(t, error);
	t->dir = g_strdup(s->dir);
	t->monitor_pid = s->monitor_pid;
	t->monitor_start = s->monitor_start;
	return TRUE;
}

/* Nobody answered (local says how): why not. */
static void explain_gone(const ControlTarget *t, const GError *local, GError **error)
{
	vigil_autofd int pidfd = -1;

	g_debug("control socket in '%s': %s", t->dir, local->message);
	if (g_file_test(t->exit_file, G_FILE_TEST_EXISTS)) {
		ended(t, error);
		return;
	}
	pidfd = proc_pidfd_open(t->monitor_pid, t->monitor_start);
	if (proc_pidfd_alive(pidfd))
		vigil_throw(error, ENOTSUP, "its monitor serves no control socket (%s)",
			    local->message);
	else
		vigil_throw(error, ESRCH, "its monitor is gone");
}

ControlConn *control_target_request(const ControlTarget *t, const char *op, int timeout_ms,
				    JsonParser **out_line, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(ControlConn) c = control_conn_new(t->dir, timeout_ms, &local);
	g_autoptr(JsonParser) line = NULL;

	if (c != NULL && control_conn_send(c, op, &local))
		line = control_conn_read(c, exit_wait_deadline(timeout_ms), &local);
	if (line == NULL) {
		if (control_error_is_gone(local))
			explain_gone(t, local, error);
		else
			g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if (control_reply_object(line, error) == NULL)
		return NULL;
	*out_line = g_steal_pointer(&line);
	return g_steal_pointer(&c);
}
