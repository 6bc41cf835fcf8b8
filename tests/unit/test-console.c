/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "testlib.h"

/* What a runtime does with --console-socket: connect, then send a PTY master. */
static int runtime_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(sock, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, path);
	g_assert_cmpint(connect(sock, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	return sock;
}

static void runtime_send(int sock)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	g_assert_cmpint(master, >=, 0);
	testlib_send_fd(sock, master, ptsname(master));
	close(master);
}

static int runtime_connect_and_send(const char *path)
{
	int sock = runtime_connect(path);

	runtime_send(sock);
	return sock;
}

static void on_ready(int master, gpointer data)
{
	*(int *)data = master;
}

/* Iterate ctx without blocking for longer than a tick until the master arrives. */
static void wait_delivered(GMainContext *ctx, const int *master)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	while (*master < 0 && g_get_monotonic_time() < deadline) {
		if (!g_main_context_iteration(ctx, FALSE))
			g_usleep(10 * 1000);
	}
	g_assert_cmpint(*master, >=, 0);
}

static void check_master(int master)
{
	struct termios t;

	g_assert_true(isatty(master));
	g_assert_cmpint(tcgetattr(master, &t), ==, 0);
	/* Kubernetes expects CRLF output from a terminal */
	g_assert_true(t.c_oflag & ONLCR);
	g_assert_cmpint(fcntl(master, F_GETFD) & FD_CLOEXEC, !=, 0);
}

static void test_deliver(void)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GError) error = NULL;
	int master = -1;
	g_autoptr(Console) console = console_new(ctx, on_ready, &master, &error);

	g_assert_no_error(error);
	g_autofree char *path = g_strdup(console_socket_path(console));
	g_autofree char *dir = g_path_get_dirname(path);
	int sock = runtime_connect_and_send(path);

	wait_delivered(ctx, &master);
	check_master(master);
	/* one runtime, one terminal: the socket and its directory are gone at once */
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_true(console_try_receive(console));
	close(master);
	close(sock);
}

/* Out of fds, the listener must rest instead of spinning on the readable socket, and take
 * the runtime's connection once fds are free again. */
static void test_emfile(void)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GError) error = NULL;
	int master = -1;
	g_autoptr(Console) console = console_new(ctx, on_ready, &master, &error);

	g_assert_no_error(error);
	int sock = runtime_connect_and_send(console_socket_path(console));

	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*console socket*pausing*");
	g_assert_true(g_main_context_iteration(ctx, FALSE));
	g_test_assert_expected_messages();
	/* the connection still waits, but nothing is ready: the socket is not polled */
	gboolean spinning = g_main_context_pending(ctx);
	/* a direct attempt fails the same way and does not start polling again */
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*console socket*pausing*");
	g_assert_false(console_try_receive(console));
	g_test_assert_expected_messages();
	gboolean spinning_after_try = g_main_context_pending(ctx);

	testlib_fds_release(fill);
	g_assert_false(spinning);
	g_assert_false(spinning_after_try);

	wait_delivered(ctx, &master);
	check_master(master);
	close(master);
	close(sock);
}

/* The monitor also asks without waiting (the runtime may be gone before the loop noticed):
 * a connection taken that way while the listener rests ends the rest, even before the
 * master comes. */
static void test_emfile_then_direct(void)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GError) error = NULL;
	int master = -1;
	g_autoptr(Console) console = console_new(ctx, on_ready, &master, &error);

	g_assert_no_error(error);
	int sock = runtime_connect(console_socket_path(console));
	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*console socket*pausing*");
	g_assert_true(g_main_context_iteration(ctx, FALSE));
	g_test_assert_expected_messages();
	testlib_fds_release(fill);

	/* accepted, but nothing sent yet */
	g_assert_false(console_try_receive(console));
	/* past the rest: nothing wakes up to listen on the closed socket */
	g_usleep(2 * 100 * 1000);
	while (g_main_context_iteration(ctx, FALSE))
		;
	g_assert_null(g_main_context_find_source_by_user_data(ctx, console));
	g_assert_cmpint(master, <, 0);
	runtime_send(sock);
	g_assert_true(console_try_receive(console));
	check_master(master);
	close(master);
	close(sock);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/console/deliver", test_deliver);
	g_test_add_func("/console/emfile", test_emfile);
	g_test_add_func("/console/emfile-then-direct", test_emfile_then_direct);
	return g_test_run();
}
