/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "logs/log_sink.h"
#include "streams.h"

/*
 * The ctl and winsz FIFOs in the bundle (docs/conmon-contract.md, "ctl and winsz FIFOs"): created
 * fresh (mode 0660 before the umask), read without blocking, with a write end of our own held open
 * so the read end never sees EOF or a flood of HUPs and writers never block in open(). They stay
 * after exit, as conmon leaves them.
 *
 * ctl "1 h w" and winsz "h w" set the PTY's window size (ignored without a terminal, where
 * conmon queues them into a FIFO nobody reads: docs/conmon-contract.md,
 * "What vigilmon does differently on purpose"); ctl "2 x y" reopens the logs. Malformed lines
 * are logged and ignored. The line grammar is common/ctl_msg.h.
 */
typedef struct _Ctl Ctl;

/* streams and logs must outlive the Ctl. */
Ctl *ctl_new(GMainContext *ctx, const char *bundle, Streams *streams, LogSinks *logs,
	     GError **error);

void ctl_free(Ctl *ctl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ctl, ctl_free)
