/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Failing writes to a log destination (disk full, quota, journald gone): the container keeps
 * running and attach clients keep being served; what cannot be written is dropped and
 * counted. The monitor's own log says it once when the failure starts, and once, with the
 * count, when writing works again — never once per chunk, which on a full disk would only
 * add to the flood.
 */
typedef struct {
	gboolean failing;
	int err;         /* errno of the first failure */
	gint64 since_us; /* monotonic time of the first failure */
	guint64 lost_bytes;
	guint64 total_lost_bytes; /* ever, never reset: the control socket's stats */
} LogFailure;

/* A write to what failed with err; lost_bytes of log output are gone. */
void log_failure_hit(LogFailure *failure, const char *what, int err, guint64 lost_bytes);

/* A write to what succeeded: if it was failing, say so with the loss count and reset. */
void log_failure_clear(LogFailure *failure, const char *what);
