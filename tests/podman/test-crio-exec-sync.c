/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "crio.h"

/*
 * CRI-O's ExecSync: --exec --sync, the exit code as {"exit_code": N} on the sync pipe, the
 * output in a k8s-file CRI-O parses back, -T and --log-global-size-max.
 */

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
	crio_use_monitor(reference);
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *sockdir = g_build_filename(b->dir, "sockets", NULL);
	g_autofree char *exec_log = g_build_filename(b->dir, "exec.log", NULL);
	g_autofree char *exec_pid = g_build_filename(b->dir, "exec.pid", NULL);
	g_autoptr(GString) report = g_string_new(NULL);

	g_mkdir_with_parents(sockdir, 0755);
	g_autoptr(TestMonitor) ctr = crio_start_container(b, sockdir, FALSE);
	g_autofree char *ctr_line = testlib_read_line(ctr->sync_fd, CRIO_WAIT_MS);
	g_autofree char *ctr_shape = crio_sync_shape(ctr_line);
	g_assert_cmpstr(ctr_shape, ==, "{\"pid\": N}\n");
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
	int w = testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS);
	if (w == -1)
		g_string_append(report, "monitor status: (did not exit)\n");
	else if (WIFEXITED(w))
		g_string_append_printf(report, "monitor status: %d\n", WEXITSTATUS(w));
	else
		g_string_append_printf(report, "monitor status: signal %d\n", WTERMSIG(w));
	/* the whole sync stream: one line, written before the monitor exited */
	g_autofree char *line = testlib_read_line(m->sync_fd, 1000);
	g_string_append_printf(report, "sync: %s", line != NULL ? line : "(none)\n");
	g_autofree char *out = crio_log_stream(exec_log, "stdout");
	g_autofree char *err = crio_log_stream(exec_log, "stderr");
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
	crio_compare(scenario_exec_exit_code,
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
	crio_compare(scenario_exec_tty,
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
	crio_compare(scenario_exec_timeout,
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
 * line-10 is still written (520); from then on everything is dropped (docs/conmon-contract.md,
 * "Log size and rotation"). */
static void test_exec_sync_global_max(void)
{
	crio_compare(scenario_exec_global_max,
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
	crio_compare(
		scenario_exec_not_found,
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
	g_test_add_func("/crio/exec-sync/exit-code", test_exec_sync_exit_code);
	g_test_add_func("/crio/exec-sync/tty", test_exec_sync_tty);
	g_test_add_func("/crio/exec-sync/timeout", test_exec_sync_timeout);
	g_test_add_func("/crio/exec-sync/log-global-size-max", test_exec_sync_global_max);
	g_test_add_func("/crio/exec-sync/not-found", test_exec_sync_not_found);
	return g_test_run();
}
