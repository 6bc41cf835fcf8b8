/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testlib.h"

/*
 * Terminal mode against real runc (docs/conmon-contract.md, "ctl and winsz FIFOs" and
 * "Console socket"): the PTY master from the console socket carries output to attach clients
 * (stream 2 only) and client input to the container; the ctl and winsz FIFOs set its window size,
 * seen inside with `stty size`. Also podman's `exec -it` shape.
 */

#define WAIT_MS    30000
#define CLIENT_BUF 8193

/*
 * Append the terminal's output to out until needle appears (TRUE) or EOF/timeout (FALSE;
 * with needle NULL, EOF is TRUE). Every message must be stream 2: a PTY has one stream.
 */
static gboolean read_until(int fd, GString *out, const char *needle, int timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	char buf[CLIENT_BUF];

	while (needle == NULL || strstr(out->str, needle) == NULL) {
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return FALSE;
		gssize n = recv(fd, buf, sizeof buf, MSG_TRUNC);
		if (n <= 0)
			return n == 0 && needle == NULL;
		g_assert_cmpint(n, <=, CLIENT_BUF);
		g_assert_cmpint(buf[0], ==, 2);
		g_string_append_len(out, buf + 1, n - 1);
	}
	return TRUE;
}

/* One more message of output; FALSE (test failed) if none comes. */
static gboolean read_more(int fd, GString *out)
{
	char buf[CLIENT_BUF];
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, WAIT_MS) != 1) {
		g_test_fail_printf("no output from the terminal");
		return FALSE;
	}
	gssize n = recv(fd, buf, sizeof buf, MSG_TRUNC);
	if (n <= 1 || n > CLIENT_BUF || buf[0] != 2) {
		g_test_fail_printf("bad message from the monitor: %zd bytes", n);
		return FALSE;
	}
	g_string_append_len(out, buf + 1, n - 1);
	return TRUE;
}

/*
 * The container answers every input line with `stty size`. Poke it until it reports rows
 * and cols (the FIFO and the socket are separate channels, so a resize and the next line
 * may be handled in either order); every size seen on the way must be in allowed.
 */
static void wait_for_size(int fd, GString *out, int rows, int cols, const char *const *allowed)
{
	g_autofree char *want = g_strdup_printf("\n%d %d\r\n", rows, cols);
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	/* Assertions do not abort here (testlib), so every exit from this loop is explicit. */
	while (strstr(out->str, want) == NULL) {
		if (g_get_monotonic_time() > deadline) {
			g_test_fail_printf("the terminal never reported %d %d", rows, cols);
			return;
		}
		g_string_truncate(out, 0);
		testlib_send_str(fd, "\n");
		/* the echo of our newline, then one whole size line */
		do {
			if (!read_more(fd, out))
				return;
		} while (strchr(out->str, ' ') == NULL ||
			 strstr(strchr(out->str, ' '), "\r\n") == NULL);
		g_auto(GStrv) lines = g_strsplit(out->str, "\r\n", -1);
		for (char **l = lines; *l != NULL; l++) {
			if (**l != '\0' && !g_strv_contains(allowed, *l)) {
				g_test_fail_printf("unexpected terminal output \"%s\"", *l);
				return;
			}
		}
	}
}

static TestBundle *tty_bundle(const char *script)
{
	TestBundle *b = test_bundle_new((const char *const[]){ "sh", "-c", script, NULL });

	test_bundle_set_terminal(b, TRUE);
	test_bundle_write_config(b);
	return b;
}

static void test_tty_output_and_input(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = tty_bundle("read x; echo tty:$x");
	g_autoptr(TestMonitor) m =
		test_monitor_start_podman_like(b, (const char *const[]){ "-t", NULL });
	g_autofree char *path = g_build_filename(b->bundle, "attach", NULL);
	g_autoptr(GString) out = g_string_new(NULL);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	int fd = testlib_attach_connect(path);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	testlib_send_str(fd, "hi\n");
	/* ONLCR is on (docs/conmon-contract.md, "Console socket"): lines end in \r\n; the terminal
	 * echoes the input too. */
	g_assert_true(read_until(fd, out, NULL, WAIT_MS));
	g_assert_cmpstr(out->str, ==, "hi\r\ntty:hi\r\n");
	close(fd);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_autofree char *log = testlib_read_file(b->log_path);
	g_assert_nonnull(strstr(log, " stdout F tty:hi\r\n"));
}

#define SIZE_LOOP "while read l; do [ \"$l\" = q ] && exit 5; stty size; done"

static void test_tty_resize(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = tty_bundle(SIZE_LOOP);
	g_autoptr(TestMonitor) m =
		test_monitor_start_podman_like(b, (const char *const[]){ "-t", NULL });
	g_autofree char *path = g_build_filename(b->bundle, "attach", NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *junk = g_strnfill(300, '1');
	const char *const allowed[] = { "0 0", "30 100", "40 120", "25 80", NULL };

	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	int fd = testlib_attach_connect(path);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);

	/* podman's resize (AttachResize): "1 <height> <width>\n" on ctl */
	testlib_write_fifo(b->bundle, "ctl", "1 30 100\n");
	wait_for_size(fd, out, 30, 100, allowed);

	/* Malformed lines change nothing and kill nothing; the next valid line works. */
	testlib_write_fifo(b->bundle, "ctl", "1 2\nfoo\n999 2 2\n1 5000 5\n1 -1 5\n1 7\n");
	testlib_write_fifo(b->bundle, "ctl", junk);
	testlib_write_fifo(b->bundle, "ctl", " 9 9\n\x01\xff\n1 40 120\n");
	wait_for_size(fd, out, 40, 120, allowed);

	/* winsz takes "<height> <width>" directly */
	testlib_write_fifo(b->bundle, "winsz", "3\n25 80\n");
	wait_for_size(fd, out, 25, 80, allowed);

	testlib_send_str(fd, "q\n");
	g_assert_true(read_until(fd, out, NULL, WAIT_MS));
	close(fd);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 5);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* podman's `exec -it`: a terminal exec session with --exec-attach, resized through the
 * session's own ctl FIFO. */
static void test_exec_tty(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) ctr = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) cm = test_monitor_start_running(ctr, NULL, NULL);
	g_assert_cmpint(cm->monitor_pid, >, 0); /* held: the container runs beside the exec */
	g_autoptr(TestExecSession) s = test_exec_session_new(
		ctr, (const char *const[]){ "sh", "-c", SIZE_LOOP, NULL }, TRUE);
	const char *sdir = s->view.bundle;

	/* asserts the launcher's status and {"data": 0} on the attach pipe */
	g_autoptr(TestMonitor) m =
		test_exec_session_start_attached(s, (const char *const[]){ "-t", NULL });
	/* podman's order (attachToExec): resize, connect, then let the runtime run. The PTY
	 * does not exist yet: the size must wait for it, not be dropped. */
	testlib_write_fifo(sdir, "ctl", "1 33 99\n");
	g_autofree char *path = g_build_filename(sdir, "attach", NULL);
	int fd = testlib_attach_connect(path);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);

	g_autoptr(GString) out = g_string_new(NULL);
	const char *const allowed[] = { "0 0", "33 99", NULL };
	wait_for_size(fd, out, 33, 99, allowed);
	testlib_send_str(fd, "q\n");
	g_assert_true(read_until(fd, out, NULL, WAIT_MS));
	close(fd);
	g_autofree char *code = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(code, ==, "{\"data\": 5}\n");
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/tty/output-and-input", test_tty_output_and_input);
	g_test_add_func("/monitor/tty/resize", test_tty_resize);
	g_test_add_func("/monitor/tty/exec-it", test_exec_tty);
	return g_test_run();
}
