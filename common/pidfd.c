/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "pidfd.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int pidfd_open_pid(pid_t pid)
{
	/* pidfd_open(2): the fd is always close-on-exec. */
	long fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : (int)fd;
}

int pidfd_signal(int pidfd, int signo)
{
	return syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0 ? -errno : 0;
}
