/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>
#include <vigil/runtime.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "control_client.h"

/*
 * The monitor of a container (session_id NULL) or exec session that is still running, for
 * the requests only a live monitor answers (stats, subscribe). The container's lock is held
 * only while looking it up. A monitor that goes away meanwhile has exited with what it
 * watched (it closes its socket only after writing the exit file): EBUSY, as if the
 * container had been found stopped.
 */
typedef struct {
	char *dir;       /* the monitor's bundle, where its control socket is */
	char *exit_file; /* written before the monitor closes its socket */
	char *session_id;
	pid_t monitor_pid;
	guint64 monitor_start;
} ControlTarget;

void control_target_clear(ControlTarget *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ControlTarget, control_target_clear)

/* ENOENT if there is no such container or session; EBUSY if it (or the session) has
 * exited. */
gboolean control_target_find(VigilRuntime *rt, const char *id, const char *session_id,
			     ControlTarget *t, GError **error);

/*
 * Connect, send op and read its reply's object (into *out_line, which owns it) within
 * timeout_ms; the connection is returned for more lines (a subscription), or NULL. EBUSY if
 * the container or session exited meanwhile, ENOTSUP if its monitor serves no control
 * socket (conmon), ESRCH if the monitor is gone without an exit file; the monitor's own
 * errors as control_reply_object() maps them.
 */
ControlConn *control_target_request(const ControlTarget *t, const char *op, int timeout_ms,
				    JsonParser **out_line, GError **error);
