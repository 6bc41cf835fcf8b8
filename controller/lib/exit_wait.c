/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exit_wait.h"

#include <errno.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "error_util.h"
#include "exit_file.h"
#include "fdutil.h"
#include "proc.h"

gint64 exit_wait_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

gboolean exit_wait_drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	gssize n;

	while ((n = fd_read_once(fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				return FALSE;
			p += sizeof(*ev) + ev->len;
		}
	}
	return TRUE;
}

int exit_wait_watch(const char *dir, GError **error)
{
	vigil_autofd int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (ifd < 0)
		return vigil_throw_errno(error, "inotify"), -1;
	if (inotify_add_watch(ifd, dir,
			      IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
				      IN_MOVE_SELF) < 0)
		return vigil_throw_errno(error, "watch '%s'", dir), -1;
	return g_steal_fd(&ifd);
}

gboolean exit_wait_for_file(const char *dir, const char *name, pid_t monitor_pid,
			    guint64 monitor_start, gint64 deadline, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	vigil_autofd int ifd = exit_wait_watch(dir, error);
	vigil_autofd int pidfd = -1;
	gboolean monitor_gone = monitor_pid <= 0;

	if (ifd < 0)
		return FALSE;
	if (!monitor_gone) {
		pidfd = proc_pidfd_open(monitor_pid, monitor_start);
		monitor_gone = pidfd < 0;
	}
	for (;;) {
		struct pollfd p[2] = { { ifd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		int timeout, r;

		if (g_file_test(path, G_FILE_TEST_EXISTS))
			return TRUE;
		if (monitor_gone)
			return vigil_throw(error, ESRCH, "the monitor exited without writing '%s'",
					   path);
		timeout = proc_poll_timeout(deadline);
		r = poll(p, pidfd >= 0 ? 2 : 1, timeout);
		if (r < 0 && errno != EINTR)
			return vigil_throw_errno(error, "wait for '%s'", path);
		if (r == 0 && timeout == 0)
			return vigil_throw(error, ETIMEDOUT, "timed out waiting for '%s'", path);
		if ((p[0].revents & POLLIN) && !exit_wait_drain(ifd))
			return vigil_throw(error, ENOENT, "'%s' was removed", dir);
		/* Checked once more above before giving up: the file comes before the exit. */
		if (p[1].revents & (POLLIN | POLLHUP))
			monitor_gone = TRUE;
	}
}

gboolean exit_wait(const char *dir, const char *name, pid_t monitor_pid, guint64 monitor_start,
		   gint64 deadline, int *out_status, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	if (!exit_wait_for_file(dir, name, monitor_pid, monitor_start, deadline, error))
		return FALSE;
	return exit_file_read(path, out_status, error);
}
