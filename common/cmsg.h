/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * One fd over a unix socket with SCM_RIGHTS, plus a short name payload: runc and crun send
 * the PTY master to --console-socket this way, with the pty's name as the payload, and the
 * monitor receives it (the tests' runtime side is testlib_send_fd).
 */

/*
 * Receive one fd (made close-on-exec). Returns the fd, or -1 with error set. EAGAIN on a
 * non-blocking socket is reported as VIGIL_ERROR/EAGAIN. out_name (optional) gets the
 * payload, NUL-terminated.
 */
int cmsg_recv_fd(int sock, char **out_name, GError **error);
