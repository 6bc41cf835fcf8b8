/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "bench.h"
#include "error_util.h"

/*
 * Memory of idle monitors and their wakeups. Each monitor watches a container that sleeps;
 * PSS and RSS come from the monitor's /proc/PID/smaps_rollup (PID from --conmon-pidfile).
 * PSS shares each library page among all the processes that map it, so it depends on what
 * else runs: one monitor alone is measured by itself, and the many-monitor total is taken
 * with only that kind of monitor running (then torn down before the other kind starts).
 */

#define WAIT_MS 60000
/* runc start returns before the container settles; then the monitor is idle. */
#define SETTLE_US (300 * 1000)

static const char *const sleeper[] = { "sleep", "100000", NULL };

/* SIGKILL each container, wait for its exit file and its monitor, free. */
static gboolean stop_all(GPtrArray *ctrs, GError **error)
{
	gboolean ok = TRUE;

	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		if (c->ctr_pid > 0)
			(void)kill(c->ctr_pid, SIGKILL);
	}
	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		int status;
		if (c->ctr_pid <= 0 || c->monitor_pid <= 0)
			continue;
		if (ok && (!bench_ctr_exit_status(c, WAIT_MS, &status, error) ||
			   !bench_ctr_wait_monitor(c, WAIT_MS, NULL, error)))
			ok = FALSE;
	}
	return ok;
}

/* n idle containers under monitor mon; the sums of PSS and RSS (kB) of their monitors. */
static gboolean idle_set(Bench *bench, BenchMonitorId mon, int n, guint64 *pss, guint64 *rss,
			 GError **error)
{
	g_autoptr(GPtrArray) ctrs = g_ptr_array_new_with_free_func((GDestroyNotify)bench_ctr_free);
	gboolean ok = TRUE;

	*pss = *rss = 0;
	for (int i = 0; ok && i < n; i++) {
		BenchCtr *c = bench_ctr_new(bench, mon, sleeper, NULL);
		g_ptr_array_add(ctrs, c);
		ok = bench_ctr_create(c, NULL, "k8s", error) && bench_ctr_start(c, error);
	}
	if (ok)
		g_usleep(SETTLE_US);
	for (guint i = 0; ok && i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		guint64 p = 0, r = 0;
		ok = bench_proc_mem(c->monitor_pid, &p, &r, error);
		*pss += p;
		*rss += r;
	}
	if (!stop_all(ctrs, ok ? error : NULL))
		ok = FALSE;
	return ok;
}

static gboolean bench_run_memory_one(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				     GError **error)
{
	guint64 pss, rss;

	if (!idle_set(bench, mon, 1, &pss, &rss, error))
		return FALSE;
	v[0] = (double)pss;
	v[1] = (double)rss;
	return TRUE;
}

static gboolean bench_run_memory_many(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				      GError **error)
{
	guint64 pss, rss;

	if (!idle_set(bench, mon, bench->opt->idle_count, &pss, &rss, error))
		return FALSE;
	v[0] = (double)pss / 1024.0;
	v[1] = (double)rss / 1024.0;
	return TRUE;
}

void bench_fig_memory(Bench *bench)
{
	GArray *one[2][BENCH_N_MONITORS] = { { NULL } };
	GArray *many[2][BENCH_N_MONITORS] = { { NULL } };
	g_autofree char *pss = NULL, *rss = NULL;

	bench_interleave(bench, "memory, one idle monitor", bench->opt->reps, 2,
			 bench_run_memory_one, NULL, one);
	bench_table_add(bench->table, "memory: PSS, 1 idle monitor", "kB", one[0],
			(BenchTarget){ BENCH_TARGET_RATIO_MAX, 0.7 });
	bench_table_add(bench->table, "memory: RSS, 1 idle monitor", "kB", one[1], BENCH_NO_TARGET);

	pss = g_strdup_printf("memory: PSS total, %d idle", bench->opt->idle_count);
	rss = g_strdup_printf("memory: RSS total, %d idle", bench->opt->idle_count);
	/* One set per monitor: a set is minutes of runc work at the larger sizes. */
	bench_interleave(bench, "memory, many idle monitors", 1, 2, bench_run_memory_many, NULL,
			 many);
	bench_table_add(bench->table, pss, "MiB", many[0],
			(BenchTarget){ BENCH_TARGET_RATIO_MAX, 0.7 });
	bench_table_add(bench->table, rss, "MiB", many[1], BENCH_NO_TARGET);
}

/*
 * Idle wakeups: one idle container under each monitor, both at once; context switches
 * (voluntary + involuntary, all threads) of each monitor over the window. An idle monitor
 * has nothing to do: any switch is a timer or a poll that should not be there.
 */
void bench_fig_idle_wakeups(Bench *bench)
{
	g_autoptr(GPtrArray) ctrs = g_ptr_array_new_with_free_func((GDestroyNotify)bench_ctr_free);
	GArray *s[BENCH_N_MONITORS] = { NULL };
	guint64 before[BENCH_N_MONITORS] = { 0 };
	g_autoptr(GError) error = NULL;
	gboolean ok = TRUE;

	fprintf(stderr, "# idle wakeups: %d s\n", bench->opt->idle_seconds);
	for (int m = 0; ok && m < BENCH_N_MONITORS; m++) {
		BenchCtr *c = bench_ctr_new(bench, (BenchMonitorId)m, sleeper, NULL);
		g_ptr_array_add(ctrs, c);
		ok = bench_ctr_create(c, NULL, "k8s", &error) && bench_ctr_start(c, &error);
	}
	if (ok)
		g_usleep(G_USEC_PER_SEC);
	for (int m = 0; ok && m < BENCH_N_MONITORS; m++) {
		BenchCtr *c = g_ptr_array_index(ctrs, m);
		ok = bench_proc_ctxt_switches(c->monitor_pid, &before[m], &error);
	}
	if (ok)
		g_usleep((gulong)bench->opt->idle_seconds * G_USEC_PER_SEC);
	for (int m = 0; ok && m < BENCH_N_MONITORS; m++) {
		BenchCtr *c = g_ptr_array_index(ctrs, m);
		guint64 after = 0;
		ok = bench_proc_ctxt_switches(c->monitor_pid, &after, &error);
		double d = (double)(after - before[m]);
		s[m] = g_array_new(FALSE, FALSE, sizeof(double));
		if (ok)
			g_array_append_val(s[m], d);
	}
	if (!stop_all(ctrs, ok ? &error : NULL))
		ok = FALSE;
	if (error != NULL)
		bench_table_error(bench->table, "idle wakeups: %s", error->message);
	g_autofree char *row =
		g_strdup_printf("idle wakeups: ctxt switches/%d s", bench->opt->idle_seconds);
	bench_table_add(bench->table, row, "count", s, (BenchTarget){ BENCH_TARGET_VALUE_MAX, 0 });
}
