/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

#include "sync_decode.h"

/* podman waits this long for conmon's sync messages (the runtime's create or exec included). */
#define MONITOR_SYNC_TIMEOUT_S 240
/* A monitor whose create or exec failed, or whose container is gone, reports, drains and
 * exits at once; one still there after this is stuck and gets SIGKILL. */
#define MONITOR_EXIT_TIMEOUT_S 10

/*
 * Starting a monitor the way podman starts conmon: socketpairs for _OCI_SYNCPIPE and
 * _OCI_STARTPIPE (and _OCI_ATTACHPIPE for an attached exec) at fds 3+N, 4+N, 5+N after the
 * N preserved fds, NOTIFY_SOCKET removed from its environment, the start byte written, the
 * launcher awaited (it exits 0 once the monitor has daemonized).
 */
typedef struct {
	pid_t pid;          /* the daemonized monitor, from its pid file */
	guint64 start_time; /* its /proc starttime */
	SyncReader *sync;   /* our end of _OCI_SYNCPIPE */
	SyncReader *attach; /* our end of _OCI_ATTACHPIPE, or NULL */
	int start_fd;       /* our end of _OCI_STARTPIPE: an attached exec's second byte */
} MonitorProcess;

/*
 * Spawn binary with args (NULL-terminated, after argv[0]); pidfile is the --conmon-pidfile
 * it was given. The caller's fds 3 .. 3+preserve_fds-1 are passed on at the same numbers.
 * A monitor that refuses its options: EINVAL with its own message.
 */
MonitorProcess *monitor_spawn(const char *binary, GPtrArray *args, guint preserve_fds,
			      gboolean attach_pipe, const char *pidfile, GError **error);

/* One byte on the start pipe: releases the launcher (and, the second time, an attached
 * exec's runtime). The content does not matter (docs/conmon-contract.md, "Start pipe"). */
void monitor_send_start(int fd);

/* Closes our pipe ends (the monitor carries on). */
void monitor_process_free(MonitorProcess *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MonitorProcess, monitor_process_free)
