/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "bench.h"
#include "error_util.h"

/*
 * Scale: N containers, each with its monitor, all alive at once, created one after the
 * other the way an engine starts a pod or a node's workload (create, read the sync pipe,
 * runc start). Figures: the wall time of creating all N, the PSS and RSS totals of the N
 * monitors, and afterwards every container's exit code, which is different per container:
 * each traps SIGUSR1 and exits with its own code, so a mixed-up or lost exit file shows.
 * All N share one exit directory, as podman's containers do.
 */

#define WAIT_MS   120000
#define SETTLE_US (1000 * 1000)

typedef struct {
	int correct[BENCH_N_MONITORS];
} ScaleRun;

static int expected_code(guint i)
{
	return 1 + (int)(i % 250);
}

static gboolean bench_run_scale(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				GError **error)
{
	ScaleRun *run = data;
	int n = bench->opt->scale_count;
	g_autoptr(GPtrArray) ctrs = g_ptr_array_new_with_free_func((GDestroyNotify)bench_ctr_free);
	g_autofree char *exit_dir = g_strdup_printf("%s/scale-exits-XXXXXX", testlib_root());
	guint64 pss = 0, rss = 0;
	gboolean ok = TRUE;

	if (g_mkdtemp(exit_dir) == NULL)
		return vigil_throw_errno(error, "mkdtemp %s", exit_dir);
	fprintf(stderr, "# scale: %s: %d bundles\n", bench->mon[mon].name, n);
	for (int i = 0; i < n; i++) {
		g_autofree char *script = g_strdup_printf(
			"trap 'exit %d' USR1; sleep 100000 & wait", expected_code((guint)i));
		const char *argv[] = { "sh", "-c", script, NULL };
		g_ptr_array_add(ctrs, bench_ctr_new(bench, mon, argv, NULL));
	}
	fprintf(stderr, "# scale: %s: starting %d containers\n", bench->mon[mon].name, n);
	gint64 t0 = g_get_monotonic_time();
	for (guint i = 0; ok && i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		ok = bench_ctr_create(c, exit_dir, "k8s", error) && bench_ctr_start(c, error);
	}
	gint64 t1 = g_get_monotonic_time();
	if (ok)
		g_usleep(SETTLE_US);
	for (guint i = 0; ok && i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		guint64 p = 0, r = 0;
		ok = bench_proc_mem(c->monitor_pid, &p, &r, error);
		pss += p;
		rss += r;
	}
	/* Stop them all (the ones that started, if something failed), then check. */
	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		if (c->ctr_pid > 0)
			(void)kill(c->ctr_pid, ok ? SIGUSR1 : SIGKILL);
	}
	run->correct[mon] = 0;
	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		g_autoptr(GError) local = NULL;
		int status = G_MININT;
		if (c->ctr_pid <= 0 || c->monitor_pid <= 0)
			continue;
		if (bench_ctr_exit_status(c, WAIT_MS, &status, &local) &&
		    status == expected_code(i))
			run->correct[mon]++;
		else if (ok && local != NULL)
			bench_table_error(bench->table, "scale: %s: %s", bench->mon[mon].name,
					  local->message);
		else if (ok)
			bench_table_error(bench->table,
					  "scale: %s: container %u exited %d, want %d",
					  bench->mon[mon].name, i, status, expected_code(i));
		g_clear_error(&local);
		if (!bench_ctr_wait_monitor(c, WAIT_MS, NULL, &local))
			bench_table_error(bench->table, "scale: %s", local->message);
	}
	fprintf(stderr, "# scale: %s: removing %d containers\n", bench->mon[mon].name, n);
	g_clear_pointer(&ctrs, g_ptr_array_unref);
	const char *rm[] = { "rm", "-rf", exit_dir, NULL };
	(void)testlib_run(rm, NULL, NULL, NULL);
	if (!ok)
		return FALSE;
	v[0] = (double)(t1 - t0) / 1e6;
	v[1] = (double)pss / 1024.0;
	v[2] = (double)rss / 1024.0;
	v[3] = run->correct[mon];
	return TRUE;
}

void bench_fig_scale(Bench *bench)
{
	GArray *s[4][BENCH_N_MONITORS] = { { NULL } };
	ScaleRun run = { { 0 } };
	int n = bench->opt->scale_count;
	g_autofree char *fig = g_strdup_printf("scale, %d containers", n);
	g_autofree char *create = g_strdup_printf("scale %d: create+start all", n);
	g_autofree char *pss = g_strdup_printf("scale %d: monitors' PSS total", n);
	g_autofree char *rss = g_strdup_printf("scale %d: monitors' RSS total", n);
	g_autofree char *codes = g_strdup_printf("scale %d: exit codes correct", n);

	bench_interleave(bench, fig, 1, 4, bench_run_scale, &run, s);
	bench_table_add(bench->table, create, "s", s[0], BENCH_NO_TARGET);
	bench_table_add(bench->table, pss, "MiB", s[1], BENCH_NO_TARGET);
	bench_table_add(bench->table, rss, "MiB", s[2], BENCH_NO_TARGET);
	bench_table_add(bench->table, codes, "count", s[3], BENCH_NO_TARGET);
}
