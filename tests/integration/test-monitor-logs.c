/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_proto.h"
#include "json_log.h"
#include "k8s_log.h"
#include "testlib.h"

/*
 * The log drivers against real runc (docs/logging.md): what a container writes arrives in
 * k8s-file, json-file and journald exactly, with conmon's fields, and rotation keeps the
 * generations it promises.
 */

#define WAIT_MS 30000

/* Output with everything that is hard to log: empty lines, CR, NUL, invalid UTF-8, both
 * streams, a line written in pieces, and a last line without a newline. */
#define TRICKY_SCRIPT                                                                         \
	"echo first; echo; printf 'cr\\r\\n'; printf 'n\\000ul\\n'; printf '\\377\\376\\n'; " \
	"echo oops >&2; printf 'pie'; printf 'ces\\n'; printf 'no newline at exit'"
#define TRICKY_STDOUT "first\n\ncr\r\nn\0ul\n\377\376\npieces\nno newline at exit"

/* Start with the podman-like argv plus extra, run to the exit file; the monitor is gone
 * when this returns. */
static int run_to_exit(TestBundle *b, const char *const *extra)
{
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, extra, NULL);
	int status = testlib_read_exit_file(b, WAIT_MS);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	return status;
}

/* Every record of a k8s-file parses; the streams reassembled as podman logs does. */
static guint k8s_streams(const char *path, GString *out, GString *err)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	guint n = 0;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	for (const char *p = text; p < text + len; n++) {
		const char *nl = memchr(p, '\n', (gsize)(text + len - p));
		K8sLogRecord r;
		g_assert_nonnull(nl);
		g_assert_true(k8s_log_parse_record(p, (gsize)(nl + 1 - p), &r, NULL));
		GString *s = r.stream == VIGIL_STREAM_STDERR ? err : out;
		g_string_append_len(s, r.content, (gssize)r.content_len);
		if (!r.partial)
			g_string_append_c(s, '\n');
		p = nl + 1;
	}
	return n;
}

static void test_k8s_and_json_exact(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", TRICKY_SCRIPT, NULL });
	g_autofree char *json = g_build_filename(b->dir, "ctr.json", NULL);
	g_autofree char *json_spec = g_strconcat("json-file:", json, NULL);
	const char *extra[] = { "-l", json_spec, NULL };
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);

	g_assert_cmpint(run_to_exit(b, extra), ==, 0);
	k8s_streams(b->log_path, out, err);
	g_assert_cmpmem(out->str, out->len, TRICKY_STDOUT, sizeof TRICKY_STDOUT - 1);
	g_assert_cmpstr(err->str, ==, "oops\n");
	/* the last line, without its newline, is a partial record: nothing is added */
	g_autofree char *text = NULL;
	gsize text_len = 0;
	static const char last[] = " stdout P no newline at exit\n";
	g_assert_true(g_file_get_contents(b->log_path, &text, &text_len, NULL));
	g_assert_nonnull(memmem(text, text_len, last, sizeof last - 1));

	/* json-file: the same bytes, invalid UTF-8 replaced as Docker does */
	g_autofree char *jtext = testlib_read_file(json);
	g_auto(GStrv) lines = g_strsplit(jtext, "\n", -1);
	g_autoptr(GString) jout = g_string_new(NULL);
	for (char **l = lines; *l != NULL && **l != '\0'; l++) {
		JsonLogRecord r;
		g_assert_true(json_log_parse_record(*l, strlen(*l), &r, NULL));
		if (r.stream == VIGIL_STREAM_STDOUT)
			g_string_append_len(jout, r.log->str, (gssize)r.log->len);
		json_log_record_clear(&r);
	}
	static const char want[] = "first\n\ncr\r\nn\0ul\n\xef\xbf\xbd\xef\xbf\xbd\npieces\n"
				   "no newline at exit";
	g_assert_cmpmem(jout->str, jout->len, want, sizeof want - 1);
	g_assert_nonnull(
		strstr(jtext, "{\"log\":\"n\\u0000ul\\n\",\"stream\":\"stdout\",\"time\":\""));
}

/* Rotation with several generations: .1 newest, exactly N kept, contiguous, none too big. */
static void test_rotation(void)
{
	if (!testlib_require_runc())
		return;
	/* 400 lines of 20 bytes ("line 0001 .........\n") */
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c",
		"i=1; while [ $i -le 400 ]; do printf 'line %04d .........\\n' $i; "
		"i=$((i+1)); done",
		NULL });
	const char *extra[] = { "--log-size-max",  "4000", "--log-rotate",
				"--log-max-files", "3",    NULL };
	int expect = 400;

	g_assert_cmpint(run_to_exit(b, extra), ==, 0);
	for (int g = 0; g <= 4; g++) {
		g_autofree char *path =
			g == 0 ? g_strdup(b->log_path) : g_strdup_printf("%s.%d", b->log_path, g);
		struct stat st;
		if (g == 4) {
			g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
			break;
		}
		g_assert_cmpint(stat(path, &st), ==, 0);
		g_assert_cmpint(st.st_size, <=, 4000);
		g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);
		k8s_streams(path, out, err);
		/* the file's lines are the ones just before the newer file's first */
		g_auto(GStrv) lines = g_strsplit(out->str, "\n", -1);
		guint n = g_strv_length(lines) - 1;
		g_assert_cmpuint(n, >, 0);
		for (guint i = 0; i < n; i++) {
			g_autofree char *want = g_strdup_printf("line %04d .........",
								expect - (int)n + 1 + (int)i);
			g_assert_cmpstr(lines[i], ==, want);
		}
		expect -= (int)n;
	}
}

/* Truncate mode (the default): only the newest records, never over the limit. */
static void test_truncate(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "i=1; while [ $i -le 300 ]; do echo \"line $i\"; i=$((i+1)); done",
		NULL });
	const char *extra[] = { "--log-size-max", "1000", NULL };
	g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);
	struct stat st;

	g_assert_cmpint(run_to_exit(b, extra), ==, 0);
	g_assert_cmpint(stat(b->log_path, &st), ==, 0);
	g_assert_cmpint(st.st_size, <=, 1000);
	g_assert_cmpuint(k8s_streams(b->log_path, out, err), >, 0);
	g_assert_true(g_str_has_suffix(out->str, "line 299\nline 300\n"));
	g_autofree char *backup = g_strconcat(b->log_path, ".1", NULL);
	g_assert_false(g_file_test(backup, G_FILE_TEST_EXISTS));
}

/* kubelet's rotation: rename the file, write "2 0 0" to ctl, a new file appears; every line
 * is in exactly one of the two files. */
static void test_ctl_reopen(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "echo before; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo after",
		NULL });
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, NULL);
	g_autofree char *ctl = g_build_filename(b->bundle, "ctl", NULL);
	g_autofree char *moved = g_strconcat(b->log_path, ".20260101", NULL);
	g_autofree char *go = g_build_filename(b->bundle, "rootfs", "tmp", "go", NULL);

	testlib_read_sync_pid(m, WAIT_MS);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	/* vigilmon makes the FIFO before it reports the pid (docs/conmon-contract.md,
	 * "ctl and winsz FIFOs"): without it, only another monitor under comparison is skipped. */
	if (!testlib_require_monitor_feature(g_file_test(ctl, G_FILE_TEST_EXISTS),
					     "no ctl FIFO in the bundle")) {
		g_assert_true(g_file_set_contents(go, "", 0, NULL));
		(void)testlib_read_exit_file(b, WAIT_MS);
		return;
	}
	/* rotate only once "before" is in the file */
	g_assert_true(testlib_wait_for_text(b->log_path, " stdout F before\n", WAIT_MS));
	g_assert_cmpint(rename(b->log_path, moved), ==, 0);
	testlib_write_fifo(b->bundle, "ctl", "2 0 0\n");
	g_assert_true(testlib_wait_for_file(b->log_path, WAIT_MS));
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_autoptr(GString) o1 = g_string_new(NULL), o2 = g_string_new(NULL), e = g_string_new(NULL);
	k8s_streams(moved, o1, e);
	k8s_streams(b->log_path, o2, e);
	g_assert_cmpstr(o1->str, ==, "before\n");
	g_assert_cmpstr(o2->str, ==, "after\n");
}

/* Everything until EOF on fd, or NULL if it stays open past timeout_ms. */
static char *read_to_eof(int fd, int timeout_ms)
{
	g_autoptr(GString) text = g_string_new(NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		char buf[4096];
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return NULL;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0)
			return g_string_free(g_steal_pointer(&text), FALSE);
		if (n > 0)
			g_string_append_len(text, buf, n);
	}
}

/* passthrough (docs/conmon-contract.md, "passthrough and none"): the container writes straight to
 * the monitor's own stdout and stderr, which the monitor itself lets go of; no log, no attach
 * socket, no FIFOs. */
static void test_passthrough(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new(
		(const char *const[]){ "sh", "-c", "echo out; echo err >&2; exit 3", NULL });
	g_autofree char *runc = g_find_program_in_path("runc");
	/* clang-format off */
	const char *args[] = {
		"--api-version", "1", "-c", "@ID@", "-u", "@ID@", "-n", "@ID@", "-r", runc,
		"-b", "@BUNDLE@", "-p", "@PIDFILE@", "--exit-dir", "@EXITDIR@",
		"--conmon-pidfile", "@CONMONPID@", "--runtime-arg", "--root=@RUNCROOT@",
		"-l", "passthrough", NULL,
	};
	/* clang-format on */
	int out[2], err[2];

	g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
	g_assert_cmpint(pipe2(err, O_CLOEXEC), ==, 0);
	g_autoptr(TestMonitor) m = test_monitor_start_stdio(b, args, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	g_assert_cmpint(m->launcher_status, ==, 0);
	testlib_read_sync_pid(m, WAIT_MS);

	/* the monitor kept neither: only the container (through runc) holds the pipes */
	for (int fd = 1; fd <= 2; fd++) {
		g_autofree char *link = g_strdup_printf("/proc/%d/fd/%d", m->monitor_pid, fd);
		g_autofree char *target = g_file_read_link(link, NULL);
		g_assert_cmpstr(target, ==, "/dev/null");
	}
	for (const char *const *name = (const char *const[]){ "attach", "ctl", "winsz", NULL };
	     *name != NULL; name++) {
		g_autofree char *path = g_build_filename(b->bundle, *name, NULL);
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	}

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_autofree char *stdout_text = read_to_eof(out[0], WAIT_MS);
	g_autofree char *stderr_text = read_to_eof(err[0], WAIT_MS);
	close(out[0]);
	close(err[0]);
	g_assert_cmpstr(stdout_text, ==, "out\n");
	g_assert_cmpstr(stderr_text, ==, "err\n");
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 3);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_false(g_file_test(b->log_path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/logs/k8s-and-json-exact", test_k8s_and_json_exact);
	g_test_add_func("/monitor/logs/rotation", test_rotation);
	g_test_add_func("/monitor/logs/truncate", test_truncate);
	g_test_add_func("/monitor/logs/ctl-reopen", test_ctl_reopen);
	g_test_add_func("/monitor/logs/passthrough", test_passthrough);
	return g_test_run();
}
