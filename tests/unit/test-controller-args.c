/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "create.h"
#include "detach_keys.h"
#include "monitor_args.h"
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

	g_test_summary("a plain create is exactly podman's argv for conmon (conmon.md §13.3)");
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
		.exit_delay = 2,
		.timeout = 30,
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
	VigilExecOptions o = { .cmd = cmd, .streams = &streams, .preserve_fds = 1, .timeout = 5 };
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
	o.timeout = 0;
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

	/* A bare path is k8s-file (conmon.md §8.1), made absolute for the record. */
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *abs = g_build_filename(cwd, "rel.log", NULL);
	g_autofree char *expect = g_strconcat("k8s-file:", abs, NULL);
	const char *bare[] = { "rel.log", NULL };
	o.log_drivers = bare;
	g_clear_pointer(&driver, g_free);
	g_clear_pointer(&path, g_free);
	g_auto(GStrv) g = create_log_drivers(&o, "/s/c1", &driver, &path);
	g_assert_cmpstr(g[0], ==, expect);
	g_assert_cmpstr(path, ==, abs);
}

/* vigilctl's own argument handling: one line on stderr, exit 1 (125 for run/exec/wait);
 * its stdout goes to out_stdout if that is not NULL. */
static void check_cli_out(const char *const *args, int want_status, const char *want_stderr,
			  char **out_stdout)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	const char *ctl = g_getenv("VIGILCTL");
	int status = 0;

	g_ptr_array_add(argv, (char *)(ctl != NULL ? ctl : "vigilctl"));
	g_ptr_array_add(argv, (char *)"--root");
	g_ptr_array_add(argv, (char *)g_get_tmp_dir());
	/* Any executable will do as the runtime until a container is touched. */
	g_ptr_array_add(argv, (char *)"--runtime");
	g_ptr_array_add(argv, (char *)"/bin/true");
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
				   &out, &err, &status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, want_status);
	g_assert_cmpstr(err, ==, want_stderr);
	if (out_stdout != NULL)
		*out_stdout = g_steal_pointer(&out);
}

static void check_cli(const char *const *args, int want_status, const char *want_stderr)
{
	check_cli_out(args, want_status, want_stderr, NULL);
}

static void test_cli_errors(void)
{
	g_test_summary("bad vigilctl arguments: one clear line, a documented exit code");
	check_cli((const char *const[]){ "frobnicate", NULL }, 1,
		  "vigilctl: unknown command 'frobnicate' (see 'vigilctl --help')\n");
	check_cli((const char *const[]){ "start", NULL }, 1,
		  "vigilctl: start: expected ID (see 'vigilctl start --help')\n");
	check_cli((const char *const[]){ "start", "a", "b", NULL }, 1,
		  "vigilctl: start: expected ID (see 'vigilctl start --help')\n");
	check_cli((const char *const[]){ "kill", "a", "NOSIG", NULL }, 1,
		  "vigilctl: kill 'a': 'NOSIG' is not a signal\n");
	check_cli((const char *const[]){ "stop", "-t", "soon", "a", NULL }, 1,
		  "vigilctl: --time 'soon' is not a non-negative number\n");
	check_cli((const char *const[]){ "stop", "--bogus", "a", NULL }, 1,
		  "vigilctl: stop: Unknown option --bogus (see 'vigilctl stop --help')\n");
	check_cli((const char *const[]){ "logs", "--since", "yesterday", "a", NULL }, 1,
		  "vigilctl: logs: --since 'yesterday' is not a time\n");
	check_cli((const char *const[]){ "checkpoint", "a", NULL }, 1,
		  "vigilctl: checkpoint: --image-path is required\n");
	check_cli((const char *const[]){ "exec", "a", NULL }, 125,
		  "vigilctl: exec: expected ID COMMAND [ARG...] (see 'vigilctl exec --help')\n");
	check_cli((const char *const[]){ "run", "--rm", "-d", "a", NULL }, 125,
		  "vigilctl: run: --rm needs the container attached\n");
	check_cli((const char *const[]){ "--runtime", "/nonexistent/rt", "list", NULL }, 1,
		  "vigilctl: OCI runtime '/nonexistent/rt' not found\n");
	check_cli((const char *const[]){ "--monitor", "/nonexistent/mon", "list", NULL }, 1,
		  "vigilctl: monitor '/nonexistent/mon' not found\n");
	check_cli((const char *const[]){ "state", "../etc", NULL }, 1,
		  "vigilctl: state '../etc': container id '../etc' is not valid: it starts "
		  "with '.'\n");
	check_cli((const char *const[]){ "state", "a/b", NULL }, 1,
		  "vigilctl: state 'a/b': container id 'a/b' is not valid: only letters, "
		  "digits and _.+- are allowed\n");
	check_cli((const char *const[]){ "state", "no-such-ctr", NULL }, 1,
		  "vigilctl: state 'no-such-ctr': no such container 'no-such-ctr'\n");
	check_cli((const char *const[]){ "create", "--bundle", "/nonexistent", "x", NULL }, 1,
		  "vigilctl: create 'x': bundle '/nonexistent' has no config.json\n");
	check_cli((const char *const[]){ "--help", NULL }, 0, "");
	check_cli((const char *const[]){ "exec", "--help", NULL }, 0, "");
}

static void test_cli_bad_input(void)
{
	g_autofree char *root = g_dir_make_tmp("vigilctl-args-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename(root, "bad", NULL);
	g_autofree char *record = g_build_filename(dir, "state.json", NULL);
	g_autofree char *lock = g_build_filename(dir, "lock", NULL);
	g_autofree char *stray = g_build_filename(root, "stray", NULL);
	g_autofree char *list = NULL;

	g_test_summary("more bad input: each error names the command that failed and why; "
		       "--json never prints anything but JSON");
	g_assert_nonnull(root);
	g_assert_cmpint(mkdir(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(record, "[1]", -1, NULL));
	g_assert_true(g_file_set_contents(lock, "", -1, NULL));
	/* Not a container: no lock (a container's directory is renamed in with one). */
	g_assert_cmpint(mkdir(stray, 0700), ==, 0);
	check_cli((const char *const[]){ "--root", root, "state", "stray", NULL }, 1,
		  "vigilctl: state 'stray': no such container 'stray'\n");
	g_autofree char *stray_lock = g_build_filename(stray, "lock", NULL);
	g_assert_false(g_file_test(stray_lock, G_FILE_TEST_EXISTS));
	/* list shows the corrupt one, as unknown, and not the stray directory. */
	check_cli_out((const char *const[]){ "--root", root, "list", NULL }, 0, "", &list);
	g_assert_nonnull(strstr(list, "\nbad "));
	g_assert_nonnull(strstr(list, " unknown "));
	g_assert_null(strstr(list, "stray"));
	/* A corrupt record: the command the user typed, not an internal "state". */
	check_cli((const char *const[]){ "--root", root, "attach", "bad", NULL }, 1,
		  "vigilctl: attach 'bad': state record of container 'bad' is corrupt: not an "
		  "object\n");
	check_cli((const char *const[]){ "--root", root, "paths", "bad", NULL }, 1,
		  "vigilctl: paths 'bad': state record of container 'bad' is corrupt: not an "
		  "object\n");
	check_cli((const char *const[]){ "--root", root, "paths", "nosuch", NULL }, 1,
		  "vigilctl: paths 'nosuch': no such container 'nosuch'\n");
	/* An empty --root would be the current directory, whatever that is. */
	check_cli((const char *const[]){ "--root", "", "list", NULL }, 1,
		  "vigilctl: --root: must not be empty\n");
	check_cli((const char *const[]){ "--runtime-root", "", "list", NULL }, 1,
		  "vigilctl: --runtime-root: must not be empty\n");
	/* A number too large is a number. */
	check_cli((const char *const[]){ "logs", "--tail", "99999999999999999999", "a", NULL }, 1,
		  "vigilctl: --tail '99999999999999999999' is too large (at most 2147483647)\n");
	check_cli((const char *const[]){ "wait", "--timeout", "4294967296", "a", NULL }, 125,
		  "vigilctl: --timeout '4294967296' is too large (at most 2147483647)\n");
	/* The container's own bytes are not JSON. */
	check_cli((const char *const[]){ "--root", root, "logs", "--json", "bad", NULL }, 1,
		  "vigilctl: logs: --json is not supported: the output is the container's "
		  "own\n");
	check_cli((const char *const[]){ "--root", root, "--json", "attach", "bad", NULL }, 1,
		  "vigilctl: attach: --json is not supported: the output is the container's "
		  "own\n");
	check_cli((const char *const[]){ "--root", root, "--json", "exec", "bad", "true", NULL },
		  125, "vigilctl: exec: --json needs --detach: the output is the session's own\n");
	check_cli((const char *const[]){ "--root", root, "--json", "run", "bad", NULL }, 125,
		  "vigilctl: run: --json needs --detach: the output is the container's own\n");
	/* Opening it left a lock file beside the record. */
	const char *rm[] = { "rm", "-rf", root, NULL };
	g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
	g_assert_false(g_file_test(root, G_FILE_TEST_EXISTS));
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
	g_test_add_func("/controller-args/runtime-error", test_runtime_error_message);
	g_test_add_func("/controller-args/sync-decode", test_sync_decode);
	g_test_add_func("/controller-args/sync-reader", test_sync_reader);
	g_test_add_func("/controller-args/detach-keys", test_detach_keys);
	g_test_add_func("/controller-args/signals", test_signals);
	g_test_add_func("/controller-args/log-drivers", test_log_drivers);
	g_test_add_func("/controller-args/cli-errors", test_cli_errors);
	g_test_add_func("/controller-args/cli-bad-input", test_cli_bad_input);
	return g_test_run();
}
