/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "attach_proto.h"
#include "k8s_log.h"
#include "testlib.h"

/*
 * Logging under load and under failure, against real runc: 200 MiB of output arrives
 * complete (every line, every byte) before the exit file; a full disk drops output but
 * neither stops the container nor tears a record, and logging resumes when space returns.
 */

#define WAIT_MS 60000

/* 99 characters and a newline: 200 MiB is exactly 2097152 of them. */
#define LINE \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzA"
#define VOLUME (200 * 1024 * 1024)

/* Parse a whole k8s-file; stdout's bytes go to check(), which sees them in order. */
typedef struct {
	guint64 bytes;
	guint64 lines;
	guint64 records;
	guint64 mismatches; /* bytes that are not the expected line pattern */
} Tally;

static void tally_bytes(Tally *t, const char *p, gsize n)
{
	static const char line[] = LINE "\n";

	for (gsize i = 0; i < n; i++) {
		if (p[i] != line[(t->bytes + i) % (sizeof line - 1)])
			t->mismatches++;
	}
	t->bytes += n;
}

static void tally_file(const char *path, Tally *t)
{
	g_autofree char *text = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (gsize)(text + len - p));
		K8sLogRecord r;
		g_assert_nonnull(nl);
		g_assert_true(k8s_log_parse_record(p, (gsize)(nl + 1 - p), &r, NULL));
		g_assert_cmpint(r.stream, ==, VIGIL_STREAM_STDOUT);
		tally_bytes(t, r.content, r.content_len);
		if (!r.partial) {
			tally_bytes(t, "\n", 1);
			t->lines++;
		}
		t->records++;
		p = nl + 1;
	}
}

static void test_200_mib(void)
{
	if (!testlib_require_runc())
		return;
	g_autofree char *script = g_strdup_printf("yes %s | head -c %d", LINE, VOLUME);
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", script, NULL });
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, NULL);
	Tally t = { 0 };

	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_nonnull(line);
	gint64 start = g_get_monotonic_time();
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	gint64 elapsed = g_get_monotonic_time() - start;
	/* Read as soon as the exit file exists: the log must be complete by then. */
	tally_file(b->log_path, &t);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	g_assert_cmpuint(t.bytes, ==, VOLUME);
	g_assert_cmpuint(t.lines, ==, VOLUME / 100);
	g_assert_cmpuint(t.mismatches, ==, 0);
	g_test_message("200 MiB in %.2f s (%.0f MB/s end to end), %" G_GUINT64_FORMAT
		       " records for %" G_GUINT64_FORMAT " lines",
		       elapsed / 1e6, VOLUME / 1e6 / (elapsed / 1e6), t.records, t.lines);
}

/* Until nothing waits in the container's stdout pipe: the monitor has read it all. */
static gboolean wait_pipe_drained(TestBundle *b, int timeout_ms)
{
	g_autofree char *pid_text = testlib_read_file(b->pidfile);
	g_autofree char *path = g_strdup_printf("/proc/%d/fd/1", pid_text ? atoi(pid_text) : 0);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int queued = -1;

	if (fd < 0)
		return FALSE;
	while (g_get_monotonic_time() < deadline) {
		if (ioctl(fd, FIONREAD, &queued) < 0 || queued == 0)
			break;
		g_usleep(10000);
	}
	close(fd);
	return queued == 0;
}

/*
 * A 1 MiB tmpfs for the log, half taken by a filler file. The container writes ~3 MiB, then
 * waits until the test has freed the space, then writes 50 more lines. Every record in the
 * file is whole, the lines there are in order, and the 50 lines after the space came back
 * are all there.
 */
static void test_disk_full(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c",
		"i=1; while [ $i -le 30000 ]; do printf 'before %05d ..........................."
		"..................................................\\n' $i; i=$((i+1)); done; "
		"touch /tmp/phase1; while [ ! -e /tmp/go ]; do sleep 0.05; done; "
		"i=1; while [ $i -le 50 ]; do echo \"after $i\"; i=$((i+1)); done",
		NULL });
	g_autofree char *mnt = g_build_filename(b->dir, "logfs", NULL);
	g_autofree char *filler = g_build_filename(mnt, "filler", NULL);
	g_autofree char *log = g_build_filename(mnt, "ctr.log", NULL);
	g_autofree char *spec = g_strconcat("k8s-file:", log, NULL);
	g_autofree char *phase1 = g_build_filename(b->bundle, "rootfs", "tmp", "phase1", NULL);
	g_autofree char *go = g_build_filename(b->bundle, "rootfs", "tmp", "go", NULL);
	g_autofree char *fill = g_malloc0(512 * 1024);

	g_assert_cmpint(g_mkdir_with_parents(mnt, 0755), ==, 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") < 0) {
		testlib_skip("cannot mount a tmpfs: %s", g_strerror(errno));
		return;
	}
	g_assert_true(g_file_set_contents(filler, fill, 512 * 1024, NULL));
	const char *extra[] = { "-l", spec, NULL };
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, extra);
	g_autofree char *line = testlib_read_line(m->sync_fd, WAIT_MS);
	g_assert_nonnull(line);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);

	g_assert_true(testlib_wait_for_file(phase1, WAIT_MS));
	/* what the container wrote while the disk was full is read (and dropped) by now, so
	 * the space freed next is for what comes after */
	g_assert_true(wait_pipe_drained(b, WAIT_MS));
	struct statvfs vfs;
	g_assert_cmpint(statvfs(mnt, &vfs), ==, 0);
	g_test_message("free after phase 1: %lu blocks", (unsigned long)vfs.f_bavail);
	g_assert_cmpint(unlink(filler), ==, 0);
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	/* the container was never held up by its full log */
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);

	g_autofree char *text = NULL;
	gsize len = 0;
	int last_before = 0, after = 0;
	g_assert_true(g_file_get_contents(log, &text, &len, NULL));
	g_assert_cmpuint(len, <, 1024 * 1024);
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (gsize)(text + len - p));
		K8sLogRecord r;
		g_assert_nonnull(nl);
		g_assert_true(k8s_log_parse_record(p, (gsize)(nl + 1 - p), &r, NULL));
		g_autofree char *content = g_strndup(r.content, r.content_len);
		int n;
		if (sscanf(content, "before %d", &n) == 1) {
			g_assert_false(r.partial);
			g_assert_cmpuint(r.content_len, ==, 90);
			g_assert_cmpint(n, >, last_before);
			g_assert_cmpint(after, ==, 0);
			last_before = n;
		} else {
			g_assert_true(sscanf(content, "after %d", &n) == 1);
			g_assert_cmpint(n, ==, after + 1);
			after = n;
		}
		p = nl + 1;
	}
	g_assert_cmpint(last_before, >, 0);
	g_assert_cmpint(last_before, <, 30000); /* some were lost: the disk was full */
	g_assert_cmpint(after, ==, 50);
	g_assert_cmpint(umount2(mnt, MNT_DETACH), ==, 0);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/logs/200-mib", test_200_mib);
	g_test_add_func("/monitor/logs/disk-full", test_disk_full);
	return g_test_run();
}
