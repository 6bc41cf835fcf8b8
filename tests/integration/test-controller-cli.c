/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-controller-helpers.h"

/* vigilctl, one subcommand after the other, against real runc. */

/* `vigilctl state --json ID`, parsed. */
static JsonObject *state_json(Ctl *c)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();

	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "state", "--json", c->b->id, NULL), ==, 0);
	g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static char *status_of(Ctl *c)
{
	JsonObject *o = state_json(c);
	char *s = g_strdup(json_object_get_string_member(o, "status"));

	json_object_unref(o);
	return s;
}

static void cli_ok(Ctl *c, const char *verb, const char *arg)
{
	g_autofree char *err = NULL;

	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, verb, arg != NULL ? arg : c->b->id,
				arg != NULL ? c->b->id : NULL, NULL),
			==, 0);
	g_assert_cmpstr(err, ==, "");
}

#define READY "touch /tmp/ready; "

static void wait_ready(Ctl *c)
{
	g_autofree char *ready = g_build_filename(c->b->bundle, "rootfs", "tmp", "ready", NULL);

	g_assert_true(testlib_wait_for_file(ready, CTL_WAIT_MS));
}

static void test_lifecycle(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c",
		"trap 'echo bye; exit 9' USR1; echo hi; " READY "while :; do sleep 0.1; done",
		NULL });
	g_autofree char *out = NULL, *err = NULL, *list = NULL;

	if (c == NULL)
		return;
	g_test_summary(
		"create, state, list, start, logs, kill, wait, delete from the command line");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "create", "--bundle", c->b->bundle, "--name",
				"web", c->b->id, NULL),
			==, 0);
	g_autoptr(JsonObject) created = state_json(c);
	g_assert_cmpstr(json_object_get_string_member(created, "status"), ==, "created");
	g_assert_cmpstr(json_object_get_string_member(created, "name"), ==, "web");
	g_assert_cmpint(json_object_get_int_member(created, "pid"), >, 0);
	g_assert_true(json_object_get_null_member(created, "exit_code"));

	g_assert_cmpint(ctl_cli(c, NULL, &list, NULL, "list", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(list, "ID "));
	g_assert_nonnull(strstr(list, c->b->id));

	cli_ok(c, "start", NULL);
	wait_ready(c);
	g_autofree char *running = status_of(c);
	g_assert_cmpstr(running, ==, "running");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "kill", c->b->id, "USR1", NULL), ==, 0);
	/* wait prints the code and exits with it */
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "wait", c->b->id, NULL), ==, 9);
	g_assert_cmpstr(out, ==, "9\n");
	g_autoptr(JsonObject) stopped = state_json(c);
	g_assert_cmpstr(json_object_get_string_member(stopped, "status"), ==, "stopped");
	g_assert_cmpint(json_object_get_int_member(stopped, "exit_code"), ==, 9);

	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "logs", c->b->id, NULL), ==, 0);
	g_assert_cmpstr(out, ==, "hi\nbye\n");

	cli_ok(c, "delete", NULL);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_autofree char *gone = g_strdup_printf("vigilctl: state '%s': no such container '%s'\n",
						c->b->id, c->b->id);
	g_assert_cmpstr(err, ==, gone);
}

static void test_run_exit_code(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c",
							  "echo out; echo err >&2; "
							  "exit 3",
							  NULL });
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("run = create + attach + start + wait: the output, then the exit code");
	int status = ctl_cli(c, NULL, &out, &err, "run", "--bundle", c->b->bundle, "--rm", c->b->id,
			     NULL);
	if (!ctl_require_attach_cli(status, err))
		return;
	g_assert_cmpint(status, ==, 3);
	g_assert_cmpstr(out, ==, "out\n");
	g_assert_cmpstr(err, ==, "err\n");
	/* --rm: gone */
	g_autofree char *dir = g_build_filename(c->root, c->b->id, NULL);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

static void test_run_detached_stop(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "trap '' TERM; " READY "while :; do sleep 1; done", NULL });
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("run -d returns at once; stop -t 1 SIGKILLs a TERM-ignoring container");
	g_assert_cmpint(
		ctl_cli(c, NULL, NULL, &err, "run", "-d", "--bundle", c->b->bundle, c->b->id, NULL),
		==, 0);
	wait_ready(c);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "stop", "-t", "1", c->b->id, NULL), ==, 0);
	g_autoptr(JsonObject) o = state_json(c);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "stopped");
	g_assert_cmpint(json_object_get_int_member(o, "exit_code"), ==, 137);
}

static void test_pause_unpause(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });

	if (c == NULL)
		return;
	g_test_summary("pause / unpause show in state");
	ctl_create(c);
	cli_ok(c, "start", NULL);
	cli_ok(c, "pause", NULL);
	g_autofree char *paused = status_of(c);
	g_assert_cmpstr(paused, ==, "paused");
	cli_ok(c, "unpause", NULL);
	g_autofree char *running = status_of(c);
	g_assert_cmpstr(running, ==, "running");
	g_autofree char *out = NULL;
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "state", "--hard", c->b->id, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "status       running\n"));
}

static void test_delete_running_refused(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("delete of a running container: one line, exit 1; -f deletes it");
	ctl_create(c);
	cli_ok(c, "start", NULL);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", c->b->id, NULL), ==, 1);
	g_autofree char *want = g_strdup_printf(
		"vigilctl: delete '%s': it is running: stop it first or force the delete\n",
		c->b->id);
	g_assert_cmpstr(err, ==, want);
	cli_ok(c, "delete", "-f");
}

static int wait_child(GPid pid)
{
	int status = testlib_wait_pid(pid, 60000);

	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_concurrent_calls(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "trap '' TERM; " READY "while :; do sleep 1; done", NULL });
	g_autoptr(Ctl) other = ctl_new((const char *const[]){ "sleep", "1000", NULL });

	if (c == NULL || other == NULL)
		return;
	g_test_summary("two vigilctl calls on one container are serialised; another container "
		       "is not held up meanwhile");
	ctl_create(c);
	cli_ok(c, "start", NULL);
	wait_ready(c);
	/* Put the second container under the first one's root. */
	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
	o.bundle = other->b->bundle;
	g_assert_true(vigil_runtime_create_container(c->rt, other->b->id, &o, NULL));

	GPid a = ctl_cli_async(c, (const char *const[]){ "stop", "-t", "60", c->b->id, NULL });
	GPid b = ctl_cli_async(c, (const char *const[]){ "stop", "-t", "60", c->b->id, NULL });
	/* One of them holds the lock while waiting out the 60 s; a call on another container
	 * finishes meanwhile. */
	g_autofree char *out = NULL;
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "state", other->b->id, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "status       created\n"));
	g_assert_cmpint(waitpid(a, NULL, WNOHANG), ==, 0);
	g_assert_cmpint(waitpid(b, NULL, WNOHANG), ==, 0);
	/* End the wait early: both stops then succeed, the second finding it stopped. */
	g_assert_cmpint(testlib_runc(c->b, NULL, NULL, "kill", c->b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(wait_child(a), ==, 0);
	g_assert_cmpint(wait_child(b), ==, 0);
	g_autoptr(JsonObject) st = state_json(c);
	g_assert_cmpint(json_object_get_int_member(st, "exit_code"), ==, 137);
	g_assert_true(vigil_runtime_delete_container(c->rt, other->b->id, TRUE, NULL));
}

static void test_run_bad_detach_keys(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *err = NULL, *want = NULL;

	if (c == NULL)
		return;
	g_test_summary("run with detach keys that do not parse: one line, 125, and no container "
		       "left behind (none started)");
	int status = ctl_cli(c, "", NULL, &err, "run", "--bundle", c->b->bundle, "--detach-keys",
			     "ctrl-", c->b->id, NULL);
	g_assert_cmpint(status, ==, 125);
	want = g_strdup_printf("vigilctl: attach '%s': detach keys 'ctrl-': 'ctrl-' is not a key "
			       "(use a character or ctrl-<c>)\n",
			       c->b->id);
	g_assert_cmpstr(err, ==, want);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_autofree char *gone = g_strdup_printf("vigilctl: state '%s': no such container '%s'\n",
						c->b->id, c->b->id);
	g_assert_cmpstr(err, ==, gone);
}

static void test_command_not_runnable(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "no-such-command", NULL });
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("run and exec of a command that is not found exit 127, of one that cannot "
		       "be executed 126, as podman's do; a failed run leaves no container");
	int status = ctl_cli(c, "", NULL, &err, "run", "--bundle", c->b->bundle, c->b->id, NULL);
	g_assert_cmpint(status, ==, 127);
	g_assert_nonnull(strstr(err, "no-such-command"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_clear_pointer(&err, g_free);

	test_bundle_set_args(c->b, (const char *const[]){ "sleep", "1000", NULL });
	test_bundle_write_config(c->b);
	ctl_create(c);
	cli_ok(c, "start", NULL);
	status = ctl_cli(c, "", NULL, &err, "exec", c->b->id, "no-such-command", NULL);
	g_assert_cmpint(status, ==, 127);
	g_clear_pointer(&err, g_free);
	status = ctl_cli(c, "", NULL, &err, "exec", c->b->id, "/no/such/path", NULL);
	g_assert_cmpint(status, ==, 127);
	g_clear_pointer(&err, g_free);
	/* a directory: runc says "permission denied" */
	status = ctl_cli(c, "", NULL, &err, "exec", c->b->id, "/bin", NULL);
	g_assert_cmpint(status, ==, 126);
	g_assert_true(g_str_has_prefix(err, "vigilctl: exec '"));
	g_clear_pointer(&err, g_free);
	/* a container that does not exist is vigilctl's failure, not the command's */
	status = ctl_cli(c, "", NULL, &err, "exec", "no-such-container", "true", NULL);
	g_assert_cmpint(status, ==, 125);
}

static void test_exec_input_ends_in_detach_prefix(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("exec -i: input that ends in the first detach key (ctrl-p) reaches the "
		       "session whole when stdin ends");
	ctl_create(c);
	cli_ok(c, "start", NULL);
	int status = ctl_cli(c, "abc\x10", &out, &err, "exec", "-i", c->b->id, "cat", NULL);
	if (!ctl_require_attach_cli(status, err))
		return;
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpstr(out, ==, "abc\x10");

	/* detach keys that do not parse: refused before the command runs */
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	status = ctl_cli(c, "", &out, &err, "exec", "--detach-keys", "ctrl-", c->b->id, "touch",
			 "/ran", NULL);
	g_assert_cmpint(status, ==, 125);
	g_assert_true(g_str_has_prefix(err, "vigilctl: exec '"));
	g_assert_nonnull(strstr(err, "detach keys 'ctrl-'"));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "exec", c->b->id, "test", "-e", "/ran", NULL),
			==, 1);
}

static void test_paths_info_features(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *out = NULL, *info = NULL, *features = NULL, *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();

	if (c == NULL)
		return;
	g_test_summary("paths, runtime-info and features, in JSON; paths --session only for a "
		       "session that exists");
	ctl_create(c);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "paths", "--session", "s1", c->b->id, NULL),
			==, 1);
	g_autofree char *no_session =
		g_strdup_printf("vigilctl: paths '%s': no such exec session 's1'\n", c->b->id);
	g_assert_cmpstr(err, ==, no_session);
	g_assert_cmpstr(out, ==, "");
	g_clear_pointer(&out, g_free);
	cli_ok(c, "start", NULL);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec", "-d", "--session", "s1", c->b->id,
				"sleep", "1000", NULL),
			==, 0);
	g_assert_cmpint(
		ctl_cli(c, NULL, &out, NULL, "paths", "--json", "--session", "s1", c->b->id, NULL),
		==, 0);
	g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
	JsonObject *paths = json_node_get_object(json_parser_get_root(p));
	g_autofree char *dir = g_build_filename(c->root, c->b->id, NULL);
	g_autofree char *attach = g_build_filename(dir, "attach", NULL);
	g_autofree char *exec_attach = g_build_filename(dir, "exec", "s1", "attach", NULL);
	g_assert_cmpstr(json_object_get_string_member(paths, "state_dir"), ==, dir);
	g_assert_cmpstr(json_object_get_string_member(paths, "attach"), ==, attach);
	g_assert_cmpstr(json_object_get_string_member(paths, "exec_attach"), ==, exec_attach);
	g_assert_true(
		g_str_has_suffix(json_object_get_string_member(paths, "exit_file"), c->b->id));

	g_assert_cmpint(ctl_cli(c, NULL, &info, NULL, "runtime-info", NULL), ==, 0);
	g_assert_true(json_parser_load_from_data(p, info, -1, NULL));
	JsonObject *o = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(
		json_object_get_string_member(json_object_get_object_member(o, "runtime"), "name"),
		==, "runc");

	g_assert_cmpint(ctl_cli(c, NULL, &features, NULL, "features", "--json", NULL), ==, 0);
	g_assert_true(json_parser_load_from_data(p, features, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	g_assert_true(json_object_get_boolean_member(o, "json_errors"));
	g_assert_false(json_object_get_boolean_member(o, "no_cgroups"));

	/* a runtime whose name needs escaping still gives valid JSON */
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *odd = g_build_filename(testlib_root(), "ru\"nc", NULL);
	g_autofree char *odd_out = NULL;
	g_assert_cmpint(symlink(runc, odd), ==, 0);
	const char *argv[] = { testlib_vigilctl(), "--runtime", odd, "features", "--json", NULL };
	g_assert_cmpint(testlib_run(argv, NULL, &odd_out, NULL), ==, 0);
	g_assert_true(json_parser_load_from_data(p, odd_out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(o, "runtime"), ==, "ru\"nc");
}

static void test_checkpoint_restore_errors(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *err = NULL, *features = NULL;
	g_autofree char *image = NULL;

	if (c == NULL)
		return;
	g_test_summary("checkpoint and restore fail in one clear line when CRIU cannot run");
	g_assert_cmpint(ctl_cli(c, NULL, &features, NULL, "features", NULL), ==, 0);
	if (strstr(features, "checkpoint   yes") != NULL) {
		testlib_skip("CRIU works here: the failure paths are not reachable");
		return;
	}
	ctl_create(c);
	cli_ok(c, "start", NULL);
	image = g_build_filename(c->b->dir, "ck", NULL);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "checkpoint", "--image-path", image,
				"--leave-running", c->b->id, NULL),
			==, 1);
	g_autofree char *want = g_strdup_printf("vigilctl: checkpoint '%s': checkpointing is not "
						"available: ",
						c->b->id);
	g_assert_true(g_str_has_prefix(err, want));
	const char *why = err + strlen(want);
	g_assert_true(g_str_has_prefix(why, "'criu check' failed") ||
		      g_str_has_prefix(why, "criu is not installed"));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);

	g_clear_pointer(&err, g_free);
	g_assert_cmpint(g_mkdir_with_parents(image, 0700), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "restore", "--bundle", c->b->bundle,
				"--image-path", image, "restored", NULL),
			==, 1);
	g_assert_true(g_str_has_prefix(err, "vigilctl: restore 'restored': runc: "));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
}

static void test_runtime_errors_are_one_line(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("the runtime's own message (its JSON log), prefixed with what failed");
	ctl_create(c);
	/* runc refuses to resume a container that is not paused. */
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "unpause", c->b->id, NULL), ==, 1);
	g_autofree char *want = g_strdup_printf("vigilctl: unpause '%s': runc: ", c->b->id);
	g_assert_true(g_str_has_prefix(err, want));
	g_assert_null(strstr(err, "\"level\""));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
}

static void test_bundle_terminal(void)
{
	g_autoptr(Ctl) c =
		ctl_new((const char *const[]){ "sh", "-c", "test -t 1 && exit 4; exit 5", NULL });
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("a bundle straight from `runc spec` (process.terminal true) is created "
		       "without -t: the monitor makes the terminal the config asks for");
	test_bundle_set_terminal(c->b, TRUE);
	test_bundle_write_config(c->b);
	g_assert_cmpint(
		ctl_cli(c, NULL, NULL, &err, "create", "--bundle", c->b->bundle, c->b->id, NULL),
		==, 0);
	g_assert_cmpstr(err, ==, "");
	cli_ok(c, "start", NULL);
	/* its stdout is a terminal */
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "wait", c->b->id, NULL), ==, 4);
	cli_ok(c, "delete", NULL);
}

static void test_wait_codes(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("wait: 125 when vigilctl gave up (its --timeout), 255 and -1 when the "
		       "monitor's --timeout killed the container, 255 and unknown when the monitor "
		       "is gone without an exit file");
	ctl_create(c);
	cli_ok(c, "start", NULL);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "wait", "--timeout", "1", c->b->id, NULL), ==,
			125);
	g_assert_cmpstr(out, ==, "");
	g_autofree char *prefix = g_strdup_printf("vigilctl: wait '%s': timed out", c->b->id);
	g_assert_true(g_str_has_prefix(err, prefix));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
	cli_ok(c, "delete", "-f");

	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "create", "--timeout", "1", "--bundle",
				c->b->bundle, c->b->id, NULL),
			==, 0);
	cli_ok(c, "start", NULL);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "wait", c->b->id, NULL), ==, 255);
	g_assert_cmpstr(out, ==, "-1\n");
	cli_ok(c, "delete", "-f");

	/* The monitor killed: no exit file, the code is unknown. That is no failure of
	 * vigilctl's: 255 as above, printed as unknown (no number it never had), the reason
	 * on stderr. */
	ctl_create(c);
	cli_ok(c, "start", NULL);
	g_autoptr(JsonObject) st = state_json(c);
	int monitor = (int)json_object_get_int_member(st, "monitor_pid");
	g_assert_cmpint(monitor, >, 0);
	g_assert_cmpint(kill(monitor, SIGKILL), ==, 0);
	g_assert_cmpint(testlib_runc(c->b, NULL, NULL, "kill", c->b->id, "KILL", NULL), ==, 0);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "wait", c->b->id, NULL), ==, 255);
	g_assert_cmpstr(out, ==, "unknown\n");
	g_autofree char *reason = g_strdup_printf("vigilctl: wait '%s': ", c->b->id);
	g_assert_true(g_str_has_prefix(err, reason));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
}

static void test_size_suffixes(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *cmdline = NULL, *path = NULL;
	gsize len = 0;

	if (c == NULL)
		return;
	g_test_summary("sizes take k, m and g (powers of 1024): the monitor gets bytes");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "create", "--bundle", c->b->bundle,
				"--log-size-max", "10k", "--log-global-size-max", "2MiB", c->b->id,
				NULL),
			==, 0);
	g_autoptr(JsonObject) st = state_json(c);
	path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline",
			       json_object_get_int_member(st, "monitor_pid"));
	g_assert_true(g_file_get_contents(path, &cmdline, &len, NULL));
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	for (gsize i = 0; i < len; i += strlen(cmdline + i) + 1)
		g_ptr_array_add(args, cmdline + i);
	g_ptr_array_add(args, NULL);
	g_assert_true(g_strv_contains((const char *const *)args->pdata, "--log-size-max=10240"));
	g_assert_true(
		g_strv_contains((const char *const *)args->pdata, "--log-global-size-max=2097152"));
	cli_ok(c, "delete", "-f");
}

static void test_run_detached_rm(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", READY "until [ -e /tmp/go ]; do sleep 0.1; done", NULL });
	g_autofree char *err = NULL, *dir = NULL, *go = NULL;

	if (c == NULL)
		return;
	g_test_summary("run -d --rm: the container is removed once it exited (its monitor's "
		       "exit command deletes it), not before");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "run", "-d", "--rm", "--bundle", c->b->bundle,
				c->b->id, NULL),
			==, 0);
	g_assert_cmpstr(err, ==, "");
	wait_ready(c);
	g_autofree char *running = status_of(c);
	g_assert_cmpstr(running, ==, "running");
	/* let it end */
	go = g_build_filename(c->b->bundle, "rootfs", "tmp", "go", NULL);
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	dir = g_build_filename(c->root, c->b->id, NULL);
	for (int i = 0; i < CTL_WAIT_MS / 50 && g_file_test(dir, G_FILE_TEST_EXISTS); i++)
		g_usleep(50 * 1000);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_autofree char *gone = g_strdup_printf("vigilctl: state '%s': no such container '%s'\n",
						c->b->id, c->b->id);
	g_assert_cmpstr(err, ==, gone);
	/* and the runtime forgot it too */
	g_assert_cmpint(testlib_runc(c->b, NULL, NULL, "state", c->b->id, NULL), !=, 0);
}

/* vigilctl's output with args, which must exit 0 with nothing on stderr. */
static char *cli_out(Ctl *c, const char *const *args)
{
	g_autofree char *err = NULL;
	char *out = NULL;

	g_assert_cmpint(ctl_cliv(c, NULL, NULL, &out, &err, args), ==, 0);
	g_assert_cmpstr(err, ==, "");
	return out;
}

static void test_help_version_forms(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "true", NULL });
	g_autofree char *help = NULL, *help_cmd = NULL, *list_help = NULL, *help_list = NULL;
	g_autofree char *v = NULL, *version = NULL, *version_cmd = NULL, *json = NULL;
	g_autofree char *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();

	if (c == NULL)
		return;
	g_test_summary("help and help COMMAND are --help and COMMAND --help; -v, --version and "
		       "version print the same; an unknown command for help is one line");
	help = cli_out(c, (const char *const[]){ "--help", NULL });
	help_cmd = cli_out(c, (const char *const[]){ "help", NULL });
	g_assert_cmpstr(help_cmd, ==, help);
	g_assert_true(g_str_has_prefix(help, "Usage:\n  vigilctl [OPTION"));
	g_assert_nonnull(strstr(help, "\n  help "));
	list_help = cli_out(c, (const char *const[]){ "list", "--help", NULL });
	help_list = cli_out(c, (const char *const[]){ "help", "list", NULL });
	g_assert_cmpstr(help_list, ==, list_help);
	g_assert_nonnull(strstr(list_help, "vigilctl list"));
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "help", "bogus", NULL), ==, 1);
	g_assert_cmpstr(err, ==,
			"vigilctl: help: unknown command 'bogus' (see 'vigilctl --help')\n");

	v = cli_out(c, (const char *const[]){ "-v", NULL });
	version = cli_out(c, (const char *const[]){ "--version", NULL });
	version_cmd = cli_out(c, (const char *const[]){ "version", NULL });
	g_assert_true(g_str_has_prefix(v, "vigilctl version "));
	g_assert_nonnull(strstr(v, "\nlibvigil: "));
	g_assert_cmpstr(version, ==, v);
	g_assert_cmpstr(version_cmd, ==, v);
	json = cli_out(c, (const char *const[]){ "version", "--json", NULL });
	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	JsonObject *o = json_node_get_object(json_parser_get_root(p));
	g_autofree char *first = g_strdup_printf("vigilctl version %s\n",
						 json_object_get_string_member(o, "version"));
	g_assert_true(g_str_has_prefix(v, first));
}

/* Each line of text as a JSON object (unref'd with the array). */
static GPtrArray *json_lines(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *objects = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);

	for (char **l = lines; *l != NULL; l++) {
		g_autoptr(JsonParser) p = json_parser_new();
		if (**l == '\0')
			continue;
		g_assert_true(json_parser_load_from_data(p, *l, -1, NULL));
		g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
		g_ptr_array_add(objects,
				json_object_ref(json_node_get_object(json_parser_get_root(p))));
	}
	return objects;
}

static void test_debug_log(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *log = NULL, *text = NULL, *err = NULL, *start = NULL, *kill = NULL;
	g_autoptr(GPtrArray) records = NULL;
	gboolean ran_start = FALSE, logged_error = FALSE;

	if (c == NULL)
		return;
	g_test_summary("--debug shows the runtime's command lines through libvigil's logging; "
		       "--log FILE and --log-format json put the records in the file, one JSON "
		       "object a line; without --log they go to stderr as text");
	ctl_create(c);
	log = g_build_filename(c->b->dir, "vigilctl.log", NULL);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "--debug", "--log", log, "--log-format",
				"json", "start", c->b->id, NULL),
			==, 0);
	g_assert_cmpstr(err, ==, "");
	/* an error is on stderr and in the log */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "--log", log, "--log-format", "json", "start",
				"nosuch", NULL),
			==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: start 'nosuch': no such container 'nosuch'\n");
	g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
	records = json_lines(text);
	start = g_strdup_printf(" start %s", c->b->id);
	for (guint i = 0; i < records->len; i++) {
		JsonObject *o = g_ptr_array_index(records, i);
		const char *level = json_object_get_string_member(o, "level");
		const char *msg = json_object_get_string_member(o, "msg");
		g_assert_nonnull(json_object_get_string_member(o, "time"));
		if (g_str_equal(level, "debug") && g_str_has_prefix(msg, "running /") &&
		    g_str_has_suffix(msg, start))
			ran_start = TRUE;
		if (g_str_equal(level, "error") &&
		    g_str_equal(msg, "start 'nosuch': no such container 'nosuch'"))
			logged_error = TRUE;
	}
	g_assert_true(ran_start);
	g_assert_true(logged_error);

	/* text on stderr */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "--debug", "kill", c->b->id, "KILL", NULL), ==,
			0);
	kill = g_strdup_printf(" kill %s 9\"\n", c->b->id);
	g_assert_true(g_str_has_prefix(err, "time=\""));
	g_assert_nonnull(strstr(err, " level=debug msg=\"running /"));
	g_assert_nonnull(strstr(err, kill));
	g_assert_cmpint(ctl_wait(c), ==, 137);

	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "--log-format", "yaml", "list", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: --log-format: 'yaml' is not text or json\n");
	g_clear_pointer(&err, g_free);
	g_autofree char *nodir = g_build_filename(c->b->dir, "no", "such", "log", NULL);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "--log", nodir, "list", NULL), ==, 1);
	g_assert_true(g_str_has_prefix(err, "vigilctl: --log '"));
	cli_ok(c, "delete", NULL);
}

static void test_list_formats(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *table = NULL, *ids = NULL, *json = NULL, *json2 = NULL, *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();

	if (c == NULL)
		return;
	g_test_summary("list: a NAME column; -q prints the ids alone; --format json is --json; "
		       "another --format is refused");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "create", "--bundle", c->b->bundle, "--name",
				"web-server", c->b->id, NULL),
			==, 0);
	table = cli_out(c, (const char *const[]){ "list", NULL });
	g_auto(GStrv) rows = g_strsplit(table, "\n", -1);
	g_auto(GStrv) head = g_strsplit_set(rows[0], " ", -1);
	g_autoptr(GPtrArray) heads = g_ptr_array_new();
	for (char **h = head; *h != NULL; h++) {
		if (**h != '\0')
			g_ptr_array_add(heads, *h);
	}
	g_ptr_array_add(heads, NULL);
	g_assert_cmpstrv((char **)heads->pdata,
			 ((const char *const[]){ "ID", "NAME", "STATUS", "PID", "EXIT", "CREATED",
						 "BUNDLE", NULL }));
	g_autofree char *row = g_strdup_printf("%s  web-server  created ", c->b->id);
	g_assert_true(g_str_has_prefix(rows[1], row));
	/* the columns line up under their headings */
	g_assert_cmpint(strstr(rows[0], "NAME") - rows[0], ==, strstr(rows[1], "web") - rows[1]);
	g_assert_cmpint(strstr(rows[0], "STATUS") - rows[0], ==,
			strstr(rows[1], "created") - rows[1]);

	ids = cli_out(c, (const char *const[]){ "list", "-q", NULL });
	g_autofree char *id_line = g_strdup_printf("%s\n", c->b->id);
	g_assert_cmpstr(ids, ==, id_line);

	json = cli_out(c, (const char *const[]){ "list", "--format", "json", NULL });
	json2 = cli_out(c, (const char *const[]){ "list", "--json", NULL });
	g_assert_cmpstr(json, ==, json2);
	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	JsonArray *a = json_node_get_array(json_parser_get_root(p));
	g_assert_cmpint(json_array_get_length(a), ==, 1);
	JsonObject *o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, c->b->id);
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "web-server");

	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "list", "--format", "yaml", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: list: --format 'yaml' is not table or json\n");
	cli_ok(c, "delete", NULL);
}

/* stderr of a failed vigilctl --json call: one JSON object on one line. */
static JsonObject *json_error(const char *err)
{
	g_autoptr(JsonParser) p = json_parser_new();

	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
	g_assert_true(json_parser_load_from_data(p, err, -1, NULL));
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static void test_json_errors(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "true", NULL });
	g_autofree char *out = NULL, *err = NULL, *err2 = NULL, *err3 = NULL, *err4 = NULL;

	if (c == NULL)
		return;
	g_test_summary("with --json (global or the command's) an error is one JSON object on "
		       "stderr with the message and the exit code; without it, one text line");
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "--json", "state", "nosuch", NULL), ==, 1);
	g_assert_cmpstr(out, ==, "");
	g_autoptr(JsonObject) o = json_error(err);
	g_assert_cmpstr(json_object_get_string_member(o, "message"), ==,
			"state 'nosuch': no such container 'nosuch'");
	g_assert_cmpint(json_object_get_int_member(o, "code"), ==, 1);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err2, "state", "--json", "nosuch", NULL), ==, 1);
	g_assert_cmpstr(err2, ==, err);
	/* option errors too, though GLib reports them having undone --json */
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err3, "--json", "list", "--bogus", NULL), ==, 1);
	g_autoptr(JsonObject) bad = json_error(err3);
	g_assert_true(g_str_has_prefix(json_object_get_string_member(bad, "message"),
				       "list: Unknown option --bogus"));
	/* the exit code is the one vigilctl exits with */
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err4, "--json", "wait", "nosuch", NULL), ==, 125);
	g_autoptr(JsonObject) w = json_error(err4);
	g_assert_cmpint(json_object_get_int_member(w, "code"), ==, 125);
	/* no command at all */
	g_autofree char *err5 = NULL;
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err5, "--json", NULL), ==, 1);
	g_autoptr(JsonObject) none = json_error(err5);
	g_assert_cmpstr(json_object_get_string_member(none, "message"), ==,
			"no command (see 'vigilctl --help')");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", "nosuch", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: state 'nosuch': no such container 'nosuch'\n");
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-cli/lifecycle", test_lifecycle);
	g_test_add_func("/controller-cli/run-exit-code", test_run_exit_code);
	g_test_add_func("/controller-cli/run-detached-stop", test_run_detached_stop);
	g_test_add_func("/controller-cli/pause-unpause", test_pause_unpause);
	g_test_add_func("/controller-cli/delete-running-refused", test_delete_running_refused);
	g_test_add_func("/controller-cli/concurrent", test_concurrent_calls);
	g_test_add_func("/controller-cli/paths-info-features", test_paths_info_features);
	g_test_add_func("/controller-cli/checkpoint-restore-errors",
			test_checkpoint_restore_errors);
	g_test_add_func("/controller-cli/runtime-errors", test_runtime_errors_are_one_line);
	g_test_add_func("/controller-cli/run-bad-detach-keys", test_run_bad_detach_keys);
	g_test_add_func("/controller-cli/command-not-runnable", test_command_not_runnable);
	g_test_add_func("/controller-cli/exec-input-detach-prefix",
			test_exec_input_ends_in_detach_prefix);
	g_test_add_func("/controller-cli/bundle-terminal", test_bundle_terminal);
	g_test_add_func("/controller-cli/wait-codes", test_wait_codes);
	g_test_add_func("/controller-cli/size-suffixes", test_size_suffixes);
	g_test_add_func("/controller-cli/run-detached-rm", test_run_detached_rm);
	g_test_add_func("/controller-cli/help-version", test_help_version_forms);
	g_test_add_func("/controller-cli/debug-log", test_debug_log);
	g_test_add_func("/controller-cli/list-formats", test_list_formats);
	g_test_add_func("/controller-cli/json-errors", test_json_errors);
	return g_test_run();
}
