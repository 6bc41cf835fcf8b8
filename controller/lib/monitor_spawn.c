/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_spawn.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"
#include "proc.h"
#include "runtime_cmd.h"

/* The launcher only validates options and forks; minutes would mean it is stuck. */
#define LAUNCHER_TIMEOUT_S 60

/* A socketpair whose ends go to out_ours and out_theirs. */
static gboolean make_pair(int *out_ours, int *out_theirs, GError **error)
{
	int pair[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return vigil_throw_errno(error, "create the monitor's pipes");
	*out_ours = pair[0];
	*out_theirs = pair[1];
	return TRUE;
}

static GPtrArray *monitor_env(guint n, gboolean attach_pipe)
{
	GPtrArray *env = g_ptr_array_new_with_free_func(g_free);

	for (char **e = environ; e != NULL && *e != NULL; e++) {
		/* podman removes NOTIFY_SOCKET: the monitor must not notify systemd itself. */
		if (!g_str_has_prefix(*e, "_OCI_") && !g_str_has_prefix(*e, "NOTIFY_SOCKET="))
			g_ptr_array_add(env, g_strdup(*e));
	}
	g_ptr_array_add(env, g_strdup_printf("_OCI_SYNCPIPE=%u", 3 + n));
	g_ptr_array_add(env, g_strdup_printf("_OCI_STARTPIPE=%u", 4 + n));
	if (attach_pipe)
		g_ptr_array_add(env, g_strdup_printf("_OCI_ATTACHPIPE=%u", 5 + n));
	g_ptr_array_add(env, NULL);
	return env;
}

/* Wait for the launcher (our child) until the deadline and reap it; its wait status, or -1
 * if it had to be killed (or could not be reaped). */
static int wait_launcher(pid_t pid)
{
	vigil_autofd int pidfd = proc_pidfd_open(pid, 0);
	gboolean timed_out = FALSE;
	int status = 0;

	if (pidfd >= 0 &&
	    !proc_pidfd_wait(pidfd, g_get_monotonic_time() + LAUNCHER_TIMEOUT_S * G_USEC_PER_SEC)) {
		(void)kill(pid, SIGKILL);
		timed_out = TRUE;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return timed_out ? -1 : status;
}

/* Whatever the launcher wrote to stderr (it has exited; the daemon may still hold the
 * pipe, so read only what is there). */
static char *drain_stderr(int fd)
{
	GString *s = g_string_new(NULL);
	char buf[4096];
	gssize n;

	(void)fd_set_nonblock(fd, TRUE);
	while (s->len < 65536 && (n = fd_read_once(fd, buf, sizeof buf)) > 0)
		g_string_append_len(s, buf, n);
	return g_string_free(s, FALSE);
}

static gboolean launcher_failed(MonitorProcess *m, int status, int err_fd, GError **error)
{
	g_autofree char *text = drain_stderr(err_fd);
	g_autofree char *message = NULL;
	int value;

	/* The monitor also puts its complaint on the sync pipe, in one line. */
	if (!sync_reader_next(m->sync, g_get_monotonic_time(), &value, &message, NULL) ||
	    message == NULL)
		message = runtime_cmd_error_message(text, -1);
	if (message == NULL && WIFSIGNALED(status))
		message = g_strdup_printf("killed by signal %d", WTERMSIG(status));
	if (message == NULL)
		message = g_strdup_printf("exited with status %d", WEXITSTATUS(status));
	return vigil_throw(error, EINVAL, "monitor: %s", message);
}

void monitor_send_start(int fd)
{
	/* A socketpair: a monitor that died must not take us down with SIGPIPE. */
	while (send(fd, "", 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

MonitorProcess *monitor_spawn(const char *binary, GPtrArray *args, guint preserve_fds,
			      gboolean attach_pipe, const char *pidfile, GError **error)
{
	g_autoptr(MonitorProcess) m = g_new0(MonitorProcess, 1);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GPtrArray) env = monitor_env(preserve_fds, attach_pipe);
	g_autofree int *src = g_new0(int, preserve_fds + 3);
	g_autofree int *dst = g_new0(int, preserve_fds + 3);
	vigil_autofd int sync_r = -1, sync_w = -1, start_r = -1, start_w = -1;
	vigil_autofd int att_r = -1, att_w = -1, err_fd = -1;
	g_autoptr(GError) local = NULL;
	guint n = 0;
	GPid pid;
	int status;

	m->start_fd = -1;
	g_ptr_array_add(argv, (char *)binary);
	for (guint i = 0; i < args->len && g_ptr_array_index(args, i) != NULL; i++)
		g_ptr_array_add(argv, g_ptr_array_index(args, i));
	g_ptr_array_add(argv, NULL);

	if (!make_pair(&sync_r, &sync_w, error) || !make_pair(&start_w, &start_r, error) ||
	    (attach_pipe && !make_pair(&att_r, &att_w, error)))
		return NULL;
	for (guint i = 0; i < preserve_fds; i++, n++)
		src[n] = dst[n] = 3 + (int)i;
	src[n] = sync_w;
	dst[n++] = 3 + (int)preserve_fds;
	src[n] = start_r;
	dst[n++] = 4 + (int)preserve_fds;
	if (attach_pipe) {
		src[n] = att_w;
		dst[n++] = 5 + (int)preserve_fds;
	}
	g_autofree char *text = runtime_cmd_argv_text((const char *const *)argv->pdata);
	g_debug("starting the monitor: %s", text);
	if (!g_spawn_async_with_pipes_and_fds(
		    NULL, (const char *const *)argv->pdata, (const char *const *)env->pdata,
		    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, -1, -1, -1,
		    src, dst, n, &pid, NULL, NULL, &err_fd, &local)) {
		vigil_throw(error, ENOENT, "start the monitor '%s': %s", binary, local->message);
		return NULL;
	}
	vigil_clear_fd(&sync_w);
	vigil_clear_fd(&start_r);
	vigil_clear_fd(&att_w);
	m->sync = sync_reader_new(g_steal_fd(&sync_r));
	if (attach_pipe)
		m->attach = sync_reader_new(g_steal_fd(&att_r));

	/* podman moves the launcher into its cgroup here, then releases it. */
	monitor_send_start(start_w);
	if (attach_pipe)
		m->start_fd = g_steal_fd(&start_w);

	status = wait_launcher(pid);
	if (status == -1) {
		vigil_throw(error, ETIMEDOUT, "the monitor's launcher did not finish");
		return NULL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		launcher_failed(m, status, err_fd, error);
		return NULL;
	}
	m->pid = proc_read_pidfile(pidfile);
	if (m->pid <= 0) {
		vigil_throw(error, EPROTO, "the monitor did not write its pid to '%s'", pidfile);
		return NULL;
	}
	m->start_time = proc_start_time(m->pid);
	return g_steal_pointer(&m);
}

void monitor_process_free(MonitorProcess *m)
{
	if (m == NULL)
		return;
	g_clear_pointer(&m->sync, sync_reader_free);
	g_clear_pointer(&m->attach, sync_reader_free);
	vigil_clear_fd(&m->start_fd);
	g_free(m);
}
