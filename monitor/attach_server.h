/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "attach_socket.h"
#include "attach_stdin.h"
#include "streams.h"

/*
 * The attach socket (docs/conmon-contract.md, "Attach socket framing"): a SOCK_SEQPACKET listener
 * at <bundle>/attach, mode 0700, plus (best effort) the <socket-dir>/<cuuid> symlink to the bundle
 * unless --full-attach. Any number of clients; each gets every chunk of container output as
 * messages of one stream byte (2 stdout, 3 stderr) and at most 8192 data bytes, and may send raw
 * bytes for the container's stdin.
 *
 * Nothing here blocks the main loop (conmon writes to clients blocking, so one client that
 * stops reading freezes its whole loop). Every client gets every byte it attached for: a
 * client far behind pauses the reading of the container's output, as a pipe would, with
 * each client's queue bounded (attach_server.c has the numbers). Giving up on a client that takes
 * nothing is opt-in (--attach-stall-timeout) and the client is told. Client input that
 * stdin cannot take yet waits in attach_stdin.c, and no client is read until it is written.
 */
typedef struct _AttachServer AttachServer;

/* What the attach server is given from the command line (module_config.c). */
typedef struct {
	AttachSocketConfig socket;
	AttachStdinConfig stdin_;
	int attach_stall_timeout; /* seconds, 0 = never give up on a client */
} AttachConfig;

/* Create the socket (and the symlink) for cfg->socket.bundle. streams must outlive the
 * server; cfg need not. */
AttachServer *attach_server_new(GMainContext *ctx, const AttachConfig *cfg, Streams *streams,
				GError **error);

/*
 * One chunk of container output to every client (split into <= 8192-byte messages).
 * stream is VIGIL_STREAM_STDOUT or VIGIL_STREAM_STDERR. NULL-safe, as are the calls below.
 */
void attach_server_broadcast(AttachServer *server, int stream, const char *buf, gsize len);

/* The container's stdin exists now (terminal mode: the PTY arrived): write what clients
 * sent before it did. */
void attach_server_stdin_ready(AttachServer *server);

/* The container exited: accept the clients already waiting, then no more. */
void attach_server_stop_listening(AttachServer *server);

typedef void (*AttachDoneFunc)(gpointer user_data);

/*
 * After the final drain and the exit files: no more output, no more input, the socket and
 * the symlink removed. Clients with output still queued get it in the main loop, for as long
 * as they take it; each is closed once its queue is sent or it hangs up. Returns FALSE when
 * no client is left (done is not called), else TRUE and done is called once the last client
 * is finished. attach_server_free() closes the ones left, if the monitor cannot wait.
 */
gboolean attach_server_finish(AttachServer *server, AttachDoneFunc done, gpointer user_data);

/* How many clients are connected (0 for NULL). */
guint attach_server_client_count(AttachServer *server);

/* Called when a client connected (attached TRUE) or left, with the new count: the control
 * socket's attach and detach events. One listener; NULL removes it. */
typedef void (*AttachClientsFunc)(gboolean attached, guint clients, gpointer user_data);
void attach_server_set_clients_func(AttachServer *server, AttachClientsFunc func,
				    gpointer user_data);

/* Closes everything (clients still queued too) and removes the socket and symlink if
 * attach_server_finish() did not. */
void attach_server_free(AttachServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AttachServer, attach_server_free)
