/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <termios.h>
#include <vigil/options.h>

#include <glib.h>

/*
 * The local terminal while attached to a container's TTY: raw mode (so ctrl-c and the
 * detach keys reach the container and the client, not the local line discipline), restored
 * on every way out, and SIGWINCH as a signalfd for the library's resize source.
 */
typedef struct {
	int fd;
	gboolean raw;
	struct termios saved;
	int winch_fd;
	VigilResizeSource resize;
} CliTty;

/* If fd is a terminal: raw mode and a resize source (tty->resize). FALSE if it is not. */
gboolean cli_tty_setup(CliTty *tty, int fd);
void cli_tty_restore(CliTty *tty);
