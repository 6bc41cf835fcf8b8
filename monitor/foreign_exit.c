/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "foreign_exit.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "error_util.h"
#include "fdutil.h"
#include "pidfd.h"
#include "source.h"

gboolean foreign_exit_is_our_child(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *stat = NULL;

	if (!g_file_get_contents(path, &stat, NULL, NULL))
		return TRUE; /* already gone (and reaped or about to be): nothing to watch */
	/* "pid (comm) state ppid ...": comm may contain anything, so parse after the last ')' */
	const char *p = strrchr(stat, ')');
	if (p == NULL)
		return TRUE;
	g_auto(GStrv) f = g_strsplit(p + 1, " ", 4);
	gint64 ppid;
	/* f: "", state, ppid, the rest */
	if (g_strv_length(f) < 3 || !g_ascii_string_to_signed(f[2], 10, 0, G_MAXINT, &ppid, NULL))
		return TRUE;
	return ppid == (gint64)getpid();
}

struct _ForeignExit {
	int fd;
	GSource *source;
	GSourceFunc on_exit;
	gpointer user_data;
};

static gboolean on_pidfd(int fd, GIOCondition cond, gpointer data)
{
	ForeignExit *w = data;

	/* on_exit may free w: nothing here touches w after the call */
	return w->on_exit(w->user_data);
}

ForeignExit *foreign_exit_new(GMainContext *ctx, pid_t pid, GSourceFunc on_exit, gpointer user_data,
			      GError **error)
{
	g_autoptr(ForeignExit) w = g_new0(ForeignExit, 1);

	w->fd = pidfd_open_pid(pid);
	if (w->fd < 0)
		return vigil_throw_errsv(error, -w->fd, "pidfd_open %d", (int)pid), NULL;
	w->source = g_unix_fd_source_new(w->fd, G_IO_IN);
	w->on_exit = on_exit;
	w->user_data = user_data;
	g_source_set_callback(w->source, G_SOURCE_FUNC(on_pidfd), w, NULL);
	g_source_set_static_name(w->source, "vigil-foreign-exit");
	g_source_attach(w->source, ctx);
	return g_steal_pointer(&w);
}

void foreign_exit_free(ForeignExit *watch)
{
	if (watch == NULL)
		return;
	source_drop(&watch->source);
	vigil_clear_fd(&watch->fd);
	g_free(watch);
}
