/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>
#include <vigil/options.h>

#include <glib.h>

#include "logs.h"

/*
 * Following a log file while a container runs: inotify on the file's directory (writes,
 * and the rename of a rotation or reopen) and on the exit directory, a pidfd on the monitor.
 * Ends once the exit file exists and everything before it has been written out (the
 * monitor flushes its logs before it writes the exit file). Also ends, with EPIPE, once the
 * output is a pipe or socket nobody reads any more.
 */
typedef struct {
	const char *path;
	LogsFormat format;
	gint64 offset; /* bytes of path already shown */
	const char *exit_dir;
	const char *exit_name;
	pid_t monitor_pid;
	guint64 monitor_start;
} LogsFollow;

gboolean logs_follow(const LogsFollow *f, const VigilLogsOptions *o, gboolean at_line_start,
		     GError **error);
