/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "state_record.h"

#include <errno.h>
#include <fcntl.h>
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

static void add_bool(JsonBuilder *b, const char *key, gboolean value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, value);
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

char *state_record_to_json(const VigilContainer *ctr)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	add_int(b, "version", RECORD_VERSION);
	add_string(b, "id", ctr->id);
	add_string(b, "name", ctr->name);
	add_string(b, "bundle", ctr->bundle);
	add_string(b, "runtime", ctr->runtime);
	add_string(b, "runtime_root", ctr->runtime_root);
	add_string(b, "monitor", ctr->monitor);
	add_string(b, "status", vigil_status_to_string(ctr->status));
	add_int(b, "pid", ctr->pid);
	add_int(b, "monitor_pid", ctr->monitor_pid);
	add_int(b, "monitor_start", (gint64)ctr->monitor_start);
	if (ctr->has_exit_code)
		add_int(b, "exit_code", ctr->exit_code);
	add_bool(b, "oom_killed", ctr->oom_killed);
	add_bool(b, "terminal", ctr->terminal);
	add_bool(b, "stdin", ctr->stdin_);
	add_int(b, "stop_signal", ctr->stop_signal);
	add_string(b, "exit_dir", ctr->exit_dir);
	add_string(b, "persist_dir", ctr->persist_dir);
	add_string(b, "log_driver", ctr->log_driver);
	add_string(b, "log_path", ctr->log_path);
	add_time(b, "created", ctr->created);
	add_time(b, "started", ctr->started);
	add_time(b, "finished", ctr->finished);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	return g_strconcat(text, "\n", NULL);
}

static char *get_string(JsonObject *o, const char *key)
{
	return g_strdup(json_util_string(o, key));
}

static gint64 get_int(JsonObject *o, const char *key, gboolean *out_present)
{
	gint64 v = 0;
	gboolean present = json_util_int(o, key, &v);

	if (out_present != NULL)
		*out_present = present;
	return v;
}

static gboolean get_bool(JsonObject *o, const char *key)
{
	return json_util_bool(o, key);
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

VigilContainer *state_record_parse(const char *text, gsize len, const char *id,
				   const char *state_dir, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(VigilContainer) ctr = container_new(id, state_dir);
	JsonObject *o;
	g_autofree char *stored_id = NULL;
	g_autofree char *status = NULL;

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
	if (get_int(o, "version", NULL) != RECORD_VERSION) {
		vigil_throw(error, EPROTO, "state record of container '%s' has an unknown version",
			    id);
		return NULL;
	}
	stored_id = get_string(o, "id");
	if (g_strcmp0(stored_id, id) != 0) {
		vigil_throw(error, EPROTO, "state record of container '%s' names another container",
			    id);
		return NULL;
	}
	status = get_string(o, "status");
	ctr->name = get_string(o, "name");
	ctr->bundle = get_string(o, "bundle");
	ctr->runtime = get_string(o, "runtime");
	ctr->runtime_root = get_string(o, "runtime_root");
	ctr->monitor = get_string(o, "monitor");
	ctr->status = container_status_parse(status);
	ctr->pid = (int)get_int(o, "pid", NULL);
	ctr->monitor_pid = (int)get_int(o, "monitor_pid", NULL);
	ctr->monitor_start = (guint64)get_int(o, "monitor_start", NULL);
	ctr->exit_code = (int)get_int(o, "exit_code", &ctr->has_exit_code);
	ctr->oom_killed = get_bool(o, "oom_killed");
	ctr->terminal = get_bool(o, "terminal");
	ctr->stdin_ = get_bool(o, "stdin");
	ctr->stop_signal = (int)get_int(o, "stop_signal", NULL);
	ctr->exit_dir = get_string(o, "exit_dir");
	ctr->persist_dir = get_string(o, "persist_dir");
	ctr->log_driver = get_string(o, "log_driver");
	ctr->log_path = get_string(o, "log_path");
	if (!get_time(o, "created", &ctr->created, &local) ||
	    !get_time(o, "started", &ctr->started, &local) ||
	    !get_time(o, "finished", &ctr->finished, &local)) {
		throw_corrupt(error, id, state_dir, local);
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
	const struct {
		const char *key;
		const char *value;
	} strings[] = {
		{ "id", ctr->id },
		{ "name", ctr->name },
		{ "bundle", ctr->bundle },
		{ "runtime", ctr->runtime },
		{ "runtime_root", ctr->runtime_root },
		{ "monitor", ctr->monitor },
		{ "exit_dir", ctr->exit_dir },
		{ "persist_dir", ctr->persist_dir },
		{ "log_driver", ctr->log_driver },
		{ "log_path", ctr->log_path },
	};
	const struct {
		const char *key;
		gint64 usec;
	} times[] = {
		{ "created", ctr->created },
		{ "started", ctr->started },
		{ "finished", ctr->finished },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(strings); i++) {
		if (strings[i].value != NULL && !g_utf8_validate(strings[i].value, -1, NULL)) {
			g_autofree char *shown = g_strescape(strings[i].value, NULL);
			return vigil_throw(error, EINVAL, "%s '%s' is not UTF-8", strings[i].key,
					   shown);
		}
	}
	for (gsize i = 0; i < G_N_ELEMENTS(times); i++) {
		if (times[i].usec >= TIME_END)
			return vigil_throw(error, EINVAL, "%s is past the year 9999", times[i].key);
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
