/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "diag.h"
#include "error_util.h"
#include "fdutil.h"
#include "logs/log_sink.h"
#include "module_config.h"
#include "monitor.h"
#include "monitor_options.h"
#include "sync_msg.h"

/* The fds the engine gave us beyond stdio, before we open any of our own. */
static GArray *snapshot_inherited_fds(void)
{
	GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	if (dir == NULL)
		return fds;
	while ((de = readdir(dir)) != NULL) {
		int fd = fd_parse(de->d_name);
		if (fd > 2 && fd != dirfd(dir))
			g_array_append_val(fds, fd);
	}
	closedir(dir);
	return fds;
}

/* _OCI_* fd variables: strict parse, or fail as conmon does. */
static gboolean env_fd(const char *var, int *out_fd, GError **error)
{
	const char *v = g_getenv(var);

	*out_fd = -1;
	if (v == NULL)
		return TRUE;
	int fd = fd_parse(v);
	if (fd < 0)
		return vigil_throw(error, EINVAL, "unable to parse %s", var);
	/* The runtime must not inherit our pipes to the engine. This also checks that the fd
	 * is open: a number the engine did not pass would soon be one of our own fds (the
	 * container log), and engine messages would go there. */
	int r = fd_set_cloexec(fd, TRUE);
	if (r < 0)
		return vigil_throw_errsv(error, -r, "unable to make %s CLOEXEC", var);
	*out_fd = fd;
	return TRUE;
}

/* A setup failure goes on the sync pipe too, where podman and CRI-O look for the reason. */
static void sync_pipe_fail(int sync_fd, SyncKey key, const char *message)
{
	if (sync_fd >= 0) {
		g_autofree char *msg = sync_msg_format(key, -1, message, -1);
		(void)fd_write_all_blocking(sync_fd, msg, strlen(msg));
	}
}

static int fatal(const MonitorConfig *cfg, int sync_fd, const char *message)
{
	DiagConfig diag = module_config_diag(cfg);

	diag_fatal(&diag, message);
	sync_pipe_fail(sync_fd, sync_key_for(cfg->api_version, cfg->exec), message);
	return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(LogSinks) logs = NULL;
	g_autoptr(GArray) inherited = snapshot_inherited_fds();
	g_autofree char *oom_score_adj = NULL;
	MonitorStartup startup = { .sync_fd = -1, .start_fd = -1, .attach_fd = -1 };

	/* Before anything can write to a pipe whose reader is gone (the engine, a closed stderr).
	 */
	signal(SIGPIPE, SIG_IGN);
	/* podman 6 hands us its whole environment: a G_DEBUG=fatal-warnings meant for some
	 * other program must not turn our first warning into a SIGTRAP and lose the exit file. */
	g_log_set_always_fatal(G_LOG_LEVEL_ERROR);
	umask(022);
#ifdef __GLIBC__
	/* A buffer that grew in a burst (a long line held for the log, a lagging attach client's
	 * queue) is mmapped, so freeing it hands the memory back at once. glibc would otherwise
	 * raise this threshold to the size of the first such buffer freed and keep every later
	 * burst in its heap: an idle monitor would sit on the peak of its last burst. Set once
	 * here rather than trimming the heap after every long line. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	gboolean parsed = options_parse(&cfg, argc, argv, &error);
	(void)env_fd("_OCI_SYNCPIPE", &startup.sync_fd, NULL);
	if (!parsed) {
		g_autofree char *msg = g_strdup_printf("option parsing failed: %s", error->message);
		g_printerr("conmon: %s\n", msg);
		sync_pipe_fail(startup.sync_fd, SYNC_KEY_DATA, msg);
		return EXIT_FAILURE;
	}
	if (cfg.version) {
		/* Exactly the two lines engines parse (docs/conmon-contract.md, "Version line");
		 * vigil's own identity rides in the commit line, which no parser reads. */
		g_print("conmon version %s\ncommit: %s (vigilmon %s)\n",
			VIGIL_CONMON_COMPAT_VERSION, VIGIL_GIT_COMMIT, VIGIL_VERSION);
		return EXIT_SUCCESS;
	}
	/* main's frame outlives every g_log call: the writer reads diag at each. */
	DiagConfig diag = module_config_diag(&cfg);
	diag_init(&diag);

	/* Compat: conmon reads _OCI_ATTACHPIPE only for --exec-attach; a stale value in the
	 * environment of any other monitor is no error. */
	if (!env_fd("_OCI_SYNCPIPE", &startup.sync_fd, &error) ||
	    !env_fd("_OCI_STARTPIPE", &startup.start_fd, &error) ||
	    (cfg.exec_attach && !env_fd("_OCI_ATTACHPIPE", &startup.attach_fd, &error)) ||
	    !options_validate(&cfg, &error))
		return fatal(&cfg, startup.sync_fd, error->message);
	diag.log_level = cfg.log_level; /* --log-level is checked by options_validate */
	if (startup.start_fd == 0)
		startup.start_fd = -1; /* Compat: conmon takes fd 0 as "no start pipe" */
	if (cfg.exec_attach && startup.attach_fd < 0)
		return fatal(&cfg, startup.sync_fd,
			     "--attach specified but _OCI_ATTACHPIPE was not");
	LogConfig log_config = module_config_logs(&cfg);
	logs = log_sinks_new(&log_config, &error);
	if (logs == NULL)
		return fatal(&cfg, startup.sync_fd, error->message);

	oom_score_adj = daemon_oom_protect();

	if (startup.start_fd >= 0) {
		if (!daemon_wait_start_pipe(startup.start_fd, &error))
			return fatal(&cfg, startup.sync_fd, error->message);
		/* --exec-attach reads it once more, in the runtime child. */
		if (!cfg.exec_attach)
			startup.start_fd = -1;
	}
	if (!cfg.sync && !daemon_fork(cfg.conmon_pidfile, &error))
		return fatal(&cfg, startup.sync_fd, error->message);
	if (!daemon_detach(log_sinks_is_passthrough(logs), &error))
		return fatal(&cfg, startup.sync_fd, error->message);

	startup.inherited_fds = inherited;
	startup.oom_score_adj = oom_score_adj;
	return monitor_run(&cfg, logs, &startup);
}
