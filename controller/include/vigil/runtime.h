/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/error.h>
#include <vigil/options.h>

#include <gio/gio.h>
#include <glib.h>

G_BEGIN_DECLS

/*
 * VigilRuntime: one OCI runtime (runc, crun, or any runtime with runc's CLI) driven through
 * per-container monitors. One function per method of libpod's OCIRuntime interface, plus
 * attach, wait, logs and list.
 *
 * State lives under a root directory (default /run/vigil): one folder per container with a
 * JSON record written atomically, the monitor's sockets and FIFOs, exit files and exec
 * sessions. Calls on one container are serialised with a lock in its folder (across threads
 * and processes); calls on different containers never wait for each other. The library
 * keeps no global state, and a VigilRuntime may be used from several threads at once.
 *
 * A container stays with the runtime, runtime root and state root it was created with: later
 * calls use what its record says. If a process dies half-way through a call, the next call
 * reconciles the record with the runtime's `state` and the exit file.
 *
 * Every duration the API takes is in milliseconds, and named so (timeout_ms, exit_delay_ms).
 */

typedef struct _VigilRuntime VigilRuntime;
typedef struct _VigilContainer VigilContainer;

#define VIGIL_DEFAULT_ROOT "/run/vigil"

typedef struct {
	const char *runtime; /* "runc" (NULL), "crun", or a path */
	const char *root;    /* state root; NULL = VIGIL_DEFAULT_ROOT */
	/* The runtime's --root; NULL = <root>/.runtime/<runtime name>, private to vigil. */
	const char *runtime_root;
	/* The monitor (vigilmon, or conmon); NULL = $VIGIL_MONITOR, else the vigilmon installed
	 * with the library (found relative to it), else at the configured prefix, else on PATH. */
	const char *monitor;
	/* The monitors' --log-level (error, warn, info, debug, trace); NULL = theirs. */
	const char *monitor_log_level;
} VigilConfig;

#define VIGIL_CONFIG_INIT VIGIL_STRUCT_ZERO

typedef enum {
	VIGIL_STATUS_UNKNOWN,
	VIGIL_STATUS_CREATING, /* a create is under way (or its caller died; see above) */
	VIGIL_STATUS_CREATED,
	VIGIL_STATUS_RUNNING,
	VIGIL_STATUS_PAUSED,
	VIGIL_STATUS_STOPPED,
} VigilStatus;

typedef enum {
	VIGIL_UPDATE_DEFAULT = 0,
	VIGIL_UPDATE_HARD_QUERY = 1 << 0, /* ask the runtime's `state`, not only the exit file */
} VigilUpdateFlags;

/* A runtime object. ENOENT if the runtime or the monitor cannot be found. Free with
 * vigil_runtime_free(). */
VIGIL_PUBLIC VigilRuntime *vigil_runtime_new(const VigilConfig *config, GError **error);
VIGIL_PUBLIC void vigil_runtime_free(VigilRuntime *rt);

/* Name ("runc") and absolute path of the runtime. Owned by rt. */
VIGIL_PUBLIC const char *vigil_runtime_name(VigilRuntime *rt);
VIGIL_PUBLIC const char *vigil_runtime_path(VigilRuntime *rt);
/* The state root and the monitor binary. Owned by rt. */
VIGIL_PUBLIC const char *vigil_runtime_root(VigilRuntime *rt);
VIGIL_PUBLIC const char *vigil_runtime_monitor(VigilRuntime *rt);

/*
 * Create the container: copy the bundle's config into the state directory, start its
 * monitor with every option given, and return once the runtime has created it (status
 * created). With options->restore, restore it from a checkpoint instead (status running).
 * EEXIST, EINVAL (bad id or bundle), EIO with the runtime's own message.
 */
VIGIL_PUBLIC gboolean vigil_runtime_create_container(VigilRuntime *rt, const char *id,
						     const VigilCreateOptions *options,
						     GError **error);

/*
 * The container's state, brought up to date from its exit file (and the runtime's `state`
 * with VIGIL_UPDATE_HARD_QUERY, or when the record cannot be trusted). Free the result with
 * vigil_container_free(). ENOENT.
 */
VIGIL_PUBLIC VigilContainer *vigil_runtime_update_container_status(VigilRuntime *rt, const char *id,
								   VigilUpdateFlags flags,
								   GError **error);

/* Every container under the root, sorted by id (statuses from the exit files, read-only).
 * A GPtrArray of VigilContainer that frees them. */
VIGIL_PUBLIC GPtrArray *vigil_runtime_list_containers(VigilRuntime *rt, GError **error);

/* Runtime `start`. EBUSY unless the container is created. */
VIGIL_PUBLIC gboolean vigil_runtime_start_container(VigilRuntime *rt, const char *id,
						    GError **error);

/* Runtime `kill [--all] ID SIGNAL`. EINVAL for a bad signal, EBUSY if it is stopped. */
VIGIL_PUBLIC gboolean vigil_runtime_kill_container(VigilRuntime *rt, const char *id, int signal,
						   gboolean all, GError **error);

/*
 * Send the stop signal (the create option, the bundle's annotation, or SIGTERM), wait up to
 * timeout_ms for the exit file, then SIGKILL; timeout_ms 0 sends SIGKILL at once. all = the
 * runtime's `kill --all`. Returns once the container has exited (already stopped: TRUE).
 * ETIMEDOUT if it survives SIGKILL, ESRCH if the monitor died without an exit file.
 */
VIGIL_PUBLIC gboolean vigil_runtime_stop_container(VigilRuntime *rt, const char *id,
						   guint timeout_ms, gboolean all, GError **error);

/*
 * Runtime `delete`, then remove the state directory once the monitor has gone. A created,
 * running or paused container is refused with EBUSY unless force (which kills it first).
 */
VIGIL_PUBLIC gboolean vigil_runtime_delete_container(VigilRuntime *rt, const char *id,
						     gboolean force, GError **error);

/* Runtime `pause` and `resume`. */
VIGIL_PUBLIC gboolean vigil_runtime_pause_container(VigilRuntime *rt, const char *id,
						    GError **error);
VIGIL_PUBLIC gboolean vigil_runtime_unpause_container(VigilRuntime *rt, const char *id,
						      GError **error);

/*
 * Run a process in the running container as exec session session_id (one monitor per
 * session, its files in <state dir>/exec/<session_id>). With options->streams the call
 * attaches and returns when the session ends (result: exit code) or is detached; without,
 * it returns once the process runs (result: pid).
 *
 * FALSE + error when the session could not start (EIO with the runtime's message, ENOEXEC,
 * EACCES; result.pid is then 0), or when the attach broke after it started (the error is
 * the attach's; result.pid is its process and result.exit_code its code if the session
 * ended, else -1: it may still run, and vigil_runtime_wait() on session_id finds out). So
 * *out_result (optional) is filled in whenever the call returns, as GLib fills in
 * bytes_written on a failed write.
 */
VIGIL_PUBLIC gboolean vigil_runtime_exec_container(VigilRuntime *rt, const char *id,
						   const char *session_id,
						   const VigilExecOptions *options,
						   VigilExecResult *out_result, GError **error);

/*
 * vigil_runtime_exec_container() without blocking the calling thread: each wait (the
 * monitor's messages, the attached streams, the exit code) is a GSource on the caller's
 * thread-default GMainContext, where callback runs when the call would have returned, so an
 * engine needs no thread per session. Starting the session's monitor takes the container's
 * lock, so that step (and, if the session could not start, waiting for its monitor to go)
 * runs briefly in GLib's worker pool. The option structs need only live until this returns;
 * the fds in options->streams and options->resize until callback. Cancelling detaches an
 * attached session, or stops waiting for a detached one to report its start: it runs on, and
 * the result is G_IO_ERROR_CANCELLED with VigilExecResult.detached set.
 */
VIGIL_PUBLIC void
vigil_runtime_exec_container_async(VigilRuntime *rt, const char *id, const char *session_id,
				   const VigilExecOptions *options, GCancellable *cancellable,
				   GAsyncReadyCallback callback, gpointer user_data);
/* What vigil_runtime_exec_container() would have returned; *out_result (optional) as there,
 * filled in also on failure. */
VIGIL_PUBLIC gboolean vigil_runtime_exec_container_finish(VigilRuntime *rt, GAsyncResult *result,
							  VigilExecResult *out_result,
							  GError **error);

/* SIGTERM the session's process, SIGKILL after timeout_ms (0: SIGKILL at once); returns once
 * it has exited. TRUE if it had already exited. */
VIGIL_PUBLIC gboolean vigil_runtime_exec_stop_container(VigilRuntime *rt, const char *id,
							const char *session_id, guint timeout_ms,
							GError **error);

/* An exec session, as vigil_runtime_list_exec_sessions() finds it. */
typedef struct {
	char *id;
	int pid;           /* its process; 0 when not known (it never started) */
	gboolean running;  /* its monitor still runs */
	gboolean terminal; /* started with a terminal */
	/* Its exit code once it ended and its monitor wrote the exit file (128+n: signal n). */
	gboolean has_exit_code;
	int exit_code;
} VigilExecSessionInfo;

/* The container's exec sessions whose files are still there (not cleaned up), sorted by id:
 * a GPtrArray of VigilExecSessionInfo that frees them; empty when there are none. ENOENT. */
VIGIL_PUBLIC GPtrArray *vigil_runtime_list_exec_sessions(VigilRuntime *rt, const char *id,
							 GError **error);
VIGIL_PUBLIC void vigil_exec_session_info_free(VigilExecSessionInfo *info);

/* Remove the session's leftovers (socket, FIFOs, exit files, process spec). EBUSY while the
 * session runs. */
VIGIL_PUBLIC gboolean vigil_runtime_exec_container_cleanup(VigilRuntime *rt, const char *id,
							   const char *session_id, GError **error);

/* Whether the session was started with a terminal (an attach then wants the local terminal
 * raw and its size sent). */
VIGIL_PUBLIC gboolean vigil_runtime_exec_session_terminal(VigilRuntime *rt, const char *id,
							  const char *session_id,
							  gboolean *out_terminal, GError **error);

/* Runtime `checkpoint`. ENOTSUP when vigil_runtime_supports_checkpoint() is FALSE. */
VIGIL_PUBLIC gboolean vigil_runtime_checkpoint_container(VigilRuntime *rt, const char *id,
							 const VigilCheckpointOptions *options,
							 GError **error);

/* Probes, run once per runtime object: CRIU answers `criu check` and the runtime has a
 * `checkpoint` command; the runtime takes --log-format json; the runtime can run without
 * cgroups (--cgroup-manager disabled). */
VIGIL_PUBLIC gboolean vigil_runtime_supports_checkpoint(VigilRuntime *rt);
VIGIL_PUBLIC gboolean vigil_runtime_supports_json_errors(VigilRuntime *rt);
VIGIL_PUBLIC gboolean vigil_runtime_supports_no_cgroups(VigilRuntime *rt);

/* Paths (newly allocated). ENOENT if the container does not exist. */
VIGIL_PUBLIC char *vigil_runtime_attach_socket_path(VigilRuntime *rt, const char *id,
						    GError **error);
VIGIL_PUBLIC char *vigil_runtime_exec_attach_socket_path(VigilRuntime *rt, const char *id,
							 const char *session_id, GError **error);
VIGIL_PUBLIC char *vigil_runtime_exit_file_path(VigilRuntime *rt, const char *id, GError **error);
/* The exec session's exit file (also for a session about to be made; the session id is only
 * checked for being one). */
VIGIL_PUBLIC char *vigil_runtime_exec_exit_file_path(VigilRuntime *rt, const char *id,
						     const char *session_id, GError **error);
/* The monitor's --persist-dir (the state directory unless created with another), and the
 * "oom" marker its monitor makes there once the kernel's OOM killer hit the container. */
VIGIL_PUBLIC char *vigil_runtime_persist_directory_path(VigilRuntime *rt, const char *id,
							GError **error);
VIGIL_PUBLIC char *vigil_runtime_oom_file_path(VigilRuntime *rt, const char *id, GError **error);

/* What vigil_runtime_info() reports. Strings are owned by the struct. */
typedef struct {
	char *runtime_name; /* "runc" */
	char *runtime_path;
	char *runtime_version; /* the first line of `runtime --version` */
	char *monitor_path;
	/* `monitor --version`, its lines joined with ", " as podman shows conmon's; NULL when
	 * the monitor did not answer. */
	char *monitor_version;
	char *root;
	char *runtime_root;
	char *library_version; /* vigil_version() */
	char *library_commit;  /* the git commit the library was built from, or "unknown" */
} VigilRuntimeInfo;

/* The runtime, the monitor and the library: paths and versions, asked of the programs.
 * EIO when the runtime does not answer `--version`. Free with vigil_runtime_info_free(). */
VIGIL_PUBLIC VigilRuntimeInfo *vigil_runtime_info(VigilRuntime *rt, GError **error);
VIGIL_PUBLIC void vigil_runtime_info_free(VigilRuntimeInfo *info);

/*
 * Attach to the container (session_id NULL) or an exec session: stream its output to the
 * local fds, send local input, handle the detach keys, and send terminal sizes. Returns when
 * the container's output ends (it exited) or the detach keys were pressed (*out_detached).
 */
VIGIL_PUBLIC gboolean vigil_runtime_attach(VigilRuntime *rt, const char *id, const char *session_id,
					   const VigilAttachOptions *options,
					   gboolean *out_detached, GError **error);

/*
 * vigil_runtime_attach() without blocking the calling thread: the streams are GSources on
 * the fds (the socket, the local input and output, the resize notification) on the caller's
 * thread-default GMainContext, where callback runs when the call would have returned. The
 * look-up takes the container's lock, and options->start runs the runtime's `start`: those
 * run briefly in GLib's worker pool. The option structs need only live until this returns;
 * the fds in them until callback. The local fds are not switched to non-blocking (they may
 * be shared): they are read and written only once polled ready, PIPE_BUF bytes at most at a
 * time. Cancelling leaves the connection as the detach keys would (G_IO_ERROR_CANCELLED).
 */
VIGIL_PUBLIC void vigil_runtime_attach_async(VigilRuntime *rt, const char *id,
					     const char *session_id,
					     const VigilAttachOptions *options,
					     GCancellable *cancellable,
					     GAsyncReadyCallback callback, gpointer user_data);
VIGIL_PUBLIC gboolean vigil_runtime_attach_finish(VigilRuntime *rt, GAsyncResult *result,
						  gboolean *out_detached, GError **error);

/* Ask the monitor to reopen the container's (or session's) log files: after an outside tool
 * moved them away (logrotate), writing goes on in new files at the same paths. EBUSY once it
 * has exited (its monitor no longer reads the request). */
VIGIL_PUBLIC gboolean vigil_runtime_reopen_log(VigilRuntime *rt, const char *id,
					       const char *session_id, GError **error);

/* Ask the monitor to resize the container's (or session's) terminal, attached or not
 * (EBUSY once it has exited). */
VIGIL_PUBLIC gboolean vigil_runtime_resize(VigilRuntime *rt, const char *id, const char *session_id,
					   guint rows, guint cols, GError **error);

/*
 * Block until the container (or session) has exited and return its exit code (128+n when
 * killed by signal n, -1 when the monitor's --timeout killed it). No polling: the monitor's
 * `wait` on its control socket (docs/control.md), else inotify on the exit directory and a
 * pidfd on the monitor. ESRCH when the monitor is gone without writing an exit file: the
 * code is unknown (a container still running then is waited for first). timeout_ms < 0
 * waits forever; ETIMEDOUT otherwise. vigil_runtime_wait_async() (vigil/control.h) waits on
 * a main context instead.
 */
VIGIL_PUBLIC gboolean vigil_runtime_wait(VigilRuntime *rt, const char *id, const char *session_id,
					 int timeout_ms, int *out_exit_code, GError **error);

/* Write the container's log records (k8s-file or json-file, rotated files first) to the
 * fds in options; with follow, keep going until the container has exited. */
VIGIL_PUBLIC gboolean vigil_runtime_logs(VigilRuntime *rt, const char *id,
					 const VigilLogsOptions *options, GError **error);

/* The container record. */
VIGIL_PUBLIC void vigil_container_free(VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_id(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_name(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_bundle(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_state_dir(const VigilContainer *ctr);
VIGIL_PUBLIC VigilStatus vigil_container_get_status(const VigilContainer *ctr);
VIGIL_PUBLIC int vigil_container_get_pid(const VigilContainer *ctr);         /* 0 = none */
VIGIL_PUBLIC int vigil_container_get_monitor_pid(const VigilContainer *ctr); /* 0 = none */
/* FALSE while the exit code is not known (not stopped, or the monitor left no file). */
VIGIL_PUBLIC gboolean vigil_container_get_exit_code(const VigilContainer *ctr, int *out_code);
VIGIL_PUBLIC gboolean vigil_container_get_oom_killed(const VigilContainer *ctr);
/* Unix time in microseconds; 0 = not yet. */
VIGIL_PUBLIC gint64 vigil_container_get_created(const VigilContainer *ctr);
VIGIL_PUBLIC gint64 vigil_container_get_started(const VigilContainer *ctr);
VIGIL_PUBLIC gint64 vigil_container_get_finished(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_runtime(const VigilContainer *ctr);
VIGIL_PUBLIC gboolean vigil_container_get_terminal(const VigilContainer *ctr);
/* The file `vigilctl logs` reads and its driver ("k8s-file", "json-file"), or NULL. */
VIGIL_PUBLIC const char *vigil_container_get_log_path(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_log_driver(const VigilContainer *ctr);
/* Where its monitor writes the exit file (named after the id), and the directory given to
 * the monitor as --persist-dir (the state directory unless created with another). */
VIGIL_PUBLIC const char *vigil_container_get_exit_dir(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_persist_dir(const VigilContainer *ctr);
/* The signal stop sends first (the create option, the bundle's annotation, or SIGTERM). */
VIGIL_PUBLIC int vigil_container_get_stop_signal(const VigilContainer *ctr);
/* The runtime's --root the container was created with, and the monitor binary started for
 * it: later calls use these, whatever the VigilRuntime says. */
VIGIL_PUBLIC const char *vigil_container_get_runtime_root(const VigilContainer *ctr);
VIGIL_PUBLIC const char *vigil_container_get_monitor(const VigilContainer *ctr);

/* "created", "running", ... */
VIGIL_PUBLIC const char *vigil_status_to_string(VigilStatus status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilRuntime, vigil_runtime_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilContainer, vigil_container_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilRuntimeInfo, vigil_runtime_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VigilExecSessionInfo, vigil_exec_session_info_free)

G_END_DECLS
