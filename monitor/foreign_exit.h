/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * A container whose init is not our child (some runtimes and systemd set-ups re-parent it
 * to another subreaper): we would never get its SIGCHLD and wait forever (conmon#545; conmon
 * 2.2 probes with kill(pid, 0) when the reap loop finds nothing). A pidfd becomes readable
 * when the process exits, whoever its parent is, so the exit is seen at once, with no
 * polling.
 */

/* TRUE if pid's parent is this process (so waitpid will report its exit). */
gboolean foreign_exit_is_our_child(pid_t pid);

typedef struct _ForeignExit ForeignExit;

/* Watch pid: on_exit runs once, from ctx, when it has exited. NULL with error if no pidfd can
 * be had (the process is already gone: ESRCH). */
ForeignExit *foreign_exit_new(GMainContext *ctx, pid_t pid, GSourceFunc on_exit, gpointer user_data,
			      GError **error);
void foreign_exit_free(ForeignExit *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ForeignExit, foreign_exit_free)
