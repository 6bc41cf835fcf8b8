/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/error.h>

#include <glib.h>

G_BEGIN_DECLS

/* What the _INIT macros expand to: every member zero. C++ spells it {}, where { 0 } would
 * draw -Wmissing-field-initializers for every member after the first. */
#ifdef __cplusplus
#define VIGIL_STRUCT_ZERO \
	{                 \
	}
#else
#define VIGIL_STRUCT_ZERO \
	{                 \
		0         \
	}
#endif

/*
 * Option structs for the VigilRuntime methods. They mirror the seed's Go types (libpod's
 * ContainerCheckpointOptions, ExecOptions, AttachStreams). Start from the _INIT macro (or
 * zero them) and set what you need; the library copies what it keeps, so the strings only
 * have to live for the duration of the call.
 */

/* Checkpoint and restore (runtime `checkpoint` / monitor `--restore`). */
typedef struct {
	const char *image_path;  /* required: where CRIU writes (or reads) the images */
	const char *work_path;   /* CRIU's logs and work files; NULL = <state dir>/criu */
	const char *parent_path; /* a previous pre-dump, for an incremental checkpoint */
	gboolean leave_running;  /* keep the container running after the checkpoint */
	gboolean tcp_established;
	gboolean file_locks;
	gboolean pre_dump; /* memory pre-dump only; the container keeps running */
} VigilCheckpointOptions;

#define VIGIL_CHECKPOINT_OPTIONS_INIT VIGIL_STRUCT_ZERO

/* What CreateContainer passes on to the container's monitor. */
typedef struct {
	const char *bundle; /* required: the OCI bundle (config.json + rootfs) */
	const char *name;   /* human name for logs and journald; NULL = the id */
	gboolean terminal;  /* allocate a PTY (also when the bundle's config asks for one) */
	gboolean stdin_;    /* keep the container's stdin open for attach clients */

	/* Log drivers, as the monitor's -l: "k8s-file:PATH", "json-file:PATH", "journald",
	 * "passthrough", "none" ("k8s-file" or "json-file" alone: that format in the state
	 * directory; anything else is EINVAL). NULL = k8s-file in the state directory. */
	const char *const *log_drivers;
	gint64 log_size_max; /* per file; 0 = unlimited */
	gint64 log_global_size_max;
	gboolean log_rotate; /* rotate (.1, .2, ...) instead of truncating at the limit */
	int log_max_files;   /* backups kept with log_rotate; 0 = the monitor's default */
	const char *log_tag;

	const char *exit_dir;    /* NULL = <state dir>/exits */
	const char *persist_dir; /* NULL = the state directory */
	const char *exit_command;
	const char *const *exit_command_args;
	/* The monitor counts whole seconds: it is given these two rounded up. */
	guint exit_delay_ms; /* wait this long before the exit command */
	guint timeout_ms;    /* the monitor kills the container after it; 0 = none */

	const char *sdnotify_socket;
	const char *seccomp_notify_socket;
	const char *seccomp_notify_plugins;

	guint preserve_fds; /* pass the caller's fds 3 .. 3+N-1 on to the container */
	int stop_signal;    /* 0 = the bundle's org.opencontainers.image.stopSignal or SIGTERM */
	gboolean no_pivot;
	gboolean no_new_keyring;
	gboolean systemd_cgroup;
	gboolean no_cgroups; /* the runtime's --cgroup-manager disabled (crun) */

	/* Restore from a checkpoint instead of creating fresh (the seed's restoreOptions). */
	const VigilCheckpointOptions *restore;
} VigilCreateOptions;

#define VIGIL_CREATE_OPTIONS_INIT VIGIL_STRUCT_ZERO

/* libpod's AttachStreams: which local fds are connected to the container's streams. */
typedef struct {
	int output_fd;
	int error_fd;
	int input_fd;
	gboolean attach_output;
	gboolean attach_error;
	gboolean attach_input;
} VigilAttachStreams;

#define VIGIL_ATTACH_STREAMS_INIT          \
	{                                  \
		1, 2, 0, TRUE, TRUE, FALSE \
	}

/*
 * Where terminal resize events come from while attached (libpod's Resize channel). The size
 * is read from tty_fd (TIOCGWINSZ) when the attach starts and whenever notify_fd becomes
 * readable (e.g. a signalfd for SIGWINCH; whatever is readable is drained). From another
 * thread, vigil_runtime_resize() sends explicit sizes instead.
 */
typedef struct {
	int tty_fd;
	int notify_fd; /* -1 = only the initial size */
} VigilResizeSource;

/* libpod's ExecOptions. */
typedef struct {
	const char *const *cmd;     /* required */
	const char *const *cap_add; /* "NET_ADMIN" or "CAP_NET_ADMIN" */
	const char *const *env;     /* "KEY=VALUE", added to and overriding the container's */
	gboolean terminal;
	const char *cwd;  /* NULL = the container's */
	const char *user; /* "uid[:gid]" or "name[:group]" (resolved in the rootfs); NULL = the
			   * container's */
	const VigilAttachStreams *streams; /* NULL = detached: return once the session runs */
	guint preserve_fds;
	const VigilResizeSource *resize; /* NULL = no resize events */
	const char *detach_keys;         /* NULL = "ctrl-p,ctrl-q"; "" = none */
	/* The monitor kills the session after it, counting whole seconds (rounded up); 0 = none */
	guint timeout_ms;
} VigilExecOptions;

#define VIGIL_EXEC_OPTIONS_INIT VIGIL_STRUCT_ZERO

/* What ExecContainer returns besides its errors. */
typedef struct {
	int pid;            /* the session's process */
	int exit_code;      /* its exit code; -1 when detached (the session still runs) */
	gboolean detached;  /* the detach keys were pressed, or no streams were attached */
	gboolean timed_out; /* the monitor killed it at its timeout (exit_code is then -1) */
} VigilExecResult;

typedef struct {
	const VigilAttachStreams *streams; /* required */
	const char *detach_keys;           /* NULL = "ctrl-p,ctrl-q"; "" = none */
	const VigilResizeSource *resize;   /* NULL = no resize events */
	gboolean start; /* start the (created) container once connected: nothing is missed */
} VigilAttachOptions;

#define VIGIL_ATTACH_OPTIONS_INIT VIGIL_STRUCT_ZERO

typedef struct {
	int output_fd; /* the container's stdout records go here */
	int error_fd;  /* and its stderr records here */
	gboolean follow;
	gint64 tail;         /* only the last N lines; < 0 = all */
	gint64 since;        /* Unix time in nanoseconds; older records are skipped; 0 = all */
	gboolean timestamps; /* prefix every line with its RFC 3339 time and a space */
} VigilLogsOptions;

#define VIGIL_LOGS_OPTIONS_INIT           \
	{                                 \
		1, 2, FALSE, -1, 0, FALSE \
	}

/* A signal by name or number: "TERM", "SIGTERM", "term", "15", "RTMIN+3". -1 if invalid.
 * (For stop signals given as text: the bundle's annotation, a command line.) */
VIGIL_PUBLIC int vigil_signal_parse(const char *name);

G_END_DECLS
