/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * One connection to the control socket (docs/control.md) as a GSource: request lines in,
 * reply and event lines out, never blocking the main loop.
 *
 * Input is read into a buffer that holds at most one line (CONTROL_REQ_LINE_MAX, newline
 * included) and is freed whenever it is empty, so an idle connection holds no buffer. Output
 * is a queue of at most CONTROL_PEER_QUEUE_MAX bytes: a client that falls that far behind
 * (a subscriber that stopped reading) is disconnected rather than buffered without bound.
 * While more than CONTROL_PEER_READ_PAUSE bytes are queued no further request is taken, so a
 * client that pipelines requests without reading the replies waits instead of being dropped.
 *
 * A client that shuts down its sending side still gets what it is owed: the owner marks such
 * a peer held (a wait not yet answered, a subscription) and it is closed once it is no longer
 * held and its queue is sent. A peer that hangs up entirely is closed at once.
 */
typedef struct _ControlPeer ControlPeer;

#define CONTROL_PEER_QUEUE_MAX  (1024 * 1024)
#define CONTROL_PEER_READ_PAUSE (64 * 1024)

typedef struct {
	/* One request line, without its '\n'. The peer may be closed when this returns. */
	void (*line)(ControlPeer *peer, const char *line, gsize len, gpointer user_data);
	/* A line passed CONTROL_REQ_LINE_MAX: nothing more is read from this peer. */
	void (*too_long)(ControlPeer *peer, gpointer user_data);
	/* Closed (hung up, failed, or done): called once; the owner drops its reference with
	 * control_peer_release(). */
	void (*closed)(ControlPeer *peer, gpointer user_data);
} ControlPeerOps;

/* Take ownership of fd (a connected, non-blocking stream socket). The owner holds the one
 * reference returned. */
ControlPeer *control_peer_new(GMainContext *ctx, int fd, const ControlPeerOps *ops,
			      gpointer user_data);

/* Queue one line (its '\n' included), sending at once what the socket takes. FALSE if the
 * peer is closed, or is closed now because the line would take its queue past
 * CONTROL_PEER_QUEUE_MAX. */
gboolean control_peer_send(ControlPeer *peer, const char *buf, gsize len);

/* The owner still owes this peer something (a deferred reply, events): while held, a peer
 * whose input ended is kept open. */
void control_peer_set_held(ControlPeer *peer, gboolean held);

/* Read nothing more; close once the queue is sent (a reply that ends the connection). */
void control_peer_finish(ControlPeer *peer);

/* The monitor is exiting: take the requests already waiting in the socket, whatever the
 * queue, so that a request sent before the exit is answered. */
void control_peer_read_pending(ControlPeer *peer);

/* One last non-blocking attempt to send the queue. */
void control_peer_flush(ControlPeer *peer);

/* The owner's state for this peer, freed with data_free when the peer is freed (which may be
 * after it closed: it stays valid through any call that holds the peer). */
void control_peer_set_data(ControlPeer *peer, gpointer data, GDestroyNotify data_free);
gpointer control_peer_get_data(ControlPeer *peer);

gboolean control_peer_is_closed(ControlPeer *peer);
gsize control_peer_queued(ControlPeer *peer);
int control_peer_fd(ControlPeer *peer);

/* Drop the owner's reference: the connection is closed and freed (once no dispatch holds
 * it). For a GPtrArray's free function. */
void control_peer_release(gpointer peer);
