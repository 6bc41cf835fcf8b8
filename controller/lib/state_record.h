/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "container.h"

/*
 * state.json: the container record as a small JSON object (json-glib), keys in a fixed
 * order, times as RFC 3339 UTC. Written to a temporary file, fsync'd and renamed over the
 * old one, so a reader (list, or a process that died half-way) sees the old or the new
 * record, never a mix.
 */

/* The JSON text (pretty-printed, '\n'-terminated). */
char *state_record_to_json(const VigilContainer *ctr);

/* Parse text into a record for id whose state directory is state_dir. EPROTO if malformed. */
VigilContainer *state_record_parse(const char *text, gsize len, const char *id,
				   const char *state_dir, GError **error);

gboolean state_record_save(const VigilContainer *ctr, const char *path, GError **error);

/*
 * Load path. A missing record (the creator died between making the directory and writing
 * it) gives a bare record with status "creating", which the caller reconciles.
 */
VigilContainer *state_record_load(const char *path, const char *id, const char *state_dir,
				  GError **error);

/* Write data to path atomically: temp file in the same directory, fsync, rename. */
gboolean state_file_write_atomic(const char *path, const char *data, gsize len, int mode,
				 GError **error);
