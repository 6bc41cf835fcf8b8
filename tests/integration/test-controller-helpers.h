/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/vigil.h>

#include "testlib.h"

/*
 * Shared by the test-controller-* binaries: a busybox bundle (testlib), a private vigil
 * --root, the runtime root testlib cleans up, and the monitor under test (vigilmon, or
 * VIGIL_TEST_MONITOR, e.g. /usr/bin/conmon, to run the same tests against the reference).
 */
#define CTL_WAIT_MS 30000

typedef struct {
	TestBundle *b;
	char *root;
	VigilRuntime *rt;
} Ctl;

const char *ctl_monitor(void);

/* A fixture for a container running argv; NULL (the test is skipped) without runc. */
Ctl *ctl_new(const char *const *argv);
void ctl_free(Ctl *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ctl, ctl_free)

/* Create the fixture's container through the library, default options. */
void ctl_create(Ctl *c);

/* Wait (library) for the container's exit code. */
int ctl_wait(Ctl *c);

/* TRUE if the monitor made an attach socket for the container. Else FALSE: a failure for
 * vigilmon, a skip naming the missing feature for another monitor (VIGIL_TEST_MONITOR). */
gboolean ctl_require_attach(Ctl *c);
/* The same for a vigilctl call (run, attach) that exited with status and printed err: FALSE
 * when it failed for want of an attach socket. */
gboolean ctl_require_attach_cli(int status, const char *err);

/* Run vigilctl with the fixture's --root, --runtime-root and --monitor, then args. Returns
 * the exit status (128+n for signal n). input, out and err are optional. */
int ctl_cli(Ctl *c, const char *input, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;
int ctl_cliv(Ctl *c, const char *const *env, const char *input, char **out, char **err,
	     const char *const *args);

/* Start vigilctl without waiting; returns its pid (a child of ours). */
GPid ctl_cli_async(Ctl *c, const char *const *args);

/* TRUE (and the test skipped with why) when the monitor is a conmon older than version:
 * some of its known bugs are fixed in later releases
 * (docs/conmon-contract.md, "conmon releases"). */
gboolean ctl_skip_if_conmon_before(const char *version, const char *why);

/* The container's status name, through the library. */
const char *ctl_status(Ctl *c);
