/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test-controller-helpers.h"

/*
 * Exec sessions and attach, through the library and vigilctl. These need the monitor's
 * attach socket and exec support (issue 4, issue 6); they skip, saying so, when the monitor
 * under test makes no attach socket.
 */

/* A running container (sleeping) that has an attach socket; NULL = skipped. */
static Ctl *running(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return NULL;
	ctl_create(c);
	if (!ctl_require_attach(c))
		return NULL;
	g_assert_true(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&c);
}

static int exec_cli(Ctl *c, const char *input, char **out, char **err, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (char *)"exec");
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, (char *)(g_str_equal(*args, "@ID@") ? c->b->id : *args));
	g_ptr_array_add(argv, NULL);
	int status = ctl_cliv(c, NULL, input, out, err, (const char *const *)argv->pdata);
	if (err != NULL && **err != '\0')
		g_test_message("vigilctl stderr: %s", *err);
	return status;
}

static void test_cli_exit_codes(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("vigilctl exec exits with the session's code; 127 when the runtime did not "
		       "find the command, 125 when the session could not start for another reason");
	g_assert_cmpint(
		exec_cli(c, NULL, &out, NULL,
			 (const char *const[]){ "@ID@", "sh", "-c", "echo out; exit 7", NULL }),
		==, 7);
	g_assert_cmpstr(out, ==, "out\n");
	g_assert_cmpint(
		exec_cli(c, NULL, NULL, NULL, (const char *const[]){ "@ID@", "false", NULL }), ==,
		1);
	g_assert_cmpint(exec_cli(c, NULL, NULL, NULL,
				 (const char *const[]){ "@ID@", "sh", "-c", "kill -9 $$", NULL }),
			==, 137);
	g_assert_cmpint(exec_cli(c, NULL, NULL, &err,
				 (const char *const[]){ "@ID@", "/nonexistent", NULL }),
			==, 127);
	g_assert_true(g_str_has_prefix(err, "vigilctl: exec '"));
	g_assert_nonnull(strstr(err, "runc: "));
	g_assert_nonnull(strstr(err, "/nonexistent"));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
		exec_cli(c, NULL, NULL, &err,
			 (const char *const[]){ "-w", "/no-such-dir", "@ID@", "true", NULL }),
		==, 125);
	g_assert_nonnull(strstr(err, "/no-such-dir"));
	/* Attached sessions clean up after themselves. */
	g_autofree char *exec_dir = g_build_filename(c->root, c->b->id, "exec", NULL);
	g_autoptr(GDir) d = g_dir_open(exec_dir, 0, NULL);
	g_assert_nonnull(d);
	g_assert_null(g_dir_read_name(d));
}

static void test_cli_env_cwd_user(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *out = NULL;

	if (c == NULL)
		return;
	g_test_summary("exec -e, -w, -u: env added to the container's, cwd, user by name");
	g_assert_cmpint(
		exec_cli(c, NULL, &out, NULL,
			 (const char *const[]){ "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody",
						"@ID@", "sh", "-c",
						"echo $FOO; pwd; id -u; id -g; echo $PATH", NULL }),
		==, 0);
	g_assert_cmpstr(out, ==,
			"bar\n/tmp\n65534\n65534\n"
			"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(exec_cli(c, NULL, &out, NULL,
				 (const char *const[]){ "-u", "1234:5678", "@ID@", "id", NULL }),
			==, 0);
	g_assert_true(g_str_has_prefix(out, "uid=1234 gid=5678"));
}

static void test_cli_stdin_and_tty(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *out = NULL, *tty = NULL;

	if (c == NULL)
		return;
	g_test_summary("exec -i feeds stdin (EOF closes it); exec -t gives a terminal");
	g_assert_cmpint(exec_cli(c, "ping\npong\n", &out, NULL,
				 (const char *const[]){ "-i", "@ID@", "cat", NULL }),
			==, 0);
	g_assert_cmpstr(out, ==, "ping\npong\n");
	g_assert_cmpint(exec_cli(c, NULL, &tty, NULL,
				 (const char *const[]){ "-t", "@ID@", "sh", "-c",
							"tty; test -t 0 && echo yes", NULL }),
			==, 0);
	/* The PTY turns \n into \r\n. */
	g_assert_true(g_str_has_prefix(tty, "/dev/pts/"));
	g_assert_true(g_str_has_suffix(tty, "\r\nyes\r\n"));
}

static void test_cli_cap_add(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *without = NULL, *with = NULL;
	const char *script = "grep CapEff /proc/self/status | cut -f2";

	if (c == NULL)
		return;
	g_test_summary("--cap-add adds to the container's capabilities");
	g_assert_cmpint(exec_cli(c, NULL, &without, NULL,
				 (const char *const[]){ "@ID@", "sh", "-c", script, NULL }),
			==, 0);
	g_assert_cmpint(exec_cli(c, NULL, &with, NULL,
				 (const char *const[]){ "--cap-add", "net_admin", "@ID@", "sh",
							"-c", script, NULL }),
			==, 0);
	guint64 a = g_ascii_strtoull(without, NULL, 16), b = g_ascii_strtoull(with, NULL, 16);
	/* CAP_NET_ADMIN is 12 */
	g_assert_cmpuint(a & (1u << 12), ==, 0);
	g_assert_cmpuint(b, ==, a | (1u << 12));
}

static void test_cli_detach_keys(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *out = NULL;

	if (c == NULL)
		return;
	g_test_summary("the detach keys leave the session running, and exec prints its id; "
		       "exec-stop and exec-cleanup finish it");
	/* Detaching closes the session's stdin (conmon's rule for -i without
	 * --leave-stdin-open): what runs on must not need it. */
	g_assert_cmpint(exec_cli(c, "abc\n\x10\x11", &out, NULL,
				 (const char *const[]){ "-i", "--session", "s1", "@ID@", "sh", "-c",
							"read x; exec sleep 1000", NULL }),
			==, 0);
	/* The session read its line and wrote nothing: all there is, is its id. */
	g_assert_cmpstr(out, ==, "s1\n");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec-cleanup", c->b->id, "s1", NULL), ==, 1);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec-stop", "-t", "5", c->b->id, "s1", NULL),
			==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "wait", "--session", "s1", c->b->id, NULL), ==,
			143);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "exec-cleanup", c->b->id, "s1", NULL), ==, 0);
	g_autofree char *dir = g_build_filename(c->root, c->b->id, "exec", "s1", NULL);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

static void test_cli_double_dash(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("exec ID -- CMD: the \"--\" ends the options and is no part of the command "
		       "(as with podman and docker exec)");
	g_assert_cmpint(exec_cli(c, NULL, &out, &err,
				 (const char *const[]){ "@ID@", "--", "echo", "-n", "hi", NULL }),
			==, 0);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpstr(out, ==, "hi");
	/* only the first one after the id: a later "--" is the command's */
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
		exec_cli(c, NULL, &out, &err,
			 (const char *const[]){ "-e", "A=1", "@ID@", "--", "echo", "--", NULL }),
		==, 0);
	g_assert_cmpstr(out, ==, "--\n");
}

static void test_cli_timeout(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *out = NULL, *err = NULL, *want = NULL;

	if (c == NULL)
		return;
	g_test_summary("exec --timeout: killed at the timeout, one line saying so, exit 255");
	g_assert_cmpint(
		exec_cli(c, NULL, &out, &err,
			 (const char *const[]){ "--timeout", "1", "--session", "t1", "@ID@", "sh",
						"-c", "echo started; exec sleep 1000", NULL }),
		==, 255);
	g_assert_cmpstr(out, ==, "started\n");
	want = g_strdup_printf("vigilctl: exec 't1' in '%s': timed out after 1 s and was killed\n",
			       c->b->id);
	g_assert_cmpstr(err, ==, want);
	/* one that ends in time says nothing */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(exec_cli(c, NULL, NULL, &err,
				 (const char *const[]){ "--timeout", "100", "@ID@", "true", NULL }),
			==, 0);
	g_assert_cmpstr(err, ==, "");
}

/* The library with pipes for streams. */
static VigilExecResult lib_exec(Ctl *c, const char *session, const char *const *cmd,
				gboolean attach, char **out)
{
	VigilExecOptions o = VIGIL_EXEC_OPTIONS_INIT;
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilExecResult r = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(c->b->dir, "exec.out", NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	streams.output_fd = streams.error_fd = fd;
	o.cmd = cmd;
	o.streams = attach ? &streams : NULL;
	g_assert_true(vigil_runtime_exec_container(c->rt, c->b->id, session, &o, &r, &error));
	g_assert_no_error(error);
	close(fd);
	if (out != NULL)
		*out = testlib_read_file(path);
	return r;
}

static void test_lib_exec_stop_cleanup(void)
{
	g_autoptr(Ctl) c = running();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	int code = 0;

	if (c == NULL)
		return;
	g_test_summary("library: attached exec returns the code; a detached one runs until "
		       "exec-stop, which SIGKILLs a TERM-ignoring process after the timeout");
	VigilExecResult r = lib_exec(
		c, "a1", (const char *const[]){ "sh", "-c", "echo x; exit 3", NULL }, TRUE, &out);
	g_assert_cmpint(r.exit_code, ==, 3);
	g_assert_false(r.detached);
	g_assert_cmpint(r.pid, >, 0);
	g_assert_cmpstr(out, ==, "x\n");
	g_assert_true(vigil_runtime_exec_container_cleanup(c->rt, c->b->id, "a1", &error));
	g_assert_no_error(error);

	r = lib_exec(c, "d1",
		     (const char *const[]){
			     "sh", "-c", "trap '' TERM; touch /tmp/d1; while :; do sleep 1; done",
			     NULL },
		     FALSE, NULL);
	/* Its TERM trap is set once it says so. */
	g_autofree char *ready = g_build_filename(c->b->bundle, "rootfs", "tmp", "d1", NULL);
	g_assert_true(testlib_wait_for_file(ready, CTL_WAIT_MS));
	g_assert_true(r.detached);
	g_assert_cmpint(r.pid, >, 0);
	g_assert_cmpint(r.exit_code, ==, -1);
	g_assert_false(vigil_runtime_exec_container_cleanup(c->rt, c->b->id, "d1", &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
	g_clear_error(&error);
	g_assert_false(vigil_runtime_wait(c->rt, c->b->id, "d1", 0, &code, &error));
	g_assert_error(error, VIGIL_ERROR, ETIMEDOUT);
	g_clear_error(&error);
	g_assert_true(vigil_runtime_exec_stop_container(c->rt, c->b->id, "d1", 1000, &error));
	g_assert_no_error(error);
	g_assert_true(vigil_runtime_wait(c->rt, c->b->id, "d1", CTL_WAIT_MS, &code, &error));
	g_assert_cmpint(code, ==, 137);
	/* Stopping an ended session is fine. */
	g_assert_true(vigil_runtime_exec_stop_container(c->rt, c->b->id, "d1", 1000, &error));
	g_assert_true(vigil_runtime_exec_container_cleanup(c->rt, c->b->id, "d1", &error));
	g_assert_no_error(error);
	g_assert_false(vigil_runtime_exec_container_cleanup(c->rt, c->b->id, "d1", &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_clear_error(&error);

	/* exec in a container that is not running */
	g_assert_true(vigil_runtime_stop_container(c->rt, c->b->id, 0, FALSE, &error));
	VigilExecOptions o = VIGIL_EXEC_OPTIONS_INIT;
	o.cmd = (const char *const[]){ "true", NULL };
	g_assert_false(vigil_runtime_exec_container(c->rt, c->b->id, "x", &o, NULL, &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
}

static void test_run_stdin(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "cat", NULL });
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("run -i: stdin goes in, EOF closes it, the container exits");
	int status = ctl_cli(c, "one\ntwo\n", &out, &err, "run", "-i", "--bundle", c->b->bundle,
			     c->b->id, NULL);
	if (!ctl_require_attach_cli(status, err))
		return;
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpstr(out, ==, "one\ntwo\n");
}

static void test_cli_attach(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "read x; echo got $x; echo done >&2; exit 3", NULL });
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("vigilctl attach to a started container: input in, output out, returns "
		       "when it exits, with its exit code (as podman attach)");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "create", "-i", "--bundle", c->b->bundle,
				c->b->id, NULL),
			==, 0);
	if (!ctl_require_attach(c))
		return;
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "start", c->b->id, NULL), ==, 0);
	g_assert_cmpint(ctl_cli(c, "hello\n", &out, &err, "attach", c->b->id, NULL), ==, 3);
	g_assert_cmpstr(out, ==, "got hello\n");
	g_assert_cmpstr(err, ==, "done\n");
	g_assert_cmpint(ctl_wait(c), ==, 3);
	/* an ended container is vigilctl's failure (125), not a code it exited with */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, "", NULL, &err, "attach", c->b->id, NULL), ==, 125);
	g_autofree char *want = g_strdup_printf("vigilctl: attach '%s': it is stopped\n", c->b->id);
	g_assert_cmpstr(err, ==, want);
}

static void test_cli_attach_detach(void)
{
	g_autoptr(Ctl) c = running();
	g_autofree char *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("vigilctl attach left with the detach keys exits 0; the container runs on");
	g_assert_cmpint(ctl_cli(c, "\x10\x11", NULL, &err, "attach", c->b->id, NULL), ==, 0);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpstr(ctl_status(c), ==, "running");
}

typedef struct {
	Ctl *c;
	VigilAttachOptions *options;
	gboolean ok;
	GError *error;
} AttachThread;

static gpointer attach_thread(gpointer data)
{
	AttachThread *t = data;

	t->ok = vigil_runtime_attach(t->c->rt, t->c->b->id, NULL, t->options, NULL, &t->error);
	return NULL;
}

static void test_tty_resize(void)
{
	/* Prints its size once it is set, then waits for a second size. */
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c",
		"until [ \"$(stty size)\" = '33 77' ]; do sleep 0.1; done; echo first $(stty size); "
		"until [ \"$(stty size)\" = '40 100' ]; do sleep 0.1; done; echo then $(stty size)",
		NULL });
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilAttachOptions options = VIGIL_ATTACH_OPTIONS_INIT;
	VigilCreateOptions create = VIGIL_CREATE_OPTIONS_INIT;
	VigilResizeSource resize = { -1, -1 };
	g_autoptr(GError) error = NULL;
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };
	int master, slave;

	if (c == NULL)
		return;
	g_test_summary("attach with a terminal: its size goes to the container before the start; "
		       "vigil_runtime_resize from another thread changes it");
	create.bundle = c->b->bundle;
	create.terminal = TRUE;
	g_assert_true(vigil_runtime_create_container(c->rt, c->b->id, &create, &error));
	g_assert_no_error(error);
	if (!ctl_require_attach(c))
		return;
	g_assert_cmpint(openpty(&master, &slave, NULL, NULL, &ws), ==, 0);
	/* openpty() has no O_CLOEXEC: keep both ends out of the monitors started meanwhile */
	g_assert_cmpint(fcntl(master, F_SETFD, FD_CLOEXEC), ==, 0);
	g_assert_cmpint(fcntl(slave, F_SETFD, FD_CLOEXEC), ==, 0);
	g_autofree char *path = g_build_filename(c->b->dir, "tty.out", NULL);
	streams.output_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(streams.output_fd, >=, 0);
	resize.tty_fd = slave;
	options.streams = &streams;
	options.resize = &resize;
	options.start = TRUE;
	AttachThread t = { c, &options, FALSE, NULL };
	GThread *thread = g_thread_new("attach", attach_thread, &t);

	/* The first size has reached the container once it says so. Without it, end the
	 * container so that the attach (and the join below) returns: a failure, not a hang. */
	if (testlib_wait_for_text(path, "first 33 77", CTL_WAIT_MS)) {
		g_assert_true(vigil_runtime_resize(c->rt, c->b->id, NULL, 40, 100, &error));
		g_assert_no_error(error);
	} else {
		g_test_fail_printf("the container never saw the first size 33 77");
		(void)testlib_runc(c->b, NULL, NULL, "kill", c->b->id, "KILL", NULL);
	}
	g_thread_join(thread);
	g_assert_no_error(t.error);
	g_assert_true(t.ok);
	close(streams.output_fd);
	close(master);
	close(slave);
	g_autofree char *text = testlib_read_file(path);
	g_assert_cmpstr(text, ==, "first 33 77\r\nthen 40 100\r\n");
	g_assert_cmpint(ctl_wait(c), ==, 0);
}

/* vigilctl attach --session to a detached `exec -t` session, from a terminal (a pty of 33x77)
 * as a user would: the local terminal's size must reach the session's terminal. */
static void test_cli_attach_session_tty(void)
{
	g_autoptr(Ctl) c = running();
	g_autoptr(GError) error = NULL;
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };
	int master, slave;
	GPid pid;

	if (c == NULL)
		return;
	g_test_summary("attach --session to a terminal session sends the local terminal's size");
	g_assert_cmpint(
		exec_cli(c, NULL, NULL, NULL,
			 (const char *const[]){ "-d", "-t", "--session", "s1", "@ID@", "sh", "-c",
						"until [ \"$(stty size)\" = '33 77' ]; do sleep "
						"0.1; done; echo got $(stty size)",
						NULL }),
		==, 0);
	g_assert_cmpint(openpty(&master, &slave, NULL, NULL, &ws), ==, 0);
	g_assert_cmpint(fcntl(master, F_SETFD, FD_CLOEXEC), ==, 0);
	g_autofree char *path = g_build_filename(c->b->dir, "attach.out", NULL);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(out, >=, 0);
	g_autofree char *root = g_strdup_printf("--root=%s", c->root);
	g_autofree char *runc_root = g_strdup_printf("--runtime-root=%s", c->b->runc_root);
	g_autofree char *monitor = g_strdup_printf("--monitor=%s", ctl_monitor());
	const char *argv[] = { testlib_vigilctl(), root, runc_root, monitor, "attach",
			       "--session",        "s1", c->b->id,  NULL };
	g_assert_true(g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
					     NULL, NULL, &pid, slave, out, out, &error));
	g_assert_no_error(error);
	close(slave);
	close(out);
	/* Without the size the session waits forever: stop it, so the attach ends. */
	if (!testlib_wait_for_text(path, "got 33 77", CTL_WAIT_MS)) {
		g_test_fail_printf("the session never saw the size 33 77");
		g_assert_true(vigil_runtime_exec_stop_container(c->rt, c->b->id, "s1", 0, &error));
	}
	g_assert_cmpint(testlib_wait_pid(pid, CTL_WAIT_MS), ==, 0);
	close(master);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-exec/cli-exit-codes", test_cli_exit_codes);
	g_test_add_func("/controller-exec/cli-env-cwd-user", test_cli_env_cwd_user);
	g_test_add_func("/controller-exec/cli-stdin-tty", test_cli_stdin_and_tty);
	g_test_add_func("/controller-exec/cli-cap-add", test_cli_cap_add);
	g_test_add_func("/controller-exec/cli-double-dash", test_cli_double_dash);
	g_test_add_func("/controller-exec/cli-timeout", test_cli_timeout);
	g_test_add_func("/controller-exec/cli-detach-keys", test_cli_detach_keys);
	g_test_add_func("/controller-exec/lib-exec-stop-cleanup", test_lib_exec_stop_cleanup);
	g_test_add_func("/controller-exec/run-stdin", test_run_stdin);
	g_test_add_func("/controller-exec/cli-attach", test_cli_attach);
	g_test_add_func("/controller-exec/cli-attach-detach", test_cli_attach_detach);
	g_test_add_func("/controller-exec/tty-resize", test_tty_resize);
	g_test_add_func("/controller-exec/cli-attach-session-tty", test_cli_attach_session_tty);
	return g_test_run();
}
