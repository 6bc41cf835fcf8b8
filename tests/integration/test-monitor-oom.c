/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "error_util.h"
#include "oom.h"
#include "testlib.h"

/*
 * OOM kills (docs/conmon-contract.md, "OOM files"). The real kill runs on this host's cgroup v1
 * memory controller with a memory limit in the bundle; the cgroup v2 watch (memory.events through
 * inotify) cannot run on a v1 host, so it is driven here on a directory of our own whose
 * memory.events we rewrite in place, the way the kernel updates it.
 */

#define WAIT_MS       30000
#define MEMORY_LIMIT  (32 * 1024 * 1024)
#define EAT_MEMORY_SH "x=aaaaaaaa; while :; do x=$x$x; done"

static TestBundle *bundle_with_limit(const char *script)
{
	TestBundle *b = test_bundle_new((const char *const[]){ "sh", "-c", script, NULL });

	test_bundle_set_memory_limit(b, MEMORY_LIMIT);
	return b;
}

static gboolean oom_file_in(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "oom", NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* The container's only process is OOM-killed: 137, and the oom files exist by the time the
 * exit file does (the monitor's final check covers the kill racing its SIGCHLD). */
static void test_oom_kill(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b = bundle_with_limit(EAT_MEMORY_SH);
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, NULL, NULL);

	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_true(oom_file_in(b->persist_dir));
	g_assert_true(oom_file_in(b->bundle));
	g_autofree char *oom = g_build_filename(b->persist_dir, "oom", NULL);
	g_autofree char *content = testlib_read_file(oom);
	g_assert_cmpstr(content, ==, "");
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* A process in the container is OOM-killed but the container lives on: the event itself
 * (not the final check) creates the files while it still runs. */
static void test_oom_while_running(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b = bundle_with_limit("(" EAT_MEMORY_SH "); exec sleep 100000");
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, NULL, NULL);
	g_autofree char *oom = g_build_filename(b->persist_dir, "oom", NULL);
	g_autofree char *exit_path = g_build_filename(b->exit_dir, b->id, NULL);

	g_autofree char *bundle_oom = g_build_filename(b->bundle, "oom", NULL);
	/* The monitor creates both while the container runs, the persist copy first: wait for
	 * each, since the test may look between the two. */
	g_assert_true(testlib_wait_for_file(oom, WAIT_MS));
	g_assert_true(testlib_wait_for_file(bundle_oom, WAIT_MS));
	g_assert_false(g_file_test(exit_path, G_FILE_TEST_EXISTS));
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* Killed, but not by the OOM killer: no oom file. */
static void test_no_oom(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b = bundle_with_limit("exec sleep 100000");
	g_autoptr(TestMonitor) m = test_monitor_start_running(b, NULL, NULL);

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	g_assert_false(oom_file_in(b->persist_dir));
	g_assert_false(oom_file_in(b->bundle));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

static void test_parse(void)
{
	const char *hybrid = "9:name=systemd:/c1\n"
			     "4:memory:/process_api/abc/c1\n"
			     "3:cpu,cpuacct:/c1\n"
			     "0::/c1:with:colons\n";
	g_autofree char *v1 = oom_cgroup_path_from_proc(hybrid, OOM_CGROUP_V1);
	g_autofree char *v2 = oom_cgroup_path_from_proc(hybrid, OOM_CGROUP_V2);
	g_autofree char *none = oom_cgroup_path_from_proc("0::/x\n", OOM_CGROUP_V1);
	g_autofree char *merged =
		oom_cgroup_path_from_proc("5:cpu,memory,pids:/m\n", OOM_CGROUP_V1);
	guint64 oom = 1, kill = 1;

	g_assert_cmpstr(v1, ==, "/process_api/abc/c1");
	g_assert_cmpstr(v2, ==, "/c1:with:colons");
	g_assert_null(none);
	g_assert_cmpstr(merged, ==, "/m");

	oom_parse_memory_events("low 0\nhigh 3\nmax 9\noom 2\noom_kill 5\noom_group_kill 7\n", &oom,
				&kill);
	g_assert_cmpuint(oom, ==, 2);
	g_assert_cmpuint(kill, ==, 5);
	oom_parse_memory_events("low 0\n", &oom, &kill);
	g_assert_cmpuint(oom, ==, 0);
	g_assert_cmpuint(kill, ==, 0);
}

typedef struct {
	char *dir;       /* the fake cgroup */
	char *marker[2]; /* where the oom files go */
	GMainContext *ctx;
} V2Fixture;

/* The kernel rewrites memory.events in place (IN_MODIFY on the same inode); so do we. */
static void write_events(V2Fixture *f, const char *text)
{
	g_autofree char *path = g_build_filename(f->dir, "memory.events", NULL);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
	close(fd);
}

static void v2_setup(V2Fixture *f, gconstpointer data)
{
	f->dir = g_build_filename(testlib_root(), "fake-cgroup-XXXXXX", NULL);
	g_assert_nonnull(g_mkdtemp(f->dir));
	for (int i = 0; i < 2; i++) {
		f->marker[i] = g_strdup_printf("%s/marker%d", f->dir, i);
		g_assert_cmpint(g_mkdir_with_parents(f->marker[i], 0755), ==, 0);
	}
	g_autofree char *events = g_build_filename(f->dir, "memory.events", NULL);
	/* A cgroup that had OOMs before the watch started (an exec session's case). */
	g_assert_true(
		g_file_set_contents(events, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n", -1, NULL));
	f->ctx = g_main_context_new();
}

static void v2_teardown(V2Fixture *f, gconstpointer data)
{
	const char *argv[] = { "rm", "-rf", f->dir, NULL };

	(void)testlib_run(argv, NULL, NULL, NULL);
	g_main_context_unref(f->ctx);
	g_free(f->marker[0]);
	g_free(f->marker[1]);
	g_free(f->dir);
}

static OomWatch *v2_watch(V2Fixture *f)
{
	g_autoptr(GError) error = NULL;
	const char *dirs[] = { f->marker[0], f->marker[1], NULL };
	OomWatch *w = oom_watch_new_at(f->ctx, OOM_CGROUP_V2, f->dir, dirs, &error);

	g_assert_no_error(error);
	g_assert_nonnull(w);
	return w;
}

/* inotify queues the event inside the write(2) or unlink(2) that caused it, so everything
 * there is to see is ready when this runs: dispatch until nothing is. */
static void iterate(V2Fixture *f)
{
	while (g_main_context_iteration(f->ctx, FALSE))
		;
}

/* high/max moving is not an OOM, and (unlike conmon) does not end the watch; a later
 * oom_kill increase is seen through inotify, before any final check. */
static void test_v2_counters(V2Fixture *f, gconstpointer data)
{
	g_autoptr(OomWatch) w = v2_watch(f);

	write_events(f, "low 0\nhigh 7\nmax 9\noom 1\noom_kill 1\n");
	iterate(f);
	g_assert_false(oom_watch_seen(w));
	g_assert_false(oom_file_in(f->marker[0]));

	write_events(f, "low 0\nhigh 7\nmax 10\noom 1\noom_kill 2\n");
	iterate(f);
	g_assert_true(oom_watch_seen(w));
	g_assert_true(oom_file_in(f->marker[0]));
	g_assert_true(oom_file_in(f->marker[1]));
	g_assert_true(oom_watch_finish(w));
}

/* The "oom" counter alone counts too (conmon 2.2's separate counters). */
static void test_v2_oom_counter(V2Fixture *f, gconstpointer data)
{
	g_autoptr(OomWatch) w = v2_watch(f);

	write_events(f, "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n");
	iterate(f);
	g_assert_true(oom_watch_seen(w));
	g_assert_true(oom_file_in(f->marker[1]));
}

/* The kill lands between the last event we handled and the exit: the final check. */
static void test_v2_final_check(V2Fixture *f, gconstpointer data)
{
	g_autoptr(OomWatch) w = v2_watch(f);

	write_events(f, "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n");
	g_assert_false(oom_file_in(f->marker[0]));
	g_assert_true(oom_watch_finish(w));
	g_assert_true(oom_file_in(f->marker[0]));
	/* finished: further changes are not watched */
	g_assert_false(g_main_context_pending(f->ctx));
}

/* The cgroup disappears (systemd removed it): the watch stops quietly, no oom file. */
static void test_v2_removed(V2Fixture *f, gconstpointer data)
{
	g_autoptr(OomWatch) w = v2_watch(f);
	g_autofree char *events = g_build_filename(f->dir, "memory.events", NULL);

	g_assert_cmpint(unlink(events), ==, 0);
	iterate(f);
	g_assert_false(oom_watch_seen(w));
	g_assert_false(oom_watch_finish(w));
	g_assert_false(oom_file_in(f->marker[0]));
}

/* No memory.events at all: ENOENT, reported as such so the monitor can skip quietly. */
static void test_v2_missing(V2Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *events = g_build_filename(f->dir, "memory.events", NULL);
	const char *dirs[] = { f->marker[0], NULL };

	g_assert_cmpint(unlink(events), ==, 0);
	OomWatch *w = oom_watch_new_at(f->ctx, OOM_CGROUP_V2, f->dir, dirs, &error);
	g_assert_null(w);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

/* Every v2 test runs on a fresh fake cgroup. */
#define add_v2_test(path, func) g_test_add(path, V2Fixture, NULL, v2_setup, func, v2_teardown)

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor/oom/kill", test_oom_kill);
	g_test_add_func("/monitor/oom/while-running", test_oom_while_running);
	g_test_add_func("/monitor/oom/no-oom", test_no_oom);
	g_test_add_func("/monitor/oom/parse", test_parse);
	add_v2_test("/monitor/oom/v2-counters", test_v2_counters);
	add_v2_test("/monitor/oom/v2-oom-counter", test_v2_oom_counter);
	add_v2_test("/monitor/oom/v2-final-check", test_v2_final_check);
	add_v2_test("/monitor/oom/v2-removed", test_v2_removed);
	add_v2_test("/monitor/oom/v2-missing", test_v2_missing);
	return g_test_run();
}
