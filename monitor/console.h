/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Terminal mode: the socket passed to the runtime as --console-socket, on which runc/crun
 * send the PTY master with SCM_RIGHTS (docs/conmon-contract.md, "Console socket"). The socket lives
 * in a private 0700 directory under $TMPDIR and both are removed as soon as the master arrives, or
 * when the Console is freed (conmon leaks the socket when the runtime never connects).
 */
typedef struct _Console Console;

/* master is ours to keep; ONLCR is already set on it, as Kubernetes expects. */
typedef void (*ConsoleReadyFunc)(int master, gpointer user_data);

Console *console_new(GMainContext *ctx, ConsoleReadyFunc on_ready, gpointer user_data,
		     GError **error);
const char *console_socket_path(Console *console);

/* Without waiting: accept and receive if the runtime already sent the master (the runtime
 * may have exited before the main loop noticed). TRUE if the master has been delivered. */
gboolean console_try_receive(Console *console);

void console_free(Console *console);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Console, console_free)
