/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-monitor-attach-helpers.h"

/*
 * Flow control through the attach socket against real runc (conmon.md §4): input faster
 * than the container reads it, a client that never reads (dropped; the container finishes
 * and the log has every byte) and one slower than the container writes (waited for; it gets
 * every byte, in order).
 */

/*
 * 16 MiB of input through the socket while the container does not read yet: the stdin pipe
 * fills, the monitor keeps the rest and stops reading clients until it drains, and every
 * byte arrives in order. Messages up to 100 KiB arrive whole (conmon truncates at 32 KiB).
 */
static void test_stdin_backpressure(void)
{
	if (!testlib_require_runc())
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

static void test_stuck_client_50mb(void)
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
	/* Connected, and never reads while the container writes. */
	gint64 t0 = g_get_monotonic_time();
	int stuck = connect_and_start(b);
	/* The container finishes although this client takes nothing... */
	g_assert_cmpint(wait_exit(b, m), ==, 0);
	gint64 t1 = g_get_monotonic_time();
	g_test_message("50 MiB through the monitor with a stuck client: %.2f s",
		       (double)(t1 - t0) / G_USEC_PER_SEC);

	/* ...and the log has every byte. */
	g_autofree char *log = NULL;
	gsize log_len = 0, bytes = 0, lines = 0;
	g_assert_true(g_file_get_contents(b->log_path, &log, &log_len, NULL));
	count_log(log, log_len, &bytes, &lines);
	g_assert_cmpuint(lines, ==, 51200);
	g_assert_cmpuint(bytes, ==, 50 * 1024 * 1024);

	/* The client was dropped: what it can still read ends early, then EOF. */
	gsize got = 0;
	gssize n;
	while ((n = recv_packet(stuck, buf, WAIT_MS)) > 0)
		got += (gsize)n - 1;
	g_assert_cmpint(n, ==, 0);
	g_test_message("the stuck client had %zu bytes waiting when dropped", got);
	g_assert_cmpuint(got, <, 50 * 1024 * 1024);
	close(stuck);
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
			/* far behind now; well under the 5 s after which a client counts as stuck
			 */
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
	g_test_add_func("/monitor/attach/stuck-client-50mb", test_stuck_client_50mb);
	g_test_add_func("/monitor/attach/slow-client-complete", test_slow_client_complete);
	return g_test_run();
}
