/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"

gboolean daemon_wait_start_pipe(int fd, GError **error)
{
	char buf[8192];

	/* The content is irrelevant; podman and CRI-O write one byte after moving us into the
	 * container's cgroup. EOF unblocks too. */
	gssize n = fd_read_once(fd, buf, sizeof buf);
	if (n < 0)
		return vigil_throw_errsv(error, (int)-n, "start-pipe read failed");
	return TRUE;
}

gboolean daemon_fork(const char *pidfile, GError **error)
{
	pid_t pid = fork();

	if (pid < 0)
		return vigil_throw_errno(error, "fork");
	if (pid == 0)
		return TRUE;

	if (pidfile != NULL) {
		g_autoptr(GError) local = NULL;
		char buf[16];
		int n = g_snprintf(buf, sizeof buf, "%d", (int)pid);
		if (!g_file_set_contents(pidfile, buf, n, &local)) {
			/* The engine could not find the monitor: stop it, and let the caller
			 * report the failure (stderr and the sync pipe) and exit non-zero. */
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			return vigil_throw(error, EIO, "Failed to write conmon pidfile: %s",
					   local->message);
		}
	}
	_exit(0);
}

gboolean daemon_null_stdio(GError **error)
{
	vigil_autofd int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return vigil_throw_errno(error, "open /dev/null");
	for (int i = 0; i <= 2; i++) {
		if (dup2(fd, i) < 0)
			return vigil_throw_errno(error, "dup2 /dev/null to %d", i);
	}
	return TRUE;
}

gboolean daemon_detach(gboolean keep_stdio, GError **error)
{
	if (!keep_stdio && !daemon_null_stdio(error))
		return FALSE;
	/* With --sync the engine may have made us a process-group leader already; setsid then
	 * fails with EPERM, which is harmless. */
	if (setsid() < 0 && errno != EPERM)
		return vigil_throw_errno(error, "setsid");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return vigil_throw_errno(error, "Failed to set as subreaper");
	return TRUE;
}

char *daemon_oom_protect(void)
{
	g_autofree char *saved = NULL;

	if (!g_file_get_contents("/proc/self/oom_score_adj", &saved, NULL, NULL))
		return NULL;
	g_strstrip(saved);
	vigil_autofd int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fd_write_all(fd, "-1000", 5, NULL) < 0)
		g_debug("cannot set oom_score_adj: %s, ignoring", g_strerror(errno));
	return g_steal_pointer(&saved);
}

void daemon_child_reset(const char *oom_score_adj)
{
	sigset_t empty;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	if (oom_score_adj != NULL) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, oom_score_adj, strlen(oom_score_adj));
			close(fd);
		}
	}
}
