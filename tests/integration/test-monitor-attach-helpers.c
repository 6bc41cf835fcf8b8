/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "test-monitor-attach-helpers.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a client, as podman's attach does it ---- */

gssize recv_packet(int fd, char *buf, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	/* MSG_TRUNC: the real length, so an over-long message cannot hide. */
	gssize n = recv(fd, buf, CLIENT_BUF, MSG_TRUNC);
	if (n < 0 && errno == ECONNRESET)
		return 0;
	g_assert_cmpint(n, >=, 0);
	g_assert_cmpint(n, <=, CLIENT_BUF);
	if (n > 0) {
		g_assert_cmpint(n, >=, 2);
		g_assert_true(buf[0] == 2 || buf[0] == 3);
	}
	return n;
}

gboolean read_until(int fd, GString *out, GString *err, const char *needle)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	char buf[CLIENT_BUF];

	while (needle == NULL ||
	       (strstr(out->str, needle) == NULL && strstr(err->str, needle) == NULL)) {
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		gssize n = recv_packet(fd, buf, MAX(left, 0));
		if (n <= 0)
			return n == 0 && needle == NULL;
		g_string_append_len(buf[0] == 2 ? out : err, buf + 1, n - 1);
	}
	return TRUE;
}

/* ---- the monitor ---- */

TestMonitor *start_monitor(TestBundle *b, gboolean full_attach, const char *const *extra)
{
	g_autoptr(GPtrArray) rest = g_ptr_array_new();
	static const char *const options[] = {
		"--exit-dir",
		"@EXITDIR@",
		"--persist-dir",
		"@PERSIST@",
		"-l",
		"k8s-file:@LOG@",
		"--log-level",
		"debug",
		"--conmon-pidfile",
		"@CONMONPID@",
		"--runtime-arg",
		"--root=@RUNCROOT@",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(options); i++)
		g_ptr_array_add(rest, (char *)options[i]);
	if (full_attach)
		g_ptr_array_add(rest, (char *)"--full-attach");
	for (; extra != NULL && *extra != NULL; extra++)
		g_ptr_array_add(rest, (char *)*extra);
	g_ptr_array_add(rest, NULL);
	TestMonitor *m =
		test_monitor_start_podman_args(b, NULL, (const char *const *)rest->pdata, FALSE);
	g_assert_cmpint(m->launcher_status, ==, 0);
	return m;
}

char *attach_path(TestBundle *b)
{
	return g_build_filename(b->bundle, "attach", NULL);
}

void runc_start(TestBundle *b)
{
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
}

int wait_exit(TestBundle *b, TestMonitor *m)
{
	int status = testlib_read_exit_file(b, WAIT_MS);

	g_assert_cmpint(m->monitor_pid, >, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	return status;
}

int connect_and_start(TestBundle *b)
{
	g_autofree char *path = attach_path(b);
	int fd = testlib_attach_connect(path);

	g_assert_cmpint(fd, >=, 0);
	runc_start(b);
	return fd;
}

int read_to_exit(TestBundle *b, TestMonitor *m, int fd, GString *out, GString *err)
{
	g_assert_true(read_until(fd, out, err, NULL));
	close(fd);
	return wait_exit(b, m);
}
