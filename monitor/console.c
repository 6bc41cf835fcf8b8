/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "console.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "cmsg.h"
#include "error_util.h"
#include "fdutil.h"
#include "listener.h"
#include "source.h"

struct _Console {
	GMainContext *ctx;
	ConsoleReadyFunc on_ready;
	gpointer user_data;
	char *dir;
	char *path;
	int listen_fd;
	Listener *listener;
	int conn_fd;
	GSource *conn_source;
	gboolean delivered;
};

static void remove_socket_files(Console *c)
{
	if (c->path != NULL)
		(void)unlink(c->path);
	if (c->dir != NULL)
		(void)rmdir(c->dir);
	g_clear_pointer(&c->path, g_free);
	g_clear_pointer(&c->dir, g_free);
}

static void stop_listening(Console *c)
{
	g_clear_pointer(&c->listener, listener_free);
	vigil_clear_fd(&c->listen_fd);
	remove_socket_files(c);
}

static void finish(Console *c)
{
	stop_listening(c);
	source_drop(&c->conn_source);
	vigil_clear_fd(&c->conn_fd);
}

static void set_onlcr(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0) {
		g_warning("tcgetattr on the console: %s, ignoring", g_strerror(errno));
		return;
	}
	t.c_oflag |= ONLCR;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		g_warning("tcsetattr on the console: %s, ignoring", g_strerror(errno));
}

/* TRUE when done with this connection (delivered or failed), FALSE to wait for more. */
static gboolean receive(Console *c)
{
	g_autoptr(GError) error = NULL;
	int master = cmsg_recv_fd(c->conn_fd, NULL, &error);

	if (master < 0) {
		if (g_error_matches(error, VIGIL_ERROR, EAGAIN))
			return FALSE;
		g_warning("Failed to receive console file descriptor: %s", error->message);
		source_drop(&c->conn_source);
		vigil_clear_fd(&c->conn_fd);
		return TRUE;
	}
	set_onlcr(master);
	c->delivered = TRUE;
	finish(c);
	c->on_ready(master, c->user_data);
	return TRUE;
}

static gboolean on_conn(int fd, GIOCondition cond, gpointer data)
{
	Console *c = data;

	if (receive(c)) {
		/* finish()/receive() already dropped the source */
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

/* One runtime, one terminal: stop listening and take the path away. */
static void take_conn(Console *c, int fd)
{
	c->conn_fd = fd;
	stop_listening(c);
}

static void on_accept(int fd, gpointer data)
{
	Console *c = data;

	take_conn(c, fd);
	if (receive(c))
		return;
	c->conn_source = g_unix_fd_source_new(c->conn_fd, G_IO_IN);
	g_source_set_callback(c->conn_source, G_SOURCE_FUNC(on_conn), c, NULL);
	g_source_set_static_name(c->conn_source, "vigil-console-conn");
	g_source_attach(c->conn_source, c->ctx);
}

Console *console_new(GMainContext *ctx, ConsoleReadyFunc on_ready, gpointer user_data,
		     GError **error)
{
	g_autoptr(Console) c = g_new0(Console, 1);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	c->ctx = ctx;
	c->on_ready = on_ready;
	c->user_data = user_data;
	c->listen_fd = -1;
	c->conn_fd = -1;
	c->dir = g_build_filename(g_get_tmp_dir(), "vigil-term.XXXXXX", NULL);
	if (g_mkdtemp_full(c->dir, 0700) == NULL) {
		g_clear_pointer(&c->dir, g_free);
		return vigil_throw_errno(error, "create console socket directory"), NULL;
	}
	c->path = g_build_filename(c->dir, "console.sock", NULL);
	if (strlen(c->path) >= sizeof addr.sun_path)
		return vigil_throw(error, ENAMETOOLONG, "console socket path '%s' is too long",
				   c->path),
		       NULL;
	memcpy(addr.sun_path, c->path, strlen(c->path) + 1);

	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0)
		return vigil_throw_errno(error, "console socket"), NULL;
	if (bind(c->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		return vigil_throw_errno(error, "bind console socket '%s'", c->path), NULL;
	if (listen(c->listen_fd, 128) < 0)
		return vigil_throw_errno(error, "listen on console socket '%s'", c->path), NULL;

	c->listener =
		listener_new(ctx, c->listen_fd, "vigil-console", "console socket", on_accept, c);
	return g_steal_pointer(&c);
}

const char *console_socket_path(Console *console)
{
	return console->path;
}

gboolean console_try_receive(Console *console)
{
	if (console->delivered)
		return TRUE;
	if (console->conn_fd < 0) {
		int fd = console->listener != NULL ? listener_accept(console->listener) : -1;
		if (fd < 0)
			return FALSE;
		take_conn(console, fd);
	}
	receive(console);
	return console->delivered;
}

void console_free(Console *console)
{
	if (console == NULL)
		return;
	finish(console);
	g_free(console);
}
