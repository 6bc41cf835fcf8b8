/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "logs/log_sink.h"
#include "monitor_options.h"

/* What main() hands the monitor once it has daemonized. */
typedef struct {
	int sync_fd;   /* _OCI_SYNCPIPE or -1 */
	int start_fd;  /* _OCI_STARTPIPE (kept only with --exec-attach) or -1 */
	int attach_fd; /* _OCI_ATTACHPIPE or -1 */
	/* fds the engine left open for the runtime (podman's port reservations among them):
	 * closed before the exit file is written so the ports are free when podman looks. */
	GArray *inherited_fds;
	/* the engine's oom_score_adj, restored for the runtime and the exit command */
	const char *oom_score_adj;
} MonitorStartup;

/*
 * Run the runtime, then watch the container until it exits: the GLib main loop with the
 * reaper, the container's stdio, the console socket, attach and ctl. Returns the process
 * exit status: the container's (255 for -1), or 1 if the runtime failed.
 */
int monitor_run(MonitorConfig *cfg, LogSinks *logs, MonitorStartup *startup);
