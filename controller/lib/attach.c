/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "attach_conn.h"
#include "attach_stream.h"
#include "container.h"
#include "detach_keys.h"
#include "error_util.h"
#include "exec_session.h"
#include "fdutil.h"
#include "sync_loop.h"

/* The directory of the container's (or session's) attach socket and ctl FIFO, checked to
 * be in a state that has them. */
static char *attach_dir(VigilRuntime *rt, const char *id, const char *session_id, gboolean start,
			GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;

	if (h == NULL)
		return NULL;
	if (session_id != NULL) {
		s = exec_session_load(h->ctr, session_id, error);
		if (s == NULL)
			return NULL;
		if (!exec_session_running(s)) {
			vigil_throw(error, EBUSY, "exec session '%s' has ended", session_id);
			return NULL;
		}
		return g_strdup(s->dir);
	}
	if (h->ctr->status == VIGIL_STATUS_STOPPED ||
	    (start && h->ctr->status != VIGIL_STATUS_CREATED)) {
		vigil_throw(error, EBUSY, "it is %s", vigil_status_to_string(h->ctr->status));
		return NULL;
	}
	return g_strdup(h->ctr->state_dir);
}

/* One attach, from the look-up to the end of the stream. The options are copied: the caller's
 * structs need only live for the _async call (its fds until the callback). */
typedef struct {
	VigilRuntime *rt;
	char *id;
	char *session_id;
	VigilAttachStreams streams;
	VigilResizeSource resize;
	gboolean has_resize;
	gboolean start;
	DetachKeys keys;
	gboolean in_thread; /* the look-up runs in GLib's worker pool (the _async call) */
	char *dir;
	int sock;
	AttachStream *stream;
	GSource *cancel_source;
	GMainContext *ctx;
} AttachOp;

static void attach_op_free(AttachOp *op)
{
	g_clear_pointer(&op->stream, attach_stream_free);
	if (op->cancel_source != NULL) {
		g_source_destroy(op->cancel_source);
		g_source_unref(op->cancel_source);
	}
	vigil_clear_fd(&op->sock);
	g_free(op->id);
	g_free(op->session_id);
	g_free(op->dir);
	g_main_context_unref(op->ctx);
	g_free(op);
}

/* Takes the container's lock and may run the runtime's start: in the worker when async.
 * Connected (and sized) before the start, like podman: no output is missed, and the first
 * thing the container sees is the right terminal size. The lock is not held while attached:
 * that may last as long as the container. */
static gboolean look_up(AttachOp *op, GError **error)
{
	op->dir = attach_dir(op->rt, op->id, op->session_id, op->start, error);
	if (op->dir == NULL || (op->sock = attach_connect(op->dir, error)) < 0) {
		g_prefix_error(error, "attach '%s': ", op->id);
		return FALSE;
	}
	if (op->start && op->has_resize)
		attach_resize_from_tty(op->dir, op->resize.tty_fd);
	return !op->start || vigil_runtime_start_container(op->rt, op->id, error);
}

static void on_stream_done(gboolean detached, GError *error, gpointer user_data)
{
	GTask *task = user_data;
	AttachOp *op = g_task_get_task_data(task);

	if (op->cancel_source != NULL) {
		g_source_destroy(op->cancel_source);
		g_clear_pointer(&op->cancel_source, g_source_unref);
	}
	if (error != NULL) {
		g_task_return_new_error(task, error->domain, error->code, "attach '%s': %s", op->id,
					error->message);
	} else if (detached && g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
		g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
					"attach '%s': cancelled", op->id);
	} else {
		g_task_return_int(task, detached);
	}
	g_object_unref(task);
}

static gboolean on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	AttachOp *op = user_data;

	g_clear_pointer(&op->cancel_source, g_source_unref);
	/* As the detach keys would: the container carries on, without this client. */
	if (op->stream != NULL)
		attach_stream_detach(op->stream);
	return G_SOURCE_REMOVE;
}

/* Back on the caller's context with the socket: stream it there. */
static void stream(GTask *task)
{
	AttachOp *op = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);

	if (g_task_return_error_if_cancelled(task)) {
		g_object_unref(task);
		return;
	}
	op->stream = attach_stream_start(op->ctx, g_steal_fd(&op->sock), op->dir, &op->streams,
					 &op->keys, op->has_resize ? &op->resize : NULL,
					 on_stream_done, task);
	if (cancellable != NULL) {
		op->cancel_source = g_cancellable_source_new(cancellable);
		g_source_set_callback(op->cancel_source, G_SOURCE_FUNC(on_cancelled), op, NULL);
		g_source_attach(op->cancel_source, op->ctx);
	}
}

static void look_up_thread(GTask *t, gpointer source, gpointer task_data, GCancellable *c)
{
	GError *error = NULL;

	if (look_up(task_data, &error))
		g_task_return_boolean(t, TRUE);
	else
		g_task_return_error(t, error);
}

static void on_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	GError *error = NULL;

	if (!g_task_propagate_boolean(G_TASK(result), &error)) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	stream(task);
}

static void attach_begin(VigilRuntime *rt, const char *id, const char *session_id,
			 const VigilAttachOptions *options, gboolean in_thread,
			 GCancellable *cancellable, GAsyncReadyCallback callback,
			 gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	AttachOp *op = g_new0(AttachOp, 1);
	GError *error = NULL;

	op->rt = rt;
	op->id = g_strdup(id);
	op->session_id = g_strdup(session_id);
	op->streams = *options->streams;
	op->has_resize = options->resize != NULL;
	if (op->has_resize)
		op->resize = *options->resize;
	op->start = options->start;
	op->in_thread = in_thread;
	op->sock = -1;
	op->ctx = g_main_context_ref_thread_default();
	g_task_set_task_data(task, op, (GDestroyNotify)attach_op_free);
	/* Bad detach keys are refused before anything happens (above all, before a start). */
	if (!detach_keys_parse(options->detach_keys, &op->keys, &error)) {
		g_prefix_error(&error, "attach '%s': ", id);
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	if (in_thread) {
		GTask *t = g_task_new(NULL, NULL, on_looked_up, task);

		g_task_set_task_data(t, op, NULL);
		g_task_run_in_thread(t, look_up_thread);
		g_object_unref(t);
		return;
	}
	if (!look_up(op, &error)) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	stream(task);
}

void vigil_runtime_attach_async(VigilRuntime *rt, const char *id, const char *session_id,
				const VigilAttachOptions *options, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(rt != NULL && id != NULL && options != NULL && options->streams != NULL);
	attach_begin(rt, id, session_id, options, TRUE, cancellable, callback, user_data);
}

gboolean vigil_runtime_attach_finish(VigilRuntime *rt, GAsyncResult *result, gboolean *out_detached,
				     GError **error)
{
	gssize detached;

	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	detached = g_task_propagate_int(G_TASK(result), error);
	if (detached < 0)
		return FALSE;
	if (out_detached != NULL)
		*out_detached = detached != 0;
	return TRUE;
}

typedef struct {
	VigilRuntime *rt;
	const char *id;
	const char *session_id;
	const VigilAttachOptions *options;
} AttachCall;

static void attach_call_start(gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
	AttachCall *c = data;

	/* Blocking anyway: the look-up runs here, not in a worker. */
	attach_begin(c->rt, c->id, c->session_id, c->options, FALSE, NULL, callback, user_data);
}

gboolean vigil_runtime_attach(VigilRuntime *rt, const char *id, const char *session_id,
			      const VigilAttachOptions *options, gboolean *out_detached,
			      GError **error)
{
	AttachCall call = { rt, id, session_id, options };
	g_autoptr(GAsyncResult) result = NULL;

	g_return_val_if_fail(
		rt != NULL && id != NULL && options != NULL && options->streams != NULL, FALSE);
	result = sync_loop_run(attach_call_start, &call);
	return vigil_runtime_attach_finish(rt, result, out_detached, error);
}

gboolean vigil_runtime_reopen_log(VigilRuntime *rt, const char *id, const char *session_id,
				  GError **error)
{
	g_autofree char *dir = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	dir = attach_dir(rt, id, session_id, FALSE, error);
	/* CRI-O's ReopenContainerLog line (docs/conmon-contract.md, "ctl and winsz FIFOs"). */
	if (dir == NULL || !attach_ctl_send(dir, "2 0 0\n", "reopen the log", error)) {
		g_prefix_error(error, "reopen-log '%s': ", id);
		return FALSE;
	}
	return TRUE;
}

gboolean vigil_runtime_resize(VigilRuntime *rt, const char *id, const char *session_id, guint rows,
			      guint cols, GError **error)
{
	g_autofree char *dir = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	dir = attach_dir(rt, id, session_id, FALSE, error);
	if (dir == NULL || !attach_resize(dir, rows, cols, error)) {
		g_prefix_error(error, "resize '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
