/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "testlib.h"

/*
 * vigilmon started the way CRI-O starts conmon (docs/conmon-contract.md, "Exec sessions" and
 * "Engine command lines"), shared by test-crio-container.c and test-crio-exec-sync.c. Each scenario
 * runs with Debian's conmon (the reference; CONMON overrides its path) and then with vigilmon, and
 * reduces what CRI-O would see to a text report; crio_compare() asserts that the reference's report
 * is the expected one and that vigilmon's is identical.
 */

/* A deadline against hangs only. */
#define CRIO_WAIT_MS 30000

/* The reference monitor's path. */
const char *crio_conmon_path(void);
/* runc, busybox and conmon present (skips otherwise). */
gboolean crio_require_tools(void);
/* Which monitor test_monitor_start() runs: the reference or the build under test. */
void crio_use_monitor(gboolean reference);
/* A sync line with its pid (a number that differs per run) replaced by "N"; new string. */
char *crio_sync_shape(const char *line);
/* The k8s-file records of one stream, timestamps removed, each ended by "|"; new string. */
char *crio_log_stream(const char *path, const char *stream);
/* A container monitor with CRI-O's argv (runtime_oci.go), legacy protocol. */
TestMonitor *crio_start_container(TestBundle *b, const char *sockdir, gboolean stdin_pipe);
/* Run scenario with conmon, then vigilmon; assert the reports (vigilmon's may carry
 * extra lines where it follows newer conmon than the reference). */
void crio_compare(char *(*scenario)(gboolean reference), const char *expected_reference,
		  const char *expected_vigilmon_extra);
