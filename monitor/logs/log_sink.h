/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "log_driver.h"

/*
 * Container logging: the drivers configured with -l/--log-path (docs/logging.md), behind one
 * fan-out. The monitor hands every chunk of container output here, then to attach clients.
 * Writing never fails the monitor: a failing driver says so once on the monitor's own log,
 * drops what it cannot write, and resumes when writing works again (log_failure.h).
 *
 * -l values: "k8s-file:PATH", "PATH", ":PATH" (k8s-file), "json-file:PATH", "journald[:…]",
 * "passthrough[:…]", "none"/"off"/"null[:…]"; repeatable, several drivers at once (the
 * last value of each file driver wins, as in conmon). Unlike conmon only the first ':'
 * separates driver and path, so "k8s-file:/a:b" logs to "/a:b" (docs/logging.md,
 * "Choosing drivers: `-l/--log-path`").
 */
typedef struct _LogSinks LogSinks;

/*
 * Parse the -l values and log options and open what needs opening, before the monitor
 * daemonizes, so errors reach the engine. Error messages are conmon's (docs/conmon-contract.md,
 * "Option errors", step 12).
 */
LogSinks *log_sinks_new(const LogConfig *cfg, GError **error);

/*
 * The main context for the one-shot timer that writes out a held line fragment (a prompt
 * without a newline) after LOG_SINKS_HOLD_MS. It is armed only while a fragment is held, so
 * an idle monitor has no wakeups. Without a context fragments wait for the next output,
 * reopen or the final flush.
 */
void log_sinks_attach(LogSinks *sinks, GMainContext *ctx);

/* --log-line-max's range: below 1 KiB every short line would be cut; above 64 MiB one
 * stream's held line could cost more than the container's own output buffers ever hold. */
#define LOG_SINKS_LINE_MAX_MIN 1024
#define LOG_SINKS_LINE_MAX_MAX (64 * 1024 * 1024)

/* How long a line fragment may wait for the rest of its line. */
#define LOG_SINKS_HOLD_MS 200

/* passthrough: the container's stdio is the monitor's own (no copying). */
gboolean log_sinks_is_passthrough(const LogSinks *sinks);

/* stream: VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR. */
void log_sinks_write(LogSinks *sinks, int stream, const char *buf, gsize len);

/* ctl "2": reopen (truncate mode) or rotate (--log-rotate) the file drivers. */
void log_sinks_reopen(LogSinks *sinks);

/* End of the container: write out held fragments (as partial records), and fsync files if
 * sync. */
void log_sinks_flush(LogSinks *sinks, gboolean sync);

/* The drivers' counters summed (docs/control.md, "stats"). */
void log_sinks_stats(LogSinks *sinks, LogStats *out);

/* Called after a log file was reopened, truncated or rotated (by a reopen, or inside a write
 * at a size limit). One listener; NULL removes it. */
typedef void (*LogSinksRotatedFunc)(gpointer user_data);
void log_sinks_set_rotated_func(LogSinks *sinks, LogSinksRotatedFunc func, gpointer user_data);

/* Each configured driver: its name ("k8s-file", "json-file", "journald", "passthrough") and
 * its file as given on the command line (NULL for journald and passthrough). */
typedef void (*LogSinksEntryFunc)(const char *driver, const char *path, gpointer user_data);
void log_sinks_foreach(LogSinks *sinks, LogSinksEntryFunc func, gpointer user_data);

void log_sinks_free(LogSinks *sinks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LogSinks, log_sinks_free)
