/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_req.h"

#include <errno.h>
#include <string.h>

#include "error_util.h"

static const char *const op_names[_CONTROL_OP_MAX] = {
	[CONTROL_OP_VERSION] = "version",
	[CONTROL_OP_STATE] = "state",
	[CONTROL_OP_WAIT] = "wait",
	[CONTROL_OP_RESIZE] = "resize",
	[CONTROL_OP_REOPEN_LOG] = "reopen-log",
	[CONTROL_OP_STATS] = "stats",
	[CONTROL_OP_SUBSCRIBE] = "subscribe",
};

/* How much of a client's string (an unknown op, a member name) an error message repeats. */
#define CLIENT_TEXT_SHOWN 64

typedef enum {
	VALUE_STRING,
	VALUE_INT,    /* a number without fraction or exponent that fits gint64 */
	VALUE_NUMBER, /* any other number */
	VALUE_BOOL,
	VALUE_NULL,
} ValueKind;

typedef struct {
	ValueKind kind;
	GString *str; /* VALUE_STRING */
	gint64 num;   /* VALUE_INT */
} Value;

/* The members this reader knows; any other is ignored. */
typedef enum {
	MEMBER_V,
	MEMBER_OP,
	MEMBER_ID,
	MEMBER_ROWS,
	MEMBER_COLS,
	_MEMBER_MAX,
} Member;

static const char *const member_names[_MEMBER_MAX] = {
	[MEMBER_V] = "v",       [MEMBER_OP] = "op",     [MEMBER_ID] = "id",
	[MEMBER_ROWS] = "rows", [MEMBER_COLS] = "cols",
};

typedef struct {
	const char *start;
	const char *p;
	const char *end;
	Value members[_MEMBER_MAX];
	gboolean present[_MEMBER_MAX];
} Reader;

static void value_clear(Value *v)
{
	if (v->str != NULL)
		g_string_free(v->str, TRUE);
	v->str = NULL;
}

static void reader_clear(Reader *r)
{
	for (int i = 0; i < _MEMBER_MAX; i++)
		value_clear(&r->members[i]);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Reader, reader_clear)

static gboolean bad_json_at(Reader *r, const char *at, GError **error, const char *what)
{
	return vigil_throw(error, EBADMSG, "bad JSON at byte %td: %s", at - r->start, what);
}

static gboolean bad_json(Reader *r, GError **error, const char *what)
{
	return bad_json_at(r, r->p, error, what);
}

static void skip_ws(Reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits after "\u" (r->p at the first); at is the escape's backslash. */
static gboolean read_hex4(Reader *r, const char *at, gunichar *out, GError **error)
{
	gunichar u = 0;

	if (r->end - r->p < 4)
		return bad_json_at(r, at, error, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(r->p[i]);
		if (d < 0)
			return bad_json_at(r, at, error, "\\u needs four hex digits");
		u = u << 4 | (gunichar)d;
	}
	r->p += 4;
	*out = u;
	return TRUE;
}

/* r->p just after "\u", at its backslash: one code point, a surrogate pair taken whole. */
static gboolean read_unicode_escape(Reader *r, const char *at, gunichar *out, GError **error)
{
	gunichar hi, lo;

	if (!read_hex4(r, at, &hi, error))
		return FALSE;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return bad_json_at(r, at, error, "a low surrogate without a high one");
	if (hi < 0xd800 || hi > 0xdbff) {
		*out = hi;
		return TRUE;
	}
	if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
		return bad_json_at(r, at, error, "a high surrogate without a low one");
	r->p += 2;
	if (!read_hex4(r, r->p - 2, &lo, error))
		return FALSE;
	if (lo < 0xdc00 || lo > 0xdfff)
		return bad_json_at(r, at, error, "a high surrogate without a low one");
	*out = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return TRUE;
}

/* r->p at the backslash. */
static gboolean read_escape(Reader *r, GString *out, GError **error)
{
	const char *at = r->p++;
	char c;
	gunichar u = 0;

	if (r->p >= r->end)
		return bad_json_at(r, at, error, "unterminated string");
	c = *r->p++;
	switch (c) {
	case '"':
	case '\\':
	case '/':
		g_string_append_c(out, c);
		return TRUE;
	case 'b':
		g_string_append_c(out, '\b');
		return TRUE;
	case 'f':
		g_string_append_c(out, '\f');
		return TRUE;
	case 'n':
		g_string_append_c(out, '\n');
		return TRUE;
	case 'r':
		g_string_append_c(out, '\r');
		return TRUE;
	case 't':
		g_string_append_c(out, '\t');
		return TRUE;
	case 'u':
		if (!read_unicode_escape(r, at, &u, error))
			return FALSE;
		g_string_append_unichar(out, u);
		return TRUE;
	default:
		return bad_json_at(r, at, error, "unknown escape in a string");
	}
}

/* r->p at the opening quote. The line is valid UTF-8 already (control_req_parse). */
static gboolean read_string(Reader *r, GString *out, GError **error)
{
	const char *open = r->p++;

	while (r->p < r->end) {
		const char *run = r->p;
		while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (guchar)*r->p >= 0x20)
			r->p++;
		g_string_append_len(out, run, r->p - run);
		if (r->p >= r->end)
			break;
		if (*r->p == '"') {
			r->p++;
			return TRUE;
		}
		if ((guchar)*r->p < 0x20)
			return bad_json(r, error, "a control character in a string");
		if (!read_escape(r, out, error))
			return FALSE;
	}
	return bad_json_at(r, open, error, "unterminated string");
}

static gboolean is_digit(const Reader *r)
{
	return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

/* JSON's number grammar; an integer that fits gint64 is VALUE_INT, anything else
 * VALUE_NUMBER (kept only as a kind: no request takes a fraction). */
static gboolean read_number(Reader *r, Value *v, GError **error)
{
	gboolean negative = FALSE, integral = TRUE, fits = TRUE;
	guint64 mag = 0;
	/* gint64's magnitude limit for the sign at hand */
	guint64 limit;

	if (*r->p == '-') {
		negative = TRUE;
		r->p++;
	}
	limit = negative ? (guint64)G_MAXINT64 + 1 : (guint64)G_MAXINT64;
	if (!is_digit(r))
		return bad_json(r, error, "a digit must follow '-'");
	if (*r->p == '0') {
		r->p++;
		if (is_digit(r))
			return bad_json(r, error, "a number must not start with 0");
	} else {
		while (is_digit(r)) {
			guint d = (guint)(*r->p++ - '0');
			if (mag > (limit - d) / 10)
				fits = FALSE;
			else
				mag = mag * 10 + d;
		}
	}
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		integral = FALSE;
		if (!is_digit(r))
			return bad_json(r, error, "a digit must follow '.'");
		while (is_digit(r))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		integral = FALSE;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!is_digit(r))
			return bad_json(r, error, "a digit must follow the exponent");
		while (is_digit(r))
			r->p++;
	}
	if (integral && fits) {
		v->kind = VALUE_INT;
		/* -2^63 does not fit the positive side: negate in unsigned arithmetic */
		v->num = negative ? (gint64)(~mag + 1) : (gint64)mag;
	} else {
		v->kind = VALUE_NUMBER;
	}
	return TRUE;
}

static gboolean read_literal(Reader *r, const char *word, GError **error)
{
	gsize n = strlen(word);

	if ((gsize)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return bad_json(r, error, "expected a value");
	r->p += n;
	return TRUE;
}

/* One member value; name is the member's, for the message about a nested value. */
static gboolean read_value(Reader *r, const GString *name, Value *v, GError **error)
{
	if (r->p >= r->end)
		return bad_json(r, error, "expected a value");
	switch (*r->p) {
	case '"':
		v->kind = VALUE_STRING;
		v->str = g_string_new(NULL);
		return read_string(r, v->str, error);
	case '{':
	case '[':
		return vigil_throw(error, EINVAL,
				   "member '%.*s'%s is %s: requests hold no nested values",
				   (int)MIN(name->len, CLIENT_TEXT_SHOWN), name->str,
				   name->len > CLIENT_TEXT_SHOWN ? "..." : "",
				   *r->p == '{' ? "an object" : "an array");
	case 't':
		v->kind = VALUE_BOOL;
		return read_literal(r, "true", error);
	case 'f':
		v->kind = VALUE_BOOL;
		return read_literal(r, "false", error);
	case 'n':
		v->kind = VALUE_NULL;
		return read_literal(r, "null", error);
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return read_number(r, v, error);
		return bad_json(r, error, "expected a value");
	}
}

static int member_index(const GString *name)
{
	for (int i = 0; i < _MEMBER_MAX; i++) {
		if (strlen(member_names[i]) == name->len && strcmp(member_names[i], name->str) == 0)
			return i;
	}
	return -1;
}

static gboolean read_member(Reader *r, GError **error)
{
	g_autoptr(GString) name = g_string_new(NULL);
	Value v = { 0 };

	if (r->p >= r->end || *r->p != '"')
		return bad_json(r, error, "expected a member name");
	if (!read_string(r, name, error))
		return FALSE;
	skip_ws(r);
	if (r->p >= r->end || *r->p != ':')
		return bad_json(r, error, "expected ':'");
	r->p++;
	skip_ws(r);
	if (!read_value(r, name, &v, error)) {
		value_clear(&v);
		return FALSE;
	}
	int i = member_index(name);
	if (i < 0) {
		value_clear(&v);
		return TRUE;
	}
	if (r->present[i]) {
		value_clear(&v);
		return vigil_throw(error, EINVAL, "member '%s' is given twice", member_names[i]);
	}
	r->present[i] = TRUE;
	r->members[i] = v;
	return TRUE;
}

static gboolean read_object(Reader *r, GError **error)
{
	skip_ws(r);
	if (r->p >= r->end || *r->p != '{')
		return vigil_throw(error, EBADMSG, "the line is not a JSON object");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
	} else {
		for (;;) {
			if (!read_member(r, error))
				return FALSE;
			skip_ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				skip_ws(r);
				continue;
			}
			if (r->p < r->end && *r->p == '}') {
				r->p++;
				break;
			}
			return bad_json(r, error, "expected ',' or '}'");
		}
	}
	skip_ws(r);
	if (r->p < r->end)
		return bad_json(r, error, "text after the object");
	return TRUE;
}

/* The bytes whole: a decoded string may hold NULs. */
static void id_set_string(ControlId *id, const char *s, gsize len)
{
	id->kind = CONTROL_ID_STRING;
	id->str = g_malloc(len + 1);
	memcpy(id->str, s, len);
	id->str[len] = '\0';
	id->str_len = len;
}

static gboolean take_id(const Reader *r, ControlId *out, GError **error)
{
	const Value *v = &r->members[MEMBER_ID];

	if (!r->present[MEMBER_ID])
		return TRUE;
	if (v->kind == VALUE_INT) {
		out->kind = CONTROL_ID_INT;
		out->num = v->num;
		return TRUE;
	}
	if (v->kind == VALUE_STRING) {
		id_set_string(out, v->str->str, v->str->len);
		return TRUE;
	}
	return vigil_throw(error, EINVAL, "member 'id' must be a string or an integer");
}

static gboolean take_version(const Reader *r, GError **error)
{
	const Value *v = &r->members[MEMBER_V];

	if (!r->present[MEMBER_V])
		return vigil_throw(error, EINVAL, "member 'v' is missing");
	if (v->kind != VALUE_INT)
		return vigil_throw(error, EINVAL, "member 'v' must be an integer");
	if (v->num != CONTROL_REQ_VERSION)
		return vigil_throw(error, EPROTONOSUPPORT,
				   "protocol version %" G_GINT64_FORMAT
				   " is not supported (this monitor speaks %d)",
				   v->num, CONTROL_REQ_VERSION);
	return TRUE;
}

static gboolean take_op(const Reader *r, ControlOp *out, GError **error)
{
	const Value *v = &r->members[MEMBER_OP];

	if (!r->present[MEMBER_OP])
		return vigil_throw(error, EINVAL, "member 'op' is missing");
	if (v->kind != VALUE_STRING)
		return vigil_throw(error, EINVAL, "member 'op' must be a string");
	for (int i = 0; i < _CONTROL_OP_MAX; i++) {
		if (strlen(op_names[i]) == v->str->len && strcmp(op_names[i], v->str->str) == 0) {
			*out = (ControlOp)i;
			return TRUE;
		}
	}
	/* The name is the client's: a bounded piece of it (the reply escapes it). */
	return vigil_throw(error, EOPNOTSUPP, "unknown op '%.*s'%s",
			   (int)MIN(v->str->len, CLIENT_TEXT_SHOWN), v->str->str,
			   v->str->len > CLIENT_TEXT_SHOWN ? "..." : "");
}

static gboolean take_size(const Reader *r, Member m, int *out, GError **error)
{
	const Value *v = &r->members[m];

	if (!r->present[m])
		return vigil_throw(error, EINVAL, "member '%s' is missing", member_names[m]);
	if (v->kind != VALUE_INT)
		return vigil_throw(error, EINVAL, "member '%s' must be an integer",
				   member_names[m]);
	if (v->num < 0 || v->num > CONTROL_REQ_SIZE_MAX)
		return vigil_throw(error, ERANGE,
				   "member '%s' is %" G_GINT64_FORMAT ", outside 0..%d",
				   member_names[m], v->num, CONTROL_REQ_SIZE_MAX);
	*out = (int)v->num;
	return TRUE;
}

gboolean control_req_parse(const char *line, gsize len, ControlReq *out, GError **error)
{
	g_auto(Reader) r = { .start = line, .p = line, .end = line + len };
	ControlOp op = CONTROL_OP_VERSION;
	int rows = 0, cols = 0;

	/* JSON text is UTF-8; checked once here, strings then copy bytes as they are. This
	 * also refuses NUL bytes, which are nowhere valid in JSON text. */
	if (!g_utf8_validate_len(line, len, NULL))
		return vigil_throw(error, EBADMSG, "the line is not valid UTF-8");
	if (!read_object(&r, error))
		return FALSE;
	/* The id first, so that every later error can echo it. */
	if (!take_id(&r, &out->id, error))
		return FALSE;
	if (!take_version(&r, error) || !take_op(&r, &op, error))
		return FALSE;
	if (op == CONTROL_OP_RESIZE && (!take_size(&r, MEMBER_ROWS, &rows, error) ||
					!take_size(&r, MEMBER_COLS, &cols, error)))
		return FALSE;
	out->op = op;
	out->rows = rows;
	out->cols = cols;
	return TRUE;
}

const char *control_op_name(ControlOp op)
{
	g_return_val_if_fail((guint)op < _CONTROL_OP_MAX, "?");
	return op_names[op];
}

const char *control_req_error_code(const GError *error)
{
	if (error == NULL || error->domain != VIGIL_ERROR)
		return "failed";
	switch (error->code) {
	case EBADMSG:
		return "bad-json";
	case EINVAL:
	case ERANGE:
		return "bad-request";
	case EPROTONOSUPPORT:
		return "unsupported-version";
	case EOPNOTSUPP:
		return "unknown-op";
	default:
		return "failed";
	}
}

void control_id_copy(ControlId *dst, const ControlId *src)
{
	*dst = *src;
	if (src->kind == CONTROL_ID_STRING)
		id_set_string(dst, src->str, src->str_len);
}

void control_id_clear(ControlId *id)
{
	g_free(id->str);
	*id = (ControlId){ 0 };
}

void control_req_clear(ControlReq *req)
{
	control_id_clear(&req->id);
	*req = (ControlReq){ 0 };
}
