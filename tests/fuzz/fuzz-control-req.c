/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "control_req.h"
#include "error_util.h"
#include "fuzz-glib.h"
#include "json_writer.h"

/*
 * One control socket request line (docs/control.md, "Framing"): any bytes. Nothing may crash
 * or read past the line; a rejected line has a wire code and a message; an accepted one is
 * within the grammar's ranges, and written back out (its id through the monitor's JSON
 * writer) it parses to the same request.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const codes[] = { "bad-json", "bad-request", "unsupported-version",
				     "unknown-op" };

static void check_error(const GError *error)
{
	const char *code = control_req_error_code(error);
	gboolean known = FALSE;

	if (error == NULL || error->message[0] == '\0')
		abort();
	for (gsize i = 0; i < G_N_ELEMENTS(codes); i++)
		known |= strcmp(code, codes[i]) == 0;
	if (!known)
		abort();
}

/* A decoded string is UTF-8, with NULs where the line had \u0000. */
static gboolean utf8_with_nuls(const char *s, gsize len)
{
	const char *end = s + len;
	const char *stop = NULL;

	while (!g_utf8_validate_len(s, (gsize)(end - s), &stop)) {
		if (*stop != '\0')
			return FALSE;
		s = stop + 1;
	}
	return TRUE;
}

static void check_round_trip(const ControlReq *req)
{
	g_autoptr(GString) line = g_string_new("{\"v\":1,\"op\":");
	ControlReq again = { 0 };
	GError *error = NULL;

	json_append_string(line, control_op_name(req->op), -1);
	if (req->id.kind == CONTROL_ID_INT) {
		g_string_append_printf(line, ",\"id\":%" G_GINT64_FORMAT, req->id.num);
	} else if (req->id.kind == CONTROL_ID_STRING) {
		g_string_append(line, ",\"id\":");
		json_append_string(line, req->id.str, (gssize)req->id.str_len);
	}
	g_string_append_printf(line, ",\"rows\":%d,\"cols\":%d}", req->rows, req->cols);
	if (!control_req_parse(line->str, line->len, &again, &error))
		abort();
	if (again.op != req->op || again.id.kind != req->id.kind || again.rows != req->rows ||
	    again.cols != req->cols)
		abort();
	if (req->id.kind == CONTROL_ID_INT && again.id.num != req->id.num)
		abort();
	if (req->id.kind == CONTROL_ID_STRING &&
	    (again.id.str_len != req->id.str_len ||
	     memcmp(again.id.str, req->id.str, req->id.str_len) != 0))
		abort();
	control_req_clear(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ControlReq req = { 0 };
	GError *error = NULL;

	fuzz_glib_fatal_criticals();
	if (size > CONTROL_REQ_LINE_MAX)
		return 0;
	if (control_req_parse((const char *)data, size, &req, &error)) {
		if ((guint)req.op >= _CONTROL_OP_MAX)
			abort();
		if (req.op == CONTROL_OP_RESIZE &&
		    (req.rows < 0 || req.rows > CONTROL_REQ_SIZE_MAX || req.cols < 0 ||
		     req.cols > CONTROL_REQ_SIZE_MAX))
			abort();
		if (req.id.kind == CONTROL_ID_STRING &&
		    (req.id.str == NULL || req.id.str[req.id.str_len] != '\0' ||
		     !utf8_with_nuls(req.id.str, req.id.str_len)))
			abort();
		check_round_trip(&req);
	} else {
		check_error(error);
		if (req.id.kind == CONTROL_ID_STRING && req.id.str == NULL)
			abort();
	}
	g_clear_error(&error);
	control_req_clear(&req);
	return 0;
}
