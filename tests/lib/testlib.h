/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * Integration-test harness: real runc, throw-away busybox bundles, and cleanup that runs
 * even when an assertion aborts the test (atexit and fatal-signal handlers).
 *
 * Everything a test creates lives under one per-process root directory, with a private
 * runc --root inside it, so test binaries can run in parallel and never touch the host's
 * containers.
 */

/* g_test_init, child subreaper (PID 1 here does not reap: daemonized monitors must come
 * back to us), cleanup handlers. */
void testlib_init(int *argc, char ***argv);

/* The per-process root directory (created on first use). */
const char *testlib_root(void);

/* TRUE if the program is on PATH (or an absolute path that exists); else g_test_skip()
 * with the reason printed, and FALSE. */
gboolean testlib_require_program(const char *program);
/* runc and busybox-static both present (skips otherwise). */
gboolean testlib_require_runc(void);

/* Path of the built binaries (from the environment meson sets). */
const char *testlib_vigilmon(void);
const char *testlib_vigilctl(void);

/* A unique id: vt-<pid>-<n>. */
char *testlib_unique_id(void);

typedef struct {
	char *id;
	char *dir;            /* private directory of this test container */
	char *bundle;         /* dir/bundle: config.json + rootfs */
	char *runc_root;      /* runc --root (shared per process) */
	char *exit_dir;       /* dir/exits */
	char *persist_dir;    /* dir/persist */
	char *log_path;       /* dir/ctr.log */
	char *pidfile;        /* dir/pidfile: container pid, written by runc */
	char *conmon_pidfile; /* dir/conmon.pid: monitor pid */
	JsonNode *config;     /* config.json, written by test_bundle_write_config() */
} TestBundle;

/* New bundle whose process runs argv (NULL-terminated), terminal off, rlimits within this
 * host's hard limits. Written to disk at once; edit b->config then call
 * test_bundle_write_config() to change it. */
TestBundle *test_bundle_new(const char *const *argv);
void test_bundle_set_args(TestBundle *b, const char *const *argv);
void test_bundle_set_terminal(TestBundle *b, gboolean terminal);
JsonObject *test_bundle_process(TestBundle *b);
void test_bundle_write_config(TestBundle *b);
/* runc delete -f, remove the directory. Safe to call twice. */
void test_bundle_free(TestBundle *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestBundle, test_bundle_free)

/* Run runc --root <root> args...; returns the exit status; stdout/stderr optional. */
int testlib_runc(TestBundle *b, char **out_stdout, char **out_stderr, ...) G_GNUC_NULL_TERMINATED;

/* Run a program and wait; returns its exit status (128+signal if killed). */
int testlib_run(const char *const *argv, const char *input, char **out_stdout, char **out_stderr);

/*
 * A monitor started the way podman starts conmon: socketpairs for _OCI_SYNCPIPE and
 * _OCI_STARTPIPE (and _OCI_ATTACHPIPE when asked), the launcher awaited.
 */
typedef struct {
	int sync_fd;   /* our end */
	int start_fd;  /* our end */
	int attach_fd; /* our end, or -1 */
	int launcher_status;
	char *launcher_stderr;
	pid_t monitor_pid; /* from --conmon-pidfile, 0 if unknown */
} TestMonitor;

/*
 * Start vigilmon (or VIGIL_TEST_MONITOR to compare with conmon) with args, where the
 * literal "@BUNDLE@", "@ID@", "@EXITDIR@", "@PERSIST@", "@LOG@", "@PIDFILE@",
 * "@CONMONPID@", "@RUNCROOT@" are replaced. with_attach_pipe adds _OCI_ATTACHPIPE.
 * Writes the start byte unless hold_start. The launcher is awaited; for --sync the call
 * returns without waiting (launcher_status -1).
 */
TestMonitor *test_monitor_start(TestBundle *b, const char *const *args, gboolean with_attach_pipe,
				gboolean hold_start);
/* As test_monitor_start, with the monitor binary given (benchmarks run conmon and vigilmon
 * side by side in one process). */
TestMonitor *test_monitor_start_with(const char *monitor, TestBundle *b, const char *const *args,
				     gboolean with_attach_pipe, gboolean hold_start);
/* The standard podman-like argv for b plus extra args (NULL-terminated). */
TestMonitor *test_monitor_start_podman_like(TestBundle *b, const char *const *extra);
void test_monitor_free(TestMonitor *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestMonitor, test_monitor_free)

/* One line from fd within timeout_ms (NULL on timeout/EOF). */
char *testlib_read_line(int fd, int timeout_ms);
/* Wait until path exists (TRUE) or timeout_ms passes (FALSE). */
gboolean testlib_wait_for_file(const char *path, int timeout_ms);
/* Wait for a child (we are its subreaper) to exit; returns its raw wait status or -1 on
 * timeout (after which it is SIGKILLed and reaped). A reaped monitor pid is no longer
 * killed by the exit cleanup. */
int testlib_wait_pid(pid_t pid, int timeout_ms);
/* The exit file's value, waiting for it; G_MININT on timeout. */
int testlib_read_exit_file(TestBundle *b, int timeout_ms);
/* Whole file, or NULL. */
char *testlib_read_file(const char *path);

/* Start /lib/systemd/systemd-journald if its socket is missing; FALSE (skip) if it can't. */
gboolean testlib_ensure_journald(void);
