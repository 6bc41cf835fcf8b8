/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Every watch in the monitor is a GSource the owner keeps a reference to, so it can be
 * removed from the loop whether or not it has already fired; this drops both the attachment
 * and the reference, and leaves the pointer NULL so it is safe to call twice.
 */
static inline void source_drop(GSource **source)
{
	if (*source != NULL) {
		g_source_destroy(*source);
		g_clear_pointer(source, g_source_unref);
	}
}
