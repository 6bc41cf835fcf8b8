/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_util.h"

gboolean paths_validate_id(const char *id, const char *what, GError **error)
{
	if (id == NULL || *id == '\0' || strlen(id) > NAME_MAX || strchr(id, '/') != NULL ||
	    g_str_equal(id, ".") || g_str_equal(id, ".."))
		return vigil_throw(error, EINVAL, "%s '%s' is not a valid file name", what,
				   id != NULL ? id : "");
	return TRUE;
}

char *paths_attach_symlink_name(const char *socket_dir, const char *cuuid, GError **error)
{
	if (!paths_validate_id(cuuid, "Container UUID", error))
		return NULL;

	g_autofree char *full = g_build_filename(socket_dir, cuuid, NULL);
	g_autofree char *name = g_strdup(cuuid);
	/* Compat (docs/conmon-contract.md, "Attach socket paths"): the 107-byte corner case.
	 * Measured on the joined path, as conmon does, so a socket dir written with a trailing '/'
	 * counts the same. */
	if (strlen(full) == PATHS_SUN_PATH_MAX)
		name[strlen(name) - 1] = '\0';
	if (*name == '\0' || g_str_equal(name, ".") || g_str_equal(name, ".."))
		return vigil_throw(
			       error, EINVAL,
			       "Container UUID '%s' leaves no name for the attach symlink in %s",
			       cuuid, socket_dir),
		       NULL;
	return g_steal_pointer(&name);
}

int paths_open_dir(const char *path, GError **error)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return vigil_throw_errno(error, "open directory %s", path), -1;
	return fd;
}

gboolean paths_sockaddr_at(int dirfd, const char *name, struct sockaddr_un *addr,
			   socklen_t *out_len, GError **error)
{
	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	int n = snprintf(addr->sun_path, sizeof addr->sun_path, "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (gsize)n > PATHS_SUN_PATH_MAX)
		return vigil_throw(error, ENAMETOOLONG, "socket name '%s' is too long", name);
	*out_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (gsize)n + 1);
	return TRUE;
}

gboolean paths_replace_symlink(int dirfd, const char *name, const char *target, GError **error)
{
	if (symlinkat(target, dirfd, name) == 0)
		return TRUE;
	if (errno != EEXIST)
		return vigil_throw_errno(error, "create symlink %s -> %s", name, target);
	/* A leftover of an earlier run: the name belongs to this container (cuuid), so it is
	 * ours to replace. unlinkat() without AT_REMOVEDIR leaves a directory alone. */
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "remove existing %s", name);
	if (symlinkat(target, dirfd, name) < 0)
		return vigil_throw_errno(error, "create symlink %s -> %s", name, target);
	return TRUE;
}

gboolean paths_remove_symlink_if(int dirfd, const char *name, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);

	if (n < 0 || (gsize)n != strlen(target) || memcmp(buf, target, (gsize)n) != 0)
		return FALSE;
	return unlinkat(dirfd, name, 0) == 0;
}
