/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/runtime.h>

#include <glib.h>

#include "runtime_cmd.h"

/* Probe results: unknown until first asked (probe.c). */
typedef enum {
	PROBE_UNKNOWN = 0,
	PROBE_NO,
	PROBE_YES,
} ProbeResult;

struct _VigilRuntime {
	char *name; /* basename of path */
	char *path;
	char *root;
	char *runtime_root;
	char *monitor;
	char *monitor_log_level;

	GMutex probe_lock; /* guards the probe results, which are filled lazily */
	ProbeResult checkpoint;
	ProbeResult json_errors;
	ProbeResult no_cgroups;
	char *checkpoint_reason; /* why checkpointing is unavailable */
};

/* How to run the runtime for ctr: the runtime and --root it was created with (rt's when the
 * record does not say). */
void runtime_cmd_for(VigilRuntime *rt, const VigilContainer *ctr, RuntimeCmd *out);

/* Find a program: a path with '/' as given, else PATH plus the sbin directories a non-login
 * root shell may lack (Debian's runc is /usr/sbin/runc). NULL if not executable. */
char *runtime_find_program(const char *program);

/* Why checkpointing is unavailable (after vigil_runtime_supports_checkpoint() said no). */
char *runtime_checkpoint_unsupported_reason(VigilRuntime *rt);

/* The first line of `program --version`, or NULL. */
char *runtime_program_version(const char *program, gboolean join_lines);
