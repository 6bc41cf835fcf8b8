/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>

/*
 * The client side of the monitor's attach socket (docs/conmon-contract.md,
 * "Attach socket framing"): SOCK_SEQPACKET at <dir>/attach, reached through
 * /proc/self/fd/<O_PATH fd> so a long state path still fits sun_path. Output arrives as messages
 * of one stream byte (2 stdout, 3 stderr) plus at most 8192 bytes; input goes out raw; local
 * EOF is a shutdown(SHUT_WR) (attach_stream.c streams them). Resizes are "1 <rows> <cols>\n"
 * lines on <dir>/ctl.
 */

/* Connect to <dir>/attach. A non-blocking, close-on-exec socket, or -1. */
int attach_connect(const char *dir, GError **error);

/* Write one line (with its '\n') to <dir>/ctl; errors start with what. ENXIO when no
 * monitor has the FIFO open (it is gone). */
gboolean attach_ctl_send(const char *dir, const char *line, const char *what, GError **error);

/* Write "1 <rows> <cols>\n" to <dir>/ctl. */
gboolean attach_resize(const char *dir, guint rows, guint cols, GError **error);

/* Send the size of tty_fd (TIOCGWINSZ), if it is a terminal with a size. */
void attach_resize_from_tty(const char *dir, int tty_fd);
