/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "reaper.h"

#include <errno.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "error_util.h"
#include "fdutil.h"
#include "source.h"

struct _Reaper {
	int sfd;
	GSource *source;
	ReaperChildFunc on_child;
	ReaperSignalFunc on_signal;
	gpointer user_data;
};

static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGUSR1); /* conmon: lets anyone force a reap check */
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
}

gboolean reaper_block_signals(GError **error)
{
	sigset_t set;

	handled_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return vigil_throw_errno(error, "sigprocmask");
	return TRUE;
}

int reaper_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

void reaper_reap(Reaper *reaper)
{
	for (;;) {
		int wstatus = 0;
		pid_t pid = waitpid(-1, &wstatus, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		reaper->on_child(pid, wstatus, reaper->user_data);
	}
}

static gboolean on_signalfd(int fd, GIOCondition cond, gpointer data)
{
	Reaper *reaper = data;
	struct signalfd_siginfo si[16];
	gboolean chld = FALSE;

	for (;;) {
		ssize_t n = read(fd, si, sizeof si);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (gsize i = 0; i < (gsize)n / sizeof si[0]; i++) {
			int signo = (int)si[i].ssi_signo;
			if (signo == SIGCHLD || signo == SIGUSR1)
				chld = TRUE;
			else
				reaper->on_signal(signo, reaper->user_data);
		}
	}
	/* Standard signals coalesce, so one SIGCHLD may stand for many children: always drain
	 * with waitpid rather than trusting ssi_pid. */
	if (chld)
		reaper_reap(reaper);
	return G_SOURCE_CONTINUE;
}

Reaper *reaper_new(GMainContext *ctx, ReaperChildFunc on_child, ReaperSignalFunc on_signal,
		   gpointer user_data, GError **error)
{
	g_autoptr(Reaper) reaper = g_new0(Reaper, 1);
	sigset_t set;

	reaper->sfd = -1;
	reaper->on_child = on_child;
	reaper->on_signal = on_signal;
	reaper->user_data = user_data;
	handled_signals(&set);
	reaper->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (reaper->sfd < 0)
		return vigil_throw_errno(error, "signalfd"), NULL;
	reaper->source = g_unix_fd_source_new(reaper->sfd, G_IO_IN);
	g_source_set_callback(reaper->source, G_SOURCE_FUNC(on_signalfd), reaper, NULL);
	g_source_set_static_name(reaper->source, "vigil-reaper");
	/* Reaping first means the container's exit is seen before a final burst of output is
	 * processed out of order; the shutdown drains the pipes anyway. */
	g_source_set_priority(reaper->source, G_PRIORITY_HIGH);
	g_source_attach(reaper->source, ctx);
	return g_steal_pointer(&reaper);
}

void reaper_free(Reaper *reaper)
{
	if (reaper == NULL)
		return;
	source_drop(&reaper->source);
	vigil_clear_fd(&reaper->sfd);
	g_free(reaper);
}
