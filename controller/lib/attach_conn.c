/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"
#include "paths.h"
#include "state_dir.h"

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

gboolean attach_ctl_send(const char *dir, const char *line, const char *what, GError **error)
{
	g_autofree char *path = g_build_filename(dir, STATE_CTL, NULL);
	/* Non-blocking: ENXIO rather than a hang when no monitor reads the FIFO. One line is
	 * far below PIPE_BUF, so it goes in whole or not at all. */
	vigil_autofd int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return vigil_throw_errno(error, "%s: open '%s'", what, path);
	r = fd_write_all(fd, line, strlen(line), NULL);
	if (r < 0)
		return vigil_throw_errsv(error, -r, "%s: write '%s'", what, path);
	return TRUE;
}

gboolean attach_resize(const char *dir, guint rows, guint cols, GError **error)
{
	g_autofree char *line = g_strdup_printf("1 %u %u\n", rows, cols);

	return attach_ctl_send(dir, line, "resize", error);
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
