/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Capability names as `--cap-add` takes them: the kernel's CAP_* names (capabilities(7)),
 * with or without the CAP_ prefix, in any case, as podman takes them.
 */

/* TRUE if name is one; else EINVAL naming it. */
gboolean capability_check(const char *name, GError **error);
