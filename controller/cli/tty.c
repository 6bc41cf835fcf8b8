/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "tty.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

gboolean cli_tty_setup(CliTty *tty, int fd)
{
	struct termios raw;
	sigset_t winch;

	tty->fd = fd;
	tty->raw = FALSE;
	tty->winch_fd = -1;
	if (!isatty(fd) || tcgetattr(fd, &tty->saved) < 0)
		return FALSE;
	raw = tty->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) == 0)
		tty->raw = TRUE;
	/* Blocked, so it only ever arrives through the signalfd. */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &winch, NULL) == 0)
		tty->winch_fd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
	tty->resize.tty_fd = fd;
	tty->resize.notify_fd = tty->winch_fd;
	return TRUE;
}

void cli_tty_restore(CliTty *tty)
{
	if (tty->raw)
		(void)tcsetattr(tty->fd, TCSADRAIN, &tty->saved);
	tty->raw = FALSE;
	if (tty->winch_fd >= 0)
		close(tty->winch_fd);
	tty->winch_fd = -1;
}
