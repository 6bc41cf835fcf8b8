/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "attach_proto.h"
#include "streams.h"

/* The final drain of the container's output pipes (streams_drain()). */

typedef struct {
	gsize bytes[4]; /* by stream number (VIGIL_STREAM_*) */
	guint calls;
	gboolean slow; /* take 1 ms per chunk, as a monitor behind on a slow disk */
} Sink;

static void on_output(int stream, const char *buf, gsize len, gpointer data)
{
	Sink *sink = data;

	g_assert_true(stream == VIGIL_STREAM_STDOUT || stream == VIGIL_STREAM_STDERR);
	sink->bytes[stream] += len;
	sink->calls++;
	if (sink->slow)
		g_usleep(1000);
}

static Streams *new_streams(Sink *sink, int *out_stdout, int *out_stderr)
{
	g_autoptr(GError) error = NULL;
	Streams *s = streams_new(NULL, FALSE, FALSE, on_output, sink, &error);
	int fds[3];

	g_assert_no_error(error);
	streams_child_fds(s, fds);
	*out_stdout = fcntl(fds[1], F_DUPFD_CLOEXEC, 3);
	*out_stderr = fcntl(fds[2], F_DUPFD_CLOEXEC, 3);
	g_assert_cmpint(*out_stdout, >=, 0);
	g_assert_cmpint(*out_stderr, >=, 0);
	streams_close_child_ends(s);
	return s;
}

static void write_all(int fd, gsize len)
{
	g_autofree char *buf = g_malloc(len);

	memset(buf, 'x', len);
	for (gsize done = 0; done < len;) {
		ssize_t n = write(fd, buf + done, len - done);
		g_assert_cmpint(n, >, 0);
		done += (gsize)n;
	}
}

/* What was written before the exit comes through whole, each stream on its own. */
static void test_drain_everything_ready(void)
{
	Sink sink = { 0 };
	int out, err;
	Streams *s = new_streams(&sink, &out, &err);

	write_all(out, 300 * 1024);
	write_all(err, 5000);
	close(out);
	streams_drain(s, VIGIL_STREAM_STDERR);
	g_assert_cmpuint(sink.bytes[VIGIL_STREAM_STDERR], ==, 5000);
	g_assert_cmpuint(sink.bytes[VIGIL_STREAM_STDOUT], ==, 0);
	streams_drain(s, 0);
	g_assert_cmpuint(sink.bytes[VIGIL_STREAM_STDOUT], ==, 300 * 1024);
	/* err is still open: nothing more, and no wait for it */
	streams_drain(s, 0);
	g_assert_cmpuint(sink.bytes[VIGIL_STREAM_STDERR], ==, 5000);
	close(err);
	streams_free(s);
}

typedef struct {
	int fd;
	gint stop;
	gsize written; /* whole blocks the pipe took */
} Writer;

static gpointer writer_thread(gpointer data)
{
	Writer *w = data;
	char block[16384];

	memset(block, 'y', sizeof block);
	while (!g_atomic_int_get(&w->stop)) {
		ssize_t n = write(w->fd, block, sizeof block);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* EPIPE: the streams were freed */
		g_atomic_pointer_add(&w->written, n);
	}
	return NULL;
}

/* A process that outlived the container and never stops writing (a daemon an exec session
 * left behind) cannot keep the drain, and so the exit file, waiting. */
static void test_drain_bounded_by_endless_writer(void)
{
	Sink sink = { .slow = TRUE };
	int out, err;
	Streams *s = new_streams(&sink, &out, &err);
	Writer w = { .fd = out };

	signal(SIGPIPE, SIG_IGN);
	GThread *t = g_thread_new("writer", writer_thread, &w);
	/* Output waiting in the pipe when the drain begins: wait until the writer thread has
	 * got some in (it may not even have been scheduled yet on a loaded machine). The
	 * deadline is a hang guard only. */
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (g_atomic_pointer_get(&w.written) == 0 && g_get_monotonic_time() < deadline)
		g_usleep(1000);
	gsize before = g_atomic_pointer_get(&w.written);
	g_assert_cmpuint(before, >, 0);

	gint64 start = g_get_monotonic_time();
	streams_drain(s, 0);
	gint64 took_ms = (g_get_monotonic_time() - start) / 1000;
	g_test_message("drain: %u reads, %zu bytes, %" G_GINT64_FORMAT " ms", sink.calls,
		       sink.bytes[VIGIL_STREAM_STDOUT], took_ms);
	/* everything written before the drain began, and a bounded amount after */
	g_assert_cmpuint(sink.bytes[VIGIL_STREAM_STDOUT], >=, before);
	g_assert_cmpuint(sink.bytes[VIGIL_STREAM_STDOUT], <=, 4 * 1024 * 1024);

	g_atomic_int_set(&w.stop, 1);
	streams_free(s); /* the writer gets EPIPE */
	g_thread_join(t);
	close(out);
	close(err);
	signal(SIGPIPE, SIG_DFL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/streams/drain-everything-ready", test_drain_everything_ready);
	g_test_add_func("/streams/drain-bounded-by-endless-writer",
			test_drain_bounded_by_endless_writer);
	return g_test_run();
}
