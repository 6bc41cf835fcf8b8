/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "crio.h"

/*
 * A container as CRI-O runs it: the legacy protocol (sync message {"pid": N}), the short
 * attach path through --socket-dir-path, and kubelet's log reopen over the ctl FIFO.
 */

static char *bundle_path(TestBundle *b, const char *name)
{
	return g_build_filename(b->bundle, name, NULL);
}

static int attach_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		g_test_message("connect %s: %s", path, g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Read attach packets until EOF: "<stream byte><data>", stream 2 stdout, 3 stderr. */
static void attach_read_all(int fd, GString *out, GString *err, GString *report)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)CRIO_WAIT_MS * 1000;
	gboolean oversize = FALSE;

	for (;;) {
		char buf[8193 + 64];
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			g_string_append(report, "attach: no EOF before the deadline\n");
			return;
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		/* CRI-O reads with an 8193-byte buffer: a longer packet would be cut */
		oversize |= n > 8193;
		if (buf[0] == 2)
			g_string_append_len(out, buf + 1, n - 1);
		else if (buf[0] == 3)
			g_string_append_len(err, buf + 1, n - 1);
		else
			g_string_append_printf(report, "attach: packet with stream byte %d\n",
					       buf[0]);
	}
	if (oversize)
		g_string_append(report, "attach: packet over 8193 bytes\n");
}

/* Container through the short attach path, stdin from the client, output to it and the log. */
static char *scenario_container(gboolean reference)
{
	crio_use_monitor(reference);
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "read l; echo \"out:$l\"; echo \"err:$l\" >&2; exit 3", NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_autofree char *link = g_build_filename(sockdir, b->id, NULL);
	g_autofree char *attach_path = g_build_filename(link, "attach", NULL);
	g_autoptr(GString) report = g_string_new(NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) err = g_string_new(NULL);

	g_mkdir_with_parents(sockdir, 0755);
	g_autoptr(TestMonitor) m = crio_start_container(b, sockdir, TRUE);
	g_string_append_printf(report, "launcher: %d\n", m->launcher_status);
	g_autofree char *line = testlib_read_line(m->sync_fd, CRIO_WAIT_MS);
	g_autofree char *shape = crio_sync_shape(line);
	g_string_append_printf(report, "sync: %s", shape);

	/* CRI-O connects to <socket-dir>/<id>/attach, the monitor's symlink to the bundle */
	int fd = attach_connect(attach_path);
	g_string_append_printf(report, "attach connect: %s\n", fd >= 0 ? "ok" : "failed");
	if (fd >= 0) {
		g_assert_cmpint(send(fd, "hello\n", 6, 0), ==, 6);
		/* the client's EOF closes the container's stdin (-i, no --leave-stdin-open) */
		shutdown(fd, SHUT_WR);
	}
	g_string_append_printf(report, "runc start: %d\n",
			       testlib_runc(b, NULL, NULL, "start", b->id, NULL));
	if (fd >= 0) {
		attach_read_all(fd, out, err, report);
		close(fd);
	}
	g_string_append_printf(report, "attach stdout: %s", out->str);
	g_string_append_printf(report, "attach stderr: %s", err->str);
	g_string_append_printf(report, "exit file: %d\n", testlib_read_exit_file(b, CRIO_WAIT_MS));
	g_autofree char *persist_exit = g_build_filename(b->persist_dir, "exit", NULL);
	g_autofree char *persist = testlib_read_file(persist_exit);
	g_string_append_printf(report, "persist exit: %s\n", persist ? persist : "(none)");
	int w = m->monitor_pid > 0 ? testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS) : -1;
	g_string_append_printf(report, "monitor exited: %s\n", w != -1 ? "yes" : "no");
	g_autofree char *log_out = crio_log_stream(b->log_path, "stdout");
	g_autofree char *log_err = crio_log_stream(b->log_path, "stderr");
	g_string_append_printf(report, "log stdout: %s\nlog stderr: %s\n", log_out, log_err);
	g_autofree char *bundle_attach = bundle_path(b, "attach");
	g_string_append_printf(report, "attach socket after exit: %s\n",
			       g_file_test(bundle_attach, G_FILE_TEST_EXISTS) ? "yes" : "no");
	/* conmon 2.1.6 leaks the <socket-dir>/<id> symlink; 2.1.7 and later remove it at exit
	 * (docs/conmon-contract.md, "Attach socket paths" and "conmon releases"; OpenShift nodes
	 * ran out of inodes). vigilmon follows the newer conmon, so this is checked for vigilmon
	 * only. */
	if (!reference)
		g_string_append_printf(report, "socket-dir symlink after exit: %s\n",
				       g_file_test(link, G_FILE_TEST_IS_SYMLINK) ? "yes" : "no");
	return g_string_free(g_steal_pointer(&report), FALSE);
}

static void test_container(void)
{
	crio_compare(scenario_container,
		     "launcher: 0\n"
		     "sync: {\"pid\": N}\n"
		     "attach connect: ok\n"
		     "runc start: 0\n"
		     "attach stdout: out:hello\n"
		     "attach stderr: err:hello\n"
		     "exit file: 3\n"
		     "persist exit: 3\n"
		     "monitor exited: yes\n"
		     "log stdout: F out:hello|\n"
		     "log stderr: F err:hello|\n"
		     "attach socket after exit: no\n",
		     "socket-dir symlink after exit: no\n");
}

/* kubelet's rotation: rename the log away, ReopenContainerLog (ctl "2 0 0"), expect a new
 * file at the old path that gets the output from then on. */
static char *scenario_reopen(gboolean reference)
{
	crio_use_monitor(reference);
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "echo first; while [ ! -e /tmp/go ]; do sleep 0.02; done; echo second",
		NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_autofree char *rotated = g_strconcat(b->log_path, ".1", NULL);
	g_autofree char *ctl = bundle_path(b, "ctl");
	g_autofree char *go = g_build_filename(b->bundle, "rootfs", "tmp", "go", NULL);
	g_autoptr(GString) report = g_string_new(NULL);

	g_mkdir_with_parents(sockdir, 0755);
	g_autoptr(TestMonitor) m = crio_start_container(b, sockdir, FALSE);
	g_autofree char *line = testlib_read_line(m->sync_fd, CRIO_WAIT_MS);
	g_autofree char *shape = crio_sync_shape(line);
	g_string_append_printf(report, "sync: %s", shape);
	g_string_append_printf(report, "runc start: %d\n",
			       testlib_runc(b, NULL, NULL, "start", b->id, NULL));
	g_string_append_printf(report, "first logged: %s\n",
			       testlib_wait_for_text(b->log_path, "first", CRIO_WAIT_MS) ? "yes"
											 : "no");
	g_assert_cmpint(rename(b->log_path, rotated), ==, 0);
	int fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	g_string_append_printf(report, "ctl open: %s\n", fd >= 0 ? "ok" : g_strerror(errno));
	if (fd >= 0) {
		g_string_append_printf(report, "ctl write: %zd\n", write(fd, "2 0 0\n", 6));
		close(fd);
	}
	g_string_append_printf(report, "log recreated: %s\n",
			       testlib_wait_for_file(b->log_path, CRIO_WAIT_MS) ? "yes" : "no");
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	g_string_append_printf(report, "exit file: %d\n", testlib_read_exit_file(b, CRIO_WAIT_MS));
	if (m->monitor_pid > 0)
		(void)testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS);
	g_autofree char *old_out = crio_log_stream(rotated, "stdout");
	g_autofree char *new_out = crio_log_stream(b->log_path, "stdout");
	g_string_append_printf(report, "rotated: %s\nnew: %s\n", old_out, new_out);
	return g_string_free(g_steal_pointer(&report), FALSE);
}

static void test_reopen(void)
{
	crio_compare(scenario_reopen,
		     "sync: {\"pid\": N}\n"
		     "runc start: 0\n"
		     "first logged: yes\n"
		     "ctl open: ok\n"
		     "ctl write: 6\n"
		     "log recreated: yes\n"
		     "exit file: 0\n"
		     "rotated: F first|\n"
		     "new: F second|\n",
		     "");
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/crio/container/attach-log-exit", test_container);
	g_test_add_func("/crio/container/log-reopen", test_reopen);
	return g_test_run();
}
