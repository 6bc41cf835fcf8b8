/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/*
 * lifecycle: monitor launched → runtime create → pid on the sync pipe → runc start → `true`
 * exits → exit file in place. The whole of what podman waits for in `podman run --rm true`
 * apart from its own work. Identical for both monitors: the runc processes, which
 * dominate; what differs is each monitor's own start-up, create handling and exit path.
 *
 * exit latency: the container's init is SIGKILLed directly (kill(2) on the pid from the sync
 * pipe, not `runc kill`, so nothing is subtracted) and the clock stops when the exit file
 * is renamed into the exit directory (inotify, the way CRI-O watches it).
 */

#define WAIT_MS 60000

static gboolean bench_run_lifecycle(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				    GError **error)
{
	g_autoptr(BenchCtr) c =
		bench_ctr_new(bench, mon, (const char *const[]){ "true", NULL }, NULL);
	g_autoptr(BenchWatch) w = bench_watch_new(c->exit_dir, error);
	int status = -1;

	if (w == NULL)
		return FALSE;
	gint64 t0 = g_get_monotonic_time();
	if (!bench_ctr_create(c, NULL, "k8s", error) || !bench_ctr_start(c, error))
		return FALSE;
	gint64 t1 = bench_watch_wait(w, c->b->id, WAIT_MS);
	if (t1 < 0)
		return vigil_throw(error, ETIMEDOUT, "%s: no exit file", c->mon->name);
	if (!bench_ctr_exit_status(c, WAIT_MS, &status, error))
		return FALSE;
	if (status != 0)
		return vigil_throw(error, EPROTO, "%s: exit status %d, want 0", c->mon->name,
				   status);
	v[0] = (double)(t1 - t0) / 1000.0;
	return bench_ctr_wait_monitor(c, WAIT_MS, NULL, error);
}

void bench_fig_lifecycle(Bench *bench)
{
	GArray *s[1][BENCH_N_MONITORS] = { { NULL } };

	bench_interleave(bench, "lifecycle", bench->opt->reps, 1, bench_run_lifecycle, NULL, s);
	bench_table_add(bench->table, "lifecycle: create+start+exit true", "ms", s[0],
			(BenchTarget){ BENCH_TARGET_RATIO_MAX, 1.0 });
}

static gboolean bench_run_exit_latency(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				       GError **error)
{
	const gboolean *no_sync_log = data;
	g_autoptr(BenchCtr) c =
		bench_ctr_new(bench, mon, (const char *const[]){ "sleep", "100000", NULL }, NULL);
	g_autoptr(BenchWatch) w = bench_watch_new(c->exit_dir, error);
	int status = -1;

	if (w == NULL)
		return FALSE;
	c->no_sync_log = c->no_sync_log || *no_sync_log;
	if (!bench_ctr_create(c, NULL, "k8s", error) || !bench_ctr_start(c, error))
		return FALSE;
	/* Let runc's start finish settling (the exec of sleep, runc's own exit) so the kill
	 * meets an idle monitor, as in real use. */
	g_usleep(100 * 1000);
	vigil_autofd int pidfd = (int)syscall(SYS_pidfd_open, c->ctr_pid, 0);
	if (pidfd < 0)
		return vigil_throw_errno(error, "pidfd_open %d", (int)c->ctr_pid);
	gint64 t_dead = 0;
	gint64 t0 = g_get_monotonic_time();
	if (kill(c->ctr_pid, SIGKILL) < 0)
		return vigil_throw_errno(error, "kill %d", (int)c->ctr_pid);
	gint64 t1 = bench_watch_wait_pidfd(w, c->b->id, pidfd, &t_dead, WAIT_MS);
	if (t1 < 0)
		return vigil_throw(error, ETIMEDOUT, "%s: no exit file", c->mon->name);
	if (t_dead == 0 || t_dead > t1)
		t_dead = t1;
	if (!bench_ctr_exit_status(c, WAIT_MS, &status, error))
		return FALSE;
	if (status != 128 + SIGKILL)
		return vigil_throw(error, EPROTO, "%s: exit status %d, want %d", c->mon->name,
				   status, 128 + SIGKILL);
	v[0] = (double)(t1 - t0) / 1000.0;
	v[1] = (double)(t1 - t_dead) / 1000.0;
	return bench_ctr_wait_monitor(c, WAIT_MS, NULL, error);
}

/*
 * Both monitors fsync the k8s-file log before they write the exit file (conmon's order,
 * kept by vigilmon: docs/architecture.md, "The main loop"), so with the log on a disk the first
 * rows are mostly the disk's flush. The --no-sync-log rows leave that out (CRI-O's no_sync_log
 * option): the monitor's own reaction. "death" is when the container's init became a zombie (its
 * pidfd polled readable), so death -> exit file is the monitor's part alone.
 */
static void exit_latency_rows(Bench *bench, gboolean no_sync)
{
	GArray *s[2][BENCH_N_MONITORS] = { { NULL } };
	const char *suffix = no_sync || bench->opt->no_sync_log ? ", no log sync" : "";
	g_autofree char *fig = g_strdup_printf("exit latency%s", suffix);
	g_autofree char *kill_row = g_strdup_printf("exit: SIGKILL -> exit file%s", suffix);
	g_autofree char *death_row = g_strdup_printf("exit: death -> exit file%s", suffix);

	bench_interleave(bench, fig, bench->opt->reps, 2, bench_run_exit_latency, &no_sync, s);
	bench_table_add(bench->table, kill_row, "ms", s[0],
			(BenchTarget){ BENCH_TARGET_VALUE_BELOW, 1.0 });
	bench_table_add(bench->table, death_row, "ms", s[1], BENCH_NO_TARGET);
}

void bench_fig_exit_latency(Bench *bench)
{
	exit_latency_rows(bench, FALSE);
	if (!bench->opt->no_sync_log)
		exit_latency_rows(bench, TRUE);
}
