/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/runtime.h>

#include <glib.h>

#include "runtime_cmd.h"

/*
 * Bringing a record up to date (UpdateContainerStatus). The exit file is the truth for
 * "stopped" and the exit code; the runtime's `state` is asked when the caller wants a hard
 * query, when the record is mid-create (its creator died), or when the monitor is gone.
 */

/* Reconcile ctr (the caller holds its lock); *out_changed if anything was updated. */
gboolean status_reconcile(VigilRuntime *rt, VigilContainer *ctr, VigilUpdateFlags flags,
			  gboolean *out_changed, GError **error);

/* The cheap, read-only part for listing: the exit file only. */
void status_peek(VigilContainer *ctr);

/* TRUE (and the fields) if the exit file exists. */
gboolean status_read_exit(VigilContainer *ctr);

/* The runtime's `state ID`: its status and pid. EIO from the runtime; ENOENT if it does not
 * know the container. */
gboolean status_runtime_state(const RuntimeCmd *cmd, const char *id, VigilStatus *out_status,
			      int *out_pid, GError **error);

/* Parse `state` output (runc's JSON). EPROTO if malformed. */
gboolean status_parse_state(const char *json, VigilStatus *out_status, int *out_pid,
			    GError **error);
