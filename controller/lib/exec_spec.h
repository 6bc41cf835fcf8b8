/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <vigil/options.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * The OCI process JSON of an exec session (the runtime's `exec --process FILE`): the
 * container's process with the session's args, env (merged, the session's win), cwd, user,
 * added capabilities and terminal.
 */

typedef struct {
	guint uid;
	guint gid;
	GArray *additional_gids; /* guint; NULL if none */
} ExecUser;

void exec_user_clear(ExecUser *u);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ExecUser, exec_user_clear)

/*
 * Resolve "user[:group]" as runc's exec --user would take it, with names looked up in the
 * container's /etc/passwd and /etc/group (opened inside rootfs: their symlinks cannot point
 * out of it). A user given without a group gets its passwd group (0 if unknown), and a named
 * user its supplementary groups. EINVAL "user 'x' not found in the container".
 */
gboolean exec_user_resolve(const char *rootfs, const char *spec, ExecUser *out, GError **error);

/* Build the process object. container_process is the container's (not modified); rootfs is
 * used to resolve names. tty_fd >= 0 gives the initial console size. */
JsonNode *exec_spec_build(JsonObject *container_process, const char *rootfs,
			  const VigilExecOptions *o, int tty_fd, GError **error);
