/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/*
 * vigilmon started the way CRI-O starts conmon (conmon.md §9 and §13.3): a container with
 * the legacy protocol (no --api-version: sync message {"pid": N}), the short attach path
 * through --socket-dir-path, kubelet's log reopen over the ctl FIFO, and ExecSync sessions
 * (--exec --sync, {"exit_code": N}, output in a k8s-file the caller parses back, -T,
 * --log-global-size-max).
 *
 * Each scenario runs with Debian's conmon (the reference; CONMON overrides its path) and
 * then with vigilmon. It reduces what CRI-O would see to a text report; the test asserts
 * that the reference's report is the expected one and that vigilmon's is identical.
 */

#define WAIT_MS 30000

static const char *conmon_path(void)
{
	const char *p = g_getenv("CONMON");

	return p != NULL ? p : "/usr/bin/conmon";
}

static gboolean require_tools(void)
{
	return testlib_require_runc() && testlib_require_program(conmon_path());
}

/* Which monitor test_monitor_start() runs: the reference or the build under test. */
static void use_monitor(gboolean reference)
{
	if (reference)
		g_setenv("VIGIL_TEST_MONITOR", conmon_path(), TRUE);
	else
		g_unsetenv("VIGIL_TEST_MONITOR");
}

/* A sync line with its pid (a number that differs per run) replaced by "N". */
static char *sync_shape(const char *line)
{
	g_autoptr(GRegex) re = g_regex_new("^(\\{\"(pid|data)\": )[1-9][0-9]*\\}", 0, 0, NULL);

	if (line == NULL)
		return g_strdup("(none)");
	return g_regex_replace(re, line, -1, 0, "\\1N}", 0, NULL);
}

/* The k8s-file records of one stream, timestamps removed: "F out:hello\n…". */
static char *log_stream(const char *path, const char *stream)
{
	g_autofree char *text = testlib_read_file(path);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *marker = g_strdup_printf(" %s ", stream);

	if (text == NULL)
		return g_strdup("(no file)");
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char *at = strstr(*l, marker);
		if (at != NULL)
			g_string_append_printf(out, "%s|", at + strlen(marker));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static char *bundle_path(TestBundle *b, const char *name)
{
	return g_build_filename(b->bundle, name, NULL);
}

/* CRI-O's container argv (runtime_oci.go), legacy protocol. */
static TestMonitor *start_crio_container(TestBundle *b, const char *sockdir, gboolean stdin_pipe)
{
	g_autofree char *runc = g_find_program_in_path("runc");
	const char *args[] = { "-b",
			       "@BUNDLE@",
			       "-c",
			       "@ID@",
			       "--exit-dir",
			       "@EXITDIR@",
			       "-l",
			       "@LOG@",
			       "--log-level",
			       "info",
			       "-n",
			       "k8s_ctr_pod_ns_uid_0",
			       "-P",
			       "@CONMONPID@",
			       "-p",
			       "@PIDFILE@",
			       "--persist-dir",
			       "@PERSIST@",
			       "-r",
			       runc,
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       "--socket-dir-path",
			       sockdir,
			       "--syslog",
			       "-u",
			       "@ID@",
			       stdin_pipe ? "-i" : NULL,
			       NULL };

	return test_monitor_start(b, args, FALSE, FALSE);
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
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;
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
	use_monitor(reference);
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "read l; echo \"out:$l\"; echo \"err:$l\" >&2; exit 3", NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_autofree char *link = g_build_filename(sockdir, b->id, NULL);
	g_autofree char *attach_path = g_build_filename(link, "attach", NULL);
	g_autoptr(GString) report = g_string_new(NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) err = g_string_new(NULL);

	g_mkdir_with_parents(sockdir, 0755);
	g_autoptr(TestMonitor) m = start_crio_container(b, sockdir, TRUE);
	g_string_append_printf(report, "launcher: %d\n", m->launcher_status);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_autofree char *shape = sync_shape(line);
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
	g_string_append_printf(report, "exit file: %d\n", testlib_read_exit_file(b, WAIT_MS));
	g_autofree char *persist_exit = g_build_filename(b->persist_dir, "exit", NULL);
	g_autofree char *persist = testlib_read_file(persist_exit);
	g_string_append_printf(report, "persist exit: %s\n", persist ? persist : "(none)");
	int w = m->monitor_pid > 0 ? testlib_wait_pid(m->monitor_pid, WAIT_MS) : -1;
	g_string_append_printf(report, "monitor exited: %s\n", w != -1 ? "yes" : "no");
	g_autofree char *log_out = log_stream(b->log_path, "stdout");
	g_autofree char *log_err = log_stream(b->log_path, "stderr");
	g_string_append_printf(report, "log stdout: %s\nlog stderr: %s\n", log_out, log_err);
	g_autofree char *bundle_attach = bundle_path(b, "attach");
	g_string_append_printf(report, "attach socket after exit: %s\n",
			       g_file_test(bundle_attach, G_FILE_TEST_EXISTS) ? "yes" : "no");
	/* conmon 2.1.6 leaks the <socket-dir>/<id> symlink; 2.1.7 and later remove it at exit
	 * (conmon.md §4.2, §13.2; OpenShift nodes ran out of inodes). vigilmon follows the
	 * newer conmon, so this is checked for vigilmon only. */
	if (!reference)
		g_string_append_printf(report, "socket-dir symlink after exit: %s\n",
				       g_file_test(link, G_FILE_TEST_IS_SYMLINK) ? "yes" : "no");
	return g_string_free(g_steal_pointer(&report), FALSE);
}

static void compare(char *(*scenario)(gboolean reference), const char *expected_reference,
		    const char *expected_vigilmon_extra)
{
	if (!require_tools())
		return;
	g_autofree char *ref = scenario(TRUE);
	g_autofree char *vig = scenario(FALSE);
	g_autofree char *want_vig = g_strconcat(expected_reference, expected_vigilmon_extra, NULL);

	g_test_message("conmon:\n%s", ref);
	g_test_message("vigilmon:\n%s", vig);
	/* the reference behaves as documented, so the comparison below means something */
	g_assert_cmpstr(ref, ==, expected_reference);
	g_assert_cmpstr(vig, ==, want_vig);
}

static void test_container(void)
{
	compare(scenario_container,
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

static gboolean file_contains(const char *path, const char *needle)
{
	g_autofree char *text = testlib_read_file(path);

	return text != NULL && strstr(text, needle) != NULL;
}

static gboolean wait_for_text(const char *path, const char *needle)
{
	for (int waited = 0; !file_contains(path, needle); waited += 10) {
		if (waited > WAIT_MS)
			return FALSE;
		g_usleep(10 * 1000);
	}
	return TRUE;
}

/* kubelet's rotation: rename the log away, ReopenContainerLog (ctl "2 0 0"), expect a new
 * file at the old path that gets the output from then on. */
static char *scenario_reopen(gboolean reference)
{
	use_monitor(reference);
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "echo first; while [ ! -e /tmp/go ]; do sleep 0.02; done; echo second",
		NULL });
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_autofree char *rotated = g_strconcat(b->log_path, ".1", NULL);
	g_autofree char *ctl = bundle_path(b, "ctl");
	g_autofree char *go = g_build_filename(b->bundle, "rootfs", "tmp", "go", NULL);
	g_autoptr(GString) report = g_string_new(NULL);

	g_mkdir_with_parents(sockdir, 0755);
	g_autoptr(TestMonitor) m = start_crio_container(b, sockdir, FALSE);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_autofree char *shape = sync_shape(line);
	g_string_append_printf(report, "sync: %s", shape);
	g_string_append_printf(report, "runc start: %d\n",
			       testlib_runc(b, NULL, NULL, "start", b->id, NULL));
	g_string_append_printf(report, "first logged: %s\n",
			       wait_for_text(b->log_path, "first") ? "yes" : "no");
	g_assert_cmpint(rename(b->log_path, rotated), ==, 0);
	int fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	g_string_append_printf(report, "ctl open: %s\n", fd >= 0 ? "ok" : g_strerror(errno));
	if (fd >= 0) {
		g_string_append_printf(report, "ctl write: %zd\n", write(fd, "2 0 0\n", 6));
		close(fd);
	}
	g_string_append_printf(report, "log recreated: %s\n",
			       testlib_wait_for_file(b->log_path, WAIT_MS) ? "yes" : "no");
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	g_string_append_printf(report, "exit file: %d\n", testlib_read_exit_file(b, WAIT_MS));
	if (m->monitor_pid > 0)
		(void)testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_autofree char *old_out = log_stream(rotated, "stdout");
	g_autofree char *new_out = log_stream(b->log_path, "stdout");
	g_string_append_printf(report, "rotated: %s\nnew: %s\n", old_out, new_out);
	return g_string_free(g_steal_pointer(&report), FALSE);
}

static void test_reopen(void)
{
	compare(scenario_reopen,
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

typedef struct {
	const char *const *args; /* the exec'd process */
	gboolean terminal;
	const char *timeout;    /* -T, or NULL */
	const char *global_max; /* --log-global-size-max */
} ExecSync;

static char *process_spec(TestBundle *b, const ExecSync *x)
{
	g_autoptr(GString) json = g_string_new("{\"args\": [");
	g_autofree char *path = g_build_filename(b->dir, "exec-process.json", NULL);

	for (const char *const *a = x->args; *a != NULL; a++) {
		g_autofree char *escaped = g_strescape(*a, NULL);
		g_string_append_printf(json, "%s\"%s\"", a == x->args ? "" : ", ", escaped);
	}
	g_string_append_printf(json,
			       "], \"env\": [\"PATH=/bin\"], \"cwd\": \"/\", \"terminal\": %s, "
			       "\"user\": {\"uid\": 0, \"gid\": 0}}",
			       x->terminal ? "true" : "false");
	g_assert_true(g_file_set_contents(path, json->str, -1, NULL));
	return g_steal_pointer(&path);
}

/* ExecSync in a running container: the monitor is the process CRI-O waits for (--sync),
 * the exit code arrives on the sync pipe, the output in a k8s-file CRI-O parses back. */
static char *exec_sync(gboolean reference, const ExecSync *x)
{
	use_monitor(reference);
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_autofree char *exec_log = g_build_filename(b->dir, "exec.log", NULL);
	g_autofree char *exec_pid = g_build_filename(b->dir, "exec.pid", NULL);
	g_autoptr(GString) report = g_string_new(NULL);

	g_mkdir_with_parents(sockdir, 0755);
	g_autoptr(TestMonitor) ctr = start_crio_container(b, sockdir, FALSE);
	g_autofree char *ctr_line = testlib_read_line(ctr->sync_fd, WAIT_MS);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);

	g_autofree char *spec = process_spec(b, x);
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	const char *base[] = { "-c",
			       "@ID@",
			       "-n",
			       "k8s_ctr_pod_ns_uid_0",
			       "-r",
			       runc,
			       "-p",
			       exec_pid,
			       "-e",
			       "-l",
			       exec_log,
			       "--socket-dir-path",
			       sockdir,
			       "--log-level",
			       "info",
			       "--sync",
			       "--log-global-size-max",
			       x->global_max != NULL ? x->global_max : "16777216" };
	for (gsize i = 0; i < G_N_ELEMENTS(base); i++)
		g_ptr_array_add(args, (char *)base[i]);
	if (x->terminal)
		g_ptr_array_add(args, (char *)"-t");
	if (x->timeout != NULL) {
		g_ptr_array_add(args, (char *)"-T");
		g_ptr_array_add(args, (char *)x->timeout);
	}
	g_ptr_array_add(args, (char *)"--exec-process-spec");
	g_ptr_array_add(args, spec);
	g_ptr_array_add(args, (char *)"--runtime-arg");
	g_ptr_array_add(args, (char *)"--root=@RUNCROOT@");
	g_ptr_array_add(args, NULL);

	g_autoptr(TestMonitor) m =
		test_monitor_start(b, (const char *const *)args->pdata, FALSE, FALSE);
	int w = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	if (w == -1)
		g_string_append(report, "monitor status: (did not exit)\n");
	else if (WIFEXITED(w))
		g_string_append_printf(report, "monitor status: %d\n", WEXITSTATUS(w));
	else
		g_string_append_printf(report, "monitor status: signal %d\n", WTERMSIG(w));
	/* the whole sync stream: one line, written before the monitor exited */
	g_autofree char *line = testlib_read_line(m->sync_fd, 1000);
	g_string_append_printf(report, "sync: %s", line != NULL ? line : "(none)\n");
	g_autofree char *out = log_stream(exec_log, "stdout");
	g_autofree char *err = log_stream(exec_log, "stderr");
	g_string_append_printf(report, "log stdout: %s\nlog stderr: %s\n", out, err);
	/* the container itself goes on */
	g_autofree char *state = NULL;
	testlib_runc(b, &state, NULL, "state", b->id, NULL);
	g_string_append_printf(report, "container running: %s\n",
			       state != NULL && strstr(state, "\"running\"") ? "yes" : "no");
	return g_string_free(g_steal_pointer(&report), FALSE);
}

static char *scenario_exec_exit_code(gboolean reference)
{
	const ExecSync x = { (const char *const[]){
		"sh", "-c", "echo out; echo err >&2; printf part; exit 7", NULL } };

	return exec_sync(reference, &x);
}

static void test_exec_sync_exit_code(void)
{
	compare(scenario_exec_exit_code,
		"monitor status: 7\n"
		"sync: {\"exit_code\": 7}\n"
		"log stdout: F out|P part|\n"
		"log stderr: F err|\n"
		"container running: yes\n",
		"");
}

static char *scenario_exec_tty(gboolean reference)
{
	const ExecSync x = { (const char *const[]){ "sh", "-c", "[ -t 1 ] && echo tty; exit 0",
						    NULL },
			     .terminal = TRUE };

	return exec_sync(reference, &x);
}

static void test_exec_sync_tty(void)
{
	compare(scenario_exec_tty,
		"monitor status: 0\n"
		"sync: {\"exit_code\": 0}\n"
		"log stdout: F tty\r|\n"
		"log stderr: \n"
		"container running: yes\n",
		"");
}

static char *scenario_exec_timeout(gboolean reference)
{
	const ExecSync x = { (const char *const[]){ "sh", "-c", "echo started; sleep 1000", NULL },
			     .timeout = "1" };

	return exec_sync(reference, &x);
}

static void test_exec_sync_timeout(void)
{
	compare(scenario_exec_timeout,
		"monitor status: 255\n"
		"sync: {\"exit_code\": -1, \"message\": \"command timed out\"}\n"
		"log stdout: F started|\n"
		"log stderr: \n"
		"container running: yes\n",
		"");
}

static char *scenario_exec_global_max(gboolean reference)
{
	const ExecSync x = { (const char *const[]){ "sh", "-c",
						    "for i in $(seq 1 50); do echo line-$i; done",
						    NULL },
			     .global_max = "500" };

	return exec_sync(reference, &x);
}

/* 52 bytes per record (45 of framing): after line-9 the total is 468, under the cap, so
 * line-10 is still written (520); from then on everything is dropped (conmon.md §8.2). */
static void test_exec_sync_global_max(void)
{
	compare(scenario_exec_global_max,
		"monitor status: 0\n"
		"sync: {\"exit_code\": 0}\n"
		"log stdout: F line-1|F line-2|F line-3|F line-4|F line-5|F line-6|F line-7|F "
		"line-8|F line-9|F line-10|\n"
		"log stderr: \n"
		"container running: yes\n",
		"");
}

static char *scenario_exec_not_found(gboolean reference)
{
	const ExecSync x = { (const char *const[]){ "/no/such/binary", NULL } };
	g_autofree char *full = exec_sync(reference, &x);
	g_autoptr(GRegex) re = g_regex_new("(\"message\": \")[^\n]*no such file or "
					   "directory[^\n]*\"}",
					   0, 0, NULL);

	/* runc's own words carry a timestamp: keep only that they are there */
	return g_regex_replace(re, full, -1, 0, "\\1<runc: no such file or directory>\"}", 0, NULL);
}

/* runc's error goes to the engine in the sync message only: conmon reads it off the stderr
 * pipe to build the message, so it never reaches the log CRI-O parses into the ExecSync
 * response. */
static void test_exec_sync_not_found(void)
{
	compare(scenario_exec_not_found,
		"monitor status: 1\n"
		"sync: {\"exit_code\": -1, \"message\": \"<runc: no such file or directory>\"}\n"
		"log stdout: \n"
		"log stderr: \n"
		"container running: yes\n",
		"");
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/crio/container/attach-log-exit", test_container);
	g_test_add_func("/crio/container/log-reopen", test_reopen);
	g_test_add_func("/crio/exec-sync/exit-code", test_exec_sync_exit_code);
	g_test_add_func("/crio/exec-sync/tty", test_exec_sync_tty);
	g_test_add_func("/crio/exec-sync/timeout", test_exec_sync_timeout);
	g_test_add_func("/crio/exec-sync/log-global-size-max", test_exec_sync_global_max);
	g_test_add_func("/crio/exec-sync/not-found", test_exec_sync_not_found);
	return g_test_run();
}
