/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exec_session.h"

#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "error_util.h"
#include "exit_file.h"
#include "fdutil.h"
#include "json_util.h"
#include "proc.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"

char *exec_session_dir(const VigilContainer *ctr, const char *session_id)
{
	return g_build_filename(ctr->state_dir, STATE_EXEC, session_id, NULL);
}

ExecSession *exec_session_new(const VigilContainer *ctr, const char *session_id)
{
	ExecSession *s = g_new0(ExecSession, 1);

	s->id = g_strdup(session_id);
	s->dir = exec_session_dir(ctr, session_id);
	return s;
}

void exec_session_free(ExecSession *s)
{
	if (s == NULL)
		return;
	g_free(s->id);
	g_free(s->dir);
	g_free(s);
}

char *exec_session_exit_dir(const ExecSession *s)
{
	return g_build_filename(s->dir, STATE_EXITS, NULL);
}

gboolean exec_session_save(const ExecSession *s, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *path = g_build_filename(s->dir, SESSION_RECORD, NULL);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, s->id);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, s->pid);
	json_builder_set_member_name(b, "monitor_pid");
	json_builder_add_int_value(b, s->monitor_pid);
	json_builder_set_member_name(b, "monitor_start");
	json_builder_add_int_value(b, (gint64)s->monitor_start);
	json_builder_set_member_name(b, "terminal");
	json_builder_add_boolean_value(b, s->terminal);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	return state_file_write_atomic(path, text, strlen(text), 0600, error);
}

static gint64 int_member(JsonObject *o, const char *key)
{
	gint64 v = 0;

	return json_util_int(o, key, &v) ? v : 0;
}

ExecSession *exec_session_load(const VigilContainer *ctr, const char *session_id, GError **error)
{
	g_autoptr(ExecSession) s = NULL;
	g_autoptr(JsonParser) parser = NULL;
	g_autofree char *path = NULL;

	if (!state_id_validate(session_id, "exec session id", error))
		return NULL;
	s = exec_session_new(ctr, session_id);
	if (!g_file_test(s->dir, G_FILE_TEST_IS_DIR)) {
		vigil_throw(error, ENOENT, "no exec session '%s' in container '%s'", session_id,
			    ctr->id);
		return NULL;
	}
	path = g_build_filename(s->dir, SESSION_RECORD, NULL);
	parser = json_util_load_file(path, JSON_UTIL_RECORD_MAX, FALSE, NULL);
	JsonObject *o = parser != NULL ? json_util_root_object(parser) : NULL;
	if (o != NULL) {
		s->pid = (int)int_member(o, "pid");
		s->monitor_pid = (int)int_member(o, "monitor_pid");
		s->monitor_start = (guint64)int_member(o, "monitor_start");
		s->terminal = json_util_bool(o, "terminal");
	}
	if (s->pid <= 0) {
		g_autofree char *pidfile = g_build_filename(s->dir, STATE_PIDFILE, NULL);
		s->pid = proc_read_pidfile(pidfile);
	}
	if (s->monitor_pid <= 0) {
		g_autofree char *pidfile = g_build_filename(s->dir, STATE_MONITOR_PID, NULL);
		s->monitor_pid = proc_read_pidfile(pidfile);
		s->monitor_start = proc_start_time(s->monitor_pid);
	}
	return g_steal_pointer(&s);
}

gboolean exec_session_running(const ExecSession *s)
{
	vigil_autofd int fd = proc_pidfd_open(s->monitor_pid, s->monitor_start);

	return proc_pidfd_alive(fd);
}

void vigil_exec_session_info_free(VigilExecSessionInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->id);
	g_free(info);
}

static gint compare_ids(gconstpointer a, gconstpointer b)
{
	const VigilExecSessionInfo *x = *(VigilExecSessionInfo *const *)a;
	const VigilExecSessionInfo *y = *(VigilExecSessionInfo *const *)b;

	return strcmp(x->id, y->id);
}

/* What the session's record, pid files, monitor and exit file say of it. */
static VigilExecSessionInfo *session_info(const VigilContainer *ctr, const char *session_id)
{
	g_autoptr(ExecSession) s = exec_session_load(ctr, session_id, NULL);
	VigilExecSessionInfo *info;

	if (s == NULL)
		return NULL;
	info = g_new0(VigilExecSessionInfo, 1);
	info->id = g_strdup(session_id);
	info->pid = s->pid > 0 ? s->pid : 0;
	info->terminal = s->terminal;
	info->running = exec_session_running(s);
	g_autofree char *exits = exec_session_exit_dir(s);
	g_autofree char *exit_file = g_build_filename(exits, ctr->id, NULL);
	info->has_exit_code = exit_file_read(exit_file, &info->exit_code, NULL);
	return info;
}

GPtrArray *vigil_runtime_list_exec_sessions(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(ContainerHandle) h = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *path = NULL;
	const char *name;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	if (h == NULL) {
		g_prefix_error(error, "exec sessions of '%s': ", id);
		return NULL;
	}
	list = g_ptr_array_new_with_free_func((GDestroyNotify)vigil_exec_session_info_free);
	path = g_build_filename(h->ctr->state_dir, STATE_EXEC, NULL);
	dir = g_dir_open(path, 0, &local);
	/* No exec/ directory: no session was ever started. */
	if (dir == NULL)
		return g_steal_pointer(&list);
	while ((name = g_dir_read_name(dir)) != NULL) {
		VigilExecSessionInfo *info;

		/* Only what could name a session: nothing else is taken for one. */
		if (!state_id_validate(name, "exec session id", NULL))
			continue;
		info = session_info(h->ctr, name);
		if (info != NULL)
			g_ptr_array_add(list, info);
	}
	g_ptr_array_sort(list, compare_ids);
	return g_steal_pointer(&list);
}

gboolean vigil_runtime_exec_session_terminal(VigilRuntime *rt, const char *id,
					     const char *session_id, gboolean *out_terminal,
					     GError **error)
{
	g_autoptr(ContainerHandle) h = NULL;
	g_autoptr(ExecSession) s = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL && out_terminal != NULL,
			     FALSE);
	h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	if (h != NULL)
		s = exec_session_load(h->ctr, session_id, error);
	if (s == NULL) {
		g_prefix_error(error, "exec session '%s' in '%s': ", session_id, id);
		return FALSE;
	}
	*out_terminal = s->terminal;
	return TRUE;
}
