/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * Processes the controller did not necessarily start (monitors daemonize away from it):
 * identified by pid plus their start time, held through pidfds so a recycled pid is never
 * signalled or waited for by mistake.
 */

/* /proc/<pid>/stat starttime (clock ticks since boot); 0 if the process does not exist. */
guint64 proc_start_time(pid_t pid);

/* /proc/<pid>/stat ppid; 0 if unknown. */
pid_t proc_parent(pid_t pid);

/*
 * A pidfd for pid if it is still the process that started at start_time (0 = don't check).
 * -1 if it is gone (or was replaced).
 */
int proc_pidfd_open(pid_t pid, guint64 start_time);

/* TRUE if the process behind pidfd has not exited yet. */
gboolean proc_pidfd_alive(int pidfd);

/* Wait for pidfd's process to exit, until deadline (monotonic µs; < 0 = forever). TRUE if
 * it exited. */
gboolean proc_pidfd_wait(int pidfd, gint64 deadline);

/*
 * Give the process (pid and start time, as for proc_pidfd_open) timeout_s seconds to exit,
 * then SIGKILL it. Nothing happens if it is gone already.
 */
void proc_wait_or_kill(pid_t pid, guint64 start_time, int timeout_s);

/* Milliseconds left until deadline for poll(): -1 for no deadline, 0 once passed. */
int proc_poll_timeout(gint64 deadline);

/* Read a decimal pid from a file; 0 if missing or malformed. */
pid_t proc_read_pidfile(const char *path);
