/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "rotate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"

/* conmon 2.1.13 and later create log files 0640 (0600 before); podman reads them as root. */
#define ROTATE_FILE_MODE 0640

int rotate_open_append(int dirfd, const char *base, gboolean nofollow)
{
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY;

	return openat(dirfd, base, flags | (nofollow ? O_NOFOLLOW : 0), ROTATE_FILE_MODE);
}

/* A brand-new <base><suffix>: a leftover from a crash is removed, a symlink never followed. */
static int create_fresh(int dirfd, const char *name, GError **error)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) {
		vigil_throw_errno(error, "remove stale %s", name);
		return -1;
	}
	int fd = openat(dirfd, name,
			O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
			ROTATE_FILE_MODE);
	if (fd < 0)
		vigil_throw_errno(error, "create %s", name);
	return fd;
}

int rotate_recreate(int dirfd, const char *base, GError **error)
{
	g_autofree char *tmp = g_strconcat(base, ".tmp", NULL);
	vigil_autofd int fd = create_fresh(dirfd, tmp, error);

	if (fd < 0)
		return -1;
	if (renameat(dirfd, tmp, dirfd, base) < 0) {
		vigil_throw_errno(error, "rename %s to %s", tmp, base);
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return g_steal_fd(&fd);
}

static char *backup_name(const char *base, int n)
{
	return g_strdup_printf("%s.%d", base, n);
}

/*
 * Backups numbered beyond keep, left by an earlier run with a larger --log-max-files: conmon
 * leaves them forever (docs/logging.md, "Size limits and rotation"); here the directory holds
 * exactly keep backups.
 */
static void remove_old_backups(int dirfd, const char *base, int keep)
{
	gsize base_len = strlen(base);
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		const char *n = de->d_name;
		guint64 num;
		if (strncmp(n, base, base_len) != 0 || n[base_len] != '.' ||
		    !g_ascii_isdigit(n[base_len + 1]) ||
		    !g_ascii_string_to_unsigned(n + base_len + 1, 10, 1, G_MAXINT, &num, NULL))
			continue;
		if (num > (guint64)keep && unlinkat(dirfd, n, 0) < 0 && errno != ENOENT)
			g_warning("log rotation: remove %s: %s", n, g_strerror(errno));
	}
	closedir(dir);
}

int rotate_shift(int dirfd, const char *base, int keep, GError **error)
{
	g_autofree char *fresh_name = g_strconcat(base, ".new", NULL);
	g_autofree char *first = backup_name(base, 1);
	vigil_autofd int fd = create_fresh(dirfd, fresh_name, error);

	if (fd < 0)
		return -1;
	/* Oldest first, so every rename goes to a free (or expendable) name. */
	for (int i = keep - 1; i >= 1; i--) {
		g_autofree char *from = backup_name(base, i);
		g_autofree char *to = backup_name(base, i + 1);
		if (renameat(dirfd, from, dirfd, to) < 0 && errno != ENOENT)
			g_warning("log rotation: rename %s to %s: %s", from, to, g_strerror(errno));
	}
	remove_old_backups(dirfd, base, keep);
	(void)unlinkat(dirfd, first, 0);
	if (linkat(dirfd, base, dirfd, first, 0) < 0) {
		/* ENOENT: someone (kubelet) already moved the file away; just start a new one.
		 * Filesystems without hard links: rename, leaving <base> briefly missing. */
		if (errno != ENOENT && renameat(dirfd, base, dirfd, first) < 0 && errno != ENOENT) {
			vigil_throw_errno(error, "rename %s to %s", base, first);
			(void)unlinkat(dirfd, fresh_name, 0);
			return -1;
		}
	}
	if (renameat(dirfd, fresh_name, dirfd, base) < 0) {
		vigil_throw_errno(error, "rename %s to %s", fresh_name, base);
		(void)unlinkat(dirfd, fresh_name, 0);
		return -1;
	}
	return g_steal_fd(&fd);
}

gboolean rotate_check_allowlist(const char *dir, char *const *allowlist, GError **error)
{
	g_autofree char *real = realpath(dir, NULL);

	if (real == NULL)
		return vigil_throw_errno(error, "Failed to resolve log directory %s", dir);
	for (char *const *a = allowlist; a != NULL && *a != NULL; a++) {
		g_autofree char *allowed = realpath(*a, NULL);
		if (allowed == NULL)
			continue;
		gsize n = strlen(allowed);
		if (strncmp(real, allowed, n) == 0 &&
		    (real[n] == '\0' || real[n] == '/' || g_str_equal(allowed, "/")))
			return TRUE;
	}
	return vigil_throw(error, EPERM,
			   "Log directory %s is not inside any --log-allowlist-dir directory",
			   real);
}
