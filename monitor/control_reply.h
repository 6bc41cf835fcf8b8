/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>
#include <time.h>

#include <glib.h>

#include "cgroup_stats.h"
#include "control_req.h"

/*
 * The reply and event lines of the control socket, byte for byte as docs/control.md shows
 * them, written with common/json_writer (the monitor has no JSON library). Every function
 * appends one whole line, '\n' included, to out.
 */

typedef enum {
	CONTROL_STATUS_STARTING,
	CONTROL_STATUS_RUNNING,
	CONTROL_STATUS_EXITED,
} ControlStatus;

typedef struct {
	const char *driver; /* "k8s-file", … */
	const char *path;   /* NULL: none (journald, passthrough) */
} ControlLog;

/* What "state" and "wait" report. */
typedef struct {
	const char *id;
	gboolean exec;
	ControlStatus status;
	pid_t pid;                  /* from running on */
	struct timespec started_at; /* when the pid was known */
	gboolean oom_killed;
	int exit_code; /* exited */
	struct timespec exited_at;
	const ControlLog *logs;
	guint n_logs;
	guint attach_clients;
} ControlState;

typedef struct {
	guint64 stdout_bytes;
	guint64 stderr_bytes;
	guint64 dropped_bytes;
	guint64 rotations;
	guint attach_clients;
	gboolean have_cgroup;
	CgroupStats cgroup;
} ControlStats;

/* {"v":1[,"id":…],"ok":false,"error":{"code":code,"message":message}} */
void control_reply_error(GString *out, const ControlId *id, const char *code, const char *message);
/* {"v":1[,"id":…],"ok":true} (resize, reopen-log, subscribe) */
void control_reply_ok(GString *out, const ControlId *id);
void control_reply_version(GString *out, const ControlId *id);
void control_reply_state(GString *out, const ControlId *id, const ControlState *state);
/* The wait reply, for an exited state. */
void control_reply_wait(GString *out, const ControlId *id, const ControlState *state);
void control_reply_stats(GString *out, const ControlId *id, const ControlStats *stats);

/* {"v":1,"event":"attach"|"detach","time":…,"clients":n} */
void control_event_attach(GString *out, gboolean attached, guint clients,
			  const struct timespec *time);
/* {"v":1,"event":"oom"|"log-rotated","time":…} */
void control_event_simple(GString *out, const char *event, const struct timespec *time);
/* {"v":1,"event":"exit","time":…,"exit_code":n,"oom_killed":b}, time being exited_at */
void control_event_exit(GString *out, const ControlState *state);

/* RFC 3339 in UTC with nanoseconds: "2026-12-03T10:31:00.123456789Z". */
void control_append_time(GString *out, const struct timespec *time);
