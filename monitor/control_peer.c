/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_peer.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "control_req.h"
#include "fdutil.h"

/* The input buffer's first size; it grows to CONTROL_REQ_LINE_MAX for a long line only. */
#define PEER_IN_MIN 4096

/* At the exit, at most this many reads of what a peer sent before it (a full buffer each). */
#define PEER_LAST_READS 16

struct _ControlPeer {
	GSource source; /* first: the peer is its own GSource */
	const ControlPeerOps *ops;
	gpointer user_data;
	int fd;
	gpointer tag;
	GIOCondition events;

	char *in; /* NULL while empty */
	gsize in_len, in_cap;
	char *out; /* NULL while empty; sent from out_head */
	gsize out_len, out_head, out_cap;

	gboolean eof;       /* the client ended its input */
	gboolean in_done;   /* nothing more is read: EOF, a line too long, or finishing */
	gboolean finishing; /* close once the queue is sent */
	gboolean held;      /* the owner still owes this peer something */
	gboolean draining;  /* at the exit: take requests whatever the queue */
	gboolean closed;    /* the owner was told */

	gpointer data; /* the owner's, freed with the peer */
	GDestroyNotify data_free;
};

gsize control_peer_queued(ControlPeer *p)
{
	return p->out_len - p->out_head;
}

static void close_peer(ControlPeer *p)
{
	if (p->closed)
		return;
	p->closed = TRUE;
	p->in_done = TRUE;
	if (p->events != 0) {
		g_source_modify_unix_fd(&p->source, p->tag, 0);
		p->events = 0;
	}
	p->ops->closed(p, p->user_data);
}

static void update(ControlPeer *p)
{
	GIOCondition want = 0;

	if (p->closed)
		return;
	if (!p->in_done && control_peer_queued(p) < CONTROL_PEER_READ_PAUSE)
		want |= G_IO_IN;
	if (control_peer_queued(p) > 0)
		want |= G_IO_OUT;
	if (want != p->events) {
		g_source_modify_unix_fd(&p->source, p->tag, want);
		p->events = want;
	}
}

/* Close a peer that has nothing left to do; TRUE if it is closed. */
static gboolean maybe_done(ControlPeer *p)
{
	if (p->closed)
		return TRUE;
	if (control_peer_queued(p) > 0)
		return FALSE;
	if (p->finishing || (p->eof && p->in_len == 0 && !p->held)) {
		close_peer(p);
		return TRUE;
	}
	return FALSE;
}

static void drop_input(ControlPeer *p)
{
	g_clear_pointer(&p->in, g_free);
	p->in_len = p->in_cap = 0;
}

/* The lines before head were taken: keep the rest at the front, in as small a buffer as
 * holds it. */
static void compact_input(ControlPeer *p, gsize head)
{
	if (p->finishing || head == p->in_len) {
		drop_input(p);
		return;
	}
	p->in_len -= head;
	memmove(p->in, p->in + head, p->in_len);
	if (p->in_cap > PEER_IN_MIN && p->in_len < p->in_cap / 4) {
		p->in_cap = MAX(PEER_IN_MIN, p->in_cap / 4);
		p->in = g_realloc(p->in, p->in_cap);
	}
}

static gboolean may_take_line(ControlPeer *p)
{
	return !p->closed && !p->finishing &&
	       (p->draining || control_peer_queued(p) < CONTROL_PEER_READ_PAUSE);
}

/* Hand every complete line to the owner, while its replies have room. */
static void process_lines(ControlPeer *p)
{
	gsize head = 0;

	while (head < p->in_len && may_take_line(p)) {
		char *start = p->in + head;
		char *nl = memchr(start, '\n', p->in_len - head);
		gsize len;
		if (nl != NULL) {
			len = (gsize)(nl - start);
			head += len + 1;
		} else if (p->eof) {
			/* The last request of a client that ended its input without a newline. */
			len = p->in_len - head;
			head = p->in_len;
		} else {
			break;
		}
		/* The buffer stays put while the owner works: finishing or closing the peer
		 * only marks it, and the caller holds a reference. */
		p->ops->line(p, start, len, p->user_data);
	}
	if (!p->closed)
		compact_input(p, head);
}

static void line_too_long(ControlPeer *p)
{
	p->in_done = TRUE;
	drop_input(p);
	p->ops->too_long(p, p->user_data);
}

/* One recv into the input buffer; FALSE when nothing more can be read now. */
static gboolean read_once(ControlPeer *p)
{
	if (p->in_len == p->in_cap) {
		/* A full buffer of complete lines waits for the queue to drain. */
		if (p->in_cap == CONTROL_REQ_LINE_MAX)
			return FALSE;
		p->in_cap = p->in_cap == 0 ? PEER_IN_MIN : MIN(p->in_cap * 2, CONTROL_REQ_LINE_MAX);
		p->in = g_realloc(p->in, p->in_cap);
	}
	ssize_t n = recv(p->fd, p->in + p->in_len, p->in_cap - p->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (p->in_len == 0)
			drop_input(p);
		return FALSE;
	}
	if (n < 0) {
		g_debug("read from control client %d: %s", p->fd, g_strerror(errno));
		close_peer(p);
		return FALSE;
	}
	if (n == 0) {
		p->eof = TRUE;
		p->in_done = TRUE;
		process_lines(p);
		return FALSE;
	}
	p->in_len += (gsize)n;
	process_lines(p);
	if (!p->closed && !p->in_done && p->in_len == CONTROL_REQ_LINE_MAX &&
	    memchr(p->in, '\n', p->in_len) == NULL) {
		line_too_long(p);
		return FALSE;
	}
	return TRUE;
}

static void drop_queue(ControlPeer *p)
{
	g_clear_pointer(&p->out, g_free);
	p->out_len = p->out_head = p->out_cap = 0;
}

/* Send what the socket takes; FALSE if the peer was closed. */
static gboolean send_some(ControlPeer *p, const char *buf, gsize len, gsize *out_sent)
{
	gsize sent = 0;

	while (sent < len) {
		ssize_t n = send(p->fd, buf + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			/* EPIPE, ECONNRESET: the client is gone. */
			g_debug("write to control client %d: %s", p->fd, g_strerror(errno));
			close_peer(p);
			return FALSE;
		}
		sent += (gsize)n;
	}
	*out_sent = sent;
	return TRUE;
}

static void flush_queue(ControlPeer *p)
{
	gsize sent = 0;
	gboolean was_paused = control_peer_queued(p) >= CONTROL_PEER_READ_PAUSE;

	if (control_peer_queued(p) == 0 ||
	    !send_some(p, p->out + p->out_head, control_peer_queued(p), &sent))
		return;
	p->out_head += sent;
	if (p->out_head == p->out_len)
		drop_queue(p);
	/* Requests that waited for room in the queue. */
	if (was_paused && control_peer_queued(p) < CONTROL_PEER_READ_PAUSE)
		process_lines(p);
}

static void queue_append(ControlPeer *p, const char *buf, gsize len)
{
	gsize live = control_peer_queued(p);

	/* Reclaim the sent front once it outweighs what is left (one copy per byte at most). */
	if (p->out_head > 0 && p->out_head >= live) {
		memmove(p->out, p->out + p->out_head, live);
		p->out_len = live;
		p->out_head = 0;
	}
	if (p->out_len + len > p->out_cap) {
		p->out_cap = MAX(p->out_cap * 2, p->out_len + len);
		p->out = g_realloc(p->out, p->out_cap);
	}
	memcpy(p->out + p->out_len, buf, len);
	p->out_len += len;
}

static ControlPeer *peer_ref(ControlPeer *p)
{
	return (ControlPeer *)g_source_ref(&p->source);
}

static void peer_unref(ControlPeer *p)
{
	g_source_unref(&p->source);
}

gboolean control_peer_send(ControlPeer *p, const char *buf, gsize len)
{
	gsize sent = 0;
	gboolean ok;

	if (p->closed)
		return FALSE;
	peer_ref(p);
	if (control_peer_queued(p) == 0 && !send_some(p, buf, len, &sent)) {
		peer_unref(p);
		return FALSE;
	}
	if (sent < len) {
		if (control_peer_queued(p) + (len - sent) > CONTROL_PEER_QUEUE_MAX) {
			g_warning("control client %d is more than %d bytes behind, dropping it",
				  p->fd, CONTROL_PEER_QUEUE_MAX);
			close_peer(p);
		} else {
			queue_append(p, buf + sent, len - sent);
		}
	}
	update(p);
	ok = !p->closed;
	peer_unref(p);
	return ok;
}

void control_peer_set_held(ControlPeer *p, gboolean held)
{
	if (p->closed || p->held == held)
		return;
	p->held = held;
	peer_ref(p);
	if (!maybe_done(p))
		update(p);
	peer_unref(p);
}

void control_peer_finish(ControlPeer *p)
{
	if (p->closed)
		return;
	p->in_done = TRUE;
	p->finishing = TRUE;
	peer_ref(p);
	if (!maybe_done(p))
		update(p);
	peer_unref(p);
}

void control_peer_read_pending(ControlPeer *p)
{
	peer_ref(p);
	p->draining = TRUE;
	process_lines(p);
	for (int i = 0; i < PEER_LAST_READS && !p->closed && !p->in_done && read_once(p); i++)
		;
	p->draining = FALSE;
	if (!maybe_done(p))
		update(p);
	peer_unref(p);
}

void control_peer_flush(ControlPeer *p)
{
	peer_ref(p);
	flush_queue(p);
	if (!maybe_done(p))
		update(p);
	peer_unref(p);
}

void control_peer_set_data(ControlPeer *p, gpointer data, GDestroyNotify data_free)
{
	p->data = data;
	p->data_free = data_free;
}

gpointer control_peer_get_data(ControlPeer *p)
{
	return p->data;
}

gboolean control_peer_is_closed(ControlPeer *p)
{
	return p->closed;
}

int control_peer_fd(ControlPeer *p)
{
	return p->fd;
}

static gboolean peer_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	ControlPeer *p = (ControlPeer *)source;
	GIOCondition rev = g_source_query_unix_fd(source, p->tag);

	/* Each step may close the peer; the main loop's reference keeps p valid until we
	 * return. */
	if (rev & G_IO_OUT)
		flush_queue(p);
	if (!p->closed && (rev & G_IO_IN) && (p->events & G_IO_IN))
		(void)read_once(p);
	/* Hung up entirely (HUP; a shutdown of its sending side alone is EOF, above), or
	 * broken. */
	if (!p->closed && (rev & (G_IO_HUP | G_IO_ERR)))
		close_peer(p);
	if (!maybe_done(p))
		update(p);
	return G_SOURCE_CONTINUE;
}

static void peer_finalize(GSource *source)
{
	ControlPeer *p = (ControlPeer *)source;

	drop_input(p);
	drop_queue(p);
	vigil_clear_fd(&p->fd);
	if (p->data_free != NULL)
		p->data_free(p->data);
}

/* Not const only because g_source_new() takes a plain pointer; GLib never writes to it. */
static GSourceFuncs peer_source_funcs = {
	.dispatch = peer_dispatch,
	.finalize = peer_finalize,
};

ControlPeer *control_peer_new(GMainContext *ctx, int fd, const ControlPeerOps *ops,
			      gpointer user_data)
{
	GSource *source = g_source_new(&peer_source_funcs, sizeof(ControlPeer));
	ControlPeer *p = (ControlPeer *)source;

	p->ops = ops;
	p->user_data = user_data;
	p->fd = fd;
	g_source_set_static_name(source, "vigil-control-client");
	/* HUP and ERR are always reported, even with no events asked for. */
	p->tag = g_source_add_unix_fd(source, fd, 0);
	update(p);
	g_source_attach(source, ctx);
	return p;
}

void control_peer_release(gpointer peer)
{
	g_source_destroy(peer);
	g_source_unref(peer);
}
