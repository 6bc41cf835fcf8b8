/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * Waiting for a file a monitor writes (the exit file, the runtime's pid file) without
 * polling: inotify on its directory for the rename that makes it appear, and a pidfd on the
 * monitor so that a monitor that dies without writing it ends the wait at once.
 */

/*
 * Wait until dir/name exists. monitor_pid (with its start time; 0 = no monitor to watch) is
 * the writer. deadline: monotonic µs, < 0 = forever. FALSE with ETIMEDOUT, ESRCH (the
 * monitor exited and the file is not there) or ENOENT (dir was removed).
 */
gboolean exit_wait_for_file(const char *dir, const char *name, pid_t monitor_pid,
			    guint64 monitor_start, gint64 deadline, GError **error);

/*
 * The parts, for a waiter on a main loop: an inotify fd (non-blocking, close-on-exec)
 * watching dir for a file appearing in it, or -1; watch first, then look, so a file
 * created in between is seen either way. exit_wait_drain() reads its pending events:
 * FALSE once dir itself went away.
 */
int exit_wait_watch(const char *dir, GError **error);
gboolean exit_wait_drain(int inotify_fd);

/* exit_wait_for_file() for dir/name as an exit file, then its status. */
gboolean exit_wait(const char *dir, const char *name, pid_t monitor_pid, guint64 monitor_start,
		   gint64 deadline, int *out_status, GError **error);

/* Deadline for a timeout in ms (< 0 = none). */
gint64 exit_wait_deadline(int timeout_ms);
