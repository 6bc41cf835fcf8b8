/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "test-monitor-attach-helpers.h"

/*
 * The attach socket, stdin and the ctl FIFO against real runc, as podman and CRI-O use them
 * (docs/conmon-contract.md, "Attach socket framing" and "ctl and winsz FIFOs"): the stream
 * byte on every message, raw input, several clients, EOF and --leave-stdin-open, the
 * short-path symlink, exec-attach. Clients that read slowly or not at all, and big transfers,
 * are test-monitor-attach-flow.c.
 */

static gboolean packet_seen(GPtrArray *packets, const char *want, gsize len)
{
	for (guint i = 0; i < packets->len; i++) {
		GBytes *p = g_ptr_array_index(packets, i);
		gsize n = 0;
		const char *data = g_bytes_get_data(p, &n);
		if (n == len && memcmp(data, want, len) == 0)
			return TRUE;
	}
	return FALSE;
}

/* ---- tests ---- */

static void test_output_and_input(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new(
		(const char *const[]){ "sh", "-c", "read x; echo out:$x; echo err:$x >&2", NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, (const char *const[]){ "-i", NULL });
	g_autofree char *path = attach_path(b);
	g_autoptr(GPtrArray) packets =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	struct stat st;
	char buf[CLIENT_BUF];

	testlib_read_sync_pid(m, WAIT_MS);
	/* docs/conmon-contract.md, "Attach socket paths" and "ctl and winsz FIFOs": socket 0700,
	 * FIFOs 0660 & ~022 */
	g_assert_cmpint(lstat(path, &st), ==, 0);
	g_assert_true(S_ISSOCK(st.st_mode));
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	for (const char *const *f = (const char *const[]){ "ctl", "winsz", NULL }; *f; f++) {
		g_autofree char *fifo = g_build_filename(b->bundle, *f, NULL);
		g_assert_cmpint(lstat(fifo, &st), ==, 0);
		g_assert_true(S_ISFIFO(st.st_mode));
		g_assert_cmpint(st.st_mode & 07777, ==, 0640);
	}

	int fd = testlib_attach_connect(path);
	g_assert_cmpint(fd, >=, 0);
	runc_start(b);
	testlib_send_str(fd, "hello\n");
	gssize n;
	while ((n = recv_packet(fd, buf, WAIT_MS)) > 0)
		g_ptr_array_add(packets, g_bytes_new(buf, n));
	g_assert_cmpint(n, ==, 0); /* EOF, not a timeout */
	/* Exactly these messages, each with its stream byte (docs/conmon-contract.md,
	 * "Attach socket framing"). */
	g_assert_true(packet_seen(packets, "\x02out:hello\n", 11));
	g_assert_true(packet_seen(packets,
				  "\x03"
				  "err:hello\n",
				  11));
	g_assert_cmpuint(packets->len, ==, 2);
	close(fd);

	g_assert_cmpint(wait_exit(b, m), ==, 0);
	g_autofree char *log = testlib_read_file(b->log_path);
	g_assert_nonnull(strstr(log, " stdout F out:hello\n"));
	/* docs/conmon-contract.md, "Attach socket paths": the socket is gone after exit; the FIFOs
	 * stay. */
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_autofree char *ctl = g_build_filename(b->bundle, "ctl", NULL);
	g_assert_true(g_file_test(ctl, G_FILE_TEST_EXISTS));
}

static void test_two_clients(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "read a; echo got:$a; read b; echo got:$b", NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, (const char *const[]){ "-i", NULL });
	g_autofree char *path = attach_path(b);
	g_autoptr(GString) out1 = g_string_new(NULL), err1 = g_string_new(NULL);
	g_autoptr(GString) out2 = g_string_new(NULL), err2 = g_string_new(NULL);

	testlib_read_sync_pid(m, WAIT_MS);
	int c1 = testlib_attach_connect(path), c2 = testlib_attach_connect(path);
	g_assert_cmpint(c1, >=, 0);
	g_assert_cmpint(c2, >=, 0);
	runc_start(b);
	/* Input from either client reaches the one stdin; output reaches both. */
	testlib_send_str(c1, "one\n");
	g_assert_true(read_until(c1, out1, err1, "got:one\n"));
	g_assert_true(read_until(c2, out2, err2, "got:one\n"));
	testlib_send_str(c2, "two\n");
	g_assert_true(read_until(c1, out1, err1, NULL));
	g_assert_true(read_until(c2, out2, err2, NULL));
	g_assert_cmpstr(out1->str, ==, "got:one\ngot:two\n");
	g_assert_cmpstr(out2->str, ==, "got:one\ngot:two\n");
	g_assert_cmpstr(err1->str, ==, "");
	g_assert_cmpstr(err2->str, ==, "");
	close(c1);
	close(c2);
	g_assert_cmpint(wait_exit(b, m), ==, 0);
}

static void test_stdin_eof_closes(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "cat", NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, (const char *const[]){ "-i", NULL });
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);

	testlib_read_sync_pid(m, WAIT_MS);
	int fd = connect_and_start(b);
	testlib_send_str(fd, "abc\n");
	/* podman's CloseWrite on stdin EOF: cat sees EOF and exits (docs/conmon-contract.md,
	 * "Attach input and EOF"). */
	g_assert_cmpint(shutdown(fd, SHUT_WR), ==, 0);
	g_assert_cmpint(read_to_exit(b, m, fd, out, err), ==, 0);
	g_assert_cmpstr(out->str, ==, "abc\n");
}

static void test_leave_stdin_open(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "cat", NULL });
	g_autoptr(TestMonitor) m =
		start_monitor(b, TRUE, (const char *const[]){ "-i", "--leave-stdin-open", NULL });
	g_autofree char *path = attach_path(b);
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);

	testlib_read_sync_pid(m, WAIT_MS);
	int c1 = connect_and_start(b);
	testlib_send_str(c1, "abc\n");
	g_assert_true(read_until(c1, out, err, "abc\n"));
	g_assert_cmpint(shutdown(c1, SHUT_WR), ==, 0);
	close(c1);
	/* A later client still reaches cat: its stdin stayed open. */
	int c2 = testlib_attach_connect(path);
	g_assert_cmpint(c2, >=, 0);
	g_string_truncate(out, 0);
	testlib_send_str(c2, "def\n");
	g_assert_true(read_until(c2, out, err, "def\n"));
	g_assert_cmpstr(out->str, ==, "def\n");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(read_to_exit(b, m, c2, out, err), ==, 137);
}

/* Move b's bundle under a path long enough that <bundle>/attach exceeds sun_path. */
static void make_bundle_path_long(TestBundle *b)
{
	g_autofree char *deep = g_build_filename(b->dir,
						 "a-rather-long-directory-name-to-pass-"
						 "the-one-hundred-and-eight-byte-limit",
						 "and-then-some-more-bytes-beyond-it", NULL);
	g_autofree char *moved = g_build_filename(deep, "bundle", NULL);

	g_assert_cmpint(g_mkdir_with_parents(deep, 0755), ==, 0);
	g_assert_cmpint(rename(b->bundle, moved), ==, 0);
	g_free(b->bundle);
	b->bundle = g_steal_pointer(&moved);
	g_assert_cmpuint(strlen(b->bundle) + strlen("/attach"), >, 108);
}

/* Through the connected client fd: start the container, send input and read to EOF; the
 * container's stdout must be expected and its exit 0. Closes fd. */
static void echo_through(TestBundle *b, TestMonitor *m, int fd, const char *input,
			 const char *expected)
{
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);

	runc_start(b);
	testlib_send_str(fd, input);
	g_assert_cmpint(read_to_exit(b, m, fd, out, err), ==, 0);
	g_assert_cmpstr(out->str, ==, expected);
}

/* echo_through a client of b's own attach socket (connected through an O_PATH handle, so a
 * long bundle path works too). */
static void echo_through_bundle(TestBundle *b, TestMonitor *m, const char *input,
				const char *expected)
{
	g_autofree char *path = attach_path(b);
	int fd = testlib_attach_connect(path);

	g_assert_cmpint(fd, >=, 0);
	echo_through(b, m, fd, input, expected);
}

static void test_socket_dir_symlink(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "read x; echo short:$x", NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sock", NULL);
	g_autofree char *link = g_build_filename(sockdir, b->id, NULL);
	g_autofree char *short_path = g_build_filename(link, "attach", NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	make_bundle_path_long(b);
	g_assert_cmpint(mkdir(sockdir, 0755), ==, 0);
	/* CRI-O's shape: no --full-attach, --socket-dir-path */
	g_autoptr(TestMonitor) m = start_monitor(
		b, FALSE, (const char *const[]){ "-i", "--socket-dir-path", sockdir, NULL });
	testlib_read_sync_pid(m, WAIT_MS);

	/* <socket-dir>/<cuuid> -> bundle, so <socket-dir>/<cuuid>/attach is a short path */
	g_autofree char *target = g_file_read_link(link, NULL);
	g_assert_cmpstr(target, ==, b->bundle);
	g_assert_cmpuint(strlen(short_path), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, short_path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	echo_through(b, m, fd, "via-link\n", "short:via-link\n");
	/* docs/conmon-contract.md, "Attach socket paths": both removed at exit (2.1.6 leaked the
	 * link) */
	g_assert_false(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	g_autofree char *sock = attach_path(b);
	g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
}

/* A socket dir that is missing costs only the short name (conmon would refuse to run). */
static void test_socket_dir_missing(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "read x; echo still:$x", NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "no-such-dir", NULL);
	g_autoptr(TestMonitor) m = start_monitor(
		b, FALSE, (const char *const[]){ "-i", "--socket-dir-path", sockdir, NULL });

	testlib_read_sync_pid(m, WAIT_MS);
	echo_through_bundle(b, m, "here\n", "still:here\n");
	g_assert_false(g_file_test(sockdir, G_FILE_TEST_EXISTS));
}

static void test_full_attach_long_bundle(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "read x; echo full:$x", NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sock", NULL);

	make_bundle_path_long(b);
	g_assert_cmpint(mkdir(sockdir, 0755), ==, 0);
	g_autoptr(TestMonitor) m = start_monitor(
		b, TRUE, (const char *const[]){ "-i", "--socket-dir-path", sockdir, NULL });
	testlib_read_sync_pid(m, WAIT_MS);
	/* --full-attach ignores --socket-dir-path: no link */
	g_autoptr(GDir) dir = g_dir_open(sockdir, 0, NULL);
	g_assert_null(g_dir_read_name(dir));

	echo_through_bundle(b, m, "long\n", "full:long\n");
	g_autofree char *path = attach_path(b);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_ctl_reopen_and_malformed(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new(
		(const char *const[]){ "sh", "-c", "echo before; read x; echo after:$x", NULL });
	g_autoptr(TestMonitor) m = start_monitor(b, TRUE, (const char *const[]){ "-i", NULL });
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);
	g_autofree char *junk = g_strnfill(300, '1');

	testlib_read_sync_pid(m, WAIT_MS);
	int fd = connect_and_start(b);
	g_assert_true(read_until(fd, out, err, "before\n"));

	/* Malformed lines (and a resize for a container without a terminal) are logged and
	 * ignored; the monitor and the container carry on. */
	testlib_write_fifo(b->bundle, "ctl", "1 2\nfoo\n999 2 2\n1 5000 5\n1 10 20\n");
	testlib_write_fifo(b->bundle, "ctl", junk);
	testlib_write_fifo(b->bundle, "ctl", "\n\x01\xff\n");
	testlib_write_fifo(b->bundle, "winsz", "abc\n30 100\n");

	/* kubelet's rotation: the file is moved away, then "2 0 0" recreates it. */
	g_autofree char *moved = g_strconcat(b->log_path, ".1", NULL);
	g_assert_cmpint(rename(b->log_path, moved), ==, 0);
	testlib_write_fifo(b->bundle, "ctl", "2 0 0\n");
	g_assert_true(testlib_wait_for_file(b->log_path, WAIT_MS));

	testlib_send_str(fd, "z\n");
	g_assert_cmpint(read_to_exit(b, m, fd, out, err), ==, 0);
	g_assert_cmpstr(out->str, ==, "before\nafter:z\n");
	g_autofree char *old_log = testlib_read_file(moved);
	g_autofree char *new_log = testlib_read_file(b->log_path);
	g_assert_nonnull(strstr(old_log, " stdout F before\n"));
	g_assert_null(strstr(old_log, "after:z"));
	g_assert_nonnull(strstr(new_log, " stdout F after:z\n"));
}

/* podman's `exec -i`: --exec-attach, the session's socket, output with stream bytes. */
static void test_exec_attach(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) ctr = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) cm = test_monitor_start_running(ctr, NULL, NULL);
	g_assert_cmpint(cm->monitor_pid, >, 0); /* held: the container runs beside the exec */
	g_autoptr(TestExecSession) s = test_exec_session_new(
		ctr,
		(const char *const[]){
			"sh", "-c", "read x; echo exec-out:$x; echo exec-err >&2; exit 7", NULL },
		FALSE);
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);

	/* asserts the launcher's status and {"data": 0} on the attach pipe */
	g_autoptr(TestMonitor) m =
		test_exec_session_start_attached(s, (const char *const[]){ "-i", NULL });
	g_autofree char *path = g_build_filename(s->view.bundle, "attach", NULL);
	int fd = testlib_attach_connect(path);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	testlib_read_sync_pid(m, WAIT_MS);
	testlib_send_str(fd, "q\n");
	g_assert_true(read_until(fd, out, err, NULL));
	g_assert_cmpstr(out->str, ==, "exec-out:q\n");
	g_assert_cmpstr(err->str, ==, "exec-err\n");
	close(fd);
	g_autofree char *code = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(code, ==, "{\"data\": 7}\n");
	g_assert_cmpint(wait_exit(&s->view, m), ==, 7);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

/* An exec that cannot start: runc's error reaches podman once, on the sync pipe, and not
 * also as the session's stderr (conmon reads no output before the runtime returned). */
static void test_exec_failure_not_relayed(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) ctr = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) cm = test_monitor_start_running(ctr, NULL, NULL);
	g_assert_cmpint(cm->monitor_pid, >, 0); /* held: the container runs beside the exec */
	g_autoptr(TestExecSession) s =
		test_exec_session_new(ctr, (const char *const[]){ "/no/such/binary", NULL }, FALSE);
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);

	g_autoptr(TestMonitor) m =
		test_exec_session_start_attached(s, (const char *const[]){ "-i", NULL });
	g_autofree char *path = g_build_filename(s->view.bundle, "attach", NULL);
	int fd = testlib_attach_connect(path);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "{\"data\": -1, \"message\": \""));
	/* the JSON writer escapes '/' (docs/conmon-contract.md, "Sync pipe messages") */
	g_assert_nonnull(strstr(line, "no\\/such\\/binary"));
	g_assert_true(read_until(fd, out, err, NULL));
	g_assert_cmpstr(out->str, ==, "");
	g_assert_cmpstr(err->str, ==, "");
	close(fd);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/attach/output-and-input", test_output_and_input);
	g_test_add_func("/monitor/attach/two-clients", test_two_clients);
	g_test_add_func("/monitor/attach/stdin-eof-closes", test_stdin_eof_closes);
	g_test_add_func("/monitor/attach/leave-stdin-open", test_leave_stdin_open);
	g_test_add_func("/monitor/attach/socket-dir-symlink", test_socket_dir_symlink);
	g_test_add_func("/monitor/attach/socket-dir-missing", test_socket_dir_missing);
	g_test_add_func("/monitor/attach/full-attach-long-bundle", test_full_attach_long_bundle);
	g_test_add_func("/monitor/attach/ctl-reopen-and-malformed", test_ctl_reopen_and_malformed);
	g_test_add_func("/monitor/attach/exec-attach", test_exec_attach);
	g_test_add_func("/monitor/attach/exec-failure-not-relayed", test_exec_failure_not_relayed);
	return g_test_run();
}
