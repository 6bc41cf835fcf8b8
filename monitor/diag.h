/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "monitor_options.h"

/*
 * The monitor's own messages. The one place that decides their format and destination:
 * conmon's "[conmon:<l>]: message" lines on stderr (the prefix is a compatibility contract,
 * docs/conmon-contract.md, "Diagnostics") and, with --syslog, syslog(3) — the only channel left
 * once the monitor has daemonized and its stderr is /dev/null.
 */

/* Install the GLib log writer. cfg must outlive every later g_log call. */
void diag_init(const MonitorConfig *cfg);

/* A fatal setup error: one line on stderr (and syslog with --syslog). */
void diag_fatal(const MonitorConfig *cfg, const char *message);
