/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "container.h"
#include "crash_point.h"
#include "error_util.h"
#include "runtime_impl.h"

static gboolean start_container(VigilRuntime *rt, const char *id, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	RuntimeCmd cmd;

	if (h == NULL)
		return FALSE;
	if (h->ctr->status != VIGIL_STATUS_CREATED)
		return vigil_throw(error, EBUSY, "it is %s, not created",
				   vigil_status_to_string(h->ctr->status));
	runtime_cmd_for(rt, h->ctr, &cmd);
	if (!runtime_cmd_run(&cmd, (const char *const[]){ "start", id, NULL }, NULL, error))
		return FALSE;
	crash_point("after-start");
	h->ctr->status = VIGIL_STATUS_RUNNING;
	h->ctr->started = g_get_real_time();
	return container_save(h, error);
}

gboolean vigil_runtime_start_container(VigilRuntime *rt, const char *id, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!start_container(rt, id, error)) {
		g_prefix_error(error, "start '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
