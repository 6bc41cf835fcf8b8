/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * The container's memory usage and CPU time from its cgroup, for the control socket's stats
 * (docs/control.md, "stats"). Read when asked, nothing kept: /proc/<pid>/cgroup names the
 * cgroup, then
 *   cgroup v1: <root>/<memory hierarchy>/<path>/memory.usage_in_bytes and
 *              <root>/<cpuacct hierarchy>/<path>/cpuacct.usage (ns);
 *   cgroup v2: <root>/<path>/memory.current and cpu.stat's usage_usec (µs, reported as ns).
 */

typedef enum {
	CGROUP_STATS_V1,
	CGROUP_STATS_V2,
} CgroupStatsKind;

typedef struct {
	guint64 memory_bytes;
	guint64 cpu_usage_ns;
} CgroupStats;

/* Both figures for pid, from the hierarchy mounted at /sys/fs/cgroup. ENOENT when the
 * process or its cgroup is gone, EINVAL for a file that does not hold a number. */
gboolean cgroup_stats_read(pid_t pid, CgroupStats *out, GError **error);

/* The same from a given /proc/<pid>/cgroup text and hierarchy root (tests use their own). */
gboolean cgroup_stats_read_at(CgroupStatsKind kind, const char *root, const char *proc_cgroup,
			      CgroupStats *out, GError **error);

/*
 * From /proc/<pid>/cgroup text: the path of the v1 hierarchy whose controller list holds
 * controller, with that list (the hierarchy's directory name under the root, e.g.
 * "cpu,cpuacct") in *out_hierarchy; or, for controller NULL, the v2 ("0::") path. NULL if
 * there is no such line.
 */
char *cgroup_stats_path_from_proc(const char *proc_cgroup, const char *controller,
				  char **out_hierarchy);

/* usage_usec from cpu.stat text; FALSE if absent or not a number. */
gboolean cgroup_stats_parse_cpu_stat(const char *text, guint64 *out_usage_usec);
