/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "crash_point.h"

#include <signal.h>
#include <unistd.h>

#ifndef VIGIL_TEST_HOOKS
#error "crash_point.c belongs to the test build of libvigil only (VIGIL_TEST_HOOKS)"
#endif

void crash_point(const char *point)
{
	if (g_strcmp0(g_getenv("VIGIL_DEBUG_CRASH_AT"), point) == 0)
		(void)kill(getpid(), SIGKILL);
}
