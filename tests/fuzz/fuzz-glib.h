/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

/*
 * A GLib critical or warning (a g_return_if_fail that tripped: a NULL where an object was
 * due, an invalid date) is a bug the target must report. GLib's own fatal mask would stop
 * with SIGTRAP, which libFuzzer does not catch, so no crash input would be saved; abort()
 * is caught, under libFuzzer and in the replay alike.
 */
static void fuzz_log_abort(const char *domain, GLogLevelFlags level, const char *message,
			   gpointer data)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
		fprintf(stderr, "%s: %s\n", domain != NULL ? domain : "?", message);
		abort();
	}
	g_log_default_handler(domain, level, message, data);
}

static inline void fuzz_glib_fatal_criticals(void)
{
	g_log_set_default_handler(fuzz_log_abort, NULL);
}
