/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * OOM kills of the container's memory cgroup (docs/conmon-contract.md, "OOM files"). When one is
 * seen the empty marker "oom" is created in every directory of oom_dirs (conmon: --persist-dir and
 * the bundle); podman sets State.OOMKilled from it, so it must exist before the exit file does: the
 * monitor calls oom_watch_finish() before writing the exit files.
 *
 *   cgroup v1: an eventfd registered on memory.oom_control through cgroup.event_control.
 *   cgroup v2: inotify IN_MODIFY on memory.events, comparing the "oom" and "oom_kill"
 *              counters with their values when the watch started. No polling timer.
 *
 * Unlike conmon, a memory.events change that is not an OOM (high/max moving) keeps the watch
 * (docs/conmon-contract.md, "What vigilmon does differently on purpose"), and the baselines are
 * read at start, so an exec session in a container that was OOM-killed before does not report an
 * OOM of its own.
 */
typedef struct _OomWatch OomWatch;

typedef enum {
	OOM_CGROUP_V1,
	OOM_CGROUP_V2,
} OomCgroupKind;

/*
 * Watch the memory cgroup of pid. Never fails the monitor: if the cgroup cannot be found or
 * watched the reason is logged and a watch that sees nothing is returned.
 */
OomWatch *oom_watch_new(GMainContext *ctx, pid_t pid, const char *const *oom_dirs);

/* Watch the cgroup directory cgroup_dir of the given kind (the part oom_watch_new() resolves
 * from /proc; tests point it at a directory of their own). */
OomWatch *oom_watch_new_at(GMainContext *ctx, OomCgroupKind kind, const char *cgroup_dir,
			   const char *const *oom_dirs, GError **error);

/* The final check after the container exited (an OOM kill and the SIGCHLD it causes race):
 * look once more, create the oom files if needed, stop watching. TRUE if an OOM was seen. */
gboolean oom_watch_finish(OomWatch *watch);

/* Called once, when an OOM is seen, after the oom files were created (the control socket's
 * "oom" event). */
typedef void (*OomSeenFunc)(gpointer user_data);
void oom_watch_set_func(OomWatch *watch, OomSeenFunc func, gpointer user_data);

/* TRUE once an OOM was seen (and the oom files were created). */
gboolean oom_watch_seen(OomWatch *watch);

void oom_watch_free(OomWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OomWatch, oom_watch_free)

/*
 * From the text of /proc/<pid>/cgroup: the memory controller's path (v1, the line whose
 * controller list holds "memory") or the unified path (v2, the "0::" line). NULL if absent.
 */
char *oom_cgroup_path_from_proc(const char *proc_cgroup, OomCgroupKind kind);

/* Parse memory.events text: the "oom" and "oom_kill" counters (0 when a line is missing). */
void oom_parse_memory_events(const char *text, guint64 *out_oom, guint64 *out_oom_kill);
