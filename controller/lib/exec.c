/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include <glib-unix.h>

#include "attach_conn.h"
#include "attach_stream.h"
#include "error_util.h"
#include "exec_launch.h"
#include "exit_wait.h"
#include "fdutil.h"
#include "monitor_launch.h"
#include "sync_loop.h"

/*
 * One exec session, as a chain of steps on the caller's GMainContext: the launch (exec_launch.c,
 * in GLib's worker pool for the _async call since it takes the container's lock), then for an
 * attached session the attach pipe's message, the connection and the second start byte, then
 * the pid message, the attached streams (attach_stream.c), and the exit code on the sync pipe.
 * Every wait is an fd source; the blocking call runs the same steps on a private context.
 */
typedef struct {
	VigilRuntime *rt;
	char *id;
	char *session_id;
	ExecLaunchOptions *o;
	DetachKeys keys;
	gboolean in_thread;
	VigilExecResult result;
	VigilContainer *ctr;
	ExecSession *s;
	MonitorProcess *m;
	int sock;
	GError *attach_error; /* the attach broke; reported once the session's end is known */
	AttachStream *stream;
	SyncReader *reading; /* what the fd source below waits on */
	void (*on_message)(GTask *task, int value, const char *message, GError *error);
	GSource *read_source;
	GSource *timeout_source;
	GSource *cancel_source;
	gboolean cancelled;
	GMainContext *ctx;
} ExecOp;

static void stop_reading(ExecOp *op)
{
	if (op->read_source != NULL) {
		g_source_destroy(op->read_source);
		g_clear_pointer(&op->read_source, g_source_unref);
	}
	if (op->timeout_source != NULL) {
		g_source_destroy(op->timeout_source);
		g_clear_pointer(&op->timeout_source, g_source_unref);
	}
	op->reading = NULL;
}

static void exec_op_free(ExecOp *op)
{
	stop_reading(op);
	g_clear_pointer(&op->stream, attach_stream_free);
	if (op->cancel_source != NULL) {
		g_source_destroy(op->cancel_source);
		g_source_unref(op->cancel_source);
	}
	g_clear_error(&op->attach_error);
	vigil_clear_fd(&op->sock);
	g_clear_pointer(&op->m, monitor_process_free);
	g_clear_pointer(&op->s, exec_session_free);
	g_clear_pointer(&op->ctr, vigil_container_free);
	g_clear_pointer(&op->o, exec_launch_options_free);
	g_main_context_unref(op->ctx);
	g_free(op->id);
	g_free(op->session_id);
	g_free(op);
}

/* Complete the task (error NULL: TRUE) and drop the reference the steps held. */
static void complete(GTask *task, GError *error)
{
	ExecOp *op = g_task_get_task_data(task);

	stop_reading(op);
	/* A cancellation from now on has nothing left to stop. */
	if (op->cancel_source != NULL) {
		g_source_destroy(op->cancel_source);
		g_clear_pointer(&op->cancel_source, g_source_unref);
	}
	if (error != NULL) {
		g_prefix_error(&error, "exec '%s' in '%s': ", op->session_id, op->id);
		g_task_return_error(task, error);
	} else {
		g_task_return_boolean(task, TRUE);
	}
	g_object_unref(task);
}

static void complete_cancelled(GTask *task)
{
	complete(task, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled"));
}

/* Deliver the reader's next message (or its error) to op->on_message once it is there. */
static gboolean try_message(GTask *task)
{
	ExecOp *op = g_task_get_task_data(task);
	g_autofree char *message = NULL;
	GError *error = NULL;
	int value = -1;

	switch (sync_reader_try(op->reading, &value, &message, &error)) {
	case SYNC_READ_AGAIN:
		return FALSE;
	case SYNC_READ_ERROR:
		stop_reading(op);
		op->on_message(task, 0, NULL, error);
		return TRUE;
	case SYNC_READ_MESSAGE:
		break;
	}
	stop_reading(op);
	op->on_message(task, value, message, NULL);
	return TRUE;
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	(void)try_message(data);
	/* Removed by stop_reading() once a message came; otherwise it waits for more. */
	return G_SOURCE_CONTINUE;
}

static gboolean on_read_timeout(gpointer data)
{
	GTask *task = data;
	ExecOp *op = g_task_get_task_data(task);

	stop_reading(op);
	op->on_message(
		task, 0, NULL,
		g_error_new_literal(VIGIL_ERROR, ETIMEDOUT, "the monitor did not answer in time"));
	return G_SOURCE_REMOVE;
}

/* Wait for r's next message (timeout_s 0: however long it takes), then call handler. The
 * handler owns the error it is given. */
static void read_message(GTask *task, SyncReader *r, guint timeout_s,
			 void (*handler)(GTask *, int, const char *, GError *))
{
	ExecOp *op = g_task_get_task_data(task);

	op->reading = r;
	op->on_message = handler;
	/* A line may already be buffered (two arrived in one read of a pipe). */
	if (try_message(task))
		return;
	op->read_source =
		g_unix_fd_source_new(sync_reader_get_fd(r), G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(op->read_source, G_SOURCE_FUNC(on_readable), task, NULL);
	g_source_attach(op->read_source, op->ctx);
	if (timeout_s > 0) {
		op->timeout_source = g_timeout_source_new_seconds(timeout_s);
		g_source_set_callback(op->timeout_source, on_read_timeout, task, NULL);
		g_source_attach(op->timeout_source, op->ctx);
	}
}

/* The exit code follows the end of the output (or the monitor is gone: its exit file). */
static void on_exit_message(GTask *task, int value, const char *message, GError *error)
{
	ExecOp *op = g_task_get_task_data(task);

	if (error == NULL) {
		op->result.exit_code = value;
		/* conmon's words for it, which vigilmon keeps (docs/conmon-contract.md). */
		op->result.timed_out = value < 0 && g_strcmp0(message, "command timed out") == 0;
	} else {
		g_autofree char *exits = exec_session_exit_dir(op->s);
		if (!exit_wait(exits, op->ctr->id, op->s->monitor_pid, op->s->monitor_start,
			       exit_wait_deadline(0), &op->result.exit_code, NULL) &&
		    op->attach_error == NULL)
			op->attach_error = g_steal_pointer(&error);
		/* The exit file says -1 only after the timeout, or when nobody knows. */
		op->result.timed_out = op->o->options.timeout_ms > 0 && op->result.exit_code < 0;
	}
	g_clear_error(&error);
	if (op->attach_error != NULL) {
		GError *e = g_steal_pointer(&op->attach_error);
		g_prefix_error(&e, "attach: ");
		complete(task, e);
		return;
	}
	complete(task, NULL);
}

static void on_stream_done(gboolean detached, GError *error, gpointer user_data)
{
	GTask *task = user_data;
	ExecOp *op = g_task_get_task_data(task);

	g_clear_pointer(&op->stream, attach_stream_free);
	if (error != NULL) {
		g_debug("exec '%s': attach broke: %s", op->session_id, error->message);
		op->attach_error = g_error_copy(error);
	}
	if (detached) {
		op->result.detached = TRUE;
		if (op->cancelled)
			complete_cancelled(task);
		else
			complete(task, NULL);
		return;
	}
	read_message(task, op->m->sync, 0, on_exit_message);
}

static gboolean on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = user_data;
	ExecOp *op = g_task_get_task_data(task);

	op->cancelled = TRUE;
	/* This source is being dispatched: dropping our reference is all (complete() may free
	 * op, so nothing follows it). */
	g_clear_pointer(&op->cancel_source, g_source_unref);
	/* Attached: left as the detach keys would leave it. Detached and not yet reported
	 * started: no longer waited for (it starts, or not, by itself). Before either, the
	 * steps stop at the next of them. */
	if (op->stream != NULL) {
		attach_stream_detach(op->stream);
	} else if (op->reading != NULL && op->o->options.streams == NULL) {
		op->result.detached = TRUE;
		complete_cancelled(task);
	}
	return G_SOURCE_REMOVE;
}

static void discard_thread(GTask *t, gpointer source, gpointer task_data, GCancellable *c)
{
	exec_launch_discard(task_data);
	g_task_return_boolean(t, TRUE);
}

static void on_discarded(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	ExecOp *op = g_task_get_task_data(task);

	complete(task, g_steal_pointer(&op->attach_error));
}

/* The session did not start: its monitor is waited for (briefly, in the worker when async)
 * and its files removed, then the runtime's reason is the error. */
static void fail_start(GTask *task, GError *error)
{
	ExecOp *op = g_task_get_task_data(task);

	g_clear_error(&op->attach_error);
	if (!op->in_thread) {
		exec_launch_discard(op->s);
		complete(task, error);
		return;
	}
	op->attach_error = error; /* carried to on_discarded */
	GTask *t = g_task_new(NULL, NULL, on_discarded, task);
	g_task_set_task_data(t, op->s, NULL);
	g_task_run_in_thread(t, discard_thread);
	g_object_unref(t);
}

/* The pid message: the session runs, or the runtime's reason why not. */
static void on_pid_message(GTask *task, int value, const char *message, GError *read_error)
{
	ExecOp *op = g_task_get_task_data(task);
	GError *error = NULL;
	gboolean started;

	/* The reason is read from the session's directory before it is removed. */
	started = monitor_launch_pid_result(op->s->dir, op->ctr->runtime, read_error, value,
					    message, &op->s->pid, &error);
	g_clear_error(&read_error);
	if (!started) {
		fail_start(task, error);
		return;
	}
	exec_launch_session_update(op->s);
	op->result.pid = op->s->pid;
	if (op->o->options.streams == NULL) {
		op->result.detached = TRUE;
		complete(task, NULL);
		return;
	}
	if (op->cancelled) {
		op->result.detached = TRUE;
		complete_cancelled(task);
		return;
	}
	if (op->sock < 0) {
		read_message(task, op->m->sync, 0, on_exit_message);
		return;
	}
	op->stream = attach_stream_start(op->ctx, g_steal_fd(&op->sock), op->s->dir,
					 op->o->options.streams, &op->keys, op->o->options.resize,
					 on_stream_done, task);
}

/* {"data": 0} once the socket exists (docs/conmon-contract.md, "Attach pipe"); then the
 * second start byte lets the runtime exec, so no output is missed. */
static void on_attach_message(GTask *task, int value, const char *message, GError *error)
{
	ExecOp *op = g_task_get_task_data(task);

	if (error == NULL)
		op->sock = attach_connect(op->s->dir, &error);
	if (error != NULL) {
		g_debug("exec '%s': no attach: %s", op->session_id, error->message);
		op->attach_error = error;
	}
	monitor_send_start(op->m->start_fd);
	vigil_clear_fd(&op->m->start_fd);
	read_message(task, op->m->sync, MONITOR_SYNC_TIMEOUT_S, on_pid_message);
}

/* Back on the caller's context with the monitor running. */
static void launched(GTask *task)
{
	ExecOp *op = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);

	if (cancellable != NULL) {
		op->cancel_source = g_cancellable_source_new(cancellable);
		g_source_set_callback(op->cancel_source, G_SOURCE_FUNC(on_cancelled), task, NULL);
		g_source_attach(op->cancel_source, op->ctx);
	}
	if (op->o->options.streams != NULL)
		read_message(task, op->m->attach, MONITOR_SYNC_TIMEOUT_S, on_attach_message);
	else
		read_message(task, op->m->sync, MONITOR_SYNC_TIMEOUT_S, on_pid_message);
}

static gboolean launch(ExecOp *op, GError **error)
{
	op->m = exec_launch(op->rt, op->id, op->session_id, &op->o->options, &op->ctr, &op->s,
			    error);
	return op->m != NULL;
}

static void launch_thread(GTask *t, gpointer source, gpointer task_data, GCancellable *c)
{
	GError *error = NULL;

	if (launch(task_data, &error))
		g_task_return_boolean(t, TRUE);
	else
		g_task_return_error(t, error);
}

static void on_launched(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	GError *error = NULL;

	if (!g_task_propagate_boolean(G_TASK(result), &error)) {
		complete(task, error);
		return;
	}
	launched(task);
}

static void exec_begin(VigilRuntime *rt, const char *id, const char *session_id,
		       const VigilExecOptions *options, gboolean in_thread,
		       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	ExecOp *op = g_new0(ExecOp, 1);
	GError *error = NULL;

	op->rt = rt;
	op->id = g_strdup(id);
	op->session_id = g_strdup(session_id);
	op->o = exec_launch_options_copy(options);
	op->in_thread = in_thread;
	op->sock = -1;
	op->result.exit_code = -1;
	op->ctx = g_main_context_ref_thread_default();
	g_task_set_task_data(task, op, (GDestroyNotify)exec_op_free);
	if (!exec_launch_check(session_id, options, &op->keys, &error)) {
		complete(task, error);
		return;
	}
	if (in_thread) {
		GTask *t = g_task_new(NULL, NULL, on_launched, task);

		g_task_set_task_data(t, op, NULL);
		g_task_run_in_thread(t, launch_thread);
		g_object_unref(t);
		return;
	}
	if (!launch(op, &error)) {
		complete(task, error);
		return;
	}
	launched(task);
}

void vigil_runtime_exec_container_async(VigilRuntime *rt, const char *id, const char *session_id,
					const VigilExecOptions *options, GCancellable *cancellable,
					GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(rt != NULL && id != NULL && session_id != NULL && options != NULL);
	exec_begin(rt, id, session_id, options, TRUE, cancellable, callback, user_data);
}

gboolean vigil_runtime_exec_container_finish(VigilRuntime *rt, GAsyncResult *result,
					     VigilExecResult *out_result, GError **error)
{
	ExecOp *op;

	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	op = g_task_get_task_data(G_TASK(result));
	/* Also on failure: a session that started and whose attach broke is still reported. */
	if (out_result != NULL)
		*out_result = op->result;
	return g_task_propagate_boolean(G_TASK(result), error);
}

typedef struct {
	VigilRuntime *rt;
	const char *id;
	const char *session_id;
	const VigilExecOptions *options;
} ExecCall;

static void exec_call_start(gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
	ExecCall *c = data;

	/* Blocking anyway: the launch runs here, not in a worker. */
	exec_begin(c->rt, c->id, c->session_id, c->options, FALSE, NULL, callback, user_data);
}

gboolean vigil_runtime_exec_container(VigilRuntime *rt, const char *id, const char *session_id,
				      const VigilExecOptions *options, VigilExecResult *out_result,
				      GError **error)
{
	ExecCall call = { rt, id, session_id, options };
	g_autoptr(GAsyncResult) result = NULL;
	DetachKeys keys;

	g_return_val_if_fail(rt != NULL && id != NULL && session_id != NULL && options != NULL,
			     FALSE);
	/* Checked before the private context exists: its wakeup fd could take fd 3 and make an
	 * unopened --preserve-fds look open. */
	if (!exec_launch_check(session_id, options, &keys, error)) {
		g_prefix_error(error, "exec '%s' in '%s': ", session_id, id);
		if (out_result != NULL)
			*out_result = (VigilExecResult){ .exit_code = -1 };
		return FALSE;
	}
	result = sync_loop_run(exec_call_start, &call);
	return vigil_runtime_exec_container_finish(rt, result, out_result, error);
}
