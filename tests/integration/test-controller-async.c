/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "test-controller-helpers.h"

/*
 * vigil_runtime_exec_container_async() and vigil_runtime_attach_async() against real runc:
 * several sessions driven from one thread's main loop at once, input and output streamed
 * by sources, failures and cancellation reported through the callback.
 */

/* A running container (sleeping) that has an attach socket; NULL = skipped. */
static Ctl *running(void)
{
	g_autoptr(Ctl) c = ctl_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return NULL;
	ctl_create(c);
	if (!ctl_require_attach(c))
		return NULL;
	g_assert_true(vigil_runtime_start_container(c->rt, c->b->id, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&c);
}

static void on_ready(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GAsyncResult **slot = user_data;

	*slot = g_object_ref(result);
}

/* Iterate the default context until every slot has its result. */
static void run_until(GAsyncResult **slots, gsize n)
{
	for (;;) {
		gsize done = 0;

		for (gsize i = 0; i < n; i++)
			done += slots[i] != NULL;
		if (done == n)
			return;
		g_main_context_iteration(NULL, TRUE);
	}
}

static char *out_path(Ctl *c, const char *name)
{
	return g_build_filename(c->b->dir, name, NULL);
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	g_assert_cmpint(fd, >=, 0);
	return fd;
}

static void test_exec_concurrent(void)
{
	g_autoptr(Ctl) c = running();
	/* Each waits for the other to have started: one thread running them one after the
	 * other could never finish the first. */
	const char *a[] = { "sh", "-c",
			    "touch /tmp/a; until [ -e /tmp/b ]; do sleep 0.1; done; echo A; exit 3",
			    NULL };
	const char *b[] = { "sh", "-c",
			    "touch /tmp/b; until [ -e /tmp/a ]; do sleep 0.1; done; echo B >&2; "
			    "exit 4",
			    NULL };
	VigilAttachStreams sa = VIGIL_ATTACH_STREAMS_INIT, sb = VIGIL_ATTACH_STREAMS_INIT;
	VigilExecOptions oa = VIGIL_EXEC_OPTIONS_INIT, ob = VIGIL_EXEC_OPTIONS_INIT;
	GAsyncResult *results[2] = { NULL, NULL };
	VigilExecResult ra, rb;
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("two attached exec sessions that each need the other running, from one "
		       "thread: both stream their output and return their codes");
	g_autofree char *pa = out_path(c, "a.out"), *pb = out_path(c, "b.out");
	sa.output_fd = sa.error_fd = open_out(pa);
	sb.output_fd = sb.error_fd = open_out(pb);
	oa.cmd = a;
	oa.streams = &sa;
	ob.cmd = b;
	ob.streams = &sb;
	vigil_runtime_exec_container_async(c->rt, c->b->id, "a", &oa, NULL, on_ready, &results[0]);
	vigil_runtime_exec_container_async(c->rt, c->b->id, "b", &ob, NULL, on_ready, &results[1]);
	run_until(results, 2);
	g_assert_true(vigil_runtime_exec_container_finish(c->rt, results[0], &ra, &error));
	g_assert_no_error(error);
	g_assert_true(vigil_runtime_exec_container_finish(c->rt, results[1], &rb, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ra.exit_code, ==, 3);
	g_assert_cmpint(rb.exit_code, ==, 4);
	g_assert_cmpint(ra.pid, >, 0);
	g_assert_false(ra.detached);
	close(sa.output_fd);
	close(sb.output_fd);
	g_autofree char *outa = testlib_read_file(pa), *outb = testlib_read_file(pb);
	g_assert_cmpstr(outa, ==, "A\n");
	g_assert_cmpstr(outb, ==, "B\n");
	g_object_unref(results[0]);
	g_object_unref(results[1]);
}

typedef struct {
	int fd;
	const char *text;
} Feed;

static gboolean feed_input(gpointer data)
{
	Feed *f = data;

	g_assert_cmpint(write(f->fd, f->text, strlen(f->text)), ==, (gssize)strlen(f->text));
	close(f->fd);
	return G_SOURCE_REMOVE;
}

static void test_exec_input_and_detached(void)
{
	g_autoptr(Ctl) c = running();
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilExecOptions o = VIGIL_EXEC_OPTIONS_INIT, d = VIGIL_EXEC_OPTIONS_INIT;
	GAsyncResult *results[2] = { NULL, NULL };
	VigilExecResult r, rd;
	g_autoptr(GError) error = NULL;
	int in[2];
	int code = 0;

	if (c == NULL)
		return;
	g_test_summary("input written from the same main loop reaches an attached session; a "
		       "detached one reports its pid and runs on");
	g_autofree char *path = out_path(c, "in.out");
	g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
	streams.output_fd = streams.error_fd = open_out(path);
	streams.input_fd = in[0];
	streams.attach_input = TRUE;
	o.cmd = (const char *const[]){ "sh", "-c", "read x; echo got $x", NULL };
	o.streams = &streams;
	d.cmd = (const char *const[]){ "sleep", "1000", NULL };
	Feed feed = { in[1], "hello\n" };
	vigil_runtime_exec_container_async(c->rt, c->b->id, "i", &o, NULL, on_ready, &results[0]);
	vigil_runtime_exec_container_async(c->rt, c->b->id, "d", &d, NULL, on_ready, &results[1]);
	g_idle_add(feed_input, &feed);
	run_until(results, 2);
	g_assert_true(vigil_runtime_exec_container_finish(c->rt, results[0], &r, &error));
	g_assert_no_error(error);
	g_assert_cmpint(r.exit_code, ==, 0);
	close(in[0]);
	close(streams.output_fd);
	g_autofree char *out = testlib_read_file(path);
	g_assert_cmpstr(out, ==, "got hello\n");

	g_assert_true(vigil_runtime_exec_container_finish(c->rt, results[1], &rd, &error));
	g_assert_no_error(error);
	g_assert_true(rd.detached);
	g_assert_cmpint(rd.pid, >, 0);
	g_assert_cmpint(rd.exit_code, ==, -1);
	g_assert_true(vigil_runtime_exec_stop_container(c->rt, c->b->id, "d", 0, &error));
	g_assert_no_error(error);
	g_assert_true(vigil_runtime_wait(c->rt, c->b->id, "d", CTL_WAIT_MS, &code, &error));
	g_assert_cmpint(code, ==, 137);
	g_object_unref(results[0]);
	g_object_unref(results[1]);
}

static void test_exec_errors(void)
{
	g_autoptr(Ctl) c = running();
	VigilExecOptions o = VIGIL_EXEC_OPTIONS_INIT;
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	GAsyncResult *result = NULL;
	VigilExecResult r;
	g_autoptr(GError) error = NULL;

	if (c == NULL)
		return;
	g_test_summary("a command the runtime cannot find: ENOEXEC through the callback, pid 0, "
		       "nothing left of the session; a bad session id: EINVAL");
	o.cmd = (const char *const[]){ "/no/such/program", NULL };
	o.streams = &streams;
	streams.output_fd = streams.error_fd = open_out("/dev/null");
	vigil_runtime_exec_container_async(c->rt, c->b->id, "nf", &o, NULL, on_ready, &result);
	run_until(&result, 1);
	g_assert_false(vigil_runtime_exec_container_finish(c->rt, result, &r, &error));
	g_assert_error(error, VIGIL_ERROR, ENOEXEC);
	g_assert_cmpint(r.pid, ==, 0);
	g_clear_error(&error);
	g_clear_object(&result);
	g_autofree char *dir = g_build_filename(c->root, c->b->id, "exec", "nf", NULL);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));

	vigil_runtime_exec_container_async(c->rt, c->b->id, "../x", &o, NULL, on_ready, &result);
	run_until(&result, 1);
	g_assert_false(vigil_runtime_exec_container_finish(c->rt, result, &r, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_clear_object(&result);
	close(streams.output_fd);
}

typedef struct {
	GCancellable *cancellable;
	GString *seen;
} Watcher;

/* Cancel once the session's output says it is running. */
static gboolean on_output(int fd, GIOCondition cond, gpointer data)
{
	Watcher *w = data;
	char buf[256];
	gssize n = read(fd, buf, sizeof buf);

	if (n > 0)
		g_string_append_len(w->seen, buf, n);
	if (strstr(w->seen->str, "ready\n") != NULL) {
		g_cancellable_cancel(w->cancellable);
		return G_SOURCE_REMOVE;
	}
	return n > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void test_exec_cancel(void)
{
	g_autoptr(Ctl) c = running();
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT;
	VigilExecOptions o = VIGIL_EXEC_OPTIONS_INIT;
	GAsyncResult *result = NULL;
	VigilExecResult r;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) seen = g_string_new(NULL);
	int out[2];
	int code = 0;

	if (c == NULL)
		return;
	g_test_summary("cancelling an attached exec once its output arrived: G_IO_ERROR_CANCELLED, "
		       "detached, and the session runs on until exec-stop");
	g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
	streams.output_fd = streams.error_fd = out[1];
	o.cmd = (const char *const[]){ "sh", "-c", "echo ready; exec sleep 1000", NULL };
	o.streams = &streams;
	Watcher w = { cancellable, seen };
	g_unix_fd_add(out[0], G_IO_IN | G_IO_HUP, on_output, &w);
	vigil_runtime_exec_container_async(c->rt, c->b->id, "c", &o, cancellable, on_ready,
					   &result);
	run_until(&result, 1);
	g_assert_false(vigil_runtime_exec_container_finish(c->rt, result, &r, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error(&error);
	g_assert_true(r.detached);
	g_assert_cmpint(r.pid, >, 0);
	g_assert_cmpstr(seen->str, ==, "ready\n");
	g_assert_false(vigil_runtime_wait(c->rt, c->b->id, "c", 0, &code, &error));
	g_assert_error(error, VIGIL_ERROR, ETIMEDOUT);
	g_clear_error(&error);
	g_assert_true(vigil_runtime_exec_stop_container(c->rt, c->b->id, "c", 0, &error));
	g_assert_no_error(error);
	g_assert_true(vigil_runtime_wait(c->rt, c->b->id, "c", CTL_WAIT_MS, &code, &error));
	g_assert_cmpint(code, ==, 137);
	(void)g_source_remove_by_user_data(&w);
	close(out[0]);
	close(out[1]);
	g_object_unref(result);
}

static void test_attach_start_and_cancel(void)
{
	g_autoptr(Ctl) c =
		ctl_new((const char *const[]){ "sh", "-c", "read x; echo got $x; exit 7", NULL });
	g_autoptr(Ctl) d = running();
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	VigilCreateOptions create = VIGIL_CREATE_OPTIONS_INIT;
	VigilAttachStreams streams = VIGIL_ATTACH_STREAMS_INIT, quiet = VIGIL_ATTACH_STREAMS_INIT;
	VigilAttachOptions options = VIGIL_ATTACH_OPTIONS_INIT, idle = VIGIL_ATTACH_OPTIONS_INIT;
	GAsyncResult *results[2] = { NULL, NULL };
	g_autoptr(GError) error = NULL;
	gboolean detached = TRUE;
	int in[2];

	if (c == NULL || d == NULL)
		return;
	g_test_summary("attach_async starting a created container, with input from the same "
		       "loop: its output and its end; another attach cancelled: CANCELLED, the "
		       "container runs on");
	create.bundle = c->b->bundle;
	create.stdin_ = TRUE;
	g_assert_true(vigil_runtime_create_container(c->rt, c->b->id, &create, &error));
	g_assert_no_error(error);
	if (!ctl_require_attach(c))
		return;
	g_autofree char *path = out_path(c, "attach.out");
	g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
	streams.output_fd = streams.error_fd = open_out(path);
	streams.input_fd = in[0];
	streams.attach_input = TRUE;
	options.streams = &streams;
	options.start = TRUE;
	quiet.output_fd = quiet.error_fd = open_out("/dev/null");
	idle.streams = &quiet;
	Feed feed = { in[1], "there\n" };
	vigil_runtime_attach_async(c->rt, c->b->id, NULL, &options, NULL, on_ready, &results[0]);
	vigil_runtime_attach_async(d->rt, d->b->id, NULL, &idle, cancellable, on_ready,
				   &results[1]);
	g_idle_add(feed_input, &feed);
	run_until(results, 1);
	g_assert_true(vigil_runtime_attach_finish(c->rt, results[0], &detached, &error));
	g_assert_no_error(error);
	g_assert_false(detached);
	g_assert_cmpint(ctl_wait(c), ==, 7);
	close(streams.output_fd);
	g_autofree char *out = testlib_read_file(path);
	g_assert_cmpstr(out, ==, "got there\n");

	/* The other is still attached (a sleeping container): cancelled, it leaves. */
	g_assert_null(results[1]);
	g_cancellable_cancel(cancellable);
	run_until(&results[1], 1);
	g_assert_false(vigil_runtime_attach_finish(d->rt, results[1], &detached, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_cmpstr(ctl_status(d), ==, "running");
	close(in[0]);
	close(quiet.output_fd);
	g_object_unref(results[0]);
	g_object_unref(results[1]);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/controller-async/exec-concurrent", test_exec_concurrent);
	g_test_add_func("/controller-async/exec-input-and-detached", test_exec_input_and_detached);
	g_test_add_func("/controller-async/exec-errors", test_exec_errors);
	g_test_add_func("/controller-async/exec-cancel", test_exec_cancel);
	g_test_add_func("/controller-async/attach-start-and-cancel", test_attach_start_and_cancel);
	return g_test_run();
}
