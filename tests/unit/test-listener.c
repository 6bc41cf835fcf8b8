/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdutil.h"
#include "listener.h"
#include "testlib.h"

typedef struct {
	GMainContext *ctx;
	int listen_fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	Listener *listener;
	GArray *accepted;        /* int */
	gboolean free_on_accept; /* the console's way: one connection, then no listener */
} Fixture;

static void on_accept(int fd, gpointer data)
{
	Fixture *f = data;

	g_array_append_val(f->accepted, fd);
	if (f->free_on_accept)
		g_clear_pointer(&f->listener, listener_free);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
	f->ctx = g_main_context_new();
	f->accepted = g_array_new(FALSE, FALSE, sizeof(int));
	/* An abstract address the kernel picks: nothing to clean up in the file system. */
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	g_assert_cmpint(f->listen_fd, >=, 0);
	f->addr.sun_family = AF_UNIX;
	g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&f->addr, sizeof(sa_family_t)), ==,
			0);
	f->addr_len = sizeof f->addr;
	g_assert_cmpint(getsockname(f->listen_fd, (struct sockaddr *)&f->addr, &f->addr_len), ==,
			0);
	g_assert_cmpint(listen(f->listen_fd, 16), ==, 0);
	f->listener =
		listener_new(f->ctx, f->listen_fd, "test-listen", "test socket", on_accept, f);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->listener, listener_free);
	for (guint i = 0; i < f->accepted->len; i++)
		close(g_array_index(f->accepted, int, i));
	g_array_unref(f->accepted);
	vigil_clear_fd(&f->listen_fd);
	g_main_context_unref(f->ctx);
}

/* A client connected to the fixture's socket (the connection waits in the backlog). */
static int client_connect(Fixture *f)
{
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(c, >=, 0);
	g_assert_cmpint(connect(c, (struct sockaddr *)&f->addr, f->addr_len), ==, 0);
	return c;
}

/* Whether the loop would poll fd in its next iteration: what a resting listener must not
 * have its socket in, since the waiting connection keeps it readable. */
static gboolean context_polls(GMainContext *ctx, int fd)
{
	GPollFD fds[32];
	gint priority, timeout;
	gboolean found = FALSE;

	g_assert_true(g_main_context_acquire(ctx));
	g_main_context_prepare(ctx, &priority);
	gint n = g_main_context_query(ctx, G_MAXINT, &timeout, fds, G_N_ELEMENTS(fds));
	g_assert_cmpint(n, <=, (gint)G_N_ELEMENTS(fds));
	for (gint i = 0; i < n; i++)
		found |= fds[i].fd == fd;
	/* Nothing was polled: no revents, so nothing is dispatched on account of this. */
	g_main_context_check(ctx, priority, fds, n);
	g_main_context_release(ctx);
	return found;
}

/* Iterate ctx without blocking for longer than a tick until n connections were accepted. */
static void wait_accepted(Fixture *f, guint n)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	while (f->accepted->len < n && g_get_monotonic_time() < deadline) {
		if (!g_main_context_iteration(f->ctx, FALSE))
			g_usleep(10 * 1000);
	}
	g_assert_cmpuint(f->accepted->len, ==, n);
}

static void test_accept(Fixture *f, gconstpointer data)
{
	int c1 = client_connect(f), c2 = client_connect(f);

	wait_accepted(f, 2);
	for (guint i = 0; i < 2; i++) {
		int fd = g_array_index(f->accepted, int, i);
		g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, !=, 0);
		g_assert_cmpint(fcntl(fd, F_GETFL) & O_NONBLOCK, !=, 0);
	}
	/* the owner's fd: the connection is the client's peer */
	g_assert_cmpint(write(c1, "x", 1), ==, 1);
	char byte = 0;
	g_assert_cmpint(read(g_array_index(f->accepted, int, 0), &byte, 1), ==, 1);
	g_assert_cmpint(byte, ==, 'x');
	g_assert_true(context_polls(f->ctx, f->listen_fd));
	close(c1);
	close(c2);
}

/* Direct accepts return the fd and leave the callback alone; nothing waiting is no error. */
static void test_accept_direct(Fixture *f, gconstpointer data)
{
	g_assert_cmpint(listener_accept(f->listener), ==, -1);
	int c = client_connect(f);
	int fd = listener_accept(f->listener);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, !=, 0);
	g_assert_cmpint(fcntl(fd, F_GETFL) & O_NONBLOCK, !=, 0);
	g_assert_cmpint(listener_accept(f->listener), ==, -1);
	while (g_main_context_iteration(f->ctx, FALSE))
		;
	g_assert_cmpuint(f->accepted->len, ==, 0);
	close(fd);
	close(c);
}

/*
 * Out of fds the listener rests instead of spinning on the readable socket, backs off
 * further while fds stay short, and takes the waiting connection once they are free.
 */
static void test_emfile_backoff(Fixture *f, gconstpointer data)
{
	int c = client_connect(f);
	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "accept on the test socket: *, pausing for 100 ms");
	g_assert_true(g_main_context_iteration(f->ctx, FALSE));
	g_test_assert_expected_messages();
	gboolean polled = context_polls(f->ctx, f->listen_fd);

	/* Still short when the timer looks again: the next rest is twice as long. */
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "accept on the test socket: *, pausing for 200 ms");
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	/* the retry timer, then the socket's watch, then its accept fails */
	while (!context_polls(f->ctx, f->listen_fd) && g_get_monotonic_time() < deadline)
		g_main_context_iteration(f->ctx, TRUE);
	g_main_context_iteration(f->ctx, TRUE);
	g_test_assert_expected_messages();
	gboolean polled_again = context_polls(f->ctx, f->listen_fd);

	testlib_fds_release(fill);
	g_assert_false(polled);
	g_assert_false(polled_again);
	g_assert_cmpuint(f->accepted->len, ==, 0);

	wait_accepted(f, 1);
	g_assert_true(context_polls(f->ctx, f->listen_fd));
	close(c);
}

/* An accept that succeeded ends the back-off: the next shortage rests the shortest time. */
static void test_emfile_backoff_reset(Fixture *f, gconstpointer data)
{
	int c1 = client_connect(f);
	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*pausing for 100 ms");
	g_assert_cmpint(listener_accept(f->listener), ==, -1);
	g_test_assert_expected_messages();
	testlib_fds_release(fill);
	wait_accepted(f, 1);

	int c2 = client_connect(f);
	fill = testlib_fds_exhaust();
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*pausing for 100 ms");
	g_assert_true(g_main_context_iteration(f->ctx, FALSE));
	g_test_assert_expected_messages();
	testlib_fds_release(fill);
	wait_accepted(f, 2);
	close(c1);
	close(c2);
}

/* The owner freed an fd (a client left): the socket is watched again at once, not at the
 * timer. */
static void test_emfile_resume(Fixture *f, gconstpointer data)
{
	int c = client_connect(f);
	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*test socket*pausing*");
	g_assert_true(g_main_context_iteration(f->ctx, FALSE));
	g_test_assert_expected_messages();
	gboolean polled = context_polls(f->ctx, f->listen_fd);
	testlib_fds_release(fill);
	g_assert_false(polled);

	listener_resume(f->listener);
	g_assert_true(context_polls(f->ctx, f->listen_fd));
	wait_accepted(f, 1);
	/* not resting: nothing to resume, and the watch is not doubled */
	listener_resume(f->listener);
	g_assert_true(context_polls(f->ctx, f->listen_fd));
	close(c);
}

/* The console's way: the callback frees the listener; the second connection stays in the
 * backlog, and nothing is left in the loop. */
static void test_free_in_callback(Fixture *f, gconstpointer data)
{
	int c1 = client_connect(f), c2 = client_connect(f);

	f->free_on_accept = TRUE;
	wait_accepted(f, 1);
	g_assert_null(f->listener);
	while (g_main_context_iteration(f->ctx, FALSE))
		;
	g_assert_cmpuint(f->accepted->len, ==, 1);
	g_assert_false(context_polls(f->ctx, f->listen_fd));
	close(c1);
	close(c2);
}

/* Freed while resting: the retry timer goes with it. */
static void test_free_resting(Fixture *f, gconstpointer data)
{
	int c = client_connect(f);
	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*test socket*pausing*");
	g_assert_cmpint(listener_accept(f->listener), ==, -1);
	g_test_assert_expected_messages();
	testlib_fds_release(fill);
	gpointer was = f->listener;
	g_clear_pointer(&f->listener, listener_free);
	/* compared, never dereferenced */
	g_assert_null(g_main_context_find_source_by_user_data(f->ctx, was));
	g_assert_false(context_polls(f->ctx, f->listen_fd));
	close(c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/listener/accept", test_accept);
	ADD("/listener/accept-direct", test_accept_direct);
	ADD("/listener/emfile-backoff", test_emfile_backoff);
	ADD("/listener/emfile-backoff-reset", test_emfile_backoff_reset);
	ADD("/listener/emfile-resume", test_emfile_resume);
	ADD("/listener/free-in-callback", test_free_in_callback);
	ADD("/listener/free-resting", test_free_resting);
#undef ADD
	return g_test_run();
}
