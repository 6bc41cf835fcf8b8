/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "status.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "container.h"
#include "control_client.h"
#include "control_msg.h"
#include "error_util.h"
#include "exit_file.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "json_util.h"
#include "proc.h"
#include "runtime_impl.h"
#include "state_dir.h"

/* A create whose caller died: how long the monitor may take to get the runtime through it. */
#define SETTLE_TIMEOUT_MS 60000
/* The runtime says stopped: the monitor writes the exit file as soon as it has drained the
 * container's output. */
#define EXIT_FILE_TIMEOUT_MS 10000
/* A monitor that does not answer its control socket in this time is taken as absent. */
#define CONTROL_STATE_TIMEOUT_MS 5000

gboolean status_read_exit(VigilContainer *ctr)
{
	g_autofree char *path = container_exit_file(ctr);
	g_autofree char *oom = NULL;
	struct stat st;
	int code;

	if (!exit_file_read(path, &code, NULL))
		return FALSE;
	ctr->status = VIGIL_STATUS_STOPPED;
	ctr->has_exit_code = TRUE;
	ctr->exit_code = code;
	if (stat(path, &st) == 0)
		ctr->finished =
			(gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
	oom = g_build_filename(ctr->persist_dir != NULL ? ctr->persist_dir : ctr->state_dir,
			       STATE_OOM, NULL);
	ctr->oom_killed = g_file_test(oom, G_FILE_TEST_EXISTS);
	return TRUE;
}

void status_peek(VigilContainer *ctr)
{
	if (ctr->status != VIGIL_STATUS_STOPPED || !ctr->has_exit_code)
		(void)status_read_exit(ctr);
}

gboolean status_parse_state(const char *json, VigilStatus *out_status, int *out_pid, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(JsonParser) parser =
		json_util_parse(json, strlen(json), JSON_UTIL_CONFIG_MAX, &local);
	JsonObject *o;
	const char *status;
	gint64 pid = 0;

	if (parser == NULL)
		return vigil_throw(error, EPROTO, "the runtime's state is not valid: %s",
				   local->message);
	if ((o = json_util_root_object(parser)) == NULL)
		return vigil_throw(error, EPROTO, "the runtime's state is not a JSON object");
	status = json_util_string(o, "status");
	if (status == NULL)
		return vigil_throw(error, EPROTO, "the runtime's state has no status");
	*out_status = container_status_parse(status);
	if (*out_status == VIGIL_STATUS_CREATING)
		*out_status = VIGIL_STATUS_UNKNOWN;
	*out_pid = json_util_int(o, "pid", &pid) && pid > 0 && pid <= G_MAXINT ? (int)pid : 0;
	return TRUE;
}

gboolean status_runtime_state(const RuntimeCmd *cmd, const char *id, VigilStatus *out_status,
			      int *out_pid, GError **error)
{
	const char *args[] = { "state", id, NULL };
	g_autofree char *out = NULL;
	g_autoptr(GError) local = NULL;

	if (!runtime_cmd_run(cmd, args, &out, &local)) {
		if (runtime_cmd_error_is_missing(local))
			return vigil_throw(error, ENOENT, "%s", local->message);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return status_parse_state(out, out_status, out_pid, error);
}

/* The creator died after starting the monitor: wait until the runtime has created the
 * container (its pid file appears) or the monitor gave up. */
static void settle_create(VigilContainer *ctr)
{
	g_autoptr(GError) local = NULL;

	if (!exit_wait_for_file(ctr->state_dir, STATE_PIDFILE, ctr->monitor_pid, ctr->monitor_start,
				exit_wait_deadline(SETTLE_TIMEOUT_MS), &local))
		g_debug("container '%s' did not settle: %s", ctr->id, local->message);
}

static void adopt_monitor(VigilContainer *ctr, gboolean *changed)
{
	g_autofree char *pidfile = NULL;

	if (ctr->monitor_pid > 0)
		return;
	pidfile = container_file(ctr, STATE_MONITOR_PID);
	ctr->monitor_pid = proc_read_pidfile(pidfile);
	if (ctr->monitor_pid > 0) {
		ctr->monitor_start = proc_start_time(ctr->monitor_pid);
		*changed = TRUE;
	}
}

static gboolean monitor_alive(const VigilContainer *ctr)
{
	vigil_autofd int fd = proc_pidfd_open(ctr->monitor_pid, ctr->monitor_start);

	return proc_pidfd_alive(fd);
}

/* The runtime says it has stopped (or forgot it): the exit file has the code, unless the
 * monitor is gone. */
static void mark_stopped(VigilContainer *ctr)
{
	g_autoptr(GError) local = NULL;

	if (exit_wait_for_file(ctr->exit_dir, ctr->id, ctr->monitor_pid, ctr->monitor_start,
			       exit_wait_deadline(EXIT_FILE_TIMEOUT_MS), &local) &&
	    status_read_exit(ctr))
		return;
	g_debug("container '%s' has no exit code: %s", ctr->id,
		local != NULL ? local->message : "unreadable exit file");
	ctr->status = VIGIL_STATUS_STOPPED;
	ctr->has_exit_code = FALSE;
	if (ctr->finished == 0)
		ctr->finished = g_get_real_time();
}

/*
 * Ask the monitor itself (docs/control.md, "state"): TRUE when its answer settles the
 * record, so the runtime need not be run. An exit comes with its code. "running" keeps a
 * running or paused record as it is: the monitor cannot tell those apart, nor a created
 * container from a started one, so a record in created (which a start killed before saving
 * leaves behind) or in any other state is left to the runtime.
 */
static gboolean ask_monitor(VigilContainer *ctr, gboolean *changed)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(JsonParser) line =
		control_call(ctr->state_dir, "state", CONTROL_STATE_TIMEOUT_MS, &local);
	JsonObject *reply = line != NULL ? control_reply_object(line, &local) : NULL;
	ControlState st;

	if (reply == NULL || !control_msg_state(reply, &st, &local)) {
		g_debug("container '%s': no answer on the control socket: %s", ctr->id,
			local->message);
		return FALSE;
	}
	if (st.status == CONTROL_STATUS_EXITED) {
		ctr->status = VIGIL_STATUS_STOPPED;
		ctr->has_exit_code = st.has_exit_code;
		ctr->exit_code = st.exit_code;
		ctr->oom_killed = st.oom_killed;
		ctr->finished = st.exited_at != 0 ? st.exited_at : g_get_real_time();
		*changed = TRUE;
		return TRUE;
	}
	if (st.status != CONTROL_STATUS_RUNNING ||
	    (ctr->status != VIGIL_STATUS_RUNNING && ctr->status != VIGIL_STATUS_PAUSED))
		return FALSE;
	if (st.pid > 0 && st.pid != ctr->pid) {
		ctr->pid = st.pid;
		*changed = TRUE;
	}
	return TRUE;
}

gboolean status_reconcile(VigilRuntime *rt, VigilContainer *ctr, VigilUpdateFlags flags,
			  gboolean *out_changed, GError **error)
{
	g_autoptr(GError) local = NULL;
	VigilStatus before = ctr->status, status = VIGIL_STATUS_UNKNOWN;
	int before_pid = ctr->pid, pid = 0;
	gboolean changed = FALSE;
	RuntimeCmd cmd;

	*out_changed = FALSE;
	if (ctr->status == VIGIL_STATUS_STOPPED && !(flags & VIGIL_UPDATE_HARD_QUERY))
		return TRUE;
	if (status_read_exit(ctr)) {
		*out_changed = TRUE;
		return TRUE;
	}
	adopt_monitor(ctr, &changed);
	gboolean alive = monitor_alive(ctr);
	/* "created" is asked too: a caller killed between the runtime's start and saving the
	 * record left it there while the container runs. */
	if (!(flags & VIGIL_UPDATE_HARD_QUERY) && alive &&
	    (ctr->status == VIGIL_STATUS_RUNNING || ctr->status == VIGIL_STATUS_PAUSED)) {
		*out_changed = changed;
		return TRUE;
	}
	/* Where the runtime would be asked, a monitor that serves a control socket answers
	 * first; one without (conmon) or a dead one leaves it to the runtime. */
	if (alive && ask_monitor(ctr, &changed)) {
		*out_changed = changed || ctr->status != before || ctr->pid != before_pid;
		return TRUE;
	}
	if (ctr->status == VIGIL_STATUS_CREATING && alive)
		settle_create(ctr);

	runtime_cmd_for(rt, ctr, &cmd);
	if (status_runtime_state(&cmd, ctr->id, &status, &pid, &local)) {
		if (status == VIGIL_STATUS_STOPPED || status == VIGIL_STATUS_UNKNOWN)
			mark_stopped(ctr);
		else
			ctr->status = status;
		/* Started by a caller that died before recording it: about now. */
		if (before == VIGIL_STATUS_CREATED && ctr->status != VIGIL_STATUS_CREATED &&
		    ctr->started == 0)
			ctr->started = g_get_real_time();
		if (pid > 0)
			ctr->pid = pid;
	} else if (g_error_matches(local, VIGIL_ERROR, ENOENT)) {
		if (!status_read_exit(ctr)) {
			ctr->status = VIGIL_STATUS_STOPPED;
			ctr->has_exit_code = FALSE;
			if (ctr->finished == 0)
				ctr->finished = g_get_real_time();
		}
	} else {
		g_propagate_prefixed_error(error, g_steal_pointer(&local),
					   "state of '%s': ", ctr->id);
		return FALSE;
	}
	*out_changed = changed || ctr->status != before || ctr->pid != before_pid;
	return TRUE;
}

VigilContainer *vigil_runtime_update_container_status(VigilRuntime *rt, const char *id,
						      VigilUpdateFlags flags, GError **error)
{
	g_autoptr(ContainerHandle) h = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	h = container_open(rt, id, flags, error);
	if (h == NULL) {
		g_prefix_error(error, "state '%s': ", id);
		return NULL;
	}
	return g_steal_pointer(&h->ctr);
}
