/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * A log file as the file drivers (k8s-file, json-file) write it: records batched into as few
 * write(2)s as possible, the size limits and rotation of docs/conmon-contract.md,
 * "Log size and rotation", and writes that fail (disk full) dropping records instead of stopping
 * anything.
 *
 * Records are written whole, in order, and never torn: a record that could only be written
 * in part is cut off the file again, so readers (podman logs, kubelet) only see complete
 * lines. Every driver's records end with '\n' and contain no other newline, which is what
 * lets the file find record boundaries without bookkeeping.
 */
typedef struct _LogFile LogFile;

typedef struct {
	const char *path;
	/* > 0: before a record would take the file past this, truncate (recreate) or rotate.
	 * A record larger than the limit is still written whole, into a fresh file. */
	gint64 size_max;
	/* > 0: once this many bytes were written (counting the file's size at open, across
	 * truncations and rotations), drop every further record (CRI-O's ExecSync cap). */
	gint64 global_size_max;
	gboolean rotate; /* rotate instead of truncating */
	int max_files;   /* backups to keep when rotating (>= 1) */
	/* if non-empty, the file's directory must be inside one of these, and the file must not
	 * be a symlink (checked at open, so nothing is ever written outside) */
	char *const *allowlist;
} LogFileOptions;

/* Open (create) the file for appending; the byte counters start at its current size. */
LogFile *log_file_open(const LogFileOptions *opts, GError **error);

/* Start a record of len bytes: FALSE if it must be dropped (global cap). May write what is
 * batched and rotate first. */
gboolean log_file_begin_record(LogFile *file, gsize len);

/* Add bytes of the current record. stable: data stays valid and unchanged until the next
 * log_file_flush() (container output in the driver's write call), so it is written from
 * where it is instead of being copied. */
void log_file_append(LogFile *file, const void *data, gsize len, gboolean stable);

/* Write everything batched. */
void log_file_flush(LogFile *file);

/* ctl "2": write what is batched, then recreate (truncate mode) or rotate the file. */
void log_file_reopen(LogFile *file);

/* fsync(2), for the end of the container (skipped with --no-sync-log). */
void log_file_sync(LogFile *file);

/* For stats: how often the file was reopened, truncated or rotated, and how many bytes of
 * records failed to reach it, since it was opened. */
guint64 log_file_rotations(const LogFile *file);
guint64 log_file_lost_bytes(const LogFile *file);

void log_file_free(LogFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LogFile, log_file_free)
