/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_proto.h"
#include "fdutil.h"
#include "json_log.h"
#include "k8s_log.h"
#include "testlib.h"

/*
 * One very long line (64 MiB, no newline until the end) through each log driver, against
 * real runc: the monitor's memory stays bounded (its peak RSS, VmHWM, is read from /proc
 * while the container still runs), and the line arrives byte for byte once its partial
 * records are joined. The bound is on memory, not time, so asserting it is fine.
 */

#define WAIT_MS 120000

/* 64 MiB of "123456789101112...", then the newline. busybox seq makes it, so the content is
 * not periodic: a lost, doubled or reordered piece changes the joined bytes. */
#define LINE_BYTES  67108864  /* 64 MiB; a literal, for the script */
#define LINE_SEQ_TO "9999999" /* 1..9999999 is 68888889 digits, more than LINE_BYTES */
/* The monitor's peak RSS may grow this much over its idle RSS while the 64 MiB line passes
 * (an idle vigilmon is ~2 MB, 16 MB at most then; ~9 MB in an ASan build), and its RSS may
 * stay this much above idle afterwards. */
#define HWM_GROWTH_KB   (12 * 1024)
#define AFTER_GROWTH_KB (6 * 1024)

/* The container waits for /tmp/go (so the idle monitor can be measured), prints the line,
 * and waits for /tmp/stop (so the monitor is still there to be measured after it). */
#define LONG_LINE_SCRIPT                                              \
	"while [ ! -e /tmp/go ]; do usleep 20000; done; "             \
	"seq 1 " LINE_SEQ_TO " | tr -d '\\n' | head -c " G_STRINGIFY( \
		LINE_BYTES) "; echo; while [ ! -e /tmp/stop ]; do usleep 20000; done"

static GString *expected_line(void)
{
	GString *s = g_string_sized_new(LINE_BYTES + 16);

	/* no allocation per number: 10 million of them are slow under ASan */
	for (guint i = 1; s->len < LINE_BYTES; i++) {
		char digits[16];
		int n = g_snprintf(digits, sizeof digits, "%u", i);
		g_string_append_len(s, digits, n);
	}
	g_string_truncate(s, LINE_BYTES);
	g_string_append_c(s, '\n');
	return s;
}

/* VmHWM or VmRSS of pid in kB, -1 if unreadable. */
static gint64 proc_status_kb(pid_t pid, const char *key)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
	g_autofree char *text = testlib_read_file(path);
	g_autofree char *needle = g_strconcat("\n", key, ":", NULL);
	const char *p = text != NULL ? strstr(text, needle) : NULL;

	return p != NULL ? g_ascii_strtoll(p + strlen(needle), NULL, 10) : -1;
}

typedef struct {
	TestBundle *b;
	TestMonitor *m;
	char *go;
	char *stop;
	gint64 idle_rss_kb;
	gint64 idle_hwm_kb;
} Run;

/* Start b's monitor with one -l spec (no other driver, so only its memory is measured) and
 * the container, measure the idle monitor, and let the container print. */
static void run_start(Run *r, TestBundle *b, const char *spec, const char *line_max)
{
	const char *rest[] = { "-n",
			       "@ID@",
			       "--exit-dir",
			       "@EXITDIR@",
			       "--persist-dir",
			       "@PERSIST@",
			       "-l",
			       spec,
			       "--conmon-pidfile",
			       "@CONMONPID@",
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       line_max != NULL ? "--log-line-max" : NULL,
			       line_max,
			       NULL };

	r->b = b;
	r->go = g_build_filename(b->bundle, "rootfs", "tmp", "go", NULL);
	r->stop = g_build_filename(b->bundle, "rootfs", "tmp", "stop", NULL);
	r->m = test_monitor_start_podman_args(b, NULL, rest, FALSE);
	g_assert_cmpint(r->m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(r->m, WAIT_MS), >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_assert_cmpint(r->m->monitor_pid, >, 0);
	r->idle_rss_kb = proc_status_kb(r->m->monitor_pid, "VmRSS");
	r->idle_hwm_kb = proc_status_kb(r->m->monitor_pid, "VmHWM");
	g_assert_cmpint(r->idle_rss_kb, >, 0);
	g_assert_true(g_file_set_contents(r->go, "", 0, NULL));
}

/* The line is all logged: measure the monitor, assert the bound, let the container exit. */
static void run_finish(Run *r, const char *driver)
{
	gint64 hwm = proc_status_kb(r->m->monitor_pid, "VmHWM");
	gint64 rss = proc_status_kb(r->m->monitor_pid, "VmRSS");

	g_test_message("%s: monitor idle VmRSS %" G_GINT64_FORMAT " kB (VmHWM %" G_GINT64_FORMAT
		       " kB); after one %d MiB line VmHWM %" G_GINT64_FORMAT
		       " kB, VmRSS %" G_GINT64_FORMAT " kB",
		       driver, r->idle_rss_kb, r->idle_hwm_kb, LINE_BYTES >> 20, hwm, rss);
	g_assert_cmpint(hwm, >, 0);
	g_assert_cmpint(hwm, <, r->idle_rss_kb + HWM_GROWTH_KB);
	/* what grew during the burst was given back: within a few MB of idle */
	g_assert_cmpint(rss, <, r->idle_rss_kb + AFTER_GROWTH_KB);
	g_assert_true(g_file_set_contents(r->stop, "", 0, NULL));
	g_assert_cmpint(testlib_read_exit_file(r->b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(r->m->monitor_pid, WAIT_MS), !=, -1);
}

static void run_clear(Run *r)
{
	g_clear_pointer(&r->m, test_monitor_free);
	g_clear_pointer(&r->go, g_free);
	g_clear_pointer(&r->stop, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Enough of a file's end to hold its last record, at any --log-line-max used here. */
#define TAIL_MAX (4 * 1024 * 1024)

/* The last line of a file (without its '\n'), read from the end; NULL if none yet. */
static char *last_line(const char *path, gsize max)
{
	vigil_autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 2)
		return NULL;
	gsize n = MIN((gsize)st.st_size, max);
	g_autofree char *buf = g_malloc(n + 1);
	if (pread(fd, buf, n, st.st_size - (off_t)n) != (ssize_t)n || buf[n - 1] != '\n')
		return NULL;
	buf[n - 1] = '\0';
	const char *start = strrchr(buf, '\n');
	return g_strdup(start != NULL ? start + 1 : buf);
}

/* The line is complete once the file's last record is the end of a stdout line. */
static gboolean k8s_line_done(const char *path)
{
	g_autofree char *last = last_line(path, TAIL_MAX);
	K8sLogRecord r;

	return last != NULL && k8s_log_parse_record(last, strlen(last), &r, NULL) &&
	       r.stream == VIGIL_STREAM_STDOUT && !r.partial;
}

static gboolean json_line_done(const char *path)
{
	g_autofree char *last = last_line(path, TAIL_MAX);
	JsonLogRecord r;

	if (last == NULL || !json_log_parse_record(last, strlen(last), &r, NULL))
		return FALSE;
	gboolean done = r.stream == VIGIL_STREAM_STDOUT && r.log->len > 0 &&
			r.log->str[r.log->len - 1] == '\n';
	json_log_record_clear(&r);
	return done;
}

static gboolean wait_until(gboolean (*done)(const char *), const char *arg)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * (gint64)1000;

	while (!done(arg)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(100 * 1000);
	}
	return TRUE;
}

/* One pipe read: a record holds at most the line bound plus one read. */
#define READ_MAX (64 * 1024)

/* The k8s-file run, with --log-line-max line_max (NULL: the default, bound). */
static void check_k8s_file(const char *line_max, gsize bound)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", LONG_LINE_SCRIPT, NULL });
	g_autofree char *spec = g_strconcat("k8s-file:", b->log_path, NULL);
	g_auto(Run) r = { 0 };

	run_start(&r, b, spec, line_max);
	g_assert_true(wait_until(k8s_line_done, b->log_path));
	run_finish(&r, line_max == NULL ? "k8s-file" : "k8s-file --log-line-max 1 MiB");

	/* podman logs joins P records with what follows: that is the line, byte for byte */
	g_autoptr(GString) want = expected_line();
	g_autoptr(GString) got = g_string_sized_new(want->len);
	g_autofree char *text = NULL;
	gsize len = 0, longest = 0;
	guint records = 0, partial = 0;
	g_assert_true(g_file_get_contents(b->log_path, &text, &len, NULL));
	for (const char *p = text; p < text + len; records++) {
		const char *nl = memchr(p, '\n', (gsize)(text + len - p));
		K8sLogRecord rec;
		g_assert_nonnull(nl);
		g_assert_true(k8s_log_parse_record(p, (gsize)(nl + 1 - p), &rec, NULL));
		g_assert_cmpint(rec.stream, ==, VIGIL_STREAM_STDOUT);
		g_string_append_len(got, rec.content, (gssize)rec.content_len);
		longest = MAX(longest, rec.content_len);
		if (rec.partial)
			partial++;
		else
			g_string_append_c(got, '\n');
		p = nl + 1;
	}
	g_assert_cmpuint(records, ==, partial + 1);
	g_assert_cmpuint(got->len, ==, want->len);
	g_assert_true(memcmp(got->str, want->str, want->len) == 0);
	/* pieces are assembled up to the bound, and never beyond it plus one read */
	g_assert_cmpuint(longest, <=, bound + READ_MAX);
	g_assert_cmpuint(longest, >=, bound);
}

static void test_k8s_file(void)
{
	check_k8s_file(NULL, 64 * 1024);
}

/* --log-line-max (a vigil option): records of up to 1 MiB, and the memory that took is
 * given back after the line. */
static void test_k8s_file_line_max(void)
{
	if (testlib_testing_other_monitor()) {
		testlib_skip("--log-line-max is vigilmon's own option");
		return;
	}
	check_k8s_file("1048576", 1024 * 1024);
}

static void test_json_file(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", LONG_LINE_SCRIPT, NULL });
	g_autofree char *json = g_build_filename(b->dir, "ctr.json", NULL);
	g_autofree char *spec = g_strconcat("json-file:", json, NULL);
	g_auto(Run) r = { 0 };

	run_start(&r, b, spec, NULL);
	g_assert_true(wait_until(json_line_done, json));
	run_finish(&r, "json-file");

	/* Docker's readers join records whose "log" does not end in "\n" */
	g_autoptr(GString) want = expected_line();
	g_autoptr(GString) got = g_string_sized_new(want->len);
	g_autofree char *text = NULL;
	gsize len = 0;
	guint records = 0, partial = 0;
	g_assert_true(g_file_get_contents(json, &text, &len, NULL));
	for (char *p = text; p < text + len; records++) {
		char *nl = memchr(p, '\n', (gsize)(text + len - p));
		JsonLogRecord rec;
		g_assert_nonnull(nl);
		g_assert_true(json_log_parse_record(p, (gsize)(nl - p), &rec, NULL));
		g_assert_cmpint(rec.stream, ==, VIGIL_STREAM_STDOUT);
		g_string_append_len(got, rec.log->str, (gssize)rec.log->len);
		if (rec.log->len == 0 || rec.log->str[rec.log->len - 1] != '\n')
			partial++;
		json_log_record_clear(&rec);
		p = nl + 1;
	}
	g_assert_cmpuint(records, ==, partial + 1);
	g_assert_cmpuint(got->len, ==, want->len);
	g_assert_true(memcmp(got->str, want->str, want->len) == 0);
}

/* journalctl -o json for the container: every entry's MESSAGE and whether it is flagged
 * partial, in order. */
typedef struct {
	GString *text;
	guint entries;
	guint partial;
	gboolean last_partial;
} JournalLine;

static void journal_line_clear(JournalLine *j)
{
	if (j->text != NULL)
		g_string_free(j->text, TRUE);
	memset(j, 0, sizeof *j);
}

/* The container's entries, or with last only its newest one (cheap to poll). */
static void journal_read(const char *cid, gboolean last, JournalLine *out)
{
	g_autofree char *match = g_strdup_printf("CONTAINER_ID_FULL=%s", cid);
	const char *argv[] = { "journalctl", "--no-pager",       "--all", "-o", "json",
			       match,        last ? "-n" : NULL, "1",     NULL };
	g_autofree char *text = NULL;

	journal_line_clear(out);
	out->text = g_string_new(NULL);
	g_assert_cmpint(testlib_run(argv, NULL, &text, NULL), ==, 0);
	for (char *l = text; *l != '\0';) {
		char *nl = strchr(l, '\n');
		if (nl != NULL)
			*nl = '\0';
		g_autoptr(JsonParser) p = json_parser_new();
		g_assert_true(json_parser_load_from_data(p, l, -1, NULL));
		JsonObject *o = json_node_get_object(json_parser_get_root(p));
		const char *msg = json_object_get_string_member_with_default(o, "MESSAGE", NULL);
		const char *part = json_object_get_string_member_with_default(
			o, "CONTAINER_PARTIAL_MESSAGE", NULL);
		g_assert_nonnull(msg);
		g_string_append(out->text, msg);
		out->entries++;
		out->last_partial = part != NULL;
		if (part != NULL) {
			g_assert_cmpstr(part, ==, "true");
			out->partial++;
		}
		if (nl == NULL)
			break;
		l = nl + 1;
	}
}

static void test_journald(void)
{
	if (!testlib_require_runc() || !testlib_require_program("journalctl") ||
	    !testlib_ensure_journald())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", LONG_LINE_SCRIPT, NULL });
	/* journald needs an id longer than 12 characters (CONTAINER_ID is the first 12) */
	char *longer = g_strdup_printf("%s-0123456789abcdef", b->id);
	g_free(b->id);
	b->id = longer;
	g_auto(Run) r = { 0 };
	JournalLine j = { 0 };
	g_autoptr(GString) want = expected_line();
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * (gint64)1000;

	run_start(&r, b, "journald", NULL);
	/* journald stores entries in order: the line is there once its end is, the only entry
	 * not flagged partial */
	do {
		g_usleep(200 * 1000);
		journal_read(b->id, TRUE, &j);
	} while ((j.entries == 0 || j.last_partial) && g_get_monotonic_time() < deadline);
	run_finish(&r, "journald");
	journal_read(b->id, FALSE, &j);

	g_assert_cmpuint(j.entries, ==, j.partial + 1);
	g_assert_cmpuint(j.text->len, ==, want->len);
	g_assert_true(memcmp(j.text->str, want->str, want->len) == 0);
	journal_line_clear(&j);
}

int main(int argc, char **argv)
{
	/* In an ASan build (CI runs this suite there too) the monitor's freed memory waits in
	 * ASan's quarantine, up to 256 MB, before it can be reused: RSS would measure the
	 * quarantine, 140-210 MB here, not the monitor. Without it an ASan monitor stays near its
	 * idle 8-9 MB; every other check of ASan remains. Other builds ignore the variable. */
	static const char no_quarantine[] =
		"quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
	const char *asan = g_getenv("ASAN_OPTIONS");
	g_autofree char *opts = asan != NULL && *asan != '\0'
					? g_strconcat(asan, ":", no_quarantine, NULL)
					: g_strdup(no_quarantine);
	g_setenv("ASAN_OPTIONS", opts, TRUE);
	testlib_init(&argc, &argv);
	g_test_add_func("/logs-long-line/k8s-file", test_k8s_file);
	g_test_add_func("/logs-long-line/k8s-file-line-max", test_k8s_file_line_max);
	g_test_add_func("/logs-long-line/json-file", test_json_file);
	g_test_add_func("/logs-long-line/journald", test_journald);
	return g_test_run();
}
