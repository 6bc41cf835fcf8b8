/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

#include "container.h"
#include "detach_keys.h"
#include "exec_session.h"
#include "monitor_spawn.h"

/*
 * The start of an exec session, up to its monitor running: the checks, the container's lock
 * (held only for this), the session's directory, process.json and record, and the monitor's
 * launch. What follows (the pid, the attached streams, the exit code) is exec.c's, on a main
 * context.
 */

/* A deep copy of VigilExecOptions, for an exec that outlives the caller's structs (the
 * _async call, whose first step may run in a worker thread). options points into it. */
typedef struct {
	VigilExecOptions options;
	VigilAttachStreams streams;
	VigilResizeSource resize;
	char **cmd, **cap_add, **env;
	char *cwd, *user, *detach_keys;
} ExecLaunchOptions;

ExecLaunchOptions *exec_launch_options_copy(const VigilExecOptions *o);
void exec_launch_options_free(ExecLaunchOptions *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExecLaunchOptions, exec_launch_options_free)

/* What is refused before anything starts: a bad session id, no command, an unknown
 * capability, preserved fds that are not open, bad detach keys (parsed into out_keys when
 * the session is attached). EINVAL. */
gboolean exec_launch_check(const char *session_id, const VigilExecOptions *o, DetachKeys *out_keys,
			   GError **error);

/*
 * Make the session and start its monitor; the container must be running (EBUSY), the
 * session new (EEXIST). Takes the container's lock for as long as that takes (it may wait
 * for another call on the container). Returns the monitor with the container's record and
 * the session, or NULL with nothing left behind.
 */
MonitorProcess *exec_launch(VigilRuntime *rt, const char *id, const char *session_id,
			    const VigilExecOptions *o, VigilContainer **out_ctr,
			    ExecSession **out_session, GError **error);

/* The session runs: its pid goes into the record (a failure is only logged, since
 * exec_session_load() falls back to the pid files the monitor wrote). */
void exec_launch_session_update(ExecSession *s);

/* A session that never ran: its monitor exits after reporting that (waited for, up to
 * MONITOR_EXIT_TIMEOUT_S); then its files go. */
void exec_launch_discard(ExecSession *s);
