/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach_proto.h"
#include "attach_server.h"
#include "console.h"
#include "control.h"
#include "ctl.h"
#include "daemon.h"
#include "error_util.h"
#include "exit_command.h"
#include "exit_file.h"
#include "fdutil.h"
#include "foreign_exit.h"
#include "module_config.h"
#include "oom.h"
#include "output_hold.h"
#include "pidfd.h"
#include "reaper.h"
#include "runtime_child.h"
#include "sd_notify.h"
#include "seccomp_notify.h"
#include "source.h"
#include "streams.h"
#include "sync_msg.h"

/* conmon sends at most BUF_SIZE - 1 bytes of the runtime's stderr (docs/conmon-contract.md,
 * "Sync pipe messages"). */
#define RUNTIME_ERR_MAX 8191

/* conmon's TIMED_OUT_MESSAGE; CRI-O maps it to a failed probe. */
#define TIMED_OUT_MESSAGE "command timed out"

typedef enum {
	PHASE_RUNTIME, /* the runtime is creating the container or exec process */
	PHASE_RUNNING, /* we know the container's pid and wait for it */
	PHASE_SERVING, /* the exit is reported: attach clients get the rest of their output */
	PHASE_DONE,    /* the loop is quitting */
} Phase;

typedef struct {
	pid_t pid;
	int wstatus;
} EarlyExit;

typedef struct {
	MonitorConfig *cfg;
	LogSinks *logs;
	MonitorStartup *startup;
	SyncKey key;

	GMainContext *ctx;
	GMainLoop *loop;
	Reaper *reaper;
	Streams *streams;
	Console *console;
	AttachServer *attach; /* NULL without a bundle or with passthrough logs */
	Ctl *ctl;
	Control *control; /* NULL without a bundle */
	GSource *timeout_source;
	OomWatch *oom;
	SdNotify *sd_notify;
	SeccompNotify *seccomp;

	Phase phase;
	pid_t runtime_pid;
	pid_t container_pid;
	int container_pidfd; /* signals go through it: never to a process that reused the pid */
	int container_wstatus;
	GArray *early_exits; /* EarlyExit: children reaped before the container pid was known */
	GString *runtime_err;
	OutputHold *hold;     /* output from the runtime phase, until it succeeded */
	ForeignExit *foreign; /* the container is not our child: its pidfd */
	gboolean timed_out;
	gboolean container_done; /* exit files written: the exit command may run */
	int exit_status;         /* the container's, as written to the exit file */
	int process_status;
} Monitor;

static void send_sync(Monitor *m, int value, const char *message, gssize len)
{
	g_autofree char *msg = NULL;

	if (m->startup->sync_fd < 0)
		return;
	msg = sync_msg_format(m->key, value, message, len);
	int r = fd_write_all_blocking(m->startup->sync_fd, msg, strlen(msg));
	if (r == -EPIPE) {
		/* The engine went away (podman healthchecks do): nobody to tell, carry on. The fd
		 * stays open until close_inherited_fds(), which closes it with the other inherited
		 * fds: closing it here would free its number for one of ours, which that loop would
		 * then close. */
		m->startup->sync_fd = -1;
	} else if (r < 0) {
		g_warning("Unable to send container stderr message to parent: %s", g_strerror(-r));
	}
}

static void quit(Monitor *m)
{
	m->phase = PHASE_DONE;
	g_main_loop_quit(m->loop);
}

/* The runtime failed: tell the engine why (its own words when it said any) and stop. */
static void fail(Monitor *m, const char *fallback)
{
	gboolean own = m->runtime_err->len > 0;
	const char *text = own ? m->runtime_err->str : fallback;

	g_warning("%s", text);
	/* The runtime's bytes whole: a NUL in them must not cut the engine's message short. */
	send_sync(m, -1, text, own ? (gssize)m->runtime_err->len : -1);
	m->process_status = 1;
	quit(m);
}

static void pass_on(int stream, const char *buf, gsize len, gpointer data)
{
	Monitor *m = data;

	log_sinks_write(m->logs, stream, buf, len);
	attach_server_broadcast(m->attach, stream, buf, len);
}

static void on_output(int stream, const char *buf, gsize len, gpointer data)
{
	Monitor *m = data;

	if (m->phase == PHASE_RUNTIME) {
		if (stream == VIGIL_STREAM_STDERR && m->runtime_err->len < RUNTIME_ERR_MAX)
			g_string_append_len(m->runtime_err, buf,
					    MIN(len, RUNTIME_ERR_MAX - m->runtime_err->len));
		if (output_hold_add(m->hold, stream, buf, len))
			return;
		output_hold_release(m->hold, pass_on, m);
	}
	pass_on(stream, buf, len, m);
}

static void on_console(int master, gpointer data)
{
	Monitor *m = data;

	streams_set_pty(m->streams, master);
	attach_server_stdin_ready(m->attach);
}

static void write_exit_files(Monitor *m)
{
	g_autoptr(GError) error = NULL;

	if (m->cfg->persist_dir != NULL &&
	    !exit_file_write(m->cfg->persist_dir, "exit", m->exit_status, &error)) {
		g_warning("Failed to write %d to exit file: %s", m->exit_status, error->message);
		g_clear_error(&error);
	}
	if (m->cfg->exit_dir != NULL &&
	    !exit_file_write(m->cfg->exit_dir, m->cfg->cid, m->exit_status, &error))
		g_warning("Failed to write %d to container exit file: %s", m->exit_status,
			  error->message);
}

static void sync_exit_files(Monitor *m)
{
	g_autoptr(GError) error = NULL;

	if (m->cfg->persist_dir != NULL && !exit_file_sync(m->cfg->persist_dir, "exit", &error)) {
		g_warning("%s, ignoring", error->message);
		g_clear_error(&error);
	}
	if (m->cfg->exit_dir != NULL && !exit_file_sync(m->cfg->exit_dir, m->cfg->cid, &error))
		g_warning("%s, ignoring", error->message);
}

static void close_inherited_fds(Monitor *m)
{
	GArray *fds = m->startup->inherited_fds;

	for (guint i = 0; fds != NULL && i < fds->len; i++) {
		int fd = g_array_index(fds, int, i);
		if (fd != m->startup->sync_fd)
			(void)close(fd);
	}
	/* the start and attach pipes were in the list too */
	m->startup->start_fd = -1;
	m->startup->attach_fd = -1;
}

static void on_clients_served(gpointer data)
{
	quit(data);
}

/*
 * The container is gone. Everything that must happen, in the one order that keeps the
 * promise "logs complete before the exit file, exit codes never lost" (docs/architecture.md,
 * "States"). The exit file never waits for an attach client: clients that are behind get
 * the rest of their output afterwards, for as long as they take it, and the exit command
 * (podman's cleanup) runs once they have it, as conmon runs it after its last write.
 */
static void shutdown_after_exit(Monitor *m)
{
	m->exit_status = m->timed_out ? -1 : reaper_exit_status(m->container_wstatus);
	m->process_status = m->exit_status < 0 ? 255 : m->exit_status;
	source_drop(&m->timeout_source);
	m->container_done = TRUE;
	/* Compat: conmon's info line, the one trace of the exit in syslog. */
	g_info("container %d exited with status %d", m->container_pid, m->exit_status);

	attach_server_stop_listening(m->attach);
	streams_drain(m->streams, 0);
	streams_stop_output(m->streams);
	/* Every byte is in the log files (readable) before the exit file appears; making them
	 * durable waits until the engine has been told, so the exit is not delayed by the disk. */
	log_sinks_flush(m->logs, FALSE);
	close_inherited_fds(m);
	/* podman reads the oom file once the exit file exists (docs/conmon-contract.md,
	 * "OOM files"). */
	if (m->oom != NULL)
		(void)oom_watch_finish(m->oom);
	write_exit_files(m);
	if (m->cfg->exec)
		send_sync(m, m->exit_status, m->timed_out ? TIMED_OUT_MESSAGE : NULL, -1);
	/* Waiters on the control socket find the exit file when they are told. */
	control_exited(m->control, m->exit_status, m->oom != NULL && oom_watch_seen(m->oom));
	/* Clients see EOF once the exit code can be read (podman waits on it next). */
	gboolean serving = attach_server_finish(m->attach, on_clients_served, m);
	if (!m->cfg->no_sync_log)
		log_sinks_flush(m->logs, TRUE);
	sync_exit_files(m);
	if (!serving) {
		quit(m);
		return;
	}
	m->phase = PHASE_SERVING;
	/* Only the clients (and ctl) matter now: nothing else may fire for a container that is
	 * gone. */
	g_clear_pointer(&m->oom, oom_watch_free);
	g_clear_pointer(&m->foreign, foreign_exit_free);
	g_clear_pointer(&m->sd_notify, sd_notify_free);
	g_clear_pointer(&m->seccomp, seccomp_notify_free);
}

/* Called once, after runtime_exited() learned the pid: an exit reaped before that waited in
 * early_exits. */
static void container_exited(Monitor *m, int wstatus)
{
	m->container_wstatus = wstatus;
	shutdown_after_exit(m);
}

static gboolean on_timeout(gpointer data)
{
	Monitor *m = data;
	pid_t pgid = getpgid(m->container_pid);

	g_clear_pointer(&m->timeout_source, g_source_unref);
	g_warning("container %d timed out after %d seconds, killing it", m->container_pid,
		  m->cfg->timeout);
	m->timed_out = TRUE;
	/* Compat: conmon kills the process group when the container leads one. */
	if (pgid > 1)
		(void)kill(-pgid, SIGKILL);
	else
		(void)kill(m->container_pid, SIGKILL);
	return G_SOURCE_REMOVE;
}

static gboolean on_foreign_exit(gpointer data)
{
	Monitor *m = data;

	g_clear_pointer(&m->foreign, foreign_exit_free);
	/* Compat: conmon 2.2 reports 0 when it cannot reap the container; the real status went
	 * to whoever is its parent. */
	g_warning("container %d exited but is not our child: cannot get the real exit status, "
		  "reporting 0",
		  m->container_pid);
	container_exited(m, 0);
	return G_SOURCE_REMOVE;
}

static void watch_foreign_exit(Monitor *m)
{
	g_autoptr(GError) error = NULL;

	if (foreign_exit_is_our_child(m->container_pid))
		return;
	g_info("container %d is not our child: watching its pidfd", m->container_pid);
	m->foreign = foreign_exit_new(m->ctx, m->container_pid, on_foreign_exit, m, &error);
	if (m->foreign == NULL)
		g_warning("watch container %d: %s, ignoring", m->container_pid, error->message);
}

static void on_oom(gpointer data)
{
	Monitor *m = data;

	control_oom(m->control);
}

/* What needs the container's pid, armed as soon as it is known (docs/conmon-contract.md,
 * "Order of a run", step 4, conmon's step 22). */
static void watch_container(Monitor *m)
{
	const char *oom_dirs[3] = { NULL };
	int n = 0;

	/* Until we reap it, the pid of our child (or of an orphan re-parented to us) cannot be
	 * reused, so this pidfd names the container; one reaped already gets none. */
	gboolean reaped = FALSE;
	for (guint i = 0; i < m->early_exits->len; i++)
		reaped |= g_array_index(m->early_exits, EarlyExit, i).pid == m->container_pid;
	m->container_pidfd = reaped ? -ESRCH : pidfd_open_pid(m->container_pid);
	if (m->container_pidfd < 0)
		g_debug("pidfd_open %d: %s, signals go by pid", m->container_pid,
			g_strerror(-m->container_pidfd));
	if (m->cfg->persist_dir != NULL)
		oom_dirs[n++] = m->cfg->persist_dir;
	if (m->cfg->bundle != NULL)
		oom_dirs[n++] = m->cfg->bundle;
	m->oom = oom_watch_new(m->ctx, m->container_pid, oom_dirs);
	oom_watch_set_func(m->oom, on_oom, m);
	watch_foreign_exit(m);
	if (m->sd_notify != NULL)
		sd_notify_set_main_pid(m->sd_notify, m->container_pid);
}

/* Sockets the runtime or the container connect to: they must exist before the runtime runs. */
static gboolean setup_notify_sockets(Monitor *m, GError **error)
{
	if (m->cfg->sdnotify_socket != NULL) {
		if (m->cfg->bundle == NULL)
			g_warning("--sdnotify-socket needs a bundle (-b), ignoring");
		else if ((m->sd_notify = sd_notify_new(m->ctx, m->cfg->bundle,
						       m->cfg->sdnotify_socket, error)) == NULL)
			return FALSE;
	}
	if (m->cfg->seccomp_notify_socket != NULL) {
		SeccompConfig seccomp = module_config_seccomp(m->cfg);
		m->seccomp = seccomp_notify_new(m->ctx, &seccomp, error);
		if (m->seccomp == NULL)
			return FALSE;
	}
	return TRUE;
}

static void runtime_exited(Monitor *m, int wstatus)
{
	g_autoptr(GError) error = NULL;
	pid_t pid = 0;

	/* Everything the runtime said is in the pipe now; take it before judging. */
	streams_drain(m->streams, VIGIL_STREAM_STDERR);
	if (m->console != NULL)
		console_try_receive(m->console);
	g_clear_pointer(&m->console, console_free);

	int status = reaper_exit_status(wstatus);
	/* exec: a non-zero `runtime exec` is not itself a failure; the pid file decides. */
	if (!m->cfg->exec && status != 0) {
		g_autofree char *fallback =
			g_strdup_printf("%s failed with exit status %d", m->cfg->runtime, status);
		fail(m, fallback);
		return;
	}
	if (!runtime_read_pidfile(m->cfg->container_pidfile, &pid, &error)) {
		fail(m, error->message);
		return;
	}
	if (m->cfg->terminal && !streams_has_pty(m->streams)) {
		g_string_truncate(m->runtime_err, 0);
		fail(m, "Runtime did not set up terminal");
		return;
	}

	m->container_pid = pid;
	m->phase = PHASE_RUNNING;
	control_running(m->control, pid);
	output_hold_release(m->hold, pass_on, m);
	g_debug("container PID: %d", pid);
	watch_container(m);
	if (!options_is_legacy_exec(m->cfg))
		send_sync(m, pid, NULL, 0);

	/* A fast container can be reaped before the runtime was (docs/conmon-contract.md,
	 * "Reaping the container"). */
	for (guint i = 0; i < m->early_exits->len; i++) {
		EarlyExit e = g_array_index(m->early_exits, EarlyExit, i);
		if (e.pid == pid) {
			g_array_set_size(m->early_exits, 0);
			container_exited(m, e.wstatus);
			return;
		}
	}
	g_array_set_size(m->early_exits, 0);
	if (m->cfg->timeout > 0) {
		m->timeout_source = g_timeout_source_new_seconds(m->cfg->timeout);
		g_source_set_callback(m->timeout_source, on_timeout, m, NULL);
		g_source_set_static_name(m->timeout_source, "vigil-timeout");
		g_source_attach(m->timeout_source, m->ctx);
	}
}

static void on_child(pid_t pid, int wstatus, gpointer data)
{
	Monitor *m = data;

	if (m->phase >= PHASE_SERVING)
		return;
	if (pid == m->runtime_pid) {
		runtime_exited(m, wstatus);
	} else if (m->phase == PHASE_RUNNING && pid == m->container_pid) {
		container_exited(m, wstatus);
	} else if (m->phase == PHASE_RUNTIME) {
		EarlyExit e = { pid, wstatus };
		g_array_append_val(m->early_exits, e);
	}
	/* Any other pid is an orphan of the container re-parented to us: reaped, ignored. */
}

static void on_signal(int signo, gpointer data)
{
	Monitor *m = data;

	if (m->phase == PHASE_DONE)
		return;
	if (m->phase == PHASE_SERVING) {
		/* Nothing to forward to (the pid may be reused by now): a signal to the monitor
		 * itself while it serves the last output means stop. */
		g_warning("signal %d while attach clients still had output queued: closing them",
			  signo);
		quit(m);
		return;
	}
	/* Compat: conmon forwards TERM/INT/QUIT and keeps running until the container exits;
	 * before the container's pid is known, to the runtime. */
	if (m->container_pidfd >= 0)
		(void)pidfd_signal(m->container_pidfd, signo);
	else if (m->phase == PHASE_RUNNING)
		(void)kill(m->container_pid, signo);
	else if (m->runtime_pid > 0)
		(void)kill(m->runtime_pid, signo);
}

/* Beyond conmon's contract (docs/control.md): a container runs without it, as under conmon. */
static void setup_control(Monitor *m)
{
	g_autoptr(GError) error = NULL;
	ControlConfig control = module_config_control(m->cfg);

	m->control = control_new(m->ctx, &control, m->streams, m->logs, m->attach, &error);
	if (m->control == NULL)
		g_warning("%s, ignoring", error->message);
}

static gboolean setup(Monitor *m, GError **error)
{
	g_auto(GStrv) argv = NULL;
	RuntimeChildSetup child = { .start_fd = -1 };
	gboolean passthrough = log_sinks_is_passthrough(m->logs);

	m->streams = streams_new(m->ctx, m->cfg->terminal, m->cfg->stdin_, on_output, m, error);
	if (m->streams == NULL)
		return FALSE;
	if (m->cfg->terminal) {
		m->console = console_new(m->ctx, on_console, m, error);
		if (m->console == NULL)
			return FALSE;
	}
	/* Before the runtime runs and before the attach pipe message: podman connects as soon
	 * as it reads {"data": 0} (docs/conmon-contract.md, "Attach pipe"). */
	if (m->cfg->bundle != NULL && !passthrough) {
		AttachConfig attach = module_config_attach(m->cfg);
		m->attach = attach_server_new(m->ctx, &attach, m->streams, error);
		if (m->attach == NULL)
			return FALSE;
		m->ctl = ctl_new(m->ctx, m->cfg->bundle, m->streams, m->logs, error);
		if (m->ctl == NULL)
			return FALSE;
	}
	if (m->cfg->bundle != NULL)
		setup_control(m);
	if (m->cfg->exec_attach) {
		g_autofree char *msg = sync_msg_format(SYNC_KEY_DATA, 0, NULL, 0);
		int r = fd_write_all_blocking(m->startup->attach_fd, msg, strlen(msg));
		if (r < 0)
			return vigil_throw_errsv(error, -r, "write to the attach pipe");
	}

	if (!reaper_block_signals(error))
		return FALSE;
	m->reaper = reaper_new(m->ctx, on_child, on_signal, m, error);
	if (m->reaper == NULL)
		return FALSE;

	if (!setup_notify_sockets(m, error))
		return FALSE;
	RuntimeConfig runtime = module_config_runtime(m->cfg);
	argv = runtime_build_argv(&runtime, m->console ? console_socket_path(m->console) : NULL);
	if (m->cfg->log_level >= DIAG_LEVEL_TRACE) {
		g_autofree char *joined = g_strjoinv(" ", argv);
		g_debug("calling runtime args: %s", joined);
	}
	streams_child_fds(m->streams, child.stdio);
	child.passthrough = passthrough;
	child.start_fd = m->cfg->exec_attach ? m->startup->start_fd : -1;
	child.oom_score_adj = m->startup->oom_score_adj;
	child.replace_listen_pid = m->cfg->replace_listen_pid;
	m->runtime_pid = runtime_spawn(argv, &child, error);
	if (m->runtime_pid < 0)
		return FALSE;
	streams_close_child_ends(m->streams);
	/* passthrough: the runtime has our stdio now; we need it no longer. */
	if (passthrough && !daemon_null_stdio(error))
		return FALSE;
	streams_start(m->streams);
	return TRUE;
}

int monitor_run(MonitorConfig *cfg, LogSinks *logs, MonitorStartup *startup)
{
	g_autoptr(GError) error = NULL;
	Monitor m = {
		.cfg = cfg,
		.logs = logs,
		.startup = startup,
		.key = sync_key_for(cfg->api_version, cfg->exec),
		.process_status = 1,
		.container_pidfd = -1,
	};

	m.ctx = g_main_context_default();
	m.loop = g_main_loop_new(m.ctx, FALSE);
	/* the timer that writes out a held line fragment (a prompt) */
	log_sinks_attach(logs, m.ctx);
	m.early_exits = g_array_new(FALSE, FALSE, sizeof(EarlyExit));
	m.runtime_err = g_string_new(NULL);
	m.hold = output_hold_new();

	if (!setup(&m, &error)) {
		g_warning("%s", error->message);
		send_sync(&m, -1, error->message, -1);
	} else {
		/* Children that exited before the signalfd existed sent their SIGCHLD to a
		 * blocked mask; it is queued, but reaping once more costs nothing. */
		reaper_reap(m.reaper);
		if (m.phase != PHASE_DONE)
			g_main_loop_run(m.loop);
	}

	g_clear_pointer(&m.console, console_free);
	g_clear_pointer(&m.oom, oom_watch_free);
	g_clear_pointer(&m.foreign, foreign_exit_free);
	vigil_clear_fd(&m.container_pidfd);
	g_clear_pointer(&m.sd_notify, sd_notify_free);
	g_clear_pointer(&m.seccomp, seccomp_notify_free);
	g_clear_pointer(&m.control, control_free);
	g_clear_pointer(&m.ctl, ctl_free);
	g_clear_pointer(&m.attach, attach_server_free);
	g_clear_pointer(&m.streams, streams_free);
	g_clear_pointer(&m.reaper, reaper_free);
	source_drop(&m.timeout_source);
	g_main_loop_unref(m.loop);
	g_array_unref(m.early_exits);
	g_string_free(m.runtime_err, TRUE);
	output_hold_free(m.hold);

	/* Like conmon, only a container that ran gets its exit command (podman's cleanup). */
	if (m.container_done)
		m.process_status =
			exit_command_run(cfg->exit_command, cfg->exit_command_args, cfg->exit_delay,
					 startup->oom_score_adj, m.process_status);
	return m.process_status;
}
