/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The monitor's own messages. The one place that decides their format and destination:
 * conmon's "[conmon:<l>]: message" lines on stderr (the prefix is a compatibility contract,
 * docs/conmon-contract.md, "Diagnostics") and, with --syslog, syslog(3) — the only channel left
 * once the monitor has daemonized and its stderr is /dev/null.
 */

typedef enum {
	DIAG_LEVEL_ERROR,
	DIAG_LEVEL_WARN,
	DIAG_LEVEL_INFO,
	DIAG_LEVEL_DEBUG,
	DIAG_LEVEL_TRACE,
} DiagLevel;

/* The diagnostics options of the command line (module_config.c; borrowed). */
typedef struct {
	DiagLevel log_level; /* --log-level: what is shown */
	gboolean syslog;
	/* syslog's prefix */
	const char *cid;
	const char *log_tag;
} DiagConfig;

/* Install the GLib log writer. cfg must outlive every later g_log call; it is read at each
 * call, so a level known only later can still be set in it. */
void diag_init(const DiagConfig *cfg);

/* A fatal setup error: one line on stderr (and syslog with --syslog). */
void diag_fatal(const DiagConfig *cfg, const char *message);
