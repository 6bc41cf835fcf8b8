/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

#include "container.h"

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

/*
 * The monitor's -l values for o (the default: k8s-file in dir; "k8s-file" or "json-file"
 * without a path: that format in dir), and the log file `logs` reads with its driver
 * ("k8s-file"/"json-file"; NULL when none is a file). Relative paths are made absolute.
 */
char **create_log_drivers(const VigilCreateOptions *o, const char *dir, char **out_driver,
			  char **out_path);
