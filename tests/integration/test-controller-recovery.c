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
 * vigilctl after damage and crashes, against real runc: a record it cannot use, the library
 * or vigilctl killed during create, start or delete. Whatever happened, the next call tells
 * the truth, a plain delete never kills a running container, and delete -f leaves nothing of
 * it. The kills come from the crash-injection hook (controller/lib/crash_point.h), so this
 * binary links the test-hook build of libvigil and runs vigilctl-test-hooks (VIGILCTL).
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

/* After a vigilctl killed once the runtime started the container: it runs, and every call
 * says so; start and a plain delete are refused. */
static void assert_running_everywhere(Ctl *c)
{
	g_autofree char *out = NULL, *err = NULL, *runc_out = NULL;
	g_autofree char *busy =
		g_strdup_printf("vigilctl: start '%s': it is running, not created\n", c->b->id);
	g_autofree char *refused = g_strdup_printf(
		"vigilctl: delete '%s': it is running: stop it first or force the delete\n",
		c->b->id);

	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "state", c->b->id, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "status       running\n"));
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "start", c->b->id, NULL), ==, 1);
	g_assert_cmpstr(err, ==, busy);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", c->b->id, NULL), ==, 1);
	g_assert_cmpstr(err, ==, refused);
	g_assert_cmpint(testlib_runc(c->b, &runc_out, NULL, "state", c->b->id, NULL), ==, 0);
	g_assert_nonnull(strstr(runc_out, "\"running\""));
}

/* The container's record, brought up to date. */
static VigilContainer *record_of(Ctl *c)
{
	g_autoptr(GError) error = NULL;
	VigilContainer *ctr = vigil_runtime_update_container_status(c->rt, c->b->id,
								    VIGIL_UPDATE_DEFAULT, &error);

	g_assert_no_error(error);
	return ctr;
}

/* Run create in a child that dies at point, as a controller killed mid-way would. */
static void create_and_crash(Ctl *c, const char *point)
{
	pid_t pid = fork();

	if (pid == 0) {
		VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
		o.bundle = c->b->bundle;
		g_setenv("VIGIL_DEBUG_CRASH_AT", point, TRUE);
		(void)vigil_runtime_create_container(c->rt, c->b->id, &o, NULL);
		_exit(0);
	}
	int status = testlib_wait_pid(pid, CTL_WAIT_MS);
	g_assert_true(WIFSIGNALED(status));
	g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);
}

static void test_crash_after_spawn(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c", "exit 4", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL || ctl_skip_if_conmon_before("2.1.8", "it exits when the caller that "
							    "started it has died (EPIPE on the "
							    "sync pipe is fatal before 2.1.8)"))
		return;
	g_test_summary("a controller killed after starting the monitor: the next call finds the "
		       "container created and can start it");
	create_and_crash(c, "after-spawn");
	g_autoptr(VigilContainer) ctr = record_of(c);
	g_assert_cmpint(vigil_container_get_status(ctr), ==, VIGIL_STATUS_CREATED);
	g_assert_cmpint(vigil_container_get_pid(ctr), >, 0);
	g_assert_true(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ctl_wait(c), ==, 4);
}

static void test_crash_after_record(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "true", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("a controller killed before the monitor started: the container is seen "
		       "as stopped (never created) and can be deleted");
	create_and_crash(c, "after-record");
	g_autoptr(VigilContainer) ctr = record_of(c);
	g_assert_cmpint(vigil_container_get_status(ctr), ==, VIGIL_STATUS_STOPPED);
	g_assert_false(vigil_container_get_exit_code(ctr, NULL));
	g_assert_false(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
	g_clear_error(&error);
	g_assert_true(vigil_runtime_delete_container(c->rt, c->b->id, FALSE, &error));
	g_assert_no_error(error);
}

static void test_killed_between_create_and_start(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c", "exit 6", NULL });
	g_autoptr(Ctl) d = ctl_new((const char *const[]){ "true", NULL });
	g_autofree char *err = NULL;

	if (c == NULL || d == NULL ||
	    ctl_skip_if_conmon_before("2.1.8", "it exits when its caller died (EPIPE is fatal)"))
		return;
	g_test_summary("vigilctl killed during create (monitor started, record not updated): "
		       "the next call sees the container created, and start and wait work");
	const char *crash[] = { "VIGIL_DEBUG_CRASH_AT=after-spawn", NULL };
	int status = ctl_cliv(
		c, crash, NULL, NULL, NULL,
		(const char *const[]){ "create", "--bundle", c->b->bundle, c->b->id, NULL });
	g_assert_cmpint(status, ==, 128 + SIGKILL);
	g_assert_cmpstr(ctl_status(c), ==, "created");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "start", c->b->id, NULL), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "wait", c->b->id, NULL), ==, 6);

	/* Killed before the monitor even started: seen as stopped, and deletable. */
	const char *early[] = { "VIGIL_DEBUG_CRASH_AT=after-record", NULL };
	status = ctl_cliv(
		d, early, NULL, NULL, NULL,
		(const char *const[]){ "create", "--bundle", d->b->bundle, d->b->id, NULL });
	g_assert_cmpint(status, ==, 128 + SIGKILL);
	g_assert_cmpstr(ctl_status(d), ==, "stopped");
	g_assert_cmpint(ctl_cli(d, NULL, NULL, &err, "start", d->b->id, NULL), ==, 1);
	g_assert_cmpint(ctl_cli(d, NULL, NULL, NULL, "delete", d->b->id, NULL), ==, 0);
}

static void test_killed_during_start(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	const char *crash[] = { "VIGIL_DEBUG_CRASH_AT=after-start", NULL };

	if (c == NULL)
		return;
	g_test_summary("vigilctl killed during start (runtime started it, record not updated): "
		       "state says running, start and a plain delete are refused");
	ctl_create(c);
	g_assert_cmpint(ctl_cliv(c, crash, NULL, NULL, NULL,
				 (const char *const[]){ "start", c->b->id, NULL }),
			==, 128 + SIGKILL);
	assert_running_everywhere(c);
}

static void test_killed_during_run_detached(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	const char *crash[] = { "VIGIL_DEBUG_CRASH_AT=after-start", NULL };

	if (c == NULL)
		return;
	g_test_summary("vigilctl killed during run -d, after the runtime's start: the same");
	g_assert_cmpint(ctl_cliv(c, crash, NULL, NULL, NULL,
				 (const char *const[]){ "run", "-d", "--bundle", c->b->bundle,
							c->b->id, NULL }),
			==, 128 + SIGKILL);
	assert_running_everywhere(c);
}

static void test_plain_delete_asks_runtime(void)
{
	Pids pids;
	g_autoptr(Ctl) c = running(&pids);
	g_autofree char *record = NULL, *text = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("a plain delete refuses a running container even when its record says "
		       "it stopped");
	record = state_path(c, "state.json");
	g_assert_true(g_file_get_contents(record, &text, NULL, NULL));
	g_autofree char *needle = g_strdup("\"status\" : \"running\"");
	char *at = strstr(text, needle);
	g_assert_nonnull(at);
	g_autofree char *edited = g_strdup_printf("%.*s\"status\" : \"stopped\"%s",
						  (int)(at - text), text, at + strlen(needle));
	g_assert_true(g_file_set_contents(record, edited, -1, NULL));
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "delete", c->b->id, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "it is running: stop it first or force the delete"));
	g_assert_true(runc_knows(c));
	g_assert_false(process_gone(pids.pid));
}

/* The names under the fixture's root that start with prefix. */
static guint count_entries(Ctl *c, const char *prefix)
{
	g_autoptr(GDir) d = g_dir_open(c->root, 0, NULL);
	const char *name;
	guint n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		n += g_str_has_prefix(name, prefix);
	return n;
}

static int delete_and_crash(Ctl *c, const char *point)
{
	g_autofree char *env = g_strdup_printf("VIGIL_DEBUG_CRASH_AT=%s", point);
	const char *crash[] = { env, NULL };

	return ctl_cliv(c, crash, NULL, NULL, NULL,
			(const char *const[]){ "delete", "-f", c->b->id, NULL });
}

static void test_killed_during_delete_before_retire(void)
{
	Pids pids;
	g_autoptr(Ctl) c = running(&pids);
	g_autofree char *out = NULL;

	if (c == NULL)
		return;
	g_test_summary("vigilctl killed during delete -f after the runtime and the monitor "
		       "went: the container is whole and stopped, and a plain delete finishes");
	g_assert_cmpint(delete_and_crash(c, "delete-before-retire"), ==, 128 + SIGKILL);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "state", c->b->id, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "status       stopped\n"));
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "delete", c->b->id, NULL), ==, 0);
	assert_all_gone(c, &pids);
}

static void test_killed_during_delete_after_retire(void)
{
	Pids pids;
	g_autoptr(Ctl) c = running(&pids);
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("vigilctl killed during delete -f while removing the files: the id is "
		       "free at once (state and delete say no such container, create works) and "
		       "the next command removes what was left");
	g_assert_cmpint(delete_and_crash(c, "delete-after-retire"), ==, 128 + SIGKILL);
	g_assert_cmpuint(count_entries(c, ".deleted-"), ==, 1);
	g_autofree char *none = g_strdup_printf("vigilctl: state '%s': no such container '%s'\n",
						c->b->id, c->b->id);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "state", c->b->id, NULL), ==, 1);
	g_assert_cmpstr(err, ==, none);
	g_assert_cmpuint(count_entries(c, ".deleted-"), ==, 0);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "list", NULL), ==, 0);
	g_assert_null(strstr(out, c->b->id));
	assert_all_gone(c, &pids);
	g_assert_cmpint(ctl_cli(c, NULL, NULL, NULL, "delete", c->b->id, NULL), ==, 0);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-recovery/deep-record", test_deep_record);
	g_test_add_func("/controller-recovery/record-is-directory", test_record_is_directory);
	g_test_add_func("/controller-recovery/no-lock", test_no_lock);
	g_test_add_func("/controller-recovery/crash-after-spawn", test_crash_after_spawn);
	g_test_add_func("/controller-recovery/crash-after-record", test_crash_after_record);
	g_test_add_func("/controller-recovery/killed-between-create-and-start",
			test_killed_between_create_and_start);
	g_test_add_func("/controller-recovery/killed-during-start", test_killed_during_start);
	g_test_add_func("/controller-recovery/killed-during-run-detached",
			test_killed_during_run_detached);
	g_test_add_func("/controller-recovery/plain-delete-asks-runtime",
			test_plain_delete_asks_runtime);
	g_test_add_func("/controller-recovery/killed-during-delete-before-retire",
			test_killed_during_delete_before_retire);
	g_test_add_func("/controller-recovery/killed-during-delete-after-retire",
			test_killed_during_delete_after_retire);
	return g_test_run();
}
