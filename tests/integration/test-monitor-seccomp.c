/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "error_util.h"
#include "seccomp_notify.h"
#include "testlib.h"

#define WAIT_MS 30000

/* A profile that allows everything but sends mkdir, rmdir, chmod and symlink to the
 * listener. */
static char *seccomp_bundle_setup(TestBundle *b)
{
	JsonObject *linux_ =
		json_object_get_object_member(json_node_get_object(b->config), "linux");
	JsonObject *seccomp = json_object_new();
	JsonArray *arches = json_array_new();
	JsonArray *rules = json_array_new();
	JsonObject *rule = json_object_new();
	JsonArray *names = json_array_new();
	char *listener = g_build_filename(b->dir, "seccomp.sock", NULL);

	json_object_set_string_member(seccomp, "defaultAction", "SCMP_ACT_ALLOW");
	json_object_set_string_member(seccomp, "listenerPath", listener);
	json_array_add_string_element(arches, "SCMP_ARCH_X86_64");
	json_object_set_array_member(seccomp, "architectures", arches);
	for (const char *const *n =
		     (const char *const[]){ "mkdir", "mkdirat", "rmdir", "chmod", "fchmodat",
					    "symlink", "symlinkat", NULL };
	     *n; n++)
		json_array_add_string_element(names, *n);
	json_object_set_array_member(rule, "names", names);
	json_object_set_string_member(rule, "action", "SCMP_ACT_NOTIFY");
	json_array_add_object_element(rules, rule);
	json_object_set_array_member(seccomp, "syscalls", rules);
	json_object_set_object_member(linux_, "seccomp", seccomp);
	test_bundle_write_config(b);
	return listener;
}

#define SECCOMP_SCRIPT                                                                      \
	"mkdir /tmp/new; echo mkdir=$?; rmdir /tmp/absent; echo rmdir=$?; chmod 700 /tmp; " \
	"echo chmod=$?; ln -s x /tmp/l; echo ln=$?"

/* Run the container to its exit; returns the k8s log. */
static char *run_seccomp_container(TestBundle *b, const char *listener, const char *plugins)
{
	g_autofree char *plugin_arg =
		plugins != NULL ? g_strdup_printf("--seccomp-notify-plugins=%s", plugins) : NULL;
	const char *extra[] = { "--seccomp-notify-socket", listener, plugin_arg, NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, extra, NULL);

	/* Never stuck: every notified syscall was answered and the script ran to its end. */
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(listener, G_FILE_TEST_EXISTS));
	return testlib_read_file(b->log_path);
}

/* No plugin: the built-in default answers ENOSYS and the container runs to its end. (That it
 * is the monitor answering, not the kernel after a lost listener, the plugin test shows:
 * there chmod, which the plugin leaves alone, gets the same ENOSYS through a live listener.) */
static void test_seccomp_default(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", SECCOMP_SCRIPT, NULL });
	g_autofree char *listener = seccomp_bundle_setup(b);
	g_autofree char *log = run_seccomp_container(b, listener, NULL);

	g_test_message("%s", log);
	g_assert_nonnull(log);
	g_assert_nonnull(strstr(
		log, "mkdir: can't create directory '/tmp/new': Function not implemented\n"));
	g_assert_nonnull(strstr(log, " stdout F mkdir=1\n"));
	g_assert_nonnull(strstr(log, "rmdir: '/tmp/absent': Function not implemented\n"));
	g_assert_nonnull(strstr(log, "chmod: /tmp: Function not implemented\n"));
	g_assert_nonnull(strstr(log, " stdout F chmod=1\n"));
	g_assert_nonnull(strstr(log, "ln: /tmp/l: Function not implemented\n"));
	g_assert_nonnull(strstr(log, " stdout F ln=1\n"));
}

/* runc, and the test plugin meson builds (and names in VIGIL_TEST_SECCOMP_PLUGIN); NULL
 * when the test is skipped, or failed because the plugin named is not there. */
static const char *require_seccomp_plugin(void)
{
	if (!testlib_require_runc())
		return NULL;
	const char *plugin = g_getenv("VIGIL_TEST_SECCOMP_PLUGIN");
	if (plugin == NULL) {
		testlib_skip("VIGIL_TEST_SECCOMP_PLUGIN not set: run through meson test");
		return NULL;
	}
	if (!g_file_test(plugin, G_FILE_TEST_EXISTS)) {
		g_test_fail_printf("VIGIL_TEST_SECCOMP_PLUGIN %s does not exist", plugin);
		return NULL;
	}
	return plugin;
}

/* A plugin from CONMON_SECCOMP_NOTIFY_PLUGINS: its answers, CONTINUE honoured (rmdir really
 * runs and fails as it would), the default for what it leaves, start and stop called. An
 * answer the kernel refuses (symlink) is replaced by the default, so that syscall returns
 * too instead of waiting forever for an answer that never comes. */
static void test_seccomp_plugin(void)
{
	const char *plugin = require_seccomp_plugin();
	if (plugin == NULL)
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", SECCOMP_SCRIPT, NULL });
	g_autofree char *listener = seccomp_bundle_setup(b);
	g_autofree char *list = g_strdup_printf(":%s:", plugin); /* empty entries are skipped */

	g_setenv("CONMON_SECCOMP_NOTIFY_PLUGINS", list, TRUE);
	g_autofree char *log = run_seccomp_container(b, listener, NULL);
	g_unsetenv("CONMON_SECCOMP_NOTIFY_PLUGINS");

	g_test_message("%s", log);
	g_assert_nonnull(log);
	g_assert_nonnull(
		strstr(log, "mkdir: can't create directory '/tmp/new': Disk quota exceeded\n"));
	g_assert_nonnull(strstr(log, "rmdir: '/tmp/absent': No such file or directory\n"));
	g_assert_nonnull(strstr(log, "chmod: /tmp: Function not implemented\n"));
	g_assert_nonnull(strstr(log, "ln: /tmp/l: Function not implemented\n"));
	g_assert_nonnull(strstr(log, " stdout F ln=1\n"));

	g_autofree char *start_path = g_build_filename(b->bundle, "plugin-start", NULL);
	g_autofree char *start = testlib_read_file(start_path);
	g_autofree char *expected = g_strdup_printf("name=%s\nroot=%s\nconfig=%s/config.json\n",
						    b->id, b->runc_root, b->bundle);
	g_assert_cmpstr(start, ==, expected);
	g_autofree char *stop_path = g_build_filename(b->bundle, "plugin-stop", NULL);
	g_autofree char *stop = testlib_read_file(stop_path);
	g_assert_cmpstr(stop, ==, "stopped\n");
}

/* Every `runc exec` into the container gets a filter (and listener) of its own, which runc
 * sends to the same listenerPath: the container's monitor serves those too. */
static void test_seccomp_exec(void)
{
	const char *plugin = require_seccomp_plugin();
	if (plugin == NULL)
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	g_autofree char *listener = seccomp_bundle_setup(b);
	g_autofree char *plugin_arg = g_strdup_printf("--seccomp-notify-plugins=%s", plugin);
	const char *extra[] = { "--seccomp-notify-socket", listener, plugin_arg, NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, extra, NULL);

	/* Bad peers first: one that sends nothing, one that sends a pipe instead of a listener.
	 * Both are dropped; the monitor keeps serving. */
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_assert_cmpuint(strlen(listener), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, listener);
	for (int i = 0; i < 2; i++) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), p[2];
		g_assert_cmpint(c, >=, 0);
		g_assert_cmpint(connect(c, (struct sockaddr *)&addr, sizeof addr), ==, 0);
		if (i == 1) {
			g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
			testlib_send_fd(c, p[0], "{}");
			close(p[0]);
			close(p[1]);
		}
		close(c);
	}
	for (int i = 0; i < 2; i++) {
		g_autofree char *err = NULL;
		g_assert_cmpint(testlib_runc(b, NULL, &err, "exec", b->id, "mkdir", "/tmp/d", NULL),
				==, 1);
		g_assert_nonnull(strstr(err, "Disk quota exceeded"));
		g_autofree char *err2 = NULL;
		g_assert_cmpint(
			testlib_runc(b, NULL, &err2, "exec", b->id, "chmod", "700", "/tmp", NULL),
			==, 1);
		g_assert_nonnull(strstr(err2, "Function not implemented"));
	}
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* A plugin that cannot be loaded: one clear error on the sync pipe, nothing created. */
static void test_seccomp_bad_plugin(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", SECCOMP_SCRIPT, NULL });
	g_autofree char *listener = seccomp_bundle_setup(b);
	const char *extra[] = { "--seccomp-notify-socket", listener, "--seccomp-notify-plugins",
				"/nonexistent/plugin.so", NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, extra);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_test_message("sync: %s", line);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "{\"data\": -1, \"message\": \"load seccomp notify "
					     "plugin \\/nonexistent\\/plugin.so: "));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(b->pidfile, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(listener, G_FILE_TEST_EXISTS));
}

/*
 * Out of fds, the pending connection keeps the seccomp notify socket readable: the monitor
 * must stop polling it (as the attach server does), not spin at full CPU logging a warning per
 * loop iteration, and must take the connection once fds are free again. Driven in-process:
 * the soft RLIMIT_NOFILE is lowered and every fd below it used up.
 */
static void test_seccomp_listen_emfile(void)
{
	g_autofree char *dir = g_build_filename(testlib_root(), "seccomp-emfile-XXXXXX", NULL);
	g_assert_nonnull(g_mkdtemp(dir));
	g_autofree char *path = g_build_filename(dir, "seccomp.sock", NULL);
	SeccompConfig cfg = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainContext) ctx = g_main_context_new();
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int p[2];

	g_unsetenv("CONMON_SECCOMP_NOTIFY_PLUGINS");
	cfg.cid = "emfile";
	cfg.seccomp_notify_socket = path;
	g_autoptr(SeccompNotify) n = seccomp_notify_new(ctx, &cfg, &error);
	if (g_error_matches(error, VIGIL_ERROR, ENOTSUP) ||
	    g_error_matches(error, VIGIL_ERROR, ENOENT)) {
		testlib_skip("%s", error->message);
		g_assert_cmpint(rmdir(dir), ==, 0);
		return;
	}
	g_assert_no_error(error);

	/* A peer that sends a pipe: once accepted, it is dropped and sees EOF. */
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(c, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, path);
	g_assert_cmpint(connect(c, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
	testlib_send_fd(c, p[0], "{}");
	close(p[0]);
	close(p[1]);

	TestFdFill *fill = testlib_fds_exhaust();

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*seccomp notify socket*");
	g_assert_true(g_main_context_iteration(ctx, FALSE));
	g_test_assert_expected_messages();
	/* The connection is still waiting, but nothing is ready: the listener is not polled. */
	gboolean spinning = g_main_context_pending(ctx);

	testlib_fds_release(fill);
	g_assert_false(spinning);

	/* With fds free again the connection is taken, the pipe refused, the peer dropped. */
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*not a seccomp listener*");
	gboolean dropped = FALSE;
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (!dropped && g_get_monotonic_time() < deadline) {
		struct pollfd pfd = { c, POLLIN, 0 };
		char byte;
		dropped = poll(&pfd, 1, 0) == 1 && recv(c, &byte, 1, MSG_DONTWAIT) == 0;
		/* The retry timer is a second away at most: never block longer than a tick. */
		if (!dropped && !g_main_context_iteration(ctx, FALSE))
			g_usleep(10 * 1000);
	}
	g_assert_true(dropped);
	g_test_assert_expected_messages();
	close(c);
	g_clear_pointer(&n, seccomp_notify_free);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_cmpint(rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/notify/seccomp-default", test_seccomp_default);
	g_test_add_func("/monitor/notify/seccomp-plugin", test_seccomp_plugin);
	g_test_add_func("/monitor/notify/seccomp-exec", test_seccomp_exec);
	g_test_add_func("/monitor/notify/seccomp-bad-plugin", test_seccomp_bad_plugin);
	g_test_add_func("/monitor/notify/seccomp-listen-emfile", test_seccomp_listen_emfile);
	return g_test_run();
}
