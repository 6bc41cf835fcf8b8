/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/*
 * The monitor's own diagnostics and small conmon options: --log-level, --syslog
 * (docs/conmon-contract.md, "Diagnostics"), LISTEN_PID and --replace-listen-pid
 * (docs/conmon-contract.md, "Runtime command lines").
 *
 * syslog(3) only ever writes to /dev/log. To read what the monitor sends there without
 * touching the host, the monitor runs in a private mount namespace whose /dev/log is a
 * datagram socket of the test's own (this host has no /dev/log at all, so /dev is rebuilt
 * on a tmpfs there from bind mounts of the real entries).
 */

#define WAIT_MS 30000

static const char ns_script[] =
	"set -e\n"
	"sock=$1; work=$2; shift 2\n"
	"if [ -e /dev/log ] || [ -L /dev/log ]; then\n"
	"  mount --bind \"$sock\" /dev/log\n"
	"else\n"
	"  old=$work/olddev; mkdir -p \"$old\"\n"
	"  mount --rbind /dev \"$old\"\n"
	"  mount -t tmpfs -o mode=755 tmpfs /dev\n"
	"  for e in \"$old\"/* \"$old\"/.[!.]*; do\n"
	"    [ -e \"$e\" ] || [ -L \"$e\" ] || continue\n"
	"    n=/dev/${e##*/}\n"
	"    if [ -L \"$e\" ]; then cp -P \"$e\" \"$n\"\n"
	"    elif [ -d \"$e\" ]; then mkdir \"$n\"; mount --rbind \"$e\" \"$n\"\n"
	"    else : > \"$n\"; mount --bind \"$e\" \"$n\"; fi\n"
	"  done\n"
	"  : > /dev/log\n"
	"  mount --bind \"$sock\" /dev/log\n"
	"fi\n"
	"exec \"$@\"\n";

typedef struct {
	int fd;        /* our /dev/log */
	char *wrapper; /* what VIGIL_TEST_MONITOR points at while this lives */
	char *saved_monitor;
	GPtrArray *messages;
} Syslog;

/* Bind the socket and make test_monitor_start() go through the namespace wrapper. */
static Syslog *syslog_capture_new(TestBundle *b)
{
	Syslog *s = g_new0(Syslog, 1);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *sock = g_build_filename(b->dir, "log.sock", NULL);
	g_autofree char *script = g_build_filename(b->dir, "ns.sh", NULL);
	const char *real = g_getenv("VIGIL_TEST_MONITOR");

	s->saved_monitor = g_strdup(real);
	s->messages = g_ptr_array_new_with_free_func(g_free);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(s->fd, >=, 0);
	g_assert_cmpuint(strlen(sock), <, sizeof addr.sun_path);
	strcpy(addr.sun_path, sock);
	g_assert_cmpint(bind(s->fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	g_assert_true(g_file_set_contents(script, ns_script, -1, NULL));

	s->wrapper = g_build_filename(b->dir, "monitor-in-ns", NULL);
	g_autofree char *body = g_strdup_printf(
		"#!/bin/sh\nexec unshare --mount --propagation private sh %s %s %s %s \"$@\"\n",
		script, sock, b->dir, real != NULL ? real : testlib_vigilmon());
	g_assert_true(g_file_set_contents(s->wrapper, body, -1, NULL));
	g_assert_cmpint(chmod(s->wrapper, 0755), ==, 0);
	g_setenv("VIGIL_TEST_MONITOR", s->wrapper, TRUE);
	return s;
}

static void syslog_capture_free(Syslog *s)
{
	if (s->saved_monitor != NULL)
		g_setenv("VIGIL_TEST_MONITOR", s->saved_monitor, TRUE);
	else
		g_unsetenv("VIGIL_TEST_MONITOR");
	close(s->fd);
	g_ptr_array_unref(s->messages);
	g_free(s->wrapper);
	g_free(s->saved_monitor);
	g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Syslog, syslog_capture_free)

/* Take every datagram that is queued, waiting up to timeout_ms for the first. */
static void syslog_collect(Syslog *s, int timeout_ms)
{
	for (;;) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		char buf[8192];
		if (poll(&p, 1, timeout_ms) <= 0)
			return;
		ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0)
			return;
		g_ptr_array_add(s->messages, g_strndup(buf, (gsize)n));
		timeout_ms = 0;
	}
}

static const char *syslog_find(Syslog *s, const char *needle)
{
	for (guint i = 0; i < s->messages->len; i++) {
		const char *m = g_ptr_array_index(s->messages, i);
		if (strstr(m, needle) != NULL)
			return m;
	}
	return NULL;
}

/* Wait (up to WAIT_MS) for a message containing needle. */
static const char *syslog_wait_for(Syslog *s, const char *needle)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;

	while (syslog_find(s, needle) == NULL && g_get_monotonic_time() < deadline)
		syslog_collect(s, 100);
	return syslog_find(s, needle);
}

static void dump(Syslog *s)
{
	for (guint i = 0; i < s->messages->len; i++)
		g_test_message("syslog: %s", (const char *)g_ptr_array_index(s->messages, i));
}

static int run_monitor_sync(const char *const *args, char **out_stderr)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (char *)testlib_vigilmon());
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	return testlib_run((const char *const *)argv->pdata, NULL, NULL, out_stderr);
}

/* docs/conmon-contract.md, "Option errors", step 5: one line, exit 1. */
static void test_log_level_invalid(void)
{
	g_autofree char *err = NULL;
	const char *args[] = { "-c", "id",   "-u",          "id",    "-r", "/bin/true",
			       "-l", "none", "--log-level", "bogus", NULL };

	g_assert_cmpint(run_monitor_sync(args, &err), ==, 1);
	g_assert_cmpstr(err, ==, "[conmon:e]: No such log level bogus\n");
}

/* Every conmon level name, in any case, is accepted (validation goes on to the next check,
 * the runtime path). */
static void test_log_level_names(void)
{
	const char *names[] = { "error", "fatal", "panic", "warn",  "warning",
				"info",  "debug", "trace", "DEBUG", "Info" };

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *err = NULL;
		const char *args[] = { "-c",     "id",   "-u",
				       "id",     "-r",   "/nonexistent/runtime",
				       "-l",     "none", "--log-level",
				       names[i], NULL };
		g_assert_cmpint(run_monitor_sync(args, &err), ==, 1);
		g_assert_true(g_str_has_prefix(err, "[conmon:e]: Runtime path /nonexistent/runtime "
						    "is not valid"));
	}
}

/* --syslog --log-level trace: the runtime argv (trace only) and the exit (info) reach syslog
 * with conmon's "conmon <cid> <level>: " prefix after the monitor daemonized. */
static void test_syslog_trace(void)
{
	if (!testlib_require_runc() || !testlib_require_program("unshare"))
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "exit 6", NULL });
	g_autoptr(Syslog) s = syslog_capture_new(b);
	const char *extra[] = { "--syslog", "--log-level", "trace", NULL };
	int pid = 0;
	/* asserts the launcher's status, the pid and `runc start` */
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, extra, &pid);

	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 6);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *argv = g_strdup_printf(
		"calling runtime args: %s --root=%s create --bundle %s --pid-file %s %s", runc,
		b->runc_root, b->bundle, b->pidfile, b->id);
	g_autofree char *prefix = g_strdup_printf("conmon %.20s <", b->id);
	g_autofree char *exited = g_strdup_printf("container %d exited with status 6", pid);
	const char *msg = syslog_wait_for(s, argv);
	dump(s);
	g_assert_nonnull(msg);
	g_assert_nonnull(strstr(msg, prefix));
	msg = syslog_wait_for(s, exited);
	g_assert_nonnull(msg);
	g_assert_nonnull(strstr(msg, prefix));
}

/* The default level (warn): no debug chatter, but an error after daemonizing (the runtime's
 * failure) is in syslog, the only place a daemonized monitor can say it. */
static void test_syslog_default_level(void)
{
	if (!testlib_require_runc() || !testlib_require_program("unshare"))
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	g_autofree char *config = g_build_filename(b->bundle, "config.json", NULL);
	g_assert_true(g_file_set_contents(config, "{ not json", -1, NULL));
	g_autoptr(Syslog) s = syslog_capture_new(b);
	/* no --log-level: the default */
	const char *rest[] = { "--exit-dir",
			       "@EXITDIR@",
			       "-l",
			       "k8s-file:@LOG@",
			       "--conmon-pidfile",
			       "@CONMONPID@",
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       "--full-attach",
			       "--syslog",
			       NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_podman_args(b, NULL, rest, FALSE);

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "data"), ==, -1);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	const char *msg = syslog_wait_for(s, "runc create failed");
	/* The monitor has exited: everything it sent is queued for us now. */
	syslog_collect(s, 0);
	dump(s);
	g_assert_nonnull(msg);
	g_assert_null(syslog_find(s, "calling runtime args"));
	g_assert_null(syslog_find(s, "container PID"));
}

/* A stand-in runtime that reports the LISTEN_PID it got and its own pid, then fails. */
static char *listen_pid_runtime(TestBundle *b)
{
	char *path = g_build_filename(b->dir, "fake-runtime", NULL);
	g_autofree char *body = g_strdup_printf(
		"#!/bin/sh\necho \"$LISTEN_PID $$\" > %s/listen\necho fake >&2\nexit 1\n", b->dir);

	g_assert_true(g_file_set_contents(path, body, -1, NULL));
	g_assert_cmpint(chmod(path, 0755), ==, 0);
	return path;
}

/* Run the monitor (--sync, under `sh -c` so the environment can name the monitor's own
 * pid) with LISTEN_PID set by shell text env; returns "<LISTEN_PID> <runtime pid>". */
static char *run_listen_pid(TestBundle *b, const char *env, gboolean replace, char **out_sync)
{
	g_autofree char *runtime = listen_pid_runtime(b);
	g_autofree char *listen = g_build_filename(b->dir, "listen", NULL);
	g_autofree char *cmd = g_strdup_printf(
		"%s exec %s --api-version 1 -c %s -u %s -r %s -b %s -p %s --full-attach -l none --sync %s",
		env, testlib_vigilmon(), b->id, b->id, runtime, b->bundle, b->pidfile,
		replace ? "--replace-listen-pid" : "");
	/* argv[0] is VIGIL_TEST_MONITOR, set to /bin/sh by the caller. --sync: the process
	 * started is the monitor, so test_monitor_start() waits for it to finish. */
	const char *args[] = { "-c", cmd, NULL };
	g_autoptr(TestMonitor) m = test_monitor_start(b, args, FALSE, FALSE);

	g_assert_cmpint(m->launcher_status, ==, 1);
	*out_sync = testlib_read_line(m->sync_fd, WAIT_MS);
	(void)unlink(runtime);
	char *got = testlib_read_file(listen);
	(void)unlink(listen);
	return got;
}

/* docs/conmon-contract.md, "Runtime command lines": LISTEN_PID naming the monitor (socket
 * activation handed to it) or any pid with --replace-listen-pid becomes the runtime's pid; another
 * pid is left alone; a malformed one is an error. */
static void test_listen_pid(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "true", NULL });
	/* test_monitor_start() runs VIGIL_TEST_MONITOR or vigilmon; here it must run sh. */
	g_autofree char *saved = g_strdup(g_getenv("VIGIL_TEST_MONITOR"));
	g_setenv("VIGIL_TEST_MONITOR", "/bin/sh", TRUE);
	g_autofree char *sync1 = NULL, *sync2 = NULL, *sync3 = NULL, *sync4 = NULL;

	/* names the monitor itself ($$ is the shell that execs it, so the same pid) */
	g_autofree char *self = run_listen_pid(b, "LISTEN_PID=$$", FALSE, &sync1);
	/* names some other process: untouched */
	g_autofree char *other = run_listen_pid(b, "LISTEN_PID=1", FALSE, &sync2);
	/* --replace-listen-pid: always the runtime's */
	g_autofree char *replaced = run_listen_pid(b, "LISTEN_PID=1", TRUE, &sync3);
	/* not a pid */
	g_autofree char *bad = run_listen_pid(b, "LISTEN_PID=12abc", FALSE, &sync4);
	if (saved != NULL)
		g_setenv("VIGIL_TEST_MONITOR", saved, TRUE);
	else
		g_unsetenv("VIGIL_TEST_MONITOR");

	g_test_message("self=%s other=%s replaced=%s sync4=%s", self, other, replaced, sync4);
	if (self == NULL || other == NULL || replaced == NULL) {
		g_test_fail_printf("the runtime did not run: %s", sync1);
		return;
	}
	g_auto(GStrv) s = g_strsplit(g_strstrip(self), " ", -1);
	g_assert_cmpstr(s[0], ==, s[1]);
	g_assert_nonnull(other);
	g_auto(GStrv) o = g_strsplit(g_strstrip(other), " ", -1);
	g_assert_cmpstr(o[0], ==, "1");
	g_assert_cmpstr(o[1], !=, "1");
	g_auto(GStrv) r = g_strsplit(g_strstrip(replaced), " ", -1);
	g_assert_cmpstr(r[0], ==, r[1]);
	g_assert_cmpstr(r[0], !=, "1");
	/* the runtime never ran; the engine hears why */
	g_assert_null(bad);
	g_assert_cmpstr(sync4, ==, "{\"data\": -1, \"message\": \"Invalid LISTEN_PID 12abc\"}\n");
	g_assert_cmpstr(sync1, ==, "{\"data\": -1, \"message\": \"fake\\n\"}\n");
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/diag/log-level-invalid", test_log_level_invalid);
	g_test_add_func("/monitor/diag/log-level-names", test_log_level_names);
	g_test_add_func("/monitor/diag/syslog-trace", test_syslog_trace);
	g_test_add_func("/monitor/diag/syslog-default-level", test_syslog_default_level);
	g_test_add_func("/monitor/diag/listen-pid", test_listen_pid);
	return g_test_run();
}
