/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <vigil/control.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "control_client.h"
#include "error_util.h"
#include "exit_file.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "proc.h"
#include "wait_target.h"

/* Connecting to a monitor whose backlog is full (it stopped accepting) is given this long
 * in the worker before the exit file is waited for instead. */
#define CONNECT_TIMEOUT_MS 5000

/*
 * One asynchronous wait: the steps of vigil_runtime_wait(), each a GSource on the caller's
 * context (the socket; the exit directory's inotify fd and the monitor's pidfd; the
 * container's pidfd), except the look-ups that take the container's lock or run the
 * runtime, which go to GLib's worker pool and come back.
 */
typedef struct {
	VigilRuntime *rt;
	char *id;
	char *session_id;
	WaitTarget t;
	ControlConn *conn; /* connected and `wait` sent, by the look-up */
	int inotify_fd;
	int pidfd; /* the monitor's, then the container's when the monitor is gone */
	GSource *sources[2];
	GSource *cancel_source;
	gboolean done;
	/* Filled by the worker after the monitor is gone. */
	gboolean late_has_code;
	int late_code;
	pid_t late_pid;
} WaitOp;

static void clear_sources(WaitOp *op)
{
	for (gsize i = 0; i < G_N_ELEMENTS(op->sources); i++) {
		if (op->sources[i] != NULL) {
			g_source_destroy(op->sources[i]);
			g_clear_pointer(&op->sources[i], g_source_unref);
		}
	}
}

static void wait_op_free(WaitOp *op)
{
	clear_sources(op);
	if (op->cancel_source != NULL) {
		g_source_destroy(op->cancel_source);
		g_source_unref(op->cancel_source);
	}
	g_clear_pointer(&op->conn, control_conn_free);
	vigil_clear_fd(&op->inotify_fd);
	vigil_clear_fd(&op->pidfd);
	wait_target_clear(&op->t);
	g_free(op->id);
	g_free(op->session_id);
	g_free(op);
}

/* Complete the task once (error NULL: with code) and drop the reference the sources used. */
static void finish(GTask *task, int code, GError *error)
{
	WaitOp *op = g_task_get_task_data(task);

	if (op->done) {
		g_clear_error(&error);
		return;
	}
	op->done = TRUE;
	clear_sources(op);
	if (op->cancel_source != NULL) {
		g_source_destroy(op->cancel_source);
		g_clear_pointer(&op->cancel_source, g_source_unref);
	}
	if (error != NULL) {
		g_prefix_error(&error, "wait '%s': ", op->id);
		g_task_return_error(task, error);
	} else {
		g_task_return_int(task, code);
	}
	g_object_unref(task);
}

static void watch_fd(GTask *task, guint slot, int fd, GUnixFDSourceFunc func)
{
	WaitOp *op = g_task_get_task_data(task);
	GSource *s = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);

	g_source_set_callback(s, G_SOURCE_FUNC(func), task, NULL);
	g_source_set_static_name(s, "vigil wait");
	g_source_attach(s, g_task_get_context(task));
	op->sources[slot] = s;
}

static gboolean on_cancelled(GCancellable *cancellable, gpointer data)
{
	GTask *task = data;
	GError *error = NULL;

	(void)g_cancellable_set_error_if_cancelled(cancellable, &error);
	finish(task, 0, error);
	return G_SOURCE_REMOVE;
}

static void after_monitor(GTask *task);

static gboolean on_container_exit(int fd, GIOCondition condition, gpointer data)
{
	GError *error = NULL;

	wait_unknown_code(&error);
	finish(data, 0, error);
	return G_SOURCE_REMOVE;
}

/* Back from the worker that asked the runtime: an exit file after all, a container still
 * running without its monitor (its pidfd is watched), or nothing to wait for. */
static void after_monitor_done(GObject *source, GAsyncResult *result, gpointer data)
{
	g_autoptr(GTask) task = data; /* the worker's reference */
	WaitOp *op = g_task_get_task_data(task);
	GError *error = NULL;

	(void)source;
	if (op->done)
		return;
	if (!g_task_propagate_boolean(G_TASK(result), &error)) {
		finish(task, 0, error);
		return;
	}
	if (op->late_has_code) {
		finish(task, op->late_code, NULL);
		return;
	}
	vigil_clear_fd(&op->pidfd);
	op->pidfd = proc_pidfd_open(op->late_pid, 0);
	if (op->pidfd < 0) {
		wait_unknown_code(&error);
		finish(task, 0, error);
		return;
	}
	watch_fd(task, 0, op->pidfd, on_container_exit);
}

static void after_monitor_thread(GTask *inner, gpointer source, gpointer data,
				 GCancellable *cancellable)
{
	WaitOp *op = data;
	GError *error = NULL;

	(void)source;
	(void)cancellable;
	if (wait_after_monitor(op->rt, op->id, op->session_id, &op->late_has_code, &op->late_code,
			       &op->late_pid, &error))
		g_task_return_boolean(inner, TRUE);
	else
		g_task_return_error(inner, error);
}

/* The monitor is gone without an exit file: the runtime is asked in the worker. */
static void after_monitor(GTask *task)
{
	WaitOp *op = g_task_get_task_data(task);
	g_autoptr(GTask) inner = g_task_new(NULL, g_task_get_cancellable(task), after_monitor_done,
					    g_object_ref(task));

	clear_sources(op);
	g_task_set_task_data(inner, op, NULL);
	g_task_run_in_thread(inner, after_monitor_thread);
}

/* TRUE (the task finished) if the exit file is there. */
static gboolean exit_file_seen(GTask *task)
{
	WaitOp *op = g_task_get_task_data(task);
	g_autofree char *path = g_build_filename(op->t.exit_dir, op->t.name, NULL);
	GError *error = NULL;
	int code;

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return FALSE;
	if (exit_file_read(path, &code, &error))
		finish(task, code, NULL);
	else
		finish(task, 0, error);
	return TRUE;
}

static gboolean on_exit_dir(int fd, GIOCondition condition, gpointer data)
{
	GTask *task = data;
	WaitOp *op = g_task_get_task_data(task);
	GError *error = NULL;

	if (!exit_wait_drain(op->inotify_fd)) {
		vigil_throw(&error, ENOENT, "'%s' was removed", op->t.exit_dir);
		finish(task, 0, error);
		return G_SOURCE_REMOVE;
	}
	(void)exit_file_seen(task);
	return G_SOURCE_CONTINUE;
}

static gboolean on_monitor_exit(int fd, GIOCondition condition, gpointer data)
{
	GTask *task = data;

	/* The exit file comes before the monitor's exit: looked for once more. */
	if (!exit_file_seen(task))
		after_monitor(task);
	return G_SOURCE_REMOVE;
}

/* No monitor serves the socket: the exit file, watched with inotify and the monitor's pidfd
 * (as exit_wait_for_file() does, on the caller's context). */
static void wait_exit_file(GTask *task)
{
	WaitOp *op = g_task_get_task_data(task);
	GError *error = NULL;

	clear_sources(op);
	g_clear_pointer(&op->conn, control_conn_free);
	op->inotify_fd = exit_wait_watch(op->t.exit_dir, &error);
	if (op->inotify_fd < 0) {
		finish(task, 0, error);
		return;
	}
	if (exit_file_seen(task))
		return;
	op->pidfd = proc_pidfd_open(op->t.monitor_pid, op->t.monitor_start);
	if (op->pidfd < 0) {
		after_monitor(task);
		return;
	}
	watch_fd(task, 0, op->inotify_fd, on_exit_dir);
	watch_fd(task, 1, op->pidfd, on_monitor_exit);
}

static gboolean on_socket(int fd, GIOCondition condition, gpointer data)
{
	GTask *task = data;
	WaitOp *op = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(JsonParser) line = control_conn_read_nonblock(op->conn, &error);
	int code;

	if (line == NULL && error == NULL)
		return G_SOURCE_CONTINUE;
	if (line == NULL && wait_socket_fallback(error)) {
		g_debug("wait '%s': %s, waiting for the exit file", op->id, error->message);
		g_clear_error(&error);
		wait_exit_file(task);
		return G_SOURCE_REMOVE;
	}
	if (line != NULL && wait_reply_code(line, &code, &error))
		finish(task, code, NULL);
	else
		finish(task, 0, error);
	return G_SOURCE_REMOVE;
}

static void look_up_done(GObject *source, GAsyncResult *result, gpointer data)
{
	g_autoptr(GTask) task = data; /* the worker's reference */
	WaitOp *op = g_task_get_task_data(task);
	GError *error = NULL;

	(void)source;
	if (op->done)
		return;
	if (!g_task_propagate_boolean(G_TASK(result), &error))
		finish(task, 0, error);
	else if (op->t.has_code)
		finish(task, op->t.code, NULL);
	else if (op->conn != NULL)
		watch_fd(task, 0, control_conn_fd(op->conn), on_socket);
	else
		wait_exit_file(task);
}

static void look_up_thread(GTask *inner, gpointer source, gpointer data, GCancellable *cancellable)
{
	WaitOp *op = data;
	GError *error = NULL;
	g_autoptr(ControlConn) conn = NULL;

	(void)source;
	(void)cancellable;
	if (!wait_target_find(op->rt, op->id, op->session_id, &op->t, &error)) {
		g_task_return_error(inner, error);
		return;
	}
	if (!op->t.has_code) {
		conn = control_conn_new(op->t.control_dir, CONNECT_TIMEOUT_MS, &error);
		if (conn != NULL && !control_conn_send(conn, "wait", &error))
			g_clear_pointer(&conn, control_conn_free);
		if (error != NULL && !wait_socket_fallback(error)) {
			g_task_return_error(inner, error);
			return;
		}
		if (error != NULL)
			g_debug("wait '%s': %s, waiting for the exit file", op->id, error->message);
		g_clear_error(&error);
		op->conn = g_steal_pointer(&conn);
	}
	g_task_return_boolean(inner, TRUE);
}

void vigil_runtime_wait_async(VigilRuntime *rt, const char *id, const char *session_id,
			      GCancellable *cancellable, GAsyncReadyCallback callback,
			      gpointer user_data)
{
	GTask *task;
	g_autoptr(GTask) inner = NULL;
	WaitOp *op;

	g_return_if_fail(rt != NULL && id != NULL);
	task = g_task_new(NULL, cancellable, callback, user_data);
	g_task_set_name(task, "vigil_runtime_wait_async");
	op = g_new0(WaitOp, 1);
	op->rt = rt;
	op->id = g_strdup(id);
	op->session_id = g_strdup(session_id);
	op->inotify_fd = -1;
	op->pidfd = -1;
	g_task_set_task_data(task, op, (GDestroyNotify)wait_op_free);
	if (cancellable != NULL) {
		op->cancel_source = g_cancellable_source_new(cancellable);
		g_source_set_callback(op->cancel_source, G_SOURCE_FUNC(on_cancelled), task, NULL);
		g_source_attach(op->cancel_source, g_task_get_context(task));
	}
	/* Ours holds itself until finish(); each worker's task holds a reference to it (and so
	 * to op, which the worker writes) until it is back. */
	inner = g_task_new(NULL, cancellable, look_up_done, g_object_ref(task));
	g_task_set_task_data(inner, op, NULL);
	g_task_run_in_thread(inner, look_up_thread);
}

gboolean vigil_runtime_wait_finish(VigilRuntime *rt, GAsyncResult *result, int *out_exit_code,
				   GError **error)
{
	GError *local = NULL;
	gssize code;

	g_return_val_if_fail(rt != NULL && g_task_is_valid(result, NULL), FALSE);
	code = g_task_propagate_int(G_TASK(result), &local);
	if (local != NULL) {
		g_propagate_error(error, local);
		return FALSE;
	}
	if (out_exit_code != NULL)
		*out_exit_code = (int)code;
	return TRUE;
}
