/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "error_util.h"
#include "fdutil.h"
#include "json_util.h"
#include "paths.h"
#include "proc.h"

struct _ControlConn {
	int fd;
	GByteArray *buf; /* what was read and not yet taken as a line */
	gboolean eof;
};

ControlConn *control_conn_new(const char *dir, int timeout_ms, GError **error)
{
	vigil_autofd int dfd = paths_open_dir(dir, error);
	vigil_autofd int sock = -1;
	struct sockaddr_un addr;
	socklen_t len;
	ControlConn *c;

	if (dfd < 0 || !paths_sockaddr_at(dfd, CONTROL_SOCKET, &addr, &len, error))
		return NULL;
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return vigil_throw_errno(error, "socket"), NULL;
	/* A unix connect waits while the listener's backlog is full (a monitor that stopped
	 * accepting); the send timeout bounds that wait. */
	if (timeout_ms >= 0) {
		int ms = MAX(timeout_ms, 1);
		struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
		(void)setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
	if (connect(sock, (struct sockaddr *)&addr, len) < 0) {
		if (errno == EAGAIN || errno == EINPROGRESS)
			return vigil_throw(error, ETIMEDOUT, "connect to '%s/%s': timed out", dir,
					   CONTROL_SOCKET),
			       NULL;
		return vigil_throw_errno(error, "connect to '%s/%s'", dir, CONTROL_SOCKET), NULL;
	}
	if (fd_set_nonblock(sock, TRUE) < 0)
		return vigil_throw_errno(error, "connect to '%s/%s'", dir, CONTROL_SOCKET), NULL;
	c = g_new0(ControlConn, 1);
	c->fd = g_steal_fd(&sock);
	c->buf = g_byte_array_sized_new(4096);
	return c;
}

void control_conn_free(ControlConn *c)
{
	if (c == NULL)
		return;
	vigil_clear_fd(&c->fd);
	g_byte_array_unref(c->buf);
	g_free(c);
}

int control_conn_fd(const ControlConn *c)
{
	return c->fd;
}

gboolean control_conn_send(ControlConn *c, const char *op, GError **error)
{
	g_autofree char *line = g_strdup_printf("{\"v\":1,\"op\":\"%s\"}\n", op);
	gsize len = strlen(line);
	gssize n;

	/* MSG_NOSIGNAL: a monitor that is gone is an error here, not a SIGPIPE. */
	do
		n = send(c->fd, line, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vigil_throw_errno(error, "send '%s' to the monitor", op);
	if ((gsize)n != len)
		return vigil_throw(error, EIO, "send '%s' to the monitor: short write", op);
	return TRUE;
}

/* Read once into the buffer, never past a line's bound. Bytes read, 0 at EOF, or -errno. */
static gssize fill(ControlConn *c)
{
	guint old = c->buf->len;
	gsize room = CONTROL_LINE_MAX - old;
	gssize n;

	g_byte_array_set_size(c->buf, old + (guint)room);
	n = fd_read_once(c->fd, c->buf->data + old, room);
	g_byte_array_set_size(c->buf, old + (guint)MAX(n, 0));
	/* A reset is the monitor going away mid-line, like an EOF. */
	if (n == 0 || n == -ECONNRESET) {
		c->eof = TRUE;
		return 0;
	}
	return n;
}

/* The first complete line in the buffer, parsed; NULL with no error if there is none yet. */
static JsonParser *take_line(ControlConn *c, GError **error)
{
	guint8 *nl = memchr(c->buf->data, '\n', c->buf->len);
	g_autoptr(JsonParser) parser = NULL;
	gsize len;

	if (nl == NULL) {
		if (c->buf->len >= CONTROL_LINE_MAX)
			return vigil_throw(error, EPROTO,
					   "a line from the monitor is longer than %d bytes",
					   CONTROL_LINE_MAX),
			       NULL;
		if (c->eof)
			return vigil_throw(error, ECONNRESET, "the monitor closed the connection"),
			       NULL;
		return NULL;
	}
	len = (gsize)(nl - c->buf->data);
	parser = json_util_parse((const char *)c->buf->data, len, CONTROL_LINE_MAX, error);
	g_byte_array_remove_range(c->buf, 0, (guint)len + 1);
	if (parser == NULL) {
		g_prefix_error(error, "a line from the monitor: ");
		return NULL;
	}
	if (json_util_root_object(parser) == NULL)
		return vigil_throw(error, EPROTO, "a line from the monitor is no JSON object"),
		       NULL;
	return g_steal_pointer(&parser);
}

JsonParser *control_conn_read(ControlConn *c, gint64 deadline, GError **error)
{
	for (;;) {
		GError *local = NULL;
		JsonParser *line = take_line(c, &local);
		struct pollfd p = { c->fd, POLLIN, 0 };
		int timeout, r;
		gssize n;

		if (line != NULL || local != NULL) {
			if (local != NULL)
				g_propagate_error(error, local);
			return line;
		}
		timeout = proc_poll_timeout(deadline);
		r = poll(&p, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vigil_throw_errno(error, "wait for the monitor"), NULL;
		if (r == 0 && timeout == 0)
			return vigil_throw(error, ETIMEDOUT, "the monitor did not answer in time"),
			       NULL;
		if (r == 0)
			continue;
		n = fill(c);
		if (n < 0 && n != -EAGAIN)
			return vigil_throw_errsv(error, (int)-n, "read from the monitor"), NULL;
	}
}

JsonParser *control_conn_read_nonblock(ControlConn *c, GError **error)
{
	for (;;) {
		GError *local = NULL;
		JsonParser *line = take_line(c, &local);
		gssize n;

		if (line != NULL || local != NULL) {
			if (local != NULL)
				g_propagate_error(error, local);
			return line;
		}
		n = fill(c);
		if (n == -EAGAIN)
			return NULL;
		if (n < 0)
			return vigil_throw_errsv(error, (int)-n, "read from the monitor"), NULL;
	}
}

int control_error_code(const char *code)
{
	static const struct {
		const char *code;
		int errsv;
	} codes[] = {
		{ "unknown-op", ENOTSUP },
		{ "unsupported-version", ENOTSUP },
		{ "not-supported", ENOTSUP },
		{ "permission-denied", EACCES },
		{ "failed", EIO },
		{ "bad-json", EPROTO },
		{ "bad-request", EPROTO },
		{ "too-long", EPROTO },
	};

	for (gsize i = 0; code != NULL && i < G_N_ELEMENTS(codes); i++) {
		if (g_str_equal(code, codes[i].code))
			return codes[i].errsv;
	}
	return EPROTO;
}

JsonObject *control_reply_object(JsonParser *line, GError **error)
{
	JsonObject *o = json_util_root_object(line);
	JsonNode *ok = o != NULL ? json_object_get_member(o, "ok") : NULL;
	JsonObject *e;
	const char *code, *message;
	gint64 v = 1;

	if (o == NULL)
		return vigil_throw(error, EPROTO, "the monitor's reply is no JSON object"), NULL;
	if (json_util_int(o, "v", &v) && v != 1)
		return vigil_throw(error, EPROTO, "the monitor speaks protocol %" G_GINT64_FORMAT,
				   v),
		       NULL;
	if (json_object_has_member(o, "event"))
		return vigil_throw(error, EPROTO, "the monitor sent an event, not a reply"), NULL;
	if (ok == NULL || !JSON_NODE_HOLDS_VALUE(ok) ||
	    json_node_get_value_type(ok) != G_TYPE_BOOLEAN)
		return vigil_throw(error, EPROTO, "the monitor's reply has no \"ok\""), NULL;
	if (json_node_get_boolean(ok))
		return o;
	e = json_util_object(o, "error");
	code = json_util_string(e, "code");
	message = json_util_string(e, "message");
	vigil_throw(error, control_error_code(code), "the monitor: %s (%s)",
		    message != NULL ? message : "failed", code != NULL ? code : "no code");
	return NULL;
}

gboolean control_error_is_gone(const GError *error)
{
	static const int gone[] = {
		ENOENT, ENOTDIR, ECONNREFUSED, ECONNRESET, EPIPE, EACCES, EPERM
	};

	if (error == NULL || error->domain != VIGIL_ERROR)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(gone); i++) {
		if (error->code == gone[i])
			return TRUE;
	}
	return FALSE;
}

JsonParser *control_call(const char *dir, const char *op, int timeout_ms, GError **error)
{
	gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_autoptr(ControlConn) c = control_conn_new(dir, timeout_ms, error);

	if (c == NULL || !control_conn_send(c, op, error))
		return NULL;
	return control_conn_read(c, deadline, error);
}
