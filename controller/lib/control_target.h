/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/runtime.h>

#include <glib.h>

#include "control_client.h"

/*
 * A connection to the monitor of a container (session_id NULL) or exec session that is
 * still running, for the requests only a live monitor answers (stats, subscribe). The
 * container's lock is held only while looking it up. EBUSY if it (or the session) has
 * exited, ENOTSUP if its monitor serves no control socket (conmon), ESRCH if the monitor is
 * gone; ENOENT if there is no such container or session.
 */
ControlConn *control_target_connect(VigilRuntime *rt, const char *id, const char *session_id,
				    GError **error);
