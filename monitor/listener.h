/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The accept loop every listening socket of the monitor shares (attach, console, seccomp
 * notify, control): each connection is accepted non-blocking and close-on-exec and handed to
 * the owner.
 *
 * Out of fds (EMFILE, ENFILE, or the kernel out of buffers), the waiting connection keeps the
 * socket readable, so polling it would spin the loop at full CPU logging a warning per turn.
 * The listener instead stops watching the socket and looks again after a back-off timer
 * (`<name>-retry`): LISTENER_RETRY_MIN_MS, doubled on every failure in a row up to
 * LISTENER_RETRY_MAX_MS, back to the minimum once an accept succeeds. A short shortage is
 * over quickly; a long one costs a wake-up and a warning a second. An owner that frees an fd
 * itself (a client left) says so with listener_resume() and the socket is watched at once.
 */
#define LISTENER_RETRY_MIN_MS 100
#define LISTENER_RETRY_MAX_MS 1000

typedef struct _Listener Listener;

/* A new connection, non-blocking and close-on-exec, now the owner's. The callback may free
 * the listener (one connection is all the console wants). */
typedef void (*ListenerAcceptFunc)(int fd, gpointer user_data);

/*
 * Watch listen_fd (listening and non-blocking) in ctx and pass every connection to on_accept.
 * listen_fd stays the caller's: free the listener before closing it. name is the watch's
 * static source name; what names the socket in messages ("attach socket").
 */
Listener *listener_new(GMainContext *ctx, int listen_fd, const char *name, const char *what,
		       ListenerAcceptFunc on_accept, gpointer user_data);

/* One accept now, outside the loop, returned rather than passed to on_accept: the new fd, or
 * -1 when nothing waits or it failed (out of fds, the listener rests as it would in the
 * loop). */
int listener_accept(Listener *listener);

/* The owner freed an fd: if the listener rests for want of fds, watch the socket again now. */
void listener_resume(Listener *listener);

void listener_free(Listener *listener);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Listener, listener_free)
