/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * The sd_notify relay (--sdnotify-socket, docs/conmon-contract.md, "sd_notify relay"), for
 * `podman run --sdnotify=container`: podman bind-mounts <bundle>/notify into the container as
 * /run/notify and sets NOTIFY_SOCKET=/run/notify/notify.sock there; we bind that socket before
 * the runtime runs and forward what the container says to the host's notify socket (systemd's).
 *
 * The protocol is plain datagrams of "KEY=VALUE" lines, so no libsystemd is needed. Only the
 * state lines a service may report are forwarded (READY=1, RELOADING=1, STOPPING=1,
 * WATCHDOG=1, WATCHDOG=trigger, STATUS=, ERRNO=, BUSERROR=, MONOTONIC_USEC=); everything
 * else, FDSTORE= and the container's own MAINPID= among them, is dropped, and no fds or
 * credentials are passed on.
 *
 * MAINPID: podman sends MAINPID=<monitor pid> to systemd itself when it starts the container,
 * so the unit follows the monitor, which outlives the container's exit and writes the exit
 * file; the container normally only says READY=1 (podman's system test "sdnotify : container"
 * expects exactly "MAINPID=<conmon pid>\nREADY=1" on the host socket), and nothing is added
 * to that. A MAINPID= the container sends itself names a pid in its own namespace,
 * meaningless on the host: it is rewritten to the container's pid as the host sees it
 * (conmon drops it). The container asked to be the unit's main process; it gets that with a
 * pid systemd can use. podman's units use NotifyAccess=all, which the relayed messages (sent
 * by the monitor, a process systemd did not start) need.
 */
typedef struct _SdNotify SdNotify;

/*
 * Bind <bundle>/notify/notify.sock (the notify directory must exist; the path is reached
 * through the bundle's fd, so a long bundle path is fine) and relay to host_socket (a path,
 * or "@name" for an abstract socket).
 */
SdNotify *sd_notify_new(GMainContext *ctx, const char *bundle, const char *host_socket,
			GError **error);

/* The container's pid, once known (a MAINPID= from the container is rewritten to it). */
void sd_notify_set_main_pid(SdNotify *notify, pid_t pid);

/* Stop relaying and remove the socket. */
void sd_notify_free(SdNotify *notify);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdNotify, sd_notify_free)

/*
 * The message to forward for one datagram from the container (lines split on '\n' and '\r',
 * kept lines joined with '\n'), a MAINPID= line rewritten to main_pid (dropped while it is
 * 0). NULL when nothing is left to forward.
 */
char *sd_notify_filter(const char *buf, gsize len, pid_t main_pid);
