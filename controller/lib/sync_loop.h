/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>
#include <glib.h>

/*
 * The blocking calls that have an _async twin (exec, attach) are that twin run to its end on
 * a private GMainContext: one implementation, and the caller's own main context (if any) is
 * not dispatched meanwhile.
 */

/* Starts the operation on the thread-default context, calling callback with user_data. */
typedef void (*SyncLoopStart)(gpointer data, GAsyncReadyCallback callback, gpointer user_data);

/* Push a new context as the thread-default one, call start, iterate it until the callback
 * ran, pop it. Returns the GAsyncResult for the _finish function (unref it). */
GAsyncResult *sync_loop_run(SyncLoopStart start, gpointer data);
