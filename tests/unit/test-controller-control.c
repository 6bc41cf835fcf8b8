/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_client.h"
#include "control_msg.h"
#include "fdutil.h"
#include "json_util.h"

/*
 * The control socket client (docs/control.md) against a scripted monitor: a thread that
 * accepts one connection, reads one request line, writes the bytes it was given and then
 * closes or stays (the connection held until the test ends). The real monitor is in
 * tests/integration/test-controller-control.c.
 */

typedef struct {
	char *dir;
	int listen_fd;
	const char *reply; /* written after the request line; NULL: nothing */
	gsize reply_len;
	gboolean hold;  /* keep the connection open after the reply */
	char *request;  /* the line received, for the test to check */
	int release[2]; /* a byte (or EOF) here ends a held connection */
	GThread *thread;
} Fake;

static gpointer serve(gpointer data)
{
	Fake *f = data;
	vigil_autofd int c = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	GString *req = g_string_new(NULL);
	char ch;

	g_assert_cmpint(c, >=, 0);
	while (read(c, &ch, 1) == 1 && ch != '\n')
		g_string_append_c(req, ch);
	f->request = g_string_free(req, FALSE);
	/* A client that gave up on a long line closes first: EPIPE then, which is fine. */
	if (f->reply != NULL)
		(void)fd_write_all(c, f->reply, f->reply_len, NULL);
	if (f->hold && fd_read_once(f->release[0], &ch, 1) < 0)
		g_warning("fake monitor: read the release pipe: %s", g_strerror(errno));
	return NULL;
}

static Fake *fake_new(const char *reply, gsize len, gboolean hold)
{
	Fake *f = g_new0(Fake, 1);
	g_autoptr(GError) error = NULL;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	f->dir = g_dir_make_tmp("vigil-control-XXXXXX", &error);
	g_assert_no_error(error);
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s", f->dir, CONTROL_SOCKET);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	g_assert_cmpint(listen(f->listen_fd, 4), ==, 0);
	g_assert_cmpint(pipe2(f->release, O_CLOEXEC), ==, 0);
	f->reply = reply;
	f->reply_len = reply != NULL ? (len > 0 ? len : strlen(reply)) : 0;
	f->hold = hold;
	f->thread = g_thread_new("fake-monitor", serve, f);
	return f;
}

static void fake_free(Fake *f)
{
	g_autofree char *path = g_build_filename(f->dir, CONTROL_SOCKET, NULL);

	vigil_clear_fd(&f->release[1]);
	if (f->thread != NULL)
		g_thread_join(f->thread);
	vigil_clear_fd(&f->release[0]);
	vigil_clear_fd(&f->listen_fd);
	(void)unlink(path);
	(void)rmdir(f->dir);
	g_free(f->request);
	g_free(f->dir);
	g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fake, fake_free)

static gint64 in_ms(int ms)
{
	return g_get_monotonic_time() + (gint64)ms * 1000;
}

static void test_state_reply(void)
{
	g_autoptr(Fake) f = fake_new(
		"{\"v\":1,\"id\":7,\"ok\":true,\"state\":{\"id\":\"web\",\"exec\":false,"
		"\"status\":\"exited\",\"pid\":4242,\"started_at\":\"2026-12-03T10:31:00."
		"123456789Z\",\"exit_code\":137,\"oom_killed\":true,\"exited_at\":\"2026-12-03T10:"
		"31:05.000001999Z\",\"logs\":[],\"attach_clients\":0}}\n",
		0, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) line = control_call(f->dir, "state", 10000, &error);
	JsonObject *reply;
	ControlState st;

	g_test_summary("a state request is one line with v and op; an exited reply gives the "
		       "code, the OOM flag and the time to the microsecond");
	g_assert_no_error(error);
	g_assert_nonnull(line);
	reply = control_reply_object(line, &error);
	g_assert_no_error(error);
	g_assert_true(control_msg_state(reply, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpint(st.status, ==, CONTROL_STATUS_EXITED);
	g_assert_cmpint(st.pid, ==, 4242);
	g_assert_true(st.has_exit_code);
	g_assert_cmpint(st.exit_code, ==, 137);
	g_assert_true(st.oom_killed);
	g_assert_cmpint(st.exited_at, ==, G_GINT64_CONSTANT(1796293865000001));
}

static void test_request_line(void)
{
	g_autoptr(Fake) f = fake_new("{\"v\":1,\"ok\":true}\n", 0, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) line = control_call(f->dir, "wait", 10000, &error);

	g_test_summary("the request is exactly {\"v\":1,\"op\":...} and a newline");
	g_assert_no_error(error);
	g_assert_nonnull(line);
	g_thread_join(g_steal_pointer(&f->thread));
	g_assert_cmpstr(f->request, ==, "{\"v\":1,\"op\":\"wait\"}");
}

static void check_error_reply(const char *code, int want)
{
	g_autofree char *text = g_strdup_printf(
		"{\"v\":1,\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"no\"}}\n", code);
	g_autoptr(Fake) f = fake_new(text, 0, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) line = control_call(f->dir, "resize", 10000, &error);
	g_autofree char *want_msg = g_strdup_printf("the monitor: no (%s)", code);

	g_assert_no_error(error);
	g_assert_null(control_reply_object(line, &error));
	g_assert_error(error, VIGIL_ERROR, want);
	g_assert_cmpstr(error->message, ==, want_msg);
}

static void test_error_replies(void)
{
	g_test_summary("every error code of docs/control.md maps to one errno, an unknown one to "
		       "EPROTO, and the message keeps the monitor's words and code");
	check_error_reply("bad-json", EPROTO);
	check_error_reply("bad-request", EPROTO);
	check_error_reply("unsupported-version", ENOTSUP);
	check_error_reply("unknown-op", ENOTSUP);
	check_error_reply("too-long", EPROTO);
	check_error_reply("permission-denied", EACCES);
	check_error_reply("not-supported", ENOTSUP);
	check_error_reply("failed", EIO);
	check_error_reply("something-new", EPROTO);
}

static void check_bad_reply(const char *text, const char *want)
{
	g_autoptr(Fake) f = fake_new(text, 0, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) line = control_call(f->dir, "state", 10000, &error);

	if (line != NULL)
		g_assert_null(control_reply_object(line, &error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_bad_replies(void)
{
	g_test_summary("a reply that breaks the protocol is EPROTO saying how");
	check_bad_reply("[1]\n", "a line from the monitor is no JSON object");
	check_bad_reply("{\"v\":1}\n", "the monitor's reply has no \"ok\"");
	check_bad_reply("{\"v\":2,\"ok\":true}\n", "the monitor speaks protocol 2");
	check_bad_reply("{\"v\":1,\"event\":\"oom\"}\n", "the monitor sent an event, not a reply");
	check_bad_reply("{\"v\":1,'ok':true}\n",
			"a line from the monitor: not JSON: unexpected ''' at byte 7");
}

static void test_line_bound(void)
{
	/* One byte past the bound, no newline: the client stops reading there. */
	g_autofree char *big = g_strnfill(CONTROL_LINE_MAX + 1, ' ');
	g_autoptr(Fake) f = fake_new(big, 0, TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) line = control_call(f->dir, "state", 10000, &error);

	g_test_summary("a line longer than 64 KiB is refused, not buffered without bound");
	g_assert_null(line);
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, "a line from the monitor is longer than 65536 bytes");
}

static void test_gone(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("vigil-control-XXXXXX", &error);
	g_autofree char *path = g_build_filename(dir, CONTROL_SOCKET, NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autoptr(JsonParser) line = NULL;

	g_test_summary("no socket (ENOENT), a socket nobody listens on (ECONNREFUSED: a killed "
		       "monitor's) and a close before the reply (ECONNRESET) all mean the monitor "
		       "is gone; a timeout does not");
	g_assert_null(control_call(dir, "state", 1000, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_assert_true(control_error_is_gone(error));
	g_clear_error(&error);

	g_snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
	vigil_autofd int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(s, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	vigil_clear_fd(&s);
	g_assert_null(control_call(dir, "state", 1000, &error));
	g_assert_error(error, VIGIL_ERROR, ECONNREFUSED);
	g_assert_true(control_error_is_gone(error));
	g_clear_error(&error);
	(void)unlink(path);
	(void)rmdir(dir);

	g_autoptr(Fake) f = fake_new(NULL, 0, FALSE);
	line = control_call(f->dir, "wait", 10000, &error);
	g_assert_null(line);
	g_assert_error(error, VIGIL_ERROR, ECONNRESET);
	g_assert_true(control_error_is_gone(error));
	g_clear_error(&error);

	g_autoptr(Fake) silent = fake_new(NULL, 0, TRUE);
	line = control_call(silent->dir, "wait", 200, &error);
	g_assert_null(line);
	g_assert_error(error, VIGIL_ERROR, ETIMEDOUT);
	g_assert_false(control_error_is_gone(error));
}

static void test_lines_in_pieces(void)
{
	const char *text = "{\"v\":1,\"ok\":true}\n{\"v\":1,\"event\":\"attach\",\"time\":"
			   "\"2026-12-03T10:31:00Z\",\"clients\":2}\n{\"v\":1,\"ev";
	g_autoptr(Fake) f = fake_new(text, 0, TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(ControlConn) c = control_conn_new(f->dir, 10000, &error);
	g_autoptr(JsonParser) first = NULL, second = NULL, third = NULL;
	g_autoptr(VigilEvent) ev = NULL;

	g_test_summary("several lines in one read come out one at a time; a partial line waits "
		       "for its end (non-blocking: NULL and no error), and an EOF inside it is "
		       "the monitor going away");
	g_assert_no_error(error);
	g_assert_true(control_conn_send(c, "subscribe", &error));
	first = control_conn_read(c, in_ms(10000), &error);
	g_assert_no_error(error);
	g_assert_nonnull(control_reply_object(first, &error));
	second = control_conn_read(c, in_ms(10000), &error);
	g_assert_no_error(error);
	ev = control_msg_event(json_util_root_object(second), &error);
	g_assert_no_error(error);
	g_assert_cmpint(ev->type, ==, VIGIL_EVENT_ATTACH);
	g_assert_cmpstr(ev->name, ==, "attach");
	g_assert_cmpuint(ev->clients, ==, 2);
	g_assert_cmpint(ev->time, ==, G_GINT64_CONSTANT(1796293860000000));
	third = control_conn_read_nonblock(c, &error);
	g_assert_no_error(error);
	g_assert_null(third);
	vigil_clear_fd(&f->release[1]);
	third = control_conn_read(c, in_ms(10000), &error);
	g_assert_null(third);
	g_assert_error(error, VIGIL_ERROR, ECONNRESET);
}

static JsonObject *object(JsonParser **keep, const char *text)
{
	g_autoptr(GError) error = NULL;

	*keep = json_util_parse(text, strlen(text), CONTROL_LINE_MAX, &error);
	g_assert_no_error(error);
	return json_util_root_object(*keep);
}

static void test_decode(void)
{
	g_autoptr(JsonParser) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL, p5 = NULL, p6 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilEvent) ev = NULL;
	VigilStats s;
	ControlState st;
	int code = 0;
	gboolean oom = FALSE;
	gint64 at = 0;

	g_test_summary("the stats, wait, state and event shapes of docs/control.md, and a "
		       "missing member named");
	g_assert_true(control_msg_stats(
		object(&p1, "{\"v\":1,\"ok\":true,\"stats\":{\"logs\":{\"stdout_bytes\":1048576,"
			    "\"stderr_bytes\":12,\"dropped_bytes\":3,\"rotations\":2},"
			    "\"attach\":{\"clients\":1},\"cgroup\":{\"memory_bytes\":1234567,"
			    "\"cpu_usage_ns\":98765432}}}"),
		&s, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(s.stdout_bytes, ==, 1048576);
	g_assert_cmpuint(s.stderr_bytes, ==, 12);
	g_assert_cmpuint(s.dropped_bytes, ==, 3);
	g_assert_cmpuint(s.log_rotations, ==, 2);
	g_assert_cmpuint(s.attach_clients, ==, 1);
	g_assert_true(s.has_cgroup);
	g_assert_cmpuint(s.memory_bytes, ==, 1234567);
	g_assert_cmpuint(s.cpu_usage_ns, ==, 98765432);

	g_assert_true(control_msg_stats(
		object(&p2, "{\"stats\":{\"logs\":{\"stdout_bytes\":0,\"stderr_bytes\":0,"
			    "\"dropped_bytes\":0,\"rotations\":0},\"attach\":{\"clients\":0},"
			    "\"cgroup\":null}}"),
		&s, &error));
	g_assert_false(s.has_cgroup);
	g_assert_false(control_msg_stats(
		object(&p3, "{\"stats\":{\"logs\":{\"stdout_bytes\":0},\"attach\":{}}}"), &s,
		&error));
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, "the monitor's stats has no integer \"stderr_bytes\"");
	g_clear_error(&error);

	g_assert_true(control_msg_exit(
		object(&p4, "{\"v\":1,\"ok\":true,\"exit_code\":0,\"oom_killed\":false,"
			    "\"exited_at\":\"2026-12-03T10:31:05.000000001Z\"}"),
		&code, &oom, &at, &error));
	g_assert_cmpint(code, ==, 0);
	g_assert_false(oom);
	g_assert_cmpint(at, ==, G_GINT64_CONSTANT(1796293865000000));

	g_assert_true(control_msg_state(
		object(&p5, "{\"ok\":true,\"state\":{\"status\":\"starting\",\"pid\":0}}"), &st,
		&error));
	g_assert_cmpint(st.status, ==, CONTROL_STATUS_STARTING);
	g_assert_false(st.has_exit_code);

	ev = control_msg_event(object(&p6, "{\"v\":1,\"event\":\"exit\",\"time\":\"2026-12-03T"
					   "10:31:05Z\",\"exit_code\":137,\"oom_killed\":true}"),
			       &error);
	g_assert_no_error(error);
	g_assert_cmpint(ev->type, ==, VIGIL_EVENT_EXIT);
	g_assert_cmpint(ev->exit_code, ==, 137);
	g_assert_true(ev->oom_killed);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	g_test_add_func("/controller-control/state-reply", test_state_reply);
	g_test_add_func("/controller-control/request-line", test_request_line);
	g_test_add_func("/controller-control/error-replies", test_error_replies);
	g_test_add_func("/controller-control/bad-replies", test_bad_replies);
	g_test_add_func("/controller-control/line-bound", test_line_bound);
	g_test_add_func("/controller-control/gone", test_gone);
	g_test_add_func("/controller-control/lines-in-pieces", test_lines_in_pieces);
	g_test_add_func("/controller-control/decode", test_decode);
	return g_test_run();
}
