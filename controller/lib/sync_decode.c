/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "sync_decode.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "error_util.h"
#include "fdutil.h"
#include "json_util.h"
#include "proc.h"

/* A message is at most 8191 bytes of runtime stderr, escaped (<= 6 bytes each). */
#define SYNC_LINE_MAX (64 * 1024)

gboolean sync_decode(const char *line, gsize len, int *out_value, char **out_message,
		     GError **error)
{
	static const char *const keys[] = { "data", "pid", "exit_code" };
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	JsonObject *o;
	JsonNode *value = NULL, *message;
	gint64 v;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	/* The reader lets a line grow by one read past SYNC_LINE_MAX before refusing it. */
	parser = json_util_parse(line, len, 2 * SYNC_LINE_MAX, &local);
	if (parser == NULL)
		return vigil_throw(error, EPROTO, "bad message from the monitor: %s",
				   local->message);
	o = json_util_root_object(parser);
	if (o == NULL)
		return vigil_throw(error, EPROTO, "bad message from the monitor: not an object");
	for (gsize i = 0; value == NULL && i < G_N_ELEMENTS(keys); i++)
		value = json_object_get_member(o, keys[i]);
	if (value == NULL || !JSON_NODE_HOLDS_VALUE(value) ||
	    json_node_get_value_type(value) != G_TYPE_INT64)
		return vigil_throw(error, EPROTO, "bad message from the monitor: no number in it");
	v = json_node_get_int(value);
	if (v < G_MININT || v > G_MAXINT)
		return vigil_throw(
			error, EPROTO,
			"bad message from the monitor: %" G_GINT64_FORMAT " is out of range", v);
	message = json_object_get_member(o, "message");
	if (message != NULL &&
	    (!JSON_NODE_HOLDS_VALUE(message) || json_node_get_value_type(message) != G_TYPE_STRING))
		return vigil_throw(error, EPROTO,
				   "bad message from the monitor: message is not a string");
	*out_value = (int)v;
	/* json-glib decodes a lone low-surrogate escape ("\udc00".."\udfff") to bytes that are
	 * not UTF-8; the message ends up in GErrors and in our own JSON output, so it is made
	 * valid here, as the monitor's writer does with the runtime's bytes. */
	if (out_message != NULL)
		*out_message = message != NULL
				       ? g_utf8_make_valid(json_node_get_string(message), -1)
				       : NULL;
	return TRUE;
}

struct _SyncReader {
	int fd;
	GString *buf;
	gboolean eof;
};

SyncReader *sync_reader_new(int fd)
{
	SyncReader *r = g_new0(SyncReader, 1);

	/* Our end of a pair made for this monitor: reads must never block a main loop. */
	(void)fd_set_nonblock(fd, TRUE);
	r->fd = fd;
	r->buf = g_string_new(NULL);
	return r;
}

void sync_reader_free(SyncReader *r)
{
	if (r == NULL)
		return;
	vigil_clear_fd(&r->fd);
	g_string_free(r->buf, TRUE);
	g_free(r);
}

int sync_reader_get_fd(SyncReader *r)
{
	return r->fd;
}

SyncRead sync_reader_try(SyncReader *r, int *out_value, char **out_message, GError **error)
{
	char *nl;

	while ((nl = memchr(r->buf->str, '\n', r->buf->len)) == NULL) {
		gsize old_len = r->buf->len;

		if (r->eof) {
			vigil_throw(error, EPIPE,
				    "the monitor closed the sync pipe without a message");
			return SYNC_READ_ERROR;
		}
		if (r->buf->len > SYNC_LINE_MAX) {
			vigil_throw(error, EPROTO, "bad message from the monitor: too long");
			return SYNC_READ_ERROR;
		}
		/* Room for a whole message: on the SOCK_SEQPACKET pair a read shorter than the
		 * message silently drops its tail, and with it the '\n' (a long runtime error). */
		g_string_set_size(r->buf, old_len + SYNC_LINE_MAX);
		gssize got = fd_read_once(r->fd, r->buf->str + old_len, SYNC_LINE_MAX);
		g_string_set_size(r->buf, old_len + (gsize)MAX(got, 0));
		if (got == -EAGAIN || got == -EINTR)
			return SYNC_READ_AGAIN;
		if (got < 0) {
			vigil_throw_errsv(error, (int)-got, "read the sync pipe");
			return SYNC_READ_ERROR;
		}
		if (got == 0)
			r->eof = TRUE;
	}
	gsize len = (gsize)(nl - r->buf->str) + 1;
	gboolean ok = sync_decode(r->buf->str, len, out_value, out_message, error);
	g_string_erase(r->buf, 0, (gssize)len);
	return ok ? SYNC_READ_MESSAGE : SYNC_READ_ERROR;
}

gboolean sync_reader_next(SyncReader *r, gint64 deadline, int *out_value, char **out_message,
			  GError **error)
{
	for (;;) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		int n;

		switch (sync_reader_try(r, out_value, out_message, error)) {
		case SYNC_READ_MESSAGE:
			return TRUE;
		case SYNC_READ_ERROR:
			return FALSE;
		case SYNC_READ_AGAIN:
			break;
		}
		n = poll(&p, 1, proc_poll_timeout(deadline));
		if (n < 0 && errno != EINTR)
			return vigil_throw_errno(error, "wait for the monitor");
		if (n == 0)
			return vigil_throw(error, ETIMEDOUT, "the monitor did not answer in time");
	}
}
