/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Container output that arrives while the runtime is still running, held back from the logs
 * and attach clients: it may be the runtime's own error, which belongs on the sync pipe only
 * (conmon reads no output before the runtime returned, so podman shows such an error once
 * and `podman logs` of a container that never started is empty).
 */
typedef struct _OutputHold OutputHold;

typedef void (*OutputHoldFunc)(int stream, const char *buf, gsize len, gpointer user_data);

OutputHold *output_hold_new(void);

/* Keep a copy of the chunk; FALSE (nothing kept) once the bound is reached: then the caller
 * releases what is held and passes output on directly, so nothing is ever lost. */
gboolean output_hold_add(OutputHold *hold, int stream, const char *buf, gsize len);

/* Hand everything held, in arrival order, to func and forget it. */
void output_hold_release(OutputHold *hold, OutputHoldFunc func, gpointer user_data);

void output_hold_free(OutputHold *hold);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OutputHold, output_hold_free)
