/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define WAIT_MS 30000

/* create → sync pid → runc start → exit file: the whole podman-shaped flow. */
static int run_to_exit(TestBundle *b, const char *const *extra, char **out_log)
{
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, extra);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_suffix(line, "\n"));
	int pid = testlib_sync_value(line, "data");
	g_assert_cmpint(pid, >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	int status = testlib_read_exit_file(b, WAIT_MS);
	/* The monitor exits on its own after the exit file. */
	g_assert_cmpint(m->monitor_pid, >, 0);
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_cmpint(w, !=, -1);
	if (out_log != NULL)
		*out_log = testlib_read_file(b->log_path);
	return status;
}

static void test_exit_zero_and_output(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new(
		(const char *const[]){ "sh", "-c", "echo hello; echo oops >&2", NULL });
	g_autofree char *log = NULL;

	g_assert_cmpint(run_to_exit(b, NULL, &log), ==, 0);
	g_assert_nonnull(log);
	g_assert_nonnull(strstr(log, " stdout F hello\n"));
	g_assert_nonnull(strstr(log, " stderr F oops\n"));
	/* persist-dir copy, same content, no newline */
	g_autofree char *persist = g_build_filename(b->persist_dir, "exit", NULL);
	g_autofree char *text = testlib_read_file(persist);
	g_assert_cmpstr(text, ==, "0");
}

static void test_exit_code_42(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "exit 42", NULL });

	g_assert_cmpint(run_to_exit(b, NULL, NULL), ==, 42);
}

/* SIGTERM to the monitor reaches the container (through its pidfd), which traps it. */
static void test_signal_forwarded(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c",
		"trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done",
		NULL });
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, NULL, NULL);

	g_assert_true(testlib_wait_for_text(b->log_path, "ready", WAIT_MS));
	g_assert_cmpint(kill(m->monitor_pid, SIGTERM), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 7);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_autofree char *log = testlib_read_file(b->log_path);
	g_assert_nonnull(strstr(log, " stdout F got-term\n"));
}

static void test_sigkill_137(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, NULL, NULL);

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

static void test_bad_bundle_error(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *config = g_build_filename(b->bundle, "config.json", NULL);
	g_assert_true(g_file_set_contents(config, "{ this is not json", -1, NULL));
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, NULL);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_nonnull(line);
	g_test_message("sync: %s", line);
	g_assert_true(g_str_has_prefix(line, "{\"data\": -1, \"message\": \""));
	/* runc's own words reach the engine, not just "failed" */
	g_assert_nonnull(strstr(line, "runc create failed"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	/* no exit file for a container that never existed */
	g_autofree char *exit_path = g_build_filename(b->exit_dir, b->id, NULL);
	g_assert_false(g_file_test(exit_path, G_FILE_TEST_EXISTS));
	/* the runtime's error goes to the engine only, not into the container's log (conmon
	 * reads no output before the runtime returned; `podman logs` shows nothing) */
	g_autofree char *log = testlib_read_file(b->log_path);
	g_assert_cmpstr(log != NULL ? log : "", ==, "");
}

/* A runtime whose error has a NUL in it: the engine gets every byte, the NUL escaped. */
static void test_runtime_error_with_nul(void)
{
	if (!testlib_require_runc()) /* for the bundle: `runc spec` */
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *runtime = g_build_filename(b->dir, "nul-runtime", NULL);
	const char *body = "#!/bin/sh\nprintf 'before\\000after' >&2\nexit 1\n";

	g_assert_true(g_file_set_contents(runtime, body, -1, NULL));
	g_assert_cmpint(chmod(runtime, 0755), ==, 0);
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(
		b, runtime, (const char *const[]){ "-l", "none", NULL }, FALSE);
	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(line, ==, "{\"data\": -1, \"message\": \"before\\u0000after\"}\n");
}

static void test_exit_command_args(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "exit 3", NULL });
	g_autofree char *out = g_build_filename(b->dir, "exitcmd.out", NULL);
	g_autofree char *script = g_build_filename(b->dir, "exitcmd.sh", NULL);
	g_autofree char *body = g_strdup_printf("#!/bin/sh\nprintf '%%s|' \"$@\" > %s.tmp\n"
						"cat %s/%s >> %s.tmp\nmv %s.tmp %s\n",
						out, b->exit_dir, b->id, out, out, out);
	g_assert_true(g_file_set_contents(script, body, -1, NULL));
	g_assert_cmpint(chmod(script, 0755), ==, 0);
	const char *extra[] = { "--exit-command",
				script,
				"--exit-command-arg",
				"a1",
				"--exit-command-arg",
				"a 2",
				"--exit-delay",
				"0",
				NULL };

	g_assert_cmpint(run_to_exit(b, extra, NULL), ==, 3);
	g_assert_true(testlib_wait_for_file(out, WAIT_MS));
	g_autofree char *got = testlib_read_file(out);
	/* args intact (embedded space), and the exit file existed when it ran */
	g_assert_cmpstr(got, ==, "a1|a 2|3");
}

static void test_timeout(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	const char *extra[] = { "--timeout=1", NULL };

	g_assert_cmpint(run_to_exit(b, extra, NULL), ==, -1);
}

static void test_start_pipe_holds_launcher(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	const char *rest[] = { "--exit-dir",     "@EXITDIR@",     "-l",
			       "k8s-file:@LOG@", "--runtime-arg", "--root=@RUNCROOT@",
			       "--sync",         "--full-attach", NULL };
	/* --sync: the process we start is the monitor; hold the start pipe and check that
	 * nothing happens until we write it: no pid on the sync pipe (within 200 ms), no
	 * container. */
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, NULL, rest, TRUE);
	g_autofree char *early = testlib_read_line(m->sync_fd, 200);
	g_assert_null(early);
	g_assert_false(g_file_test(b->pidfile, G_FILE_TEST_EXISTS));
	g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "data"), >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
}

static void test_legacy_crio_keys(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_assert_cmpint(g_mkdir_with_parents(sockdir, 0755), ==, 0);
	g_autoptr(TestMonitor) m = test_monitor_start_crio(b, NULL, sockdir, NULL);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "pid"), >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
}

/*
 * An _OCI_* variable naming an fd that is not open is bad input (conmon: "unable to make
 * <VAR> CLOEXEC"). Taken as is, the number is soon one of the monitor's own fds (the
 * container log here) and sync messages are written into that file.
 */
static void test_pipe_env_fd_not_open(void)
{
	static const char *const vars[] = { "_OCI_SYNCPIPE", "_OCI_STARTPIPE" };
	g_autofree char *dir = g_build_filename(testlib_root(), "closed-pipe-fd", NULL);
	g_autofree char *log = g_build_filename(dir, "ctr.log", NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(vars); i++) {
		for (int fd = 3; fd <= 6; fd++) {
			g_autofree char *err = NULL;
			/* testlib_run() closes every fd above 2 in the child */
			g_autofree char *cmd = g_strdup_printf(
				"%s=%d exec %s -c id -u id -r /bin/true -b %s -l k8s-file:%s --sync",
				vars[i], fd, testlib_vigilmon(), dir, log);
			const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
			g_autofree char *want = g_strdup_printf(
				"[conmon:e]: unable to make %s CLOEXEC: Bad file descriptor\n",
				vars[i]);

			(void)unlink(log);
			g_assert_cmpint(testlib_run(argv, NULL, NULL, &err), ==, 1);
			g_assert_cmpstr(err, ==, want);
			/* rejected before anything was opened or started */
			g_assert_false(g_file_test(log, G_FILE_TEST_EXISTS));
		}
	}
}

/* -P in a directory that does not exist: the launcher fails, and the engine hears why on
 * the sync pipe as for any other setup error, not a bare EOF. */
static void test_conmon_pidfile_unwritable(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *pidfile = g_build_filename(b->dir, "missing", "conmon.pid", NULL);
	const char *rest[] = {
		"--exit-dir",        "@EXITDIR@",        "-l",    "k8s-file:@LOG@", "--runtime-arg",
		"--root=@RUNCROOT@", "--conmon-pidfile", pidfile, "--full-attach",  NULL
	};
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, NULL, rest, FALSE);

	g_assert_cmpint(m->launcher_status, ==, 1);
	g_test_message("stderr: %s", m->launcher_stderr);
	g_assert_nonnull(strstr(m->launcher_stderr, "Failed to write conmon pidfile"));
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_cmpint(testlib_sync_value(line, "data"), ==, -1);
	g_assert_true(line != NULL && strstr(line, "Failed to write conmon pidfile") != NULL);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/lifecycle/exit-zero-and-output", test_exit_zero_and_output);
	g_test_add_func("/monitor/lifecycle/exit-42", test_exit_code_42);
	g_test_add_func("/monitor/lifecycle/sigkill-137", test_sigkill_137);
	g_test_add_func("/monitor/lifecycle/signal-forwarded", test_signal_forwarded);
	g_test_add_func("/monitor/lifecycle/bad-bundle", test_bad_bundle_error);
	g_test_add_func("/monitor/lifecycle/runtime-error-nul", test_runtime_error_with_nul);
	g_test_add_func("/monitor/lifecycle/exit-command", test_exit_command_args);
	g_test_add_func("/monitor/lifecycle/timeout", test_timeout);
	g_test_add_func("/monitor/lifecycle/start-pipe-sync", test_start_pipe_holds_launcher);
	g_test_add_func("/monitor/lifecycle/legacy-crio-keys", test_legacy_crio_keys);
	g_test_add_func("/monitor/lifecycle/pipe-env-fd-not-open", test_pipe_env_fd_not_open);
	g_test_add_func("/monitor/lifecycle/conmon-pidfile-unwritable",
			test_conmon_pidfile_unwritable);
	return g_test_run();
}
