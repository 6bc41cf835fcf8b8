/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test-controller-helpers.h"

/*
 * The engine methods beyond create/start/exec, in the library and vigilctl, against real
 * runc: reopening the log, resizing a terminal nobody is attached to, the persist, oom and
 * exec exit-file paths, and listing a container's exec sessions.
 */

/* Create and start c's container through vigilctl, with extra create options. */
static void cli_run_detached(Ctl *c, const char *const *extra)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autofree char *err = NULL;

	g_ptr_array_add(args, (char *)"run");
	g_ptr_array_add(args, (char *)"-d");
	g_ptr_array_add(args, (char *)"--bundle");
	g_ptr_array_add(args, c->b->bundle);
	for (; extra != NULL && *extra != NULL; extra++)
		g_ptr_array_add(args, (char *)*extra);
	g_ptr_array_add(args, c->b->id);
	g_ptr_array_add(args, NULL);
	g_assert_cmpint(ctl_cliv(c, NULL, NULL, NULL, &err, (const char *const *)args->pdata), ==,
			0);
	g_assert_cmpstr(err, ==, "");
}

/* A path under the container's rootfs. */
static char *rootfs_path(Ctl *c, const char *name)
{
	return g_build_filename(c->b->bundle, "rootfs", name, NULL);
}

/* vigilctl's stdout for args (which must succeed), stripped. */
static char *cli_out(Ctl *c, const char *const *args)
{
	g_autofree char *out = NULL, *err = NULL;

	g_assert_cmpint(ctl_cliv(c, NULL, NULL, &out, &err, args), ==, 0);
	g_assert_cmpstr(err, ==, "");
	return g_strdup(g_strstrip(out));
}

static JsonObject *cli_json(Ctl *c, const char *const *args)
{
	g_autofree char *out = cli_out(c, args);
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(json_parser_load_from_data(p, out, -1, &error));
	g_assert_no_error(error);
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static void test_reopen_log(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c",
		"echo one; until [ -e /tmp/go ]; do sleep 0.1; done; echo two; exec sleep 1000",
		NULL });
	g_autofree char *err = NULL, *want = NULL;

	if (c == NULL)
		return;
	g_test_summary("reopen-log: after the log was moved away (logrotate), the monitor writes "
		       "a new file at its path; refused in one line for an unknown or a stopped "
		       "container");
	cli_run_detached(c, NULL);
	g_autoptr(VigilContainer) ctr =
		vigil_runtime_update_container_status(c->rt, c->b->id, VIGIL_UPDATE_DEFAULT, NULL);
	const char *log = vigil_container_get_log_path(ctr);
	g_autofree char *moved = g_strconcat(log, ".1", NULL);
	g_autofree char *go = rootfs_path(c, "tmp/go");
	g_assert_true(testlib_wait_for_text(log, "stdout F one", CTL_WAIT_MS));
	g_assert_cmpint(rename(log, moved), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "reopen-log", c->b->id, NULL), ==, 0);
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	g_assert_true(testlib_wait_for_text(log, "stdout F two", CTL_WAIT_MS));
	g_autofree char *old = testlib_read_file(moved);
	g_assert_nonnull(strstr(old, "stdout F one"));
	g_assert_null(strstr(old, "two"));

	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "reopen-log", "nosuch", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: reopen-log 'nosuch': no such container 'nosuch'\n");
	g_clear_pointer(&err, g_free);
	/* Stopped, it has no monitor to ask. */
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "stop", "-t", "0", c->b->id, NULL), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "reopen-log", c->b->id, NULL), ==, 1);
	want = g_strdup_printf("vigilctl: reopen-log '%s': it is stopped\n", c->b->id);
	g_assert_cmpstr(err, ==, want);
}

static void test_reopen_log_session(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("reopen-log --session: a detached exec session's log is reopened too");
	cli_run_detached(c, NULL);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec", "-d", "--session", "s", c->b->id, "sh",
				"-c",
				"echo a; until [ -e /tmp/go ]; do sleep 0.1; done; echo b; "
				"exec sleep 1000",
				NULL),
			==, 0);
	g_autofree char *log = g_build_filename(c->root, c->b->id, "exec", "s", "ctr.log", NULL);
	g_autofree char *moved = g_strconcat(log, ".1", NULL);
	g_autofree char *go = rootfs_path(c, "tmp/go");
	g_assert_true(testlib_wait_for_text(log, "stdout F a", CTL_WAIT_MS));
	g_assert_cmpint(rename(log, moved), ==, 0);
	g_assert_true(vigil_runtime_reopen_log(c->rt, c->b->id, "s", &error));
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	g_assert_true(testlib_wait_for_text(log, "stdout F b", CTL_WAIT_MS));
}

static void test_resize_detached(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c",
		"until [ \"$(stty size)\" = '33 77' ]; do sleep 0.1; done; echo sized; "
		"exec sleep 1000",
		NULL });
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("resize: a terminal container with no client attached gets the size, and "
		       "so does a detached exec -t session; sizes that are none refused in one "
		       "line");
	cli_run_detached(c, (const char *const[]){ "-t", NULL });
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "resize", c->b->id, "33", "77", NULL), ==, 0);
	g_autoptr(VigilContainer) ctr =
		vigil_runtime_update_container_status(c->rt, c->b->id, VIGIL_UPDATE_DEFAULT, NULL);
	g_assert_true(
		testlib_wait_for_text(vigil_container_get_log_path(ctr), "sized", CTL_WAIT_MS));

	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec", "-d", "-t", "--session", "t", c->b->id,
				"sh", "-c",
				"until [ \"$(stty size)\" = '40 100' ]; do sleep 0.1; done; "
				"echo session-sized; exec sleep 1000",
				NULL),
			==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "resize", "--session", "t", c->b->id, "40",
				"100", NULL),
			==, 0);
	g_autofree char *log = g_build_filename(c->root, c->b->id, "exec", "t", "ctr.log", NULL);
	g_assert_true(testlib_wait_for_text(log, "session-sized", CTL_WAIT_MS));

	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "resize", c->b->id, "0", "80", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: resize: 0 x 80 is not a terminal size (1 to 65535)\n");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "resize", c->b->id, "x", "80", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: resize: ROWS 'x' is not a non-negative number\n");
}

static void test_paths(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *persist = NULL;

	if (c == NULL)
		return;
	g_test_summary("paths: the persist directory and oom file (the state directory's, or "
		       "--persist-dir's), and with --session the session's exit file, which is "
		       "where its exit code appears");
	persist = g_build_filename(c->b->dir, "persist", NULL);
	cli_run_detached(c, (const char *const[]){ "--persist-dir", persist, NULL });
	g_autoptr(JsonObject) o =
		cli_json(c, (const char *const[]){ "--json", "paths", c->b->id, NULL });
	g_autofree char *oom = g_build_filename(persist, "oom", NULL);
	g_assert_cmpstr(json_object_get_string_member(o, "persist_dir"), ==, persist);
	g_assert_cmpstr(json_object_get_string_member(o, "oom_file"), ==, oom);
	g_assert_false(json_object_has_member(o, "exec_exit_file"));

	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec", "--session", "e", c->b->id, "sh", "-c",
				"exit 9", NULL),
			==, 9);
	/* exec cleans up an attached session once it ended: a detached one keeps its files. */
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec", "-d", "--session", "d", c->b->id, "sh",
				"-c", "exit 8", NULL),
			==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "wait", "--session", "d", c->b->id, NULL), ==,
			8);
	g_autoptr(JsonObject) s = cli_json(
		c, (const char *const[]){ "--json", "paths", "--session", "d", c->b->id, NULL });
	const char *exit_file = json_object_get_string_member(s, "exec_exit_file");
	g_autofree char *code = testlib_read_file(exit_file);
	g_assert_cmpstr(code, ==, "8");

	g_autoptr(GError) error = NULL;
	g_autofree char *lib_oom = vigil_runtime_oom_file_path(c->rt, c->b->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(lib_oom, ==, oom);
	g_autofree char *none = vigil_runtime_persist_directory_path(c->rt, "nosuch", &error);
	g_assert_null(none);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

static void test_exec_list(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("exec-list: none at first; then a running and an ended session with pid, "
		       "status and exit code, in the library, as a table, -q and --json; cleaned "
		       "up, a session is gone from the list");
	cli_run_detached(c, NULL);
	g_autoptr(GPtrArray) empty = vigil_runtime_list_exec_sessions(c->rt, c->b->id, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(empty->len, ==, 0);
	g_autofree char *none =
		cli_out(c, (const char *const[]){ "exec-list", "-q", c->b->id, NULL });
	g_assert_cmpstr(none, ==, "");

	g_autofree char *id =
		cli_out(c, (const char *const[]){ "exec", "-d", c->b->id, "sleep", "1000", NULL });
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec", "-d", "--session", "0-ended", c->b->id,
				"sh", "-c", "exit 5", NULL),
			==, 0);
	g_assert_cmpint(
		ctl_cli(c, NULL, NULL, NULL, "wait", "--session", "0-ended", c->b->id, NULL), ==,
		5);

	g_autoptr(GPtrArray) list = vigil_runtime_list_exec_sessions(c->rt, c->b->id, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	VigilExecSessionInfo *ended = g_ptr_array_index(list, 0);
	VigilExecSessionInfo *running = g_ptr_array_index(list, 1);
	g_assert_cmpstr(ended->id, ==, "0-ended");
	g_assert_true(ended->has_exit_code);
	g_assert_cmpint(ended->exit_code, ==, 5);
	g_assert_cmpstr(running->id, ==, id);
	g_assert_true(running->running);
	g_assert_cmpint(running->pid, >, 0);
	g_assert_false(running->has_exit_code);

	g_autofree char *ids =
		cli_out(c, (const char *const[]){ "exec-list", "-q", c->b->id, NULL });
	g_autofree char *want_ids = g_strdup_printf("0-ended\n%s", id);
	g_assert_cmpstr(ids, ==, want_ids);
	g_autofree char *table = cli_out(c, (const char *const[]){ "exec-list", c->b->id, NULL });
	g_assert_true(g_str_has_prefix(table, "SESSION"));
	g_assert_nonnull(strstr(table, "exited   5"));
	g_autofree char *json =
		cli_out(c, (const char *const[]){ "--json", "exec-list", c->b->id, NULL });
	g_autoptr(JsonNode) node = json_from_string(json, &error);
	g_assert_no_error(error);
	JsonArray *a = json_node_get_array(node);
	g_assert_cmpuint(json_array_get_length(a), ==, 2);
	JsonObject *j0 = json_array_get_object_element(a, 0);
	JsonObject *j1 = json_array_get_object_element(a, 1);
	g_assert_cmpstr(json_object_get_string_member(j0, "session"), ==, "0-ended");
	g_assert_cmpint(json_object_get_int_member(j0, "exit_code"), ==, 5);
	g_assert_false(json_object_get_boolean_member(j0, "running"));
	g_assert_true(json_object_get_boolean_member(j1, "running"));
	g_assert_true(json_object_get_null_member(j1, "exit_code"));
	g_assert_cmpint(json_object_get_int_member(j1, "pid"), ==, running->pid);

	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec-cleanup", c->b->id, "0-ended", NULL), ==,
			0);
	g_autofree char *left =
		cli_out(c, (const char *const[]){ "exec-list", "-q", c->b->id, NULL });
	g_assert_cmpstr(left, ==, id);

	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "exec-list", "nosuch", NULL), ==, 1);
	g_assert_cmpstr(err, ==,
			"vigilctl: exec sessions of 'nosuch': no such container 'nosuch'\n");
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-methods/reopen-log", test_reopen_log);
	g_test_add_func("/controller-methods/reopen-log-session", test_reopen_log_session);
	g_test_add_func("/controller-methods/resize-detached", test_resize_detached);
	g_test_add_func("/controller-methods/paths", test_paths);
	g_test_add_func("/controller-methods/exec-list", test_exec_list);
	return g_test_run();
}
