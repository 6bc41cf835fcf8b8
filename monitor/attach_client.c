/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_client.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "attach_proto.h"
#include "fdutil.h"

/* Input messages larger than conmon's 32 KiB buffer are taken whole, up to this. */
#define ATTACH_CLIENT_INPUT_MAX (1024 * 1024)

/* A queue buffer that grew past this during a burst is given back once it drains: a monitor
 * runs beside every container and should not keep megabytes for one slow moment. */
#define ATTACH_CLIENT_QUEUE_KEEP (64 * 1024)

/* Each queued message is this size header, then the message (stream byte first). */
typedef guint32 MsgSize;

struct _AttachClient {
	GSource source; /* first: the client is its own GSource */
	const AttachClientOps *ops;
	gpointer user_data;
	int fd;
	gpointer tag;
	GIOCondition events;
	/*
	 * Queued output in one reused buffer rather than an allocation per message: records of
	 * a MsgSize and the message, appended at out_len and sent from out_head.
	 */
	guint8 *out;
	gsize out_cap, out_len, out_head;
	gint64 stalled_since; /* see attach_client_stalled_since() */
	gboolean in_done;     /* input EOF, or it was shut down */
	gboolean out_done;    /* a write failed: no more output */
	gboolean finishing;   /* no more output will be queued: close once the queue is sent */
	gboolean abandoned;   /* its output was given up on: only the notice is left to send */
	gboolean closed;      /* the owner was told */
};

void attach_client_close(AttachClient *c)
{
	if (c->closed)
		return;
	c->closed = TRUE;
	c->in_done = c->out_done = TRUE;
	c->ops->closed(c, c->user_data);
}

void attach_client_update(AttachClient *c)
{
	GIOCondition want = 0;

	if (c->closed)
		return;
	if (!c->in_done && c->ops->may_read(c->user_data))
		want |= G_IO_IN;
	if (c->out_head < c->out_len)
		want |= G_IO_OUT;
	if (want != c->events) {
		g_source_modify_unix_fd(&c->source, c->tag, want);
		c->events = want;
	}
}

static void end_input(AttachClient *c)
{
	if (c->in_done)
		return;
	c->in_done = TRUE;
	/* Compat: conmon shuts the read side too; the peer sees EPIPE if it writes more. */
	(void)shutdown(c->fd, SHUT_RD);
	c->ops->input_eof(c, c->user_data);
}

static void input_eof(AttachClient *c)
{
	end_input(c);
	if (c->out_done)
		attach_client_close(c);
	else
		attach_client_update(c);
}

/* One message from the client; FALSE when there is nothing more to read now. */
static gboolean read_input(AttachClient *c)
{
	char stack_buf[VIGIL_ATTACH_INPUT_BUF];
	g_autofree char *heap_buf = NULL;
	char *buf = stack_buf;
	int avail = 0;

	/* FIONREAD on SEQPACKET is the size of the next message: take it whole instead of
	 * truncating at 32 KiB as conmon does (docs/conmon-contract.md,
	 * "What vigilmon does differently on purpose"). */
	if (ioctl(c->fd, FIONREAD, &avail) < 0)
		avail = 0;
	gsize want = CLAMP((gsize)avail, sizeof stack_buf, ATTACH_CLIENT_INPUT_MAX);
	if (want > sizeof stack_buf) {
		heap_buf = g_malloc(want);
		buf = heap_buf;
	}
	ssize_t n = recv(c->fd, buf, want, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return FALSE;
	if (n <= 0) {
		/* Compat: an empty message counts as EOF, as in conmon (one recv cannot tell
		 * them apart on SEQPACKET). */
		if (n < 0)
			g_debug("read from attach client %d: %s", c->fd, g_strerror(errno));
		input_eof(c);
		return FALSE;
	}
	c->ops->input(c, buf, (gsize)n, c->user_data);
	return TRUE;
}

/* Forget everything queued (it was sent, or will never be). */
static void drop_queue(AttachClient *c)
{
	c->out_len = c->out_head = 0;
	c->stalled_since = 0;
	/* What grew in a burst goes back; a small buffer is kept for the next one. */
	if (c->out_cap > ATTACH_CLIENT_QUEUE_KEEP) {
		g_clear_pointer(&c->out, g_free);
		c->out_cap = 0;
	}
}

static void queue_append(AttachClient *c, guint8 stream, const char *buf, gsize len)
{
	MsgSize size = (MsgSize)(1 + len);
	gsize live = c->out_len - c->out_head;

	/* Reclaim the sent front once it outweighs what is left: each sent byte is reclaimed
	 * once and moves no more than itself, so this costs at most one copy per byte. */
	if (c->out_head > 0 && c->out_head >= live) {
		memmove(c->out, c->out + c->out_head, live);
		c->out_len = live;
		c->out_head = 0;
	}
	if (c->out_len + sizeof size + size > c->out_cap) {
		c->out_cap = MAX(c->out_cap * 2, c->out_len + sizeof size + size);
		c->out = g_realloc(c->out, c->out_cap);
	}
	guint8 *p = c->out + c->out_len;
	memcpy(p, &size, sizeof size);
	p[sizeof size] = stream;
	memcpy(p + sizeof size + 1, buf, len);
	c->out_len += sizeof size + size;
}

/* A finishing client whose queue is sent (or can never be) has nothing left to do. */
static gboolean finished(AttachClient *c)
{
	if (!c->closed && (c->finishing || c->abandoned) &&
	    (c->out_done || c->out_head == c->out_len)) {
		attach_client_close(c);
		return TRUE;
	}
	return FALSE;
}

static void output_failed(AttachClient *c, int errsv)
{
	/* Compat: like conmon, only this direction ends; the client may still send input. */
	g_debug("write to attach client %d: %s", c->fd, g_strerror(errsv));
	c->out_done = TRUE;
	(void)shutdown(c->fd, SHUT_WR);
	drop_queue(c);
	if (finished(c))
		return;
	if (c->in_done)
		attach_client_close(c);
	else
		attach_client_update(c);
}

void attach_client_flush(AttachClient *c)
{
	gboolean sent = FALSE;

	while (!c->closed && c->out_head < c->out_len) {
		MsgSize size;
		memcpy(&size, c->out + c->out_head, sizeof size);
		ssize_t n = send(c->fd, c->out + c->out_head + sizeof size, size,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			output_failed(c, errno);
			return;
		}
		/* SEQPACKET sends a message whole or not at all. */
		c->out_head += sizeof size + size;
		sent = TRUE;
	}
	if (c->out_head == c->out_len)
		drop_queue(c);
	else if (sent)
		c->stalled_since = g_get_monotonic_time();
	if (finished(c))
		return;
	attach_client_update(c);
	if (sent)
		c->ops->progress(c, c->user_data);
}

void attach_client_send(AttachClient *c, guint8 stream, const char *buf, gsize len)
{
	if (c->out_done || c->abandoned)
		return;
	if (c->out_head == c->out_len) {
		struct iovec iov[2] = { { &stream, 1 }, { (void *)buf, len } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n;
		do
			n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		/* SEQPACKET sends a message whole or not at all. */
		if (n >= 0)
			return;
		if (errno != EAGAIN) {
			output_failed(c, errno);
			return;
		}
		c->stalled_since = g_get_monotonic_time();
	}
	/* No bound here: the owner keeps the queue short by not reading the container while a
	 * client is behind (attach_server.c says how far a queue can grow). */
	queue_append(c, stream, buf, len);
	attach_client_update(c);
}

void attach_client_finish(AttachClient *c)
{
	c->finishing = TRUE;
	(void)finished(c);
}

void attach_client_abandon(AttachClient *c, const char *notice)
{
	if (c->closed || c->abandoned)
		return;
	g_warning("attach client %d took no output for too long (%zu bytes queued), "
		  "disconnecting it",
		  c->fd, attach_client_queued(c));
	/* Closing hands the owner's reference back, and no dispatch holds one here. */
	attach_client_ref(c);
	drop_queue(c);
	/* What it missed is replaced by one line saying so, on the stderr stream; it is closed
	 * once that is sent (or when the owner gives up on it too). */
	attach_client_send(c, VIGIL_STREAM_STDERR, notice, strlen(notice));
	c->abandoned = TRUE;
	/* Gone as far as its input is concerned, as if it had disconnected. */
	end_input(c);
	(void)finished(c);
	attach_client_unref(c);
}

gboolean attach_client_is_abandoned(AttachClient *c)
{
	return c->abandoned;
}

/* Peer gone (HUP) or broken (ERR): take the input it left, then close. */
static void hangup(AttachClient *c)
{
	while (!c->in_done && c->ops->may_read(c->user_data) && read_input(c))
		;
	/* Input we could not take now is lost with the connection. */
	end_input(c);
	attach_client_close(c);
}

static gboolean client_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	AttachClient *c = (AttachClient *)source;
	GIOCondition rev = g_source_query_unix_fd(source, c->tag);

	/* Each step may close the client; the main loop's ref keeps c valid until we return. */
	if (rev & G_IO_OUT)
		attach_client_flush(c);
	if (!c->closed && (rev & G_IO_IN) && (c->events & G_IO_IN))
		(void)read_input(c);
	if (!c->closed && (rev & (G_IO_HUP | G_IO_ERR)))
		hangup(c);
	return G_SOURCE_CONTINUE;
}

static void client_finalize(GSource *source)
{
	AttachClient *c = (AttachClient *)source;

	g_clear_pointer(&c->out, g_free);
	vigil_clear_fd(&c->fd);
}

/* Not const only because g_source_new() takes a plain pointer; GLib never writes to it. */
static GSourceFuncs client_source_funcs = {
	.dispatch = client_dispatch,
	.finalize = client_finalize,
};

AttachClient *attach_client_new(GMainContext *ctx, int fd, const AttachClientOps *ops,
				gpointer user_data)
{
	GSource *source = g_source_new(&client_source_funcs, sizeof(AttachClient));
	AttachClient *c = (AttachClient *)source;

	c->ops = ops;
	c->user_data = user_data;
	c->fd = fd;
	g_source_set_static_name(source, "vigil-attach-client");
	/* HUP and ERR are always reported, even with no events asked for. */
	c->tag = g_source_add_unix_fd(source, fd, 0);
	attach_client_update(c);
	g_source_attach(source, ctx);
	return c;
}

gsize attach_client_queued(AttachClient *c)
{
	return c->out_len - c->out_head;
}

gint64 attach_client_stalled_since(AttachClient *c)
{
	return c->stalled_since;
}

void attach_client_drop(AttachClient *c, const char *why)
{
	if (c->closed)
		return;
	g_warning("attach client %d %s (%zu bytes queued), dropping it", c->fd, why,
		  attach_client_queued(c));
	/* Gone as far as its input is concerned too, as if it had disconnected. */
	end_input(c);
	attach_client_close(c);
}

int attach_client_fd(AttachClient *c)
{
	return c->fd;
}

AttachClient *attach_client_ref(AttachClient *c)
{
	return (AttachClient *)g_source_ref(&c->source);
}

void attach_client_unref(gpointer c)
{
	g_source_unref(c);
}

void attach_client_release(gpointer c)
{
	g_source_destroy(c);
	g_source_unref(c);
}
