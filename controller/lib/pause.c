/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "container.h"
#include "error_util.h"
#include "runtime_impl.h"

/* The seed leaves "is it paused?" to the engine; the runtime's own refusal ("container not
 * running") is the error, so only a stopped container is refused here. */
static gboolean set_paused(VigilRuntime *rt, const char *id, gboolean pause, GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	const char *args[] = { pause ? "pause" : "resume", id, NULL };
	RuntimeCmd cmd;

	if (h == NULL)
		return FALSE;
	if (h->ctr->status == VIGIL_STATUS_STOPPED)
		return vigil_throw(error, EBUSY, "it is stopped");
	runtime_cmd_for(rt, h->ctr, &cmd);
	if (!runtime_cmd_run(&cmd, args, NULL, error))
		return FALSE;
	h->ctr->status = pause ? VIGIL_STATUS_PAUSED : VIGIL_STATUS_RUNNING;
	return container_save(h, error);
}

gboolean vigil_runtime_pause_container(VigilRuntime *rt, const char *id, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!set_paused(rt, id, TRUE, error)) {
		g_prefix_error(error, "pause '%s': ", id);
		return FALSE;
	}
	return TRUE;
}

gboolean vigil_runtime_unpause_container(VigilRuntime *rt, const char *id, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!set_paused(rt, id, FALSE, error)) {
		g_prefix_error(error, "unpause '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
