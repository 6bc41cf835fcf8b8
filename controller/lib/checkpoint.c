/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "checkpoint.h"

#include <errno.h>

#include "container.h"
#include "error_util.h"
#include "exit_wait.h"
#include "runtime_impl.h"
#include "status.h"

/* CRIU stops the container once the dump is written; the monitor then writes its exit. */
#define EXIT_TIMEOUT_MS 30000

GPtrArray *checkpoint_args(const char *id, const char *work_path, const VigilCheckpointOptions *o)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(a, g_strdup("checkpoint"));
	g_ptr_array_add(a, g_strdup("--image-path"));
	g_ptr_array_add(a, g_strdup(o->image_path));
	g_ptr_array_add(a, g_strdup("--work-path"));
	g_ptr_array_add(a, g_strdup(work_path));
	if (o->leave_running)
		g_ptr_array_add(a, g_strdup("--leave-running"));
	if (o->tcp_established)
		g_ptr_array_add(a, g_strdup("--tcp-established"));
	if (o->file_locks)
		g_ptr_array_add(a, g_strdup("--file-locks"));
	if (o->pre_dump)
		g_ptr_array_add(a, g_strdup("--pre-dump"));
	if (o->parent_path != NULL) {
		g_ptr_array_add(a, g_strdup("--parent-path"));
		g_ptr_array_add(a, g_strdup(o->parent_path));
	}
	g_ptr_array_add(a, g_strdup(id));
	g_ptr_array_add(a, NULL);
	return a;
}

static gboolean checkpoint_container(VigilRuntime *rt, const char *id,
				     const VigilCheckpointOptions *o, GError **error)
{
	g_autoptr(ContainerHandle) h = NULL;
	g_autoptr(GPtrArray) args = NULL;
	g_autofree char *work = NULL;
	RuntimeCmd cmd;

	if (o->image_path == NULL)
		return vigil_throw(error, EINVAL, "no image path given");
	/* The seed: without support this always fails, and says why. */
	if (!vigil_runtime_supports_checkpoint(rt)) {
		g_autofree char *why = runtime_checkpoint_unsupported_reason(rt);
		return vigil_throw(error, ENOTSUP, "checkpointing is not available: %s", why);
	}
	h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	if (h == NULL)
		return FALSE;
	if (h->ctr->status != VIGIL_STATUS_RUNNING && h->ctr->status != VIGIL_STATUS_PAUSED)
		return vigil_throw(error, EBUSY, "it is %s, not running",
				   vigil_status_to_string(h->ctr->status));
	work = o->work_path != NULL ? g_strdup(o->work_path)
				    : g_build_filename(h->ctr->state_dir, "criu", NULL);
	if (g_mkdir_with_parents(work, 0700) < 0 || g_mkdir_with_parents(o->image_path, 0700) < 0)
		return vigil_throw_errno(error, "create the checkpoint directories");
	args = checkpoint_args(id, work, o);
	runtime_cmd_for(rt, h->ctr, &cmd);
	if (!runtime_cmd_run(&cmd, (const char *const *)args->pdata, NULL, error))
		return FALSE;
	if (o->leave_running || o->pre_dump)
		return TRUE;
	if (!exit_wait_for_file(h->ctr->exit_dir, id, h->ctr->monitor_pid, h->ctr->monitor_start,
				exit_wait_deadline(EXIT_TIMEOUT_MS), NULL) ||
	    !status_read_exit(h->ctr))
		h->ctr->status = VIGIL_STATUS_STOPPED;
	return container_save(h, error);
}

gboolean vigil_runtime_checkpoint_container(VigilRuntime *rt, const char *id,
					    const VigilCheckpointOptions *options, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL && options != NULL, FALSE);
	if (!checkpoint_container(rt, id, options, error)) {
		g_prefix_error(error, "checkpoint '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
