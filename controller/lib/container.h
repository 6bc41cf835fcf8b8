/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/runtime.h>

#include <glib.h>

/*
 * The container record: what state.json holds (state_record.c) and what the public
 * VigilContainer getters show. Paths are absolute.
 */
struct _VigilContainer {
	char *id;
	char *name;
	char *bundle;    /* the user's bundle */
	char *state_dir; /* <root>/<id>: also the monitor's and the runtime's bundle */
	char *runtime;   /* the runtime's path */
	char *runtime_root;
	char *monitor; /* the monitor binary that was started */
	VigilStatus status;
	int pid;
	int monitor_pid;
	guint64 monitor_start; /* /proc/<pid>/stat starttime: tells a reused pid apart */
	gboolean has_exit_code;
	int exit_code;
	gboolean oom_killed;
	gboolean terminal;
	gboolean stdin_;
	int stop_signal;
	char *exit_dir;
	char *persist_dir;
	char *log_driver; /* "k8s-file" / "json-file", or NULL when no file is kept */
	char *log_path;
	gint64 created; /* Unix µs */
	gint64 started;
	gint64 finished;
};

VigilContainer *container_new(const char *id, const char *state_dir);

/* Status names as stored and shown; container_status_parse returns UNKNOWN for others. */
VigilStatus container_status_parse(const char *s);

/* A locked container: the record as the lock holder sees it. */
typedef struct {
	VigilRuntime *rt;
	VigilContainer *ctr; /* its state_dir is the locked directory */
	int lock_fd;
} ContainerHandle;

/*
 * Lock container id under rt's root, load its record and bring it up to date (status.c,
 * with flags), saving it if that changed anything. ENOENT if there is no such container.
 */
ContainerHandle *container_open(VigilRuntime *rt, const char *id, VigilUpdateFlags flags,
				GError **error);
/* Write the record (atomically). */
gboolean container_save(ContainerHandle *h, GError **error);
/* Unlock and free. */
void container_handle_free(ContainerHandle *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ContainerHandle, container_handle_free)

/* <state_dir>/<name> */
char *container_file(const VigilContainer *ctr, const char *name);
/* The exit file: <exit_dir>/<id> */
char *container_exit_file(const VigilContainer *ctr);
