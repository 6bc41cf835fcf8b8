/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <vigil/control.h>

#include "container.h"
#include "control_client.h"
#include "error_util.h"
#include "exec_session.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"

/*
 * AttachSocketPath, ExecAttachSocketPath, ExitFilePath and the control socket's path: read
 * from the record without the lock (it is replaced atomically), so asking for a path never
 * waits for a long operation.
 */
static VigilContainer *peek(VigilRuntime *rt, const char *id, GError **error)
{
	g_autofree char *dir = NULL;
	g_autofree char *record = NULL;

	if (!state_id_validate(id, "container id", error))
		return NULL;
	dir = state_dir_path(rt->root, id);
	if (!state_dir_is_container(dir)) {
		vigil_throw(error, ENOENT, "no such container '%s'", id);
		return NULL;
	}
	record = g_build_filename(dir, STATE_RECORD, NULL);
	return state_record_load(record, id, dir, error);
}

char *vigil_runtime_attach_socket_path(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	ctr = peek(rt, id, error);
	return ctr != NULL ? container_file(ctr, STATE_ATTACH) : NULL;
}

char *vigil_runtime_exec_attach_socket_path(VigilRuntime *rt, const char *id,
					    const char *session_id, GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL, NULL);
	ctr = peek(rt, id, error);
	if (ctr == NULL || !state_id_validate(session_id, "exec session id", error))
		return NULL;
	g_autofree char *dir = exec_session_dir(ctr, session_id);
	return g_build_filename(dir, STATE_ATTACH, NULL);
}

char *vigil_runtime_exit_file_path(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	ctr = peek(rt, id, error);
	return ctr != NULL ? container_exit_file(ctr) : NULL;
}

char *vigil_runtime_exec_exit_file_path(VigilRuntime *rt, const char *id, const char *session_id,
					GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL, NULL);
	ctr = peek(rt, id, error);
	if (ctr == NULL || !state_id_validate(session_id, "exec session id", error))
		return NULL;
	/* The session's monitor is started with the container's id: its exit file has that
	 * name, in the session's own exit directory. */
	g_autofree char *dir = exec_session_dir(ctr, session_id);
	return g_build_filename(dir, STATE_EXITS, ctr->id, NULL);
}

char *vigil_runtime_persist_directory_path(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	ctr = peek(rt, id, error);
	return ctr != NULL ? g_strdup(ctr->persist_dir) : NULL;
}

char *vigil_runtime_oom_file_path(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	ctr = peek(rt, id, error);
	/* The monitor's marker in its --persist-dir, where podman looks for it. */
	return ctr != NULL ? g_build_filename(ctr->persist_dir, STATE_OOM, NULL) : NULL;
}

char *vigil_runtime_control_socket_path(VigilRuntime *rt, const char *id, const char *session_id,
					GError **error)
{
	g_autoptr(VigilContainer) ctr = NULL;
	g_autofree char *dir = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	ctr = peek(rt, id, error);
	if (ctr == NULL)
		return NULL;
	if (session_id == NULL)
		return container_file(ctr, CONTROL_SOCKET);
	if (!state_id_validate(session_id, "exec session id", error))
		return NULL;
	dir = exec_session_dir(ctr, session_id);
	return g_build_filename(dir, CONTROL_SOCKET, NULL);
}
