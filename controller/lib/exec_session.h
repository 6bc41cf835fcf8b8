/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

#include "container.h"

/*
 * An exec session: <state dir>/exec/<session id>/ is its monitor's bundle, so its attach
 * socket, ctl FIFO, pid file, exit file (exits/<container id>), process.json and record
 * (session.json) are all in there, and cleanup is removing the directory.
 */
#define SESSION_RECORD "session.json"
#define SESSION_SPEC   "process.json"

typedef struct {
	char *id;
	char *dir;
	int pid; /* the session's process; 0 until known */
	int monitor_pid;
	guint64 monitor_start;
	gboolean terminal;
} ExecSession;

char *exec_session_dir(const VigilContainer *ctr, const char *session_id);
ExecSession *exec_session_new(const VigilContainer *ctr, const char *session_id);
void exec_session_free(ExecSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExecSession, exec_session_free)

gboolean exec_session_save(const ExecSession *s, GError **error);

/* Load the session's record; ENOENT "no exec session" if it does not exist. Without a record
 * (its caller died early), what the pid files say. */
ExecSession *exec_session_load(const VigilContainer *ctr, const char *session_id, GError **error);

/* The session's exit file directory. */
char *exec_session_exit_dir(const ExecSession *s);

/* TRUE while the session's monitor runs. */
gboolean exec_session_running(const ExecSession *s);
