/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/control.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * Decoding what a monitor answers on its control socket (docs/control.md) into the
 * library's types. Pure functions of parsed objects: a member missing or of the wrong type
 * is EPROTO naming it, so a monitor that breaks the protocol is reported, not guessed at.
 */

typedef enum {
	CONTROL_STATUS_STARTING, /* the runtime has not reported a pid yet */
	CONTROL_STATUS_RUNNING,  /* created, running or paused: the record says which */
	CONTROL_STATUS_EXITED,
} ControlStatus;

typedef struct {
	ControlStatus status;
	int pid; /* 0 = not known */
	/* Set once exited: the code written to the exit file. */
	gboolean has_exit_code;
	int exit_code;
	gboolean oom_killed;
	gint64 exited_at; /* Unix µs; 0 = not known */
} ControlState;

/* The "state" member of a state reply. */
gboolean control_msg_state(JsonObject *reply, ControlState *out, GError **error);

/* A wait reply, or an exit event: the exit code, and whether the OOM killer ended it. */
gboolean control_msg_exit(JsonObject *o, int *out_code, gboolean *out_oom_killed,
			  gint64 *out_exited_at, GError **error);

/* The "stats" member of a stats reply. */
gboolean control_msg_stats(JsonObject *reply, VigilStats *out, GError **error);

/* An event line ({"event": ...}). A new VigilEvent, or NULL (EPROTO). */
VigilEvent *control_msg_event(JsonObject *line, GError **error);

/* An RFC 3339 time as Unix µs; 0 if s is NULL or no such time. */
gint64 control_msg_time(const char *s);
