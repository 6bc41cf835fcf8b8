/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * Finding a container's monitor without its record (a damaged state.json): the pid its
 * launcher wrote to <dir>/monitor.pid, taken only while that process still runs with this
 * container's id and state directory on its command line, so a reused pid is never taken
 * for it. Its command line also says which runtime and --root the container was created
 * with (`-r RUNTIME`, `--runtime-arg --root=R`).
 */
typedef struct {
	pid_t pid;
	guint64 start_time;
	char *runtime;      /* -r */
	char *runtime_root; /* NULL when it was given none */
} MonitorFound;

/* TRUE and out filled if the monitor of container id in dir is running. */
gboolean monitor_find(const char *dir, const char *id, MonitorFound *out);

/* TRUE if argv (a monitor's command line) is the monitor of id with bundle dir; fills the
 * runtime fields of out. */
gboolean monitor_find_match_argv(const char *const *argv, const char *dir, const char *id,
				 MonitorFound *out);

void monitor_found_clear(MonitorFound *m);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MonitorFound, monitor_found_clear)
