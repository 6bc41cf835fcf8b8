/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "sync_loop.h"

static void on_ready(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GAsyncResult **out = user_data;

	*out = g_object_ref(result);
}

GAsyncResult *sync_loop_run(SyncLoopStart start, gpointer data)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	GAsyncResult *result = NULL;

	g_main_context_push_thread_default(ctx);
	start(data, on_ready, &result);
	while (result == NULL)
		g_main_context_iteration(ctx, TRUE);
	g_main_context_pop_thread_default(ctx);
	return result;
}
