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
 * The controller over the monitor's control socket (docs/control.md), against real runc:
 * wait, stats and events through the library and vigilctl, the fallback when the monitor was
 * SIGKILLed (an exit code nobody can know stays unknown), and a status update the monitor
 * answers without running the runtime. With VIGIL_TEST_MONITOR=conmon (no control socket) the
 * waits must still work, through the exit file; what needs the socket skips, naming it.
 */

static gboolean require_control(Ctl *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = vigil_runtime_control_socket_path(c->rt, c->b->id, NULL, &error);
	struct stat st;

	g_assert_no_error(error);
	return testlib_require_monitor_feature(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
					       "made no control socket (docs/control.md)");
}

static void start(Ctl *c)
{
	g_autoptr(GError) error = NULL;

	ctl_create(c);
	g_assert_true(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
}

static void kill_container(Ctl *c)
{
	g_assert_cmpint(testlib_runc(c->b, NULL, NULL, "kill", c->b->id, "KILL", NULL), ==, 0);
}

static int monitor_pid(Ctl *c)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = vigil_runtime_update_container_status(
		c->rt, c->b->id, VIGIL_UPDATE_DEFAULT, &error);

	g_assert_no_error(error);
	g_assert_cmpint(vigil_container_get_monitor_pid(ctr), >, 0);
	return vigil_container_get_monitor_pid(ctr);
}

/* vigilctl with the fixture's options, running on; its stdout on *out_fd. */
static GPid cli_start(Ctl *c, const char *const *args, int *out_fd)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	GPid pid = 0;

	g_ptr_array_add(argv, g_strdup(testlib_vigilctl()));
	g_ptr_array_add(argv, g_strdup_printf("--root=%s", c->root));
	g_ptr_array_add(argv, g_strdup_printf("--runtime-root=%s", c->b->runc_root));
	g_ptr_array_add(argv, g_strdup_printf("--monitor=%s", ctl_monitor()));
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, g_strdup(*args));
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
					       G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
					       out_fd, NULL, &error));
	g_assert_no_error(error);
	return pid;
}

/* Its whole stdout, then its exit status (128+n for signal n). */
static int cli_finish(GPid pid, int out_fd, char **out)
{
	GString *text = g_string_new(NULL);
	char buf[4096];
	gssize n;
	int status;

	while ((n = read(out_fd, buf, sizeof buf)) > 0)
		g_string_append_len(text, buf, n);
	close(out_fd);
	status = testlib_wait_pid(pid, CTL_WAIT_MS);
	g_assert_cmpint(status, !=, -1);
	*out = g_string_free(text, FALSE);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What kinds of files process pid has open: its sockets and inotify instances. */
static void open_files(GPid pid, guint *out_sockets, guint *out_inotify)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	*out_sockets = *out_inotify = 0;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *target = g_file_read_link(path, NULL);

		if (target != NULL && g_str_has_prefix(target, "socket:"))
			(*out_sockets)++;
		if (target != NULL && strstr(target, "inotify") != NULL)
			(*out_inotify)++;
	}
}

static void test_wait_cli(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *out = NULL;
	int out_fd = -1;
	guint sockets = 0, inotify = 0;

	if (c == NULL)
		return;
	g_test_summary("vigilctl wait blocks on the monitor's socket (no inotify watch, no "
		       "polling) and prints the code the monitor replies with");
	start(c);
	GPid pid = cli_start(c, (const char *const[]){ "wait", c->b->id, NULL }, &out_fd);
	if (!testlib_testing_other_monitor()) {
		g_assert_true(require_control(c));
		/* Until vigilctl is connected and waiting. */
		gint64 deadline = g_get_monotonic_time() + CTL_WAIT_MS * 1000;
		while (sockets == 0 && g_get_monotonic_time() < deadline) {
			open_files(pid, &sockets, &inotify);
			g_usleep(10000);
		}
		g_assert_cmpuint(sockets, ==, 1);
		g_assert_cmpuint(inotify, ==, 0);
	}
	kill_container(c);
	g_assert_cmpint(cli_finish(pid, out_fd, &out), ==, 137);
	g_assert_cmpstr(out, ==, "137\n");
	g_clear_pointer(&out, g_free);
	/* Stopped: the record has the code, asked again. */
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "wait", "--json", c->b->id, NULL), ==, 137);
	g_assert_cmpstr(out, ==, "{\"exit_code\": 137}\n");
}

static void test_wait_library(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sh", "-c", "sleep 1; exit 3", NULL });

	if (c == NULL)
		return;
	g_test_summary("vigil_runtime_wait() gives the code the container exited with");
	start(c);
	g_assert_cmpint(ctl_wait(c), ==, 3);
	/* And for a second waiter after the fact. */
	g_assert_cmpint(ctl_wait(c), ==, 3);
}

typedef struct {
	GMainLoop *loop;
	int pending;
	int codes[3];
	GError *errors[3];
} AsyncWaits;

typedef struct {
	AsyncWaits *w;
	VigilRuntime *rt;
	int slot;
} Waiter;

static void on_done(GObject *source, GAsyncResult *result, gpointer data)
{
	Waiter *waiter = data;
	AsyncWaits *w = waiter->w;
	int code = G_MININT;

	(void)source;
	if (vigil_runtime_wait_finish(waiter->rt, result, &code, &w->errors[waiter->slot]))
		w->codes[waiter->slot] = code;
	if (--w->pending == 0)
		g_main_loop_quit(w->loop);
}

static gboolean kill_later(gpointer data)
{
	kill_container(data);
	return G_SOURCE_REMOVE;
}

static void test_wait_async(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	AsyncWaits w = { 0 };
	Waiter waiters[3];

	if (c == NULL)
		return;
	g_test_summary("vigil_runtime_wait_async(): two waiters on one main context both get "
		       "the code, on that context; a cancelled one says so");
	start(c);
	g_main_context_push_thread_default(ctx);
	w.loop = g_main_loop_new(ctx, FALSE);
	for (int i = 0; i < 3; i++) {
		waiters[i] = (Waiter){ &w, c->rt, i };
		vigil_runtime_wait_async(c->rt, c->b->id, NULL, i == 2 ? cancel : NULL, on_done,
					 &waiters[i]);
	}
	w.pending = 3;
	g_cancellable_cancel(cancel);
	/* Some time for the waiters to reach the socket; the result is the same either way. */
	GSource *later = g_timeout_source_new(300);
	g_source_set_callback(later, kill_later, c, NULL);
	g_source_attach(later, ctx);
	g_source_unref(later);
	g_main_loop_run(w.loop);
	g_main_context_pop_thread_default(ctx);
	g_main_loop_unref(w.loop);
	g_assert_no_error(w.errors[0]);
	g_assert_no_error(w.errors[1]);
	g_assert_cmpint(w.codes[0], ==, 137);
	g_assert_cmpint(w.codes[1], ==, 137);
	g_assert_error(w.errors[2], G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error(&w.errors[2]);
}

static void test_monitor_killed(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	AsyncWaits w = { 0 };
	Waiter waiter;
	int out_fd = -1, code = G_MININT;

	if (c == NULL)
		return;
	g_test_summary("the monitor SIGKILLed while the container runs: wait (CLI, sync and "
		       "async) follows the container through the runtime, then reports its exit "
		       "code as unknown (unknown, 255, null), never a made-up number");
	start(c);
	g_assert_cmpint(kill(monitor_pid(c), SIGKILL), ==, 0);
	GPid pid = cli_start(c, (const char *const[]){ "wait", c->b->id, NULL }, &out_fd);
	g_main_context_push_thread_default(ctx);
	w.loop = g_main_loop_new(ctx, FALSE);
	w.pending = 1;
	waiter = (Waiter){ &w, c->rt, 0 };
	vigil_runtime_wait_async(c->rt, c->b->id, NULL, NULL, on_done, &waiter);
	GSource *later = g_timeout_source_new(300);
	g_source_set_callback(later, kill_later, c, NULL);
	g_source_attach(later, ctx);
	g_source_unref(later);
	g_main_loop_run(w.loop);
	g_main_context_pop_thread_default(ctx);
	g_main_loop_unref(w.loop);
	g_assert_error(w.errors[0], VIGIL_ERROR, ESRCH);
	g_clear_error(&w.errors[0]);

	g_assert_cmpint(cli_finish(pid, out_fd, &out), ==, 255);
	g_assert_cmpstr(out, ==, "unknown\n");
	g_clear_pointer(&out, g_free);
	g_assert_false(vigil_runtime_wait(c->rt, c->b->id, NULL, CTL_WAIT_MS, &code, &error));
	g_assert_error(error, VIGIL_ERROR, ESRCH);
	g_assert_cmpint(code, ==, G_MININT);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "wait", c->b->id, NULL), ==, 255);
	g_assert_cmpstr(out, ==, "unknown\n");
	g_autofree char *reason = g_strdup_printf("vigilctl: wait '%s': ", c->b->id);
	g_assert_true(g_str_has_prefix(err, reason));
	g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* With --json the reason is one JSON object on stderr too. */
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "wait", "--json", c->b->id, NULL), ==, 255);
	g_assert_cmpstr(out, ==, "{\"exit_code\": null}\n");
	g_autoptr(JsonParser) p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, err, -1, NULL));
	const char *msg = json_object_get_string_member(
		json_node_get_object(json_parser_get_root(p)), "message");
	g_assert_true(g_str_has_prefix(msg, reason + strlen("vigilctl: ")));
}

static void test_stats(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){
		"sh", "-c", "printf hello; printf err >&2; exec sleep 1000", NULL });
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilStats) s = NULL;
	g_autofree char *out = NULL, *err = NULL;

	if (c == NULL)
		return;
	g_test_summary("stats: the bytes the container wrote to each stream, attach clients, "
		       "through the library, vigilctl stats and --json; EBUSY once it exited");
	start(c);
	if (!require_control(c))
		return;
	/* The monitor counts what it has read: wait until it read both. */
	gint64 deadline = g_get_monotonic_time() + CTL_WAIT_MS * 1000;
	do {
		g_clear_pointer(&s, vigil_stats_free);
		s = vigil_runtime_stats(c->rt, c->b->id, NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(s);
		if (s->stdout_bytes == 5 && s->stderr_bytes == 3)
			break;
		g_usleep(20000);
	} while (g_get_monotonic_time() < deadline);
	g_assert_cmpuint(s->stdout_bytes, ==, 5);
	g_assert_cmpuint(s->stderr_bytes, ==, 3);
	g_assert_cmpuint(s->dropped_bytes, ==, 0);
	g_assert_cmpuint(s->attach_clients, ==, 0);
	if (s->has_cgroup)
		g_assert_cmpuint(s->memory_bytes, >, 0);

	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "stats", c->b->id, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "stdout_bytes    5\n"));
	g_assert_nonnull(strstr(out, "stderr_bytes    3\n"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "stats", "--json", c->b->id, NULL), ==, 0);
	g_autoptr(JsonParser) p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
	JsonObject *logs = json_object_get_object_member(
		json_node_get_object(json_parser_get_root(p)), "logs");
	g_assert_cmpint(json_object_get_int_member(logs, "stdout_bytes"), ==, 5);
	g_assert_cmpint(json_object_get_int_member(logs, "stderr_bytes"), ==, 3);

	kill_container(c);
	g_assert_cmpint(ctl_wait(c), ==, 137);
	g_assert_null(vigil_runtime_stats(c->rt, c->b->id, NULL, &error));
	g_assert_error(error, VIGIL_ERROR, EBUSY);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, &err, "stats", c->b->id, NULL), ==, 1);
	g_autofree char *want = g_strdup_printf("vigilctl: stats '%s': it has exited\n", c->b->id);
	g_assert_cmpstr(err, ==, want);
}

/* An attach client, as podman connects: through an O_PATH handle. */
static int attach(Ctl *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = vigil_runtime_attach_socket_path(c->rt, c->b->id, &error);

	g_assert_no_error(error);
	return testlib_attach_connect(path);
}

static VigilEvent *next_event(VigilEventStream *s)
{
	g_autoptr(GError) error = NULL;
	VigilEvent *ev = vigil_event_stream_next(s, CTL_WAIT_MS, &error);

	g_assert_no_error(error);
	g_assert_nonnull(ev);
	return ev;
}

static void test_events(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilEventStream) s = NULL;
	g_autofree char *out = NULL;
	int out_fd = -1;

	if (c == NULL)
		return;
	g_test_summary("events: attach and detach with the client count, then exit with the "
		       "code as the last event, through the library and vigilctl events --json");
	start(c);
	if (!require_control(c))
		return;
	s = vigil_runtime_subscribe(c->rt, c->b->id, NULL, &error);
	g_assert_no_error(error);
	GPid pid =
		cli_start(c, (const char *const[]){ "events", "--json", c->b->id, NULL }, &out_fd);
	/* Attach clients come and go until vigilctl events has shown one, so it is subscribed
	 * before the container is killed. */
	g_autoptr(GString) seen = g_string_new(NULL);
	gint64 deadline = g_get_monotonic_time() + CTL_WAIT_MS * 1000;
	for (gboolean first = TRUE; seen->len == 0 && g_get_monotonic_time() < deadline;
	     first = FALSE) {
		int a = attach(c);
		g_assert_cmpint(a, >=, 0);
		g_autoptr(VigilEvent) came = next_event(s);
		g_assert_cmpint(came->type, ==, VIGIL_EVENT_ATTACH);
		g_assert_cmpuint(came->clients, ==, 1);
		if (first) {
			g_assert_cmpstr(came->name, ==, "attach");
			g_assert_cmpint(came->time, >, 0);
		}
		close(a);
		g_autoptr(VigilEvent) went = next_event(s);
		g_assert_cmpint(went->type, ==, VIGIL_EVENT_DETACH);
		g_assert_cmpuint(went->clients, ==, 0);
		g_autofree char *line = testlib_read_line(out_fd, 100);
		if (line != NULL)
			g_string_append(seen, line);
	}
	/* It joined between an attach and a detach, or after both. */
	g_assert_true(g_str_has_prefix(seen->str, "{\"event\":\"attach\",\"time\":\"20") ||
		      g_str_has_prefix(seen->str, "{\"event\":\"detach\",\"time\":\"20"));
	kill_container(c);
	g_autoptr(VigilEvent) exit_ev = next_event(s);
	g_assert_cmpint(exit_ev->type, ==, VIGIL_EVENT_EXIT);
	g_assert_cmpint(exit_ev->exit_code, ==, 137);
	g_assert_false(exit_ev->oom_killed);
	/* The end: no event and no error. */
	g_assert_null(vigil_event_stream_next(s, CTL_WAIT_MS, &error));
	g_assert_no_error(error);

	g_assert_cmpint(cli_finish(pid, out_fd, &out), ==, 0);
	g_string_append(seen, out);
	g_auto(GStrv) lines = g_strsplit(g_strchomp(seen->str), "\n", -1);
	guint n = g_strv_length(lines);
	g_assert_cmpuint(n, >=, 1);
	g_autoptr(JsonParser) p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, lines[n - 1], -1, NULL));
	JsonObject *last = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(last, "event"), ==, "exit");
	g_assert_cmpint(json_object_get_int_member(last, "exit_code"), ==, 137);
	g_assert_false(json_object_get_boolean_member(last, "oom_killed"));
}

static guint count_state_calls(const char *log, const char *id)
{
	g_autofree char *text = testlib_read_file(log);
	g_autofree char *needle = g_strdup_printf("state %s\n", id);
	guint n = 0;

	for (const char *p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_status_no_runtime_call(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *log = NULL, *script = NULL, *body = NULL, *out = NULL;
	VigilConfig config = VIGIL_CONFIG_INIT;

	if (c == NULL)
		return;
	g_test_summary("a hard status query the monitor answers runs no runtime command (a "
		       "runtime wrapper counts them); with the monitor gone, the runtime is asked");
	log = g_build_filename(c->b->dir, "runtime-calls", NULL);
	body = g_strdup_printf("#!/bin/sh\necho \"$*\" >> '%s'\nexec '%s' \"$@\"\n", log, runc);
	script = test_bundle_write_script(c->b, "counting-runtime", body);
	g_clear_pointer(&c->rt, vigil_runtime_free);
	config.runtime = script;
	config.root = c->root;
	config.runtime_root = c->b->runc_root;
	config.monitor = ctl_monitor();
	c->rt = vigil_runtime_new(&config, &error);
	g_assert_no_error(error);
	start(c);
	if (!require_control(c))
		return;
	guint before = count_state_calls(log, c->b->id);
	g_autoptr(VigilContainer) ctr = vigil_runtime_update_container_status(
		c->rt, c->b->id, VIGIL_UPDATE_HARD_QUERY, &error);
	g_assert_no_error(error);
	g_assert_cmpint(vigil_container_get_status(ctr), ==, VIGIL_STATUS_RUNNING);
	g_assert_cmpint(vigil_container_get_pid(ctr), >, 0);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "state", "--hard", c->b->id, NULL), ==, 0);
	g_assert_cmpuint(count_state_calls(log, c->b->id), ==, before);

	/* No monitor to answer: the runtime is asked, as before the socket. */
	g_assert_cmpint(kill(monitor_pid(c), SIGKILL), ==, 0);
	g_assert_cmpint(testlib_wait_pid(vigil_container_get_monitor_pid(ctr), CTL_WAIT_MS), !=,
			-1);
	g_autoptr(VigilContainer) again = vigil_runtime_update_container_status(
		c->rt, c->b->id, VIGIL_UPDATE_HARD_QUERY, &error);
	g_assert_no_error(error);
	g_assert_cmpint(vigil_container_get_status(again), ==, VIGIL_STATUS_RUNNING);
	g_assert_cmpuint(count_state_calls(log, c->b->id), ==, before + 1);
}

static void test_exec_session(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilStats) s = NULL;
	g_autofree char *out = NULL, *err = NULL, *path = NULL;
	VigilExecOptions o = VIGIL_EXEC_OPTIONS_INIT;
	VigilExecResult r = { 0 };
	struct stat st;

	if (c == NULL)
		return;
	g_test_summary("an exec session's own monitor answers for it (--session): stats while it "
		       "runs, wait for its code, and stats refused once it ended");
	start(c);
	o.cmd = (const char *const[]){ "sh", "-c", "printf abc; sleep 2; exit 4", NULL };
	g_assert_true(vigil_runtime_exec_container(c->rt, c->b->id, "s1", &o, &r, &error));
	g_assert_no_error(error);
	path = vigil_runtime_control_socket_path(c->rt, c->b->id, "s1", &error);
	g_assert_no_error(error);
	if (!testlib_require_monitor_feature(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
					     "made no control socket for an exec session"))
		return;
	gint64 deadline = g_get_monotonic_time() + CTL_WAIT_MS * 1000;
	do {
		g_clear_pointer(&s, vigil_stats_free);
		s = vigil_runtime_stats(c->rt, c->b->id, "s1", &error);
		g_assert_no_error(error);
		if (s == NULL || s->stdout_bytes == 3)
			break;
		g_usleep(20000);
	} while (g_get_monotonic_time() < deadline);
	g_assert_nonnull(s);
	g_assert_cmpuint(s->stdout_bytes, ==, 3);

	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "wait", "--session", "s1", c->b->id, NULL), ==,
			4);
	g_assert_cmpstr(out, ==, "4\n");
	g_assert_cmpint(ctl_cli(c, NULL, NULL, &err, "stats", "--session", "s1", c->b->id, NULL),
			==, 1);
	g_autofree char *want =
		g_strdup_printf("vigilctl: stats '%s': exec session 's1' has ended\n", c->b->id);
	g_assert_cmpstr(err, ==, want);
}

static void test_paths(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *want = NULL, *path = NULL, *session = NULL;

	if (c == NULL)
		return;
	g_test_summary("vigilctl paths shows the control socket: <state dir>/control");
	ctl_create(c);
	path = vigil_runtime_control_socket_path(c->rt, c->b->id, NULL, &error);
	g_assert_no_error(error);
	want = g_build_filename(c->root, c->b->id, "control", NULL);
	g_assert_cmpstr(path, ==, want);
	session = vigil_runtime_control_socket_path(c->rt, c->b->id, "s1", &error);
	g_assert_no_error(error);
	g_autofree char *want_session =
		g_build_filename(c->root, c->b->id, "exec", "s1", "control", NULL);
	g_assert_cmpstr(session, ==, want_session);
	g_assert_null(vigil_runtime_control_socket_path(c->rt, c->b->id, "../x", &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "paths", "--json", c->b->id, NULL), ==, 0);
	g_autoptr(JsonParser) p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, out, -1, NULL));
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(json_parser_get_root(p)),
						      "control"),
			==, want);
	/* In text, a "control" line with the path, however the columns are padded. */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ctl_cli(c, NULL, &out, NULL, "paths", c->b->id, NULL), ==, 0);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	gboolean found = FALSE;
	for (char **l = lines; *l != NULL; l++)
		found = found || (g_str_has_prefix(*l, "control ") && g_str_has_suffix(*l, want));
	g_assert_true(found);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-control/wait-cli", test_wait_cli);
	g_test_add_func("/controller-control/wait-library", test_wait_library);
	g_test_add_func("/controller-control/wait-async", test_wait_async);
	g_test_add_func("/controller-control/monitor-killed", test_monitor_killed);
	g_test_add_func("/controller-control/stats", test_stats);
	g_test_add_func("/controller-control/events", test_events);
	g_test_add_func("/controller-control/status-no-runtime-call", test_status_no_runtime_call);
	g_test_add_func("/controller-control/exec-session", test_exec_session);
	g_test_add_func("/controller-control/paths", test_paths);
	return g_test_run();
}
