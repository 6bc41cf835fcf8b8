/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-controller-helpers.h"

/*
 * vigilctl after damage and crashes, against real runc: a record it cannot use, a vigilctl
 * killed during start or delete. delete -f leaves nothing of the container.
 */

#define DEEP 100000

typedef struct {
	int pid;
	int monitor_pid;
} Pids;

/* A started `sleep 1000`, its pids, and its state directory. */
static Ctl *running(Pids *pids)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return NULL;
	ctl_create(c);
	g_assert_true(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
	g_autoptr(VigilContainer) ctr = vigil_runtime_update_container_status(
		c->rt, c->b->id, VIGIL_UPDATE_DEFAULT, &error);
	g_assert_no_error(error);
	pids->pid = vigil_container_get_pid(ctr);
	pids->monitor_pid = vigil_container_get_monitor_pid(ctr);
	g_assert_cmpint(pids->pid, >, 0);
	g_assert_cmpint(pids->monitor_pid, >, 0);
	return g_steal_pointer(&c);
}

static char *state_path(Ctl *c, const char *name)
{
	return g_build_filename(c->root, c->b->id, name, NULL);
}

/* Gone, or a zombie (monitors are reparented to this subreaper, which reaps it here). */
static gboolean process_gone(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *stat = NULL;
	const char *end;

	(void)waitpid(pid, NULL, WNOHANG);
	if (!g_file_get_contents(path, &stat, NULL, NULL))
		return TRUE;
	end = strrchr(stat, ')');
	return end != NULL && (end[2] == 'Z' || end[2] == 'X');
}

static gboolean runc_knows(Ctl *c)
{
	return testlib_runc(c->b, NULL, NULL, "state", c->b->id, NULL) == 0;
}

/* vigilctl with the fixture's --root and --monitor but not its --runtime-root: the runtime's
 * root is then only known from the record, or from the monitor's command line. */
static int cli_default_runtime_root(Ctl *c, char **err, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(argv, g_strdup(testlib_vigilctl()));
	g_ptr_array_add(argv, g_strdup_printf("--root=%s", c->root));
	g_ptr_array_add(argv, g_strdup_printf("--monitor=%s", ctl_monitor()));
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, g_strdup(*args));
	g_ptr_array_add(argv, NULL);
	return testlib_run((const char *const *)argv->pdata, NULL, NULL, err);
}

/* delete -f removed everything: the runtime's container, its process, the monitor and the
 * state directory; and the id can be used again. */
static void assert_all_gone(Ctl *c, const Pids *pids)
{
	g_autofree char *dir = state_path(c, NULL);

	g_assert_false(runc_knows(c));
	g_assert_true(process_gone(pids->pid));
	g_assert_true(process_gone(pids->monitor_pid));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	ctl_create(c);
}

static void test_deep_record(void)
{
	Pids pids;
	g_autoptr(Ctl) c = running(&pids);
	g_autofree char *record = NULL, *deep = NULL, *err = NULL, *out = NULL;

	if (c == NULL)
		return;
	g_test_summary("a running container whose record nests 100,000 levels: state, list and "
		       "delete say so in one line; delete -f (without the runtime root) removes "
		       "the container, its monitor and its directory");
	record = state_path(c, "state.json");
	deep = g_strnfill(DEEP, '[');
	g_assert_true(g_file_set_contents(record, deep, -1, NULL));

	g_autofree char *want = g_strdup_printf(
		"vigilctl: state '%s': state record of container '%s' is corrupt: '%s': JSON "
		"nested deeper than 64 levels\n",
		c->b->id, c->b->id, record);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_assert_cmpstr(err, ==, want);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "list", NULL), ==, 0);
	g_assert_nonnull(strstr(out, c->b->id));
	g_assert_nonnull(strstr(out, " unknown "));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", c->b->id, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "JSON nested deeper than 64 levels"));
	g_assert_true(runc_knows(c));
	g_clear_pointer(&err, g_free);

	/* The record is unusable and this call's runtime root is not the container's: the
	 * monitor's command line names it. */
	g_assert_cmpint(cli_default_runtime_root(
				c, &err, (const char *const[]){ "delete", "-f", c->b->id, NULL }),
			==, 0);
	g_assert_cmpstr(err, ==, "");
	assert_all_gone(c, &pids);
}

static void test_record_is_directory(void)
{
	Pids pids;
	g_autoptr(Ctl) c = running(&pids);
	g_autofree char *record = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("a running container whose state.json is a directory: state says so; "
		       "delete -f removes everything");
	record = state_path(c, "state.json");
	g_assert_cmpint(unlink(record), ==, 0);
	g_assert_cmpint(mkdir(record, 0700), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "a directory, not a file"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", "-f", c->b->id, NULL), ==, 0);
	g_assert_cmpstr(err, ==, "");
	assert_all_gone(c, &pids);
}

static void test_no_lock(void)
{
	Pids pids;
	g_autoptr(Ctl) c = running(&pids);
	g_autofree char *lock = NULL, *stray = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("a running container whose lock file is gone: delete -f removes "
		       "everything; a stray directory is still never taken for a container");
	lock = state_path(c, "lock");
	g_assert_cmpint(unlink(lock), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", "-f", c->b->id, NULL), ==, 0);
	g_assert_cmpstr(err, ==, "");
	assert_all_gone(c, &pids);

	stray = g_build_filename(c->root, "stray", NULL);
	g_assert_cmpint(mkdir(stray, 0700), ==, 0);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", "-f", "stray", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "vigilctl: delete 'stray': no such container 'stray'\n");
	g_assert_true(g_file_test(stray, G_FILE_TEST_IS_DIR));
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-recovery/deep-record", test_deep_record);
	g_test_add_func("/controller-recovery/record-is-directory", test_record_is_directory);
	g_test_add_func("/controller-recovery/no-lock", test_no_lock);
	return g_test_run();
}
