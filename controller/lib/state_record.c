/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "state_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "error_util.h"
#include "fdutil.h"
#include "json_util.h"
#include "state_dir.h"

#define RECORD_VERSION 1

/* 10000-01-01T00:00:00Z: GDateTime, and so the stored form, ends with the year 9999. */
#define TIME_END (G_GINT64_CONSTANT(253402300800) * G_USEC_PER_SEC)

/*
 * The record's fields in the order they are written. One table drives writing, reading and
 * the check before saving, so a field cannot be written and then forgotten on the way back.
 */
typedef enum {
	FIELD_ID,     /* char *: written, and on reading must name the container asked for */
	FIELD_STRING, /* char *: omitted when NULL */
	FIELD_STATUS, /* VigilStatus, by name */
	FIELD_INT,    /* int; with a presence flag, omitted while the flag is FALSE */
	FIELD_UINT64, /* guint64 */
	FIELD_BOOL,   /* gboolean */
	FIELD_TIME,   /* gint64 Unix µs as RFC 3339 UTC; omitted when unset */
} FieldKind;

typedef struct {
	const char *key;
	FieldKind kind;
	gsize offset;
	gssize present; /* FIELD_INT: offset of its gboolean presence flag, or -1 */
} RecordField;

/* offsetof(VigilContainer, member), and a compile error unless member's type is T. */
#define HAS_TYPE(member, T) \
	__builtin_types_compatible_p(__typeof__(((VigilContainer *)0)->member), T)
#define MEMBER(member, T) \
	(offsetof(VigilContainer, member) + 0 * sizeof(char[HAS_TYPE(member, T) ? 1 : -1]))

static const RecordField record_fields[] = {
	{ "id", FIELD_ID, MEMBER(id, char *), -1 },
	{ "name", FIELD_STRING, MEMBER(name, char *), -1 },
	{ "bundle", FIELD_STRING, MEMBER(bundle, char *), -1 },
	{ "runtime", FIELD_STRING, MEMBER(runtime, char *), -1 },
	{ "runtime_root", FIELD_STRING, MEMBER(runtime_root, char *), -1 },
	{ "monitor", FIELD_STRING, MEMBER(monitor, char *), -1 },
	{ "status", FIELD_STATUS, MEMBER(status, VigilStatus), -1 },
	{ "pid", FIELD_INT, MEMBER(pid, int), -1 },
	{ "monitor_pid", FIELD_INT, MEMBER(monitor_pid, int), -1 },
	{ "monitor_start", FIELD_UINT64, MEMBER(monitor_start, guint64), -1 },
	{ "exit_code", FIELD_INT, MEMBER(exit_code, int), MEMBER(has_exit_code, gboolean) },
	{ "oom_killed", FIELD_BOOL, MEMBER(oom_killed, gboolean), -1 },
	{ "terminal", FIELD_BOOL, MEMBER(terminal, gboolean), -1 },
	{ "stdin", FIELD_BOOL, MEMBER(stdin_, gboolean), -1 },
	{ "stop_signal", FIELD_INT, MEMBER(stop_signal, int), -1 },
	{ "exit_dir", FIELD_STRING, MEMBER(exit_dir, char *), -1 },
	{ "persist_dir", FIELD_STRING, MEMBER(persist_dir, char *), -1 },
	{ "log_driver", FIELD_STRING, MEMBER(log_driver, char *), -1 },
	{ "log_path", FIELD_STRING, MEMBER(log_path, char *), -1 },
	{ "created", FIELD_TIME, MEMBER(created, gint64), -1 },
	{ "started", FIELD_TIME, MEMBER(started, gint64), -1 },
	{ "finished", FIELD_TIME, MEMBER(finished, gint64), -1 },
};

static void *member_of(const VigilContainer *ctr, gsize offset)
{
	return (char *)ctr + offset;
}

#define FIELD_VALUE(type, ctr, f) (*(type *)member_of((ctr), (f)->offset))

static gboolean field_present(const VigilContainer *ctr, const RecordField *f)
{
	return f->present < 0 || *(gboolean *)member_of(ctr, (gsize)f->present);
}

static void add_string(JsonBuilder *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, value);
}

static void add_int(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

static void add_time(JsonBuilder *b, const char *key, gint64 usec)
{
	if (usec <= 0 || usec >= TIME_END)
		return;
	g_autoptr(GDateTime) secs = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
	g_autoptr(GDateTime) t = g_date_time_add(secs, usec % G_USEC_PER_SEC);
	g_autofree char *text = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S.%fZ");

	add_string(b, key, text);
}

static void field_write(JsonBuilder *b, const VigilContainer *ctr, const RecordField *f)
{
	switch (f->kind) {
	case FIELD_ID:
	case FIELD_STRING:
		add_string(b, f->key, FIELD_VALUE(char *, ctr, f));
		break;
	case FIELD_STATUS:
		add_string(b, f->key, vigil_status_to_string(FIELD_VALUE(VigilStatus, ctr, f)));
		break;
	case FIELD_INT:
		if (field_present(ctr, f))
			add_int(b, f->key, FIELD_VALUE(int, ctr, f));
		break;
	case FIELD_UINT64:
		add_int(b, f->key, (gint64)FIELD_VALUE(guint64, ctr, f));
		break;
	case FIELD_BOOL:
		json_builder_set_member_name(b, f->key);
		json_builder_add_boolean_value(b, FIELD_VALUE(gboolean, ctr, f));
		break;
	case FIELD_TIME:
		add_time(b, f->key, FIELD_VALUE(gint64, ctr, f));
		break;
	}
}

char *state_record_to_json(const VigilContainer *ctr)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	add_int(b, "version", RECORD_VERSION);
	for (gsize i = 0; i < G_N_ELEMENTS(record_fields); i++)
		field_write(b, ctr, &record_fields[i]);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	return g_strconcat(text, "\n", NULL);
}

/* A time that does not parse reads as unset, as other wrong types do; one that parses but
 * could not be written back (past the year 9999 in UTC) is an error. */
static gboolean get_time(JsonObject *o, const char *key, gint64 *out, GError **error)
{
	const char *text = json_util_string(o, key);
	g_autoptr(GDateTime) t = text != NULL ? g_date_time_new_from_iso8601(text, NULL) : NULL;

	*out = 0;
	if (t == NULL)
		return TRUE;
	*out = g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
	if (*out >= TIME_END)
		return vigil_throw(error, EPROTO, "%s '%s' is past the year 9999 (UTC)", key, text);
	return TRUE;
}

static void throw_corrupt(GError **error, const char *id, const char *state_dir, GError *why)
{
	g_autofree char *path = g_build_filename(state_dir, STATE_RECORD, NULL);

	vigil_throw(error, EPROTO, "state record of container '%s' is corrupt: '%s': %s", id, path,
		    why->message);
}

/* Read f from o into ctr (made by container_new() for the id and directory asked for). A
 * value of the wrong type reads as unset. */
static gboolean field_read(JsonObject *o, VigilContainer *ctr, const RecordField *f, GError **error)
{
	gint64 v = 0;
	gboolean present;
	g_autoptr(GError) local = NULL;

	switch (f->kind) {
	case FIELD_ID:
		if (g_strcmp0(json_util_string(o, f->key), ctr->id) != 0)
			return vigil_throw(error, EPROTO,
					   "state record of container '%s' names another container",
					   ctr->id);
		break;
	case FIELD_STRING:
		FIELD_VALUE(char *, ctr, f) = g_strdup(json_util_string(o, f->key));
		break;
	case FIELD_STATUS:
		FIELD_VALUE(VigilStatus, ctr, f) =
			container_status_parse(json_util_string(o, f->key));
		break;
	case FIELD_INT:
		present = json_util_int(o, f->key, &v);
		FIELD_VALUE(int, ctr, f) = (int)v;
		if (f->present >= 0)
			*(gboolean *)member_of(ctr, (gsize)f->present) = present;
		break;
	case FIELD_UINT64:
		(void)json_util_int(o, f->key, &v);
		FIELD_VALUE(guint64, ctr, f) = (guint64)v;
		break;
	case FIELD_BOOL:
		FIELD_VALUE(gboolean, ctr, f) = json_util_bool(o, f->key);
		break;
	case FIELD_TIME:
		if (!get_time(o, f->key, &FIELD_VALUE(gint64, ctr, f), &local)) {
			throw_corrupt(error, ctr->id, ctr->state_dir, local);
			return FALSE;
		}
		break;
	}
	return TRUE;
}

VigilContainer *state_record_parse(const char *text, gsize len, const char *id,
				   const char *state_dir, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(VigilContainer) ctr = container_new(id, state_dir);
	JsonObject *o;
	gint64 version = 0;

	parser = json_util_parse(text, len, JSON_UTIL_RECORD_MAX, &local);
	/* Strings that are not UTF-8 would be saved as bytes no JSON parser reads. */
	if (parser == NULL || !json_util_check_tree(json_parser_get_root(parser), &local)) {
		throw_corrupt(error, id, state_dir, local);
		return NULL;
	}
	o = json_util_root_object(parser);
	if (o == NULL) {
		vigil_throw(error, EPROTO,
			    "state record of container '%s' is corrupt: not an object", id);
		return NULL;
	}
	(void)json_util_int(o, "version", &version);
	if (version != RECORD_VERSION) {
		vigil_throw(error, EPROTO, "state record of container '%s' has an unknown version",
			    id);
		return NULL;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(record_fields); i++) {
		if (!field_read(o, ctr, &record_fields[i], error))
			return NULL;
	}
	if (ctr->exit_dir == NULL)
		ctr->exit_dir = g_build_filename(state_dir, STATE_EXITS, NULL);
	return g_steal_pointer(&ctr);
}

gboolean state_file_write_atomic(const char *path, const char *data, gsize len, int mode,
				 GError **error)
{
	g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
	vigil_autofd int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return vigil_throw_errno(error, "create a temporary file for '%s'", path);
	r = fd_write_all(fd, data, len, NULL);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return vigil_throw_errsv(error, -r, "write '%s'", path);
	}
	return TRUE;
}

/* TRUE if the record can be read back: its strings UTF-8 (JSON holds nothing else) and its
 * times before the year 10000. EINVAL naming the field otherwise. */
static gboolean record_check(const VigilContainer *ctr, GError **error)
{
	for (gsize i = 0; i < G_N_ELEMENTS(record_fields); i++) {
		const RecordField *f = &record_fields[i];

		if (f->kind == FIELD_ID || f->kind == FIELD_STRING) {
			const char *value = FIELD_VALUE(char *, ctr, f);
			if (value != NULL && !g_utf8_validate(value, -1, NULL)) {
				g_autofree char *shown = g_strescape(value, NULL);
				return vigil_throw(error, EINVAL, "%s '%s' is not UTF-8", f->key,
						   shown);
			}
		} else if (f->kind == FIELD_TIME && FIELD_VALUE(gint64, ctr, f) >= TIME_END) {
			return vigil_throw(error, EINVAL, "%s is past the year 9999", f->key);
		}
	}
	return TRUE;
}

gboolean state_record_save(const VigilContainer *ctr, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	/* A record that could not be read back is never written. */
	if (!record_check(ctr, &local))
		return vigil_throw(error, EINVAL, "write '%s': %s", path, local->message);
	text = state_record_to_json(ctr);
	return state_file_write_atomic(path, text, strlen(text), 0600, error);
}

VigilContainer *state_record_load(const char *path, const char *id, const char *state_dir,
				  GError **error)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) local = NULL;

	text = json_util_read_file(path, JSON_UTIL_RECORD_MAX, FALSE, &len, &local);
	if (text == NULL) {
		int code = local->code;
		if (code == ENOENT) {
			VigilContainer *ctr = container_new(id, state_dir);
			ctr->status = VIGIL_STATUS_CREATING;
			ctr->exit_dir = g_build_filename(state_dir, STATE_EXITS, NULL);
			return ctr;
		}
		/* Not a file we wrote (rename() only ever puts a small regular file there). */
		if (code == EISDIR || code == EINVAL || code == EFBIG || code == ELOOP)
			vigil_throw(error, EPROTO,
				    "state record of container '%s' is corrupt: '%s': %s", id, path,
				    local->message);
		else
			vigil_throw(error, EIO, "read the state of container '%s': '%s': %s", id,
				    path, local->message);
		return NULL;
	}
	return state_record_parse(text, len, id, state_dir, error);
}
