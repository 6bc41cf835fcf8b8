/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "error_util.h"
#include "runtime_impl.h"

VigilRuntimeInfo *vigil_runtime_info(VigilRuntime *rt, GError **error)
{
	g_autoptr(VigilRuntimeInfo) info = NULL;

	g_return_val_if_fail(rt != NULL, NULL);
	info = g_new0(VigilRuntimeInfo, 1);
	info->runtime_version = runtime_program_version(rt->path, FALSE);
	if (info->runtime_version == NULL) {
		vigil_throw(error, EIO, "runtime info: '%s --version' failed", rt->path);
		return NULL;
	}
	info->runtime_name = g_strdup(rt->name);
	info->runtime_path = g_strdup(rt->path);
	info->monitor_path = g_strdup(rt->monitor);
	info->monitor_version = runtime_program_version(rt->monitor, TRUE);
	info->root = g_strdup(rt->root);
	info->runtime_root = g_strdup(rt->runtime_root);
	info->library_version = g_strdup(VIGIL_VERSION);
	info->library_commit = g_strdup(VIGIL_GIT_COMMIT);
	return g_steal_pointer(&info);
}

void vigil_runtime_info_free(VigilRuntimeInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->runtime_name);
	g_free(info->runtime_path);
	g_free(info->runtime_version);
	g_free(info->monitor_path);
	g_free(info->monitor_version);
	g_free(info->root);
	g_free(info->runtime_root);
	g_free(info->library_version);
	g_free(info->library_commit);
	g_free(info);
}
