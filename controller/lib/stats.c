/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <vigil/control.h>

#include "control_msg.h"
#include "control_target.h"
#include "json_util.h"

/* A monitor answers stats from what it has counted: a slow answer means a stuck one. */
#define STATS_TIMEOUT_MS 10000

static VigilStats *stats(VigilRuntime *rt, const char *id, const char *session_id, GError **error)
{
	g_auto(ControlTarget) t = { 0 };
	g_autoptr(ControlConn) c = NULL;
	g_autoptr(JsonParser) line = NULL;
	g_autoptr(VigilStats) out = g_new0(VigilStats, 1);

	if (!control_target_find(rt, id, session_id, &t, error))
		return NULL;
	/* One request on the connection: it is closed on the way out. */
	c = control_target_request(&t, "stats", STATS_TIMEOUT_MS, &line, error);
	if (c == NULL || !control_msg_stats(json_util_root_object(line), out, error))
		return NULL;
	return g_steal_pointer(&out);
}

VigilStats *vigil_runtime_stats(VigilRuntime *rt, const char *id, const char *session_id,
				GError **error)
{
	VigilStats *s;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	s = stats(rt, id, session_id, error);
	if (s == NULL)
		g_prefix_error(error, "stats '%s': ", id);
	return s;
}
