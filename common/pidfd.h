/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * Process file descriptors (Linux 5.3+). A pidfd names one process for as long as the fd is
 * open, so a signal sent through it can never reach a process that reused the pid after the
 * one we meant exited. glibc 2.36 has no wrappers: these call the syscalls.
 */

/* A close-on-exec pidfd for pid, or -errno. */
int pidfd_open_pid(pid_t pid);

/* Send signo to the process behind pidfd: 0, or -errno (-ESRCH once it has exited). */
int pidfd_signal(int pidfd, int signo);
