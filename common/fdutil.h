/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/* Close fd once if >= 0, never retrying on EINTR, preserving errno; set it to -1. */
void vigil_clear_fd(int *fd);

/* Spelled like GLib 2.76's g_autofd so a later move is a rename (Debian 12 has 2.74). */
#define vigil_autofd __attribute__((cleanup(vigil_clear_fd)))

/* Return 0 or -errno. */
int fd_set_nonblock(int fd, gboolean nonblock);
int fd_set_cloexec(int fd, gboolean cloexec);

/* Duplicate fd to a new close-on-exec fd >= 3. Returns the fd or -errno. */
int fd_dup_cloexec(int fd);

/*
 * Write all of buf, retrying on EINTR and short writes. On a non-blocking fd that fills up,
 * stop and return -EAGAIN after setting *out_written (if given) to the bytes written so far.
 * Returns 0 on success or -errno.
 */
int fd_write_all(int fd, const void *buf, gsize len, gsize *out_written);

/* Write all of buf, waiting with poll() when a non-blocking fd returns EAGAIN. 0 or -errno.
 * Only for setup and shutdown paths, never inside a main-loop callback. */
int fd_write_all_blocking(int fd, const void *buf, gsize len);

/* One read(2), retried on EINTR. Returns bytes read (0 = EOF) or -errno. */
gssize fd_read_once(int fd, void *buf, gsize len);

/*
 * Read until EOF (or max bytes), retrying on EINTR; waits with poll() on EAGAIN.
 * Returns the data (NUL-terminated; length in *out_len) or NULL with error set.
 */
char *fd_read_to_end(int fd, gsize max, gsize *out_len, GError **error);

/* Parse a decimal fd number from an environment variable value; -1 if malformed or < 0. */
int fd_parse(const char *s);
