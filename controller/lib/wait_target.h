/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>
#include <vigil/runtime.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * Waiting for a container's (or exec session's) exit, in the order docs/control.md gives:
 * the monitor's `wait` on its control socket; when no monitor serves one, its exit file
 * (exit_wait.c); when the monitor is gone without writing one, the runtime's word, and an
 * exit code nobody can know is ESRCH, never made up. Shared by vigil_runtime_wait() and
 * vigil_runtime_wait_async().
 */

/* What the wait needs, copied out of the record so the lock is not held while waiting. */
typedef struct {
	char *control_dir; /* the monitor's bundle: where its control socket is */
	char *exit_dir;    /* where its exit file appears, named name */
	char *name;
	pid_t monitor_pid;
	guint64 monitor_start;
	gboolean has_code; /* the record already has the exit code */
	int code;
} WaitTarget;

void wait_target_clear(WaitTarget *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(WaitTarget, wait_target_clear)

/* Look the container (or session) up, locked, its record brought up to date. ESRCH if it
 * stopped with an unknown exit code. */
gboolean wait_target_find(VigilRuntime *rt, const char *id, const char *session_id, WaitTarget *t,
			  GError **error);

/* Whether an error from the socket leaves the exit file to wait for: nobody serves the
 * socket, or the monitor cannot wait (an op it does not have). */
gboolean wait_socket_fallback(const GError *error);

/* What the monitor's `wait` reply says: the exit code, or an error (ETIMEDOUT once
 * the caller's deadline passed, with the same words as the exit-file wait). */
gboolean wait_reply_code(JsonParser *line, int *out_code, GError **error);

/*
 * The monitor is gone and left no exit file: ask again (the runtime now), for an exit file
 * that came late (*out_has_code) or the pid of a container that still runs without its
 * monitor (*out_pid; 0 when there is none to wait for).
 */
gboolean wait_after_monitor(VigilRuntime *rt, const char *id, const char *session_id,
			    gboolean *out_has_code, int *out_code, pid_t *out_pid, GError **error);

/* The error for an exit code that cannot be known. */
gboolean wait_unknown_code(GError **error);
