/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

#include "container.h"
#include "monitor_args.h"

/*
 * CreateContainer (and restore). The record is written with status "creating" before the
 * monitor starts and updated once the runtime reported the pid, so a caller that dies at any
 * point leaves something the next call can reconcile (status.c) or delete.
 */

/*
 * EINVAL naming the first value of drivers (may be NULL) that is not "k8s-file[:PATH]",
 * "json-file[:PATH]", "journald", "passthrough" or "none".
 */
gboolean create_log_drivers_check(const char *const *drivers, GError **error);

/* EINVAL naming the first of the caller's fds 3 .. 3+n-1 that is not open. */
gboolean create_preserve_fds_check(guint n, GError **error);

/*
 * The monitor's -l values for o (the default: k8s-file in dir; "k8s-file" or "json-file"
 * without a path: that format in dir), and the log file `logs` reads with its driver
 * ("k8s-file"/"json-file"; NULL when none is a file). Relative paths are made absolute.
 */
char **create_log_drivers(const VigilCreateOptions *o, const char *dir, char **out_driver,
			  char **out_path);

/*
 * Tests only: VIGIL_DEBUG_CRASH_AT=<point> SIGKILLs the calling process at that point of a
 * create ("after-record", "after-spawn"), a start ("after-start": the runtime started it,
 * the record still says created) or a delete ("delete-before-retire": the runtime and the
 * monitor are gone, the directory is whole; "delete-after-retire": it is a tombstone), to
 * check that a controller killed mid-way leaves a container the next call can recover.
 */
void create_crash_point(const char *point);

/*
 * What the monitors of ctr and of its exec sessions share: its runtime (as runtime_cmd_for()
 * runs it), id, name and the log level. cuuid and the directories are the caller's to set.
 */
void create_monitor_args_base(VigilRuntime *rt, const VigilContainer *ctr, MonitorArgsBase *out);

/* The runtime's error for a failed create/exec: its JSON log in dir, else the monitor's
 * message. One line; never NULL. */
char *create_runtime_error(const char *dir, const char *monitor_message);

/* The VIGIL_ERROR code for that error: ENOEXEC when the process's executable was not found,
 * EACCES when it could not be executed (permission denied, a directory), else EIO. */
int create_runtime_error_code(const char *why);
