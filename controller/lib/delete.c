/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "exec_session.h"
#include "fdutil.h"
#include "monitor_spawn.h"
#include "proc.h"
#include "runtime.h"
#include "state_dir.h"
#include "state_record.h"

/* Exec session monitors go when their process dies with the container. Each is waited for
 * by the start time its session recorded, so a pid reused since is never killed. */
static void reap_session_monitors(const VigilContainer *ctr)
{
	g_autofree char *exec_dir = container_file(ctr, STATE_EXEC);
	g_autoptr(GDir) d = g_dir_open(exec_dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autoptr(ExecSession) s = exec_session_load(ctr, name, NULL);
		if (s != NULL)
			proc_wait_or_kill(s->monitor_pid, s->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	}
}

/* A forced delete of a container whose record cannot be read: what can be done without it.
 * The runtime is asked with this runtime object's defaults (the record named the
 * container's own); its monitor, whose pid was in the record too, exits with the container. */
static gboolean delete_unreadable(VigilRuntime *rt, const char *id, GError **error)
{
	g_autofree char *dir = state_dir_path(rt->root, id);
	g_autofree char *record = g_build_filename(dir, STATE_RECORD, NULL);
	vigil_autofd int lock = state_dir_lock(dir, id, error);
	const char *args[] = { "delete", "--force", id, NULL };
	g_autoptr(VigilContainer) readable = NULL;
	g_autoptr(GError) local = NULL;
	RuntimeCmd cmd;

	if (lock < 0)
		return FALSE;
	/* Rewritten meanwhile by a create that was still running: the normal path applies. */
	readable = state_record_load(record, id, dir, NULL);
	if (readable != NULL)
		return vigil_throw(error, EAGAIN, "its record changed while it was being deleted");
	runtime_cmd_for(rt, NULL, &cmd);
	if (!runtime_cmd_run(&cmd, args, NULL, &local) && !runtime_cmd_error_is_missing(local)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return state_dir_remove(dir, error);
}

static gboolean delete_container(VigilRuntime *rt, const char *id, gboolean force, GError **error)
{
	g_autoptr(GError) open_error = NULL;
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, &open_error);
	g_autoptr(GError) local = NULL;
	VigilContainer *ctr;
	RuntimeCmd cmd;

	if (h == NULL) {
		/* EPROTO: the record is corrupt (state_record_parse()). */
		if (force && g_error_matches(open_error, VIGIL_ERROR, EPROTO))
			return delete_unreadable(rt, id, error);
		g_propagate_error(error, g_steal_pointer(&open_error));
		return FALSE;
	}
	ctr = h->ctr;
	if (!force && (ctr->status == VIGIL_STATUS_RUNNING || ctr->status == VIGIL_STATUS_PAUSED))
		return vigil_throw(error, EBUSY, "it is %s: stop it first or force the delete",
				   vigil_status_to_string(ctr->status));
	runtime_cmd_for(rt, ctr, &cmd);
	const char *args[] = { "delete", "--force", id, NULL };
	if (!runtime_cmd_run(&cmd, args, NULL, &local)) {
		/* Already gone from the runtime (stopped containers it forgot, failed creates). */
		if (!runtime_cmd_error_is_missing(local)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	}
	/* It writes into the directory about to be removed: it must be gone first. */
	proc_wait_or_kill(ctr->monitor_pid, ctr->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	reap_session_monitors(ctr);
	if (!g_str_has_prefix(ctr->exit_dir, ctr->state_dir)) {
		g_autofree char *exit_file = container_exit_file(ctr);
		(void)unlink(exit_file);
	}
	/* Removed while locked: a caller waiting for the lock then finds it gone. */
	return state_dir_remove(ctr->state_dir, error);
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
