/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-controller-helpers.h"

/* libvigil's methods, one by one, against real runc. */

static VigilContainer *status_of(Ctl *c, VigilUpdateFlags flags)
{
	g_autoptr(GError) error = NULL;
	VigilContainer *ctr = vigil_runtime_update_container_status(c->rt, c->b->id, flags, &error);

	g_assert_no_error(error);
	return ctr;
}

static void start(Ctl *c)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
}

/* The container's log through vigil_runtime_logs, stdout and stderr apart. */
static void read_logs(Ctl *c, char **out, char **err)
{
	g_autofree char *o = g_build_filename(c->b->dir, "logs.out", NULL);
	g_autofree char *e = g_build_filename(c->b->dir, "logs.err", NULL);
	VigilLogsOptions opts = VIGIL_LOGS_OPTIONS_INIT;
	g_autoptr(GError) error = NULL;

	opts.output_fd = open(o, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	opts.error_fd = open(e, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_true(vigil_runtime_logs(c->rt, c->b->id, &opts, &error));
	g_assert_no_error(error);
	close(opts.output_fd);
	close(opts.error_fd);
	*out = testlib_read_file(o);
	*err = testlib_read_file(e);
}

static void test_create_start_exit(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c",
							  "echo hello; echo oops >&2; "
							  "exit 3",
							  NULL });
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	int code = -1;

	if (c == NULL)
		return;
	g_test_summary("create, start, wait, state, logs, list, delete through the library");
	ctl_create(c);
	g_autoptr(VigilContainer) created = status_of(c, VIGIL_UPDATE_HARD_QUERY);
	g_assert_cmpint(vigil_container_get_status(created), ==, VIGIL_STATUS_CREATED);
	g_assert_cmpint(vigil_container_get_pid(created), >, 0);
	g_assert_cmpint(vigil_container_get_monitor_pid(created), >, 0);
	g_assert_false(vigil_container_get_exit_code(created, NULL));
	g_assert_cmpstr(vigil_container_get_bundle(created), ==, c->b->bundle);

	g_autofree char *attach = vigil_runtime_attach_socket_path(c->rt, c->b->id, &error);
	g_autofree char *exit_file = vigil_runtime_exit_file_path(c->rt, c->b->id, &error);
	g_autofree char *state_dir = g_build_filename(c->root, c->b->id, NULL);
	g_autofree char *want_attach = g_build_filename(state_dir, "attach", NULL);
	g_autofree char *want_exit = g_build_filename(state_dir, "exits", c->b->id, NULL);
	g_assert_cmpstr(attach, ==, want_attach);
	g_assert_cmpstr(exit_file, ==, want_exit);
	g_autofree char *exec_attach =
		vigil_runtime_exec_attach_socket_path(c->rt, c->b->id, "s1", &error);
	g_assert_true(g_str_has_suffix(exec_attach, "/exec/s1/attach"));

	g_autoptr(GPtrArray) list = vigil_runtime_list_containers(c->rt, &error);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_cmpstr(vigil_container_get_id(g_ptr_array_index(list, 0)), ==, c->b->id);

	start(c);
	g_assert_cmpint(ctl_wait(c), ==, 3);
	g_autoptr(VigilContainer) stopped = status_of(c, VIGIL_UPDATE_DEFAULT);
	g_assert_cmpint(vigil_container_get_status(stopped), ==, VIGIL_STATUS_STOPPED);
	g_assert_true(vigil_container_get_exit_code(stopped, &code));
	g_assert_cmpint(code, ==, 3);
	g_assert_cmpint(vigil_container_get_started(stopped), >, 0);
	g_assert_cmpint(vigil_container_get_finished(stopped), >=,
			vigil_container_get_started(stopped) / G_USEC_PER_SEC * G_USEC_PER_SEC);
	g_assert_true(g_file_test(exit_file, G_FILE_TEST_EXISTS));

	read_logs(c, &out, &err);
	g_assert_cmpstr(out, ==, "hello\n");
	g_assert_cmpstr(err, ==, "oops\n");

	/* Starting a stopped container is refused with its state named. */
	g_autofree char *refused =
		g_strdup_printf("start '%s': it is stopped, not created", c->b->id);
	g_assert_false(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
	g_assert_cmpstr(error->message, ==, refused);
	g_clear_error(&error);

	g_assert_true(vigil_runtime_delete_container(c->rt, c->b->id, FALSE, &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(state_dir, G_FILE_TEST_EXISTS));
	g_assert_null(vigil_runtime_update_container_status(c->rt, c->b->id, 0, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

/* A container whose init does what script says when its stop signal comes. */
static Ctl *running(const char *script)
{
	Ctl *c = ctl_new((const char *const[]){ "sh", "-c", script, NULL });

	if (c == NULL)
		return NULL;
	ctl_create(c);
	start(c);
	return c;
}

static int stop(Ctl *c, guint timeout_s, gboolean all)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	int code = G_MININT;

	g_assert_true(vigil_runtime_stop_container(c->rt, c->b->id, timeout_s * 1000, all, &error));
	g_assert_no_error(error);
	/* Returned only once stopped: the record says so without asking again. */
	ctr = status_of(c, VIGIL_UPDATE_DEFAULT);
	g_assert_cmpint(vigil_container_get_status(ctr), ==, VIGIL_STATUS_STOPPED);
	g_assert_true(vigil_container_get_exit_code(ctr, &code));
	return code;
}

/* The script tells the test it has set its traps up, through a file in the rootfs. */
#define READY "touch /tmp/ready; "

static void wait_ready(Ctl *c)
{
	g_autofree char *ready = g_build_filename(c->b->bundle, "rootfs", "tmp", "ready", NULL);

	g_assert_true(testlib_wait_for_file(ready, CTL_WAIT_MS));
}

static void test_stop_term_ignored(void)
{
	g_autoptr(Ctl) c = running("trap '' TERM; " READY "while :; do sleep 1; done");

	if (c == NULL)
		return;
	g_test_summary("stop: a TERM-ignoring container is SIGKILLed after the timeout");
	wait_ready(c);
	g_assert_cmpint(stop(c, 1, FALSE), ==, 137);
}

static void test_stop_term_honoured(void)
{
	g_autoptr(Ctl) c = running("trap 'exit 0' TERM; " READY "while :; do sleep 0.1; done");

	if (c == NULL)
		return;
	g_test_summary("stop: the stop signal comes first; a container that obeys exits 0");
	wait_ready(c);
	g_assert_cmpint(stop(c, 60, FALSE), ==, 0);
	/* Stopping a stopped container is a no-op. */
	g_assert_cmpint(stop(c, 60, FALSE), ==, 0);
}

static void test_stop_zero_is_kill(void)
{
	g_autoptr(Ctl) c = running("trap 'exit 0' TERM; " READY "while :; do sleep 0.1; done");

	if (c == NULL)
		return;
	g_test_summary("stop with timeout 0: SIGKILL at once, the stop signal omitted");
	wait_ready(c);
	g_assert_cmpint(stop(c, 0, FALSE), ==, 137);
}

static void test_stop_signal_annotation(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "trap 'exit 5' USR1; " READY "while :; do sleep 0.1; done", NULL });

	if (c == NULL)
		return;
	g_test_summary("stop: the bundle's org.opencontainers.image.stopSignal is the signal");
	JsonObject *ann = json_object_new();
	json_object_set_string_member(ann, "org.opencontainers.image.stopSignal", "SIGUSR1");
	json_object_set_object_member(json_node_get_object(c->b->config), "annotations", ann);
	test_bundle_write_config(c->b);
	ctl_create(c);
	start(c);
	wait_ready(c);
	g_assert_cmpint(stop(c, 60, FALSE), ==, 5);
	g_autoptr(VigilContainer) ctr = status_of(c, VIGIL_UPDATE_DEFAULT);
	g_assert_cmpint(vigil_container_get_stop_signal(ctr), ==, SIGUSR1);
}

static void test_record_getters(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "true", NULL });
	g_autoptr(GError) error = NULL;
	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;

	if (c == NULL)
		return;
	g_test_summary("the record's getters: exit and persist directories, stop signal, runtime "
		       "root and monitor, as created (defaults, then given ones)");
	ctl_create(c);
	g_autoptr(VigilContainer) def = status_of(c, VIGIL_UPDATE_DEFAULT);
	const char *dir = vigil_container_get_state_dir(def);
	g_autofree char *exits = g_build_filename(dir, "exits", NULL);
	g_autofree char *exit_file = vigil_runtime_exit_file_path(c->rt, c->b->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(vigil_container_get_exit_dir(def), ==, exits);
	g_assert_true(g_str_has_prefix(exit_file, vigil_container_get_exit_dir(def)));
	g_assert_cmpstr(vigil_container_get_persist_dir(def), ==, dir);
	g_assert_cmpint(vigil_container_get_stop_signal(def), ==, SIGTERM);
	g_assert_cmpstr(vigil_container_get_runtime_root(def), ==, c->b->runc_root);
	g_assert_cmpstr(vigil_container_get_monitor(def), ==, vigil_runtime_monitor(c->rt));
	g_assert_true(vigil_runtime_delete_container(c->rt, c->b->id, TRUE, &error));
	g_assert_no_error(error);

	g_autofree char *ex = g_build_filename(c->b->dir, "ex", NULL);
	g_autofree char *per = g_build_filename(c->b->dir, "per", NULL);
	o.bundle = c->b->bundle;
	o.exit_dir = ex;
	o.persist_dir = per;
	o.stop_signal = SIGUSR2;
	g_assert_true(vigil_runtime_create_container(c->rt, c->b->id, &o, &error));
	g_assert_no_error(error);
	g_autoptr(VigilContainer) ctr = status_of(c, VIGIL_UPDATE_DEFAULT);
	g_assert_cmpstr(vigil_container_get_exit_dir(ctr), ==, ex);
	g_assert_cmpstr(vigil_container_get_persist_dir(ctr), ==, per);
	g_assert_cmpint(vigil_container_get_stop_signal(ctr), ==, SIGUSR2);
}

static void test_stop_all(void)
{
	g_autoptr(Ctl) c = running("sleep 1000 & " READY "wait");

	if (c == NULL)
		return;
	g_test_summary("stop --all: the runtime's kill --all reaches every process");
	wait_ready(c);
	g_assert_cmpint(stop(c, 0, TRUE), ==, 137);
}

static void test_kill(void)
{
	g_autoptr(Ctl) c = running("trap 'exit 9' USR1; " READY "while :; do sleep 0.1; done");
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("kill: a signal by number; bad signals and stopped containers refused");
	g_assert_false(vigil_runtime_kill_container(c->rt, c->b->id, 0, FALSE, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_clear_error(&error);
	wait_ready(c);
	g_assert_true(vigil_runtime_kill_container(c->rt, c->b->id, SIGUSR1, FALSE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ctl_wait(c), ==, 9);
	g_assert_false(vigil_runtime_kill_container(c->rt, c->b->id, SIGKILL, FALSE, &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
}

static void test_pause_unpause(void)
{
	g_autoptr(Ctl) c = running(READY "while :; do sleep 0.1; done");
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("pause and unpause: the record and the runtime agree");
	g_assert_true(vigil_runtime_pause_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(ctl_status(c), ==, "paused");
	g_autoptr(VigilContainer) hard = status_of(c, VIGIL_UPDATE_HARD_QUERY);
	g_assert_cmpint(vigil_container_get_status(hard), ==, VIGIL_STATUS_PAUSED);
	g_assert_true(vigil_runtime_unpause_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
	g_autoptr(VigilContainer) again = status_of(c, VIGIL_UPDATE_HARD_QUERY);
	g_assert_cmpint(vigil_container_get_status(again), ==, VIGIL_STATUS_RUNNING);
	/* The runtime's own message comes through for what it refuses. */
	g_assert_false(vigil_runtime_unpause_container(c->rt, c->b->id, &error));
	g_assert_error(error, VIGIL_ERROR, EIO);
	g_test_message("%s", error->message);
	g_assert_true(g_str_has_prefix(error->message, "unpause '"));
	g_assert_nonnull(strstr(error->message, "': runc: "));
	g_clear_error(&error);
	/* A paused container stops too (it is thawed to take its signal). */
	g_assert_true(vigil_runtime_pause_container(c->rt, c->b->id, &error));
	g_assert_cmpint(stop(c, 0, FALSE), ==, 137);
}

static void test_delete_refused(void)
{
	g_autoptr(Ctl) c = running("sleep 1000");
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("delete of a running container is refused without force");
	g_assert_false(vigil_runtime_delete_container(c->rt, c->b->id, FALSE, &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
	g_autofree char *want = g_strdup_printf(
		"delete '%s': it is running: stop it first or force the delete", c->b->id);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_assert_cmpstr(ctl_status(c), ==, "running");
	g_assert_true(vigil_runtime_delete_container(c->rt, c->b->id, TRUE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(testlib_runc(c->b, NULL, NULL, "state", c->b->id, NULL), !=, 0);
}

static void test_create_errors(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "/nonexistent/bin", NULL });
	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("create: the runtime's own words, nothing left behind; bad ids and "
		       "duplicates refused");
	o.bundle = c->b->bundle;
	g_assert_false(vigil_runtime_create_container(c->rt, c->b->id, &o, &error));
	/* the runtime's failure, and more precisely: the command was not found */
	g_assert_error(error, VIGIL_ERROR, ENOEXEC);
	g_test_message("%s", error->message);
	g_autofree char *prefix = g_strdup_printf("create '%s': runc: ", c->b->id);
	g_assert_true(g_str_has_prefix(error->message, prefix));
	g_assert_nonnull(strstr(error->message, "/nonexistent/bin"));
	g_assert_null(strchr(error->message, '\n'));
	g_clear_error(&error);
	g_autoptr(GPtrArray) list = vigil_runtime_list_containers(c->rt, &error);
	g_assert_cmpuint(list->len, ==, 0);

	g_assert_false(vigil_runtime_create_container(c->rt, "../x", &o, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_clear_error(&error);

	test_bundle_set_args(c->b, (const char *const[]){ "true", NULL });
	test_bundle_write_config(c->b);
	ctl_create(c);
	g_assert_false(vigil_runtime_create_container(c->rt, c->b->id, &o, &error));
	g_assert_error(error, VIGIL_ERROR, EEXIST);
}

static void test_info_and_features(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "true", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("name, path, runtime info and the three probes");
	g_assert_cmpstr(vigil_runtime_name(c->rt), ==, "runc");
	g_assert_true(g_path_is_absolute(vigil_runtime_path(c->rt)));
	g_autoptr(VigilRuntimeInfo) info = vigil_runtime_info(c->rt, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->runtime_name, ==, "runc");
	g_assert_cmpstr(info->runtime_path, ==, vigil_runtime_path(c->rt));
	g_assert_true(g_str_has_prefix(info->runtime_version, "runc "));
	g_assert_cmpstr(info->monitor_path, ==, vigil_runtime_monitor(c->rt));
	g_assert_true(g_str_has_prefix(info->monitor_version, "conmon version "));
	g_assert_cmpstr(info->root, ==, c->root);
	g_assert_cmpstr(info->runtime_root, ==, c->b->runc_root);
	g_assert_cmpstr(info->library_version, ==, vigil_version());
	g_assert_true(vigil_runtime_supports_json_errors(c->rt));
	g_assert_false(vigil_runtime_supports_no_cgroups(c->rt)); /* runc has no such mode */
}

static void test_checkpoint_restore_errors(void)
{
	g_autoptr(Ctl) c = running("sleep 1000");
	g_autoptr(GError) error = NULL;
	VigilCheckpointOptions ck = VIGIL_CHECKPOINT_OPTIONS_INIT;

	if (c == NULL)
		return;
	g_test_summary("checkpoint without a working CRIU: ENOTSUP saying why; restore: the "
		       "runtime's error, nothing left behind");
	if (vigil_runtime_supports_checkpoint(c->rt)) {
		testlib_skip("CRIU works here: the failure paths are not reachable");
		return;
	}
	ck.image_path = g_build_filename(c->b->dir, "ck", NULL);
	g_assert_false(vigil_runtime_checkpoint_container(c->rt, c->b->id, &ck, &error));
	g_assert_error(error, VIGIL_ERROR, ENOTSUP);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, "criu"));
	g_clear_error(&error);
	g_assert_cmpstr(ctl_status(c), ==, "running");

	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
	o.bundle = c->b->bundle;
	o.restore = &ck;
	g_assert_cmpint(g_mkdir_with_parents(ck.image_path, 0700), ==, 0);
	g_assert_false(vigil_runtime_create_container(c->rt, "restored", &o, &error));
	g_assert_error(error, VIGIL_ERROR, EIO);
	g_test_message("%s", error->message);
	g_assert_true(g_str_has_prefix(error->message, "restore 'restored': runc: "));
	g_autofree char *dir = g_build_filename(c->root, "restored", NULL);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_free((char *)ck.image_path);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-lifecycle/create-start-exit", test_create_start_exit);
	g_test_add_func("/controller-lifecycle/stop-term-ignored", test_stop_term_ignored);
	g_test_add_func("/controller-lifecycle/stop-term-honoured", test_stop_term_honoured);
	g_test_add_func("/controller-lifecycle/stop-zero", test_stop_zero_is_kill);
	g_test_add_func("/controller-lifecycle/stop-signal-annotation",
			test_stop_signal_annotation);
	g_test_add_func("/controller-lifecycle/stop-all", test_stop_all);
	g_test_add_func("/controller-lifecycle/record-getters", test_record_getters);
	g_test_add_func("/controller-lifecycle/kill", test_kill);
	g_test_add_func("/controller-lifecycle/pause-unpause", test_pause_unpause);
	g_test_add_func("/controller-lifecycle/delete-refused", test_delete_refused);
	g_test_add_func("/controller-lifecycle/create-errors", test_create_errors);
	g_test_add_func("/controller-lifecycle/info-features", test_info_and_features);
	g_test_add_func("/controller-lifecycle/checkpoint-restore-errors",
			test_checkpoint_restore_errors);
	return g_test_run();
}
