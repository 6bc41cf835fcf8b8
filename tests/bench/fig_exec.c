/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"
#include "error_util.h"

/*
 * Exec burst (issue 13): N exec sessions into one running container, started back to back
 * with no wait in between, each running `sh -c 'exit K'` with its own K; the clock runs from
 * the first monitor's spawn to the last exit code read from a sync pipe. Two argv shapes:
 * podman's detached exec (API 1, k8s-file log, the launcher returns once the monitor has
 * daemonized; {"data": pid} then {"data": K}) and CRI-O's ExecSync (--sync: the spawned
 * process is the monitor; {"exit_code": K}). The container runs under the same kind of
 * monitor as its sessions.
 */

#define WAIT_MS 120000

typedef enum {
	EXEC_PODMAN,
	EXEC_CRIO,
} ExecShape;

static int expected_code(guint i)
{
	return 1 + (int)(i % 250);
}

typedef struct {
	TestExecSession *s;
	TestMonitor *tm;
} Session;

static void session_clear(Session *x)
{
	/* a run that failed half-way: killed after a while, never waited for forever */
	if (x->tm != NULL && x->tm->monitor_pid > 0)
		(void)testlib_wait_pid(x->tm->monitor_pid, 10000);
	g_clear_pointer(&x->tm, test_monitor_free);
	g_clear_pointer(&x->s, test_exec_session_free);
}

static TestMonitor *start_session(const BenchMonitor *mon, TestExecSession *s, ExecShape shape)
{
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *log = g_strdup_printf("k8s-file:%s", s->view.log_path);

	/* CRI-O's ExecSync argv: legacy API, no bundle, --sync. */
	if (shape == EXEC_CRIO)
		return test_exec_session_start_execsync(mon->path, s, NULL);
	/* podman's detached exec (docs/conmon-contract.md, "Exec sessions"), at podman's default
	 * log level. */
	const char *args[] = { "--api-version",
			       "1",
			       "-c",
			       "@ID@",
			       "-u",
			       s->session,
			       "-r",
			       runc,
			       "-b",
			       "@BUNDLE@",
			       "-p",
			       "@PIDFILE@",
			       "-n",
			       "name",
			       "--exit-dir",
			       "@EXITDIR@",
			       "--persist-dir",
			       "@PERSIST@",
			       "--full-attach",
			       "-l",
			       log,
			       "--log-level",
			       "warning",
			       "--syslog",
			       "-e",
			       "--exec-process-spec",
			       s->spec,
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       "--conmon-pidfile",
			       "@CONMONPID@",
			       NULL };
	return test_monitor_start_with(mon->path, &s->view, args, FALSE, FALSE);
}

/* The session's exit code from its sync pipe: podman's second {"data": K}, CRI-O's
 * {"exit_code": K}. */
static gboolean read_exit_code(const BenchMonitor *mon, Session *x, ExecShape shape, int *out,
			       GError **error)
{
	const char *key = shape == EXEC_CRIO ? "exit_code" : "data";
	int seen = 0;

	for (;;) {
		g_autofree char *line = testlib_read_line(x->tm->sync_fd, WAIT_MS);
		if (line == NULL)
			return vigil_throw(error, EPROTO, "%s: session %s: sync pipe ended",
					   mon->name, x->s->session);
		int v = testlib_sync_value(line, key);
		if (v == G_MININT)
			continue; /* CRI-O's {"pid": N} */
		/* podman: the first {"data": N} is the pid (or a negative error) */
		if (shape == EXEC_PODMAN && seen++ == 0) {
			if (v <= 0)
				return vigil_throw(error, EPROTO, "%s: exec failed: %s", mon->name,
						   line);
			continue;
		}
		*out = v;
		return TRUE;
	}
}

static gboolean run_sessions(Bench *bench, BenchCtr *c, GArray *sessions, ExecShape shape,
			     double *v, GError **error)
{
	int n = bench->opt->exec_count;

	for (int i = 0; i < n; i++) {
		g_autofree char *script = g_strdup_printf("exit %d", expected_code((guint)i));
		Session x = { test_exec_session_new(
			c->b, (const char *const[]){ "sh", "-c", script, NULL }, FALSE) };
		g_array_append_val(sessions, x);
	}
	gint64 t0 = g_get_monotonic_time();
	for (guint i = 0; i < sessions->len; i++) {
		Session *x = &g_array_index(sessions, Session, i);
		x->tm = start_session(c->mon, x->s, shape);
		if (x->tm->launcher_status != 0 && x->tm->launcher_status != -1)
			return vigil_throw(error, EPROTO, "%s: launcher exited %d: %s",
					   c->mon->name, x->tm->launcher_status,
					   x->tm->launcher_stderr);
	}
	gint64 t1 = g_get_monotonic_time();
	for (guint i = 0; i < sessions->len; i++) {
		Session *x = &g_array_index(sessions, Session, i);
		int code = G_MININT;
		if (!read_exit_code(c->mon, x, shape, &code, error))
			return FALSE;
		if (code != expected_code(i))
			return vigil_throw(error, EPROTO, "%s: session %u exited %d, want %d",
					   c->mon->name, i, code, expected_code(i));
	}
	gint64 t2 = g_get_monotonic_time();
	for (guint i = 0; i < sessions->len; i++) {
		Session *x = &g_array_index(sessions, Session, i);
		int w = testlib_wait_pid(x->tm->monitor_pid, WAIT_MS);
		x->tm->monitor_pid = 0;
		/* CRI-O's ExecSync monitor exits with the session's code */
		if (shape == EXEC_CRIO && (!WIFEXITED(w) || WEXITSTATUS(w) != expected_code(i)))
			return vigil_throw(error, EPROTO, "%s: ExecSync monitor %u: status %d",
					   c->mon->name, i, w);
	}
	v[0] = (double)(t2 - t0) / 1e6;
	v[1] = (double)(t1 - t0) / 1e6;
	return TRUE;
}

static gboolean bench_run_exec(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
			       GError **error)
{
	const ExecShape *shape = data;
	g_autoptr(BenchCtr) c =
		bench_ctr_new(bench, mon, (const char *const[]){ "sleep", "100000", NULL }, NULL);
	g_autoptr(GArray) sessions = g_array_new(FALSE, TRUE, sizeof(Session));

	g_array_set_clear_func(sessions, (GDestroyNotify)session_clear);
	if (!bench_ctr_create(c, NULL, "k8s", error) || !bench_ctr_start(c, error))
		return FALSE;
	g_usleep(100 * 1000);
	gboolean ok = run_sessions(bench, c, sessions, *shape, v, error);
	/* the sessions' directories are inside the container's: gone with it */
	g_clear_pointer(&sessions, g_array_unref);
	return ok;
}

static void exec_rows(Bench *bench, ExecShape shape)
{
	GArray *s[2][BENCH_N_MONITORS] = { { NULL } };
	int n = bench->opt->exec_count;
	const char *what = shape == EXEC_CRIO ? "ExecSync" : "podman";
	g_autofree char *fig = g_strdup_printf("exec, %d %s sessions", n, what);
	g_autofree char *all = g_strdup_printf("exec %d %s: -> all exit codes", n, what);
	g_autofree char *spawn = g_strdup_printf("exec %d %s: monitors spawned", n, what);

	bench_interleave(bench, fig, bench->opt->burst_reps, 2, bench_run_exec, &shape, s);
	bench_table_add(bench->table, all, "s", s[0], (BenchTarget){ BENCH_TARGET_RATIO_MAX, 1.0 });
	bench_table_add(bench->table, spawn, "s", s[1], BENCH_NO_TARGET);
}

void bench_fig_exec(Bench *bench)
{
	exec_rows(bench, EXEC_PODMAN);
	exec_rows(bench, EXEC_CRIO);
}
