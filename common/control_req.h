/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * One request line of the control socket (docs/control.md, "Framing" and "Requests"): a flat
 * JSON object read without a JSON library, since the monitor links glib only
 * (docs/architecture.md, "Memory").
 *
 * The reader is strict where JSON is: UTF-8 only, strings with every JSON escape (\uXXXX,
 * surrogate pairs paired), numbers in JSON's grammar, nothing after the object. It is
 * narrower than JSON in one way, on purpose: member values are strings, numbers, true, false
 * or null; an object or array as a value is refused (no request needs one). Members it does
 * not know are ignored, so later versions can add optional ones; a known member given twice
 * is refused rather than guessed at.
 *
 * Errors are in VIGIL_ERROR; control_req_error_code() names the wire code of each:
 *   EBADMSG          bad-json              the line is not a JSON object
 *   EINVAL, ERANGE   bad-request           a member missing, of the wrong type or range
 *   EPROTONOSUPPORT  unsupported-version   "v" is not CONTROL_REQ_VERSION
 *   EOPNOTSUPP       unknown-op            "op" names no operation
 */

/* The protocol version this monitor speaks ("v"). */
#define CONTROL_REQ_VERSION 1

/* The longest request line, its newline included (docs/control.md, "Framing"). */
#define CONTROL_REQ_LINE_MAX 65536

/* rows and cols of a resize: what a struct winsize holds. */
#define CONTROL_REQ_SIZE_MAX 65535

typedef enum {
	CONTROL_OP_VERSION,
	CONTROL_OP_STATE,
	CONTROL_OP_WAIT,
	CONTROL_OP_RESIZE,
	CONTROL_OP_REOPEN_LOG,
	CONTROL_OP_STATS,
	CONTROL_OP_SUBSCRIBE,
	_CONTROL_OP_MAX,
} ControlOp;

typedef enum {
	CONTROL_ID_NONE,
	CONTROL_ID_INT,
	CONTROL_ID_STRING,
} ControlIdKind;

/* The request's "id", echoed in its reply. */
typedef struct {
	ControlIdKind kind;
	gint64 num;    /* CONTROL_ID_INT */
	char *str;     /* CONTROL_ID_STRING: decoded, may hold NUL bytes; NUL-terminated too */
	gsize str_len; /* its length in bytes */
} ControlId;

typedef struct {
	ControlOp op;
	ControlId id;
	int rows; /* CONTROL_OP_RESIZE */
	int cols;
} ControlReq;

/* Free what req owns and zero it; safe on a zeroed or already cleared req. */
void control_req_clear(ControlReq *req);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ControlReq, control_req_clear)

/*
 * Parse one request line (len bytes, without its '\n'; any bytes). out must be zeroed or
 * cleared. On success *out is the request. On failure it holds only the id, when the line
 * was an object with a well-formed "id", so the error reply can still echo it; clear it
 * either way.
 */
gboolean control_req_parse(const char *line, gsize len, ControlReq *out, GError **error);

/* "version", "state", …: the op's name on the wire. */
const char *control_op_name(ControlOp op);

/* The wire code for an error from control_req_parse() ("bad-json", "bad-request",
 * "unsupported-version", "unknown-op"); "failed" for any other error. */
const char *control_req_error_code(const GError *error);

/* Copy an id (the reply of a deferred request echoes it later). */
void control_id_copy(ControlId *dst, const ControlId *src);
void control_id_clear(ControlId *id);
