/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exit_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fdutil.h"
#include "paths.h"

static gboolean write_atomic(const char *dir, const char *name, const char *data, gsize len,
			     GError **error)
{
	vigil_autofd int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return vigil_throw_errno(error, "open directory '%s'", dir);

	/* ".<name>.<pid>.tmp", with name cut so the whole stays one valid file name: any id
	 * up to NAME_MAX bytes must still get its exit file. One writer per pid, so cutting
	 * cannot make two concurrent writers share a temp file. */
	g_autofree char *suffix = g_strdup_printf(".%u.tmp", (unsigned)getpid());
	int keep = (int)MIN(strlen(name), NAME_MAX - 1 - strlen(suffix));
	g_autofree char *tmp = g_strdup_printf(".%.*s%s", keep, name, suffix);
	vigil_autofd int fd =
		openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vigil_throw_errno(error, "create '%s/%s'", dir, tmp);

	int r = fd_write_all(fd, data, len, NULL);
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return vigil_throw_errsv(error, -r, "write '%s/%s'", dir, tmp);
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		int errsv = errno;
		(void)unlinkat(dfd, tmp, 0);
		return vigil_throw_errsv(error, errsv, "rename '%s/%s'", dir, name);
	}
	return TRUE;
}

gboolean exit_file_sync(const char *dir, const char *name, GError **error)
{
	vigil_autofd int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return vigil_throw_errno(error, "open directory '%s'", dir);
	vigil_autofd int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vigil_throw_errno(error, "open '%s/%s'", dir, name);
	if (fsync(fd) < 0)
		return vigil_throw_errno(error, "fsync '%s/%s'", dir, name);
	/* The rename must survive a crash too, or a reboot may show no exit file. */
	if (fsync(dfd) < 0)
		return vigil_throw_errno(error, "fsync directory '%s'", dir);
	return TRUE;
}

gboolean exit_file_write(const char *dir, const char *name, int status, GError **error)
{
	char buf[16];
	int n = g_snprintf(buf, sizeof buf, "%d", status);

	if (!paths_validate_id(name, "exit file name", error))
		return FALSE;
	return write_atomic(dir, name, buf, (gsize)n, error);
}

gboolean exit_file_parse(const char *buf, gsize len, int *out_status, GError **error)
{
	g_autofree char *s = g_strndup(buf, len);
	char *end = NULL;

	g_strstrip(s);
	if (*s == '\0')
		return vigil_throw(error, EINVAL, "exit file is empty");
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < INT_MIN || v > INT_MAX)
		return vigil_throw(error, EINVAL, "exit file holds '%s', not an exit code", s);
	*out_status = (int)v;
	return TRUE;
}

gboolean exit_file_read(const char *path, int *out_status, GError **error)
{
	vigil_autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vigil_throw_errno(error, "open '%s'", path);

	char buf[64];
	gssize n = fd_read_once(fd, buf, sizeof buf);
	if (n < 0)
		return vigil_throw_errsv(error, (int)-n, "read '%s'", path);
	if (!exit_file_parse(buf, (gsize)n, out_status, error)) {
		g_prefix_error(error, "'%s': ", path);
		return FALSE;
	}
	return TRUE;
}

gboolean oom_file_create(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "oom", NULL);
	vigil_autofd int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return vigil_throw_errno(error, "create '%s'", path);
	return TRUE;
}
