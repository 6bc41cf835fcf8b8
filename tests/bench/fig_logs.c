/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "bench.h"
#include "error_util.h"

/*
 * k8s-file log throughput: the container cats a file (busybox cat is far faster than
 * either monitor, so the monitor is the bottleneck) to stdout; the clock runs from just
 * before `runc start` to the exit file, which each monitor writes only after it drained the
 * pipe, wrote the last record and (without --no-sync-log) fsynced the log. MB/s is
 * container output (10^6 bytes) over that time. The monitor's own CPU time (user+sys,
 * children excluded) is read from its zombie before it is reaped.
 *
 * Then the log is read back: P records joined, F records ending lines, the result must be
 * the container's output byte for byte (SHA-256) and line for line.
 */

#define WAIT_MS 300000

typedef struct {
	const BenchData *data;
	gboolean no_sync;
	guint64 records[BENCH_N_MONITORS];
	guint64 log_bytes[BENCH_N_MONITORS];
} LogRun;

static gboolean bench_run_logs(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
			       GError **error)
{
	LogRun *run = data;
	g_autoptr(BenchCtr) c = bench_ctr_new(
		bench, mon, (const char *const[]){ "cat", "/data", NULL }, run->data->path);
	g_autoptr(BenchWatch) w = bench_watch_new(c->exit_dir, error);
	int status = -1;
	double cpu = 0;

	c->no_sync_log = c->no_sync_log || run->no_sync;
	if (w == NULL || !bench_ctr_create(c, NULL, "k8s", error))
		return FALSE;
	gint64 t0 = g_get_monotonic_time();
	if (!bench_ctr_start(c, error))
		return FALSE;
	gint64 t1 = bench_watch_wait(w, c->b->id, WAIT_MS);
	if (t1 < 0)
		return vigil_throw(error, ETIMEDOUT, "%s: no exit file", c->mon->name);
	if (!bench_ctr_exit_status(c, WAIT_MS, &status, error) ||
	    !bench_ctr_wait_monitor(c, WAIT_MS, &cpu, error))
		return FALSE;
	if (status != 0)
		return vigil_throw(error, EPROTO, "%s: exit status %d, want 0", c->mon->name,
				   status);
	if (!bench_data_check_k8s_log(run->data, c->log_path, &run->records[mon], error)) {
		g_prefix_error(error, "%s: ", c->mon->name);
		return FALSE;
	}
	g_autoptr(GMappedFile) log = g_mapped_file_new(c->log_path, FALSE, NULL);
	run->log_bytes[mon] = log != NULL ? g_mapped_file_get_length(log) : 0;
	v[0] = ((double)run->data->bytes / 1e6) / ((double)(t1 - t0) / 1e6);
	v[1] = cpu;
	return TRUE;
}

/*
 * Both monitors fsync the log at the container's exit, so with the default options the
 * figure includes writing the whole log to this machine's disk: the "no log sync" rows
 * (--no-sync-log for both) are the monitors' own speed.
 */
void bench_fig_logs(Bench *bench, const BenchData *data, const char *label)
{
	GArray *s[2][BENCH_N_MONITORS] = { { NULL } };
	GArray *n[2][BENCH_N_MONITORS] = { { NULL } };
	LogRun run = { .data = data };
	const char *suffix = bench->opt->no_sync_log ? ", no log sync" : "";
	g_autofree char *fig = g_strdup_printf("k8s-file %s%s", label, suffix);
	g_autofree char *rate = g_strdup_printf("k8s-file %s%s: MB/s", label, suffix);
	g_autofree char *cpu = g_strdup_printf("k8s-file %s: monitor CPU", label);

	bench_interleave(bench, fig, bench->opt->reps, 2, bench_run_logs, &run, s);
	bench_table_add(bench->table, rate, "MB/s", s[0],
			(BenchTarget){ BENCH_TARGET_RATIO_MIN, 3.0 });
	bench_table_add(bench->table, cpu, "s", s[1], BENCH_NO_TARGET);
	bench_table_note(bench->table,
			 "%s: %" G_GUINT64_FORMAT " bytes in %" G_GUINT64_FORMAT
			 " lines of output; every log checked exactly; conmon %" G_GUINT64_FORMAT
			 " records / %" G_GUINT64_FORMAT " bytes, vigilmon %" G_GUINT64_FORMAT
			 " records / %" G_GUINT64_FORMAT " bytes",
			 fig, data->bytes, data->lines, run.records[BENCH_CONMON],
			 run.log_bytes[BENCH_CONMON], run.records[BENCH_VIGILMON],
			 run.log_bytes[BENCH_VIGILMON]);
	if (bench->opt->no_sync_log)
		return;

	g_autofree char *nfig = g_strdup_printf("k8s-file %s, no log sync", label);
	g_autofree char *nrate = g_strdup_printf("k8s-file %s, no log sync: MB/s", label);
	run.no_sync = TRUE;
	bench_interleave(bench, nfig, bench->opt->reps, 2, bench_run_logs, &run, n);
	bench_table_add(bench->table, nrate, "MB/s", n[0],
			(BenchTarget){ BENCH_TARGET_RATIO_MIN, 3.0 });
	g_array_unref(n[1][BENCH_CONMON]);
	g_array_unref(n[1][BENCH_VIGILMON]);
}
