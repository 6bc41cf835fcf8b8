/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/*
 * The control socket (docs/control.md) of a monitor under real runc: every op, many waiters
 * released by one exit, clients that misbehave, and who may connect.
 */

#define WAIT_MS   30000
#define N_WAITERS 100
/* The uid a refused client runs as (nobody). */
#define OTHER_UID 65534

/* A connection and what was read past the last line. */
typedef struct {
	int fd;
	GString *buf;
} Conn;

static void conn_free(Conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	g_string_free(c->buf, TRUE);
	g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Conn, conn_free)

static char *control_path(TestBundle *b)
{
	return g_build_filename(b->bundle, "control", NULL);
}

/* Connect the way a client does: through /proc/self/fd, so a long bundle path fits. -errno on
 * failure. */
static int connect_dir(const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd, r = 0;

	if (dirfd < 0)
		return -errno;
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/control", dirfd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		r = -errno;
	close(dirfd);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

static Conn *conn_open(TestBundle *b)
{
	Conn *c = g_new0(Conn, 1);

	c->buf = g_string_new(NULL);
	c->fd = connect_dir(b->bundle);
	if (c->fd < 0)
		g_test_message("connect to %s/control: %s", b->bundle, g_strerror(-c->fd));
	g_assert_cmpint(c->fd, >=, 0);
	return c;
}

static void conn_send(Conn *c, const char *text, gsize len)
{
	gsize off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
		g_assert_cmpint(n, >, 0);
		off += (gsize)n;
	}
}

static void conn_send_str(Conn *c, const char *text)
{
	conn_send(c, text, strlen(text));
}

/* One line without its '\n', or NULL at EOF (or ECONNRESET after the last line) or timeout. */
static char *conn_read_line(Conn *c, int timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		char *nl = memchr(c->buf->str, '\n', c->buf->len);
		if (nl != NULL) {
			char *line = g_strndup(c->buf->str, (gsize)(nl - c->buf->str));
			g_string_erase(c->buf, 0, nl - c->buf->str + 1);
			return line;
		}
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return NULL;
		char chunk[4096];
		ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
		if (n <= 0)
			return NULL;
		g_string_append_len(c->buf, chunk, n);
	}
}

/* The next line, parsed; asserted to be a JSON object with "v": 1. */
static JsonObject *conn_read_object(Conn *c)
{
	g_autofree char *line = conn_read_line(c, WAIT_MS);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(line);
	g_test_message("← %s", line);
	g_assert_true(json_parser_load_from_data(parser, line, -1, &error));
	g_assert_no_error(error);
	JsonNode *root = json_parser_get_root(parser);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
	JsonObject *o = json_object_ref(json_node_get_object(root));
	g_assert_cmpint(json_object_get_int_member(o, "v"), ==, 1);
	return o;
}

static JsonObject *call(Conn *c, const char *request)
{
	g_autofree char *line = g_strconcat(request, "\n", NULL);

	g_test_message("→ %s", request);
	conn_send_str(c, line);
	return conn_read_object(c);
}

/* A reply with ok true. */
static JsonObject *call_ok(Conn *c, const char *request)
{
	JsonObject *o = call(c, request);

	g_assert_true(json_object_get_boolean_member(o, "ok"));
	return o;
}

/* A reply with ok true, nothing else looked at. */
static void expect_ok(Conn *c, const char *request)
{
	json_object_unref(call_ok(c, request));
}

static void assert_error_code(JsonObject *reply, const char *code)
{
	g_assert_false(json_object_get_boolean_member(reply, "ok"));
	JsonObject *e = json_object_get_object_member(reply, "error");
	g_assert_cmpstr(json_object_get_string_member(e, "code"), ==, code);
	g_assert_cmpstr(json_object_get_string_member(e, "message"), !=, "");
}

static void assert_time(JsonObject *o, const char *member)
{
	const char *t = json_object_get_string_member(o, member);
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(t, NULL);

	g_assert_nonnull(dt);
	/* RFC 3339, UTC, nanoseconds: "2026-12-03T10:31:00.123456789Z" */
	g_assert_cmpuint(strlen(t), ==, 30);
	g_assert_true(g_str_has_suffix(t, "Z"));
}

static JsonObject *read_event(Conn *c, const char *event)
{
	JsonObject *o = conn_read_object(c);

	g_assert_false(json_object_has_member(o, "ok"));
	g_assert_cmpstr(json_object_get_string_member(o, "event"), ==, event);
	assert_time(o, "time");
	return o;
}

static gboolean exit_file_exists(TestBundle *b)
{
	g_autofree char *path = g_build_filename(b->exit_dir, b->id, NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static TestMonitor *start_running(TestBundle *b, int *out_pid)
{
	TestMonitor *m = test_monitor_start_running(b, NULL, out_pid);
	g_autofree char *path = control_path(b);
	struct stat st;

	/* The socket is there before the pid is reported, so already now. */
	g_assert_cmpint(lstat(path, &st), ==, 0);
	return m;
}

/*
 * Under ASan the monitor's own reports (a leak at its exit) would go to its stderr, which is
 * /dev/null once it daemonized: have them written beside the test container instead. Returns
 * the ASAN_OPTIONS to restore, NULL when not built with ASan.
 */
static char *asan_log_begin(TestBundle *b)
{
	const char *opts = g_getenv("ASAN_OPTIONS");

	if (opts == NULL)
		return NULL;
	g_autofree char *prefix = g_build_filename(b->dir, "asan", NULL);
	g_autofree char *with_log = g_strdup_printf("%s:log_path=%s", opts, prefix);
	char *old = g_strdup(opts);
	g_setenv("ASAN_OPTIONS", with_log, TRUE);
	return old;
}

/* After the monitor exited: no report from it. */
static void asan_log_check(TestBundle *b, char *old)
{
	g_autoptr(GDir) dir = NULL;
	const char *name;

	if (old == NULL)
		return;
	g_setenv("ASAN_OPTIONS", old, TRUE);
	g_free(old);
	dir = g_dir_open(b->dir, 0, NULL);
	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (!g_str_has_prefix(name, "asan."))
			continue;
		g_autofree char *path = g_build_filename(b->dir, name, NULL);
		g_autofree char *report = testlib_read_file(path);
		g_test_message("%s:\n%s", path, report);
		g_test_fail_printf("the monitor reported a sanitizer error (%s)", name);
	}
}

static void test_socket_mode(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) m = start_running(b, NULL);
	g_autofree char *path = control_path(b);
	struct stat st;

	g_test_summary("<bundle>/control is a socket of mode 0600, removed when the monitor exits");
	g_assert_cmpint(lstat(path, &st), ==, 0);
	g_assert_true(S_ISSOCK(st.st_mode));
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);
	g_assert_cmpint(st.st_uid, ==, geteuid());
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_assert_cmpint(lstat(path, &st), ==, -1);
	g_assert_cmpint(errno, ==, ENOENT);
}

static void check_version(Conn *c)
{
	g_autoptr(JsonObject) v = call_ok(c, "{\"v\":1,\"op\":\"version\"}");

	g_assert_cmpstr(json_object_get_string_member(v, "version"), ==, VIGIL_VERSION);
	g_assert_cmpint(json_object_get_int_member(v, "protocol"), ==, 1);
	JsonArray *ops = json_object_get_array_member(v, "ops");
	const char *want[] = { "version",    "state", "wait",     "resize",
			       "reopen-log", "stats", "subscribe" };
	g_assert_cmpuint(json_array_get_length(ops), ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(json_array_get_string_element(ops, i), ==, want[i]);
}

static void check_running_state(Conn *c, TestBundle *b, int pid)
{
	g_autoptr(JsonObject) r = call_ok(c, "{\"v\":1,\"op\":\"state\",\"id\":7}");

	g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 7);
	JsonObject *s = json_object_get_object_member(r, "state");
	g_assert_cmpstr(json_object_get_string_member(s, "id"), ==, b->id);
	g_assert_false(json_object_get_boolean_member(s, "exec"));
	g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "running");
	g_assert_cmpint(json_object_get_int_member(s, "pid"), ==, pid);
	assert_time(s, "started_at");
	g_assert_false(json_object_get_boolean_member(s, "oom_killed"));
	g_assert_false(json_object_has_member(s, "exit_code"));
	g_assert_cmpint(json_object_get_int_member(s, "attach_clients"), ==, 0);
	JsonArray *logs = json_object_get_array_member(s, "logs");
	g_assert_cmpuint(json_array_get_length(logs), ==, 1);
	JsonObject *log = json_array_get_object_element(logs, 0);
	g_assert_cmpstr(json_object_get_string_member(log, "driver"), ==, "k8s-file");
	g_assert_cmpstr(json_object_get_string_member(log, "path"), ==, b->log_path);
}

static JsonObject *stats_of(Conn *c)
{
	g_autoptr(JsonObject) r = call_ok(c, "{\"v\":1,\"op\":\"stats\",\"id\":\"s\"}");

	g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, "s");
	return json_object_ref(json_object_get_object_member(r, "stats"));
}

static void check_stats(Conn *c, gint64 min_stdout, gint64 rotations)
{
	g_autoptr(JsonObject) st = stats_of(c);
	JsonObject *logs = json_object_get_object_member(st, "logs");

	g_assert_cmpint(json_object_get_int_member(logs, "stdout_bytes"), >=, min_stdout);
	g_assert_cmpint(json_object_get_int_member(logs, "stderr_bytes"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(logs, "dropped_bytes"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(logs, "rotations"), ==, rotations);
	JsonObject *attach = json_object_get_object_member(st, "attach");
	g_assert_cmpint(json_object_get_int_member(attach, "clients"), ==, 0);
	JsonNode *cg = json_object_get_member(st, "cgroup");
	g_assert_nonnull(cg);
	/* runc puts every container in a memory and a cpuacct cgroup of its own (v1), or one
	 * cgroup with both (v2): with the hierarchy mounted they can be read. */
	if (g_file_test("/sys/fs/cgroup/memory", G_FILE_TEST_IS_DIR) ||
	    g_file_test("/sys/fs/cgroup/cgroup.controllers", G_FILE_TEST_EXISTS)) {
		g_assert_true(JSON_NODE_HOLDS_OBJECT(cg));
		JsonObject *o = json_node_get_object(cg);
		g_assert_cmpint(json_object_get_int_member(o, "memory_bytes"), >, 0);
		g_assert_cmpint(json_object_get_int_member(o, "cpu_usage_ns"), >, 0);
	} else {
		g_test_message("no cgroup hierarchy at /sys/fs/cgroup: cgroup may be null");
	}
}

static void test_ops(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new(
		(const char *const[]){ "sh", "-c", "echo hello-control; exec sleep 1000", NULL });
	int pid = 0;
	g_autoptr(TestMonitor) m = start_running(b, &pid);
	g_autoptr(Conn) c = conn_open(b);
	g_autoptr(Conn) sub = conn_open(b);

	g_test_summary("version, state, stats, resize, reopen-log, subscribe and wait, as "
		       "docs/control.md shows them");
	g_assert_true(testlib_wait_for_text(b->log_path, "hello-control", WAIT_MS));
	check_version(c);
	check_running_state(c, b, pid);
	check_stats(c, strlen("hello-control\n"), 0);

	expect_ok(sub, "{\"v\":1,\"op\":\"subscribe\"}");

	/* no terminal: resize does not apply */
	g_autoptr(JsonObject) resize =
		call(c, "{\"v\":1,\"op\":\"resize\",\"rows\":40,\"cols\":120,\"id\":\"r\"}");
	assert_error_code(resize, "not-supported");
	g_assert_cmpstr(json_object_get_string_member(resize, "id"), ==, "r");

	/* reopen-log: the file is recreated; the subscriber hears of it */
	expect_ok(c, "{\"v\":1,\"op\":\"reopen-log\"}");
	json_object_unref(read_event(sub, "log-rotated"));
	g_assert_true(g_file_test(b->log_path, G_FILE_TEST_EXISTS));
	check_stats(c, strlen("hello-control\n"), 1);

	/* an attach client comes and goes */
	g_autofree char *attach_path = g_build_filename(b->bundle, "attach", NULL);
	int afd = testlib_attach_connect(attach_path);
	g_assert_cmpint(afd, >=, 0);
	g_autoptr(JsonObject) attached = read_event(sub, "attach");
	g_assert_cmpint(json_object_get_int_member(attached, "clients"), ==, 1);
	close(afd);
	g_autoptr(JsonObject) detached = read_event(sub, "detach");
	g_assert_cmpint(json_object_get_int_member(detached, "clients"), ==, 0);

	/* wait: deferred until the exit, then released with the exit file on disk */
	conn_send_str(c, "{\"v\":1,\"op\":\"wait\",\"id\":1}\n");
	g_autofree char *early = conn_read_line(c, 200);
	g_assert_null(early);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_autoptr(JsonObject) waited = conn_read_object(c);
	g_assert_true(exit_file_exists(b));
	g_assert_true(json_object_get_boolean_member(waited, "ok"));
	g_assert_cmpint(json_object_get_int_member(waited, "id"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(waited, "exit_code"), ==, 137);
	g_assert_false(json_object_get_boolean_member(waited, "oom_killed"));
	assert_time(waited, "exited_at");
	g_autoptr(JsonObject) exited = read_event(sub, "exit");
	g_assert_cmpint(json_object_get_int_member(exited, "exit_code"), ==, 137);
	g_assert_false(json_object_get_boolean_member(exited, "oom_killed"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	/* the monitor is gone: its connections end */
	g_autofree char *after = conn_read_line(sub, WAIT_MS);
	g_assert_null(after);
}

/* A terminal's size set through the socket before the container runs reaches its PTY. */
static void test_resize_tty(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b =
		test_bundle_new((const char *const[]){ "sh", "-c", "stty size; exit 3", NULL });
	test_bundle_set_terminal(b, TRUE);
	test_bundle_write_config(b);
	g_autoptr(TestMonitor) m =
		test_monitor_start_podman_like(b, (const char *const[]){ "-t", NULL });

	g_test_summary("resize with a terminal: the size the container's stty reports");
	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_autoptr(Conn) c = conn_open(b);
	expect_ok(c, "{\"v\":1,\"op\":\"resize\",\"rows\":41,\"cols\":123}");
	g_autoptr(JsonObject) bad =
		call(c, "{\"v\":1,\"op\":\"resize\",\"rows\":70000,\"cols\":1}");
	assert_error_code(bad, "bad-request");
	conn_send_str(c, "{\"v\":1,\"op\":\"wait\"}\n");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_autoptr(JsonObject) waited = conn_read_object(c);
	g_assert_true(json_object_get_boolean_member(waited, "ok"));
	g_assert_cmpint(json_object_get_int_member(waited, "exit_code"), ==, 3);
	g_assert_true(testlib_wait_for_text(b->log_path, "41 123", WAIT_MS));
}

typedef struct {
	TestBundle *b;
	GMutex lock;
	GCond cond;
	int ready;
	gboolean ok;         /* reply ok with the exit code */
	gboolean file_there; /* the exit file existed when the reply was read */
} Waiter;

typedef struct {
	Waiter *shared;
	gboolean ok;
	gboolean file_there;
} WaiterResult;

static gpointer waiter_thread(gpointer data)
{
	WaiterResult *res = data;
	Waiter *w = res->shared;
	Conn c = { connect_dir(w->b->bundle), g_string_new(NULL) };
	char *line = NULL;

	if (c.fd >= 0) {
		/* the version reply says the connection is served; then wait */
		static const char reqs[] =
			"{\"v\":1,\"op\":\"version\"}\n{\"v\":1,\"op\":\"wait\"}\n";
		(void)send(c.fd, reqs, sizeof reqs - 1, MSG_NOSIGNAL);
		g_free(conn_read_line(&c, WAIT_MS));
	}
	g_mutex_lock(&w->lock);
	w->ready++;
	g_cond_broadcast(&w->cond);
	g_mutex_unlock(&w->lock);
	if (c.fd >= 0)
		line = conn_read_line(&c, WAIT_MS);
	/* First thing after the reply: the exit file must be there already. */
	res->file_there = exit_file_exists(w->b);
	res->ok = line != NULL && strstr(line, "\"ok\":true") != NULL &&
		  strstr(line, "\"exit_code\":137") != NULL;
	g_free(line);
	if (c.fd >= 0)
		close(c.fd);
	g_string_free(c.buf, TRUE);
	return NULL;
}

static void test_many_waiters(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) m = start_running(b, NULL);
	Waiter w = { .b = b };
	WaiterResult results[N_WAITERS];
	GThread *threads[N_WAITERS];

	g_test_summary("100 waiters at once, all released by one exit, each finding the exit file");
	g_mutex_init(&w.lock);
	g_cond_init(&w.cond);
	for (int i = 0; i < N_WAITERS; i++) {
		results[i] = (WaiterResult){ .shared = &w };
		threads[i] = g_thread_new("waiter", waiter_thread, &results[i]);
	}
	g_mutex_lock(&w.lock);
	while (w.ready < N_WAITERS)
		g_cond_wait(&w.cond, &w.lock);
	g_mutex_unlock(&w.lock);
	g_assert_false(exit_file_exists(b));
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	int ok = 0, there = 0;
	for (int i = 0; i < N_WAITERS; i++) {
		g_thread_join(threads[i]);
		ok += results[i].ok;
		there += results[i].file_there;
	}
	g_assert_cmpint(ok, ==, N_WAITERS);
	g_assert_cmpint(there, ==, N_WAITERS);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
	g_mutex_clear(&w.lock);
	g_cond_clear(&w.cond);
}

static void test_garbage(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	char *asan = asan_log_begin(b);
	g_autoptr(TestMonitor) m = start_running(b, NULL);
	g_autoptr(Conn) c = conn_open(b);

	g_test_summary("Bad requests get error replies on a connection that keeps serving; a line "
		       "over 64 KiB ends its connection; the monitor never notices");
	g_autoptr(JsonObject) r1 = call(c, "this is not json");
	assert_error_code(r1, "bad-json");
	g_autoptr(JsonObject) r2 = call(c, "{\"v\":1,\"op\":\"frobnicate\",\"id\":\"x\"}");
	assert_error_code(r2, "unknown-op");
	g_assert_cmpstr(json_object_get_string_member(r2, "id"), ==, "x");
	g_autoptr(JsonObject) r3 = call(c, "{\"v\":1,\"op\":\"state\",\"deep\":{}}");
	assert_error_code(r3, "bad-request");
	g_autoptr(JsonObject) r4 = call(c, "{\"v\":9,\"op\":\"state\"}");
	assert_error_code(r4, "unsupported-version");
	g_autoptr(JsonObject) r5 = call(c, "{}");
	assert_error_code(r5, "bad-request");
	/* binary: NULs and bytes that are not UTF-8 */
	static const char binary[] = "\x00\xff\xfe{\"v\":1}\x01\x80\n";
	conn_send(c, binary, sizeof binary - 1);
	g_autoptr(JsonObject) r6 = conn_read_object(c);
	assert_error_code(r6, "bad-json");
	/* pipelined: replies in order */
	conn_send_str(c, "{\"v\":1,\"op\":\"version\",\"id\":1}\n[]\n{\"v\":1,\"op\":\"state\","
			 "\"id\":3}\n");
	g_autoptr(JsonObject) p1 = conn_read_object(c);
	g_autoptr(JsonObject) p2 = conn_read_object(c);
	g_autoptr(JsonObject) p3 = conn_read_object(c);
	g_assert_cmpint(json_object_get_int_member(p1, "id"), ==, 1);
	assert_error_code(p2, "bad-json");
	g_assert_cmpint(json_object_get_int_member(p3, "id"), ==, 3);
	expect_ok(c, "{\"v\":1,\"op\":\"state\"}");

	/* 70 KiB without a newline: too-long, then the connection is closed */
	g_autoptr(Conn) big = conn_open(b);
	g_autofree char *huge = g_strnfill(70 * 1024, 'a');
	gsize off = 0;
	while (off < 70 * 1024) {
		ssize_t n = send(big->fd, huge + off, 70 * 1024 - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* closed under us, once it passed 64 KiB */
		off += (gsize)n;
	}
	g_assert_cmpuint(off, >=, 64 * 1024);
	g_autoptr(JsonObject) tl = conn_read_object(big);
	assert_error_code(tl, "too-long");
	g_autofree char *eof = conn_read_line(big, WAIT_MS);
	g_assert_null(eof);

	/* a client that leaves half-way through a request */
	g_autoptr(Conn) half = conn_open(b);
	conn_send_str(half, "{\"v\":1,\"op\":");
	close(half->fd);
	half->fd = -1;

	g_autoptr(Conn) after = conn_open(b);
	expect_ok(after, "{\"v\":1,\"op\":\"stats\"}");
	expect_ok(c, "{\"v\":1,\"op\":\"version\"}");
	g_assert_cmpint(kill(m->monitor_pid, 0), ==, 0);
	/* leaving with a wait pending, and with a request half-sent, at the exit */
	g_autoptr(Conn) late = conn_open(b);
	conn_send_str(late, "{\"v\":1,\"op\":\"wait\"}\n{\"v\":1,");
	expect_ok(after, "{\"v\":1,\"op\":\"version\"}");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	int status = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 137);
	asan_log_check(b, asan);
}

static void test_subscriber_killed(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	char *asan = asan_log_begin(b);
	g_autoptr(TestMonitor) m = start_running(b, NULL);
	int ready[2];

	g_test_summary("A subscriber SIGKILLed mid-subscription, and a waiter that leaves, do not "
		       "disturb the monitor");
	g_assert_cmpint(pipe2(ready, O_CLOEXEC), ==, 0);
	pid_t child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		int fd = connect_dir(b->bundle);
		static const char req[] = "{\"v\":1,\"op\":\"subscribe\"}\n";
		char buf[256];
		if (fd < 0 || send(fd, req, sizeof req - 1, MSG_NOSIGNAL) < 0 ||
		    recv(fd, buf, sizeof buf, 0) <= 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char x;
	g_assert_cmpint(read(ready[0], &x, 1), ==, 1);
	close(ready[0]);
	g_autoptr(Conn) waiter = conn_open(b);
	conn_send_str(waiter, "{\"v\":1,\"op\":\"wait\"}\n");
	g_assert_cmpint(kill(child, SIGKILL), ==, 0);
	g_assert_cmpint(testlib_wait_pid(child, WAIT_MS), !=, -1);
	close(waiter->fd);
	waiter->fd = -1;

	/* an event goes out to the (gone) subscriber; the monitor carries on */
	g_autoptr(Conn) c = conn_open(b);
	expect_ok(c, "{\"v\":1,\"op\":\"reopen-log\"}");
	g_autoptr(JsonObject) state = call_ok(c, "{\"v\":1,\"op\":\"state\"}");
	JsonObject *s = json_object_get_object_member(state, "state");
	g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "running");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, WAIT_MS), ==, 137);
	int status = testlib_wait_pid(m->monitor_pid, WAIT_MS);
	g_assert_cmpint(status, !=, -1);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 137);
	asan_log_check(b, asan);
}

/* In a child as OTHER_UID: connect to dir/control and report what happened on fd out:
 * "refused <errno>", or the first line the monitor sent ("" for none). */
G_GNUC_NORETURN static void other_uid_client(const char *dir, int out)
{
	int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *report = NULL;
	char buf[512] = "";

	if (dirfd < 0 || setresgid(OTHER_UID, OTHER_UID, OTHER_UID) < 0 ||
	    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) < 0)
		_exit(2);
	/* A change of uid makes the process undumpable, and /proc/self/fd root's. */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/control", dirfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		_exit(3);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		report = g_strdup_printf("refused %d", errno);
	} else {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		report = g_strdup(buf);
	}
	_exit(write(out, report, strlen(report)) == (ssize_t)strlen(report) ? 0 : 4);
}

static char *as_other_uid(TestBundle *b)
{
	int p[2];
	char buf[512];
	gsize len = 0;

	g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
	pid_t child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		close(p[0]);
		other_uid_client(b->bundle, p[1]);
	}
	close(p[1]);
	ssize_t n;
	while (len < sizeof buf - 1 && (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (gsize)n;
	close(p[0]);
	buf[len] = '\0';
	int status = testlib_wait_pid(child, WAIT_MS);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	return g_strdup(buf);
}

static void test_wrong_uid(void)
{
	if (!testlib_require_runc())
		return;
	if (geteuid() != 0) {
		testlib_skip("running as uid %u: cannot act as another uid", (unsigned)geteuid());
		return;
	}
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autoptr(TestMonitor) m = start_running(b, NULL);
	g_autofree char *path = control_path(b);

	g_test_summary("Another uid cannot connect (mode 0600); made able to, it is refused by "
		       "SO_PEERCRED with permission-denied");
	/* the bundle's directory must let the other uid reach the socket at all */
	g_assert_cmpint(chmod(b->bundle, 0711), ==, 0);
	g_autofree char *first = as_other_uid(b);
	if (first == NULL) {
		testlib_skip("a child could not become uid %d", OTHER_UID);
		return;
	}
	g_test_message("as uid %d, mode 0600: %s", OTHER_UID, first);
	g_autofree char *eacces = g_strdup_printf("refused %d", EACCES);
	g_assert_cmpstr(first, ==, eacces);

	g_assert_cmpint(chmod(path, 0666), ==, 0);
	g_autofree char *second = as_other_uid(b);
	g_assert_nonnull(second);
	g_test_message("as uid %d, mode 0666: %s", OTHER_UID, second);
	g_assert_true(g_str_has_prefix(second, "{\"v\":1,\"ok\":false,\"error\":{\"code\":"
					       "\"permission-denied\""));
	g_assert_true(g_str_has_suffix(second, "}\n"));

	/* the monitor's own uid is still served */
	g_autoptr(Conn) c = conn_open(b);
	expect_ok(c, "{\"v\":1,\"op\":\"version\"}");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* passthrough logging has no attach socket, but a control socket all the same. */
static void test_passthrough(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "1000", NULL });
	g_autofree char *runc = g_find_program_in_path("runc");
	/* clang-format off */
	const char *args[] = {
		"--api-version", "1", "-c", "@ID@", "-u", "@ID@", "-n", "@ID@", "-r", runc,
		"-b", "@BUNDLE@", "-p", "@PIDFILE@", "--exit-dir", "@EXITDIR@",
		"--conmon-pidfile", "@CONMONPID@", "--runtime-arg", "--root=@RUNCROOT@",
		"-l", "passthrough", NULL,
	};
	/* clang-format on */
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	g_test_summary("passthrough logs (no attach socket): state and wait still served");
	g_assert_cmpint(null_fd, >=, 0);
	g_autoptr(TestMonitor) m = test_monitor_start_stdio(b, args, null_fd, null_fd);
	close(null_fd);
	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_autoptr(Conn) c = conn_open(b);
	g_autoptr(JsonObject) r = call_ok(c, "{\"v\":1,\"op\":\"state\"}");
	JsonObject *s = json_object_get_object_member(r, "state");
	g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "running");
	JsonArray *logs = json_object_get_array_member(s, "logs");
	g_assert_cmpuint(json_array_get_length(logs), ==, 1);
	JsonObject *log = json_array_get_object_element(logs, 0);
	g_assert_cmpstr(json_object_get_string_member(log, "driver"), ==, "passthrough");
	g_assert_true(json_object_get_null_member(log, "path"));
	/* asked before the exit: the monitor quits right after it, and with it the socket */
	conn_send_str(c, "{\"v\":1,\"op\":\"wait\"}\n");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_autoptr(JsonObject) waited = conn_read_object(c);
	g_assert_true(json_object_get_boolean_member(waited, "ok"));
	g_assert_cmpint(json_object_get_int_member(waited, "exit_code"), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

/* A process of the container OOM-killed while the container lives on: the oom event, then
 * oom_killed in state, the wait reply and the exit event. */
static void test_oom(void)
{
	if (!testlib_require_memory_cgroup())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "(x=aaaaaaaa; while :; do x=$x$x; done); exec sleep 100000", NULL });
	test_bundle_set_memory_limit(b, 32 * 1024 * 1024);
	g_autoptr(TestMonitor) m = test_monitor_start_podman_like(b, NULL);

	g_test_summary("An OOM kill: the oom event, and oom_killed in state, wait and exit");
	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(testlib_read_sync_pid(m, WAIT_MS), >, 0);
	g_autoptr(Conn) sub = conn_open(b);
	g_autoptr(Conn) c = conn_open(b);
	expect_ok(sub, "{\"v\":1,\"op\":\"subscribe\"}");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	json_object_unref(read_event(sub, "oom"));
	g_autoptr(JsonObject) r = call_ok(c, "{\"v\":1,\"op\":\"state\"}");
	JsonObject *s = json_object_get_object_member(r, "state");
	g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "running");
	g_assert_true(json_object_get_boolean_member(s, "oom_killed"));
	conn_send_str(c, "{\"v\":1,\"op\":\"wait\"}\n");
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_autoptr(JsonObject) waited = conn_read_object(c);
	g_assert_true(json_object_get_boolean_member(waited, "oom_killed"));
	g_autoptr(JsonObject) exited = read_event(sub, "exit");
	g_assert_true(json_object_get_boolean_member(exited, "oom_killed"));
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, WAIT_MS), !=, -1);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/monitor-control/socket-mode", test_socket_mode);
	g_test_add_func("/monitor-control/ops", test_ops);
	g_test_add_func("/monitor-control/resize-tty", test_resize_tty);
	g_test_add_func("/monitor-control/many-waiters", test_many_waiters);
	g_test_add_func("/monitor-control/garbage", test_garbage);
	g_test_add_func("/monitor-control/subscriber-killed", test_subscriber_killed);
	g_test_add_func("/monitor-control/wrong-uid", test_wrong_uid);
	g_test_add_func("/monitor-control/passthrough", test_passthrough);
	g_test_add_func("/monitor-control/oom", test_oom);
	return g_test_run();
}
