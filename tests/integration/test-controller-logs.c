/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdutil.h"
#include "test-controller-helpers.h"

/* vigilctl logs over what the monitor wrote: k8s-file, json-file, rotation, follow. */

/* Run the container to its end with the CLI's create options (NULL-terminated). */
static void run_to_exit(Ctl *c, const char *const *create_args)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autofree char *err = NULL;

	g_ptr_array_add(args, (char *)"create");
	g_ptr_array_add(args, (char *)"--bundle");
	g_ptr_array_add(args, c->b->bundle);
	for (; create_args != NULL && *create_args != NULL; create_args++)
		g_ptr_array_add(args, (char *)*create_args);
	g_ptr_array_add(args, c->b->id);
	g_ptr_array_add(args, NULL);
	g_assert_cmpint(ctl_cliv(c, NULL, NULL, NULL, &err, (const char *const *)args->pdata), ==,
			0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "start", c->b->id, NULL), ==, 0);
	g_assert_cmpint(ctl_wait(c), ==, 0);
}

static void logs(Ctl *c, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;
static void logs(Ctl *c, char **out, char **err, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	va_list ap;
	const char *a;

	g_ptr_array_add(args, (char *)"logs");
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(args, (char *)a);
	va_end(ap);
	g_ptr_array_add(args, c->b->id);
	g_ptr_array_add(args, NULL);
	g_assert_cmpint(ctl_cliv(c, NULL, NULL, out, err, (const char *const *)args->pdata), ==, 0);
}

#define SCRIPT "echo one; echo two >&2; printf 'three\\nfour'"

static void test_k8s_file(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c", SCRIPT, NULL });
	g_autofree char *out = NULL, *err = NULL, *tail = NULL, *ts = NULL, *none = NULL;

	if (c == NULL)
		return;
	g_test_summary("k8s-file: streams apart, an unfinished last line as it was, --tail in "
		       "lines, --timestamps, --since");
	run_to_exit(c, NULL);
	logs(c, &out, &err, NULL);
	g_assert_cmpstr(out, ==, "one\nthree\nfour");
	g_assert_cmpstr(err, ==, "two\n");
	logs(c, &tail, NULL, "--tail", "2", NULL);
	g_assert_cmpstr(tail, ==, "three\nfour");
	logs(c, &ts, NULL, "--timestamps", "--tail", "1", NULL);
	/* "2026-11-29T10:00:00.123456789Z four" */
	g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z "
					   "four$",
					   ts, 0, 0));
	logs(c, &none, NULL, "--since", "2999-01-01T00:00:00Z", NULL);
	g_assert_cmpstr(none, ==, "");
	g_clear_pointer(&out, g_free);
	logs(c, &out, NULL, "--since", "1h", NULL);
	g_assert_cmpstr(out, ==, "one\nthree\nfour");
}

static void test_json_file(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c", SCRIPT, NULL });
	g_autofree char *out = NULL, *err = NULL, *path = NULL, *driver = NULL, *text = NULL;

	if (c == NULL || ctl_skip_if_conmon_before("9.9.9", "no json-file log driver"))
		return;
	g_test_summary("json-file (Docker's format) reads back the same");
	path = g_build_filename(c->b->dir, "ctr.json", NULL);
	driver = g_strconcat("json-file:", path, NULL);
	run_to_exit(c, (const char *const[]){ "--log-driver", driver, NULL });
	text = testlib_read_file(path);
	g_assert_nonnull(text);
	g_assert_true(g_str_has_prefix(text, "{\"log\":\"one\\n\",\"stream\":\"stdout\""));
	logs(c, &out, &err, NULL);
	g_assert_cmpstr(out, ==, "one\nthree\nfour");
	g_assert_cmpstr(err, ==, "two\n");
}

static void test_rotated(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "i=1; while [ $i -le 60 ]; do echo line-$i; i=$((i+1)); done", NULL });
	g_autofree char *out = NULL, *rotated = NULL, *log = NULL;

	if (c == NULL || ctl_skip_if_conmon_before("9.9.9", "no --log-rotate"))
		return;
	g_test_summary("rotated files are read first: the lines kept come out in order, the "
		       "newest last, none twice");
	run_to_exit(c, (const char *const[]){ "--log-size-max", "600", "--log-rotate",
					      "--log-max-files", "3", NULL });
	log = g_build_filename(c->root, c->b->id, "ctr.log", NULL);
	rotated = g_strconcat(log, ".1", NULL);
	g_assert_true(g_file_test(rotated, G_FILE_TEST_EXISTS));
	logs(c, &out, NULL, NULL);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	guint n = g_strv_length(lines);
	g_assert_cmpuint(n, >, 2);
	g_assert_cmpstr(lines[n - 1], ==, "");
	g_assert_cmpstr(lines[n - 2], ==, "line-60");
	/* Consecutive: every line is the one after its predecessor. */
	for (guint i = 1; i + 1 < n; i++) {
		int prev = atoi(lines[i - 1] + 5), cur = atoi(lines[i] + 5);
		g_assert_cmpint(cur, ==, prev + 1);
	}
}

/* `vigilctl logs -f` on c in the background. stdout goes to out_fd, or a pipe whose read end
 * *out_pipe gets when out_fd is -1; stderr to err_fd (-1: inherited). */
static GPid spawn_follow(Ctl *c, int out_fd, int err_fd, int *out_pipe)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *root = g_strdup_printf("--root=%s", c->root);
	g_autofree char *monitor = g_strdup_printf("--monitor=%s", ctl_monitor());
	const char *argv[] = { testlib_vigilctl(), root, monitor, "logs", "-f", c->b->id, NULL };
	GPid pid;

	g_assert_true(g_spawn_async_with_pipes_and_fds(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
						       NULL, NULL, -1, out_fd, err_fd, NULL, NULL,
						       0, &pid, NULL, out_pipe, NULL, &error));
	g_assert_no_error(error);
	return pid;
}

static void test_follow(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "echo before; until [ -e /tmp/go ]; do sleep 0.1; done; echo after",
		NULL });
	g_autofree char *out_path = NULL, *go = NULL;
	GPid pid;
	int out_fd;

	if (c == NULL)
		return;
	g_test_summary("--follow prints what comes while the container runs and returns when it "
		       "exits");
	ctl_create(c);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "start", c->b->id, NULL), ==, 0);
	out_path = g_build_filename(c->b->dir, "follow.out", NULL);
	out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(out_fd, >=, 0);
	pid = spawn_follow(c, out_fd, -1, NULL);
	close(out_fd);
	/* "before" arrives while it runs (and nothing else: the container waits for go); then
	 * let it finish. */
	g_assert_true(testlib_wait_for_text(out_path, "before\n", CTL_WAIT_MS));
	g_autofree char *early = testlib_read_file(out_path);
	g_assert_cmpstr(early, ==, "before\n");
	go = g_build_filename(c->b->bundle, "rootfs", "tmp", "go", NULL);
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	int status = testlib_wait_pid(pid, CTL_WAIT_MS);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_autofree char *text = testlib_read_file(out_path);
	g_assert_cmpstr(text, ==, "before\nafter\n");
}

static void test_follow_reader_gone(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "echo first; echo second; while :; do sleep 1; done", NULL });
	g_autofree char *err_path = NULL, *err = NULL;
	char line[64] = { 0 };
	gsize got = 0;
	GPid pid;
	int out_fd, err_fd;

	if (c == NULL)
		return;
	g_test_summary("logs -f | head -1: once the reader is gone it ends quietly instead of "
		       "waiting for the container");
	ctl_create(c);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "start", c->b->id, NULL), ==, 0);
	/* Both lines logged first: nothing else is ever written that could end it by luck. */
	g_autofree char *log = g_build_filename(c->root, c->b->id, "ctr.log", NULL);
	g_assert_true(testlib_wait_for_text(log, "second", CTL_WAIT_MS));
	err_path = g_build_filename(c->b->dir, "follow.err", NULL);
	err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(err_fd, >=, 0);
	pid = spawn_follow(c, -1, err_fd, &out_fd);
	close(err_fd);
	/* Like head -1: one line, then the pipe is closed while the container keeps running. */
	while (got < sizeof line - 1 && memchr(line, '\n', got) == NULL) {
		gssize n = read(out_fd, line + got, 1);
		g_assert_cmpint(n, ==, 1);
		got++;
	}
	g_assert_cmpstr(line, ==, "first\n");
	close(out_fd);
	/* 141, a shell's status for SIGPIPE, whether it exited so or was killed by it. */
	int status = testlib_wait_pid(pid, CTL_WAIT_MS);
	g_assert_cmpint(status, !=, -1);
	g_assert_true((WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGPIPE) ||
		      (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE));
	err = testlib_read_file(err_path);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpstr(ctl_status(c), ==, "running");
}

/* Under ASan vigilctl also holds ASan's shadow memory and its quarantine (freed blocks kept
 * to catch use after free, up to 256 MB by default): the quarantine is made small for the
 * measured runs and the bound allows for the rest. */
#if defined(__SANITIZE_ADDRESS__)
#define LOGS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOGS_UNDER_ASAN 1
#endif
#endif
#ifdef LOGS_UNDER_ASAN
#define LOGS_RSS_BOUND_KB (64 * 1024)
#else
#define LOGS_RSS_BOUND_KB (32 * 1024)
#endif

/* Run vigilctl logs ARGS on c, stdout to out_fd; returns its peak RSS in kB (ru_maxrss) and
 * wall time. Asserts it exited 0 within two minutes. */
static long logs_measured(Ctl *c, int out_fd, const char *arg1, const char *arg2, double *secs)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *root = g_strdup_printf("--root=%s", c->root);
	g_autofree char *monitor = g_strdup_printf("--monitor=%s", ctl_monitor());
	const char *argv[] = {
		testlib_vigilctl(), root, monitor, "logs", c->b->id, NULL, NULL, NULL
	};
	gint64 start = g_get_monotonic_time(), deadline = start + 120 * G_USEC_PER_SEC;
	struct rusage ru = { 0 };
	int status = 0;
	pid_t got = 0;
	GPid pid;

	g_auto(GStrv) env = g_get_environ();
#ifdef LOGS_UNDER_ASAN
	const char *options = g_environ_getenv(env, "ASAN_OPTIONS");
	g_autofree char *asan =
		g_strdup_printf("%s:quarantine_size_mb=4", options != NULL ? options : "");
	env = g_environ_setenv(env, "ASAN_OPTIONS", asan, TRUE);
#endif
	argv[5] = arg1;
	argv[6] = arg2;
	g_assert_true(g_spawn_async_with_pipes_and_fds(
		NULL, argv, (const char *const *)env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1,
		out_fd, -1, NULL, NULL, 0, &pid, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	while ((got = wait4(pid, &status, WNOHANG, &ru)) == 0 && g_get_monotonic_time() < deadline)
		g_usleep(10000);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	g_assert_cmpint(got, ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	*secs = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	return ru.ru_maxrss;
}

/* mb megabytes of 500-byte k8s-file records to path, the last one "last-<path's last char>". */
static void write_big_log(const char *path, int mb)
{
	g_autoptr(GString) chunk = g_string_new(NULL);
	g_autofree char *last = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	g_assert_cmpint(fd, >=, 0);
	while (chunk->len < 1024 * 1024) {
		g_string_append(chunk, "2026-11-29T10:00:01.000000000+00:00 stdout F ");
		for (int i = 0; i < 454; i++)
			g_string_append_c(chunk, (char)('a' + i % 26));
		g_string_append_c(chunk, '\n');
	}
	for (int i = 0; i < mb; i++)
		g_assert_cmpint(fd_write_all_blocking(fd, chunk->str, chunk->len), ==, 0);
	last = g_strdup_printf("2026-11-29T10:00:02.000000000+00:00 stderr F last-%c\n",
			       path[strlen(path) - 1]);
	g_assert_cmpint(fd_write_all_blocking(fd, last, strlen(last)), ==, 0);
	close(fd);
}

static void test_big_log_bounded(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c", "echo small", NULL });
	g_autofree char *log = NULL, *rotated = NULL, *tail = NULL, *err = NULL;
	double secs = 0;
	long kb;

	if (c == NULL)
		return;
	g_test_summary("vigilctl logs streams a 100 MB log (rotated file and current one) in "
		       "bounded memory, and --tail 1 reads back only its end");
	run_to_exit(c, NULL);
	/* The monitor has exited: the log is ours to replace with a big one. */
	log = g_build_filename(c->root, c->b->id, "ctr.log", NULL);
	rotated = g_strconcat(log, ".1", NULL);
	write_big_log(rotated, 60);
	write_big_log(log, 40);
	vigil_autofd int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	g_assert_cmpint(null_fd, >=, 0);
	kb = logs_measured(c, null_fd, NULL, NULL, &secs);
	g_test_message("logs of 100 MB: peak RSS %ld kB, %.2f s", kb, secs);
	g_assert_cmpint(kb, <, LOGS_RSS_BOUND_KB);
	kb = logs_measured(c, null_fd, "--since", "2000-01-01T00:00:00Z", &secs);
	g_test_message("logs --since of 100 MB: peak RSS %ld kB, %.2f s", kb, secs);
	g_assert_cmpint(kb, <, LOGS_RSS_BOUND_KB);
	kb = logs_measured(c, null_fd, "--tail", "1", &secs);
	g_test_message("logs --tail 1 of 100 MB: peak RSS %ld kB, %.2f s", kb, secs);
	g_assert_cmpint(kb, <, LOGS_RSS_BOUND_KB);
	logs(c, &tail, &err, "--tail", "2", NULL);
	g_assert_cmpstr(err, ==, "last-g\n");
	g_assert_true(g_str_has_suffix(tail, "uvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl\n"));
	g_assert_cmpuint(strlen(tail), ==, 455);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-logs/k8s-file", test_k8s_file);
	g_test_add_func("/controller-logs/json-file", test_json_file);
	g_test_add_func("/controller-logs/rotated", test_rotated);
	g_test_add_func("/controller-logs/follow", test_follow);
	g_test_add_func("/controller-logs/follow-reader-gone", test_follow_reader_gone);
	g_test_add_func("/controller-logs/big-log-bounded", test_big_log_bounded);
	return g_test_run();
}
