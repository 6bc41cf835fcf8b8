/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The installed vigilmon, found relative to the installed code that is running: from the
 * shared libvigil's own directory when this code was loaded from it, else from the directory
 * of the running program (vigilctl, or an engine that linked libvigil statically). The
 * relative paths come from meson's bindir, libdir and libexecdir, so a tree installed with
 * DESTDIR, or moved as a whole, finds its own monitor rather than the one at the configured
 * prefix.
 */

/* The monitor next to the running code; NULL when there is none there (or the install
 * directories are not relative to one prefix). */
char *monitor_locate_installed(void);

/* dir joined with rel (both as given), canonical, if that is an executable file; else NULL.
 * rel "" gives NULL. */
char *monitor_locate_in(const char *dir, const char *rel);
