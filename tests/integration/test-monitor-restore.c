/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/*
 * Restore (--restore, --restore-arg, --runtime-opt; docs/conmon-contract.md,
 * "Runtime command lines" and "Restore"). CRIU cannot run on this VM (its kernel-feature probe
 * fails), so what is tested here is the runtime's argv, byte for byte, through a stand-in runtime
 * that records it, and the error path with real runc and CRIU: CRIU's failure reaches the engine as
 * text on the sync pipe. The success path runs only where `criu check` passes, and says why it is
 * skipped otherwise.
 */

#define WAIT_MS 30000

/* A runtime that writes its argv, one per line, to <dir>/argv, and fails like runc does. */
static char *fake_runtime(TestBundle *b)
{
	g_autofree char *body =
		g_strdup_printf("#!/bin/sh\n"
				"for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; "
				"done > %s/argv\n"
				"printf '%%s\\n' 'restore failed: \"no\\checkpoint\"' >&2\n"
				"exit 1\n",
				b->dir);

	return test_bundle_write_script(b, "fake-runtime", body);
}

static char *recorded_argv(TestBundle *b)
{
	g_autofree char *path = g_build_filename(b->dir, "argv", NULL);

	return testlib_read_file(path);
}

static char *expected_argv(const char *const *lines)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (; *lines != NULL; lines++)
		g_string_append_printf(s, "%s\n", *lines);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* podman's restore argv: --runtime-opt and the deprecated --restore-arg feed one list, in
 * command-line order, after the subcommand's own flags; -s/--no-pivot/--no-new-keyring in
 * conmon's places. The runtime's stderr is the engine's error text. */
static void test_argv_podman(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *runtime = fake_runtime(b);
	g_autofree char *ckpt = g_build_filename(b->dir, "checkpoint", NULL);
	const char *rest[] = { "--exit-dir",
			       "@EXITDIR@",
			       "--persist-dir",
			       "@PERSIST@",
			       "--full-attach",
			       "-l",
			       "k8s-file:@LOG@",
			       "--conmon-pidfile",
			       "@CONMONPID@",
			       "-s",
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       "--no-pivot",
			       "--no-new-keyring",
			       "--restore",
			       ckpt,
			       "--runtime-opt",
			       "--tcp-established",
			       "--restore-arg",
			       "--file-locks",
			       "--runtime-opt=--lsm-profile=selinux:x",
			       NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, runtime, rest, FALSE);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(
		line, ==,
		"{\"data\": -1, \"message\": \"restore failed: \\\"no\\\\checkpoint\\\"\\n\"}\n");
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	g_autofree char *got = recorded_argv(b);
	g_autofree char *root = g_strdup_printf("--root=%s", b->runc_root);
	g_autofree char *want =
		expected_argv((const char *const[]){ runtime,        "--systemd-cgroup",
						     root,           "restore",
						     "--bundle",     b->bundle,
						     "--pid-file",   b->pidfile,
						     "--no-pivot",   "--no-new-keyring",
						     "--detach",     "--image-path",
						     ckpt,           "--work-path",
						     b->bundle,      "--tcp-established",
						     "--file-locks", "--lsm-profile=selinux:x",
						     b->id,          NULL });
	g_assert_cmpstr(got, ==, want);
	/* nothing was restored: no exit file */
	g_autofree char *exit_path = g_build_filename(b->exit_dir, b->id, NULL);
	g_assert_false(g_file_test(exit_path, G_FILE_TEST_EXISTS));
}

/* CRI-O's shape: legacy "pid" key, and with -t the console socket goes last but for the id;
 * the socket is gone once the runtime failed. */
static void test_argv_crio_terminal(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *runtime = fake_runtime(b);
	g_autofree char *ckpt = g_build_filename(b->dir, "checkpoint", NULL);
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_assert_cmpint(g_mkdir_with_parents(sockdir, 0755), ==, 0);
	const char *extra[] = { "-t",
				"--restore",
				ckpt,
				"--runtime-opt",
				"--lsm-profile=selinux:y",
				"--runtime-opt",
				"--lsm-mount-context=z",
				NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_crio(b, runtime, sockdir, extra);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "pid"), ==, -1);
	g_assert_nonnull(strstr(line, "restore failed"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	g_autofree char *got = recorded_argv(b);
	g_auto(GStrv) lines = g_strsplit(got, "\n", -1);
	guint n = g_strv_length(lines);
	g_assert_cmpuint(n, ==, 18); /* 17 arguments and the empty tail */
	g_assert_cmpstr(lines[14], ==, "--console-socket");
	g_assert_true(g_path_is_absolute(lines[15]));
	g_assert_false(g_file_test(lines[15], G_FILE_TEST_EXISTS));
	g_autofree char *root = g_strdup_printf("--root=%s", b->runc_root);
	const char *want[] = { runtime,
			       root,
			       "restore",
			       "--bundle",
			       b->bundle,
			       "--pid-file",
			       b->pidfile,
			       "--detach",
			       "--image-path",
			       ckpt,
			       "--work-path",
			       b->bundle,
			       "--lsm-profile=selinux:y",
			       "--lsm-mount-context=z" };
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(lines[i], ==, want[i]);
	g_assert_cmpstr(lines[16], ==, b->id);
}

/* Real runc and CRIU. runc checks the image first (descriptors.json), then runs CRIU, which
 * fails here; either way the engine gets the runtime's own words. */
static void test_runc_criu_failure(void)
{
	if (!testlib_require_runc() || !testlib_require_program("criu"))
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *ckpt = g_build_filename(b->dir, "checkpoint", NULL);
	g_autofree char *descriptors = g_build_filename(ckpt, "descriptors.json", NULL);
	g_assert_cmpint(g_mkdir_with_parents(ckpt, 0755), ==, 0);

	/* An empty image: runc refuses before CRIU. */
	const char *extra[] = { "--restore", ckpt, "--runtime-opt", "--tcp-established", NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, extra);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_true(g_str_has_prefix(line, "{\"data\": -1, \"message\": \""));
	g_assert_nonnull(strstr(line, "descriptors.json"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	/* With the file runc wants, CRIU itself runs and fails; its log is in the work path. */
	g_assert_true(g_file_set_contents(descriptors,
					  "[\"/dev/null\",\"/dev/null\",\"/dev/null\"]", -1, NULL));
	g_autoptr(TestMonitor) m2 = test_monitor_start_podman_like(b, extra);
	g_autofree char *line2 = testlib_read_line(m2->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line2);
	g_assert_true(g_str_has_prefix(line2, "{\"data\": -1, \"message\": \""));
	g_assert_true(g_str_has_suffix(line2, "\"}\n"));
	int w = testlib_wait_pid(m2->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 1);
	g_autofree char *criu_check = NULL;
	const char *check[] = { "criu", "check", NULL };
	if (testlib_run(check, NULL, NULL, &criu_check) == 0) {
		/* CRIU works here: whatever it said, it is runc's text on the pipe. */
		g_assert_nonnull(strstr(line2, "level=error"));
	} else {
		g_assert_nonnull(strstr(line2, "criu failed: type RESTORE"));
		g_autofree char *log = g_build_filename(b->bundle, "restore.log", NULL);
		g_assert_true(g_file_test(log, G_FILE_TEST_EXISTS));
	}
	g_autofree char *exit_path = g_build_filename(b->exit_dir, b->id, NULL);
	g_assert_false(g_file_test(exit_path, G_FILE_TEST_EXISTS));
}

/* Checkpoint a running container with runc, then restore it through the monitor: the
 * restored pid on the sync pipe, the exit file when it is killed. */
static void test_restore_success(void)
{
	if (!testlib_require_runc() || !testlib_require_program("criu"))
		return;
	g_autofree char *criu_err = NULL;
	const char *check[] = { "criu", "check", NULL };
	if (testlib_run(check, NULL, NULL, &criu_err) != 0) {
		g_auto(GStrv) lines = g_strsplit(criu_err != NULL ? criu_err : "", "\n", 2);
		testlib_skip(
			"CRIU cannot run on this machine (`criu check`: %s), so a real restore "
			"is not possible: only the restore argv and CRIU's failure are tested",
			lines[0] != NULL ? lines[0] : "failed");
		return;
	}
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	g_autofree char *ckpt = g_build_filename(b->dir, "checkpoint", NULL);
	g_autofree char *work = g_build_filename(b->dir, "work", NULL);
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, NULL, NULL);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "checkpoint", "--image-path", ckpt,
				     "--work-path", work, b->id, NULL),
			==, 0);
	/* The checkpointed container is gone; its first monitor reports it and exits. */
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_autofree char *exit_path = g_build_filename(b->exit_dir, b->id, NULL);
	g_assert_cmpint(unlink(exit_path), ==, 0);
	(void)testlib_runc(b, NULL, NULL, "delete", "-f", b->id, NULL);

	const char *extra[] = { "--restore", ckpt, NULL };
	g_autoptr(TestMonitor) r = test_monitor_start_podman_like(b, extra);
	g_autofree char *rline = testlib_read_line(r->sync_fd, WAIT_MS);
	g_test_message("sync: %s", rline);
	g_assert_cmpint(testlib_sync_value(rline, "data"), >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(r->monitor_pid, WAIT_MS), !=, -1);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/restore/argv-podman", test_argv_podman);
	g_test_add_func("/monitor/restore/argv-crio-terminal", test_argv_crio_terminal);
	g_test_add_func("/monitor/restore/runc-criu-failure", test_runc_criu_failure);
	g_test_add_func("/monitor/restore/success", test_restore_success);
	return g_test_run();
}
