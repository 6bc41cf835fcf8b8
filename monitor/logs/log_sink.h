/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "options.h"

/*
 * Container logging: the drivers configured with -l/--log-path (conmon.md §8), behind one
 * fan-out. The monitor hands every chunk of container output here, then to attach clients.
 * Writing never blocks the main loop for long and never fails the monitor: a failing
 * driver says so once on the monitor's own log and keeps trying.
 */
typedef struct _LogSinks LogSinks;

/*
 * Parse the -l values and log options and open what needs opening, before the monitor
 * daemonizes, so errors reach the engine. Error messages are conmon's (conmon.md §1.4
 * step 12).
 */
LogSinks *log_sinks_new(const MonitorConfig *cfg, GError **error);

/* passthrough: the container's stdio is the monitor's own (no copying). */
gboolean log_sinks_is_passthrough(const LogSinks *sinks);

/* stream: VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR. */
void log_sinks_write(LogSinks *sinks, int stream, const char *buf, gsize len);

/* ctl "2": reopen (truncate mode) or rotate (--log-rotate) the file drivers. */
void log_sinks_reopen(LogSinks *sinks);

/* End of the container: write out partial lines, and fsync files if sync. */
void log_sinks_flush(LogSinks *sinks, gboolean sync);

void log_sinks_free(LogSinks *sinks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LogSinks, log_sinks_free)
