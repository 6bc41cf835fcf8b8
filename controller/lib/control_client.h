/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * The client side of a monitor's control socket (docs/control.md): SOCK_STREAM at
 * <dir>/control, reached through /proc/self/fd/<O_PATH fd> so a long state path still fits
 * sun_path; one JSON request per line, one reply line each, event lines after a subscribe.
 * Lines from the monitor are read into a bounded buffer (CONTROL_LINE_MAX) and parsed with
 * json_util's bounded parser.
 */
#define CONTROL_SOCKET   "control"
#define CONTROL_LINE_MAX 65536

typedef struct _ControlConn ControlConn;

/*
 * Connect to <dir>/control; timeout_ms (< 0: none) bounds a connect to a monitor whose
 * backlog is full. The socket is non-blocking and close-on-exec. NULL with the connect's
 * errno: control_error_is_gone() tells the ones that mean no monitor serves the socket.
 */
ControlConn *control_conn_new(const char *dir, int timeout_ms, GError **error);
void control_conn_free(ControlConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ControlConn, control_conn_free)

int control_conn_fd(const ControlConn *c);

/* Send {"v":1,"op":"<op>"} and its newline (a fresh socket takes a short line at once). */
gboolean control_conn_send(ControlConn *c, const char *op, GError **error);

/*
 * The next complete line from the monitor, parsed: its root is an object. Waits in poll()
 * until deadline (monotonic µs, < 0: forever): ETIMEDOUT. ECONNRESET when the monitor closed
 * the connection first (it went away), EPROTO for a line longer than CONTROL_LINE_MAX or one
 * that is no JSON object.
 */
JsonParser *control_conn_read(ControlConn *c, gint64 deadline, GError **error);

/*
 * For a caller with its own main loop: read what the socket has without blocking, then
 * return the next complete line as control_conn_read() does. NULL with no error when no
 * complete line is there yet (wait for the fd to be readable again).
 */
JsonParser *control_conn_read_nonblock(ControlConn *c, GError **error);

/*
 * The object of a reply line: ok true gives it; ok false becomes a GError from its error
 * member (control_error_code()); an event line or one without "ok" is EPROTO.
 */
JsonObject *control_reply_object(JsonParser *line, GError **error);

/* The errno a reply's error code maps to: ENOTSUP for an op or version the monitor does not
 * have, EACCES for permission-denied, EIO for failed, EPROTO for a request it could not read
 * (a bug on our side) and for a code this client does not know. */
int control_error_code(const char *code);

/*
 * TRUE when error says nobody serves the socket, so the caller should fall back to the
 * exit file and the runtime: no socket (ENOENT), a socket left behind by a killed monitor
 * (ECONNREFUSED), a connection closed before the reply (ECONNRESET, EPIPE), or one we may
 * not use (EACCES, EPERM: the socket is its owner's only).
 */
gboolean control_error_is_gone(const GError *error);

/* Connect, send op, and read its reply, all within timeout_ms (< 0: none). The reply line
 * (its object through control_reply_object()), or NULL. */
JsonParser *control_call(const char *dir, const char *op, int timeout_ms, GError **error);
