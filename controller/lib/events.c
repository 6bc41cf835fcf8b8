/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <vigil/control.h>

#include "control_msg.h"
#include "control_target.h"
#include "error_util.h"
#include "exit_wait.h"
#include "json_util.h"

/* The monitor answers subscribe at once; a slow answer means a stuck one. */
#define SUBSCRIBE_TIMEOUT_MS 10000

struct _VigilEventStream {
	char *id;
	ControlConn *conn;
	gboolean ended; /* the exit event was returned: nothing follows it */
};

void vigil_event_stream_free(VigilEventStream *stream)
{
	if (stream == NULL)
		return;
	g_clear_pointer(&stream->conn, control_conn_free);
	g_free(stream->id);
	g_free(stream);
}

static ControlConn *subscribe(VigilRuntime *rt, const char *id, const char *session_id,
			      GError **error)
{
	g_auto(ControlTarget) t = { 0 };
	g_autoptr(JsonParser) line = NULL;

	if (!control_target_find(rt, id, session_id, &t, error))
		return NULL;
	return control_target_request(&t, "subscribe", SUBSCRIBE_TIMEOUT_MS, &line, error);
}

VigilEventStream *vigil_runtime_subscribe(VigilRuntime *rt, const char *id, const char *session_id,
					  GError **error)
{
	VigilEventStream *stream;
	ControlConn *c;

	g_return_val_if_fail(rt != NULL && id != NULL, NULL);
	c = subscribe(rt, id, session_id, error);
	if (c == NULL) {
		g_prefix_error(error, "events '%s': ", id);
		return NULL;
	}
	stream = g_new0(VigilEventStream, 1);
	stream->id = g_strdup(id);
	stream->conn = c;
	return stream;
}

static VigilEvent *next_event(VigilEventStream *stream, gint64 deadline, GError **error)
{
	for (;;) {
		g_autoptr(GError) local = NULL;
		g_autoptr(JsonParser) line = control_conn_read(stream->conn, deadline, &local);
		VigilEvent *ev;

		if (line == NULL && g_error_matches(local, VIGIL_ERROR, ECONNRESET)) {
			stream->ended = TRUE;
			return vigil_throw(error, ESRCH, "its monitor went away before the exit"),
			       NULL;
		}
		if (line == NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		/* Only events come after the subscribe's reply: we send nothing more. */
		if (!json_object_has_member(json_util_root_object(line), "event"))
			continue;
		ev = control_msg_event(json_util_root_object(line), error);
		if (ev != NULL && ev->type == VIGIL_EVENT_EXIT)
			stream->ended = TRUE;
		return ev;
	}
}

VigilEvent *vigil_event_stream_next(VigilEventStream *stream, int timeout_ms, GError **error)
{
	VigilEvent *ev;

	g_return_val_if_fail(stream != NULL, NULL);
	if (stream->ended)
		return NULL;
	ev = next_event(stream, exit_wait_deadline(timeout_ms), error);
	if (ev == NULL && error != NULL && *error != NULL)
		g_prefix_error(error, "events '%s': ", stream->id);
	return ev;
}

int vigil_event_stream_get_fd(VigilEventStream *stream)
{
	g_return_val_if_fail(stream != NULL, -1);
	return control_conn_fd(stream->conn);
}
