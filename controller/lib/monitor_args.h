/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

/*
 * The monitor's command line, built the way podman builds conmon's (docs/conmon-contract.md,
 * "Engine command lines") so that vigilmon and conmon both accept it.
 */
typedef struct {
	const char *runtime; /* path */
	const char *runtime_root;
	gboolean json_errors;  /* pass --log-format=json --log <dir>/runtime.log to the runtime */
	const char *log_level; /* NULL = the monitor's default */
	const char *cid;
	const char *cuuid; /* the container id, or the exec session id */
	const char *name;
	const char *dir; /* the monitor's bundle: the state or exec session directory */
	const char *exit_dir;
	const char *persist_dir;
} MonitorArgsBase;

/* Arguments (after argv[0]) for a container's monitor. log_drivers must be resolved (never
 * NULL). A GPtrArray of owned strings, NULL-terminated. */
GPtrArray *monitor_args_create(const MonitorArgsBase *base, const VigilCreateOptions *opts,
			       const char *const *log_drivers);

/* Arguments for an exec session's monitor: spec is the process.json path; attach adds
 * --exec-attach (and _OCI_ATTACHPIPE is expected). */
GPtrArray *monitor_args_exec(const MonitorArgsBase *base, const VigilExecOptions *opts,
			     const char *spec, gboolean attach);
