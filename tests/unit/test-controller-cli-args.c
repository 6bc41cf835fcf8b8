/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib.h>

/*
 * The vigilctl binary (VIGILCTL, else vigilctl from PATH) on bad command lines and bad
 * records. No container is run, so these are unit tests; the test paths stay under
 * /controller-args/, where they were written.
 */

/* vigilctl's own argument handling: one line on stderr, exit 1 (125 for run/exec/wait);
 * its stdout goes to out_stdout if that is not NULL. */
static void check_cli_out(const char *const *args, int want_status, const char *want_stderr,
			  char **out_stdout)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	const char *ctl = g_getenv("VIGILCTL");
	int status = 0;

	g_ptr_array_add(argv, (char *)(ctl != NULL ? ctl : "vigilctl"));
	g_ptr_array_add(argv, (char *)"--root");
	g_ptr_array_add(argv, (char *)g_get_tmp_dir());
	/* Any executable will do as the runtime until a container is touched. */
	g_ptr_array_add(argv, (char *)"--runtime");
	g_ptr_array_add(argv, (char *)"/bin/true");
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
				   &out, &err, &status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, want_status);
	g_assert_cmpstr(err, ==, want_stderr);
	if (out_stdout != NULL)
		*out_stdout = g_steal_pointer(&out);
}

static void check_cli(const char *const *args, int want_status, const char *want_stderr)
{
	check_cli_out(args, want_status, want_stderr, NULL);
}

static void test_cli_errors(void)
{
	g_test_summary("bad vigilctl arguments: one clear line, a documented exit code");
	check_cli((const char *const[]){ "frobnicate", NULL }, 1,
		  "vigilctl: unknown command 'frobnicate' (see 'vigilctl --help')\n");
	check_cli((const char *const[]){ "start", NULL }, 1,
		  "vigilctl: start: expected ID (see 'vigilctl start --help')\n");
	check_cli((const char *const[]){ "start", "a", "b", NULL }, 1,
		  "vigilctl: start: expected ID (see 'vigilctl start --help')\n");
	check_cli((const char *const[]){ "kill", "a", "NOSIG", NULL }, 1,
		  "vigilctl: kill 'a': 'NOSIG' is not a signal\n");
	check_cli((const char *const[]){ "stop", "-t", "soon", "a", NULL }, 1,
		  "vigilctl: stop: --time 'soon' is not a non-negative number\n");
	check_cli((const char *const[]){ "stop", "--bogus", "a", NULL }, 1,
		  "vigilctl: stop: Unknown option --bogus (see 'vigilctl stop --help')\n");
	check_cli((const char *const[]){ "logs", "--since", "yesterday", "a", NULL }, 1,
		  "vigilctl: logs: --since 'yesterday' is not a time\n");
	check_cli((const char *const[]){ "checkpoint", "a", NULL }, 1,
		  "vigilctl: checkpoint: --image-path is required\n");
	check_cli((const char *const[]){ "exec", "a", NULL }, 125,
		  "vigilctl: exec: expected ID COMMAND [ARG...] (see 'vigilctl exec --help')\n");
	check_cli((const char *const[]){ "run", "--rm", "-d", "--exit-command", "/bin/true", "a",
					 NULL },
		  125,
		  "vigilctl: run: -d --rm cannot take --exit-command: the monitor's exit command "
		  "is what removes the container\n");
	check_cli((const char *const[]){ "--runtime", "/nonexistent/rt", "list", NULL }, 1,
		  "vigilctl: OCI runtime '/nonexistent/rt' not found\n");
	check_cli((const char *const[]){ "--monitor", "/nonexistent/mon", "list", NULL }, 1,
		  "vigilctl: monitor '/nonexistent/mon' not found\n");
	check_cli((const char *const[]){ "state", "../etc", NULL }, 1,
		  "vigilctl: state '../etc': container id '../etc' is not valid: it starts "
		  "with '.'\n");
	check_cli((const char *const[]){ "state", "a/b", NULL }, 1,
		  "vigilctl: state 'a/b': container id 'a/b' is not valid: only letters, "
		  "digits and _.+- are allowed\n");
	check_cli((const char *const[]){ "state", "no-such-ctr", NULL }, 1,
		  "vigilctl: state 'no-such-ctr': no such container 'no-such-ctr'\n");
	check_cli((const char *const[]){ "create", "--bundle", "/nonexistent", "x", NULL }, 1,
		  "vigilctl: create 'x': bundle '/nonexistent' has no config.json\n");
	check_cli((const char *const[]){ "--help", NULL }, 0, "");
	check_cli((const char *const[]){ "exec", "--help", NULL }, 0, "");
}

static void test_cli_bad_input(void)
{
	g_autofree char *root = g_dir_make_tmp("vigilctl-args-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename(root, "bad", NULL);
	g_autofree char *record = g_build_filename(dir, "state.json", NULL);
	g_autofree char *lock = g_build_filename(dir, "lock", NULL);
	g_autofree char *stray = g_build_filename(root, "stray", NULL);
	g_autofree char *list = NULL;

	g_test_summary("more bad input: each error names the command that failed and why; "
		       "--json never prints anything but JSON");
	g_assert_nonnull(root);
	g_assert_cmpint(mkdir(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(record, "[1]", -1, NULL));
	g_assert_true(g_file_set_contents(lock, "", -1, NULL));
	/* Not a container: no lock (a container's directory is renamed in with one). */
	g_assert_cmpint(mkdir(stray, 0700), ==, 0);
	check_cli((const char *const[]){ "--root", root, "state", "stray", NULL }, 1,
		  "vigilctl: state 'stray': no such container 'stray'\n");
	check_cli((const char *const[]){ "--root", root, "paths", "stray", NULL }, 1,
		  "vigilctl: paths 'stray': no such container 'stray'\n");
	g_autofree char *stray_lock = g_build_filename(stray, "lock", NULL);
	g_assert_false(g_file_test(stray_lock, G_FILE_TEST_EXISTS));
	/* list shows the corrupt one, as unknown, and not the stray directory. */
	check_cli_out((const char *const[]){ "--root", root, "list", NULL }, 0, "", &list);
	g_assert_nonnull(strstr(list, "\nbad "));
	g_assert_nonnull(strstr(list, " unknown "));
	g_assert_null(strstr(list, "stray"));
	/* A corrupt record: the command the user typed, not an internal "state". */
	check_cli((const char *const[]){ "--root", root, "attach", "bad", NULL }, 125,
		  "vigilctl: attach 'bad': state record of container 'bad' is corrupt: not an "
		  "object\n");
	check_cli((const char *const[]){ "--root", root, "paths", "bad", NULL }, 1,
		  "vigilctl: paths 'bad': state record of container 'bad' is corrupt: not an "
		  "object\n");
	check_cli((const char *const[]){ "--root", root, "paths", "nosuch", NULL }, 1,
		  "vigilctl: paths 'nosuch': no such container 'nosuch'\n");
	/* An empty --root would be the current directory, whatever that is. */
	check_cli((const char *const[]){ "--root", "", "list", NULL }, 1,
		  "vigilctl: --root: must not be empty\n");
	check_cli((const char *const[]){ "--runtime-root", "", "list", NULL }, 1,
		  "vigilctl: --runtime-root: must not be empty\n");
	/* A number too large is a number. */
	check_cli((const char *const[]){ "logs", "--tail", "99999999999999999999", "a", NULL }, 1,
		  "vigilctl: logs: --tail '99999999999999999999' is too large (at most "
		  "2147483647)\n");
	check_cli((const char *const[]){ "wait", "--timeout", "4294967296", "a", NULL }, 125,
		  "vigilctl: wait: --timeout '4294967296' is too large (at most 2147483647)\n");
	/* and the command is named, as in every other error */
	check_cli((const char *const[]){ "stop", "-t", "-1", "a", NULL }, 1,
		  "vigilctl: stop: --time '-1' is not a non-negative number\n");
	check_cli((const char *const[]){ "exec-stop", "-t", "x", "a", "s", NULL }, 1,
		  "vigilctl: exec-stop: --time 'x' is not a non-negative number\n");
	/* The container's own bytes are not JSON; the refusal is (as every error with --json). */
	check_cli((const char *const[]){ "--root", root, "logs", "--json", "bad", NULL }, 1,
		  "{\"message\":\"logs: --json is not supported: the output is the container's "
		  "own\",\"code\":1}\n");
	check_cli((const char *const[]){ "--root", root, "--json", "attach", "bad", NULL }, 125,
		  "{\"message\":\"attach: --json is not supported: the output is the container's "
		  "own\",\"code\":125}\n");
	check_cli((const char *const[]){ "--root", root, "--json", "exec", "bad", "true", NULL },
		  125,
		  "{\"message\":\"exec: --json needs --detach: the output is the session's "
		  "own\",\"code\":125}\n");
	check_cli((const char *const[]){ "--root", root, "--json", "run", "bad", NULL }, 125,
		  "{\"message\":\"run: --json needs --detach: the output is the container's "
		  "own\",\"code\":125}\n");
	/* A corrupt record is refused by a plain delete and removed by a forced one (the
	 * runtime here is /bin/true, so its `delete --force` succeeds). */
	check_cli((const char *const[]){ "--root", root, "delete", "bad", NULL }, 1,
		  "vigilctl: delete 'bad': state record of container 'bad' is corrupt: not an "
		  "object\n");
	check_cli((const char *const[]){ "--root", root, "delete", "-f", "bad", NULL }, 0, "");
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	const char *rm[] = { "rm", "-rf", root, NULL };
	g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
	g_assert_false(g_file_test(root, G_FILE_TEST_EXISTS));
}

static void test_cli_not_utf8(void)
{
	g_autofree char *root = g_dir_make_tmp("vigilctl-args-XXXXXX", NULL);
	g_autofree char *good = g_build_filename(root, "good", NULL);
	g_autofree char *bad = g_build_filename(root, "b\xffx", NULL);
	g_autofree char *log = g_build_filename(root, "l\xfe.log", NULL);
	g_autofree char *exits = g_build_filename(root, "e\xfe", NULL);
	g_autofree char *want = NULL;
	const char *config = "{\"process\": {\"args\": [\"true\"]}}";

	g_test_summary("create with a path that is not UTF-8 (state.json and the runtime's "
		       "config.json are JSON): one line naming the option, nothing left behind");
	g_assert_nonnull(root);
	for (const char *const *d = (const char *const[]){ good, bad, NULL }; *d != NULL; d++) {
		g_autofree char *c = g_build_filename(*d, "config.json", NULL);
		g_assert_cmpint(mkdir(*d, 0700), ==, 0);
		g_assert_true(g_file_set_contents(c, config, -1, NULL));
	}
	want = g_strdup_printf("vigilctl: create 'x': --bundle '%s/b\\377x' is not UTF-8 (the "
			       "JSON records cannot hold it)\n",
			       root);
	check_cli((const char *const[]){ "--root", root, "create", "--bundle", bad, "x", NULL }, 1,
		  want);
	g_free(want);
	want = g_strdup_printf("vigilctl: create 'x': --log-path '%s/l\\376.log' is not UTF-8 "
			       "(the JSON records cannot hold it)\n",
			       root);
	check_cli((const char *const[]){ "--root", root, "create", "--bundle", good, "--log-path",
					 log, "x", NULL },
		  1, want);
	g_free(want);
	want = g_strdup_printf("vigilctl: create 'x': --exit-dir '%s/e\\376' is not UTF-8 (the "
			       "JSON records cannot hold it)\n",
			       root);
	check_cli((const char *const[]){ "--root", root, "create", "--bundle", good, "--exit-dir",
					 exits, "x", NULL },
		  1, want);
	/* No container, no log, no exit directory. */
	g_autofree char *dir = g_build_filename(root, "x", NULL);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(log, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(exits, G_FILE_TEST_EXISTS));

	/* A record holding such a string (a lone surrogate escape) is corrupt, and a forced
	 * delete still removes it. */
	g_autofree char *record = g_build_filename(dir, "state.json", NULL);
	g_autofree char *lock = g_build_filename(dir, "lock", NULL);
	g_assert_cmpint(mkdir(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(
		record, "{\"version\": 1, \"id\": \"x\", \"bundle\": \"/b\\udffd.\"}", -1, NULL));
	g_assert_true(g_file_set_contents(lock, "", -1, NULL));
	g_free(want);
	want = g_strdup_printf("vigilctl: state 'x': state record of container 'x' is corrupt: "
			       "'%s': string not UTF-8 at bundle\n",
			       record);
	check_cli((const char *const[]){ "--root", root, "state", "x", NULL }, 1, want);
	check_cli((const char *const[]){ "--root", root, "delete", "-f", "x", NULL }, 0, "");
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	const char *rm[] = { "rm", "-rf", root, NULL };
	g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
}

static void test_cli_option_values(void)
{
	g_test_summary("option values vigilctl cannot use are refused in one line naming the "
		       "value, before anything is made");
	/* a typo is not a log file name */
	check_cli(
		(const char *const[]){ "create", "--log-driver", "bogus", "x", NULL }, 1,
		"vigilctl: create 'x': --log-driver 'bogus' is not a log driver (k8s-file[:PATH], "
		"json-file[:PATH], journald, passthrough or none)\n");
	check_cli((const char *const[]){ "run", "--log-driver", "json", "x", NULL }, 125,
		  "vigilctl: create 'x': --log-driver 'json' is not a log driver (k8s-file[:PATH], "
		  "json-file[:PATH], journald, passthrough or none)\n");
	/* "--" after exec's container id ends the options: it is not the command */
	check_cli((const char *const[]){ "exec", "a", "--", NULL }, 125,
		  "vigilctl: exec: expected ID COMMAND [ARG...] (see 'vigilctl exec --help')\n");
	/* a capability the kernel does not have: the runtime would only warn */
	check_cli((const char *const[]){ "exec", "--cap-add", "NET_ADMIN", "--cap-add", "BOGUS",
					 "--session", "s", "a", "true", NULL },
		  125,
		  "vigilctl: exec 's' in 'a': --cap-add 'BOGUS' is not a capability (the kernel's "
		  "CAP_* names, with or without CAP_)\n");
	/* fds that are not open (vigilctl runs here with 0, 1 and 2 only) */
	check_cli((const char *const[]){ "create", "--preserve-fds", "2", "x", NULL }, 1,
		  "vigilctl: create 'x': --preserve-fds 2: fd 3 is not open\n");
	check_cli((const char *const[]){ "exec", "--preserve-fds", "1", "--session", "s", "a",
					 "true", NULL },
		  125, "vigilctl: exec 's' in 'a': --preserve-fds 1: fd 3 is not open\n");
	/* sizes: bytes, or k, m, g (powers of 1024) */
	check_cli(
		(const char *const[]){ "create", "--log-size-max", "10x", "x", NULL }, 1,
		"vigilctl: --log-size-max '10x' is not a size (a number of bytes, or with k, m or "
		"g: 10m, 1g)\n");
	check_cli(
		(const char *const[]){ "run", "--log-global-size-max", "-1", "x", NULL }, 125,
		"vigilctl: --log-global-size-max '-1' is not a size (a number of bytes, or with k, "
		"m or g: 10m, 1g)\n");
	check_cli((const char *const[]){ "create", "--log-size-max", "8589934592g", "x", NULL }, 1,
		  "vigilctl: --log-size-max '8589934592g' is too large\n");
	/* a good one gets as far as the bundle */
	check_cli((const char *const[]){ "create", "--bundle", "/nonexistent", "--log-size-max",
					 "10MiB", "x", NULL },
		  1, "vigilctl: create 'x': bundle '/nonexistent' has no config.json\n");
	/* the first one that is not: fd 3 open, fd 4 not */
	g_autofree char *out = NULL, *err = NULL;
	const char *ctl = g_getenv("VIGILCTL");
	const char *sh[] = { "/bin/sh",
			     "-c",
			     "exec \"$0\" \"$@\" 3</dev/null",
			     ctl != NULL ? ctl : "vigilctl",
			     "--root",
			     g_get_tmp_dir(),
			     "--runtime",
			     "/bin/true",
			     "create",
			     "--preserve-fds",
			     "2",
			     "x",
			     NULL };
	int status = -1;
	g_assert_true(g_spawn_sync(NULL, (char **)sh, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
				   &err, &status, NULL));
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: create 'x': --preserve-fds 2: fd 4 is not open\n");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/controller-args/cli-errors", test_cli_errors);
	g_test_add_func("/controller-args/cli-bad-input", test_cli_bad_input);
	g_test_add_func("/controller-args/cli-not-utf8", test_cli_not_utf8);
	g_test_add_func("/controller-args/cli-option-values", test_cli_option_values);
	return g_test_run();
}
