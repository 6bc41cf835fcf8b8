/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "crash_point.h"
#include "error_util.h"
#include "exec_session.h"
#include "fdutil.h"
#include "monitor_find.h"
#include "monitor_spawn.h"
#include "proc.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"
#include "status.h"

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

/* The runtime's `delete --force`; a container it does not know is gone already. */
static gboolean runtime_delete(const RuntimeCmd *cmd, const char *id, GError **error)
{
	const char *args[] = { "delete", "--force", id, NULL };
	g_autoptr(GError) local = NULL;

	if (!runtime_cmd_run(cmd, args, NULL, &local) && !runtime_cmd_error_is_missing(local)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}

/*
 * The container's directory goes in one rename to a tombstone, then its files: a delete
 * killed at any point leaves either the container (stopped: the runtime and the monitor are
 * gone) or a tombstone, never a directory half-removed under the id.
 */
static gboolean retire_and_remove(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *tomb = NULL;

	crash_point("delete-before-retire");
	tomb = state_dir_retire(rt->root, id, &local);
	if (tomb == NULL) {
		/* A lockless one removed by another forced delete meanwhile. */
		if (g_error_matches(local, VIGIL_ERROR, ENOENT))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	crash_point("delete-after-retire");
	return state_dir_remove(tomb, error);
}

/* Whether dir holds what is left of a container whose lock file is gone (damaged, or a
 * delete by an older vigil killed half-way): its record or its monitor's pid file. A
 * directory with neither is never taken for a container. */
static gboolean lockless_remains(const char *dir)
{
	g_autofree char *record = g_build_filename(dir, STATE_RECORD, NULL);
	g_autofree char *pidfile = g_build_filename(dir, STATE_MONITOR_PID, NULL);
	struct stat st;

	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return FALSE;
	return lstat(record, &st) == 0 || lstat(pidfile, &st) == 0;
}

/*
 * A forced delete whose record cannot be used (corrupt, not a file, no lock, or the
 * runtime's state unreadable). The runtime and root come from, in order: the record if it
 * loads after all, the container's monitor if it still runs (its command line names
 * them), else this runtime object's own (the defaults, or what the command line gave).
 */
static gboolean delete_damaged(VigilRuntime *rt, const char *id, GError **error)
{
	g_autofree char *dir = state_dir_path(rt->root, id);
	g_autofree char *record = g_build_filename(dir, STATE_RECORD, NULL);
	g_autoptr(VigilContainer) ctr = NULL;
	g_auto(MonitorFound) mon = { 0 };
	g_autoptr(GError) lock_error = NULL;
	vigil_autofd int lock = -1;
	RuntimeCmd cmd;

	if (state_dir_is_container(dir)) {
		lock = state_dir_lock(dir, id, &lock_error);
		/* Deleted by the holder we waited for. */
		if (lock < 0 && g_error_matches(lock_error, VIGIL_ERROR, ENOENT) &&
		    !lockless_remains(dir)) {
			g_propagate_error(error, g_steal_pointer(&lock_error));
			return FALSE;
		}
	} else if (!lockless_remains(dir)) {
		return vigil_throw(error, ENOENT, "no such container '%s'", id);
	}
	ctr = state_record_load(record, id, dir, NULL);
	if (ctr == NULL || ctr->runtime == NULL) {
		g_clear_pointer(&ctr, vigil_container_free);
		ctr = container_new(id, dir);
		ctr->exit_dir = g_build_filename(dir, STATE_EXITS, NULL);
		if (monitor_find(dir, id, &mon)) {
			ctr->runtime = g_strdup(mon.runtime);
			ctr->runtime_root = g_strdup(mon.runtime_root);
			ctr->monitor_pid = mon.pid;
			ctr->monitor_start = mon.start_time;
		}
	}
	runtime_cmd_for(rt, ctr, &cmd);
	g_debug("delete '%s' without its record: %s --root %s", id, cmd.path,
		cmd.root != NULL ? cmd.root : "(default)");
	if (!runtime_delete(&cmd, id, error))
		return FALSE;
	proc_wait_or_kill(ctr->monitor_pid, ctr->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	reap_session_monitors(ctr);
	if (ctr->exit_dir != NULL && !g_str_has_prefix(ctr->exit_dir, ctr->state_dir)) {
		g_autofree char *exit_file = container_exit_file(ctr);
		(void)unlink(exit_file);
	}
	return retire_and_remove(rt, id, error);
}

/* A plain delete refuses a live container whatever the record says: a vigilctl killed
 * during start leaves "created" recorded while the container runs. */
static gboolean refuse_live(VigilRuntime *rt, const VigilContainer *ctr, GError **error)
{
	g_autoptr(GError) local = NULL;
	VigilStatus status = ctr->status;
	int pid = 0;
	RuntimeCmd cmd;

	if (status != VIGIL_STATUS_RUNNING && status != VIGIL_STATUS_PAUSED) {
		runtime_cmd_for(rt, ctr, &cmd);
		if (!status_runtime_state(&cmd, ctr->id, &status, &pid, &local)) {
			if (!g_error_matches(local, VIGIL_ERROR, ENOENT)) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			status = VIGIL_STATUS_STOPPED;
		}
	}
	if (status == VIGIL_STATUS_RUNNING || status == VIGIL_STATUS_PAUSED)
		return vigil_throw(error, EBUSY, "it is %s: stop it first or force the delete",
				   vigil_status_to_string(status));
	return TRUE;
}

static gboolean delete_container(VigilRuntime *rt, const char *id, gboolean force, GError **error)
{
	g_autoptr(GError) open_error = NULL;
	g_autoptr(ContainerHandle) h = NULL;
	VigilContainer *ctr;
	RuntimeCmd cmd;

	if (!state_id_validate(id, "container id", error))
		return FALSE;
	h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, &open_error);
	if (h == NULL) {
		/* Whatever kept the record from being used, a forced delete goes on without
		 * it; a plain one says why it cannot. */
		if (force)
			return delete_damaged(rt, id, error);
		g_propagate_error(error, g_steal_pointer(&open_error));
		return FALSE;
	}
	ctr = h->ctr;
	if (!force && !refuse_live(rt, ctr, error))
		return FALSE;
	runtime_cmd_for(rt, ctr, &cmd);
	/* Already gone from the runtime (stopped containers it forgot, failed creates). */
	if (!runtime_delete(&cmd, id, error))
		return FALSE;
	/* It writes into the directory about to be removed: it must be gone first. */
	proc_wait_or_kill(ctr->monitor_pid, ctr->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	reap_session_monitors(ctr);
	if (!g_str_has_prefix(ctr->exit_dir, ctr->state_dir)) {
		g_autofree char *exit_file = container_exit_file(ctr);
		(void)unlink(exit_file);
	}
	/* Retired while locked: a caller waiting for the lock then finds it gone. */
	return retire_and_remove(rt, id, error);
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
