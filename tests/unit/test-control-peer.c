/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "control_peer.h"
#include "control_req.h"
#include "fdutil.h"

/* One control connection over a socketpair, driven on a private main context. */
typedef struct {
	GMainContext *ctx;
	ControlPeer *peer; /* NULL once closed */
	int client;        /* the other end */
	GPtrArray *lines;  /* char*, what the peer handed over */
	int too_long;
	int closed;
	gsize reply_len;     /* the owner answers every line with this many bytes (0: none) */
	gboolean hold_lines; /* the owner marks the peer held on every line */
} Fixture;

static void on_line(ControlPeer *peer, const char *line, gsize len, gpointer data)
{
	Fixture *f = data;

	g_ptr_array_add(f->lines, g_strndup(line, len));
	if (f->hold_lines)
		control_peer_set_held(peer, TRUE);
	if (f->reply_len > 0) {
		g_autofree char *reply = g_strnfill(f->reply_len, 'r');
		reply[f->reply_len - 1] = '\n';
		control_peer_send(peer, reply, f->reply_len);
	}
}

static void on_too_long(ControlPeer *peer, gpointer data)
{
	Fixture *f = data;

	f->too_long++;
	control_peer_send(peer, "too long\n", 9);
	control_peer_finish(peer);
}

static void on_closed(ControlPeer *peer, gpointer data)
{
	Fixture *f = data;

	f->closed++;
	g_assert_true(f->peer == peer);
	g_clear_pointer(&f->peer, control_peer_release);
}

static const ControlPeerOps ops = {
	.line = on_line,
	.too_long = on_too_long,
	.closed = on_closed,
};

static void fixture_setup(Fixture *f, gconstpointer data)
{
	int sv[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), ==,
			0);
	f->ctx = g_main_context_new();
	f->lines = g_ptr_array_new_with_free_func(g_free);
	f->client = sv[1];
	f->peer = control_peer_new(f->ctx, sv[0], &ops, f);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->peer, control_peer_release);
	vigil_clear_fd(&f->client);
	g_ptr_array_unref(f->lines);
	while (g_main_context_iteration(f->ctx, FALSE))
		;
	g_main_context_unref(f->ctx);
}

/* Run the loop until nothing is ready. */
static void spin(Fixture *f)
{
	while (g_main_context_iteration(f->ctx, FALSE))
		;
}

static void client_write(Fixture *f, const char *buf, gsize len)
{
	gsize off = 0;

	while (off < len) {
		ssize_t n = send(f->client, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			spin(f);
			continue;
		}
		g_assert_cmpint(n, >, 0);
		off += (gsize)n;
	}
	spin(f);
}

/* Everything the peer sent so far. */
static gsize client_drain(Fixture *f)
{
	char buf[65536];
	gsize total = 0;
	ssize_t n;

	while ((n = recv(f->client, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		total += (gsize)n;
	return total;
}

static void test_lines(Fixture *f, gconstpointer data)
{
	g_test_summary("Lines cut anywhere arrive whole and in order; the last one may lack its "
		       "newline");
	client_write(f, "{\"a\"", 4);
	g_assert_cmpuint(f->lines->len, ==, 0);
	client_write(f, ":1}\n{}\n\n{\"b\"", 13);
	g_assert_cmpuint(f->lines->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->lines, 0), ==, "{\"a\":1}");
	g_assert_cmpstr(g_ptr_array_index(f->lines, 1), ==, "{}");
	g_assert_cmpstr(g_ptr_array_index(f->lines, 2), ==, "");
	g_assert_cmpint(shutdown(f->client, SHUT_WR), ==, 0);
	spin(f);
	g_assert_cmpuint(f->lines->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(f->lines, 3), ==, "{\"b\"");
	/* nothing owed: an ended input closes the connection */
	g_assert_cmpint(f->closed, ==, 1);
}

static void test_longest_line(Fixture *f, gconstpointer data)
{
	g_autofree char *line = g_strnfill(CONTROL_REQ_LINE_MAX, 'x');

	g_test_summary("A line of 65536 bytes, its newline included, is taken");
	line[CONTROL_REQ_LINE_MAX - 1] = '\n';
	client_write(f, line, CONTROL_REQ_LINE_MAX);
	client_write(f, "{}\n", 3);
	g_assert_cmpuint(f->lines->len, ==, 2);
	g_assert_cmpuint(strlen(g_ptr_array_index(f->lines, 0)), ==, CONTROL_REQ_LINE_MAX - 1);
	g_assert_cmpint(f->too_long, ==, 0);
	g_assert_cmpint(f->closed, ==, 0);
}

static void test_too_long(Fixture *f, gconstpointer data)
{
	g_autofree char *line = g_strnfill(CONTROL_REQ_LINE_MAX + 10, 'x');
	char buf[64];

	g_test_summary("A line past 64 KiB is answered once, then the connection is closed");
	client_write(f, "{}\n", 3);
	/* the peer stops reading and closes part-way: the rest may not go */
	for (gsize off = 0; off < CONTROL_REQ_LINE_MAX + 10;) {
		ssize_t n =
			send(f->client, line + off, CONTROL_REQ_LINE_MAX + 10 - off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			break;
		off += n > 0 ? (gsize)n : 0;
		spin(f);
	}
	spin(f);
	g_assert_cmpint(f->too_long, ==, 1);
	g_assert_cmpuint(f->lines->len, ==, 1);
	g_assert_cmpint(f->closed, ==, 1);
	ssize_t n = recv(f->client, buf, sizeof buf, MSG_DONTWAIT);
	g_assert_cmpint(n, ==, 9);
	g_assert_cmpmem(buf, 9, "too long\n", 9);
}

static void test_held_after_eof(Fixture *f, gconstpointer data)
{
	char buf[64];

	g_test_summary("A client that ends its input is kept while it is owed something");
	f->hold_lines = TRUE;
	client_write(f, "wait\n", 5);
	g_assert_cmpint(shutdown(f->client, SHUT_WR), ==, 0);
	spin(f);
	g_assert_cmpint(f->closed, ==, 0);
	g_assert_true(control_peer_send(f->peer, "done\n", 5));
	control_peer_set_held(f->peer, FALSE);
	spin(f);
	g_assert_cmpint(f->closed, ==, 1);
	g_assert_cmpint(recv(f->client, buf, sizeof buf, MSG_DONTWAIT), ==, 5);
	g_assert_cmpint(recv(f->client, buf, sizeof buf, MSG_DONTWAIT), ==, 0);
}

static void test_hangup(Fixture *f, gconstpointer data)
{
	g_test_summary("A client that hangs up while held is closed at once");
	f->hold_lines = TRUE;
	client_write(f, "wait\n", 5);
	vigil_clear_fd(&f->client);
	spin(f);
	g_assert_cmpint(f->closed, ==, 1);
}

static void test_queue_bound(Fixture *f, gconstpointer data)
{
	g_autofree char *event = g_strnfill(16 * 1024, 'e');
	gsize sent = 0;
	gboolean ok = TRUE;

	g_test_summary("A client that stops reading is dropped once 1 MiB is queued for it");
	event[16 * 1024 - 1] = '\n';
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "control client * is more than 1048576 bytes behind, dropping it");
	while (ok && sent < 64 * CONTROL_PEER_QUEUE_MAX) {
		ok = control_peer_send(f->peer, event, 16 * 1024);
		sent += 16 * 1024;
	}
	g_test_assert_expected_messages();
	g_assert_false(ok);
	g_assert_cmpint(f->closed, ==, 1);
	/* what it could take: the socket's buffer and at most the bound */
	g_assert_cmpuint(sent, >, CONTROL_PEER_QUEUE_MAX);
	g_assert_cmpuint(sent, <, 2 * CONTROL_PEER_QUEUE_MAX + 16 * 1024 * 1024);
}

static void test_pipelined_pause(Fixture *f, gconstpointer data)
{
	g_test_summary("Requests wait while their replies are queued, and are served as the client "
		       "reads");
	f->reply_len = CONTROL_PEER_READ_PAUSE;
	/* more replies than the socket buffer and the pause hold together */
	for (int i = 0; i < 40; i++)
		client_write(f, "{}\n", 3);
	guint taken = f->lines->len;
	g_assert_cmpuint(taken, <, 40);
	g_assert_cmpint(f->closed, ==, 0);
	gsize got = 0;
	for (int i = 0; i < 1000 && got < 40 * CONTROL_PEER_READ_PAUSE; i++) {
		got += client_drain(f);
		spin(f);
	}
	g_assert_cmpuint(f->lines->len, ==, 40);
	g_assert_cmpuint(got, ==, 40 * CONTROL_PEER_READ_PAUSE);
	g_assert_cmpint(f->closed, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/control-peer/lines", test_lines);
	ADD("/control-peer/longest-line", test_longest_line);
	ADD("/control-peer/too-long", test_too_long);
	ADD("/control-peer/held-after-eof", test_held_after_eof);
	ADD("/control-peer/hangup", test_hangup);
	ADD("/control-peer/queue-bound", test_queue_bound);
	ADD("/control-peer/pipelined-pause", test_pipelined_pause);
#undef ADD
	return g_test_run();
}
