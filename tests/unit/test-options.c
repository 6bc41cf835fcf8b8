/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_options.h"

static gboolean parse(MonitorConfig *cfg, GError **error, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	va_list ap;
	const char *a;

	g_ptr_array_add(argv, (char *)"vigilmon");
	va_start(ap, error);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	return options_parse(cfg, (int)argv->len - 1, (char **)argv->pdata, error);
}

static void test_podman_argv(void)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(
		parse(&cfg, &error, "--api-version", "1", "-c", "abc", "-u", "abc", "-r",
		      "/bin/true", "-b", "/b", "-p", "/b/pidfile", "-n", "name", "--exit-dir", "/e",
		      "--persist-dir", "/p", "--full-attach", "-l", "k8s-file:/b/ctr.log",
		      "--log-level", "debug", "--syslog", "--timeout=5", "--runtime-arg",
		      "--log-format=json", "--runtime-arg=--log", "--exit-command", "/bin/echo",
		      "--exit-command-arg", "x", "--exit-command-arg", "y", "--runtime-opt",
		      "--preserve-fds", "--restore-arg", "2", "--log-size-max", "0x10", NULL));
	g_assert_no_error(error);
	g_assert_true(cfg.api_version);
	g_assert_cmpstr(cfg.cid, ==, "abc");
	g_assert_cmpstr(cfg.bundle, ==, "/b");
	g_assert_true(cfg.full_attach);
	g_assert_true(cfg.syslog);
	g_assert_cmpint(cfg.timeout, ==, 5);
	g_assert_cmpint(cfg.log_size_max, ==, 16); /* base 0, as GOption */
	g_assert_cmpint(g_strv_length(cfg.runtime_args), ==, 2);
	g_assert_cmpstr(cfg.runtime_args[1], ==, "--log");
	g_assert_cmpint(g_strv_length(cfg.exit_command_args), ==, 2);
	/* --runtime-opt and --restore-arg share one list in command-line order */
	g_assert_cmpuint(cfg.runtime_opts->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(cfg.runtime_opts, 0), ==, "--preserve-fds");
	g_assert_cmpstr(g_ptr_array_index(cfg.runtime_opts, 1), ==, "2");
	g_assert_cmpint(cfg.log_max_files, ==, 1);
	g_assert_true(options_validate(&cfg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(cfg.log_level, ==, DIAG_LEVEL_DEBUG);
}

static void test_short_forms(void)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(parse(&cfg, &error, "-c", "id", "-u", "uu", "-n", "nm", "-r", "/bin/true",
			    "-b", "/b", "-p", "/pf", "-P", "/cpf", "-l", "/log", "-0", "/persist",
			    "-t", "-i", "-s", "-T", "7", "-e", NULL));
	g_assert_no_error(error);
	g_assert_cmpstr(cfg.conmon_pidfile, ==, "/cpf");
	g_assert_cmpstr(cfg.persist_dir, ==, "/persist");
	g_assert_true(cfg.terminal && cfg.stdin_ && cfg.systemd_cgroup && cfg.exec);
	g_assert_cmpint(cfg.timeout, ==, 7);
}

static void test_parse_errors(void)
{
	static const char *const bad[][3] = {
		{ "--exit-delay", "abc", "Cannot parse integer value" },
		{ "--log-max-files", "2147483648", "out of range" },
		{ "--log-size-max", "12k", "Cannot parse integer value" },
		{ "--no-such-option", NULL, "Unknown option --no-such-option" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_auto(MonitorConfig) cfg = { 0 };
		g_autoptr(GError) error = NULL;
		g_assert_false(parse(&cfg, &error, bad[i][0], bad[i][1], NULL));
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, bad[i][2]));
	}
}

static void test_flag_with_value_and_positional(void)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;

	/* "--api-version 1" is a flag plus an ignored positional; "--version=1" works too */
	g_assert_true(parse(&cfg, &error, "--api-version", "1", "--version=1", NULL));
	g_assert_true(cfg.api_version);
	g_assert_true(cfg.version);
}

/*
 * Option values are bytes from execve, passed on byte for byte (a rootless user's home
 * /home/josé in podman's log path and exit-command args, a runtime flag): never converted
 * through the locale's charset, and never refused for it, whatever LANG says. conmon takes
 * them in a UTF-8 locale; GOption's string types refused them here in every locale ("Invalid
 * byte sequence in conversion input").
 */
static void test_non_ascii_values(void)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;

	gboolean ok =
		parse(&cfg, &error, "-c", "id\xc3\xa9", "-u", "u\xff", "-n", "caf\xc3\xa9", "-l",
		      "k8s-file:/home/jos\xc3\xa9/ctr.log", "--runtime-arg", "--root=/r\xe9",
		      "--runtime-opt", "\xff\xfe", "--restore-arg", "r\xe9", "--exit-command-arg",
		      "/home/jos\xc3\xa9", "--log-tag", "t\xe9", "--log-label", "L=\xc3\xa9", NULL);
	g_assert_no_error(error);
	g_assert_true(ok);
	g_assert_cmpstr(cfg.cid, ==, "id\xc3\xa9");
	g_assert_cmpstr(cfg.cuuid, ==, "u\xff");
	g_assert_cmpstr(cfg.name, ==, "caf\xc3\xa9");
	g_assert_cmpstr(cfg.log_paths[0], ==, "k8s-file:/home/jos\xc3\xa9/ctr.log");
	g_assert_cmpstr(cfg.runtime_args[0], ==, "--root=/r\xe9");
	g_assert_cmpstr(g_ptr_array_index(cfg.runtime_opts, 0), ==, "\xff\xfe");
	g_assert_cmpstr(g_ptr_array_index(cfg.runtime_opts, 1), ==, "r\xe9");
	g_assert_cmpstr(cfg.exit_command_args[0], ==, "/home/jos\xc3\xa9");
	g_assert_cmpstr(cfg.log_tag, ==, "t\xe9");
	g_assert_cmpstr(cfg.log_labels[0], ==, "L=\xc3\xa9");
}

typedef struct {
	const char *const *args;
	const char *message;
} ValidateCase;

static void test_validate_messages(void)
{
	static const char *const no_cid[] = { "-u", "u", "-r", "/bin/true", NULL };
	static const char *const bad_level[] = { "-c", "c", "--log-level", "loud", NULL };
	static const char *const exec_restore[] = { "-c", "c", "-e", "--restore", "/x", NULL };
	static const char *const attach_no_exec[] = { "-c", "c", "--exec-attach", NULL };
	static const char *const attach_legacy[] = { "-c", "c", "-e", "--exec-attach", NULL };
	static const char *const no_uuid[] = { "-c", "c", "-r", "/bin/true", NULL };
	static const char *const no_runtime[] = { "-c", "c", "-u", "u", NULL };
	static const char *const bad_runtime[] = {
		"-c", "c", "-u", "u", "-r", "/nonexistent", NULL
	};
	static const char *const no_spec[] = {
		"-c", "c", "-u", "u", "-r", "/bin/true", "-e", NULL
	};
	static const char *const neg_delay[] = { "-c",           "c",  "-u", "u", "-r", "/bin/true",
						 "--exit-delay", "-1", NULL };
	static const char *const neg_files[] = { "--log-max-files", "-1", NULL };
	static const char *const zero_files[] = { "--log-rotate", "--log-max-files", "0", NULL };
	static const char *const slash_cid[] = { "-c", "a/b", NULL };
	static const char *const empty_bundle[] = { "-c",        "c",  "-u", "u", "-r",
						    "/bin/true", "-b", "",   NULL };
	static const char *const empty_exit_dir[] = { "-c", "c",         "-u",          "u",
						      "-r", "/bin/true", "--exit-dir=", NULL };
	static const char *const empty_pidfile[] = { "-c",        "c",  "-u", "u", "-r",
						     "/bin/true", "-P", "",   NULL };
	static const ValidateCase cases[] = {
		{ no_cid, "Container ID not provided. Use --cid" },
		{ bad_level, "No such log level loud" },
		{ exec_restore, "Cannot use 'exec' and 'restore' at the same time" },
		{ attach_no_exec, "Attach can only be specified with exec" },
		{ attach_legacy, "Attach can only be specified for a non-legacy exec session" },
		{ no_uuid, "Container UUID not provided. Use --cuuid" },
		{ no_runtime, "Runtime path not provided. Use --runtime" },
		{ bad_runtime,
		  "Runtime path /nonexistent is not valid: No such file or directory" },
		{ no_spec, "Exec process spec path not provided. Use --exec-process-spec" },
		{ neg_delay,
		  "Delay before invoking exit command must be greater than or equal to 0" },
		{ neg_files, "log-max-files must be non-negative, got -1" },
		{ zero_files,
		  "log-max-files must be at least 1 when log-rotate is enabled, got 0" },
		{ slash_cid, "Container ID 'a/b' is not a valid file name" },
		{ empty_bundle, "--bundle must not be empty" },
		{ empty_exit_dir, "--exit-dir must not be empty" },
		{ empty_pidfile, "--conmon-pidfile must not be empty" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(MonitorConfig) cfg = { 0 };
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) argv = g_ptr_array_new();
		g_ptr_array_add(argv, (char *)"vigilmon");
		for (const char *const *a = cases[i].args; *a != NULL; a++)
			g_ptr_array_add(argv, (char *)*a);
		g_ptr_array_add(argv, NULL);
		g_assert_true(
			options_parse(&cfg, (int)argv->len - 1, (char **)argv->pdata, &error));
		g_assert_false(options_validate(&cfg, &error));
		g_assert_cmpstr(error->message, ==, cases[i].message);
	}
}

static void test_legacy_exec_needs_no_uuid(void)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(parse(&cfg, &error, "-c", "c", "-r", "/bin/true", "-e", "--exec-process-spec",
			    "/p.json", NULL));
	g_assert_true(options_validate(&cfg, &error));
	g_assert_no_error(error);
	g_assert_true(options_is_legacy_exec(&cfg));
	/* exec has no default bundle: no attach socket for legacy exec */
	g_assert_null(cfg.bundle);
}

/* vigilmon's --help, as engines and people see it; NULL (skipped) outside meson test. */
static char *monitor_help(void)
{
	const char *vigilmon = g_getenv("VIGILMON");
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	int status = -1;

	if (vigilmon == NULL) {
		g_test_skip("VIGILMON is not set: run this test through meson test");
		return NULL;
	}
	const char *argv[] = { vigilmon, "--help", NULL };
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
				   NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return out;
}

static void test_help_lists_every_option(void)
{
	g_autofree char *help = monitor_help();

	if (help == NULL)
		return;
	static const char *const names[] = {
		"--api-version",
		"--bundle",
		"--cid",
		"--conmon-pidfile",
		"--container-pidfile",
		"--cuuid",
		"--exec",
		"--exec-attach",
		"--exec-process-spec",
		"--exit-command",
		"--exit-command-arg",
		"--exit-delay",
		"--exit-dir",
		"--full-attach",
		"--leave-stdin-open",
		"--log-level",
		"--log-path",
		"--log-size-max",
		"--log-global-size-max",
		"--log-tag",
		"--log-label",
		"--log-rotate",
		"--log-max-files",
		"--log-allowlist-dir",
		"--name",
		"--no-new-keyring",
		"--no-pivot",
		"--no-sync-log",
		"--no-container-partial-message",
		"--persist-dir",
		"--replace-listen-pid",
		"--restore",
		"--runtime",
		"--runtime-arg",
		"--runtime-opt",
		"--sdnotify-socket",
		"--seccomp-notify-socket",
		"--seccomp-notify-plugins",
		"--socket-dir-path",
		"--stdin",
		"--sync",
		"--syslog",
		"--systemd-cgroup",
		"--terminal",
		"--timeout",
		"--version",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *needle = g_strdup_printf("%s", names[i]);
		g_assert_nonnull(strstr(help, needle));
	}
}

/* -P is the monitor's pid file and -p the container's (conmon's help says the opposite). */
static void test_help_pidfiles_described_right(void)
{
	g_autofree char *help = monitor_help();

	if (help == NULL)
		return;
	const char *big = strstr(help, "--conmon-pidfile");
	const char *small = strstr(help, "--container-pidfile");

	g_assert_nonnull(big);
	g_assert_nonnull(small);
	g_autofree char *big_line = g_strndup(big, strcspn(big, "\n"));
	g_autofree char *small_line = g_strndup(small, strcspn(small, "\n"));
	g_assert_nonnull(strstr(big_line, "monitor process"));
	g_assert_nonnull(strstr(small_line, "container's initial process"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/options/podman-argv", test_podman_argv);
	g_test_add_func("/options/short-forms", test_short_forms);
	g_test_add_func("/options/parse-errors", test_parse_errors);
	g_test_add_func("/options/flag-with-value-and-positional",
			test_flag_with_value_and_positional);
	g_test_add_func("/options/non-ascii-values", test_non_ascii_values);
	g_test_add_func("/options/validate-messages", test_validate_messages);
	g_test_add_func("/options/legacy-exec", test_legacy_exec_needs_no_uuid);
	g_test_add_func("/options/help-lists-every-option", test_help_lists_every_option);
	g_test_add_func("/options/help-pidfiles-described-right",
			test_help_pidfiles_described_right);
	return g_test_run();
}
