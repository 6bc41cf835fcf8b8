/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * Becoming a monitor: the engine starts vigilmon and waits for it to exit, so the launcher
 * forks the real monitor and exits 0 (docs/conmon-contract.md, "Launcher and daemon").
 */

/* Block until the engine writes to (or closes) the start pipe (docs/conmon-contract.md,
 * "Start pipe"). */
gboolean daemon_wait_start_pipe(int fd, GError **error);

/*
 * Fork. In the parent, write pidfile (the child's pid, decimal, no newline, atomically) if
 * given and _exit(0). Returns TRUE in the child. Returns FALSE with error in the parent if
 * fork fails, or if the pidfile write fails (the child is killed and reaped first): the
 * caller reports it and exits non-zero.
 */
gboolean daemon_fork(const char *pidfile, GError **error);

/*
 * In the monitor: new session, child subreaper (orphans of the container re-parent to us so
 * we can reap them and learn the container's exit), stdio on /dev/null unless keep_stdio
 * (passthrough logging hands our stdio to the container).
 */
gboolean daemon_detach(gboolean keep_stdio, GError **error);

/* Point fds 0-2 at /dev/null. */
gboolean daemon_null_stdio(GError **error);

/*
 * oom_score_adj: the monitor runs at -1000 so the OOM killer takes the container, not its
 * monitor; the runtime and the exit command get the original value back. Returns the saved
 * value as text (may be NULL if unreadable).
 */
char *daemon_oom_protect(void);

/*
 * In a forked child about to exec the runtime or the exit command (async-signal-safe): default
 * signal dispositions and an empty mask, as a new program expects, and the oom_score_adj that
 * daemon_oom_protect() saved (NULL leaves it).
 */
void daemon_child_reset(const char *oom_score_adj);
