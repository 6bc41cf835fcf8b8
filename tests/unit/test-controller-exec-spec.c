/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "exec_spec.h"
#include "state_dir.h"

typedef struct {
	char *dir;
	char *rootfs;
	JsonObject *process;
} Fixture;

static void write_file(const char *root, const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void setup(Fixture *f, gconstpointer data)
{
	g_autoptr(JsonParser) p = json_parser_new();

	f->dir = g_dir_make_tmp("vigil-spec-XXXXXX", NULL);
	f->rootfs = g_build_filename(f->dir, "rootfs", NULL);
	write_file(f->rootfs, "etc/passwd",
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "# comment\n"
		   "alice:x:1000:1000::/home/alice:/bin/sh\n"
		   "bob:x:1001:100::/:/bin/sh\n");
	write_file(f->rootfs, "etc/group",
		   "root:x:0:\nusers:x:100:alice\nalice:x:1000:\nwheel:x:10:alice,bob\n");
	g_assert_true(json_parser_load_from_data(
		p,
		"{\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"init\"],"
		" \"env\": [\"PATH=/bin\", \"TERM=xterm\", \"KEEP=1\"], \"cwd\": \"/srv\","
		" \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"],"
		" \"permitted\": [\"CAP_KILL\"]},"
		" \"noNewPrivileges\": true, \"consoleSize\": {\"height\": 1, \"width\": 1}}",
		-1, NULL));
	f->process = json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_assert_true(state_dir_remove(f->dir, NULL));
	json_object_unref(f->process);
	g_free(f->rootfs);
	g_free(f->dir);
}

static char *build(Fixture *f, const VigilExecOptions *o, GError **error)
{
	g_autoptr(JsonNode) n = exec_spec_build(f->process, f->rootfs, o, -1, error);

	return n != NULL ? json_to_string(n, FALSE) : NULL;
}

static void test_defaults(Fixture *f, gconstpointer data)
{
	const char *cmd[] = { "sh", "-c", "echo hi", NULL };
	VigilExecOptions o = { .cmd = cmd };
	g_autoptr(GError) error = NULL;
	g_autofree char *json = build(f, &o, &error);

	g_test_summary("the container's process with the session's args; nothing else changed "
		       "but the terminal");
	g_assert_no_error(error);
	g_assert_cmpstr(
		json, ==,
		"{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
		"\"args\":[\"sh\",\"-c\",\"echo hi\"],"
		"\"env\":[\"PATH=/bin\",\"TERM=xterm\",\"KEEP=1\"],\"cwd\":\"/srv\","
		"\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
		"\"permitted\":[\"CAP_KILL\"]},\"noNewPrivileges\":true}");
	/* The container's own object is untouched. */
	g_assert_true(json_object_get_boolean_member(f->process, "terminal"));
}

static void test_everything(Fixture *f, gconstpointer data)
{
	const char *cmd[] = { "id", NULL };
	const char *env[] = { "TERM=dumb", "NEW=a=b", NULL };
	const char *caps[] = { "net_admin", "CAP_KILL", NULL };
	VigilExecOptions o = { .cmd = cmd,
			       .env = env,
			       .cap_add = caps,
			       .terminal = TRUE,
			       .cwd = "/tmp",
			       .user = "alice" };
	g_autoptr(GError) error = NULL;
	g_autofree char *json = build(f, &o, &error);

	g_test_summary("env merged (the session's wins), cwd, a named user with its groups, "
		       "capabilities added (ambient too for a non-root user)");
	g_assert_no_error(error);
	g_assert_cmpstr(json, ==,
			"{\"terminal\":true,\"user\":{\"uid\":1000,\"gid\":1000,"
			"\"additionalGids\":[100,10]},\"args\":[\"id\"],"
			"\"env\":[\"PATH=/bin\",\"KEEP=1\",\"TERM=dumb\",\"NEW=a=b\"],"
			"\"cwd\":\"/tmp\","
			"\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NET_ADMIN\"],"
			"\"effective\":[\"CAP_KILL\",\"CAP_NET_ADMIN\"],"
			"\"permitted\":[\"CAP_KILL\",\"CAP_NET_ADMIN\"],"
			"\"inheritable\":[\"CAP_NET_ADMIN\",\"CAP_KILL\"],"
			"\"ambient\":[\"CAP_NET_ADMIN\",\"CAP_KILL\"]},\"noNewPrivileges\":true}");
}

static void check_user(Fixture *f, const char *spec, guint uid, guint gid, guint n_groups)
{
	g_auto(ExecUser) u = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(exec_user_resolve(f->rootfs, spec, &u, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(u.uid, ==, uid);
	g_assert_cmpuint(u.gid, ==, gid);
	g_assert_cmpuint(u.additional_gids != NULL ? u.additional_gids->len : 0, ==, n_groups);
}

static void test_users(Fixture *f, gconstpointer data)
{
	g_test_summary("uid[:gid] and name[:group], as runc's exec --user takes them");
	check_user(f, "0", 0, 0, 0);
	check_user(f, "1000", 1000, 1000, 0); /* numeric: its passwd group, no lookup of groups */
	check_user(f, "4242", 4242, 0, 0);    /* unknown numeric users are fine, gid 0 */
	check_user(f, "4242:7", 4242, 7, 0);
	check_user(f, "bob", 1001, 100, 1); /* wheel */
	check_user(f, "alice:wheel", 1000, 10, 0);
	check_user(f, "root:100", 0, 100, 0);

	const char *bad[] = { "mallory", "alice:nogroup", "", ":", "alice:", ":10" };
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_auto(ExecUser) u = { 0 };
		g_autoptr(GError) error = NULL;
		g_assert_false(exec_user_resolve(f->rootfs, bad[i], &u, &error));
		g_assert_error(error, VIGIL_ERROR, EINVAL);
	}
}

static void test_passwd_symlink_stays_inside(Fixture *f, gconstpointer data)
{
	g_autofree char *passwd = g_build_filename(f->rootfs, "etc", "passwd", NULL);
	g_autofree char *real = g_build_filename(f->rootfs, "real-passwd", NULL);
	g_auto(ExecUser) u = { 0 };
	g_autoptr(GError) error = NULL;

	g_test_summary("/etc/passwd is read inside the rootfs: an absolute symlink is resolved "
		       "there, not on the host");
	g_assert_true(g_file_set_contents(real, "carol:x:77:77::/:/bin/sh\n", -1, NULL));
	g_assert_cmpint(unlink(passwd), ==, 0);
	/* On the host this would be the host's passwd (which has root, not carol). */
	g_assert_cmpint(symlink("/real-passwd", passwd), ==, 0);
	g_assert_true(exec_user_resolve(f->rootfs, "carol", &u, &error));
	g_assert_cmpuint(u.uid, ==, 77);
	g_assert_cmpint(unlink(passwd), ==, 0);
	g_assert_cmpint(symlink("/../../../../etc/passwd", passwd), ==, 0);
	g_assert_false(exec_user_resolve(f->rootfs, "root", &u, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
}

static void test_bad_options(Fixture *f, gconstpointer data)
{
	const char *cmd[] = { "true", NULL };
	const char *bad_env[] = { "NOEQUALS", NULL };
	const char *empty_key[] = { "=x", NULL };
	const char *bad_cap[] = { "NET ADMIN", NULL };
	const char *empty_cap[] = { "cap_", NULL };
	const char *none[] = { NULL };
	VigilExecOptions cases[] = {
		{ .cmd = none },
		{ .cmd = cmd, .env = bad_env },
		{ .cmd = cmd, .env = empty_key },
		{ .cmd = cmd, .cap_add = bad_cap },
		{ .cmd = cmd, .cap_add = empty_cap },
		{ .cmd = cmd, .cwd = "relative" },
		{ .cmd = cmd, .user = "nobody-here" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *json = build(f, &cases[i], &error);
		g_assert_null(json);
		g_assert_error(error, VIGIL_ERROR, EINVAL);
	}
}

static void test_copy_shares_nothing(Fixture *f, gconstpointer data)
{
	const char *cmd[] = { "true", NULL };
	VigilExecOptions o = { .cmd = cmd };
	g_autoptr(GError) error = NULL;

	g_test_summary("the spec is a copy sharing nothing with the container's process, made "
		       "without a round trip through text: it cannot fail, even on a value "
		       "json-glib could not read back (an infinite number)");
	json_object_set_double_member(json_object_get_object_member(f->process, "consoleSize"),
				      "height", INFINITY);
	json_object_set_double_member(f->process, "odd", -INFINITY);
	g_autoptr(JsonNode) spec = exec_spec_build(f->process, f->rootfs, &o, -1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(spec);
	JsonObject *process = json_node_get_object(spec);
	g_assert_cmpfloat(json_object_get_double_member(process, "odd"), ==, -INFINITY);

	/* Changing the copy's arrays, objects and values leaves the original alone. */
	json_array_add_string_element(json_object_get_array_member(process, "env"), "NEW=1");
	json_object_set_boolean_member(json_object_get_object_member(process, "capabilities"), "x",
				       TRUE);
	json_node_set_string(json_object_get_member(process, "cwd"), "/elsewhere");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(f->process, "env")), ==,
			 3);
	g_assert_false(json_object_has_member(
		json_object_get_object_member(f->process, "capabilities"), "x"));
	g_assert_cmpstr(json_object_get_string_member(f->process, "cwd"), ==, "/srv");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add("/controller-exec-spec/defaults", Fixture, NULL, setup, test_defaults, teardown);
	g_test_add("/controller-exec-spec/everything", Fixture, NULL, setup, test_everything,
		   teardown);
	g_test_add("/controller-exec-spec/users", Fixture, NULL, setup, test_users, teardown);
	g_test_add("/controller-exec-spec/passwd-symlink", Fixture, NULL, setup,
		   test_passwd_symlink_stays_inside, teardown);
	g_test_add("/controller-exec-spec/bad-options", Fixture, NULL, setup, test_bad_options,
		   teardown);
	g_test_add("/controller-exec-spec/copy-shares-nothing", Fixture, NULL, setup,
		   test_copy_shares_nothing, teardown);
	return g_test_run();
}
