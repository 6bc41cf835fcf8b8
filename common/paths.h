/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <glib.h>

/*
 * Paths the monitor builds from what the engine passed: id validation, the attach socket's
 * short-path symlink (docs/conmon-contract.md, "Attach socket paths") and binding sockets whose
 * full path is longer than sun_path allows. Nothing here keeps state.
 */

/* The longest path that fits in sun_path with its terminating NUL (107 on Linux). */
#define PATHS_SUN_PATH_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/*
 * TRUE if id can name one file in a shared directory: not empty, at most NAME_MAX bytes, no
 * '/', not "." or "..". Otherwise EINVAL with "<what> '<id>' is not a valid file name".
 */
gboolean paths_validate_id(const char *id, const char *what, GError **error);

/*
 * The name of the attach symlink inside socket_dir for cuuid (docs/conmon-contract.md,
 * "Attach socket paths"): cuuid itself, except that when "<socket_dir>/<cuuid>" is exactly
 * PATHS_SUN_PATH_MAX bytes long its last byte is dropped. Compat: conmon does this so the symlink
 * path never equals the longest socket path, and engines that predict the name depend on it.
 * Returns NULL with EINVAL if cuuid is not a valid id or nothing would be left of it.
 */
char *paths_attach_symlink_name(const char *socket_dir, const char *cuuid, GError **error);

/* Open a directory as an O_PATH|O_DIRECTORY|O_CLOEXEC handle for the *at() calls. */
int paths_open_dir(const char *path, GError **error);

/*
 * Fill addr with a path that names "name" inside the directory dirfd refers to, however long
 * that directory's own path is: "/proc/self/fd/<dirfd>/<name>" (how conmon binds and podman
 * connects). *out_len is the length to pass to bind()/connect(). ENAMETOOLONG if name
 * itself is too long.
 */
gboolean paths_sockaddr_at(int dirfd, const char *name, struct sockaddr_un *addr,
			   socklen_t *out_len, GError **error);

/*
 * Make dirfd/name a symlink to target, replacing whatever non-directory entry had that name
 * (a stale link of an earlier run of the same container).
 */
gboolean paths_replace_symlink(int dirfd, const char *name, const char *target, GError **error);

/* Remove dirfd/name only if it is still a symlink to target (nobody replaced it since).
 * TRUE if removed; FALSE (no error) if it was gone or is someone else's now. */
gboolean paths_remove_symlink_if(int dirfd, const char *name, const char *target);
