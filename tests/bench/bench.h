/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include <glib.h>

#include "testlib.h"

/*
 * vigil-bench: vigilmon and Debian's conmon on the same work, interleaved, one process.
 * Each figure runs both monitors on identical fresh bundles, alternating which goes first,
 * and adds one row (median, min, max per monitor, and the vigil/conmon ratio) to the table.
 */

typedef enum {
	BENCH_CONMON,
	BENCH_VIGILMON,
	BENCH_N_MONITORS,
} BenchMonitorId;

typedef struct {
	const char *name; /* "conmon", "vigilmon" */
	char *path;
} BenchMonitor;

typedef struct {
	int reps;          /* repetitions of each per-container figure, per monitor */
	int mib;           /* container output for the log and attach figures */
	int idle_count;    /* idle containers for the memory total */
	int idle_seconds;  /* window for the idle-wakeup figure */
	int scale_count;   /* containers at once for the scale figure */
	int release_count; /* containers released at once for the release figure */
	int exec_count;    /* concurrent exec sessions for the exec figure */
	int burst_reps;    /* repetitions of the release and exec figures, per monitor */
	gboolean no_sync_log;
	char *log_dir; /* k8s-file logs go here (NULL: next to each bundle) */
	char *run_dir; /* exit and persist dirs go under here (podman: /run/libpod, tmpfs) */
} BenchOptions;

typedef struct _BenchTable BenchTable;

typedef struct {
	const BenchOptions *opt;
	BenchMonitor mon[BENCH_N_MONITORS];
	BenchTable *table;
	char *work;     /* data files shared by the bundles */
	char *run_root; /* a private directory in opt->run_dir */
} Bench;

/* Which monitor runs in the slot-th place of repetition rep: alternate, conmon first. */
static inline BenchMonitorId bench_order(int rep, int slot)
{
	return (BenchMonitorId)((rep + slot) % BENCH_N_MONITORS);
}

/* ---- bench_stats.c: samples and the result table ---- */

typedef enum {
	BENCH_TARGET_NONE,
	BENCH_TARGET_RATIO_MAX,   /* vigil/conmon <= value */
	BENCH_TARGET_RATIO_MIN,   /* vigil/conmon >= value */
	BENCH_TARGET_VALUE_BELOW, /* vigil median < value */
	BENCH_TARGET_VALUE_MAX,   /* vigil median <= value */
} BenchTargetKind;

typedef struct {
	BenchTargetKind kind;
	double value;
} BenchTarget;

#define BENCH_NO_TARGET ((BenchTarget){ BENCH_TARGET_NONE, 0 })

BenchTable *bench_table_new(void);
void bench_table_free(BenchTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchTable, bench_table_free)

/* One row: samples[BENCH_CONMON] and samples[BENCH_VIGILMON] are GArrays of double (taken,
 * and set to NULL). A NULL or empty array prints "-" (every run failed: see the notes). */
void bench_table_add(BenchTable *t, const char *figure, const char *unit, GArray **samples,
		     BenchTarget target);
/* A line printed under the table (sizes, checks done). */
void bench_table_note(BenchTable *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The same for something that went wrong: the run's exit status becomes 1. */
void bench_table_error(BenchTable *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gboolean bench_table_failed(BenchTable *t);
void bench_table_print(BenchTable *t, FILE *out);

double bench_median(GArray *a);

/* ---- bench_ctr.c: one container under one monitor ---- */

typedef struct {
	TestBundle *b;
	const BenchMonitor *mon;
	TestMonitor *tm;
	char *run_dir; /* run_root/<id>: exits/ and persist/ (podman's tmpdir layout) */
	char *exit_dir;
	char *persist_dir;
	char *log_path; /* where a k8s-file log goes */
	gboolean no_sync_log;
	pid_t monitor_pid;
	pid_t ctr_pid;
	gboolean reaped; /* monitor pid reaped: never signal it again */
} BenchCtr;

/* A fresh bundle running argv with the file data (if not NULL) linked in as /data. */
BenchCtr *bench_ctr_new(Bench *bench, BenchMonitorId mon, const char *const *argv,
			const char *data);
/*
 * Start the monitor the way podman does (API 1, --full-attach, podman's argv shape) and
 * read the container pid from the sync pipe. exit_dir NULL: keep c->exit_dir, run_dir/exits. log:
 * "k8s" for a k8s-file log (in opt->log_dir or next to the bundle), otherwise a -l value.
 */
gboolean bench_ctr_create(BenchCtr *c, const char *exit_dir, const char *log, GError **error);
/* runc start. */
gboolean bench_ctr_start(BenchCtr *c, GError **error);
/* The container's exit status from its exit file (waits up to timeout_ms). */
gboolean bench_ctr_exit_status(BenchCtr *c, int timeout_ms, int *out_status, GError **error);
/* Wait for the monitor to exit; its own user+sys CPU seconds (read while it is a zombie,
 * children excluded) in *out_cpu if not NULL. */
gboolean bench_ctr_wait_monitor(BenchCtr *c, int timeout_ms, double *out_cpu, GError **error);
/* runc delete -f, stop the monitor if still there, remove the bundle. */
void bench_ctr_free(BenchCtr *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchCtr, bench_ctr_free)

/* Watch a directory for a file being renamed into it or closed after writing. */
typedef struct _BenchWatch BenchWatch;
BenchWatch *bench_watch_new(const char *dir, GError **error);
void bench_watch_free(BenchWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchWatch, bench_watch_free)
/* CLOCK_MONOTONIC microseconds when name was seen (at once if it already exists), or -1 on
 * timeout. Blocks in read(2) on the inotify fd, so it wakes as soon as the event lands. */
gint64 bench_watch_wait(BenchWatch *w, const char *name, int timeout_ms);
/* The same, also stamping in *out_exited the moment the process behind pidfd (a pidfd_open
 * fd, any process) has exited. Both are stamped by the same poll(2) loop. */
gint64 bench_watch_wait_pidfd(BenchWatch *w, const char *name, int pidfd, gint64 *out_exited,
			      int timeout_ms);

/* ---- bench_proc.c: what /proc says about a process ---- */

/* Pss and Rss in kB from /proc/pid/smaps_rollup. */
gboolean bench_proc_mem(pid_t pid, guint64 *out_pss_kb, guint64 *out_rss_kb, GError **error);
/* Voluntary + non-voluntary context switches summed over the process's threads. */
gboolean bench_proc_ctxt_switches(pid_t pid, guint64 *out, GError **error);
/* CPU time (user+sys) in seconds of a process's main thread, from /proc/pid/schedstat. */
gboolean bench_proc_cpu(pid_t pid, double *out_seconds, GError **error);
/* Block until pid (our child) exits or timeout_ms passes, without reaping it. */
gboolean bench_proc_wait_exit_nowait(pid_t pid, int timeout_ms, GError **error);

/* ---- bench_data.c: container output and its k8s-file log ---- */

typedef struct {
	char *path;
	guint64 bytes;
	guint64 lines;
	char *sha256;
} BenchData;

/* mib MiB of printable pseudo-random lines of line_bytes bytes each (newline included),
 * written once to dir/name. */
BenchData *bench_data_new(const char *dir, const char *name, int mib, gsize line_bytes,
			  GError **error);
void bench_data_free(BenchData *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchData, bench_data_free)

/* Rebuild stdout from a k8s-file log (P records joined, F records end a line) and compare
 * with d byte for byte (via SHA-256) and line for line. *out_records: log records. */
gboolean bench_data_check_k8s_log(const BenchData *d, const char *log_path, guint64 *out_records,
				  GError **error);

/* ---- bench.c ---- */

/* One run of a figure on monitor mon; fills values[0..n_values-1]. */
typedef gboolean (*BenchRunFunc)(Bench *bench, BenchMonitorId mon, gpointer data, double *values,
				 GError **error);
/* reps runs per monitor, alternating which monitor goes first; out[i][mon] gets the i-th
 * value of every successful run. A failed run becomes a note and is left out. */
void bench_interleave(Bench *bench, const char *figure, int reps, guint n_values, BenchRunFunc fn,
		      gpointer data, GArray *out[][BENCH_N_MONITORS]);

/* ---- figures (fig_*.c) ---- */

void bench_fig_lifecycle(Bench *bench);
void bench_fig_exit_latency(Bench *bench);
void bench_fig_flood_exit(Bench *bench);
void bench_fig_logs(Bench *bench, const BenchData *data, const char *label);
void bench_fig_attach(Bench *bench, const BenchData *data, int clients);
void bench_fig_memory(Bench *bench);
void bench_fig_idle_wakeups(Bench *bench);
void bench_fig_scale(Bench *bench);
void bench_fig_release(Bench *bench);
void bench_fig_exec(Bench *bench);
void bench_fig_wait(Bench *bench);
