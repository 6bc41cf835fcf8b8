/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <time.h>

#include <glib.h>

/*
 * The small interface every log driver implements (one driver per file in monitor/logs/);
 * log_sink.c fans container output out to the configured ones. Nothing here fails: a driver
 * that cannot write says so once (log_failure.h) and keeps trying.
 */
typedef struct _LogDriver LogDriver;

/* What the drivers count, for the control socket's stats (docs/control.md, "stats"). */
typedef struct {
	guint64 dropped_bytes; /* of records a write failed to deliver (log_failure.h) */
	guint64 rotations;     /* log files reopened, truncated or rotated */
} LogStats;

typedef struct {
	/* One chunk of container output; now is the chunk's arrival time (one per chunk). */
	void (*write)(LogDriver *driver, int stream, const char *buf, gsize len,
		      const struct timespec *now);
	/* When the oldest line fragment the driver holds back started (monotonic µs), 0 if
	 * none (log_lines.h). */
	gint64 (*pending_since)(LogDriver *driver);
	/* Write held fragments that started before started_before (G_MAXINT64: all) as
	 * partial records. */
	void (*flush_pending)(LogDriver *driver, const struct timespec *now, gint64 started_before);
	/* ctl "2": reopen or rotate; NULL if the driver has nothing to reopen. */
	void (*reopen)(LogDriver *driver, const struct timespec *now);
	/* Container gone: write everything held, fsync if sync. */
	void (*flush)(LogDriver *driver, const struct timespec *now, gboolean sync);
	void (*free)(LogDriver *driver);
	/* Add the driver's counts to sum. */
	void (*stats)(LogDriver *driver, LogStats *sum);
} LogDriverOps;

struct _LogDriver {
	const LogDriverOps *ops;
};

/* The log options of the command line, all the drivers are given (module_config.c fills it
 * in from MonitorConfig). Strings are borrowed: they outlive the drivers' constructors. */
typedef struct {
	char **log_paths;    /* -l values, NULL-terminated */
	gint64 log_line_max; /* --log-line-max; 0: each driver's own */
	/* the file drivers (log_file.h, LogFileOptions) */
	gint64 log_size_max;        /* --log-size-max, -1 = none */
	gint64 log_global_size_max; /* --log-global-size-max, -1 = none */
	gboolean log_rotate;
	int log_max_files;
	char **log_allowlist_dirs;
	/* journald's fields */
	const char *cid;
	const char *name;
	const char *log_tag;
	char **log_labels;
	gboolean no_container_partial_message;
} LogConfig;

/*
 * The longest piece of a line a driver assembles into one record: --log-line-max, else the
 * driver's default. It bounds what one stream can make the monitor hold (log_lines.h), so
 * one endless line costs a few times this, not its length.
 */
static inline gsize log_driver_line_max(const LogConfig *cfg, gsize driver_default)
{
	return cfg->log_line_max > 0 ? (gsize)cfg->log_line_max : driver_default;
}

LogDriver *k8s_file_driver_new(const LogConfig *cfg, const char *path, GError **error);
LogDriver *json_file_driver_new(const LogConfig *cfg, const char *path, GError **error);
/* Checks --cid length and loads libsystemd: errors are conmon's (docs/conmon-contract.md,
 * "Option errors", step 12). */
LogDriver *journald_driver_new(const LogConfig *cfg, GError **error);
