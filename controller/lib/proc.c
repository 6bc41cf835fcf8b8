/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "proc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>

#include "fdutil.h"

/* The fields after "(comm)" of /proc/<pid>/stat, split on spaces; comm may hold anything,
 * so the split starts after its last ')'. Field 4 (ppid) is index 1, field 22 index 19. */
static char **stat_fields(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	char *end;

	if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	end = strrchr(text, ')');
	if (end == NULL || end[1] != ' ')
		return NULL;
	return g_strsplit(end + 2, " ", -1);
}

guint64 proc_start_time(pid_t pid)
{
	g_auto(GStrv) f = stat_fields(pid);

	if (f == NULL || g_strv_length(f) < 20)
		return 0;
	return g_ascii_strtoull(f[19], NULL, 10);
}

pid_t proc_parent(pid_t pid)
{
	g_auto(GStrv) f = stat_fields(pid);
	gint64 ppid = 0;

	if (f == NULL || g_strv_length(f) < 2 ||
	    !g_ascii_string_to_signed(f[1], 10, 0, G_MAXINT, &ppid, NULL))
		return 0;
	return (pid_t)ppid;
}

int proc_pidfd_open(pid_t pid, guint64 start_time)
{
	vigil_autofd int fd = -1;

	if (pid <= 0)
		return -1;
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return -1;
	/* Checked after opening: from here on the pidfd pins this very process. */
	if (start_time != 0 && proc_start_time(pid) != start_time)
		return -1;
	/* pidfds are born close-on-exec. */
	return g_steal_fd(&fd);
}

gboolean proc_pidfd_alive(int pidfd)
{
	struct pollfd p = { pidfd, POLLIN, 0 };

	return pidfd >= 0 && poll(&p, 1, 0) == 0;
}

void proc_wait_or_kill(pid_t pid, guint64 start_time, int timeout_s)
{
	vigil_autofd int pidfd = proc_pidfd_open(pid, start_time);

	if (pidfd < 0)
		return;
	if (!proc_pidfd_wait(pidfd, g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC)) {
		g_debug("process %d did not exit in %ds, killing it", (int)pid, timeout_s);
		(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	}
}

int proc_poll_timeout(gint64 deadline)
{
	gint64 left;

	if (deadline < 0)
		return -1;
	left = deadline - g_get_monotonic_time();
	if (left <= 0)
		return 0;
	return (int)MIN((left + 999) / 1000, G_MAXINT);
}

gboolean proc_pidfd_wait(int pidfd, gint64 deadline)
{
	for (;;) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		int timeout = proc_poll_timeout(deadline);
		int r = poll(&p, 1, timeout);

		if (r > 0)
			return TRUE;
		if (r == 0 && timeout == 0)
			return FALSE;
		if (r < 0 && errno != EINTR)
			return FALSE;
	}
}

pid_t proc_read_pidfile(const char *path)
{
	g_autofree char *text = NULL;
	char *end = NULL;
	gint64 v;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	g_strstrip(text);
	v = g_ascii_strtoll(text, &end, 10);
	if (end == text || *end != '\0' || v <= 0 || v > G_MAXINT)
		return 0;
	return (pid_t)v;
}
