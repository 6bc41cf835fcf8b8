/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "listener.h"

#include <errno.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "source.h"

struct _Listener {
	GMainContext *ctx;
	int fd; /* the caller's */
	const char *name;
	const char *what;
	char *retry_name;
	ListenerAcceptFunc on_accept;
	gpointer user_data;
	GSource *watch; /* NULL while resting */
	GSource *retry; /* set while resting */
	guint rest_ms;  /* the length of the current rest, or of the next one */
};

static void watch(Listener *l);

static gboolean on_retry(gpointer data)
{
	Listener *l = data;

	g_clear_pointer(&l->retry, g_source_unref);
	watch(l);
	return G_SOURCE_REMOVE;
}

/* The kernel is short of something a new connection needs: trying again at once fails the
 * same way. */
static gboolean is_shortage(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void rest(Listener *l, int err)
{
	source_drop(&l->watch);
	if (l->retry == NULL) {
		if (l->rest_ms == 0)
			l->rest_ms = LISTENER_RETRY_MIN_MS;
		else
			l->rest_ms = MIN(l->rest_ms * 2, LISTENER_RETRY_MAX_MS);
		l->retry = g_timeout_source_new(l->rest_ms);
		g_source_set_callback(l->retry, on_retry, l, NULL);
		g_source_set_name(l->retry, l->retry_name);
		g_source_attach(l->retry, l->ctx);
	}
	g_warning("accept on the %s: %s, pausing for %u ms", l->what, g_strerror(err), l->rest_ms);
}

int listener_accept(Listener *listener)
{
	for (;;) {
		int fd = accept4(listener->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			listener->rest_ms = 0;
			return fd;
		}
		/* An aborted connection is gone from the queue: the next one may be there. */
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (is_shortage(errno))
			rest(listener, errno);
		else if (errno != EAGAIN)
			g_warning("accept on the %s: %s, ignoring", listener->what,
				  g_strerror(errno));
		return -1;
	}
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	Listener *l = data;
	int conn = listener_accept(l);

	/* The callback may free l: nothing touches it after. A rest dropped the watch already,
	 * so what is returned only matters while watching. */
	if (conn >= 0)
		l->on_accept(conn, l->user_data);
	return G_SOURCE_CONTINUE;
}

static void watch(Listener *l)
{
	l->watch = g_unix_fd_source_new(l->fd, G_IO_IN);
	g_source_set_callback(l->watch, G_SOURCE_FUNC(on_readable), l, NULL);
	g_source_set_static_name(l->watch, l->name);
	g_source_attach(l->watch, l->ctx);
}

Listener *listener_new(GMainContext *ctx, int listen_fd, const char *name, const char *what,
		       ListenerAcceptFunc on_accept, gpointer user_data)
{
	Listener *l = g_new0(Listener, 1);

	l->ctx = ctx;
	l->fd = listen_fd;
	l->name = name;
	l->what = what;
	l->retry_name = g_strconcat(name, "-retry", NULL);
	l->on_accept = on_accept;
	l->user_data = user_data;
	watch(l);
	return l;
}

void listener_resume(Listener *listener)
{
	if (listener == NULL || listener->retry == NULL)
		return;
	source_drop(&listener->retry);
	watch(listener);
}

void listener_free(Listener *listener)
{
	if (listener == NULL)
		return;
	source_drop(&listener->watch);
	source_drop(&listener->retry);
	g_free(listener->retry_name);
	g_free(listener);
}
