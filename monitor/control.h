/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

#include "attach_server.h"
#include "logs/log_sink.h"
#include "streams.h"

/*
 * The control socket (docs/control.md): <bundle>/control, SOCK_STREAM, mode 0600, one JSON
 * request per line, answered by version, state, wait, resize, reopen-log, stats and
 * subscribe. Only the monitor's own uid may use it (SO_PEERCRED, checked on accept).
 *
 * The monitor tells it what happens (the pid known, an OOM, the exit); it reads the rest
 * when asked (streams, logs, attach clients, the cgroup). Nothing here has a timer: an idle
 * connection, a waiter or a subscriber costs no wakeups. Every connection is bounded
 * (control_peer.h); a client that misbehaves is answered or dropped, never waited for.
 */
typedef struct _Control Control;

typedef struct {
	const char *bundle; /* the socket's directory: -b (an exec session's directory) */
	const char *id;     /* --cid, reported by state */
	gboolean exec;
} ControlConfig;

/*
 * Bind and listen. streams and logs must outlive the Control, attach too (NULL without
 * one); cfg need not. A socket left by an earlier run of the same bundle is replaced.
 */
Control *control_new(GMainContext *ctx, const ControlConfig *cfg, Streams *streams, LogSinks *logs,
		     AttachServer *attach, GError **error);

/* The runtime reported the container's pid: status running. */
void control_running(Control *control, pid_t pid);

/* An OOM kill was seen: the oom event. */
void control_oom(Control *control);

/*
 * The exit files are written (docs/architecture.md, "Exit path"): status exited; requests
 * already sent are read and answered, waiters released, subscribers sent the exit event.
 * The socket keeps serving (state, stats) until control_free().
 */
void control_exited(Control *control, int exit_code, gboolean oom_killed);

/* Last replies sent without waiting, connections closed, the socket file removed.
 * NULL-safe. */
void control_free(Control *control);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Control, control_free)
