/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

/* The runtime's checkpoint arguments (runc's CLI, what podman passes):
 *   checkpoint --image-path P --work-path W [--leave-running] [--tcp-established]
 *              [--file-locks] [--pre-dump] [--parent-path PP] ID
 * A NULL-terminated GPtrArray of owned strings. */
GPtrArray *checkpoint_args(const char *id, const char *work_path, const VigilCheckpointOptions *o);
