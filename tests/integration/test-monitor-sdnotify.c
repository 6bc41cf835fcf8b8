/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_notify.h"
#include "testlib.h"

#define WAIT_MS 30000

/* len < 0: up to the NUL */
static void assert_filter(const char *in, gssize len, pid_t pid, const char *expected)
{
	g_autofree char *out = sd_notify_filter(in, len < 0 ? strlen(in) : (gsize)len, pid);

	g_assert_cmpstr(out, ==, expected);
}

/*
 * docs/conmon-contract.md, "sd_notify relay": exactly which lines pass, joined with '\n'. No
 * MAINPID is added: podman declared the monitor as the unit's MAINPID, and its own system test
 * ("sdnotify : container") expects exactly "MAINPID=<conmon pid>\nREADY=1" on the host socket. A
 * MAINPID the container sends is rewritten to its host pid (issue 6; conmon drops it).
 */
static void test_sd_notify_filter(void)
{
	const char nul[] = "STATUS=a\0b\nREADY=1";

	assert_filter("READY=1\nSTATUS=up\nMAINPID=1\nFDSTORE=1\n", -1, 4321,
		      "READY=1\nSTATUS=up\nMAINPID=4321");
	assert_filter("READY=1", -1, 4321, "READY=1");
	assert_filter("STATUS=x\r\nWATCHDOG=1", -1, 99, "STATUS=x\nWATCHDOG=1");
	assert_filter("FDSTORE=1\nFDNAME=x", -1, 99, NULL);
	assert_filter("READY=10\nREADY=\nready=1", -1, 99, NULL);
	assert_filter("MAINPID=5", -1, 77, "MAINPID=77");
	assert_filter("MAINPID=5", -1, 0, NULL);
	assert_filter("MAINPID=", -1, 77, NULL);
	assert_filter("MAINPID=5\nREADY=1", -1, 0, "READY=1");
	assert_filter("RELOADING=1\nSTOPPING=1\nWATCHDOG=trigger\nERRNO=2\nBUSERROR=a.b\n"
		      "MONOTONIC_USEC=12\nSTATUS=",
		      -1, 0,
		      "RELOADING=1\nSTOPPING=1\nWATCHDOG=trigger\nERRNO=2\nBUSERROR=a.b\n"
		      "MONOTONIC_USEC=12\nSTATUS=");
	/* a NUL ends nothing but its own line, which is dropped */
	assert_filter(nul, sizeof nul - 1, 8, "READY=1");
	assert_filter("", -1, 8, NULL);
	assert_filter("\n\r\n", -1, 8, NULL);
}

/* The host side: a datagram socket of the test's own, standing in for systemd's. */
static int bind_host_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	return fd;
}

static char *recv_datagram(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[4096];

	if (poll(&p, 1, timeout_ms) <= 0)
		return NULL;
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	return n >= 0 ? g_strndup(buf, (gsize)n) : NULL;
}

static void add_mount(TestBundle *b, const char *source, const char *dest, gboolean ro)
{
	JsonObject *root = json_node_get_object(b->config);
	JsonArray *mounts = json_object_get_array_member(root, "mounts");
	JsonObject *m = json_object_new();
	JsonArray *options = json_array_new();

	json_object_set_string_member(m, "destination", dest);
	json_object_set_string_member(m, "type", "bind");
	json_object_set_string_member(m, "source", source);
	json_array_add_string_element(options, "rbind");
	json_array_add_string_element(options, ro ? "ro" : "rw");
	json_object_set_array_member(m, "options", options);
	json_array_add_object_element(mounts, m);
}

/*
 * `podman run --sdnotify=container` as the monitor sees it: <bundle>/notify mounted at
 * /run/notify, NOTIFY_SOCKET set in the container, which sends READY=1 and more from a real
 * process (the host's python3, with /usr bind-mounted, since busybox cannot send a unix
 * datagram); our host socket gets the filtered lines, the container's MAINPID=1 as its pid
 * on the host.
 */
static void test_sd_notify_relay(void)
{
	if (!testlib_require_runc() || !testlib_require_program("/usr/bin/python3"))
		return;
	const char *script = "/usr/bin/python3 -c 'import os, socket; "
			     "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
			     "s.sendto(b\"READY=1\\nSTATUS=serving\\nMAINPID=1\\nFDSTORE=1\", "
			     "os.environ[\"NOTIFY_SOCKET\"])' && exec sleep 100000";
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", script, NULL });
	g_autofree char *notify_dir = g_build_filename(b->bundle, "notify", NULL);
	g_autofree char *sock = g_build_filename(notify_dir, "notify.sock", NULL);
	g_autofree char *host_path = g_build_filename(b->dir, "host-notify.sock", NULL);
	g_autofree char *host_arg = g_strdup_printf("--sdnotify-socket=%s", host_path);
	g_autofree char *rootfs = g_build_filename(b->bundle, "rootfs", NULL);

	g_assert_cmpint(g_mkdir_with_parents(notify_dir, 0755), ==, 0);
	for (const char *const *l = (const char *const[]){ "lib", "lib64", NULL }; *l; l++) {
		g_autofree char *link = g_build_filename(rootfs, *l, NULL);
		g_autofree char *target = g_strconcat("usr/", *l, NULL);
		g_assert_cmpint(symlink(target, link), ==, 0);
	}
	add_mount(b, "/usr", "/usr", TRUE);
	add_mount(b, notify_dir, "/run/notify", FALSE);
	JsonArray *env = json_object_get_array_member(test_bundle_process(b), "env");
	json_array_add_string_element(env, "NOTIFY_SOCKET=/run/notify/notify.sock");
	test_bundle_write_config(b);
	int host = bind_host_socket(host_path);

	g_autoptr(TestMonitor) m =
		test_monitor_start_podman_like(b, (const char *const[]){ host_arg, NULL });
	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	int pid = testlib_sync_value(line, "data");
	g_assert_cmpint(pid, >, 0);
	/* There before the container runs, open to any container user. */
	struct stat st;
	g_assert_cmpint(stat(sock, &st), ==, 0);
	g_assert_true(S_ISSOCK(st.st_mode));
	g_assert_cmpint(st.st_mode & 0777, ==, 0777);

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_autofree char *got = recv_datagram(host, WAIT_MS);
	g_autofree char *expected = g_strdup_printf("READY=1\nSTATUS=serving\nMAINPID=%d", pid);
	g_assert_cmpstr(got, ==, expected);

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
	close(host);
}

/* podman creates <bundle>/notify; without it the relay cannot exist and the container is
 * not created (the engine asked for notifications it would never get). */
static void test_sd_notify_no_dir(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *host_arg = g_strdup_printf("--sdnotify-socket=%s/host.sock", b->dir);
	g_autoptr(TestMonitor) m =
		test_monitor_start_podman_like(b, (const char *const[]){ host_arg, NULL });

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "{\"data\": -1, \"message\": \"Failed to bind notify "
					     "socket "));
	g_assert_nonnull(strstr(line, "No such file or directory"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(b->pidfile, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/notify/sd-notify-filter", test_sd_notify_filter);
	g_test_add_func("/monitor/notify/sd-notify-relay", test_sd_notify_relay);
	g_test_add_func("/monitor/notify/sd-notify-no-dir", test_sd_notify_no_dir);
	return g_test_run();
}
