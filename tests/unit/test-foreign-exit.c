/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "foreign_exit.h"

static gboolean on_exit_cb(gpointer data)
{
	gboolean *fired = data;

	*fired = TRUE;
	return G_SOURCE_REMOVE;
}

/* A grandchild (re-parented away from us) that waits for a byte on a pipe, then exits. */
static pid_t spawn_grandchild(int *out_release_fd)
{
	int pidpipe[2], release[2];

	g_assert_cmpint(pipe2(pidpipe, O_CLOEXEC), ==, 0);
	g_assert_cmpint(pipe2(release, O_CLOEXEC), ==, 0);
	pid_t child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			char c;
			close(pidpipe[0]);
			close(pidpipe[1]);
			close(release[1]);
			(void)!read(release[0], &c, 1);
			_exit(0);
		}
		(void)!write(pidpipe[1], &grandchild, sizeof grandchild);
		_exit(0);
	}
	close(release[0]);
	/* Only the child holds the write end: if it dies without writing, read() sees EOF
	 * instead of waiting for ever. */
	close(pidpipe[1]);
	pid_t grandchild = 0;
	g_assert_cmpint(read(pidpipe[0], &grandchild, sizeof grandchild), ==, sizeof grandchild);
	g_assert_cmpint(waitpid(child, NULL, 0), ==, child);
	close(pidpipe[0]);
	*out_release_fd = release[1];
	return grandchild;
}

static void test_not_our_child_exit_seen(void)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GError) error = NULL;
	gboolean fired = FALSE;
	int release_fd = -1;
	pid_t pid = spawn_grandchild(&release_fd);

	g_assert_false(foreign_exit_is_our_child(pid));
	g_autoptr(ForeignExit) w = foreign_exit_new(ctx, pid, on_exit_cb, &fired, &error);
	g_assert_no_error(error);
	g_assert_nonnull(w);
	/* alive: nothing fires */
	g_assert_false(g_main_context_iteration(ctx, FALSE));
	g_assert_false(fired);
	close(release_fd); /* EOF: the grandchild exits */
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (!fired && g_get_monotonic_time() < deadline)
		g_main_context_iteration(ctx, TRUE);
	g_assert_true(fired);
}

static void test_own_child(void)
{
	pid_t pid = fork();

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	gboolean ours = foreign_exit_is_our_child(pid);
	/* reaped before the assertion, which aborts the test binary */
	kill(pid, SIGKILL);
	g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
	g_assert_true(ours);
}

static void test_gone(void)
{
	g_autoptr(GError) error = NULL;
	pid_t pid = fork();

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(0);
	g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
	/* a pid that no longer exists: an error (ESRCH), not a crash */
	g_assert_null(foreign_exit_new(g_main_context_default(), pid, on_exit_cb, NULL, &error));
	g_assert_nonnull(error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/foreign-exit/not-our-child", test_not_our_child_exit_seen);
	g_test_add_func("/foreign-exit/own-child", test_own_child);
	g_test_add_func("/foreign-exit/gone", test_gone);
	return g_test_run();
}
