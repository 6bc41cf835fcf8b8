/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib-private.h"
#include "testlib.h"

/* A monitor started the way podman starts conmon: the sync, start and attach pipes, the
 * awaited launcher, and what comes back on the sync pipe. */

/* How long a launcher may keep its stderr open (conmon's daemonized child closes it). */
#define LAUNCHER_WAIT_MS 60000

static char *substitute(TestBundle *b, const char *arg)
{
	static const char *const keys[] = { "@BUNDLE@", "@ID@",      "@EXITDIR@",   "@PERSIST@",
					    "@LOG@",    "@PIDFILE@", "@CONMONPID@", "@RUNCROOT@" };
	const char *values[] = { b->bundle,   b->id,      b->exit_dir,       b->persist_dir,
				 b->log_path, b->pidfile, b->conmon_pidfile, b->runc_root };
	char *s = g_strdup(arg);

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		char *at = strstr(s, keys[i]);
		if (at == NULL)
			continue;
		*at = '\0';
		char *n = g_strconcat(s, values[i], at + strlen(keys[i]), NULL);
		g_free(s);
		s = n;
	}
	return s;
}

static const char *monitor_binary(void)
{
	const char *alt = g_getenv("VIGIL_TEST_MONITOR");

	return alt != NULL ? alt : testlib_vigilmon();
}

TestMonitor *test_monitor_start(TestBundle *b, const char *const *args, gboolean with_attach_pipe,
				gboolean hold_start)
{
	return test_monitor_start_with(monitor_binary(), b, args, with_attach_pipe, hold_start);
}

/* stdin_fd, stdout_fd, stderr_fd: the monitor's stdio; -1 for /dev/null (stdin, stdout) and
 * for a pipe whose text becomes launcher_stderr (stderr). */
static TestMonitor *spawn_monitor(const char *monitor, TestBundle *b, const char *const *args,
				  gboolean with_attach_pipe, gboolean hold_start, int stdin_fd,
				  int stdout_fd, int stderr_fd)
{
	TestMonitor *m = g_new0(TestMonitor, 1);
	int sync[2], start[2], attach[2] = { -1, -1 };
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) envp = g_ptr_array_new_with_free_func(g_free);
	gboolean is_sync = FALSE;
	g_autoptr(GError) error = NULL;
	GPid pid;
	int err_fd = -1;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync), ==, 0);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, start), ==, 0);
	if (with_attach_pipe)
		g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, attach), ==,
				0);

	g_ptr_array_add(argv, g_strdup(monitor));
	for (; *args != NULL; args++) {
		g_ptr_array_add(argv, substitute(b, *args));
		if (g_str_equal(*args, "--sync"))
			is_sync = TRUE;
	}
	g_ptr_array_add(argv, NULL);

	/* The child ends at fixed numbers 3, 4, 5 like podman with no preserved fds. */
	for (char **e = environ; *e != NULL; e++) {
		if (!g_str_has_prefix(*e, "_OCI_"))
			g_ptr_array_add(envp, g_strdup(*e));
	}
	g_ptr_array_add(envp, g_strdup("_OCI_SYNCPIPE=3"));
	g_ptr_array_add(envp, g_strdup("_OCI_STARTPIPE=4"));
	if (with_attach_pipe)
		g_ptr_array_add(envp, g_strdup("_OCI_ATTACHPIPE=5"));
	g_ptr_array_add(envp, NULL);

	int source_fds[3] = { sync[1], start[1], attach[1] };
	int target_fds[3] = { 3, 4, 5 };
	gboolean own_stderr = stderr_fd < 0;
	if (!g_spawn_async_with_pipes_and_fds(
		    NULL, (const char *const *)argv->pdata, (const char *const *)envp->pdata,
		    G_SPAWN_DO_NOT_REAP_CHILD | (stdout_fd < 0 ? G_SPAWN_STDOUT_TO_DEV_NULL : 0),
		    NULL, NULL, stdin_fd, stdout_fd, stderr_fd, source_fds, target_fds,
		    with_attach_pipe ? 3 : 2, &pid, NULL, NULL, own_stderr ? &err_fd : NULL,
		    &error))
		g_error("spawn monitor: %s", error->message);
	close(sync[1]);
	close(start[1]);
	if (with_attach_pipe)
		close(attach[1]);
	m->sync_fd = sync[0];
	m->start_fd = start[0];
	m->attach_fd = attach[0];

	if (!hold_start)
		g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	if (is_sync) {
		m->launcher_status = -1;
		m->monitor_pid = pid;
		testlib_cleanup_add_monitor(m->monitor_pid);
		if (err_fd >= 0)
			close(err_fd);
		return m;
	}
	/* The launcher's stderr until EOF: the launcher and the daemonized monitor have let go
	 * of it. One that never does is a failure here, not a hang. */
	g_autoptr(GString) err = g_string_new(NULL);
	gint64 deadline = deadline_after(LAUNCHER_WAIT_MS);
	while (err_fd >= 0) {
		struct pollfd p = { err_fd, POLLIN, 0 };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		char buf[4096];
		if (left <= 0) {
			g_test_fail_printf("%s: stderr still open after %d ms", monitor,
					   LAUNCHER_WAIT_MS);
			break;
		}
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		ssize_t n = read(err_fd, buf, sizeof buf);
		if (n > 0)
			g_string_append_len(err, buf, n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	if (err_fd >= 0)
		close(err_fd);
	int status = testlib_wait_pid(pid, LAUNCHER_WAIT_MS);
	m->launcher_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	m->launcher_stderr = g_string_free(g_steal_pointer(&err), FALSE);
	g_autofree char *pid_text = testlib_read_file(b->conmon_pidfile);
	if (pid_text != NULL) {
		m->monitor_pid = (pid_t)atoi(pid_text);
		testlib_cleanup_add_monitor(m->monitor_pid);
	}
	return m;
}

TestMonitor *test_monitor_start_with(const char *monitor, TestBundle *b, const char *const *args,
				     gboolean with_attach_pipe, gboolean hold_start)
{
	return spawn_monitor(monitor, b, args, with_attach_pipe, hold_start, -1, -1, -1);
}

TestMonitor *test_monitor_start_stdio(TestBundle *b, const char *const *args, int out_fd,
				      int err_fd)
{
	return spawn_monitor(monitor_binary(), b, args, FALSE, FALSE, -1, out_fd, err_fd);
}

TestMonitor *test_monitor_start_stdio3(TestBundle *b, const char *const *args, int in_fd,
				       int out_fd, int err_fd)
{
	return spawn_monitor(monitor_binary(), b, args, FALSE, FALSE, in_fd, out_fd, err_fd);
}

void test_monitor_free(TestMonitor *m)
{
	if (m == NULL)
		return;
	if (m->sync_fd >= 0)
		close(m->sync_fd);
	if (m->start_fd >= 0)
		close(m->start_fd);
	if (m->attach_fd >= 0)
		close(m->attach_fd);
	g_free(m->launcher_stderr);
	g_free(m);
}

int testlib_sync_value(const char *line, const char *key)
{
	g_autofree char *prefix = g_strdup_printf("{\"%s\": ", key);

	if (line == NULL || !g_str_has_prefix(line, prefix))
		return G_MININT;
	return atoi(line + strlen(prefix));
}

int testlib_read_sync_pid(TestMonitor *m, int timeout_ms)
{
	g_autofree char *line = testlib_read_line(m->sync_fd, timeout_ms);
	int pid = testlib_sync_value(line, "data");

	if (pid <= 0)
		g_test_message("sync pipe: %s", line != NULL ? line : "(nothing)");
	g_assert_cmpint(pid, >, 0);
	return pid;
}
