/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <vigil/control.h>

#include "control_msg.h"
#include "control_target.h"
#include "exit_wait.h"

/* A monitor answers stats from what it has counted: a slow answer means a stuck one. */
#define STATS_TIMEOUT_MS 10000

static VigilStats *stats(VigilRuntime *rt, const char *id, const char *session_id, GError **error)
{
	g_autoptr(ControlConn) c = control_target_connect(rt, id, session_id, error);
	g_autoptr(JsonParser) line = NULL;
	g_autoptr(VigilStats) out = g_new0(VigilStats, 1);
	JsonObject *reply;

	if (c == NULL || !control_conn_send(c, "stats", error) ||
	    (line = control_conn_read(c, exit_wait_deadline(STATS_TIMEOUT_MS), error)) == NULL ||
	    (reply = control_reply_object(line, error)) == NULL ||
	    !control_msg_stats(reply, out, error))
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
