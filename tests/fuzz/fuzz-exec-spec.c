/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "bundle.h"
#include "exec_spec.h"
#include "fuzz-glib.h"
#include "state_dir.h"

/*
 * An exec session's process spec, built from a bundle's config.json (the user's, copied at
 * create) and the session's options (the engine's user input): bundle_load() then
 * exec_spec_build(), with the user resolved in the container's /etc/passwd and /etc/group.
 *
 * The input is fields cut at NUL bytes, a missing field empty:
 *   config.json \0 args \0 user \0 cwd \0 env \0 cap-add \0 /etc/passwd \0 /etc/group \0 flags
 * args, env and cap-add hold one item per line; an empty user or cwd means "not given"; bit 0
 * of the first flags byte asks for a terminal.
 *
 * Either a spec or one VIGIL_ERROR (never a GLib critical, which this target makes fatal);
 * the container's process is never changed; the spec has the session's args, terminal and
 * cwd, each added KEY=VALUE (the last one given for a key), each added capability in the
 * bounding, effective and permitted sets, and a user when one was asked for; and the spec,
 * written out as the runtime reads it, parses again.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_CONFIG, F_ARGS, F_USER, F_CWD, F_ENV, F_CAPS, F_PASSWD, F_GROUP, F_FLAGS, F_COUNT };

/* One scratch bundle (config.json, rootfs/etc) per process, removed at exit; each input
 * rewrites its files. */
static char *scratch;

static void remove_scratch(void)
{
	if (scratch != NULL)
		(void)state_dir_remove(scratch, NULL);
	g_clear_pointer(&scratch, g_free);
}

static const char *scratch_dir(void)
{
	if (scratch == NULL) {
		scratch = g_dir_make_tmp("vigil-fuzz-exec-XXXXXX", NULL);
		g_assert_nonnull(scratch);
		g_autofree char *etc = g_build_filename(scratch, "rootfs", "etc", NULL);
		g_assert_cmpint(g_mkdir_with_parents(etc, 0755), ==, 0);
		atexit(remove_scratch);
	}
	return scratch;
}

static void put_file(const char *dir, const char *rel, const char *text, gsize len)
{
	g_autofree char *path = g_build_filename(dir, rel, NULL);

	g_assert_true(g_file_set_contents_full(path, text, (gssize)len, G_FILE_SET_CONTENTS_NONE,
					       0644, NULL));
}

/* One item per line; NULL for an empty field, as an option left unset. */
static char **lines(char **f, int i)
{
	return f[i][0] != '\0' ? g_strsplit(f[i], "\n", -1) : NULL;
}

static const char *opt(char **f, int i)
{
	return f[i][0] != '\0' ? f[i] : NULL;
}

static JsonArray *member_array(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	g_assert_nonnull(n);
	g_assert_true(JSON_NODE_HOLDS_ARRAY(n));
	return json_node_get_array(n);
}

static gboolean array_has(JsonArray *a, const char *s)
{
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);
		if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING &&
		    g_strcmp0(json_node_get_string(e), s) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The last entry given for each key must be in env. */
static void check_env(JsonArray *env, char **added)
{
	for (guint i = 0; added != NULL && added[i] != NULL; i++) {
		const char *eq = strchr(added[i], '=');
		gboolean overridden = FALSE;
		g_assert_true(eq != NULL && eq != added[i]);
		for (guint j = i + 1; added[j] != NULL && !overridden; j++)
			overridden = strncmp(added[j], added[i], (gsize)(eq - added[i]) + 1) == 0;
		if (!overridden)
			g_assert_true(array_has(env, added[i]));
	}
}

static void check_caps(JsonObject *process, char **added)
{
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	JsonNode *n = json_object_get_member(process, "capabilities");

	if (added == NULL)
		return;
	g_assert_true(n != NULL && JSON_NODE_HOLDS_OBJECT(n));
	for (guint i = 0; added[i] != NULL; i++) {
		g_autofree char *up = g_ascii_strup(added[i], -1);
		g_autofree char *name =
			g_str_has_prefix(up, "CAP_") ? g_strdup(up) : g_strconcat("CAP_", up, NULL);
		for (gsize s = 0; s < G_N_ELEMENTS(sets); s++)
			g_assert_true(
				array_has(member_array(json_node_get_object(n), sets[s]), name));
	}
}

static void check_spec(JsonNode *spec, const VigilExecOptions *o, char **env, char **caps)
{
	g_assert_true(JSON_NODE_HOLDS_OBJECT(spec));
	JsonObject *process = json_node_get_object(spec);
	JsonArray *args = member_array(process, "args");

	g_assert_cmpuint(json_array_get_length(args), ==, g_strv_length((char **)o->cmd));
	for (guint i = 0; o->cmd[i] != NULL; i++)
		g_assert_cmpstr(json_array_get_string_element(args, i), ==, o->cmd[i]);
	g_assert_cmpint(json_object_get_boolean_member(process, "terminal"), ==, o->terminal);
	if (o->cwd != NULL) {
		g_assert_true(g_path_is_absolute(o->cwd));
		g_assert_cmpstr(json_object_get_string_member(process, "cwd"), ==, o->cwd);
	}
	check_env(member_array(process, "env"), env);
	check_caps(process, caps);
	if (o->user != NULL) {
		JsonNode *user = json_object_get_member(process, "user");
		g_assert_true(user != NULL && JSON_NODE_HOLDS_OBJECT(user));
		g_assert_true(json_object_has_member(json_node_get_object(user), "uid"));
		g_assert_true(json_object_has_member(json_node_get_object(user), "gid"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = scratch_dir();
	g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);
	const char *p = (const char *)data, *end = p + size;

	fuzz_glib_fatal_criticals();
	for (int i = 0; i < F_COUNT; i++) {
		const char *nul = p < end ? memchr(p, '\0', (gsize)(end - p)) : NULL;
		const char *stop = nul != NULL ? nul : end;
		g_ptr_array_add(fields, g_strndup(p, (gsize)(stop - p)));
		p = nul != NULL ? nul + 1 : end;
	}
	char **f = (char **)fields->pdata;

	put_file(dir, "config.json", f[F_CONFIG], strlen(f[F_CONFIG]));
	put_file(dir, "rootfs/etc/passwd", f[F_PASSWD], strlen(f[F_PASSWD]));
	put_file(dir, "rootfs/etc/group", f[F_GROUP], strlen(f[F_GROUP]));

	g_autoptr(GError) error = NULL;
	g_autoptr(Bundle) bundle = bundle_load(dir, &error);
	if (bundle == NULL) {
		g_assert_nonnull(error);
		g_assert_true(error->domain == VIGIL_ERROR);
		return 0;
	}
	g_autofree char *rootfs = g_build_filename(dir, "rootfs", NULL);
	g_auto(GStrv) cmd = lines(f, F_ARGS);
	g_auto(GStrv) env = lines(f, F_ENV);
	g_auto(GStrv) caps = lines(f, F_CAPS);
	VigilExecOptions o = {
		.cmd = (const char *const *)cmd,
		.env = (const char *const *)env,
		.cap_add = (const char *const *)caps,
		.terminal = (f[F_FLAGS][0] & 1) != 0,
		.cwd = opt(f, F_CWD),
		.user = opt(f, F_USER),
	};
	JsonObject *process = bundle_process(bundle);
	g_autoptr(JsonNode) before_node = json_node_init_object(json_node_alloc(), process);
	g_autofree char *before = json_to_string(before_node, FALSE);

	g_autoptr(JsonNode) spec = exec_spec_build(process, rootfs, &o, -1, &error);

	g_autofree char *after = json_to_string(before_node, FALSE);
	g_assert_cmpstr(after, ==, before);
	if (spec == NULL) {
		g_assert_error(error, VIGIL_ERROR, EINVAL);
		return 0;
	}
	g_assert_no_error(error);
	check_spec(spec, &o, env, caps);

	/* The runtime reads the spec back: it must be JSON again, unless the session's own
	 * strings were not UTF-8 (JSON text cannot carry them; json-glib writes the bytes). */
	g_autofree char *text = json_to_string(spec, FALSE);
	if (g_utf8_validate(text, -1, NULL)) {
		g_autoptr(JsonNode) back = json_from_string(text, &error);
		g_assert_no_error(error);
		g_assert_nonnull(back);
	} else {
		g_assert_false(g_utf8_validate(f[F_ARGS], -1, NULL) &&
			       g_utf8_validate(f[F_CWD], -1, NULL) &&
			       g_utf8_validate(f[F_ENV], -1, NULL));
	}
	return 0;
}
