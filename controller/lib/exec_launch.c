/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exec_launch.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "capabilities.h"
#include "error_util.h"
#include "exec_spec.h"
#include "monitor_args.h"
#include "monitor_launch.h"
#include "proc.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"

ExecLaunchOptions *exec_launch_options_copy(const VigilExecOptions *o)
{
	ExecLaunchOptions *c = g_new0(ExecLaunchOptions, 1);

	c->options = *o;
	c->cmd = g_strdupv((char **)o->cmd);
	c->cap_add = g_strdupv((char **)o->cap_add);
	c->env = g_strdupv((char **)o->env);
	c->cwd = g_strdup(o->cwd);
	c->user = g_strdup(o->user);
	c->detach_keys = g_strdup(o->detach_keys);
	c->options.cmd = (const char *const *)c->cmd;
	c->options.cap_add = (const char *const *)c->cap_add;
	c->options.env = (const char *const *)c->env;
	c->options.cwd = c->cwd;
	c->options.user = c->user;
	c->options.detach_keys = c->detach_keys;
	if (o->streams != NULL) {
		c->streams = *o->streams;
		c->options.streams = &c->streams;
	}
	if (o->resize != NULL) {
		c->resize = *o->resize;
		c->options.resize = &c->resize;
	}
	return c;
}

void exec_launch_options_free(ExecLaunchOptions *c)
{
	if (c == NULL)
		return;
	g_strfreev(c->cmd);
	g_strfreev(c->cap_add);
	g_strfreev(c->env);
	g_free(c->cwd);
	g_free(c->user);
	g_free(c->detach_keys);
	g_free(c);
}

gboolean exec_launch_check(const char *session_id, const VigilExecOptions *o, DetachKeys *out_keys,
			   GError **error)
{
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
	return o->streams == NULL || detach_keys_parse(o->detach_keys, out_keys, error);
}

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

void exec_launch_session_update(ExecSession *s)
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
	exec_launch_session_update(s);
	return m;
}

MonitorProcess *exec_launch(VigilRuntime *rt, const char *id, const char *session_id,
			    const VigilExecOptions *o, VigilContainer **out_ctr,
			    ExecSession **out_session, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;
	g_autofree char *parent = NULL;
	MonitorProcess *m;

	if (h == NULL)
		return NULL;
	s = exec_session_new(h->ctr, session_id);
	parent = g_path_get_dirname(s->dir);
	if (g_mkdir_with_parents(parent, 0700) < 0) {
		vigil_throw_errno(error, "create '%s'", parent);
		return NULL;
	}
	if (mkdir(s->dir, 0700) < 0) {
		if (errno == EEXIST)
			vigil_throw(error, EEXIST, "exec session '%s' exists", session_id);
		else
			vigil_throw_errno(error, "create '%s'", s->dir);
		return NULL;
	}
	m = start_session(rt, h->ctr, s, o, error);
	if (m == NULL) {
		(void)state_dir_remove(s->dir, NULL);
		return NULL;
	}
	/* The session may run for hours: the container stays usable meanwhile (the handle's
	 * lock goes with it). */
	*out_ctr = g_steal_pointer(&h->ctr);
	*out_session = g_steal_pointer(&s);
	return m;
}

void exec_launch_discard(ExecSession *s)
{
	proc_wait_or_kill(s->monitor_pid, s->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	(void)state_dir_remove(s->dir, NULL);
}
