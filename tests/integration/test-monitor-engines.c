/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include "testlib.h"

/*
 * What today's engines ask of the monitor beyond podman 4.3 (docs/podman.md, "Engine
 * versions"): podman 5's --persist-dir for containers and exec sessions and its
 * passthrough-tty driver, podman 6's whole environment and restore options, and the oom
 * marker every engine reads (podman 5 in the persist dir, CRI-O in the bundle) written
 * before the exit file. Each is driven with the engine's argv.
 */

#define WAIT_MS       30000
#define MEMORY_LIMIT  (32 * 1024 * 1024)
#define EAT_MEMORY_SH "x=aaaaaaaa; while :; do x=$x$x; done"

/*
 * The order in which the monitor creates the oom markers and exit files: one inotify
 * instance queues the events of all its watches in the order they happened. Each watched
 * directory has a label; an event becomes "<label>/<name>" for the names asked for.
 */
typedef struct {
	int fd;
	int wd[3];
	const char *label[3];
	GPtrArray *seen;
} FileOrder;

static void file_order_free(FileOrder *o)
{
	if (o->fd >= 0)
		close(o->fd);
	g_ptr_array_unref(o->seen);
	g_free(o);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FileOrder, file_order_free)

/* dirs and labels: 3 each. */
static FileOrder *file_order_new(const char *const *dirs, const char *const *labels)
{
	FileOrder *o = g_new0(FileOrder, 1);

	o->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	g_assert_cmpint(o->fd, >=, 0);
	o->seen = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < 3; i++) {
		o->wd[i] = inotify_add_watch(o->fd, dirs[i], IN_CREATE | IN_MOVED_TO);
		g_assert_cmpint(o->wd[i], >=, 0);
		o->label[i] = labels[i];
	}
	return o;
}

static const char *label_of(FileOrder *o, int wd)
{
	for (int i = 0; i < 3; i++) {
		if (o->wd[i] == wd)
			return o->label[i];
	}
	return "?";
}

/* Collect events until "<label>/<name>" last was seen; FALSE at the deadline. */
static gboolean file_order_wait(FileOrder *o, const char *last, int timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		for (guint i = 0; i < o->seen->len; i++) {
			if (g_str_equal(g_ptr_array_index(o->seen, i), last))
				return TRUE;
		}
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		struct pollfd p = { o->fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return FALSE;
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n = read(o->fd, buf, sizeof buf);
		for (char *at = buf; n > 0 && at < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)at;
			if (ev->len > 0)
				g_ptr_array_add(
					o->seen,
					g_strdup_printf("%s/%s", label_of(o, ev->wd), ev->name));
			at += sizeof *ev + ev->len;
		}
	}
}

/* Position of "<label>/<name>" among the events, -1 if it never came. */
static int file_order_index(FileOrder *o, const char *what)
{
	for (guint i = 0; i < o->seen->len; i++) {
		if (g_str_equal(g_ptr_array_index(o->seen, i), what))
			return (int)i;
	}
	return -1;
}

/* Both oom markers exist, and came before both exit files: podman 5 reads <persist>/oom and
 * CRI-O <bundle>/oom once they see an exit file (docs/conmon-contract.md, "OOM files"). */
static void assert_oom_before_exit(FileOrder *o, const char *exit_name)
{
	g_autofree char *exit_event = g_strdup_printf("exits/%s", exit_name);
	int persist_oom = file_order_index(o, "persist/oom");
	int bundle_oom = file_order_index(o, "bundle/oom");
	int persist_exit = file_order_index(o, "persist/exit");
	int exit_file = file_order_index(o, exit_event);

	for (guint i = 0; i < o->seen->len; i++)
		g_test_message("event %u: %s", i, (char *)g_ptr_array_index(o->seen, i));
	g_assert_cmpint(persist_oom, >=, 0);
	g_assert_cmpint(bundle_oom, >=, 0);
	g_assert_cmpint(persist_exit, >=, 0);
	g_assert_cmpint(exit_file, >=, 0);
	g_assert_cmpint(persist_oom, <, persist_exit);
	g_assert_cmpint(bundle_oom, <, persist_exit);
	g_assert_cmpint(persist_exit, <, exit_file);
}

static FileOrder *watch_exit_and_oom(const char *persist, const char *bundle, const char *exits)
{
	return file_order_new((const char *const[]){ persist, bundle, exits },
			      (const char *const[]){ "persist", "bundle", "exits" });
}

/* podman >= 5.0 creates a container with --persist-dir <tmpdir>/persist/<id> and --syslog. */
static void test_podman5_oom(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", EAT_MEMORY_SH, NULL });
	test_bundle_set_memory_limit(b, MEMORY_LIMIT);
	g_autoptr(FileOrder) order = watch_exit_and_oom(b->persist_dir, b->bundle, b->exit_dir);
	g_autoptr(TestMonitor) m =
		test_monitor_start_running(b, (const char *const[]){ "--syslog", NULL }, NULL);
	g_autofree char *last = g_strdup_printf("exits/%s", b->id);

	g_assert_true(file_order_wait(order, last, WAIT_MS));
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	assert_oom_before_exit(order, b->id);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* podman 5's exec session has its own --persist-dir (and the session directory as -b): an
 * exec'd process the OOM killer takes gets the markers there, before the session's exit file
 * (named after the container, docs/conmon-contract.md, "Exit files"). */
static void test_podman5_exec_oom(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	test_bundle_set_memory_limit(b, MEMORY_LIMIT);
	g_autoptr(TestMonitor) ctr = test_monitor_start_running(b, NULL, NULL);
	g_autoptr(TestExecSession) s = test_exec_session_new(
		b, (const char *const[]){ "sh", "-c", EAT_MEMORY_SH, NULL }, FALSE);
	g_autoptr(FileOrder) order =
		watch_exit_and_oom(s->view.persist_dir, s->view.bundle, s->view.exit_dir);
	g_autoptr(TestMonitor) m =
		test_exec_session_start(s, (const char *const[]){ "--syslog", NULL });

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_autofree char *last = g_strdup_printf("exits/%s", b->id);
	g_assert_true(file_order_wait(order, last, WAIT_MS));
	g_assert_cmpint(testlib_read_exit_file(&s->view, WAIT_MS), ==, 137);
	assert_oom_before_exit(order, b->id);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	/* the container itself lives on */
	g_autofree char *ctr_exit = g_build_filename(b->exit_dir, b->id, NULL);
	g_assert_false(g_file_test(ctr_exit, G_FILE_TEST_EXISTS));
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(ctr->monitor_pid, WAIT_MS), !=, -1);
}

/* CRI-O's argv: --persist-dir is the container's state dir, and CRI-O reads <bundle>/oom. */
static void test_crio_oom(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", EAT_MEMORY_SH, NULL });
	test_bundle_set_memory_limit(b, MEMORY_LIMIT);
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_assert_cmpint(g_mkdir_with_parents(sockdir, 0755), ==, 0);
	g_autoptr(FileOrder) order = watch_exit_and_oom(b->persist_dir, b->bundle, b->exit_dir);
	g_autoptr(TestMonitor) m = test_monitor_start_crio(b, NULL, sockdir, NULL);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "pid"), >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_autofree char *last = g_strdup_printf("exits/%s", b->id);
	g_assert_true(file_order_wait(order, last, WAIT_MS));
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	assert_oom_before_exit(order, b->id);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* Everything from master until EIO (every slave closed) or the deadline. */
static char *read_pty_to_end(int master, int timeout_ms)
{
	g_autoptr(GString) text = g_string_new(NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		char buf[4096];
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t n = read(master, buf, sizeof buf);
		if (n > 0)
			g_string_append_len(text, buf, n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/*
 * podman 5's passthrough-tty: `-l passthrough` while the monitor's fds 0-2 are a terminal.
 * conmon 2.1.6 refused that (TIOCSTI); 2.1.9 and later hand the terminal to the container
 * as they do pipes, and so does vigilmon: the container reads and writes the terminal, the
 * monitor keeps none of it.
 */
static void test_passthrough_tty(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c",
		"test -t 0 && test -t 1 && test -t 2 && echo tty-ok; read l; echo \"got:$l\"; "
		"echo err >&2; exit 4",
		NULL });
	g_autofree char *runc = g_find_program_in_path("runc");
	/* clang-format off */
	const char *args[] = {
		"--api-version", "1", "-c", "@ID@", "-u", "@ID@", "-r", runc, "-b", "@BUNDLE@",
		"-p", "@PIDFILE@", "-n", "@ID@", "--exit-dir", "@EXITDIR@",
		"--persist-dir", "@PERSIST@", "--full-attach", "-l", "passthrough",
		"--log-level", "info", "--syslog", "--conmon-pidfile", "@CONMONPID@",
		"--runtime-arg", "--root=@RUNCROOT@", NULL,
	};
	/* clang-format on */
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	g_assert_cmpint(master, >=, 0);
	g_assert_cmpint(grantpt(master), ==, 0);
	g_assert_cmpint(unlockpt(master), ==, 0);
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	g_assert_cmpint(slave, >=, 0);
	/* raw: no echo of our input, no \r added to the container's \n */
	struct termios t;
	g_assert_cmpint(tcgetattr(slave, &t), ==, 0);
	cfmakeraw(&t);
	g_assert_cmpint(tcsetattr(slave, TCSANOW, &t), ==, 0);

	g_autoptr(TestMonitor) m = test_monitor_start_stdio3(b, args, slave, slave, slave);
	close(slave);
	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	/* the terminal went to the runtime; the monitor holds /dev/null */
	for (int fd = 0; fd <= 2; fd++) {
		g_autofree char *link = g_strdup_printf("/proc/%d/fd/%d", m->monitor_pid, fd);
		g_autofree char *target = g_file_read_link(link, NULL);
		g_assert_cmpstr(target, ==, "/dev/null");
	}
	g_autofree char *attach = g_build_filename(b->bundle, "attach", NULL);
	g_assert_false(g_file_test(attach, G_FILE_TEST_EXISTS));

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_assert_cmpint(write(master, "hello\n", 6), ==, 6);
	g_autofree char *text = read_pty_to_end(master, WAIT_MS);
	close(master);
	g_assert_cmpstr(text, ==, "tty-ok\ngot:hello\nerr\n");
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 4);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(b->log_path, G_FILE_TEST_EXISTS));
}

/* A runtime that saves its environment (NUL-separated) to <dir>/runtime-env, then is runc. */
static char *env_recording_runtime(TestBundle *b)
{
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *body = g_strdup_printf("#!/bin/sh\n"
						"env -0 > %s/runtime-env\n"
						"exec %s \"$@\"\n",
						b->dir, runc);

	return test_bundle_write_script(b, "env-runtime", body);
}

static char *env_lookup(const char *env, gsize len, const char *name)
{
	g_autofree char *prefix = g_strconcat(name, "=", NULL);

	for (const char *p = env; p < env + len; p += strlen(p) + 1) {
		if (g_str_has_prefix(p, prefix))
			return g_strdup(p + strlen(prefix));
	}
	return NULL;
}

#define BIG_ENV_VARS  1000
#define BIG_ENV_VALUE 900

/*
 * podman 6 passes the monitor its whole environment. A big one (about 1 MB here, and one
 * value of 100 KB) must not break anything, it reaches the runtime whole (conmon passes its
 * environment on: podman's proxies and socket activation rely on it), and GLib debugging
 * variables meant for something else must not change how the monitor runs: G_DEBUG's
 * fatal-warnings made vigilmon's first warning a SIGTRAP.
 */
static void test_podman6_environment(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "echo ran; exit 5", NULL });
	g_autofree char *runtime = env_recording_runtime(b);
	g_autofree char *value = g_strnfill(BIG_ENV_VALUE, 'v');
	g_autofree char *huge = g_strnfill(100 * 1024, 'h');
	const char *rest[] = { "-n", "@ID@", "--exit-dir", "@EXITDIR@", "--persist-dir",
			       "@PERSIST@", "--full-attach", "-l", "k8s-file:@LOG@", "--log-level",
			       "warning", "--syslog", "--conmon-pidfile", "@CONMONPID@",
			       "--runtime-arg", "--root=@RUNCROOT@",
			       /* a warning, before daemonizing */
			       "--no-container-partial-message", NULL };

	for (int i = 0; i < BIG_ENV_VARS; i++) {
		g_autofree char *name = g_strdup_printf("VIGIL_TEST_BIG_%04d", i);
		g_setenv(name, value, TRUE);
	}
	g_setenv("VIGIL_TEST_HUGE", huge, TRUE);
	g_setenv("G_DEBUG", "fatal-warnings,fatal-criticals", TRUE);
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, runtime, rest, FALSE);
	for (int i = 0; i < BIG_ENV_VARS; i++) {
		g_autofree char *name = g_strdup_printf("VIGIL_TEST_BIG_%04d", i);
		g_unsetenv(name);
	}
	g_unsetenv("VIGIL_TEST_HUGE");
	g_unsetenv("G_DEBUG");

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 5);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_true(testlib_wait_for_text(b->log_path, "stdout F ran", WAIT_MS));

	g_autofree char *env_path = g_build_filename(b->dir, "runtime-env", NULL);
	g_autofree char *env = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(env_path, &env, &len, NULL));
	g_autofree char *first = env_lookup(env, len, "VIGIL_TEST_BIG_0000");
	g_autofree char *last = env_lookup(env, len, "VIGIL_TEST_BIG_0999");
	g_autofree char *got_huge = env_lookup(env, len, "VIGIL_TEST_HUGE");
	g_autofree char *sync = env_lookup(env, len, "_OCI_SYNCPIPE");
	g_autofree char *debug = env_lookup(env, len, "G_DEBUG");
	g_assert_cmpstr(first, ==, value);
	g_assert_cmpstr(last, ==, value);
	g_assert_cmpstr(got_huge, ==, huge);
	/* conmon passes even the engine's pipe variables on (their fds are close-on-exec) */
	g_assert_cmpstr(sync, ==, "3");
	g_assert_cmpstr(debug, ==, "fatal-warnings,fatal-criticals");
}

/* podman 6 passes --log-label KEY=VALUE for journald. A KEY journald would drop (a leading
 * underscore or digit, over 64 characters) is refused up front, in one line naming it, as
 * conmon refuses one that is not [A-Z0-9_]. */
static void test_podman6_log_label(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *long_name = g_strnfill(65, 'L');
	g_autofree char *long_label = g_strconcat(long_name, "=v", NULL);
	g_autofree char *long_error = g_strdup_printf(
		"Container label name %.64s... is longer than journald's 64 characters", long_name);
	const struct {
		const char *label;
		const char *error;
	} cases[] = {
		{ "_BAD=x", "Container label name _BAD must not start with an underscore (journald "
			    "keeps those fields for itself)" },
		{ "1ABC=x", "Container label name 1ABC must not start with a digit (journald drops "
			    "such fields)" },
		{ long_label, long_error },
		{ "lower=x", "Container label names must contain only uppercase letters, numbers "
			     "and underscore" },
	};

	if (testlib_testing_other_monitor()) {
		testlib_skip("conmon leaves journald's field-name rules to journald");
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *rest[] = { "-c",
				       "0123456789abcdef-label", /* journald wants > 12 chars */
				       "-n",
				       "name",
				       "--exit-dir",
				       "@EXITDIR@",
				       "--persist-dir",
				       "@PERSIST@",
				       "--full-attach",
				       "-l",
				       "journald",
				       "--log-level",
				       "warning",
				       "--syslog",
				       "--log-label",
				       "GOOD_ONE=fine",
				       "--log-label",
				       cases[i].label,
				       "--conmon-pidfile",
				       "@CONMONPID@",
				       NULL };
		/* refused before the start pipe is read: no start byte */
		g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, NULL, rest, TRUE);
		g_autofree char *want = g_strdup_printf("[conmon:e]: %s\n", cases[i].error);
		g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
		g_autofree char *want_sync =
			g_strdup_printf("{\"data\": -1, \"message\": \"%s\"}\n", cases[i].error);

		g_assert_cmpint(m->launcher_status, ==, 1);
		g_assert_cmpstr(m->launcher_stderr, ==, want);
		g_assert_cmpstr(line, ==, want_sync);
	}
}

/* A runtime that writes its argv, one per line, to <dir>/argv, and fails. */
static char *argv_recording_runtime(TestBundle *b)
{
	g_autofree char *body =
		g_strdup_printf("#!/bin/sh\n"
				"for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; "
				"done > %s/argv\n"
				"echo 'no checkpoint here' >&2\n"
				"exit 1\n",
				b->dir);

	return test_bundle_write_script(b, "argv-runtime", body);
}

/* podman 6 restores with --runtime-opt --tcp-close: a restore option, after the
 * subcommand's own flags and before the id (docs/conmon-contract.md, "Runtime command lines"). */
static void test_podman6_restore_tcp_close(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *runtime = argv_recording_runtime(b);
	g_autofree char *ckpt = g_build_filename(b->dir, "checkpoint", NULL);
	const char *rest[] = { "-n",
			       "@ID@",
			       "--exit-dir",
			       "@EXITDIR@",
			       "--persist-dir",
			       "@PERSIST@",
			       "--full-attach",
			       "-l",
			       "k8s-file:@LOG@",
			       "--log-level",
			       "warning",
			       "--syslog",
			       "--conmon-pidfile",
			       "@CONMONPID@",
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       "--restore",
			       ckpt,
			       "--runtime-opt",
			       "--tcp-close",
			       "--runtime-opt",
			       "--file-locks",
			       NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, runtime, rest, FALSE);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpstr(line, ==, "{\"data\": -1, \"message\": \"no checkpoint here\\n\"}\n");
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	g_autofree char *argv_path = g_build_filename(b->dir, "argv", NULL);
	g_autofree char *got = testlib_read_file(argv_path);
	g_autofree char *want = g_strdup_printf("%s\n--root=%s\nrestore\n--bundle\n%s\n"
						"--pid-file\n%s\n--detach\n--image-path\n%s\n"
						"--work-path\n%s\n--tcp-close\n--file-locks\n%s\n",
						runtime, b->runc_root, b->bundle, b->pidfile, ckpt,
						b->bundle, b->id);
	g_assert_cmpstr(got, ==, want);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/engines/podman5-oom", test_podman5_oom);
	g_test_add_func("/monitor/engines/podman5-exec-oom", test_podman5_exec_oom);
	g_test_add_func("/monitor/engines/crio-oom", test_crio_oom);
	g_test_add_func("/monitor/engines/passthrough-tty", test_passthrough_tty);
	g_test_add_func("/monitor/engines/podman6-environment", test_podman6_environment);
	g_test_add_func("/monitor/engines/podman6-log-label", test_podman6_log_label);
	g_test_add_func("/monitor/engines/podman6-restore-tcp-close",
			test_podman6_restore_tcp_close);
	return g_test_run();
}
