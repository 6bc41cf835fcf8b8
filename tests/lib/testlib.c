/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journald.h"
#include "testlib-private.h"

/*
 * The harness core: init, the cleanup registry, the root directory, skips and requirements,
 * the programs under test, unique ids. Bundles, commands, monitors and waits live in the
 * files beside this one.
 *
 * The harness is the one place with process-wide state: the cleanup handlers that run on
 * abort need to find what the test created. The other files reach it through
 * testlib-private.h.
 */
static char *root_dir;
static char *runc_root;
static GPtrArray *live_ids;  /* container ids to runc delete -f */
static GArray *monitor_pids; /* monitors to kill */
static volatile sig_atomic_t cleaning;

static void cleanup_all(void)
{
	if (cleaning || root_dir == NULL)
		return;
	cleaning = 1;
	for (guint i = 0; live_ids != NULL && i < live_ids->len; i++) {
		const char *argv[] = { "runc",   "--root", runc_root,
				       "delete", "-f",     g_ptr_array_index(live_ids, i),
				       NULL };
		g_spawn_sync(NULL, (char **)argv, NULL,
			     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				     G_SPAWN_STDERR_TO_DEV_NULL,
			     NULL, NULL, NULL, NULL, NULL, NULL);
	}
	for (guint i = 0; monitor_pids != NULL && i < monitor_pids->len; i++) {
		pid_t pid = g_array_index(monitor_pids, pid_t, i);
		if (pid > 0 && kill(pid, SIGKILL) == 0)
			(void)waitpid(pid, NULL, 0);
	}
	/* reap whatever else came back to us as subreaper */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (g_getenv("VIGIL_TEST_KEEP") == NULL) {
		const char *argv[] = { "rm", "-rf", root_dir, NULL };
		g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
			     NULL, NULL);
	}
}

static void on_fatal_signal(int sig)
{
	/* Not async-signal-safe, deliberately: this only runs when a test is already dying,
	 * and leaking containers into the next test run is worse. */
	cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

void testlib_init(int *argc, char ***argv)
{
	g_test_init(argc, argv, NULL);
	g_test_set_nonfatal_assertions();
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	live_ids = g_ptr_array_new_with_free_func(g_free);
	monitor_pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	atexit(cleanup_all);
	signal(SIGABRT, on_fatal_signal);
	signal(SIGSEGV, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGINT, on_fatal_signal);
	signal(SIGPIPE, SIG_IGN);
}

const char *testlib_root(void)
{
	if (root_dir == NULL) {
		root_dir = g_strdup_printf("/tmp/vigil-test-%d-XXXXXX", (int)getpid());
		if (g_mkdtemp_full(root_dir, 0755) == NULL)
			g_error("mkdtemp: %s", g_strerror(errno));
		runc_root = g_build_filename(root_dir, "runc", NULL);
		g_mkdir_with_parents(runc_root, 0700);
	}
	return root_dir;
}

const char *testlib_runc_root(void)
{
	return runc_root;
}

void testlib_cleanup_add_container(const char *id)
{
	g_ptr_array_add(live_ids, g_strdup(id));
}

void testlib_cleanup_remove_container(const char *id)
{
	for (guint i = 0; i < live_ids->len; i++) {
		if (g_str_equal(g_ptr_array_index(live_ids, i), id)) {
			g_ptr_array_remove_index(live_ids, i);
			break;
		}
	}
}

void testlib_cleanup_add_monitor(pid_t pid)
{
	g_array_append_val(monitor_pids, pid);
}

/* A reaped pid may be reused by an unrelated process: cleanup_all must not kill it. */
void testlib_cleanup_forget_monitor(pid_t pid)
{
	for (guint i = 0; monitor_pids != NULL && i < monitor_pids->len; i++) {
		if (g_array_index(monitor_pids, pid_t, i) == pid) {
			g_array_remove_index_fast(monitor_pids, i);
			return;
		}
	}
}

static char *find_program(const char *program)
{
	if (g_path_is_absolute(program))
		return g_file_test(program, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup(program) : NULL;
	return g_find_program_in_path(program);
}

void testlib_skip(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	g_autofree char *msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_test_skip(msg);
	g_printerr("# SKIP: %s\n", msg);
}

gboolean testlib_testing_other_monitor(void)
{
	const char *alt = g_getenv("VIGIL_TEST_MONITOR");

	return alt != NULL && !g_str_equal(alt, testlib_vigilmon());
}

gboolean testlib_require_monitor_feature(gboolean present, const char *what)
{
	if (present)
		return TRUE;
	if (testlib_testing_other_monitor())
		testlib_skip("monitor %s: %s", g_getenv("VIGIL_TEST_MONITOR"), what);
	else
		g_test_fail_printf("vigilmon: %s", what);
	return FALSE;
}

gboolean testlib_require_program(const char *program)
{
	g_autofree char *path = find_program(program);

	if (path != NULL)
		return TRUE;
	testlib_skip("%s not found: install it to run this test", program);
	return FALSE;
}

const char *testlib_busybox_path(void)
{
	static const char *const candidates[] = { "/bin/busybox", "/usr/bin/busybox" };

	for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (g_file_test(candidates[i], G_FILE_TEST_IS_EXECUTABLE))
			return candidates[i];
	}
	return NULL;
}

gboolean testlib_require_runc(void)
{
	if (!testlib_require_program("runc"))
		return FALSE;
	if (testlib_busybox_path() == NULL) {
		testlib_skip("busybox not found: install busybox-static to run this test");
		return FALSE;
	}
	if (getuid() != 0) {
		testlib_skip("runc needs root here: run the tests as root");
		return FALSE;
	}
	return TRUE;
}

const char *testlib_vigilmon(void)
{
	const char *p = g_getenv("VIGILMON");

	return p != NULL ? p : "vigilmon";
}

const char *testlib_vigilctl(void)
{
	const char *p = g_getenv("VIGILCTL");

	return p != NULL ? p : "vigilctl";
}

char *testlib_unique_id(void)
{
	static int counter;

	return g_strdup_printf("vt-%d-%d", (int)getpid(), ++counter);
}

gboolean testlib_ensure_journald(void)
{
	g_autofree char *why = test_journald_ensure();

	if (why != NULL) {
		testlib_skip("%s", why);
		return FALSE;
	}
	return TRUE;
}
