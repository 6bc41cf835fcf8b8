/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Where the attach socket lives and how it gets there (docs/conmon-contract.md,
 * "Attach socket paths"): the file side of attach_server.c. The socket is always <bundle>/attach,
 * bound through /proc/self/fd/<dirfd> so a bundle path longer than sun_path works. Without
 * --full-attach a symlink <socket-dir>/<cuuid> -> <bundle> gives clients (CRI-O) a short path to it
 * as well.
 */
typedef struct {
	int listen_fd; /* SEQPACKET, listening, non-blocking, close-on-exec */
	int bundle_fd; /* O_PATH handle of the bundle directory */
	int socket_dir_fd;
	char *symlink_name; /* NULL without a symlink */
	char *symlink_target;
	char *path;     /* for messages: the bundle path of the socket */
	gboolean bound; /* the socket file is ours to remove */
} AttachSocket;

/* Where the socket goes, from the command line (borrowed strings). */
typedef struct {
	const char *bundle;          /* the socket is <bundle>/attach */
	const char *cwd;             /* a relative bundle is relative to this (NULL: ours) */
	const char *socket_dir_path; /* --socket-dir-path: where the symlink goes */
	const char *cuuid;           /* the symlink's name; NULL: no symlink */
	gboolean full_attach;        /* --full-attach: no symlink */
} AttachSocketConfig;

#define ATTACH_SOCKET_INIT                                            \
	{                                                             \
		.listen_fd = -1, .bundle_fd = -1, .socket_dir_fd = -1 \
	}

/* Create everything; on error nothing is left behind. */
gboolean attach_socket_open(AttachSocket *sock, const AttachSocketConfig *cfg, GError **error);

/* Close the listener only (clients already accepted are unaffected). */
void attach_socket_close_listener(AttachSocket *sock);

/* Close everything and remove the socket file and the symlink. Safe to call twice. */
void attach_socket_clear(AttachSocket *sock);
