/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "container.h"
#include "error_util.h"
#include "exec_session.h"
#include "exit_wait.h"

/* Who writes the exit file, and where: copied out so the lock is not held while waiting. */
typedef struct {
	char *dir;
	char *name;
	pid_t monitor_pid;
	guint64 monitor_start;
	gboolean has_code;
	int code;
} WaitTarget;

static void wait_target_clear(WaitTarget *t)
{
	g_free(t->dir);
	g_free(t->name);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(WaitTarget, wait_target_clear)

static gboolean find_target(VigilRuntime *rt, const char *id, const char *session_id, WaitTarget *t,
			    GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;

	if (h == NULL)
		return FALSE;
	t->name = g_strdup(id);
	if (session_id == NULL) {
		t->dir = g_strdup(h->ctr->exit_dir);
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
	t->dir = exec_session_exit_dir(s);
	t->monitor_pid = s->monitor_pid;
	t->monitor_start = s->monitor_start;
	return TRUE;
}

gboolean vigil_runtime_wait(VigilRuntime *rt, const char *id, const char *session_id,
			    int timeout_ms, int *out_exit_code, GError **error)
{
	g_auto(WaitTarget) t = { 0 };
	int code;

	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!find_target(rt, id, session_id, &t, error)) {
		g_prefix_error(error, "wait '%s': ", id);
		return FALSE;
	}
	if (t.has_code) {
		code = t.code;
	} else if (!exit_wait(t.dir, t.name, t.monitor_pid, t.monitor_start,
			      exit_wait_deadline(timeout_ms), &code, error)) {
		g_prefix_error(error, "wait '%s': ", id);
		return FALSE;
	}
	if (out_exit_code != NULL)
		*out_exit_code = code;
	return TRUE;
}
