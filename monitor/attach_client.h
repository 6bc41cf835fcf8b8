/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * One connection on the attach socket, as attach_server.c (its only user) sees it: a GSource on the
 * connected SEQPACKET socket with a bounded queue of output messages and an input side that
 * reports what the client sends. What input means (the container's stdin, EOF semantics)
 * is the owner's business, through the ops.
 */
typedef struct _AttachClient AttachClient;

typedef struct {
	/* Bytes the client sent, one message at a time. */
	void (*input)(AttachClient *client, const char *buf, gsize len, gpointer user_data);
	/* The client will send nothing more (EOF, an empty message, an error or a hangup). */
	void (*input_eof)(AttachClient *client, gpointer user_data);
	/* The client is finished: the owner drops it with attach_client_release(). Called
	 * once; the client must not be used after the owner released it. */
	void (*closed)(AttachClient *client, gpointer user_data);
	/* Whether input may be read now (FALSE while the container's stdin is full). */
	gboolean (*may_read)(gpointer user_data);
	/* Queued output was sent: the client is reading. */
	void (*progress)(AttachClient *client, gpointer user_data);
} AttachClientOps;

/* Take ownership of the connected, non-blocking fd and start watching it on ctx. The
 * returned reference belongs to the owner. */
AttachClient *attach_client_new(GMainContext *ctx, int fd, const AttachClientOps *ops,
				gpointer user_data);

/*
 * Queue (or send at once) one message: the stream byte, then len <= 8192 bytes. Nothing is
 * ever dropped here: keeping the queue short is the owner's job (it stops reading the
 * container while a client is behind).
 */
void attach_client_send(AttachClient *client, guint8 stream, const char *buf, gsize len);

/* No more output will be queued: the client is closed as soon as its queue is sent, or when
 * it hangs up or a write fails. */
void attach_client_finish(AttachClient *client);

/*
 * Give up on the client's output (the owner's opt-in stall rule): its queue is discarded and
 * replaced by the one-line notice on the stderr stream, it takes no more output and no more
 * input (as if it had disconnected), and it is closed once the notice is sent.
 */
void attach_client_abandon(AttachClient *client, const char *notice);
gboolean attach_client_is_abandoned(AttachClient *client);

/* Send queued messages until the socket is full. */
void attach_client_flush(AttachClient *client);

/* Re-evaluate what to watch (after may_read changed). */
void attach_client_update(AttachClient *client);

/* Bytes queued (with a 4-byte header per message), the socket fd, whether closed() has
 * been called. */
gsize attach_client_queued(AttachClient *client);
/* Monotonic time (µs) since which the client has taken none of its queued output; 0 when
 * nothing is queued. */
gint64 attach_client_stalled_since(AttachClient *client);
int attach_client_fd(AttachClient *client);

/* Close now (no more output, no more input); calls closed() unless already closed. */
void attach_client_close(AttachClient *client);
/* Drop a client that fails the owner's terms: one warning line saying why, then as if it
 * had disconnected (its input ends too). */
void attach_client_drop(AttachClient *client, const char *why);

AttachClient *attach_client_ref(AttachClient *client);
void attach_client_unref(gpointer client);
/* Detach from the main loop and drop the owner's reference (a GDestroyNotify). */
void attach_client_release(gpointer client);
