/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach_client.h"

/*
 * One attach client on a socketpair, its peer played by the test: the queue never drops
 * output however far behind the peer is, a finishing client closes once its queue is sent
 * (or its peer hangs up), and an abandoned one gets only the notice (docs/protocols.md,
 * "Flow control").
 */

#define MSG 8192

typedef struct {
	GMainContext *ctx;
	AttachClient *client;
	int peer;
	guint progress, input_eofs, closed;
} Fixture;

static void on_input(AttachClient *c, const char *buf, gsize len, gpointer data)
{
}

static void on_input_eof(AttachClient *c, gpointer data)
{
	((Fixture *)data)->input_eofs++;
}

static void on_closed(AttachClient *c, gpointer data)
{
	Fixture *f = data;

	f->closed++;
	/* What the owner does: drop it. */
	attach_client_release(g_steal_pointer(&f->client));
}

static gboolean may_read(gpointer data)
{
	return TRUE;
}

static void on_progress(AttachClient *c, gpointer data)
{
	((Fixture *)data)->progress++;
}

static const AttachClientOps ops = {
	.input = on_input,
	.input_eof = on_input_eof,
	.closed = on_closed,
	.may_read = may_read,
	.progress = on_progress,
};

static void fixture_set_up(Fixture *f, gconstpointer data)
{
	int sv[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
			==, 0);
	f->ctx = g_main_context_new();
	f->client = attach_client_new(f->ctx, sv[0], &ops, f);
	f->peer = sv[1];
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
	if (f->client != NULL)
		attach_client_release(f->client);
	if (f->peer >= 0)
		close(f->peer);
	g_main_context_unref(f->ctx);
}

/* Message i: MSG bytes of the byte (i % 251), so order and loss both show. */
static void send_numbered(Fixture *f, guint from, guint count)
{
	char buf[MSG];

	for (guint i = from; i < from + count; i++) {
		memset(buf, (int)(i % 251), sizeof buf);
		attach_client_send(f->client, 2, buf, sizeof buf);
	}
}

/* The peer reads one message, iterating the loop until one is there; its length, 0 at EOF.
 */
static gssize peer_recv(Fixture *f, char *buf, gsize size)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	for (;;) {
		gssize n = recv(f->peer, buf, size, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		g_assert_cmpint(errno, ==, EAGAIN);
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(f->ctx, FALSE);
	}
}

static void test_never_drops(Fixture *f, gconstpointer data)
{
	const guint count = 2560; /* 20 MiB: far past any bound the owner keeps */
	char buf[MSG + 1];

	send_numbered(f, 0, count);
	g_assert_cmpuint(f->closed, ==, 0);
	/* What the socket could not take is queued, all of it. */
	g_assert_cmpuint(attach_client_queued(f->client), >, 16 * 1024 * 1024);
	g_assert_cmpint(attach_client_stalled_since(f->client), >, 0);
	for (guint i = 0; i < count; i++) {
		gssize n = peer_recv(f, buf, sizeof buf);
		g_assert_cmpint(n, ==, MSG + 1);
		g_assert_cmpint(buf[0], ==, 2);
		g_assert_cmpint((guchar)buf[1], ==, i % 251);
		g_assert_cmpint((guchar)buf[MSG], ==, i % 251);
	}
	g_assert_cmpuint(attach_client_queued(f->client), ==, 0);
	g_assert_cmpint(attach_client_stalled_since(f->client), ==, 0);
	g_assert_cmpuint(f->progress, >, 0);
	g_assert_cmpuint(f->closed, ==, 0);
}

static void test_finish_after_queue(Fixture *f, gconstpointer data)
{
	char buf[MSG + 1];
	guint got = 0;

	send_numbered(f, 0, 200);
	g_assert_cmpuint(attach_client_queued(f->client), >, 0);
	attach_client_finish(f->client);
	/* Not before its queue is sent. */
	g_assert_cmpuint(f->closed, ==, 0);
	gssize n;
	while ((n = peer_recv(f, buf, sizeof buf)) > 0) {
		g_assert_cmpint((guchar)buf[1], ==, got % 251);
		got++;
	}
	g_assert_cmpuint(got, ==, 200);
	g_assert_cmpuint(f->closed, ==, 1);
	g_assert_null(f->client);
}

static void test_finish_empty_closes_at_once(Fixture *f, gconstpointer data)
{
	attach_client_finish(f->client);
	g_assert_cmpuint(f->closed, ==, 1);
}

static void test_finish_peer_hangs_up(Fixture *f, gconstpointer data)
{
	send_numbered(f, 0, 200);
	attach_client_finish(f->client);
	g_assert_cmpuint(f->closed, ==, 0);
	close(f->peer);
	f->peer = -1;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (f->closed == 0 && g_get_monotonic_time() < deadline)
		g_main_context_iteration(f->ctx, TRUE);
	g_assert_cmpuint(f->closed, ==, 1);
}

static void test_abandon_sends_notice(Fixture *f, gconstpointer data)
{
	static const char notice[] = "told\n";
	char buf[MSG + 1];
	guint got = 0;

	send_numbered(f, 0, 200);
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*took no output for too long*");
	attach_client_abandon(f->client, notice);
	g_test_assert_expected_messages();
	g_assert_true(attach_client_is_abandoned(f->client));
	/* Its input ended as if it had disconnected; its queue is just the notice. */
	g_assert_cmpuint(f->input_eofs, ==, 1);
	g_assert_cmpuint(attach_client_queued(f->client), <, 64);
	/* No more output is taken. */
	send_numbered(f, 200, 10);
	g_assert_cmpuint(attach_client_queued(f->client), <, 64);

	/* The peer reads what the kernel held, then the notice, then EOF. */
	gssize n;
	while ((n = peer_recv(f, buf, sizeof buf)) > 0 && buf[0] == 2) {
		g_assert_cmpint((guchar)buf[1], ==, got % 251);
		got++;
	}
	g_assert_cmpuint(got, <, 200);
	g_assert_cmpint(n, ==, (gssize)sizeof notice);
	g_assert_cmpint(buf[0], ==, 3);
	g_assert_cmpmem(buf + 1, (gsize)n - 1, notice, sizeof notice - 1);
	g_assert_cmpint(peer_recv(f, buf, sizeof buf), ==, 0);
	g_assert_cmpuint(f->closed, ==, 1);
}

/* Abandoned while its socket has room: the notice goes out at once and it is closed at
 * once, with no dispatch holding it (the ref the call keeps is what makes this safe). */
static void test_abandon_idle_closes_at_once(Fixture *f, gconstpointer data)
{
	char buf[MSG + 1];

	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING, "*took no output for too long*");
	attach_client_abandon(f->client, "bye\n");
	g_test_assert_expected_messages();
	g_assert_cmpuint(f->closed, ==, 1);
	g_assert_cmpint(recv(f->peer, buf, sizeof buf, MSG_DONTWAIT), ==, 5);
	g_assert_cmpint(buf[0], ==, 3);
	g_assert_cmpint(recv(f->peer, buf, sizeof buf, MSG_DONTWAIT), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
	ADD("/attach-client/never-drops", test_never_drops);
	ADD("/attach-client/finish-after-queue", test_finish_after_queue);
	ADD("/attach-client/finish-empty-closes-at-once", test_finish_empty_closes_at_once);
	ADD("/attach-client/finish-peer-hangs-up", test_finish_peer_hangs_up);
	ADD("/attach-client/abandon-sends-notice", test_abandon_sends_notice);
	ADD("/attach-client/abandon-idle-closes-at-once", test_abandon_idle_closes_at_once);
	return g_test_run();
}
