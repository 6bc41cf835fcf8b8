/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exit_command.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "reaper.h"

static void close_from(int first)
{
	if (close_range((unsigned)first, ~0U, 0) == 0)
		return;
	for (int fd = first; fd < 65536; fd++)
		(void)close(fd);
}

int exit_command_run(const char *command, char *const *args, int delay_s, const char *oom_score_adj,
		     int status)
{
	g_autoptr(GPtrArray) argv = NULL;

	if (command == NULL)
		return status;

	argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)command);
	for (char *const *a = args; a != NULL && *a != NULL; a++)
		g_ptr_array_add(argv, *a);
	g_ptr_array_add(argv, NULL);

	close_from(3);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	signal(SIGCHLD, SIG_DFL);

	pid_t pid = fork();
	if (pid < 0) {
		g_warning("fork exit command: %s", g_strerror(errno));
		return status;
	}
	if (pid == 0) {
		daemon_child_reset(oom_score_adj);
		if (delay_s > 0)
			sleep((unsigned)delay_s);
		execv(command, (char **)argv->pdata);
		_exit(1);
	}

	for (;;) {
		int wstatus = 0;
		pid_t r = waitpid(pid, &wstatus, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return status;
		int code = reaper_exit_status(wstatus);
		if (code != 0) {
			g_warning("exit command '%s' failed with status %d", command, code);
			return code;
		}
		return status;
	}
}
