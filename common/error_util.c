/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "error_util.h"

#include <errno.h>
#include <string.h>

GQuark error_util_quark(void)
{
	/* Not G_DEFINE_QUARK: clang-format would insert spaces into a hyphenated name that the
	 * macro stringifies (docs/CONTRIBUTING.md, "Code"). */
	return g_quark_from_static_string("vigil-error-quark");
}

gboolean vigil_throw(GError **error, int code, const char *fmt, ...)
{
	int errsv = errno;
	va_list ap;

	if (error != NULL) {
		va_start(ap, fmt);
		g_autofree char *msg = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		g_set_error_literal(error, VIGIL_ERROR, code, msg);
	}
	errno = errsv;
	return FALSE;
}

static G_GNUC_PRINTF(3, 0) gboolean
	throw_errsv_va(GError **error, int errsv, const char *fmt, va_list ap)
{
	if (error != NULL) {
		g_autofree char *msg = g_strdup_vprintf(fmt, ap);
		g_set_error(error, VIGIL_ERROR, errsv, "%s: %s", msg, g_strerror(errsv));
	}
	errno = errsv;
	return FALSE;
}

gboolean vigil_throw_errno(GError **error, const char *fmt, ...)
{
	int errsv = errno;
	va_list ap;

	va_start(ap, fmt);
	throw_errsv_va(error, errsv, fmt, ap);
	va_end(ap);
	return FALSE;
}

gboolean vigil_throw_errsv(GError **error, int errsv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	throw_errsv_va(error, errsv, fmt, ap);
	va_end(ap);
	return FALSE;
}
