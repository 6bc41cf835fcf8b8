/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * What the harness's files share and the tests do not see. The cleanup registry lives in
 * testlib.c, the one place with process-wide state: the handlers that run on abort need to
 * find what the test created, so every file that creates a container or a monitor records
 * it here.
 */

/* How long the helpers wait for a monitor's message (the tests' WAIT_MS). */
#define HELPER_WAIT_MS 30000

static inline gint64 deadline_after(int timeout_ms)
{
	return g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

/* runc --root shared by the process's bundles (set by testlib_root()). */
const char *testlib_runc_root(void);
/* /bin/busybox or /usr/bin/busybox, NULL if neither. */
const char *testlib_busybox_path(void);

/* Container ids to runc delete -f at exit, until the bundle is freed. */
void testlib_cleanup_add_container(const char *id);
void testlib_cleanup_remove_container(const char *id);
/* Monitors to kill at exit, until they are reaped. */
void testlib_cleanup_add_monitor(pid_t pid);
void testlib_cleanup_forget_monitor(pid_t pid);
