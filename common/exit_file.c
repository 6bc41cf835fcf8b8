/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "exit_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"
#include "paths.h"

/* Attempts at a fresh temporary name before giving up; each name holds 64 random bits, so a
 * collision means someone is creating names in the directory as fast as they can. */
#define TEMP_NAME_TRIES 32

/*
 * ".<name>.<16 hex digits>.tmp": unpredictable, so nobody can plant a file, directory or
 * symlink at it ahead of time. name is cut so the whole stays one valid file name: any id up
 * to NAME_MAX bytes must still get its exit file.
 */
static char *temp_name(const char *name)
{
	guint64 r;
	const gsize suffix_len = 1 + 16 + 4;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = ((guint64)g_random_int() << 32) | g_random_int();
	int keep = (int)MIN(strlen(name), NAME_MAX - 1 - suffix_len);
	return g_strdup_printf(".%.*s.%016" G_GINT64_MODIFIER "x.tmp", keep, name, r);
}

/* An unnamed file in dfd's filesystem holding data, or -1 where O_TMPFILE is unsupported
 * (or anything else fails: the named fallback then reports the real error). */
static int create_unnamed(int dfd, const char *data, gsize len)
{
	vigil_autofd int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0 || fd_write_all(fd, data, len, NULL) < 0)
		return -1;
	return g_steal_fd(&fd);
}

/* Give the unnamed fd the name tmp. AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, which a
 * rootless monitor lacks; the /proc link works for any owner. Returns 0 or errno. */
static int link_unnamed(int fd, int dfd, const char *tmp)
{
	if (linkat(fd, "", dfd, tmp, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == EEXIST)
		return EEXIST;
	char proc[64];
	g_snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
}

/* A new file at a fresh temporary name holding data; the name goes to *out_tmp. Nothing at
 * the temporary name is ever opened, followed or overwritten: O_EXCL and linkat() fail on
 * any existing entry, symlinks included, and a fresh name is drawn. */
static gboolean create_temp(int dfd, const char *dir, const char *name, const char *data, gsize len,
			    ExitFileFlags flags, char **out_tmp, GError **error)
{
	vigil_autofd int unnamed = -1;

	if (!(flags & EXIT_FILE_NO_TMPFILE))
		unnamed = create_unnamed(dfd, data, len);
	for (int i = 0; i < TEMP_NAME_TRIES; i++) {
		g_autofree char *tmp = temp_name(name);
		if (unnamed >= 0) {
			int err = link_unnamed(unnamed, dfd, tmp);
			if (err == 0) {
				*out_tmp = g_steal_pointer(&tmp);
				return TRUE;
			}
			if (err == EEXIST)
				continue;
			/* No /proc, or a filesystem that cannot link: write it under a name. */
			vigil_clear_fd(&unnamed);
		}
		vigil_autofd int fd = openat(
			dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return vigil_throw_errno(error, "create '%s/%s'", dir, tmp);
		int r = fd_write_all(fd, data, len, NULL);
		if (r < 0) {
			(void)unlinkat(dfd, tmp, 0);
			return vigil_throw_errsv(error, -r, "write '%s/%s'", dir, tmp);
		}
		*out_tmp = g_steal_pointer(&tmp);
		return TRUE;
	}
	return vigil_throw(error, EEXIST,
			   "create a temporary file for '%s/%s': every name tried exists", dir,
			   name);
}

gboolean exit_file_write_data(const char *dir, const char *name, const char *data, gsize len,
			      ExitFileFlags flags, GError **error)
{
	vigil_autofd int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_autofree char *tmp = NULL;

	if (dfd < 0)
		return vigil_throw_errno(error, "open directory '%s'", dir);
	if (!create_temp(dfd, dir, name, data, len, flags, &tmp, error))
		return FALSE;
	/* rename() replaces whatever holds the name (an older exit file, a symlink, which it
	 * does not follow) in one step, so readers see the old entry or the whole new file. */
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
	return exit_file_write_data(dir, name, buf, (gsize)n, 0, error);
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
	/* Written like an exit file: whatever was planted at "oom" (a symlink, a FIFO that
	 * would block an open for writing) is replaced, never followed or opened. */
	return exit_file_write_data(dir, "oom", "", 0, 0, error);
}
