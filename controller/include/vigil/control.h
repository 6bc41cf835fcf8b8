/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/error.h>
#include <vigil/runtime.h>

#include <gio/gio.h>
#include <glib.h>

G_BEGIN_DECLS

/*
 * What a running monitor answers over its control socket (docs/control.md): statistics, a
 * stream of events, and waiting for the exit without polling. A monitor without one (conmon)
 * or one that is gone gets ENOTSUP or ESRCH here; vigil_runtime_wait() and the status update
 * fall back to the exit file and the runtime by themselves.
 *
 * session_id NULL means the container's own monitor; otherwise that exec session's.
 */

/* The control socket's path (newly allocated): <state dir>/control, or the session's
 * directory's. ENOENT if the container does not exist, EINVAL for a bad session id. */
VIGIL_PUBLIC char *vigil_runtime_control_socket_path(VigilRuntime *rt, const char *id,
						     const char *session_id, GError **error);

/* ---- Statistics ---- */

typedef struct {
	/* What the container wrote, as the monitor read it (before any log framing). */
	guint64 stdout_bytes;
	guint64 stderr_bytes;
	/* Output no log driver could take (a failed write, a journald refusal). */
	guint64 dropped_bytes;
	guint64 log_rotations;
	guint attach_clients;
	/* From the container's cgroup; FALSE (and both 0) when the monitor could not read it. */
	gboolean has_cgroup;
	guint64 memory_bytes;
	guint64 cpu_usage_ns;
} VigilStats;

/*
 * Ask the monitor for its statistics. Free with vigil_stats_free(). EBUSY if the container
 * (or session) has exited, ENOTSUP if its monitor has no control socket, ESRCH if the
 * monitor is gone, EPROTO for a reply that is not what docs/control.md says.
 */
VIGIL_PUBLIC VigilStats *vigil_runtime_stats(VigilRuntime *rt, const char *id,
					     const char *session_id, GError **error);
VIGIL_PUBLIC void vigil_stats_free(VigilStats *stats);

/* ---- Events ---- */

typedef enum {
	VIGIL_EVENT_OTHER, /* one this library does not know (a newer monitor's): see name */
	VIGIL_EVENT_EXIT,  /* the last event: exit_code, oom_killed */
	VIGIL_EVENT_OOM,
	VIGIL_EVENT_LOG_ROTATED, /* the log files were reopened or rotated */
	VIGIL_EVENT_ATTACH,      /* an attach client came: clients */
	VIGIL_EVENT_DETACH,      /* one went: clients */
} VigilEventType;

typedef struct {
	VigilEventType type;
	char *name;          /* as the monitor sent it: "exit", "oom", ...; owned by the event */
	gint64 time;         /* Unix µs; 0 if the monitor sent no time */
	int exit_code;       /* EXIT: 128+n when killed by signal n */
	gboolean oom_killed; /* EXIT */
	guint clients;       /* ATTACH, DETACH: attach clients now */
} VigilEvent;

VIGIL_PUBLIC void vigil_event_free(VigilEvent *event);

typedef struct _VigilEventStream VigilEventStream;

/*
 * Subscribe to the container's (or session's) events. Errors as for vigil_runtime_stats().
 * The stream holds one connection to the monitor; free it to unsubscribe.
 */
VIGIL_PUBLIC VigilEventStream *vigil_runtime_subscribe(VigilRuntime *rt, const char *id,
						       const char *session_id, GError **error);

/*
 * The next event, waiting up to timeout_ms (< 0: forever; ETIMEDOUT, the stream stays
 * usable). After the exit event the stream ends: NULL with no error set (as
 * g_file_enumerator_next_file() does). ESRCH if the monitor went away before an exit event.
 */
VIGIL_PUBLIC VigilEvent *vigil_event_stream_next(VigilEventStream *stream, int timeout_ms,
						 GError **error);

/* The socket, for a caller's own poll() or main loop: once it is readable,
 * vigil_event_stream_next(stream, 0, ...) until it says ETIMEDOUT (nothing complete left).
 * Owned by the stream. */
VIGIL_PUBLIC int vigil_event_stream_get_fd(VigilEventStream *stream);

VIGIL_PUBLIC void vigil_event_stream_free(VigilEventStream *stream);

/* ---- Waiting without blocking a thread ---- */

/*
 * vigil_runtime_wait() for a GMainContext: callback runs on the thread-default main context
 * of the caller once the container (or session) has exited. The wait is a GSource on the
 * monitor's socket (or, for a monitor without one, on an inotify watch of its exit directory
 * and a pidfd): no thread is held while waiting. Looking the container up takes its lock,
 * which a long operation may hold, so that step (and asking the runtime when the monitor is
 * gone) runs briefly in GLib's worker pool. Cancel with cancellable (G_IO_ERROR_CANCELLED).
 */
VIGIL_PUBLIC void vigil_runtime_wait_async(VigilRuntime *rt, const char *id, const char *session_id,
					   GCancellable *cancellable, GAsyncReadyCallback callback,
					   gpointer user_data);

/* The result: TRUE with the exit code, or FALSE with the error vigil_runtime_wait() gives
 * (ESRCH: the monitor is gone and the exit code is unknown). */
VIGIL_PUBLIC gboolean vigil_runtime_wait_finish(VigilRuntime *rt, GAsyncResult *result,
						int *out_exit_code, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilStats, vigil_stats_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilEvent, vigil_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilEventStream, vigil_event_stream_free)

G_END_DECLS
