/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journald.h"

/*
 * The harness is the one place with process-wide state: the cleanup handlers that run on
 * abort need to find what the test created.
 */
static char *root_dir;
static char *runc_root;
static GPtrArray *live_ids;  /* container ids to runc delete -f */
static GArray *monitor_pids; /* monitors to kill */
static volatile sig_atomic_t cleaning;

/* How long the helpers below wait for a monitor's message (the tests' WAIT_MS). */
#define HELPER_WAIT_MS 30000
/* How long a launcher may keep its stderr open (conmon's daemonized child closes it). */
#define LAUNCHER_WAIT_MS 60000

static gint64 deadline_after(int timeout_ms)
{
	return g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

static void cleanup_all(void)
{
	if (cleaning || root_dir == NULL)
		return;
	cleaning = 1;
	for (guint i = 0; live_ids != NULL && i < live_ids->len; i++) {
		const char *argv[] = { "runc",   "--root", runc_root,
				       "delete", "-f",     g_ptr_array_index(live_ids, i),
				       NULL };
		g_spawn_sync(NULL, (char **)argv, NULL,
			     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				     G_SPAWN_STDERR_TO_DEV_NULL,
			     NULL, NULL, NULL, NULL, NULL, NULL);
	}
	for (guint i = 0; monitor_pids != NULL && i < monitor_pids->len; i++) {
		pid_t pid = g_array_index(monitor_pids, pid_t, i);
		if (pid > 0 && kill(pid, SIGKILL) == 0)
			(void)waitpid(pid, NULL, 0);
	}
	/* reap whatever else came back to us as subreaper */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (g_getenv("VIGIL_TEST_KEEP") == NULL) {
		const char *argv[] = { "rm", "-rf", root_dir, NULL };
		g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
			     NULL, NULL);
	}
}

static void on_fatal_signal(int sig)
{
	/* Not async-signal-safe, deliberately: this only runs when a test is already dying,
	 * and leaking containers into the next test run is worse. */
	cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

void testlib_init(int *argc, char ***argv)
{
	g_test_init(argc, argv, NULL);
	g_test_set_nonfatal_assertions();
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	live_ids = g_ptr_array_new_with_free_func(g_free);
	monitor_pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	atexit(cleanup_all);
	signal(SIGABRT, on_fatal_signal);
	signal(SIGSEGV, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGINT, on_fatal_signal);
	signal(SIGPIPE, SIG_IGN);
}

const char *testlib_root(void)
{
	if (root_dir == NULL) {
		root_dir = g_strdup_printf("/tmp/vigil-test-%d-XXXXXX", (int)getpid());
		if (g_mkdtemp_full(root_dir, 0755) == NULL)
			g_error("mkdtemp: %s", g_strerror(errno));
		runc_root = g_build_filename(root_dir, "runc", NULL);
		g_mkdir_with_parents(runc_root, 0700);
	}
	return root_dir;
}

static char *find_program(const char *program)
{
	if (g_path_is_absolute(program))
		return g_file_test(program, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup(program) : NULL;
	return g_find_program_in_path(program);
}

void testlib_skip(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	g_autofree char *msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_test_skip(msg);
	g_printerr("# SKIP: %s\n", msg);
}

gboolean testlib_testing_other_monitor(void)
{
	const char *alt = g_getenv("VIGIL_TEST_MONITOR");

	return alt != NULL && !g_str_equal(alt, testlib_vigilmon());
}

gboolean testlib_require_monitor_feature(gboolean present, const char *what)
{
	if (present)
		return TRUE;
	if (testlib_testing_other_monitor())
		testlib_skip("monitor %s: %s", g_getenv("VIGIL_TEST_MONITOR"), what);
	else
		g_test_fail_printf("vigilmon: %s", what);
	return FALSE;
}

gboolean testlib_require_program(const char *program)
{
	g_autofree char *path = find_program(program);

	if (path != NULL)
		return TRUE;
	testlib_skip("%s not found: install it to run this test", program);
	return FALSE;
}

static const char *busybox_path(void)
{
	static const char *const candidates[] = { "/bin/busybox", "/usr/bin/busybox" };

	for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (g_file_test(candidates[i], G_FILE_TEST_IS_EXECUTABLE))
			return candidates[i];
	}
	return NULL;
}

gboolean testlib_require_runc(void)
{
	if (!testlib_require_program("runc"))
		return FALSE;
	if (busybox_path() == NULL) {
		testlib_skip("busybox not found: install busybox-static to run this test");
		return FALSE;
	}
	if (getuid() != 0) {
		testlib_skip("runc needs root here: run the tests as root");
		return FALSE;
	}
	return TRUE;
}

const char *testlib_vigilmon(void)
{
	const char *p = g_getenv("VIGILMON");

	return p != NULL ? p : "vigilmon";
}

const char *testlib_vigilctl(void)
{
	const char *p = g_getenv("VIGILCTL");

	return p != NULL ? p : "vigilctl";
}

char *testlib_unique_id(void)
{
	static int counter;

	return g_strdup_printf("vt-%d-%d", (int)getpid(), ++counter);
}

/* The busybox rootfs: one hard link (or copy) of the binary and a symlink per applet. */
static void make_rootfs(const char *rootfs)
{
	g_autofree char *bin = g_build_filename(rootfs, "bin", NULL);
	g_autofree char *bb = g_build_filename(bin, "busybox", NULL);
	g_autofree char *list = NULL;
	g_auto(GStrv) applets = NULL;

	g_assert_cmpint(g_mkdir_with_parents(bin, 0755), ==, 0);
	for (const char *const *d =
		     (const char *const[]){ "proc", "sys", "dev", "tmp", "etc", NULL };
	     *d; d++) {
		g_autofree char *p = g_build_filename(rootfs, *d, NULL);
		g_mkdir_with_parents(p, 0755);
	}
	g_autofree char *tmp = g_build_filename(rootfs, "tmp", NULL);
	chmod(tmp, 01777);
	if (link(busybox_path(), bb) < 0) {
		const char *argv[] = { "cp", busybox_path(), bb, NULL };
		g_assert_cmpint(testlib_run(argv, NULL, NULL, NULL), ==, 0);
	}
	const char *argv[] = { bb, "--list", NULL };
	g_assert_cmpint(testlib_run(argv, NULL, &list, NULL), ==, 0);
	applets = g_strsplit(list, "\n", -1);
	for (char **a = applets; *a != NULL; a++) {
		if (**a == '\0' || g_str_equal(*a, "busybox"))
			continue;
		g_autofree char *l = g_build_filename(bin, *a, NULL);
		(void)!symlink("busybox", l);
	}
	/* /etc/passwd and group so "user" lookups and `id` work */
	g_autofree char *passwd = g_build_filename(rootfs, "etc", "passwd", NULL);
	g_file_set_contents(
		passwd, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
		-1, NULL);
	g_autofree char *group = g_build_filename(rootfs, "etc", "group", NULL);
	g_file_set_contents(group, "root:x:0:\nnogroup:x:65534:\n", -1, NULL);
}

static JsonNode *runc_spec(const char *bundle)
{
	const char *argv[] = { "runc", "spec", "--bundle", bundle, NULL };
	g_autofree char *path = g_build_filename(bundle, "config.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(testlib_run(argv, NULL, NULL, NULL), ==, 0);
	g_assert_true(json_parser_load_from_file(parser, path, &error));
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

JsonObject *test_bundle_process(TestBundle *b)
{
	return json_object_get_object_member(json_node_get_object(b->config), "process");
}

void test_bundle_set_args(TestBundle *b, const char *const *argv)
{
	JsonArray *args = json_array_new();

	for (; *argv != NULL; argv++)
		json_array_add_string_element(args, *argv);
	json_object_set_array_member(test_bundle_process(b), "args", args);
}

void test_bundle_set_terminal(TestBundle *b, gboolean terminal)
{
	json_object_set_boolean_member(test_bundle_process(b), "terminal", terminal);
}

void test_bundle_write_config(TestBundle *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *path = g_build_filename(b->bundle, "config.json", NULL);
	g_autoptr(GError) error = NULL;

	json_generator_set_root(gen, b->config);
	json_generator_set_pretty(gen, TRUE);
	g_assert_true(json_generator_to_file(gen, path, &error));
	g_assert_no_error(error);
}

TestBundle *test_bundle_new(const char *const *argv)
{
	TestBundle *b = g_new0(TestBundle, 1);
	JsonObject *process;
	JsonArray *rlimits;

	b->id = testlib_unique_id();
	b->dir = g_build_filename(testlib_root(), b->id, NULL);
	b->bundle = g_build_filename(b->dir, "bundle", NULL);
	b->runc_root = g_strdup(runc_root);
	b->exit_dir = g_build_filename(b->dir, "exits", NULL);
	b->persist_dir = g_build_filename(b->dir, "persist", NULL);
	b->log_path = g_build_filename(b->dir, "ctr.log", NULL);
	b->pidfile = g_build_filename(b->dir, "pidfile", NULL);
	b->conmon_pidfile = g_build_filename(b->dir, "conmon.pid", NULL);
	g_mkdir_with_parents(b->bundle, 0755);
	g_mkdir_with_parents(b->exit_dir, 0755);
	g_mkdir_with_parents(b->persist_dir, 0755);
	g_autofree char *rootfs = g_build_filename(b->bundle, "rootfs", NULL);
	make_rootfs(rootfs);

	b->config = runc_spec(b->bundle);
	process = test_bundle_process(b);
	json_object_set_boolean_member(process, "terminal", FALSE);
	/* This host's hard RLIMIT_NOFILE is low; runc spec asks for 1024 which fits, but say
	 * so explicitly so a changed default cannot break every test. */
	rlimits = json_array_new();
	JsonObject *nofile = json_object_new();
	json_object_set_string_member(nofile, "type", "RLIMIT_NOFILE");
	json_object_set_int_member(nofile, "hard", 1024);
	json_object_set_int_member(nofile, "soft", 1024);
	json_array_add_object_element(rlimits, nofile);
	json_object_set_array_member(process, "rlimits", rlimits);
	json_object_set_boolean_member(
		json_object_get_object_member(json_node_get_object(b->config), "root"), "readonly",
		FALSE);
	test_bundle_set_args(b, argv);
	test_bundle_write_config(b);
	g_ptr_array_add(live_ids, g_strdup(b->id));
	return b;
}

void test_bundle_free(TestBundle *b)
{
	if (b == NULL)
		return;
	(void)testlib_runc(b, NULL, NULL, "delete", "-f", b->id, NULL);
	g_autofree char *pid_text = testlib_read_file(b->conmon_pidfile);
	if (pid_text != NULL) {
		pid_t pid = (pid_t)atoi(pid_text);
		if (pid > 0 && kill(pid, 0) == 0) {
			kill(pid, SIGKILL);
			(void)testlib_wait_pid(pid, 5000);
		}
	}
	for (guint i = 0; i < live_ids->len; i++) {
		if (g_str_equal(g_ptr_array_index(live_ids, i), b->id)) {
			g_ptr_array_remove_index(live_ids, i);
			break;
		}
	}
	if (g_getenv("VIGIL_TEST_KEEP") == NULL) {
		const char *argv[] = { "rm", "-rf", b->dir, NULL };
		(void)testlib_run(argv, NULL, NULL, NULL);
	}
	g_free(b->id);
	g_free(b->dir);
	g_free(b->bundle);
	g_free(b->runc_root);
	g_free(b->exit_dir);
	g_free(b->persist_dir);
	g_free(b->log_path);
	g_free(b->pidfile);
	g_free(b->conmon_pidfile);
	g_clear_pointer(&b->config, json_node_unref);
	g_free(b);
}

int testlib_run(const char *const *argv, const char *input, char **out_stdout, char **out_stderr)
{
	g_autoptr(GError) error = NULL;
	int in_fd = -1, out_fd = -1, err_fd = -1;
	GPid pid;

	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
				      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
				      &pid, &in_fd, &out_fd, &err_fd, &error)) {
		g_printerr("# spawn %s: %s\n", argv[0], error->message);
		return 127;
	}
	/* Write input and read both outputs without deadlocking on full pipes. */
	GString *out = g_string_new(NULL), *err = g_string_new(NULL);
	gsize in_off = 0, in_len = input ? strlen(input) : 0;
	gint64 deadline = deadline_after(TESTLIB_RUN_TIMEOUT_MS);
	gboolean timed_out = FALSE;
	if (in_len == 0)
		close(in_fd), in_fd = -1;
	else
		fcntl(in_fd, F_SETFL, O_NONBLOCK);
	while (out_fd >= 0 || err_fd >= 0) {
		struct pollfd p[3] = { { out_fd, POLLIN, 0 },
				       { err_fd, POLLIN, 0 },
				       { in_fd, POLLOUT, 0 } };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		if (left <= 0) {
			timed_out = TRUE;
			break;
		}
		if (poll(p, 3, (int)left) < 0 && errno != EINTR)
			break;
		char buf[65536];
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &out_fd : &err_fd;
			if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(*fd, buf, sizeof buf);
			if (n > 0)
				g_string_append_len(i == 0 ? out : err, buf, n);
			else if (n == 0 || errno != EINTR)
				close(*fd), *fd = -1;
		}
		if (in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(in_fd, input + in_off, in_len - in_off);
			if (n > 0)
				in_off += (gsize)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len)
				close(in_fd), in_fd = -1;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (timed_out) {
		g_printerr("# %s still running after %d ms, killing it\n", argv[0],
			   TESTLIB_RUN_TIMEOUT_MS);
		kill(pid, SIGKILL);
		if (out_fd >= 0)
			close(out_fd);
		if (err_fd >= 0)
			close(err_fd);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out_stdout != NULL)
		*out_stdout = g_string_free(out, FALSE);
	else
		g_string_free(out, TRUE);
	if (out_stderr != NULL)
		*out_stderr = g_string_free(err, FALSE);
	else
		g_string_free(err, TRUE);
	if (timed_out)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int testlib_runc(TestBundle *b, char **out_stdout, char **out_stderr, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	va_list ap;
	const char *a;

	g_ptr_array_add(argv, (char *)"runc");
	g_ptr_array_add(argv, (char *)"--root");
	g_ptr_array_add(argv, b->runc_root);
	va_start(ap, out_stderr);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	return testlib_run((const char *const *)argv->pdata, NULL, out_stdout, out_stderr);
}

static char *substitute(TestBundle *b, const char *arg)
{
	static const char *const keys[] = { "@BUNDLE@", "@ID@",      "@EXITDIR@",   "@PERSIST@",
					    "@LOG@",    "@PIDFILE@", "@CONMONPID@", "@RUNCROOT@" };
	const char *values[] = { b->bundle,   b->id,      b->exit_dir,       b->persist_dir,
				 b->log_path, b->pidfile, b->conmon_pidfile, b->runc_root };
	char *s = g_strdup(arg);

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		char *at = strstr(s, keys[i]);
		if (at == NULL)
			continue;
		*at = '\0';
		char *n = g_strconcat(s, values[i], at + strlen(keys[i]), NULL);
		g_free(s);
		s = n;
	}
	return s;
}

static const char *monitor_binary(void)
{
	const char *alt = g_getenv("VIGIL_TEST_MONITOR");

	return alt != NULL ? alt : testlib_vigilmon();
}

TestMonitor *test_monitor_start(TestBundle *b, const char *const *args, gboolean with_attach_pipe,
				gboolean hold_start)
{
	return test_monitor_start_with(monitor_binary(), b, args, with_attach_pipe, hold_start);
}

/* stdout_fd, stderr_fd: the monitor's stdout and stderr, or -1 for /dev/null and a pipe
 * whose text becomes launcher_stderr. */
static TestMonitor *spawn_monitor(const char *monitor, TestBundle *b, const char *const *args,
				  gboolean with_attach_pipe, gboolean hold_start, int stdout_fd,
				  int stderr_fd)
{
	TestMonitor *m = g_new0(TestMonitor, 1);
	int sync[2], start[2], attach[2] = { -1, -1 };
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) envp = g_ptr_array_new_with_free_func(g_free);
	gboolean is_sync = FALSE;
	g_autoptr(GError) error = NULL;
	GPid pid;
	int err_fd = -1;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync), ==, 0);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, start), ==, 0);
	if (with_attach_pipe)
		g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, attach), ==,
				0);

	g_ptr_array_add(argv, g_strdup(monitor));
	for (; *args != NULL; args++) {
		g_ptr_array_add(argv, substitute(b, *args));
		if (g_str_equal(*args, "--sync"))
			is_sync = TRUE;
	}
	g_ptr_array_add(argv, NULL);

	/* The child ends at fixed numbers 3, 4, 5 like podman with no preserved fds. */
	for (char **e = environ; *e != NULL; e++) {
		if (!g_str_has_prefix(*e, "_OCI_"))
			g_ptr_array_add(envp, g_strdup(*e));
	}
	g_ptr_array_add(envp, g_strdup("_OCI_SYNCPIPE=3"));
	g_ptr_array_add(envp, g_strdup("_OCI_STARTPIPE=4"));
	if (with_attach_pipe)
		g_ptr_array_add(envp, g_strdup("_OCI_ATTACHPIPE=5"));
	g_ptr_array_add(envp, NULL);

	int source_fds[3] = { sync[1], start[1], attach[1] };
	int target_fds[3] = { 3, 4, 5 };
	gboolean own_stderr = stderr_fd < 0;
	if (!g_spawn_async_with_pipes_and_fds(
		    NULL, (const char *const *)argv->pdata, (const char *const *)envp->pdata,
		    G_SPAWN_DO_NOT_REAP_CHILD | (stdout_fd < 0 ? G_SPAWN_STDOUT_TO_DEV_NULL : 0),
		    NULL, NULL, -1, stdout_fd, stderr_fd, source_fds, target_fds,
		    with_attach_pipe ? 3 : 2, &pid, NULL, NULL, own_stderr ? &err_fd : NULL,
		    &error))
		g_error("spawn monitor: %s", error->message);
	close(sync[1]);
	close(start[1]);
	if (with_attach_pipe)
		close(attach[1]);
	m->sync_fd = sync[0];
	m->start_fd = start[0];
	m->attach_fd = attach[0];

	if (!hold_start)
		g_assert_cmpint(write(m->start_fd, "", 1), ==, 1);
	if (is_sync) {
		m->launcher_status = -1;
		m->monitor_pid = pid;
		g_array_append_val(monitor_pids, m->monitor_pid);
		if (err_fd >= 0)
			close(err_fd);
		return m;
	}
	/* The launcher's stderr until EOF: the launcher and the daemonized monitor have let go
	 * of it. One that never does is a failure here, not a hang. */
	g_autoptr(GString) err = g_string_new(NULL);
	gint64 deadline = deadline_after(LAUNCHER_WAIT_MS);
	while (err_fd >= 0) {
		struct pollfd p = { err_fd, POLLIN, 0 };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		char buf[4096];
		if (left <= 0) {
			g_test_fail_printf("%s: stderr still open after %d ms", monitor,
					   LAUNCHER_WAIT_MS);
			break;
		}
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		ssize_t n = read(err_fd, buf, sizeof buf);
		if (n > 0)
			g_string_append_len(err, buf, n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	if (err_fd >= 0)
		close(err_fd);
	int status = testlib_wait_pid(pid, LAUNCHER_WAIT_MS);
	m->launcher_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	m->launcher_stderr = g_string_free(g_steal_pointer(&err), FALSE);
	g_autofree char *pid_text = testlib_read_file(b->conmon_pidfile);
	if (pid_text != NULL) {
		m->monitor_pid = (pid_t)atoi(pid_text);
		g_array_append_val(monitor_pids, m->monitor_pid);
	}
	return m;
}

TestMonitor *test_monitor_start_with(const char *monitor, TestBundle *b, const char *const *args,
				     gboolean with_attach_pipe, gboolean hold_start)
{
	return spawn_monitor(monitor, b, args, with_attach_pipe, hold_start, -1, -1);
}

TestMonitor *test_monitor_start_stdio(TestBundle *b, const char *const *args, int out_fd,
				      int err_fd)
{
	return spawn_monitor(monitor_binary(), b, args, FALSE, FALSE, out_fd, err_fd);
}

/* Append the NULL-terminated args (may be NULL) to argv, which owns its strings. */
static void add_args(GPtrArray *argv, const char *const *args)
{
	for (; args != NULL && *args != NULL; args++)
		g_ptr_array_add(argv, g_strdup(*args));
}

/*
 * The head every podman-shaped argv here starts with:
 *   --api-version 1 -c @ID@ -u <session> -r <runtime> -b @BUNDLE@ -p @PIDFILE@
 * session NULL is the container's id (a create), runtime NULL is runc from PATH. The array
 * owns its strings; add the rest with add_args(), then start_args() ends it.
 */
static GPtrArray *podman_args_new(const char *session, const char *runtime)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *runc = runtime == NULL ? g_find_program_in_path("runc") : NULL;

	add_args(argv, (const char *const[]){ "--api-version", "1", "-c", "@ID@", "-u",
					      session != NULL ? session : "@ID@", "-r",
					      runtime != NULL ? runtime : runc, "-b", "@BUNDLE@",
					      "-p", "@PIDFILE@", NULL });
	return argv;
}

/* argv NULL-terminated, as test_monitor_start() takes it. */
static const char *const *start_args(GPtrArray *argv)
{
	g_ptr_array_add(argv, NULL);
	return (const char *const *)argv->pdata;
}

/* After the head and -n: where podman-like monitors keep their state and logs. */
static const char *const podman_state_args[] = {
	"--exit-dir", "@EXITDIR@",      "--persist-dir", "@PERSIST@", "--full-attach",
	"-l",         "k8s-file:@LOG@", "--log-level",   "debug",     NULL,
};

TestMonitor *test_monitor_start_podman_like(TestBundle *b, const char *const *extra)
{
	g_autoptr(GPtrArray) args = podman_args_new(NULL, NULL);

	add_args(args, (const char *const[]){ "-n", "@ID@", NULL });
	add_args(args, podman_state_args);
	add_args(args, (const char *const[]){ "--conmon-pidfile", "@CONMONPID@", "--runtime-arg",
					      "--root=@RUNCROOT@", NULL });
	add_args(args, extra);
	return test_monitor_start(b, start_args(args), FALSE, FALSE);
}

TestMonitor *test_monitor_start_podman_args(TestBundle *b, const char *runtime,
					    const char *const *rest, gboolean hold_start)
{
	g_autoptr(GPtrArray) args = podman_args_new(NULL, runtime);

	add_args(args, rest);
	return test_monitor_start(b, start_args(args), FALSE, hold_start);
}

TestMonitor *test_monitor_start_crio(TestBundle *b, const char *runtime, const char *sockdir,
				     const char *const *extra)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *runc = runtime == NULL ? g_find_program_in_path("runc") : NULL;

	/* clang-format off */
	add_args(args, (const char *const[]){
		"-b", "@BUNDLE@", "-c", "@ID@", "--exit-dir", "@EXITDIR@", "-l", "@LOG@",
		"--log-level", "info", "-n", "k8s_ctr_pod_ns_uid_0", "-P", "@CONMONPID@",
		"-p", "@PIDFILE@", "--persist-dir", "@PERSIST@",
		"-r", runtime != NULL ? runtime : runc, "--runtime-arg", "--root=@RUNCROOT@",
		"--socket-dir-path", sockdir, "--syslog", "-u", "@ID@", NULL });
	/* clang-format on */
	add_args(args, extra);
	return test_monitor_start(b, start_args(args), FALSE, FALSE);
}

void test_monitor_free(TestMonitor *m)
{
	if (m == NULL)
		return;
	if (m->sync_fd >= 0)
		close(m->sync_fd);
	if (m->start_fd >= 0)
		close(m->start_fd);
	if (m->attach_fd >= 0)
		close(m->attach_fd);
	g_free(m->launcher_stderr);
	g_free(m);
}

int testlib_sync_value(const char *line, const char *key)
{
	g_autofree char *prefix = g_strdup_printf("{\"%s\": ", key);

	if (line == NULL || !g_str_has_prefix(line, prefix))
		return G_MININT;
	return atoi(line + strlen(prefix));
}

int testlib_read_sync_pid(TestMonitor *m, int timeout_ms)
{
	g_autofree char *line = testlib_read_line(m->sync_fd, timeout_ms);
	int pid = testlib_sync_value(line, "data");

	if (pid <= 0)
		g_test_message("sync pipe: %s", line != NULL ? line : "(nothing)");
	g_assert_cmpint(pid, >, 0);
	return pid;
}

TestMonitor *test_monitor_start_running(TestBundle *b, const char *const *extra, int *out_pid)
{
	TestMonitor *m = test_monitor_start_podman_like(b, extra);

	g_assert_cmpint(m->launcher_status, ==, 0);
	int pid = testlib_read_sync_pid(m, HELPER_WAIT_MS);
	g_assert_cmpint(pid, >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	if (out_pid != NULL)
		*out_pid = pid;
	return m;
}

void test_bundle_write_process_spec(TestBundle *b, const char *path, const char *const *args,
				    gboolean terminal)
{
	g_autoptr(JsonNode) process =
		json_node_copy(json_object_get_member(json_node_get_object(b->config), "process"));
	JsonObject *p = json_node_get_object(process);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(GError) error = NULL;
	JsonArray *a = json_array_new();

	for (; *args != NULL; args++)
		json_array_add_string_element(a, *args);
	json_object_set_array_member(p, "args", a);
	json_object_set_boolean_member(p, "terminal", terminal);
	json_generator_set_root(gen, process);
	g_assert_true(json_generator_to_file(gen, path, &error));
	g_assert_no_error(error);
}

TestExecSession *test_exec_session_new(TestBundle *container, const char *const *args,
				       gboolean terminal)
{
	TestExecSession *s = g_new0(TestExecSession, 1);
	static int counter;

	s->session = g_strdup_printf("%s-exec%d", container->id, ++counter);
	s->view.id = g_strdup(container->id);
	s->view.dir = g_build_filename(container->dir, s->session, NULL);
	s->view.bundle = g_strdup(s->view.dir);
	s->view.runc_root = g_strdup(container->runc_root);
	s->view.exit_dir = g_build_filename(s->view.dir, "exits", NULL);
	s->view.persist_dir = g_build_filename(s->view.dir, "persist", NULL);
	s->view.log_path = g_build_filename(s->view.dir, "exec.log", NULL);
	s->view.pidfile = g_build_filename(s->view.dir, "exec.pid", NULL);
	s->view.conmon_pidfile = g_build_filename(s->view.dir, "conmon.pid", NULL);
	s->spec = g_build_filename(s->view.dir, "process.json", NULL);
	g_assert_cmpint(g_mkdir_with_parents(s->view.exit_dir, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(s->view.persist_dir, 0755), ==, 0);
	test_bundle_write_process_spec(container, s->spec, args, terminal);
	return s;
}

void test_exec_session_free(TestExecSession *s)
{
	if (s == NULL)
		return;
	g_free(s->view.id);
	g_free(s->view.dir);
	g_free(s->view.bundle);
	g_free(s->view.runc_root);
	g_free(s->view.exit_dir);
	g_free(s->view.persist_dir);
	g_free(s->view.log_path);
	g_free(s->view.pidfile);
	g_free(s->view.conmon_pidfile);
	g_free(s->session);
	g_free(s->spec);
	g_free(s);
}

/* The end of podman's exec argv: the process spec, runc's root, the monitor's pidfile. */
static void add_exec_tail(GPtrArray *args, TestExecSession *s)
{
	add_args(args, (const char *const[]){ "--exec-process-spec", s->spec, "--runtime-arg",
					      "--root=@RUNCROOT@", "--conmon-pidfile",
					      "@CONMONPID@", NULL });
}

TestMonitor *test_exec_session_start(TestExecSession *s, const char *const *extra)
{
	g_autoptr(GPtrArray) args = podman_args_new(s->session, NULL);

	add_args(args, (const char *const[]){ "-n", "name", NULL });
	add_args(args, podman_state_args);
	add_args(args, (const char *const[]){ "-e", NULL });
	add_exec_tail(args, s);
	add_args(args, extra);
	return test_monitor_start(&s->view, start_args(args), FALSE, FALSE);
}

TestMonitor *test_exec_session_start_attached(TestExecSession *s, const char *const *extra)
{
	g_autoptr(GPtrArray) args = podman_args_new(s->session, NULL);

	add_args(args, (const char *const[]){ "--exit-dir", "@EXITDIR@", "--full-attach", "-l",
					      "none", NULL });
	add_args(args, extra);
	add_args(args, (const char *const[]){ "-e", "--exec-attach", NULL });
	add_exec_tail(args, s);
	TestMonitor *m = test_monitor_start(&s->view, start_args(args), TRUE, FALSE);
	g_assert_cmpint(m->launcher_status, ==, 0);
	/* podman waits for this line, then connects at once: the socket must exist already. */
	g_autofree char *ready = testlib_read_line(m->attach_fd, HELPER_WAIT_MS);
	g_assert_cmpstr(ready, ==, "{\"data\": 0}\n");
	return m;
}

int testlib_attach_connect(const char *path)
{
	int pfd = open(path, O_PATH | O_CLOEXEC);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (pfd < 0) {
		g_test_message("open %s: %s", path, g_strerror(errno));
		return -1;
	}
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", pfd);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
	int errsv = errno;
	close(pfd);
	if (r < 0) {
		g_test_message("connect %s: %s", path, g_strerror(errsv));
		close(fd);
		return -1;
	}
	return fd;
}

void testlib_send_str(int fd, const char *s)
{
	g_assert_cmpint(send(fd, s, strlen(s), MSG_NOSIGNAL), ==, (gssize)strlen(s));
}

void testlib_write_fifo(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
	close(fd);
}

char *testlib_read_line(int fd, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);
	GString *s = g_string_new(NULL);

	/* SEQPACKET messages arrive whole; pipes may split, so read until a newline. */
	while (strchr(s->str, '\n') == NULL) {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		g_string_append_len(s, buf, n);
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

gboolean testlib_wait_for_file(const char *path, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);

	while (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(5000);
	}
	return TRUE;
}

gboolean testlib_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);

	for (;;) {
		g_autofree char *text = testlib_read_file(path);
		if (text != NULL && strstr(text, needle) != NULL)
			return TRUE;
		if (g_get_monotonic_time() > deadline) {
			g_test_message("%s has no \"%s\" after %d ms: %s", path, needle, timeout_ms,
				       text != NULL ? text : "(no file)");
			return FALSE;
		}
		g_usleep(10000);
	}
}

/* A reaped pid may be reused by an unrelated process: cleanup_all must not kill it. */
static void forget_monitor_pid(pid_t pid)
{
	for (guint i = 0; monitor_pids != NULL && i < monitor_pids->len; i++) {
		if (g_array_index(monitor_pids, pid_t, i) == pid) {
			g_array_remove_index_fast(monitor_pids, i);
			return;
		}
	}
}

int testlib_wait_pid(pid_t pid, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);

	for (;;) {
		int status = 0;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			forget_monitor_pid(pid);
			return status;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (g_get_monotonic_time() > deadline) {
			g_printerr("# pid %d did not exit in %d ms, killing it\n", (int)pid,
				   timeout_ms);
			kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			forget_monitor_pid(pid);
			return -1;
		}
		g_usleep(2000);
	}
}

int testlib_read_exit_file(TestBundle *b, int timeout_ms)
{
	g_autofree char *path = g_build_filename(b->exit_dir, b->id, NULL);

	if (!testlib_wait_for_file(path, timeout_ms))
		return G_MININT;
	g_autofree char *text = testlib_read_file(path);
	return text != NULL ? atoi(text) : G_MININT;
}

char *testlib_read_file(const char *path)
{
	char *contents = NULL;

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

gboolean testlib_ensure_journald(void)
{
	g_autofree char *why = test_journald_ensure();

	if (why != NULL) {
		testlib_skip("%s", why);
		return FALSE;
	}
	return TRUE;
}
