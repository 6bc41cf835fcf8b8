/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "attach_proto.h"
#include "container.h"
#include "detach_keys.h"
#include "error_util.h"
#include "exec_session.h"
#include "fdutil.h"
#include "paths.h"
#include "state_dir.h"

/* conmon's ConnSockBufSize: the most the monitor takes from one client read. */
#define INPUT_CHUNK VIGIL_ATTACH_INPUT_BUF

int attach_connect(const char *dir, GError **error)
{
	vigil_autofd int dfd = paths_open_dir(dir, error);
	vigil_autofd int sock = -1;
	struct sockaddr_un addr;
	socklen_t len;

	if (dfd < 0 || !paths_sockaddr_at(dfd, STATE_ATTACH, &addr, &len, error))
		return -1;
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, len) < 0) {
		vigil_throw_errno(error, "connect to '%s/%s'", dir, STATE_ATTACH);
		return -1;
	}
	(void)fd_set_nonblock(sock, TRUE);
	return g_steal_fd(&sock);
}

gboolean attach_resize(const char *dir, guint rows, guint cols, GError **error)
{
	g_autofree char *path = g_build_filename(dir, STATE_CTL, NULL);
	g_autofree char *line = g_strdup_printf("1 %u %u\n", rows, cols);
	/* Non-blocking: ENXIO rather than a hang when no monitor reads the FIFO. */
	vigil_autofd int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return vigil_throw_errno(error, "resize: open '%s'", path);
	r = fd_write_all(fd, line, strlen(line), NULL);
	if (r < 0)
		return vigil_throw_errsv(error, -r, "resize: write '%s'", path);
	return TRUE;
}

void attach_resize_from_tty(const char *dir, int tty_fd)
{
	struct winsize ws;
	g_autoptr(GError) local = NULL;

	if (ioctl(tty_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return;
	if (!attach_resize(dir, ws.ws_row, ws.ws_col, &local))
		g_debug("%s, ignoring", local->message);
}

typedef struct {
	int sock;
	const char *dir;
	const VigilAttachStreams *streams;
	const VigilResizeSource *resize;
	DetachKeys keys;
	GByteArray *pending; /* input not yet taken by the socket */
	gboolean input_done;
	gboolean output_done;
	gboolean detached;
} Attach;

/* One message from the monitor; FALSE on EOF. */
static gboolean read_output(Attach *a, GError **error)
{
	guint8 buf[VIGIL_ATTACH_MAX_PAYLOAD + 1];
	gssize n = recv(a->sock, buf, sizeof buf, 0);
	int fd = -1, r;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TRUE;
	if (n < 0 && errno != ECONNRESET)
		return vigil_throw_errno(error, "read the attach socket");
	if (n <= 0) {
		a->output_done = TRUE;
		return TRUE;
	}
	if (buf[0] == VIGIL_STREAM_STDOUT && a->streams->attach_output)
		fd = a->streams->output_fd;
	else if (buf[0] == VIGIL_STREAM_STDERR && a->streams->attach_error)
		fd = a->streams->error_fd;
	if (fd < 0 || n == 1)
		return TRUE;
	r = fd_write_all_blocking(fd, buf + 1, (gsize)n - 1);
	/* The local reader went away (a closed pipe): keep draining, the container decides. */
	if (r < 0 && r != -EPIPE)
		return vigil_throw_errsv(error, -r, "write the container's output");
	return TRUE;
}

static void end_input(Attach *a)
{
	a->input_done = TRUE;
	if (a->pending->len == 0)
		(void)shutdown(a->sock, SHUT_WR);
}

static gboolean read_input(Attach *a, GError **error)
{
	guint8 buf[8192];
	gssize n = fd_read_once(a->streams->input_fd, buf, sizeof buf);

	if (n == -EAGAIN)
		return TRUE;
	if (n < 0 && n != -EIO)
		return vigil_throw_errsv(error, (int)-n, "read the local input");
	if (n <= 0) {
		/* A trailing ctrl-p (say) was only held back in case ctrl-q followed. */
		detach_keys_flush(&a->keys, a->pending);
		end_input(a);
		return TRUE;
	}
	if (detach_keys_feed(&a->keys, buf, (gsize)n, a->pending))
		a->detached = TRUE;
	return TRUE;
}

static gboolean send_input(Attach *a, GError **error)
{
	gsize len = MIN(a->pending->len, INPUT_CHUNK);
	gssize n = send(a->sock, a->pending->data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TRUE;
	if (n < 0 && errno != EPIPE && errno != ECONNRESET)
		return vigil_throw_errno(error, "write the attach socket");
	if (n < 0) {
		/* The container's stdin is closed: nothing more can go in. */
		g_byte_array_set_size(a->pending, 0);
		a->input_done = TRUE;
		return TRUE;
	}
	g_byte_array_remove_range(a->pending, 0, (guint)n);
	if (a->pending->len == 0 && a->input_done)
		(void)shutdown(a->sock, SHUT_WR);
	return TRUE;
}

static void on_resize(Attach *a)
{
	char drain[512];

	/* A signalfd needs a buffer of at least one siginfo (128 bytes). */
	while (read(a->resize->notify_fd, drain, sizeof drain) > 0)
		;
	attach_resize_from_tty(a->dir, a->resize->tty_fd);
}

static gboolean loop(Attach *a, GError **error)
{
	while (!a->output_done && !a->detached) {
		gboolean want_input =
			a->streams->attach_input && !a->input_done && a->pending->len == 0;
		int notify = a->resize != NULL ? a->resize->notify_fd : -1;
		struct pollfd p[3] = {
			{ a->sock, POLLIN | (a->pending->len > 0 ? POLLOUT : 0), 0 },
			{ want_input ? a->streams->input_fd : -1, POLLIN, 0 },
			{ notify, POLLIN, 0 },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return vigil_throw_errno(error, "attach");
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !read_output(a, error))
			return FALSE;
		if ((p[0].revents & POLLOUT) && !send_input(a, error))
			return FALSE;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !read_input(a, error))
			return FALSE;
		if (p[2].revents & POLLIN)
			on_resize(a);
	}
	return TRUE;
}

gboolean attach_run(int sock, const char *dir, const VigilAttachStreams *streams,
		    const char *detach_keys, const VigilResizeSource *resize,
		    gboolean *out_detached, GError **error)
{
	g_autoptr(GByteArray) pending = g_byte_array_new();
	Attach a = {
		.sock = sock, .dir = dir, .streams = streams, .resize = resize, .pending = pending
	};
	gboolean ok;

	if (!detach_keys_parse(detach_keys, &a.keys, error))
		return FALSE;
	if (resize != NULL)
		attach_resize_from_tty(dir, resize->tty_fd);
	ok = loop(&a, error);
	/* What was typed before the detach keys still goes in. */
	if (ok && a.detached && a.pending->len > 0) {
		(void)fd_set_nonblock(sock, FALSE);
		(void)send(sock, a.pending->data, a.pending->len, MSG_NOSIGNAL);
	}
	if (out_detached != NULL)
		*out_detached = a.detached;
	return ok;
}

/* The directory of the container's (or session's) attach socket and ctl FIFO, checked to
 * be in a state that has them. */
static char *attach_dir(VigilRuntime *rt, const char *id, const char *session_id, gboolean start,
			GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(ExecSession) s = NULL;

	if (h == NULL)
		return NULL;
	if (session_id != NULL) {
		s = exec_session_load(h->ctr, session_id, error);
		if (s == NULL)
			return NULL;
		if (!exec_session_running(s)) {
			vigil_throw(error, EBUSY, "exec session '%s' has ended", session_id);
			return NULL;
		}
		return g_strdup(s->dir);
	}
	if (h->ctr->status == VIGIL_STATUS_STOPPED ||
	    (start && h->ctr->status != VIGIL_STATUS_CREATED)) {
		vigil_throw(error, EBUSY, "it is %s", vigil_status_to_string(h->ctr->status));
		return NULL;
	}
	return g_strdup(h->ctr->state_dir);
}

gboolean vigil_runtime_attach(VigilRuntime *rt, const char *id, const char *session_id,
			      const VigilAttachOptions *options, gboolean *out_detached,
			      GError **error)
{
	g_autofree char *dir = NULL;
	vigil_autofd int sock = -1;
	gboolean detached = FALSE;
	DetachKeys keys;

	g_return_val_if_fail(
		rt != NULL && id != NULL && options != NULL && options->streams != NULL, FALSE);
	/* The lock is not held while attached: that may last as long as the container. Bad
	 * detach keys are refused before anything happens (above all, before a start). */
	if (!detach_keys_parse(options->detach_keys, &keys, error) ||
	    (dir = attach_dir(rt, id, session_id, options->start, error)) == NULL ||
	    (sock = attach_connect(dir, error)) < 0) {
		g_prefix_error(error, "attach '%s': ", id);
		return FALSE;
	}
	/* Connected (and sized) before the start, like podman: no output is missed, and the
	 * first thing the container sees is the right terminal size. */
	if (options->start && options->resize != NULL)
		attach_resize_from_tty(dir, options->resize->tty_fd);
	if (options->start && !vigil_runtime_start_container(rt, id, error))
		return FALSE;
	if (!attach_run(sock, dir, options->streams, options->detach_keys, options->resize,
			&detached, error)) {
		g_prefix_error(error, "attach '%s': ", id);
		return FALSE;
	}
	if (out_detached != NULL)
		*out_detached = detached;
	return TRUE;
}

gboolean vigil_runtime_resize(VigilRuntime *rt, const char *id, const char *session_id, guint rows,
			      guint cols, GError **error)
{
	g_autofree char *dir = NULL;

	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	dir = attach_dir(rt, id, session_id, FALSE, error);
	if (dir == NULL || !attach_resize(dir, rows, cols, error)) {
		g_prefix_error(error, "resize '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
