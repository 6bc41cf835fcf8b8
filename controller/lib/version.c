/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <vigil/version.h>

const char *vigil_version(void)
{
	return VIGIL_VERSION_STRING;
}

gboolean vigil_check_version(guint major, guint minor, guint micro)
{
	/* 0.x promises nothing across minor versions: there the minor is the series. */
	if (major != VIGIL_VERSION_MAJOR || (major == 0 && minor != VIGIL_VERSION_MINOR))
		return FALSE;
	if (minor != VIGIL_VERSION_MINOR)
		return minor < VIGIL_VERSION_MINOR;
	return micro <= VIGIL_VERSION_MICRO;
}
