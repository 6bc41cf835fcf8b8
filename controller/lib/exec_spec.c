/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exec_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "bundle.h"
#include "error_util.h"
#include "fdutil.h"

void exec_user_clear(ExecUser *u)
{
	g_clear_pointer(&u->additional_gids, g_array_unref);
}

/* rootfs/path, resolved as if rootfs were "/": symlinks inside it cannot escape. */
static char *read_in_root(const char *rootfs, const char *path)
{
	vigil_autofd int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	vigil_autofd int fd = -1;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	g_autoptr(GString) text = g_string_new(NULL);
	char buf[4096];
	gssize n;

	if (root < 0)
		return NULL;
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
	if (fd < 0)
		return NULL;
	while ((n = fd_read_once(fd, buf, sizeof buf)) > 0 && text->len < 4 * 1024 * 1024)
		g_string_append_len(text, buf, n);
	return n < 0 ? NULL : g_string_free(g_steal_pointer(&text), FALSE);
}

static gboolean parse_id(const char *s, guint *out)
{
	char *end = NULL;
	guint64 v;

	if (s == NULL || !g_ascii_isdigit(*s))
		return FALSE;
	v = g_ascii_strtoull(s, &end, 10);
	if (*end != '\0' || v > G_MAXUINT32 - 1)
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

/* The first line of an /etc/passwd- or /etc/group-style file whose field key_field equals
 * key (by name) or whose field 2 equals it (by number). Its fields, or NULL. */
static char **find_entry(const char *text, const char *key, gboolean by_number)
{
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		if (**l == '#' || **l == '\0')
			continue;
		g_auto(GStrv) f = g_strsplit(*l, ":", -1);
		if (g_strv_length(f) < 4)
			continue;
		if (g_str_equal(by_number ? f[2] : f[0], key))
			return g_steal_pointer(&f);
	}
	return NULL;
}

static void add_supplementary(const char *groups, const char *user, guint primary, ExecUser *out)
{
	g_auto(GStrv) lines = g_strsplit(groups != NULL ? groups : "", "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		g_auto(GStrv) f = g_strsplit(*l, ":", -1);
		guint gid;
		if (g_strv_length(f) < 4 || !parse_id(f[2], &gid) || gid == primary)
			continue;
		g_auto(GStrv) members = g_strsplit(f[3], ",", -1);
		if (!g_strv_contains((const char *const *)members, user))
			continue;
		if (out->additional_gids == NULL)
			out->additional_gids = g_array_new(FALSE, FALSE, sizeof(guint));
		g_array_append_val(out->additional_gids, gid);
	}
}

gboolean exec_user_resolve(const char *rootfs, const char *spec, ExecUser *out, GError **error)
{
	g_autofree char *user = g_strdup(spec);
	char *group = strchr(user, ':');
	g_autofree char *passwd = read_in_root(rootfs, "/etc/passwd");
	g_autofree char *groups = NULL;
	g_auto(GStrv) pw = NULL;
	gboolean numeric;

	memset(out, 0, sizeof *out);
	if (group != NULL)
		*group++ = '\0';
	if (*user == '\0' || (group != NULL && *group == '\0'))
		return vigil_throw(error, EINVAL, "user '%s' is not valid", spec);
	numeric = parse_id(user, &out->uid);
	pw = find_entry(passwd, user, numeric);
	if (pw == NULL && !numeric)
		return vigil_throw(error, EINVAL, "user '%s' not found in the container", user);
	if (pw != NULL && !parse_id(pw[2], &out->uid))
		return vigil_throw(error, EINVAL, "user '%s' has a bad uid in /etc/passwd", user);
	if (pw != NULL && !parse_id(pw[3], &out->gid))
		out->gid = 0;
	if (group == NULL) {
		if (!numeric) {
			groups = read_in_root(rootfs, "/etc/group");
			add_supplementary(groups, user, out->gid, out);
		}
		return TRUE;
	}
	if (parse_id(group, &out->gid))
		return TRUE;
	groups = read_in_root(rootfs, "/etc/group");
	g_auto(GStrv) gr = find_entry(groups, group, FALSE);
	if (gr == NULL || !parse_id(gr[2], &out->gid))
		return vigil_throw(error, EINVAL, "group '%s' not found in the container", group);
	return TRUE;
}

static JsonArray *strv_array(const char *const *v)
{
	JsonArray *a = json_array_new();

	for (; v != NULL && *v != NULL; v++)
		json_array_add_string_element(a, *v);
	return a;
}

static gboolean merge_env(JsonObject *process, const char *const *add, GError **error)
{
	JsonNode *old = json_object_get_member(process, "env");
	g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);

	if (old != NULL && JSON_NODE_HOLDS_ARRAY(old)) {
		JsonArray *a = json_node_get_array(old);
		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *e = json_array_get_element(a, i);
			if (JSON_NODE_HOLDS_VALUE(e) &&
			    json_node_get_value_type(e) == G_TYPE_STRING)
				g_ptr_array_add(env, g_strdup(json_node_get_string(e)));
		}
	}
	for (; add != NULL && *add != NULL; add++) {
		const char *eq = strchr(*add, '=');
		if (eq == NULL || eq == *add)
			return vigil_throw(error, EINVAL, "env '%s' is not KEY=VALUE", *add);
		gsize klen = (gsize)(eq - *add) + 1;
		guint i;
		for (i = 0; i < env->len; i++) {
			if (strncmp(g_ptr_array_index(env, i), *add, klen) == 0)
				break;
		}
		if (i < env->len)
			g_ptr_array_remove_index(env, i);
		g_ptr_array_add(env, g_strdup(*add));
	}
	g_ptr_array_add(env, NULL);
	json_object_set_array_member(process, "env", strv_array((const char *const *)env->pdata));
	return TRUE;
}

static char *cap_name(const char *cap, GError **error)
{
	g_autofree char *up = g_ascii_strup(cap, -1);
	char *name = g_str_has_prefix(up, "CAP_") ? g_strdup(up) : g_strconcat("CAP_", up, NULL);

	for (const char *p = name + 4; *p != '\0'; p++) {
		if (!g_ascii_isupper(*p) && !g_ascii_isdigit(*p) && *p != '_') {
			g_free(name);
			vigil_throw(error, EINVAL, "capability '%s' is not valid", cap);
			return NULL;
		}
	}
	if (name[4] == '\0') {
		g_free(name);
		vigil_throw(error, EINVAL, "capability '%s' is not valid", cap);
		return NULL;
	}
	return name;
}

static void add_to_set(JsonObject *caps, const char *set, const char *name)
{
	JsonNode *n = json_object_get_member(caps, set);
	JsonArray *a;

	if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n)) {
		json_object_set_array_member(caps, set, json_array_new());
		n = json_object_get_member(caps, set);
	}
	a = json_node_get_array(n);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);
		if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING &&
		    g_str_equal(json_node_get_string(e), name))
			return;
	}
	json_array_add_string_element(a, name);
}

static gboolean add_caps(JsonObject *process, const char *const *add, guint uid, GError **error)
{
	JsonNode *n;
	JsonObject *caps;

	if (add == NULL || *add == NULL)
		return TRUE;
	n = json_object_get_member(process, "capabilities");
	if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n)) {
		json_object_set_object_member(process, "capabilities", json_object_new());
		n = json_object_get_member(process, "capabilities");
	}
	caps = json_node_get_object(n);
	for (; *add != NULL; add++) {
		g_autofree char *name = cap_name(*add, error);
		if (name == NULL)
			return FALSE;
		add_to_set(caps, "bounding", name);
		add_to_set(caps, "effective", name);
		add_to_set(caps, "permitted", name);
		/* A non-root process keeps capabilities across execve only as ambient ones,
		 * which must also be inheritable. */
		if (uid != 0) {
			add_to_set(caps, "inheritable", name);
			add_to_set(caps, "ambient", name);
		}
	}
	return TRUE;
}

static gboolean set_user(JsonObject *process, const char *rootfs, const char *spec, guint *out_uid,
			 GError **error)
{
	g_auto(ExecUser) u = { 0 };
	JsonObject *user;
	JsonNode *old = json_object_get_member(process, "user");

	if (spec == NULL) {
		*out_uid = 0;
		if (old != NULL && JSON_NODE_HOLDS_OBJECT(old)) {
			JsonNode *uid = json_object_get_member(json_node_get_object(old), "uid");
			if (uid != NULL && JSON_NODE_HOLDS_VALUE(uid))
				*out_uid = (guint)json_node_get_int(uid);
		}
		return TRUE;
	}
	if (!exec_user_resolve(rootfs, spec, &u, error))
		return FALSE;
	user = json_object_new();
	json_object_set_int_member(user, "uid", u.uid);
	json_object_set_int_member(user, "gid", u.gid);
	if (u.additional_gids != NULL) {
		JsonArray *a = json_array_new();
		for (guint i = 0; i < u.additional_gids->len; i++)
			json_array_add_int_element(a, g_array_index(u.additional_gids, guint, i));
		json_object_set_array_member(user, "additionalGids", a);
	}
	json_object_set_object_member(process, "user", user);
	*out_uid = u.uid;
	return TRUE;
}

JsonNode *exec_spec_build(JsonObject *container_process, const char *rootfs,
			  const VigilExecOptions *o, int tty_fd, GError **error)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonNode) copy = NULL;
	JsonObject *process;
	struct winsize ws;
	guint uid = 0;

	if (o->cmd == NULL || o->cmd[0] == NULL) {
		vigil_throw(error, EINVAL, "no command given");
		return NULL;
	}
	json_node_take_object(node, json_object_ref(container_process));
	copy = bundle_json_deep_copy(node);
	process = json_node_get_object(copy);
	json_object_set_array_member(process, "args", strv_array(o->cmd));
	json_object_set_boolean_member(process, "terminal", o->terminal);
	json_object_remove_member(process, "consoleSize");
	if (o->terminal && tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
		JsonObject *size = json_object_new();
		json_object_set_int_member(size, "height", ws.ws_row);
		json_object_set_int_member(size, "width", ws.ws_col);
		json_object_set_object_member(process, "consoleSize", size);
	}
	if (o->cwd != NULL) {
		if (!g_path_is_absolute(o->cwd)) {
			vigil_throw(error, EINVAL, "cwd '%s' is not an absolute path", o->cwd);
			return NULL;
		}
		json_object_set_string_member(process, "cwd", o->cwd);
	}
	if (!merge_env(process, o->env, error) ||
	    !set_user(process, rootfs, o->user, &uid, error) ||
	    !add_caps(process, o->cap_add, uid, error))
		return NULL;
	return g_steal_pointer(&copy);
}
