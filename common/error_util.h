/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * One error domain for the whole project; the code is an errno value (ENOENT, EINVAL,
 * ETIMEDOUT, ESRCH, EPROTO, ...). It needs no GIO, so the monitor can use it.
 */
#ifndef VIGIL_ERROR
#define VIGIL_ERROR (error_util_quark())
#endif
/* Not vigil_error_quark(): that is libvigil's public function (the same quark), defined in
 * the library alone, so a program linking the static library and these objects (the
 * controller's tests) does not get two definitions of it. */
GQuark error_util_quark(void);

/* Set error to (code, message) and return FALSE. errno is preserved. */
gboolean vigil_throw(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Set error to (errno, "message: strerror(errno)") and return FALSE. errno is preserved. */
gboolean vigil_throw_errno(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* As vigil_throw_errno with an explicit errno value (e.g. a -errno return made positive). */
gboolean vigil_throw_errsv(GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
