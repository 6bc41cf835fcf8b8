/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-monitor-attach-helpers.h"

/*
 * Flow control through the attach socket against real runc (docs/protocols.md, "Flow
 * control"): input faster than the container reads it; clients that pause, read slowly,
 * leave mid-stream or are paused when the container exits, each of which gets every byte
 * it stays for, in order; and the opt-in rule that disconnects a stalled client, telling it.
 * meson runs this binary with conmon as the monitor too (monitor-attach-flow-conmon), so
 * every default behaviour here is conmon's.
 */

/*
 * 16 MiB of input through the socket while the container does not read yet: the stdin pipe
 * fills, the monitor keeps the rest and stops reading clients until it drains, and every
 * byte arrives in order. Messages up to 100 KiB arrive whole (conmon truncates at 32 KiB).
 */
static void test_stdin_backpressure(void)
{
	if (!testlib_require_runc() ||
	    !testlib_require_monitor_feature(!testlib_testing_other_monitor(),
					     "input messages over 32 KiB taken whole"))
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "sleep 1; md5sum", NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, (const char *const[]){ "-i", NULL });
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_MD5);
	g_autoptr(GRand) rand = g_rand_new_with_seed(4);
	const gsize total = 16 * 1024 * 1024;
	g_autofree guint8 *data = g_malloc(total);

	for (gsize i = 0; i < total; i++)
		data[i] = (guint8)g_rand_int(rand);
	g_checksum_update(sum, data, total);
	testlib_read_sync_pid(m, WAIT_MS);
	int fd = connect_and_start(b);
	for (gsize off = 0, n; off < total; off += n) {
		n = MIN((gsize)g_rand_int_range(rand, 1, 100 * 1024), total - off);
		gssize w = send(fd, data + off, n, MSG_NOSIGNAL);
		if (w != (gssize)n) {
			g_test_fail_printf("send %zu bytes: %s", n, g_strerror(errno));
			break;
		}
	}
	g_assert_cmpint(shutdown(fd, SHUT_WR), ==, 0);
	g_assert_cmpint(read_to_exit(b, m, fd, out, err), ==, 0);
	g_autofree char *want = g_strdup_printf("%s  -\n", g_checksum_get_string(sum));
	g_assert_cmpstr(out->str, ==, want);
}

/* Total payload and complete lines of a k8s-file log. Scans with memchr: string functions on
 * 50 MiB are quadratic under ASan's strict_string_checks. */
static void count_log(const char *log, gsize len, gsize *out_bytes, gsize *out_lines)
{
	const char *p = log, *end = log + len;

	*out_bytes = *out_lines = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		const char *eol = nl != NULL ? nl : end;
		/* "<time> <stream> <P|F> <content>": skip three fields */
		const char *f = p;
		for (int i = 0; i < 3 && f != NULL; i++) {
			f = memchr(f, ' ', (gsize)(eol - f));
			if (f != NULL)
				f++;
		}
		if (f != NULL) {
			*out_bytes += (gsize)(eol - f);
			if (f[-2] == 'F') {
				(*out_lines)++;
				*out_bytes += 1; /* the newline the F record stands for */
			}
		}
		p = eol + 1;
	}
}

/* The exit file exists now. */
static gboolean exit_file_exists(TestBundle *b)
{
	g_autofree char *path = g_build_filename(b->exit_dir, b->id, NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* One message of n bytes: its payload size; *clean stays TRUE while every message is stdout
 * and every byte `fill`. */
static gsize take_fill(const char *buf, gssize n, char fill, gboolean *clean)
{
	*clean &= buf[0] == 2;
	for (gssize i = 1; i < n; i++)
		*clean &= buf[i] == fill;
	return (gsize)n - 1;
}

/* What a client reads to EOF: payload bytes, and whether every byte was `fill` (stdout only). */
static gsize read_all_fill(int fd, char fill, gboolean *out_clean)
{
	char buf[CLIENT_BUF];
	gsize got = 0;
	gssize n;

	*out_clean = TRUE;
	while ((n = recv_packet(fd, buf, WAIT_MS)) > 0)
		got += take_fill(buf, n, fill, out_clean);
	g_assert_cmpint(n, ==, 0);
	return got;
}

/* A container that prints `total` bytes of 'x' and no newline. */
static TestBundle *bundle_printing(gsize total)
{
	g_autofree char *script = g_strdup_printf("head -c %zu /dev/zero | tr '\\0' x", total);

	return test_bundle_new((const char *const[]){ "sh", "-c", script, NULL });
}

/*
 * A client that takes nothing for longer than anything could count as "slow" (7 s) gets
 * every byte once it reads: the container waits for it meanwhile, as it would for a pipe,
 * and the monitor keeps serving (vigilmon reopens its log through ctl; conmon, blocked in
 * its write, would not, so that is checked for vigilmon only). The log has every byte too.
 */
static void test_paused_client_50mb(void)
{
	if (!testlib_require_runc())
		return;
	/* 51200 lines of 1023 'x' + '\n' = 50 MiB */
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "l=$(head -c 1023 /dev/zero | tr '\\0' x); yes \"$l\" | head -n 51200",
		NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	char buf[CLIENT_BUF];

	testlib_read_sync_pid(m, WAIT_MS);
	int paused = connect_and_start(b);
	g_usleep(7 * G_USEC_PER_SEC);
	g_assert_false(exit_file_exists(b));
	g_autofree char *rotated = g_strconcat(b->log_path, ".1", NULL);
	gboolean reopened = FALSE;
	if (!testlib_testing_other_monitor()) {
		/* The loop still runs: a log reopen through ctl (kubelet's rotation) is served
		 * while the container waits for the client. */
		g_assert_cmpint(rename(b->log_path, rotated), ==, 0);
		testlib_write_fifo(b->bundle, "ctl", "2 0 0\n");
		g_assert_true(testlib_wait_for_file(b->log_path, WAIT_MS));
		reopened = TRUE;
	}

	gsize got = 0, lines = 0;
	gboolean ordered = TRUE;
	gssize n;
	while ((n = recv_packet(paused, buf, WAIT_MS)) > 0) {
		ordered &= buf[0] == 2;
		for (gssize i = 1; i < n; i++, got++) {
			gboolean eol = got % 1024 == 1023;
			ordered &= buf[i] == (eol ? '\n' : 'x');
			lines += eol;
		}
	}
	g_assert_cmpint(n, ==, 0);
	g_assert_cmpuint(got, ==, 50 * 1024 * 1024);
	g_assert_cmpuint(lines, ==, 51200);
	g_assert_true(ordered);
	close(paused);
	g_assert_cmpint(wait_exit(b, m), ==, 0);

	gsize bytes = 0, log_lines = 0;
	for (int i = reopened ? 0 : 1; i < 2; i++) {
		g_autofree char *log = NULL;
		gsize log_len = 0, part_bytes = 0, part_lines = 0;
		g_assert_true(
			g_file_get_contents(i == 0 ? rotated : b->log_path, &log, &log_len, NULL));
		count_log(log, log_len, &part_bytes, &part_lines);
		bytes += part_bytes;
		log_lines += part_lines;
	}
	g_assert_cmpuint(log_lines, ==, 51200);
	g_assert_cmpuint(bytes, ==, 50 * 1024 * 1024);
}

/*
 * The container exits while its only client is paused with output queued: vigilmon writes
 * the exit file without waiting for the client (CRI-O gives up on an exit file after a few
 * seconds), then stays until the client has everything. conmon writes the exit file only
 * after its blocking writes to the client: the ordering is checked for vigilmon only.
 */
static void test_exit_while_paused(void)
{
	if (!testlib_require_runc())
		return;
	const gsize total = 1536 * 1024; /* fits in the pipe and the client's queue */
	g_autoptr(TestBundle) b = bundle_printing(total);
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	gboolean clean = FALSE;

	testlib_read_sync_pid(m, WAIT_MS);
	int paused = connect_and_start(b);
	if (!testlib_testing_other_monitor()) {
		g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
		/* Still there, serving the client. */
		g_assert_cmpint(kill(m->monitor_pid, 0), ==, 0);
	}
	g_usleep(6 * G_USEC_PER_SEC);
	g_assert_cmpuint(read_all_fill(paused, 'x', &clean), ==, total);
	g_assert_true(clean);
	close(paused);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

/*
 * A signal to the monitor while it serves a paused client after the exit (vigilmon's
 * serving phase; conmon has none) ends the serving at once: nothing is forwarded to the
 * container's old pid, and the monitor exits with the container's status.
 */
static void test_signal_while_serving(void)
{
	if (!testlib_require_runc() ||
	    !testlib_require_monitor_feature(!testlib_testing_other_monitor(),
					     "serving attach clients after the exit file"))
		return;
	g_autoptr(TestBundle) b = bundle_printing(1536 * 1024);
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	gboolean clean = FALSE;

	testlib_read_sync_pid(m, WAIT_MS);
	int paused = connect_and_start(b);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(kill(m->monitor_pid, SIGTERM), ==, 0);
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(w));
	g_assert_cmpint(WEXITSTATUS(w), ==, 0);
	/* What it had not taken is gone with the monitor; what the kernel held arrives. */
	g_assert_cmpuint(read_all_fill(paused, 'x', &clean), <, 1536 * 1024);
	g_assert_true(clean);
	close(paused);
}

/* A client reading ~80 KB/s (one message per 100 ms) gets every byte, in order. */
static void test_slow_reader_80k(void)
{
	if (!testlib_require_runc())
		return;
	const gsize total = 1024 * 1024;
	g_autoptr(TestBundle) b = bundle_printing(total);
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	char buf[CLIENT_BUF];
	gsize got = 0;
	gboolean clean = TRUE;
	gssize n;

	testlib_read_sync_pid(m, WAIT_MS);
	gint64 t0 = g_get_monotonic_time();
	int fd = connect_and_start(b);
	while ((n = recv_packet(fd, buf, WAIT_MS)) > 0) {
		got += take_fill(buf, n, 'x', &clean);
		g_usleep(100 * 1000);
	}
	g_assert_cmpint(n, ==, 0);
	g_test_message("1 MiB to a client reading one message per 100 ms: %.1f s",
		       (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	g_assert_cmpuint(got, ==, total);
	g_assert_true(clean);
	close(fd);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

/*
 * Two clients, one reading as fast as it can and one paused for 6 s: both get every byte,
 * in order (the fast one waits for the paused one, as the log does).
 */
static void test_fast_and_paused(void)
{
	if (!testlib_require_runc())
		return;
	const gsize total = 8 * 1024 * 1024;
	g_autoptr(TestBundle) b = bundle_printing(total);
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	g_autofree char *path = attach_path(b);
	char buf[CLIENT_BUF];
	gsize got[2] = { 0, 0 };
	gboolean clean = TRUE, open_[2] = { TRUE, TRUE };

	testlib_read_sync_pid(m, WAIT_MS);
	int fds[2] = { testlib_attach_connect(path), -1 };
	g_assert_cmpint(fds[0], >=, 0);
	fds[1] = connect_and_start(b);
	gint64 wake = g_get_monotonic_time() + 6 * G_USEC_PER_SEC;
	while (open_[0] || open_[1]) {
		/* The paused client (1) is looked at only after its pause. */
		gboolean awake = g_get_monotonic_time() >= wake;
		struct pollfd p[2] = { { open_[0] ? fds[0] : -1, POLLIN, 0 },
				       { open_[1] && awake ? fds[1] : -1, POLLIN, 0 } };
		int r = poll(p, 2, 100);
		g_assert_cmpint(r, >=, 0);
		if (r == 0) {
			g_assert_true(awake || open_[0]);
			continue; /* the fast one waits for the paused one */
		}
		int which = p[0].revents != 0 ? 0 : 1;
		gssize n = recv_packet(fds[which], buf, WAIT_MS);
		g_assert_cmpint(n, >=, 0);
		if (n == 0) {
			open_[which] = FALSE;
			continue;
		}
		got[which] += take_fill(buf, n, 'x', &clean);
	}
	g_assert_cmpuint(got[0], ==, total);
	g_assert_cmpuint(got[1], ==, total);
	g_assert_true(clean);
	close(fds[0]);
	close(fds[1]);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

/*
 * A client that disconnects while the container waits for it is removed at once: the other
 * client gets every byte and the container finishes.
 */
static void test_disconnect_mid_stream(void)
{
	if (!testlib_require_runc())
		return;
	const gsize total = 8 * 1024 * 1024;
	g_autoptr(TestBundle) b = bundle_printing(total);
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	g_autofree char *path = attach_path(b);
	char buf[CLIENT_BUF];
	gboolean clean = FALSE;

	testlib_read_sync_pid(m, WAIT_MS);
	int leaving = testlib_attach_connect(path);
	g_assert_cmpint(leaving, >=, 0);
	int staying = connect_and_start(b);
	/* It takes one message and leaves while the container waits for it. */
	g_assert_cmpint(recv_packet(leaving, buf, WAIT_MS), >, 1);
	g_usleep(2 * G_USEC_PER_SEC);
	close(leaving);
	g_assert_cmpuint(read_all_fill(staying, 'x', &clean), ==, total);
	g_assert_true(clean);
	close(staying);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

/* With a terminal: the same contract through the PTY (3,000,000 bytes, no newline, so the
 * terminal adds nothing). */
static void test_tty_paused_client(void)
{
	if (!testlib_require_runc())
		return;
	const gsize total = 3000000;
	g_autoptr(TestBundle) b = bundle_printing(total);
	gboolean clean = FALSE;

	test_bundle_set_terminal(b, TRUE);
	test_bundle_write_config(b);
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, (const char *const[]){ "-t", NULL });
	testlib_read_sync_pid(m, WAIT_MS);
	int paused = connect_and_start(b);
	g_usleep(6 * G_USEC_PER_SEC);
	g_assert_cmpuint(read_all_fill(paused, 'x', &clean), ==, total);
	g_assert_true(clean);
	close(paused);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

/*
 * The opt-in stall rule (vigilmon's --attach-stall-timeout): a client that takes nothing for
 * 2 s while the container waits is disconnected, and the last thing it reads says so; the
 * container finishes and the log has every byte.
 */
static void test_stall_timeout_opt_in(void)
{
	if (!testlib_require_runc() ||
	    !testlib_require_monitor_feature(!testlib_testing_other_monitor(),
					     "--attach-stall-timeout (a vigilmon option)"))
		return;
	const gsize total = 50 * 1024 * 1024;
	g_autoptr(TestBundle) b = bundle_printing(total);
	g_autoptr(TestMonitor) m = start_monitor(
		b, TRUE, (const char *const[]){ "--attach-stall-timeout", "2", NULL });
	char buf[CLIENT_BUF];

	testlib_read_sync_pid(m, WAIT_MS);
	int stuck = connect_and_start(b);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);

	gsize got = 0;
	g_autoptr(GString) err = g_string_new(NULL);
	gssize n;
	while ((n = recv_packet(stuck, buf, WAIT_MS)) > 0) {
		if (buf[0] == 3)
			g_string_append_len(err, buf + 1, n - 1);
		else
			got += (gsize)n - 1;
	}
	g_assert_cmpint(n, ==, 0);
	close(stuck);
	g_test_message("the stalled client got %zu bytes, then: %s", got, err->str);
	g_assert_cmpuint(got, <, total);
	g_assert_nonnull(strstr(err->str, "took no output for 2 s"));
	g_assert_true(g_str_has_suffix(err->str, "the container's log has it\n"));
	g_assert_cmpint(wait_exit(b, m), ==, 0);

	g_autofree char *log = NULL;
	gsize log_len = 0;
	g_assert_true(g_file_get_contents(b->log_path, &log, &log_len, NULL));
	gsize bytes = 0, lines = 0;
	count_log(log, log_len, &bytes, &lines);
	g_assert_cmpuint(bytes, ==, total);
}

/*
 * A client that reads, but slower than the container writes (it pauses now and then, as a
 * pager does): it gets every byte, in order, because the container waits for it as for a
 * pipe (podman run ... > file, podman exec ... | less). A stuck client is the test above.
 */
static void test_slow_client_complete(void)
{
	if (!testlib_require_runc())
		return;
	const gsize total = 16 * 1024 * 1024;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "yes abcdefghijklmnopqrstuvwxyz0123456789 | head -c 16777216", NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, NULL);
	static const char line[] = "abcdefghijklmnopqrstuvwxyz0123456789\n";
	char buf[CLIENT_BUF];
	gsize got = 0, next_pause = 2 * 1024 * 1024;
	gboolean ordered = TRUE;
	gssize n;

	testlib_read_sync_pid(m, WAIT_MS);
	int fd = connect_and_start(b);
	while ((n = recv_packet(fd, buf, WAIT_MS)) > 0) {
		g_assert_cmpint(buf[0], ==, 2);
		for (gssize i = 1; i < n; i++, got++)
			ordered &= buf[i] == line[got % (sizeof line - 1)];
		if (got >= next_pause) {
			/* far behind now, as a pager is */
			g_usleep(300 * 1000);
			next_pause += 2 * 1024 * 1024;
		}
	}
	g_assert_cmpint(n, ==, 0);
	g_assert_cmpuint(got, ==, total);
	g_assert_true(ordered);
	close(fd);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/attach/stdin-backpressure", test_stdin_backpressure);
	g_test_add_func("/monitor/attach/paused-client-50mb", test_paused_client_50mb);
	g_test_add_func("/monitor/attach/exit-while-paused", test_exit_while_paused);
	g_test_add_func("/monitor/attach/signal-while-serving", test_signal_while_serving);
	g_test_add_func("/monitor/attach/slow-reader-80k", test_slow_reader_80k);
	g_test_add_func("/monitor/attach/fast-and-paused", test_fast_and_paused);
	g_test_add_func("/monitor/attach/disconnect-mid-stream", test_disconnect_mid_stream);
	g_test_add_func("/monitor/attach/tty-paused-client", test_tty_paused_client);
	g_test_add_func("/monitor/attach/stall-timeout-opt-in", test_stall_timeout_opt_in);
	g_test_add_func("/monitor/attach/slow-client-complete", test_slow_client_complete);
	return g_test_run();
}
