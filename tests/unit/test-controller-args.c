/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "capabilities.h"
#include "checkpoint.h"
#include "create.h"
#include "detach_keys.h"
#include "monitor_args.h"
#include "monitor_launch.h"
#include "runtime_cmd.h"
#include "sync_decode.h"

/* The argv as one string, for exact comparison. */
static char *joined(GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < a->len && g_ptr_array_index(a, i) != NULL; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? " " : "",
				       (const char *)g_ptr_array_index(a, i));
	return g_string_free(s, FALSE);
}

static const MonitorArgsBase base = {
	.runtime = "/usr/sbin/runc",
	.runtime_root = "/run/vigil/.runtime/runc",
	.json_errors = TRUE,
	.log_level = NULL,
	.cid = "c1",
	.cuuid = "c1",
	.name = "web",
	.dir = "/run/vigil/c1",
	.exit_dir = "/run/vigil/c1/exits",
	.persist_dir = "/run/vigil/c1",
};

static void test_monitor_args_create_default(void)
{
	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
	const char *drivers[] = { "k8s-file:/run/vigil/c1/ctr.log", NULL };
	g_autoptr(GPtrArray) a = monitor_args_create(&base, &o, drivers);
	g_autofree char *s = joined(a);

	/* docs/conmon-contract.md, "Engine command lines" */
	g_test_summary("a plain create is exactly podman's argv for conmon");
	g_assert_cmpstr(s, ==,
			"--api-version 1 -c c1 -u c1 -r /usr/sbin/runc -b /run/vigil/c1 "
			"-p /run/vigil/c1/pidfile -n web --exit-dir /run/vigil/c1/exits "
			"--persist-dir /run/vigil/c1 --full-attach "
			"--runtime-arg --root=/run/vigil/.runtime/runc --syslog "
			"--runtime-arg --log-format=json --runtime-arg --log "
			"--runtime-arg=/run/vigil/c1/runtime.log "
			"--conmon-pidfile /run/vigil/c1/monitor.pid "
			"-l k8s-file:/run/vigil/c1/ctr.log");
	g_assert_null(g_ptr_array_index(a, a->len - 1));
}

static void test_monitor_args_create_all(void)
{
	VigilCheckpointOptions restore = { .image_path = "/ck",
					   .tcp_established = TRUE,
					   .file_locks = TRUE };
	const char *exit_args[] = { "a b", "c", NULL };
	VigilCreateOptions o = {
		.terminal = TRUE,
		.stdin_ = TRUE,
		.log_size_max = 1024,
		.log_global_size_max = 4096,
		.log_rotate = TRUE,
		.log_max_files = 3,
		.log_tag = "tag",
		.exit_command = "/bin/cleanup",
		.exit_command_args = exit_args,
		/* Milliseconds to the monitor's seconds: rounded up, never early. */
		.exit_delay_ms = 1500,
		.timeout_ms = 30000,
		.sdnotify_socket = "/run/notify",
		.preserve_fds = 2,
		.no_pivot = TRUE,
		.no_new_keyring = TRUE,
		.systemd_cgroup = TRUE,
		.no_cgroups = TRUE,
		.restore = &restore,
	};
	const char *drivers[] = { "journald", "json-file:/l", NULL };
	MonitorArgsBase b = base;
	b.json_errors = FALSE;
	b.log_level = "debug";
	g_autoptr(GPtrArray) a = monitor_args_create(&b, &o, drivers);
	g_autofree char *s = joined(a);

	g_assert_cmpstr(s, ==,
			"--api-version 1 -c c1 -u c1 -r /usr/sbin/runc -b /run/vigil/c1 "
			"-p /run/vigil/c1/pidfile -n web --exit-dir /run/vigil/c1/exits "
			"--persist-dir /run/vigil/c1 --full-attach "
			"--runtime-arg --root=/run/vigil/.runtime/runc --log-level debug --syslog "
			"--conmon-pidfile /run/vigil/c1/monitor.pid "
			"-l journald -l json-file:/l --log-size-max=1024 "
			"--log-global-size-max=4096 --log-rotate --log-max-files=3 --log-tag tag "
			"--runtime-arg --cgroup-manager --runtime-arg disabled -s "
			"--sdnotify-socket=/run/notify -t --timeout=30 --no-new-keyring --no-pivot "
			"--exit-command /bin/cleanup --exit-command-arg a b --exit-command-arg c "
			"--exit-delay=2 --runtime-opt --preserve-fds --runtime-opt 2 "
			"--restore /ck --runtime-opt --tcp-established --runtime-opt --file-locks");
}

static void test_monitor_args_exec(void)
{
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	const char *cmd[] = { "sh", NULL };
	VigilExecOptions o = {
		.cmd = cmd, .streams = &streams, .preserve_fds = 1, .timeout_ms = 4001
	};
	MonitorArgsBase b = base;
	b.cuuid = "s1";
	b.dir = "/run/vigil/c1/exec/s1";
	b.exit_dir = "/run/vigil/c1/exec/s1/exits";
	b.persist_dir = b.dir;
	streams.attach_input = TRUE;
	g_autoptr(GPtrArray) attached = monitor_args_exec(&b, &o, "/p.json", TRUE);
	g_autofree char *s = joined(attached);

	g_test_summary("exec sessions: podman's exec argv, attached or detached");
	g_assert_true(g_str_has_prefix(s, "--api-version 1 -c c1 -u s1 -r /usr/sbin/runc "
					  "-b /run/vigil/c1/exec/s1 "
					  "-p /run/vigil/c1/exec/s1/pidfile -n web"));
	g_assert_true(g_str_has_suffix(s, "--conmon-pidfile /run/vigil/c1/exec/s1/monitor.pid "
					  "-l none -i --timeout=5 -e --exec-attach "
					  "--exec-process-spec /p.json "
					  "--runtime-opt --preserve-fds --runtime-opt 1"));

	o.terminal = TRUE;
	o.preserve_fds = 0;
	o.timeout_ms = 0;
	g_autoptr(GPtrArray) detached = monitor_args_exec(&b, &o, "/p.json", FALSE);
	g_autofree char *d = joined(detached);
	g_assert_true(g_str_has_suffix(d, "-l k8s-file:/run/vigil/c1/exec/s1/ctr.log -t -e "
					  "--exec-process-spec /p.json"));
}

static void test_checkpoint_args(void)
{
	VigilCheckpointOptions o = { .image_path = "/img" };
	g_autoptr(GPtrArray) a = checkpoint_args("c1", "/work", &o);
	g_autofree char *s = joined(a);

	g_test_summary("checkpoint: the runtime's flags, as podman passes them");
	g_assert_cmpstr(s, ==, "checkpoint --image-path /img --work-path /work c1");
	o.leave_running = o.tcp_established = o.file_locks = o.pre_dump = TRUE;
	o.parent_path = "../pre";
	g_autoptr(GPtrArray) b = checkpoint_args("c1", "/work", &o);
	g_autofree char *t = joined(b);
	g_assert_cmpstr(t, ==,
			"checkpoint --image-path /img --work-path /work --leave-running "
			"--tcp-established --file-locks --pre-dump --parent-path ../pre c1");
}

static void test_runtime_argv(void)
{
	RuntimeCmd cmd = { "/usr/sbin/runc", "/r", TRUE };
	const char *args[] = { "kill", "--all", "c1", "9", NULL };
	g_autoptr(GPtrArray) a = runtime_cmd_argv(&cmd, args);
	g_autofree char *s = joined(a);

	g_assert_cmpstr(s, ==, "/usr/sbin/runc --root /r --log-format json kill --all c1 9");
	cmd.root = NULL;
	cmd.json_errors = FALSE;
	g_autoptr(GPtrArray) b = runtime_cmd_argv(&cmd, args);
	g_autofree char *t = joined(b);
	g_assert_cmpstr(t, ==, "/usr/sbin/runc kill --all c1 9");
}

static void test_runtime_argv_text(void)
{
	const char *argv[] = { "/usr/sbin/runc", "--root=/r", "exec", "c1", "sh", "-c",
			       "echo 'hi' $X",   "",          "a b",  NULL };
	g_autofree char *text = runtime_cmd_argv_text(argv);
	g_auto(GStrv) back = NULL;

	g_test_summary("the debug line of a runtime's argv: plain words bare, the rest quoted "
		       "so a shell splits it back into the same argv");
	g_assert_cmpstr(text, ==,
			"/usr/sbin/runc --root=/r exec c1 sh -c 'echo '\\''hi'\\'' $X' '' 'a b'");
	g_assert_true(g_shell_parse_argv(text, NULL, &back, NULL));
	g_assert_cmpstrv(back, argv);
}

static void test_runtime_error_message(void)
{
	struct {
		const char *output, *message;
	} cases[] = {
		/* runc --log-format json: the last error line wins, warnings are skipped */
		{ "{\"level\":\"warning\",\"msg\":\"cgroup\",\"time\":\"t\"}\n"
		  "{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"t\"}\n",
		  "container does not exist" },
		/* crun orders the keys differently */
		{ "{\"msg\":\"error opening file `/x/status`: No such file\",\"level\":\"error\"}",
		  "error opening file `/x/status`: No such file" },
		/* runc's text format */
		{ "time=\"2026\" level=error msg=\"exec: \\\"/nope\\\": no such file\"\n",
		  "exec: \"/nope\": no such file" },
		/* plain text: the last line, one line */
		{ "first\nsecond\ttabbed\n\n", "second tabbed" },
		/* a JSON message with a newline in it stays one line */
		{ "{\"level\":\"fatal\",\"msg\":\"a\\nb\"}", "a b" },
		{ "", NULL },
		{ "{\"level\":\"info\",\"msg\":\"fine\"}\n", NULL },
		{ "{\"level\": 3, \"msg\": []}\n", NULL },
	};

	g_test_summary("the runtime's own error message, from JSON, logfmt or text");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *m = runtime_cmd_error_message(cases[i].output, -1);
		g_assert_cmpstr(m, ==, cases[i].message);
	}
}

static void test_runtime_error_code(void)
{
	static const struct {
		const char *why;
		int code;
	} cases[] = {
		/* runc 1.1 */
		{ "runc create failed: unable to start container process: exec: \"nosuch\": "
		  "executable file not found in $PATH",
		  ENOEXEC },
		{ "exec failed: unable to start container process: exec: \"/x\": stat /x: no such "
		  "file or directory",
		  ENOEXEC },
		{ "exec failed: unable to start container process: exec: \"/etc/passwd\": "
		  "permission denied",
		  EACCES },
		/* crun */
		{ "executable file `nosuch` not found in $PATH: No such file or directory",
		  ENOEXEC },
		{ "open executable: Permission denied", EACCES },
		/* the same words about something else are the runtime's failure */
		{ "runc create failed: unable to start container process: error during container "
		  "init: open /x/config.json: no such file or directory",
		  EIO },
		{ "mkdir /run/runc/x: permission denied", EIO },
		{ "container not running", EIO },
		{ "", EIO },
	};

	g_test_summary("a runtime error that says the process's command was not found, or could "
		       "not be executed, gets its own code (vigilctl exits 127 and 126)");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(monitor_launch_error_code(cases[i].why), ==, cases[i].code);
}

static void test_sync_decode(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *message = NULL;
	int v = 0;

	g_test_summary("sync pipe lines: every key conmon uses; garbage is EPROTO");
	g_assert_true(sync_decode("{\"data\": 10840}\n", 16, &v, &message, &error));
	g_assert_cmpint(v, ==, 10840);
	g_assert_null(message);
	g_assert_true(sync_decode("{\"pid\": 7}", 10, &v, NULL, &error));
	g_assert_cmpint(v, ==, 7);
	const char *line = "{\"exit_code\": -1, \"message\": \"command timed out\"}\n";
	g_assert_true(sync_decode(line, strlen(line), &v, &message, &error));
	g_assert_cmpint(v, ==, -1);
	g_assert_cmpstr(message, ==, "command timed out");

	const char *bad[] = { "",
			      "[1]",
			      "{\"data\": \"x\"}",
			      "{\"other\": 1}",
			      "{\"data\": 99999999999}",
			      "{\"data\": 1, \"message\": 2}",
			      "{\"data\": 1" };
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_clear_error(&error);
		g_assert_false(sync_decode(bad[i], strlen(bad[i]), &v, NULL, &error));
		g_assert_error(error, VIGIL_ERROR, EPROTO);
	}
}

static void test_sync_reader(void)
{
	int fds[2];
	g_autoptr(GError) error = NULL;
	g_autofree char *m = NULL;
	int v;

	g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
	g_autoptr(SyncReader) r = sync_reader_new(fds[0]);
	/* Two lines in one write, then a split one: a pipe does not keep messages apart. */
	g_assert_cmpint(write(fds[1], "{\"data\": 1}\n{\"data\": 2}\n{\"da", 28), ==, 28);
	g_assert_true(sync_reader_next(r, -1, &v, NULL, &error));
	g_assert_cmpint(v, ==, 1);
	g_assert_true(sync_reader_next(r, -1, &v, NULL, &error));
	g_assert_cmpint(v, ==, 2);
	g_assert_cmpint(write(fds[1], "ta\": 3, \"message\": \"m\"}\n", 24), ==, 24);
	g_assert_true(sync_reader_next(r, -1, &v, &m, &error));
	g_assert_cmpint(v, ==, 3);
	g_assert_cmpstr(m, ==, "m");
	/* Nothing there yet: a deadline in the past answers at once. */
	g_assert_false(sync_reader_next(r, g_get_monotonic_time(), &v, NULL, &error));
	g_assert_error(error, VIGIL_ERROR, ETIMEDOUT);
	g_clear_error(&error);
	close(fds[1]);
	g_assert_false(sync_reader_next(r, -1, &v, NULL, &error));
	g_assert_error(error, VIGIL_ERROR, EPIPE);
}

static void feed(DetachKeys *k, const char *in, const char *expect_out, gboolean expect_detach)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	gboolean detached = detach_keys_feed(k, (const guint8 *)in, strlen(in), out);

	g_assert_cmpint(detached, ==, expect_detach);
	g_assert_cmpmem(out->data, out->len, expect_out, strlen(expect_out));
}

static void test_detach_keys(void)
{
	g_autoptr(GError) error = NULL;
	DetachKeys k;

	g_test_summary("detach keys: docker's syntax; held bytes are released on a mismatch");
	g_assert_true(detach_keys_parse(NULL, &k, &error));
	g_assert_cmpuint(k.len, ==, 2);
	g_assert_cmpuint(k.seq[0], ==, 0x10);
	g_assert_cmpuint(k.seq[1], ==, 0x11);
	feed(&k, "ab\x10", "ab", FALSE); /* ctrl-p held back */
	feed(&k, "c",
	     "\x10"
	     "c",
	     FALSE); /* ...and released */
	feed(&k, "x\x10\x11y", "x", TRUE);
	/* The input ends after a held ctrl-p: it goes out then. */
	feed(&k, "z\x10", "z", FALSE);
	g_autoptr(GByteArray) rest = g_byte_array_new();
	detach_keys_flush(&k, rest);
	g_assert_cmpmem(rest->data, rest->len, "\x10", 1);
	feed(&k, "\x11", "\x11", FALSE);

	g_assert_true(detach_keys_parse("ctrl-a,a,q", &k, &error));
	g_assert_cmpmem(k.seq, k.len,
			"\x01"
			"aq",
			3);
	/* "^A ^A a q": the first ^A is released, the second starts the match */
	feed(&k,
	     "\x01\x01"
	     "aq",
	     "\x01", TRUE);
	g_assert_true(detach_keys_parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", &k, &error));
	g_assert_cmpmem(k.seq, k.len, "\x00\x1b\x1c\x1d\x1e\x1f", 6);
	g_assert_true(detach_keys_parse("", &k, &error));
	feed(&k, "\x10\x11", "\x10\x11", FALSE);

	const char *bad[] = { "ctrl-", "ctrl-1", "ab", ",", "ctrl-p,,q" };
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_clear_error(&error);
		g_assert_false(detach_keys_parse(bad[i], &k, &error));
		g_assert_error(error, VIGIL_ERROR, EINVAL);
	}
}

static void test_signals(void)
{
	g_assert_cmpint(vigil_signal_parse("TERM"), ==, SIGTERM);
	g_assert_cmpint(vigil_signal_parse("sigkill"), ==, SIGKILL);
	g_assert_cmpint(vigil_signal_parse("SIGWINCH"), ==, SIGWINCH);
	g_assert_cmpint(vigil_signal_parse("9"), ==, 9);
	g_assert_cmpint(vigil_signal_parse("RTMIN+2"), ==, SIGRTMIN + 2);
	g_assert_cmpint(vigil_signal_parse("rtmax-1"), ==, SIGRTMAX - 1);
	g_assert_cmpint(vigil_signal_parse("RTMAX"), ==, SIGRTMAX);
	const char *bad[] = {
		NULL, "", "0", "-1", "65", "NOPE", "RTMIN-1", "RTMAX+1", "9x", "SIG"
	};
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(vigil_signal_parse(bad[i]), ==, -1);
}

static void test_log_drivers(void)
{
	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
	g_autofree char *driver = NULL, *path = NULL;
	g_auto(GStrv) d = create_log_drivers(&o, "/s/c1", &driver, &path);

	g_test_summary("the default log and the file `vigilctl logs` reads");
	g_assert_cmpstrv(d, ((const char *const[]){ "k8s-file:/s/c1/ctr.log", NULL }));
	g_assert_cmpstr(driver, ==, "k8s-file");
	g_assert_cmpstr(path, ==, "/s/c1/ctr.log");

	const char *given[] = { "journald", "none", "json-file:/j/log", "k8s-file:/k", NULL };
	o.log_drivers = given;
	g_clear_pointer(&driver, g_free);
	g_clear_pointer(&path, g_free);
	g_auto(GStrv) e = create_log_drivers(&o, "/s/c1", &driver, &path);
	g_assert_cmpstrv(e, given);
	g_assert_cmpstr(driver, ==, "json-file");
	g_assert_cmpstr(path, ==, "/j/log");

	const char *none[] = { "passthrough", NULL };
	o.log_drivers = none;
	g_clear_pointer(&driver, g_free);
	g_clear_pointer(&path, g_free);
	g_auto(GStrv) f = create_log_drivers(&o, "/s/c1", &driver, &path);
	g_assert_cmpstrv(f, none);
	g_assert_null(driver);
	g_assert_null(path);

	/* Relative paths are made absolute for the record; without a path, the format goes
	 * to the default log. */
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *abs = g_build_filename(cwd, "rel.log", NULL);
	g_autofree char *expect = g_strconcat("k8s-file:", abs, NULL);
	const char *rel[] = { "k8s-file:rel.log", "json-file", NULL };
	o.log_drivers = rel;
	g_clear_pointer(&driver, g_free);
	g_clear_pointer(&path, g_free);
	g_auto(GStrv) g = create_log_drivers(&o, "/s/c1", &driver, &path);
	g_assert_cmpstr(g[0], ==, expect);
	g_assert_cmpstr(g[1], ==, "json-file:/s/c1/ctr.log");
	g_assert_cmpstr(path, ==, abs);
}

static void test_log_drivers_check(void)
{
	const char *good[] = { "k8s-file", "k8s-file:/l", "json-file", "json-file:rel",
			       "journald", "passthrough", "none",      NULL };
	const char *bad[] = { "bogus",     "json",       "rel.log",     "/abs.log", ":/l",
			      "k8s-file:", "journald:x", "nonsense:/l", "",         NULL };
	g_autoptr(GError) error = NULL;

	g_test_summary("--log-driver takes the known drivers only: a typo is not a file name");
	g_assert_true(create_log_drivers_check(NULL, &error));
	g_assert_true(create_log_drivers_check(good, &error));
	g_assert_no_error(error);
	for (const char *const *b = bad; *b != NULL; b++) {
		g_autofree char *want = g_strdup_printf(
			"--log-driver '%s' is not a log driver (k8s-file[:PATH], json-file[:PATH], "
			"journald, passthrough or none)",
			*b);
		const char *one[] = { "journald", *b, NULL };
		g_assert_false(create_log_drivers_check(one, &error));
		g_assert_error(error, VIGIL_ERROR, EINVAL);
		g_assert_cmpstr(error->message, ==, want);
		g_clear_error(&error);
	}
}

static void test_capabilities(void)
{
	g_autoptr(GError) error = NULL;

	g_test_summary("--cap-add: the kernel's names, with or without CAP_, in any case");
	for (const char *const *c =
		     (const char *const[]){ "NET_ADMIN", "cap_net_admin", "Cap_Chown",
					    "CAP_CHECKPOINT_RESTORE", "bpf", NULL };
	     *c != NULL; c++) {
		g_assert_true(capability_check(*c, &error));
		g_assert_no_error(error);
	}
	for (const char *const *c = (const char *const[]){ "BOGUS", "CAP_", "", "NET ADMIN",
							   "CAP_CAP_CHOWN", "all", NULL };
	     *c != NULL; c++) {
		g_autofree char *want =
			g_strdup_printf("--cap-add '%s' is not a capability (the kernel's CAP_* "
					"names, with or without CAP_)",
					*c);
		g_assert_false(capability_check(*c, &error));
		g_assert_error(error, VIGIL_ERROR, EINVAL);
		g_assert_cmpstr(error->message, ==, want);
		g_clear_error(&error);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/controller-args/monitor-create-default",
			test_monitor_args_create_default);
	g_test_add_func("/controller-args/monitor-create-all", test_monitor_args_create_all);
	g_test_add_func("/controller-args/monitor-exec", test_monitor_args_exec);
	g_test_add_func("/controller-args/checkpoint", test_checkpoint_args);
	g_test_add_func("/controller-args/runtime-argv", test_runtime_argv);
	g_test_add_func("/controller-args/runtime-argv-text", test_runtime_argv_text);
	g_test_add_func("/controller-args/runtime-error", test_runtime_error_message);
	g_test_add_func("/controller-args/runtime-error-code", test_runtime_error_code);
	g_test_add_func("/controller-args/sync-decode", test_sync_decode);
	g_test_add_func("/controller-args/sync-reader", test_sync_reader);
	g_test_add_func("/controller-args/detach-keys", test_detach_keys);
	g_test_add_func("/controller-args/signals", test_signals);
	g_test_add_func("/controller-args/log-drivers", test_log_drivers);
	g_test_add_func("/controller-args/log-drivers-check", test_log_drivers_check);
	g_test_add_func("/controller-args/capabilities", test_capabilities);
	return g_test_run();
}
