/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "seccomp_plugins.h"

/*
 * seccomp user notifications (--seccomp-notify-socket, --seccomp-notify-plugins;
 * docs/conmon-contract.md, "Seccomp notify"). We listen on a unix stream socket before the runtime
 * runs; the runtime connects and sends the container's seccomp listener fd with SCM_RIGHTS (runc:
 * the path in config.json's linux.seccomp.listenerPath, one message holding the container state
 * JSON and the fd; crun: its seccomp receiver socket). Every connection may bring a listener (runc
 * sends one more for each `runc exec` whose profile notifies), and all are served until the monitor
 * ends.
 *
 * Each notification goes to the plugins in order, through crun's plugin ABI
 * (run_oci_seccomp_notify_{version,start,handle_request,stop}); a notification no plugin
 * answers gets -ENOSYS. ENOSYS is what the kernel itself answers once no listener is left,
 * and what libc and programs already treat as "not available here, fall back", so a
 * container whose profile notifies on a syscall is never stuck on it. (conmon answered
 * -ENOTSUP.)
 *
 * libseccomp is dlopen'd here, only when this feature is used.
 */
typedef struct _SeccompNotify SeccompNotify;

/*
 * Load libseccomp and the plugins (cfg->seccomp_notify_plugins, else the environment's
 * CONMON_SECCOMP_NOTIFY_PLUGINS, a ':'-separated list of .so paths), then listen on
 * cfg->seccomp_notify_socket (a stale socket there is replaced).
 */
SeccompNotify *seccomp_notify_new(GMainContext *ctx, const SeccompConfig *cfg, GError **error);

/* Stop the plugins, close every listener fd (pending notifications then fail with ENOSYS in
 * the kernel) and remove the socket. */
void seccomp_notify_free(SeccompNotify *notify);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SeccompNotify, seccomp_notify_free)
