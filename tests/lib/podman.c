/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "testlib-private.h"
#include "testlib.h"

/* The argv podman and CRI-O start a monitor with, for containers and for exec sessions. */

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

TestMonitor *test_exec_session_start_execsync(const char *monitor, TestExecSession *s,
					      const char *const *extra)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *runc = g_find_program_in_path("runc");

	add_args(args, (const char *const[]){ "-c",
					      "@ID@",
					      "-n",
					      "name",
					      "-r",
					      runc,
					      "-p",
					      "@PIDFILE@",
					      "-e",
					      "-l",
					      "@LOG@",
					      "--socket-dir-path",
					      "@BUNDLE@",
					      "--log-level",
					      "info",
					      "--sync",
					      "--exec-process-spec",
					      s->spec,
					      "--runtime-arg",
					      "--root=@RUNCROOT@",
					      NULL });
	add_args(args, extra);
	if (monitor == NULL)
		return test_monitor_start(&s->view, start_args(args), FALSE, FALSE);
	return test_monitor_start_with(monitor, &s->view, start_args(args), FALSE, FALSE);
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
