/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/*
 * Exec sessions against real runc (docs/conmon-contract.md, "Exec sessions"): a long-running
 * container started through the monitor, then one exec monitor per test, in podman's API-1 shape
 * (sync pid, then exit code) or CRI-O ExecSync's legacy shape (--sync, one {"exit_code": N} and the
 * k8s log).
 */

#define WAIT_MS 30000

static TestBundle *container;
static TestMonitor *container_monitor;

/* The container every exec joins: `sleep` as pid 1, started once for the whole binary. */
static gboolean container_ready(void)
{
	if (!testlib_require_runc())
		return FALSE;
	if (container != NULL)
		return TRUE;
	container = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	container_monitor = test_monitor_start_running(container, NULL, NULL);
	return TRUE;
}

/* A session in the shared container running `sh -c script`, without a terminal. */
static TestExecSession *sh_session(const char *script)
{
	return test_exec_session_new(container, (const char *const[]){ "sh", "-c", script, NULL },
				     FALSE);
}

/* The session's k8s-file log has the whole line out on stdout and err on stderr. */
static void assert_log_lines(TestExecSession *s, const char *out, const char *err)
{
	g_autofree char *log = testlib_read_file(s->view.log_path);
	g_autofree char *out_record = g_strdup_printf(" stdout F %s\n", out);
	g_autofree char *err_record = g_strdup_printf(" stderr F %s\n", err);

	g_assert_nonnull(log);
	g_assert_nonnull(strstr(log, out_record));
	g_assert_nonnull(strstr(log, err_record));
}

/* A script and the status its session ends with. */
typedef struct {
	const char *script;
	int status;
} ExitCase;

static char *read_file_in(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	return testlib_read_file(path);
}

/*
 * The podman flow for one session: {"data": pid}, then {"data": status}; the same status in
 * <exit-dir>/<container id> and <persist-dir>/exit. Returns the status, and the pid.
 */
static int run_podman_exec(TestExecSession *s, const char *const *extra, int *out_pid)
{
	g_autoptr(TestMonitor) m = test_exec_session_start(s, extra);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *first = testlib_read_line(m->sync_fd, WAIT_MS);
	g_autofree char *second = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s%s", first ? first : "(none)\n", second ? second : "(none)\n");
	int pid = testlib_sync_value(first, "data");
	g_assert_cmpint(pid, >, 0);
	g_assert_nonnull(second);
	g_assert_true(second != NULL && g_str_has_suffix(second, "}\n"));
	int status = testlib_sync_value(second, "data");
	/* The session's exit file is named after the container (docs/conmon-contract.md,
	 * "Exit files"). */
	g_assert_cmpint(testlib_read_exit_file(&s->view, WAIT_MS), ==, status);
	g_autofree char *persist = read_file_in(s->view.persist_dir, "exit");
	g_autofree char *expected = g_strdup_printf("%d", status);
	g_assert_cmpstr(persist, ==, expected);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	/* One exit message, then EOF: nothing is reported twice, whichever of the session's
	 * process and `runtime exec` is reaped first. */
	g_autofree char *third = testlib_read_line(m->sync_fd, 1000);
	g_assert_null(third);
	if (out_pid != NULL)
		*out_pid = pid;
	return status;
}

static void test_podman_exit_codes(void)
{
	if (!container_ready())
		return;
	/* the last is over before runc is (docs/conmon-contract.md, "Reaping the container") */
	static const ExitCase cases[] = {
		{ "echo out; echo err >&2", 0 }, { "exit 3", 3 }, { "kill -9 $$", 137 },
		{ "kill -TERM $$", 143 },        { "true", 0 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(TestExecSession) s = sh_session(cases[i].script);
		g_assert_cmpint(run_podman_exec(s, NULL, NULL), ==, cases[i].status);
		if (i == 0)
			assert_log_lines(s, "out", "err");
	}
	/* The container itself is untouched by its sessions ending. */
	g_autofree char *state = NULL;
	g_assert_cmpint(testlib_runc(container, &state, NULL, "state", container->id, NULL), ==, 0);
	g_assert_nonnull(strstr(state, "\"running\""));
}

static void test_podman_terminal(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = test_exec_session_new(
		container, (const char *const[]){ "sh", "-c", "tty; exit 5", NULL }, TRUE);
	const char *extra[] = { "-t", NULL };

	g_assert_cmpint(run_podman_exec(s, extra, NULL), ==, 5);
	g_autofree char *log = testlib_read_file(s->view.log_path);
	g_assert_nonnull(log);
	/* A pty slave, and ONLCR on the master (docs/conmon-contract.md, "Console socket"). */
	g_assert_nonnull(strstr(log, " stdout F /dev/pts/"));
	g_assert_nonnull(strstr(log, "\r\n"));
}

/* -i: the session's stdin is a pipe the monitor holds (attach clients write into it);
 * without -i it is /dev/null. */
static void test_podman_stdin(void)
{
	if (!container_ready())
		return;
	const char *script = "readlink /proc/self/fd/0";

	for (int with_stdin = 0; with_stdin < 2; with_stdin++) {
		g_autoptr(TestExecSession) s = sh_session(script);
		const char *extra[] = { with_stdin ? "-i" : NULL, NULL };
		g_assert_cmpint(run_podman_exec(s, extra, NULL), ==, 0);
		g_autofree char *log = testlib_read_file(s->view.log_path);
		g_assert_nonnull(log);
		g_test_message("stdin %d: %s", with_stdin, log);
		g_assert_nonnull(
			strstr(log, with_stdin ? " stdout F pipe:[" : " stdout F /dev/null"));
	}
}

/* -T: the session is killed, "-1" and "command timed out" (docs/conmon-contract.md, "Timeout"), the
 * container lives on. */
static void test_podman_timeout(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = test_exec_session_new(
		container, (const char *const[]){ "sleep", "1000", NULL }, FALSE);
	g_autoptr(TestMonitor) m =
		test_exec_session_start(s, (const char *const[]){ "-T", "1", NULL });

	g_assert_cmpint(m->launcher_status, ==, 0);
	int pid = testlib_read_sync_pid(m, WAIT_MS);
	g_assert_cmpint(pid, >, 0);
	g_autofree char *second = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(second, ==, "{\"data\": -1, \"message\": \"command timed out\"}\n");
	g_assert_cmpint(testlib_read_exit_file(&s->view, WAIT_MS), ==, -1);
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 255);
	/* The monitor reaped it before exiting: the pid is gone. */
	g_assert_cmpint(kill(pid, 0), ==, -1);
	g_assert_cmpint(errno, ==, ESRCH);
	g_autofree char *state = NULL;
	g_assert_cmpint(testlib_runc(container, &state, NULL, "state", container->id, NULL), ==, 0);
	g_assert_nonnull(strstr(state, "\"running\""));
}

/* A process spec runc rejects: -1 with runc's own words, no exit file (nothing ran). */
static void test_podman_runtime_failure(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = test_exec_session_new(
		container, (const char *const[]){ "/nonexistent/binary", NULL }, FALSE);
	g_autoptr(TestMonitor) m = test_exec_session_start(s, NULL);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "{\"data\": -1, \"message\": \""));
	g_assert_nonnull(strstr(line, "exec failed"));
	g_assert_nonnull(strstr(line, "nonexistent"));
	g_assert_true(g_str_has_suffix(line, "\"}\n"));
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 1);
	g_autofree char *exit_path = g_build_filename(s->view.exit_dir, s->view.id, NULL);
	g_assert_false(g_file_test(exit_path, G_FILE_TEST_EXISTS));

	/* Not even JSON: runc's parse error reaches the engine the same way. */
	g_assert_true(g_file_set_contents(s->spec, "{ not json", -1, NULL));
	g_autoptr(TestMonitor) m2 = test_exec_session_start(s, NULL);
	g_autofree char *line2 = testlib_read_line(m2->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line2);
	g_assert_nonnull(line2);
	g_assert_true(g_str_has_prefix(line2, "{\"data\": -1, \"message\": \""));
	g_assert_cmpint(testlib_wait_pid(m2->monitor_pid, WAIT_MS), !=, -1);
}

/* CRI-O ExecSync: one {"exit_code": N}, the monitor's own exit status = N, output in the
 * k8s log. */
static void test_execsync(void)
{
	if (!container_ready())
		return;
	static const ExitCase cases[] = {
		{ "echo hello; echo oops >&2; exit 7", 7 },
		{ "true", 0 },
		{ "kill -KILL $$", 137 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(TestExecSession) s = sh_session(cases[i].script);
		g_autoptr(TestMonitor) m = test_exec_session_start_execsync(NULL, s, NULL);
		g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
		g_autofree char *expected =
			g_strdup_printf("{\"exit_code\": %d}\n", cases[i].status);
		g_assert_cmpstr(line, ==, expected);
		int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
		g_assert_true(WIFEXITED(w));
		g_assert_cmpint(WEXITSTATUS(w), ==, cases[i].status);
		/* The pipe is at EOF after the one message (the pid is never sent). */
		g_autofree char *more = testlib_read_line(m->sync_fd, 1000);
		g_assert_null(more);
		if (i == 0)
			assert_log_lines(s, "hello", "oops");
	}
}

static void test_execsync_timeout(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = sh_session("echo started; exec sleep 1000");
	g_autoptr(TestMonitor) m =
		test_exec_session_start_execsync(NULL, s, (const char *const[]){ "-T", "1", NULL });

	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(line, ==, "{\"exit_code\": -1, \"message\": \"command timed out\"}\n");
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 255);
	g_autofree char *pid_text = testlib_read_file(s->view.pidfile);
	g_assert_nonnull(pid_text);
	g_assert_cmpint(kill(atoi(pid_text), 0), ==, -1);
	g_assert_cmpint(errno, ==, ESRCH);
	g_autofree char *log = testlib_read_file(s->view.log_path);
	g_assert_nonnull(log);
	g_assert_nonnull(strstr(log, " stdout F started\n"));
}

static void test_execsync_runtime_failure(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = test_exec_session_new(
		container, (const char *const[]){ "/nonexistent/binary", NULL }, FALSE);
	g_autoptr(TestMonitor) m = test_exec_session_start_execsync(NULL, s, NULL);

	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "{\"exit_code\": -1, \"message\": \""));
	g_assert_nonnull(strstr(line, "exec failed"));
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 1);
}

/*
 * --exec-attach (docs/conmon-contract.md, "Attach pipe"): {"data": 0} on the attach pipe once the
 * session's sockets exist, then nothing runs until the engine's second start-pipe byte (podman
 * connects to <exec dir>/attach in between).
 */
static void test_podman_exec_attach_handshake(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = sh_session("exit 4");
	/* asserts the launcher's status and {"data": 0} on the attach pipe */
	g_autoptr(TestMonitor) m = test_exec_session_start_attached(s, NULL);

	/* podman's ExecAttachSocketPath: <exec session dir>/attach, there before the message. */
	g_autofree char *attach = g_build_filename(s->view.bundle, "attach", NULL);
	struct stat st;
	g_assert_cmpint(stat(attach, &st), ==, 0);
	g_assert_true(S_ISSOCK(st.st_mode));
	/* Held: no runtime output yet, so no pid on the sync pipe. */
	g_autofree char *early = testlib_read_line(m->sync_fd, 300);
	g_assert_null(early);
	g_assert_false(g_file_test(s->view.pidfile, G_FILE_TEST_EXISTS));
	g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_autofree char *second = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(second, ==, "{\"data\": 4}\n");
	g_assert_cmpint(testlib_read_exit_file(&s->view, WAIT_MS), ==, 4);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(attach, G_FILE_TEST_EXISTS));
}

/* `podman exec -i`: the client connects to the session's attach socket before the start
 * byte, its bytes reach the process's stdin, the output comes back framed (docs/conmon-contract.md,
 * "Attach socket framing"). */
static void test_podman_exec_attach_stdin(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s = sh_session("read l; echo got:$l; exit 2");
	g_autoptr(TestMonitor) m =
		test_exec_session_start_attached(s, (const char *const[]){ "-i", NULL });

	g_autofree char *attach = g_build_filename(s->view.bundle, "attach", NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_assert_cmpuint(strlen(attach), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, attach);
	int c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	g_assert_cmpint(c, >=, 0);
	g_assert_cmpint(connect(c, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	g_assert_cmpint(send(c, "hello\n", 6, 0), ==, 6);

	g_autoptr(GString) out = g_string_new(NULL);
	while (strstr(out->str, "got:hello\n") == NULL) {
		struct pollfd p = { c, POLLIN, 0 };
		char buf[8193];
		if (poll(&p, 1, WAIT_MS) <= 0)
			break;
		ssize_t n = recv(c, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		g_assert_cmpint(buf[0], ==, 2); /* stdout */
		g_string_append_len(out, buf + 1, n - 1);
	}
	g_assert_cmpstr(out->str, ==, "got:hello\n");
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_autofree char *second = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(second, ==, "{\"data\": 2}\n");
	close(c);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* An exec into a container that does not exist: runc fails before any process exists. */
static void test_exec_no_container(void)
{
	if (!container_ready())
		return;
	g_autoptr(TestExecSession) s =
		test_exec_session_new(container, (const char *const[]){ "true", NULL }, FALSE);
	g_free(s->view.id);
	s->view.id = g_strdup("vt-no-such-container");
	g_autoptr(TestMonitor) m = test_exec_session_start_execsync(NULL, s, NULL);

	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "{\"exit_code\": -1, \"message\": \""));
	g_assert_nonnull(strstr(line, "does not exist"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/exec/podman-exit-codes", test_podman_exit_codes);
	g_test_add_func("/monitor/exec/podman-terminal", test_podman_terminal);
	g_test_add_func("/monitor/exec/podman-stdin", test_podman_stdin);
	g_test_add_func("/monitor/exec/podman-timeout", test_podman_timeout);
	g_test_add_func("/monitor/exec/podman-runtime-failure", test_podman_runtime_failure);
	g_test_add_func("/monitor/exec/podman-exec-attach-handshake",
			test_podman_exec_attach_handshake);
	g_test_add_func("/monitor/exec/podman-exec-attach-stdin", test_podman_exec_attach_stdin);
	g_test_add_func("/monitor/exec/execsync", test_execsync);
	g_test_add_func("/monitor/exec/execsync-timeout", test_execsync_timeout);
	g_test_add_func("/monitor/exec/execsync-runtime-failure", test_execsync_runtime_failure);
	g_test_add_func("/monitor/exec/no-container", test_exec_no_container);
	int r = g_test_run();
	g_clear_pointer(&container, test_bundle_free);
	g_clear_pointer(&container_monitor, test_monitor_free);
	return r;
}
