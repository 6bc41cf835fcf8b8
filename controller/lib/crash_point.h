/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Tests only: with VIGIL_DEBUG_CRASH_AT=<point> set, crash_point() SIGKILLs the calling
 * process at that point of a create ("after-record", "after-spawn"), a start ("after-start":
 * the runtime started it, the record still says created) or a delete ("delete-before-retire":
 * the runtime and the monitor are gone, the directory is whole; "delete-after-retire": it is
 * a tombstone), to check that a controller killed mid-way leaves a container the next call
 * can recover (tests/integration/test-controller-recovery.c).
 *
 * Only the test build of the library and of vigilctl (VIGIL_TEST_HOOKS, crash_point.c; see
 * controller/meson.build) has the hook. In the library engines link, and the vigilctl that
 * is installed, it is an empty inline function: nothing there reads the variable.
 */
#ifdef VIGIL_TEST_HOOKS
void crash_point(const char *point);
#else
static inline void crash_point(const char *point)
{
	(void)point;
}
#endif
