/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "log_failure.h"

void log_failure_hit(LogFailure *failure, const char *what, int err, guint64 lost_bytes)
{
	failure->lost_bytes += lost_bytes;
	failure->total_lost_bytes += lost_bytes;
	if (failure->failing)
		return;
	failure->failing = TRUE;
	failure->err = err;
	failure->since_us = g_get_monotonic_time();
	g_warning("%s: %s; dropping container output until writing works again", what,
		  g_strerror(err));
}

void log_failure_clear(LogFailure *failure, const char *what)
{
	if (!failure->failing)
		return;
	gint64 secs = (g_get_monotonic_time() - failure->since_us) / G_USEC_PER_SEC;
	g_warning("%s: writing works again after %" G_GINT64_FORMAT " s (%s); %" G_GUINT64_FORMAT
		  " bytes of log output were lost",
		  what, secs, g_strerror(failure->err), failure->lost_bytes);
	failure->failing = FALSE;
	failure->lost_bytes = 0;
}
