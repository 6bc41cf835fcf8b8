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

/* Skip the running test with the reason (printf-style): g_test_skip() puts it on the TAP
 * line ("ok N /path # SKIP reason"), and it is printed to stderr for the test log. Every
 * skip in the tests goes through here. */
void testlib_skip(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* TRUE when the monitor under test is not vigilmon: VIGIL_TEST_MONITOR names another one
 * (conmon, to compare with the reference). */
gboolean testlib_testing_other_monitor(void);
/*
 * For a feature vigilmon has, checked where a test is about to rely on it: TRUE if present.
 * Otherwise FALSE, and for vigilmon the test fails ("vigilmon: <what>"); only another
 * monitor (VIGIL_TEST_MONITOR) that lacks it skips the test, naming it. A missing feature
 * of vigilmon is a bug, never a skip.
 */
gboolean testlib_require_monitor_feature(gboolean present, const char *what);

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
/* linux.resources.memory.limit = bytes, written to disk. */
void test_bundle_set_memory_limit(TestBundle *b, gint64 bytes);
/* An executable shell script `name` in b->dir with the given body (a stand-in runtime, for
 * instance); returns its path. */
char *test_bundle_write_script(TestBundle *b, const char *name, const char *body);
/* runc present and a memory cgroup to limit (v2, or v1's memory controller); skips with the
 * reason otherwise. */
gboolean testlib_require_memory_cgroup(void);
/* runc delete -f, remove the directory. Safe to call twice. */
void test_bundle_free(TestBundle *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestBundle, test_bundle_free)

/* Run runc --root <root> args...; returns the exit status; stdout/stderr optional. */
int testlib_runc(TestBundle *b, char **out_stdout, char **out_stderr, ...) G_GNUC_NULL_TERMINATED;

/* Run a program and wait; returns its exit status (128+signal if killed). A program still
 * running (or its output still open) after TESTLIB_RUN_TIMEOUT_MS is SIGKILLed and reaped,
 * and -1 returned: a hang becomes a failure. */
#define TESTLIB_RUN_TIMEOUT_MS 120000
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
/* As test_monitor_start(b, args, FALSE, FALSE), with the monitor's stdout and stderr on
 * out_fd and err_fd (passthrough logging hands them to the container); launcher_stderr is
 * empty then. */
TestMonitor *test_monitor_start_stdio(TestBundle *b, const char *const *args, int out_fd,
				      int err_fd);
/* As test_monitor_start_stdio, with the monitor's stdin on in_fd too (a terminal, for
 * podman's passthrough-tty). */
TestMonitor *test_monitor_start_stdio3(TestBundle *b, const char *const *args, int in_fd,
				       int out_fd, int err_fd);
/* The standard podman-like argv for b plus extra args (NULL-terminated). */
TestMonitor *test_monitor_start_podman_like(TestBundle *b, const char *const *extra);
/*
 * podman's create argv cut to what every podman-shaped start shares,
 *   --api-version 1 -c @ID@ -u @ID@ -r <runtime> -b @BUNDLE@ -p @PIDFILE@
 * then rest (NULL-terminated) verbatim: the options a test is about, when
 * test_monitor_start_podman_like() has too many or the wrong ones. runtime NULL is runc
 * from PATH. As test_monitor_start(b, argv, FALSE, hold_start).
 */
TestMonitor *test_monitor_start_podman_args(TestBundle *b, const char *runtime,
					    const char *const *rest, gboolean hold_start);
/*
 * CRI-O's container argv (runtime_oci.go; legacy sync protocol, {"pid": N}):
 *   -b @BUNDLE@ -c @ID@ --exit-dir @EXITDIR@ -l @LOG@ --log-level info
 *   -n k8s_ctr_pod_ns_uid_0 -P @CONMONPID@ -p @PIDFILE@ --persist-dir @PERSIST@
 *   -r <runtime> --runtime-arg --root=@RUNCROOT@ --socket-dir-path <sockdir> --syslog -u @ID@
 * then extra (NULL-terminated, may be NULL), e.g. -i. runtime NULL is runc from PATH.
 * As test_monitor_start(b, argv, FALSE, FALSE); nothing is asserted.
 */
TestMonitor *test_monitor_start_crio(TestBundle *b, const char *runtime, const char *sockdir,
				     const char *const *extra);
void test_monitor_free(TestMonitor *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestMonitor, test_monitor_free)

/*
 * Sync-pipe messages (docs/conmon-contract.md, "Sync pipe messages"):
 * podman's {"data": N[, "message": ...]} and CRI-O's legacy {"pid": N} / {"exit_code": N}. The
 * integer after "{\"<key>\": " at the start of line; G_MININT if line is NULL or does not
 * start that way.
 */
int testlib_sync_value(const char *line, const char *key);
/* One line from m's sync pipe, asserted to be {"data": <pid>} with pid > 0 (the container's
 * or exec session's pid). Returns the value (<= 0, or G_MININT for no such line, when the
 * assertion failed; the line is logged then). */
int testlib_read_sync_pid(TestMonitor *m, int timeout_ms);

/*
 * Start b's container the podman way and leave it running, for tests that need a running
 * container (exec sessions, kill, checkpoint): test_monitor_start_podman_like(b, extra),
 * asserting launcher status 0, a pid on the sync pipe (stored in *out_pid if not NULL) and
 * `runc start` succeeding.
 */
TestMonitor *test_monitor_start_running(TestBundle *b, const char *const *extra, int *out_pid);

/*
 * Write the OCI process spec an engine hands `runc exec --process` (conmon's
 * --exec-process-spec) to path: b's config.json "process" with args (NULL-terminated) and
 * terminal replaced, everything else (env, cwd, user, rlimits) the container's.
 */
void test_bundle_write_process_spec(TestBundle *b, const char *path, const char *const *args,
				    gboolean terminal);

/*
 * An exec session in a container, laid out as podman lays one out: its own directory
 * <container dir>/<session id> holding the process spec, the exit dir, the pid files and
 * the attach socket and FIFOs.
 *
 * view is what test_monitor_start() substitutes: id is the container's (runc exec joins it,
 * and the exit file is named after it, docs/conmon-contract.md, "Exit files"), @BUNDLE@ is the
 * session directory. Its strings are the session's own copies (a test may replace view.id), and
 * view.config is NULL: view is not a bundle, never pass it to test_bundle_free() or
 * test_bundle_write_config().
 */
typedef struct {
	TestBundle view;
	char *session; /* the exec session id: <container id>-exec<n>, monitor's -u */
	char *spec;    /* <session dir>/process.json */
} TestExecSession;

/* New session running args in container (which must be running to exec into); the process
 * spec is written (see test_bundle_write_process_spec). */
TestExecSession *test_exec_session_new(TestBundle *container, const char *const *args,
				       gboolean terminal);
void test_exec_session_free(TestExecSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestExecSession, test_exec_session_free)

/*
 * podman's exec monitor (docs/conmon-contract.md, "Exec sessions") for a detached session with a
 * k8s-file log at view.log_path:
 *   --api-version 1 -c <ctr id> -u <session> -r <runc> -b <session dir> -p <exec.pid> -n name
 *   --exit-dir .. --persist-dir .. --full-attach -l k8s-file:.. --log-level debug
 *   -e --exec-process-spec <spec> --runtime-arg --root=.. --conmon-pidfile .. <extra...>
 * extra (NULL-terminated, may be NULL) adds e.g. -t, -i, -T 1. The launcher is awaited;
 * nothing is asserted.
 */
TestMonitor *test_exec_session_start(TestExecSession *s, const char *const *extra);

/*
 * CRI-O's ExecSync monitor (runtime_oci.go): legacy keys, no bundle, --sync, so the launcher
 * is the monitor (launcher_status -1):
 *   -c <ctr id> -n name -r <runc> -p <exec.pid> -e -l <log> --socket-dir-path <session dir>
 *   --log-level info --sync --exec-process-spec <spec> --runtime-arg --root=.. <extra...>
 * monitor NULL is the one under test (test_monitor_start), else that binary.
 */
TestMonitor *test_exec_session_start_execsync(const char *monitor, TestExecSession *s,
					      const char *const *extra);

/*
 * podman's attached exec (`podman exec [-i] [-t]`): -l none, --exec-attach and an attach pipe,
 *   --api-version 1 -c <ctr id> -u <session> -r <runc> -b <session dir> -p <exec.pid>
 *   --exit-dir .. --full-attach -l none <extra...> -e --exec-attach
 *   --exec-process-spec <spec> --runtime-arg --root=.. --conmon-pidfile ..
 * Asserts the launcher's status 0 and reads the attach pipe's {"data": 0}, which the
 * monitor sends once the session's attach socket exists (docs/conmon-contract.md, "Attach pipe").
 * The runtime is held until the caller writes the second start-pipe byte (m->start_fd), as podman
 * does after connecting.
 */
TestMonitor *test_exec_session_start_attached(TestExecSession *s, const char *const *extra);

/* Attach clients as podman's attach does it (docs/conmon-contract.md, "Attach socket framing").
 * Connect to the SOCK_SEQPACKET socket at path through an O_PATH handle, so a path longer than
 * sun_path works; -1 (with the reason as a test message) on failure. */
int testlib_attach_connect(const char *path);
/* Send all of s in one message (asserted). */
void testlib_send_str(int fd, const char *s);
/* Write text to the FIFO dir/name (ctl or winsz) the way podman does: O_WRONLY|O_NONBLOCK,
 * so a monitor that is not reading fails the open instead of hanging the test
 * (docs/conmon-contract.md, "ctl and winsz FIFOs"). Asserts the open and the whole write. */
void testlib_write_fifo(const char *dir, const char *name, const char *text);

/* One line from fd within timeout_ms (NULL on timeout/EOF). */
char *testlib_read_line(int fd, int timeout_ms);
/* Wait until path exists (TRUE) or timeout_ms passes (FALSE). */
gboolean testlib_wait_for_file(const char *path, int timeout_ms);
/* Wait until the file at path contains needle (TRUE) or timeout_ms passes (FALSE; the
 * file's last text is logged then). */
gboolean testlib_wait_for_text(const char *path, const char *needle, int timeout_ms);
/* Wait for a child (we are its subreaper) to exit; returns its raw wait status or -1 on
 * timeout (after which it is SIGKILLed and reaped). A reaped monitor pid is no longer
 * killed by the exit cleanup. */
int testlib_wait_pid(pid_t pid, int timeout_ms);
/* The exit file's value, waiting for it; G_MININT on timeout. */
int testlib_read_exit_file(TestBundle *b, int timeout_ms);
/* Whole file, or NULL. */
char *testlib_read_file(const char *path);

/* What runc and crun do with --console-socket (and a seccomp listener): fd over sock with
 * SCM_RIGHTS, name (NULL: "fd") as the payload. Asserts it was sent. */
void testlib_send_fd(int sock, int fd, const char *name);

/* Use up this process's fds (the soft RLIMIT_NOFILE lowered to 256, the rest filled with
 * /dev/null) so the next accept() fails with EMFILE; free gives them back and restores it. */
typedef struct _TestFdFill TestFdFill;
TestFdFill *testlib_fds_exhaust(void);
void testlib_fds_release(TestFdFill *fill);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestFdFill, testlib_fds_release)

/* Start /lib/systemd/systemd-journald unless one is listening; FALSE (skip) if it can't. */
gboolean testlib_ensure_journald(void);
