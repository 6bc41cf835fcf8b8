/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Exit files (docs/conmon-contract.md, "Exit files"): decimal status without a newline ("0", "137",
 * "-1"), mode 0644, written atomically (unpredictable temp file, rename) so podman's and CRI-O's
 * watchers only ever see complete content. Durability is a separate step, exit_file_sync(), so that
 * the engine learns of the exit without waiting for the disk (exit dirs normally live on tmpfs,
 * where fsync costs nothing anyway).
 */
gboolean exit_file_write(const char *dir, const char *name, int status, GError **error);

typedef enum {
	/* Skip O_TMPFILE and go straight to a random O_EXCL name (the path taken on
	 * filesystems without O_TMPFILE); for tests of that path. */
	EXIT_FILE_NO_TMPFILE = 1 << 0,
} ExitFileFlags;

/*
 * Replace dir/name atomically with a new file (mode 0644 less umask) holding data. The
 * directory may be shared with others: the content is written to an unnamed O_TMPFILE, or
 * where that is unsupported to a random name created O_EXCL, so no entry planted in the
 * directory is ever followed, opened or overwritten, and none can block the write; then
 * one rename() puts it at name, replacing what was there.
 */
gboolean exit_file_write_data(const char *dir, const char *name, const char *data, gsize len,
			      ExitFileFlags flags, GError **error);

/* fsync the file and its directory, so the exit survives a crash of the host. */
gboolean exit_file_sync(const char *dir, const char *name, GError **error);

/* Parse an exit file's content: optional surrounding whitespace, a decimal int. */
gboolean exit_file_parse(const char *buf, gsize len, int *out_status, GError **error);

/* Read and parse path. ENOENT is reported as VIGIL_ERROR/ENOENT so callers can wait. */
gboolean exit_file_read(const char *path, int *out_status, GError **error);

/* Create the empty "oom" marker in dir (podman reads <persist-dir>/oom). */
gboolean oom_file_create(const char *dir, GError **error);
