/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "control_req.h"
#include "error_util.h"

static gboolean parse(const char *line, ControlReq *out, GError **error)
{
	/* A private copy of exactly the line's bytes, so a read past len is caught by ASan. */
	gsize len = strlen(line);
	g_autofree char *copy = g_memdup2(line, len);

	return control_req_parse(copy, len, out, error);
}

static void assert_op(const char *line, ControlOp op)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(parse(line, &req, &error));
	g_assert_no_error(error);
	g_assert_cmpint(req.op, ==, op);
}

static void assert_error(const char *line, int code, const char *wire, const char *message)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_false(parse(line, &req, &error));
	g_assert_error(error, VIGIL_ERROR, code);
	g_assert_cmpstr(control_req_error_code(error), ==, wire);
	if (message != NULL)
		g_assert_cmpstr(error->message, ==, message);
}

static void test_ops(void)
{
	g_test_summary("Every op of docs/control.md, as a client writes it");
	assert_op("{\"v\":1,\"op\":\"version\"}", CONTROL_OP_VERSION);
	assert_op("{\"v\":1,\"op\":\"state\"}", CONTROL_OP_STATE);
	assert_op("{\"v\":1,\"op\":\"wait\"}", CONTROL_OP_WAIT);
	assert_op("{\"v\":1,\"op\":\"reopen-log\"}", CONTROL_OP_REOPEN_LOG);
	assert_op("{\"v\":1,\"op\":\"stats\"}", CONTROL_OP_STATS);
	assert_op("{\"v\":1,\"op\":\"subscribe\"}", CONTROL_OP_SUBSCRIBE);
	/* members in any order, JSON whitespace anywhere between tokens */
	assert_op(" \t{ \"op\" : \"state\" ,\r\n \"v\" : 1 } \r", CONTROL_OP_STATE);
	for (int i = 0; i < _CONTROL_OP_MAX; i++) {
		g_autofree char *line =
			g_strdup_printf("{\"v\":1,\"op\":\"%s\",\"rows\":1,\"cols\":2}",
					control_op_name((ControlOp)i));
		assert_op(line, (ControlOp)i);
	}
}

static void test_resize(void)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_test_summary("resize takes rows and cols in 0..65535, nothing else");
	g_assert_true(parse("{\"v\":1,\"op\":\"resize\",\"rows\":40,\"cols\":120}", &req, &error));
	g_assert_cmpint(req.rows, ==, 40);
	g_assert_cmpint(req.cols, ==, 120);
	control_req_clear(&req);
	g_assert_true(parse("{\"cols\":65535,\"rows\":0,\"op\":\"resize\",\"v\":1}", &req, &error));
	g_assert_cmpint(req.rows, ==, 0);
	g_assert_cmpint(req.cols, ==, 65535);

	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":40}", EINVAL, "bad-request",
		     "member 'cols' is missing");
	assert_error("{\"v\":1,\"op\":\"resize\",\"cols\":40}", EINVAL, "bad-request",
		     "member 'rows' is missing");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":\"40\",\"cols\":1}", EINVAL,
		     "bad-request", "member 'rows' must be an integer");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":40.0,\"cols\":1}", EINVAL, "bad-request",
		     "member 'rows' must be an integer");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":1e2,\"cols\":1}", EINVAL, "bad-request",
		     "member 'rows' must be an integer");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":null,\"cols\":1}", EINVAL, "bad-request",
		     "member 'rows' must be an integer");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":65536,\"cols\":1}", ERANGE, "bad-request",
		     "member 'rows' is 65536, outside 0..65535");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":1,\"cols\":-1}", ERANGE, "bad-request",
		     "member 'cols' is -1, outside 0..65535");
	assert_error("{\"v\":1,\"op\":\"resize\",\"rows\":1,\"cols\":99999999999999999999}", EINVAL,
		     "bad-request", "member 'cols' must be an integer");
}

static void assert_int_id(const char *line, gint64 id)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(parse(line, &req, &error));
	g_assert_cmpint(req.id.kind, ==, CONTROL_ID_INT);
	g_assert_cmpint(req.id.num, ==, id);
}

static void assert_string_id(const char *line, const char *id, gsize id_len)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(parse(line, &req, &error));
	g_assert_no_error(error);
	g_assert_cmpint(req.id.kind, ==, CONTROL_ID_STRING);
	g_assert_cmpmem(req.id.str, req.id.str_len, id, id_len);
	g_assert_cmpint(req.id.str[req.id.str_len], ==, '\0');
}

static void test_ids(void)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_test_summary("id is a string or an integer in gint64, echoed as it came");
	g_assert_true(parse("{\"v\":1,\"op\":\"state\"}", &req, &error));
	g_assert_cmpint(req.id.kind, ==, CONTROL_ID_NONE);
	assert_int_id("{\"v\":1,\"op\":\"state\",\"id\":7}", 7);
	assert_int_id("{\"v\":1,\"op\":\"state\",\"id\":-0}", 0);
	assert_int_id("{\"v\":1,\"op\":\"state\",\"id\":9223372036854775807}", G_MAXINT64);
	assert_int_id("{\"v\":1,\"op\":\"state\",\"id\":-9223372036854775808}", G_MININT64);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":9223372036854775808}", EINVAL, "bad-request",
		     "member 'id' must be a string or an integer");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":-9223372036854775809}", EINVAL,
		     "bad-request", "member 'id' must be a string or an integer");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":1.5}", EINVAL, "bad-request", NULL);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":true}", EINVAL, "bad-request", NULL);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":null}", EINVAL, "bad-request", NULL);
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"\"}", "", 0);
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"req-1\"}", "req-1", 5);
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"a\\u0000b\"}", "a\0b", 3);
}

static void test_escapes(void)
{
	g_test_summary("Every JSON string escape, surrogate pairs paired, raw UTF-8 kept");
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
			 "\"\\/\b\f\n\r\t", 8);
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"\\u00e9\\u00E9\\u20ac\"}",
			 "\xc3\xa9\xc3\xa9\xe2\x82\xac", 7);
	/* U+1F600 as a surrogate pair, and raw */
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80",
			 4);
	assert_string_id("{\"v\":1,\"op\":\"state\",\"id\":\"\xf0\x9f\x98\x80\"}",
			 "\xf0\x9f\x98\x80", 4);
	/* an escaped op name is the same name */
	assert_op("{\"v\":1,\"op\":\"\\u0073tate\"}", CONTROL_OP_STATE);

	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\ud83d\"}", EBADMSG, "bad-json",
		     "bad JSON at byte 26: a high surrogate without a low one");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\ud83dx\"}", EBADMSG, "bad-json", NULL);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\ud83d\\u0041\"}", EBADMSG, "bad-json",
		     NULL);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\ude00\"}", EBADMSG, "bad-json",
		     "bad JSON at byte 26: a low surrogate without a high one");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\u12\"}", EBADMSG, "bad-json",
		     "bad JSON at byte 26: \\u needs four hex digits");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\u12g4\"}", EBADMSG, "bad-json", NULL);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\\x\"}", EBADMSG, "bad-json",
		     "bad JSON at byte 26: unknown escape in a string");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"a\tb\"}", EBADMSG, "bad-json",
		     "bad JSON at byte 27: a control character in a string");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"abc", EBADMSG, "bad-json",
		     "bad JSON at byte 25: unterminated string");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"abc\\", EBADMSG, "bad-json", NULL);
	/* invalid UTF-8, raw surrogates (CESU) and overlong forms included */
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\xff\"}", EBADMSG, "bad-json",
		     "the line is not valid UTF-8");
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\xed\xa0\xbd\"}", EBADMSG, "bad-json",
		     NULL);
	assert_error("{\"v\":1,\"op\":\"state\",\"id\":\"\xc0\xaf\"}", EBADMSG, "bad-json", NULL);
}

static void test_unknown_members(void)
{
	g_test_summary("Unknown members of every scalar kind are ignored");
	assert_op("{\"v\":1,\"op\":\"stats\",\"x\":1.5e-3,\"y\":true,\"z\":false,\"n\":null,"
		  "\"s\":\"\\u00e9\",\"\":-0.0,\"big\":123456789012345678901234567890}",
		  CONTROL_OP_STATS);
	/* rows and cols are ignored by ops that take none */
	assert_op("{\"v\":1,\"op\":\"state\",\"rows\":\"x\",\"cols\":-5}", CONTROL_OP_STATE);
	assert_error("{\"v\":1,\"op\":\"stats\",\"deep\":{\"a\":1}}", EINVAL, "bad-request",
		     "member 'deep' is an object: requests hold no nested values");
	assert_error("{\"v\":1,\"op\":\"stats\",\"list\":[1]}", EINVAL, "bad-request",
		     "member 'list' is an array: requests hold no nested values");
	assert_error("{\"v\":1,\"op\":\"stats\",\"op\":\"wait\"}", EINVAL, "bad-request",
		     "member 'op' is given twice");
	assert_error("{\"v\":1,\"v\":1,\"op\":\"stats\"}", EINVAL, "bad-request",
		     "member 'v' is given twice");
}

static void test_version_and_op(void)
{
	g_test_summary("v must be 1 and op one of the ops; each error has its wire code");
	assert_error("{\"op\":\"state\"}", EINVAL, "bad-request", "member 'v' is missing");
	assert_error("{\"v\":\"1\",\"op\":\"state\"}", EINVAL, "bad-request",
		     "member 'v' must be an integer");
	assert_error("{\"v\":1.0,\"op\":\"state\"}", EINVAL, "bad-request",
		     "member 'v' must be an integer");
	assert_error("{\"v\":2,\"op\":\"state\"}", EPROTONOSUPPORT, "unsupported-version",
		     "protocol version 2 is not supported (this monitor speaks 1)");
	/* the version is checked before the op: a v2 op is not "unknown" */
	assert_error("{\"v\":2,\"op\":\"frobnicate\"}", EPROTONOSUPPORT, "unsupported-version",
		     NULL);
	assert_error("{\"v\":1}", EINVAL, "bad-request", "member 'op' is missing");
	assert_error("{\"v\":1,\"op\":7}", EINVAL, "bad-request", "member 'op' must be a string");
	assert_error("{\"v\":1,\"op\":\"frobnicate\"}", EOPNOTSUPP, "unknown-op",
		     "unknown op 'frobnicate'");
	assert_error("{\"v\":1,\"op\":\"State\"}", EOPNOTSUPP, "unknown-op", NULL);
	assert_error("{\"v\":1,\"op\":\"state\\u0000\"}", EOPNOTSUPP, "unknown-op", NULL);
	/* a long unknown name is cut in the message */
	g_autofree char *name = g_strnfill(1000, 'x');
	g_autofree char *line = g_strdup_printf("{\"v\":1,\"op\":\"%s\"}", name);
	g_autofree char *shown = g_strnfill(64, 'x');
	g_autofree char *message = g_strdup_printf("unknown op '%s'...", shown);
	assert_error(line, EOPNOTSUPP, "unknown-op", message);
}

static void test_bad_json(void)
{
	g_test_summary("Anything that is not one JSON object is bad-json, never a crash");
	const char *lines[] = {
		"",
		"   ",
		"[]",
		"\"v\"",
		"1",
		"null",
		"{",
		"{\"v\":1,\"op\":\"state\"",
		"{\"v\":1,\"op\":\"state\",}",
		"{\"v\":1,,\"op\":\"state\"}",
		"{\"v\" 1}",
		"{v:1}",
		"{'v':1}",
		"{\"v\":01,\"op\":\"state\"}",
		"{\"v\":+1,\"op\":\"state\"}",
		"{\"v\":1.,\"op\":\"state\"}",
		"{\"v\":.5,\"op\":\"state\"}",
		"{\"v\":1e,\"op\":\"state\"}",
		"{\"v\":-,\"op\":\"state\"}",
		"{\"v\":1,\"op\":tru}",
		"{\"v\":1,\"op\":nulll}",
		"{\"v\":1,\"op\":\"state\"} x",
		"{\"v\":1,\"op\":\"state\"}{}",
		"{\"v\":1,\"op\":\"state\"}\x0b",
		"\xef\xbb\xbf{\"v\":1,\"op\":\"state\"}",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(lines); i++) {
		g_test_message("line %zu: %s", i, lines[i]);
		assert_error(lines[i], EBADMSG, "bad-json", NULL);
	}
	assert_error("[1]", EBADMSG, "bad-json", "the line is not a JSON object");
	assert_error("{\"v\":1} x", EBADMSG, "bad-json",
		     "bad JSON at byte 8: text after the object");
	assert_error("{\"v\":1,\"op\":\"state\",}", EBADMSG, "bad-json",
		     "bad JSON at byte 20: expected a member name");
}

static void test_binary(void)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;
	const char line[] = "{\"v\":1,\"op\":\"st\0ate\"}";

	g_test_summary("A NUL byte in the line (outside an escape) is bad-json");
	g_assert_false(control_req_parse(line, sizeof line - 1, &req, &error));
	g_assert_error(error, VIGIL_ERROR, EBADMSG);
}

static void test_id_kept_on_error(void)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	g_test_summary("A rejected request still carries its id, so the error reply echoes it");
	g_assert_false(parse("{\"v\":1,\"op\":\"nope\",\"id\":\"abc\"}", &req, &error));
	g_assert_cmpint(req.id.kind, ==, CONTROL_ID_STRING);
	g_assert_cmpstr(req.id.str, ==, "abc");
	control_req_clear(&req);
	g_clear_error(&error);
	g_assert_false(parse("{\"v\":3,\"id\":12}", &req, &error));
	g_assert_cmpint(req.id.kind, ==, CONTROL_ID_INT);
	g_assert_cmpint(req.id.num, ==, 12);
	control_req_clear(&req);
	g_clear_error(&error);
	/* no object, no id */
	g_assert_false(parse("{\"id\":12", &req, &error));
	g_assert_cmpint(req.id.kind, ==, CONTROL_ID_NONE);

	ControlId copy;
	ControlId src = { .kind = CONTROL_ID_STRING, .str = (char *)"x\0y", .str_len = 3 };
	control_id_copy(&copy, &src);
	g_assert_cmpmem(copy.str, copy.str_len, "x\0y", 3);
	control_id_clear(&copy);
	g_assert_null(copy.str);
}

static void test_error_codes(void)
{
	g_autoptr(GError) other = g_error_new_literal(VIGIL_ERROR, EIO, "disk");
	g_autoptr(GError) foreign = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_NOENT, "x");

	g_test_summary("Errors that are not the parser's are 'failed'");
	g_assert_cmpstr(control_req_error_code(other), ==, "failed");
	g_assert_cmpstr(control_req_error_code(foreign), ==, "failed");
	g_assert_cmpstr(control_op_name(CONTROL_OP_REOPEN_LOG), ==, "reopen-log");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/control-req/ops", test_ops);
	g_test_add_func("/control-req/resize", test_resize);
	g_test_add_func("/control-req/ids", test_ids);
	g_test_add_func("/control-req/escapes", test_escapes);
	g_test_add_func("/control-req/unknown-members", test_unknown_members);
	g_test_add_func("/control-req/version-and-op", test_version_and_op);
	g_test_add_func("/control-req/bad-json", test_bad_json);
	g_test_add_func("/control-req/binary", test_binary);
	g_test_add_func("/control-req/id-kept-on-error", test_id_kept_on_error);
	g_test_add_func("/control-req/error-codes", test_error_codes);
	return g_test_run();
}
