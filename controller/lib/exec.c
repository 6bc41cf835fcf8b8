/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "attach_conn.h"
#include "bundle.h"
#include "capabilities.h"
#include "container.h"
#include "detach_keys.h"
#include "error_util.h"
#include "exec_session.h"
#include "exec_spec.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "monitor_args.h"
#include "monitor_launch.h"
#include "monitor_spawn.h"
#include "proc.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"

/* The session's process.json; *out_terminal is its process.terminal, which the monitor must
 * match (the runtime will not detach from a terminal it has no console socket for). */
static gboolean write_spec(VigilContainer *ctr, ExecSession *s, const VigilExecOptions *o,
			   gboolean *out_terminal, GError **error)
{
	g_autoptr(Bundle) config = bundle_load(ctr->state_dir, error);
	g_autofree char *rootfs = NULL;
	g_autofree char *path = g_build_filename(s->dir, SESSION_SPEC, NULL);
	g_autoptr(JsonNode) spec = NULL;

	if (config == NULL)
		return FALSE;
	rootfs = bundle_rootfs(config);
	spec = exec_spec_build(bundle_process(config), rootfs, o,
			       o->resize != NULL ? o->resize->tty_fd : -1, error);
	if (spec == NULL)
		return FALSE;
	*out_terminal = json_object_get_boolean_member_with_default(json_node_get_object(spec),
								    "terminal", FALSE);
	g_autofree char *text = json_to_string(spec, TRUE);
	return state_file_write_atomic(path, text, strlen(text), 0600, error);
}

/* The session already runs: a record that cannot take its pids is no reason to report a
 * failure, since exec_session_load() reads them from the pidfiles the monitor wrote. */
static void session_update(ExecSession *s)
{
	g_autoptr(GError) local = NULL;

	if (!exec_session_save(s, &local))
		g_debug("exec '%s': %s", s->id, local->message);
}

/* Set up the session and start its monitor; the container's lock is held. */
static MonitorProcess *start_session(VigilRuntime *rt, VigilContainer *ctr, ExecSession *s,
				     const VigilExecOptions *o, GError **error)
{
	g_autofree char *exits = exec_session_exit_dir(s);
	g_autofree char *spec = g_build_filename(s->dir, SESSION_SPEC, NULL);
	g_autofree char *pidfile = g_build_filename(s->dir, STATE_MONITOR_PID, NULL);
	g_autoptr(GPtrArray) args = NULL;
	gboolean attach = o->streams != NULL;
	MonitorProcess *m;
	MonitorArgsBase base;
	VigilExecOptions effective = *o;

	if (ctr->status != VIGIL_STATUS_RUNNING) {
		vigil_throw(error, EBUSY, "it is %s, not running",
			    vigil_status_to_string(ctr->status));
		return NULL;
	}
	if (g_mkdir_with_parents(exits, 0700) < 0) {
		vigil_throw_errno(error, "create '%s'", exits);
		return NULL;
	}
	/* Recorded before the monitor starts, so no session ever runs without a record. */
	if (!write_spec(ctr, s, o, &effective.terminal, error))
		return NULL;
	s->terminal = effective.terminal;
	if (!exec_session_save(s, error))
		return NULL;
	monitor_launch_args_base(rt, ctr, &base);
	base.cuuid = s->id;
	base.dir = s->dir;
	base.exit_dir = exits;
	base.persist_dir = s->dir;
	args = monitor_args_exec(&base, &effective, spec, attach);
	m = monitor_spawn(rt->monitor, args, o->preserve_fds, attach, pidfile, error);
	if (m == NULL)
		return NULL;
	s->monitor_pid = m->pid;
	s->monitor_start = m->start_time;
	session_update(s);
	return m;
}

/* A session that never ran: its monitor exits after reporting that; then its files go. */
static void discard_session(ExecSession *s)
{
	proc_wait_or_kill(s->monitor_pid, s->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	(void)state_dir_remove(s->dir, NULL);
}

/* The pid message: the session runs, or the runtime's reason why not. */
static gboolean read_pid(MonitorProcess *m, ExecSession *s, const char *runtime, GError **error)
{
	/* The reason is read from the session's directory before discarding removes it. */
	if (!monitor_launch_read_pid(m, s->dir, runtime, &s->pid, error)) {
		discard_session(s);
		return FALSE;
	}
	session_update(s);
	return TRUE;
}

/* Attached: wait for the attach socket, connect, release the runtime, stream. An attach that
 * broke is the error once the session's end is known (result says what happened to it). */
static gboolean run_attached(VigilRuntime *rt, VigilContainer *ctr, ExecSession *s,
			     MonitorProcess *m, const VigilExecOptions *o, VigilExecResult *result,
			     GError **error)
{
	g_autoptr(GError) attach_error = NULL;
	g_autofree char *message = NULL;
	vigil_autofd int sock = -1;
	gint64 deadline = g_get_monotonic_time() + MONITOR_SYNC_TIMEOUT_S * G_USEC_PER_SEC;
	int value;

	/* {"data": 0} once the socket exists (docs/conmon-contract.md, "Attach pipe"); then the
	 * second start byte lets the runtime exec, so no output is missed. */
	if (!sync_reader_next(m->attach, deadline, &value, &message, &attach_error) ||
	    (sock = attach_connect(s->dir, &attach_error)) < 0)
		g_debug("exec '%s': no attach: %s", s->id, attach_error->message);
	monitor_send_start(m->start_fd);
	vigil_clear_fd(&m->start_fd);
	if (!read_pid(m, s, ctr->runtime, error))
		return FALSE;
	result->pid = s->pid;
	if (sock >= 0 && !attach_run(sock, s->dir, o->streams, o->detach_keys, o->resize,
				     &result->detached, &attach_error))
		g_debug("exec '%s': attach broke: %s", s->id, attach_error->message);
	if (result->detached)
		return TRUE;
	/* The exit code follows the end of the output. */
	g_clear_pointer(&message, g_free);
	g_autoptr(GError) local = NULL;
	if (sync_reader_next(m->sync, -1, &value, &message, &local)) {
		result->exit_code = value;
		/* conmon's words for it, which vigilmon keeps (conmon-contract.md). */
		result->timed_out = value < 0 && g_strcmp0(message, "command timed out") == 0;
	} else {
		g_autofree char *exits = exec_session_exit_dir(s);
		if (!exit_wait(exits, ctr->id, s->monitor_pid, s->monitor_start,
			       exit_wait_deadline(0), &result->exit_code, NULL) &&
		    attach_error == NULL)
			attach_error = g_steal_pointer(&local);
		/* The exit file says -1 only after the timeout, or when nobody knows. */
		result->timed_out = o->timeout_ms > 0 && result->exit_code < 0;
	}
	if (attach_error != NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(&attach_error), "attach: ");
		return FALSE;
	}
	return TRUE;
}

static gboolean exec_container(VigilRuntime *rt, const char *id, const char *session_id,
			       const VigilExecOptions *o, VigilExecResult *result, GError **error)
{
	g_autoptr(ContainerHandle) h = NULL;
	g_autoptr(ExecSession) s = NULL;
	g_autoptr(MonitorProcess) m = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	g_autofree char *parent = NULL;

	if (!state_id_validate(session_id, "exec session id", error))
		return FALSE;
	if (o->cmd == NULL || o->cmd[0] == NULL)
		return vigil_throw(error, EINVAL, "no command given");
	for (const char *const *cap = o->cap_add; cap != NULL && *cap != NULL; cap++) {
		if (!capability_check(*cap, error))
			return FALSE;
	}
	if (!monitor_launch_preserve_fds_check(o->preserve_fds, error))
		return FALSE;
	/* Refused before the session starts, not once its output has nowhere to go. */
	DetachKeys keys;
	if (o->streams != NULL && !detach_keys_parse(o->detach_keys, &keys, error))
		return FALSE;
	h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	if (h == NULL)
		return FALSE;
	s = exec_session_new(h->ctr, session_id);
	parent = g_path_get_dirname(s->dir);
	if (g_mkdir_with_parents(parent, 0700) < 0)
		return vigil_throw_errno(error, "create '%s'", parent);
	if (mkdir(s->dir, 0700) < 0)
		return errno == EEXIST
			       ? vigil_throw(error, EEXIST, "exec session '%s' exists", session_id)
			       : vigil_throw_errno(error, "create '%s'", s->dir);
	m = start_session(rt, h->ctr, s, o, error);
	if (m == NULL) {
		(void)state_dir_remove(s->dir, NULL);
		return FALSE;
	}
	/* The session may run for hours: the container stays usable meanwhile. */
	ctr = g_steal_pointer(&h->ctr);
	g_clear_pointer(&h, container_handle_free);

	result->exit_code = -1;
	if (o->streams == NULL) {
		result->detached = TRUE;
		if (!read_pid(m, s, ctr->runtime, error))
			return FALSE;
		result->pid = s->pid;
		return TRUE;
	}
	return run_attached(rt, ctr, s, m, o, result, error);
}

gboolean vigil_runtime_exec_container(VigilRuntime *rt, const char *id, const char *session_id,
				      const VigilExecOptions *options, VigilExecResult *out_result,
				      GError **error)
{
	VigilExecResult result = { .exit_code = -1 };
	gboolean ok;

	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL && options != NULL,
			     FALSE);
	ok = exec_container(rt, id, session_id, options, &result, error);
	if (!ok)
		g_prefix_error(error, "exec '%s' in '%s': ", session_id, id);
	/* Also on failure: a session that started and whose attach broke is still reported. */
	if (out_result != NULL)
		*out_result = result;
	return ok;
}
