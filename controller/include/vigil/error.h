/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/* Marks the symbols libvigil exports; everything else is built with -fvisibility=hidden. */
#ifndef VIGIL_PUBLIC
#define VIGIL_PUBLIC __attribute__((visibility("default")))
#endif

/*
 * Every libvigil function that can fail reports a GError in the VIGIL_ERROR domain, whose
 * code is an errno value. The codes callers can branch on:
 *
 *   ENOENT     no such container or exec session (or a file the call needs is missing)
 *   EEXIST     a container with that id already exists
 *   EINVAL     bad argument: an id, an option, a signal, a malformed bundle
 *   EBUSY      refused because of the container's state (delete while running, cleanup of
 *              a running exec session, start of a container that is not created, ...)
 *   ETIMEDOUT  a wait ran out of time
 *   ESRCH      the monitor is gone and left no exit file: the exit code is unknown
 *   EPROTO     a monitor or runtime message could not be understood
 *   ENOTSUP    the runtime or the host cannot do this (checkpoint without a usable CRIU)
 *   EIO        the OCI runtime failed; the message is the runtime's own
 *   ENOEXEC    the runtime could not start the process: its executable was not found
 *              (podman's ErrOCIRuntimeNotFound; vigilctl run and exec exit 127)
 *   EACCES     the runtime could not start the process: permission denied, or a
 *              directory (podman's ErrOCIRuntimePermissionDenied; vigilctl exits 126)
 *
 * Messages are one line: what failed, on which container, and why.
 */
#ifndef VIGIL_ERROR
#define VIGIL_ERROR (vigil_error_quark())
#endif

G_BEGIN_DECLS

VIGIL_PUBLIC GQuark vigil_error_quark(void);

G_END_DECLS
