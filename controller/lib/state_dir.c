/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "state_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"

#define ID_MAX 128

gboolean state_id_validate(const char *id, const char *what, GError **error)
{
	gsize len = id != NULL ? strlen(id) : 0;

	if (len == 0)
		return vigil_throw(error, EINVAL, "%s must not be empty", what);
	if (len > ID_MAX)
		return vigil_throw(error, EINVAL,
				   "%s '%.32s...' is not valid: longer than %d bytes", what, id,
				   ID_MAX);
	if (id[0] == '.' || id[0] == '-')
		return vigil_throw(error, EINVAL, "%s '%s' is not valid: it starts with '%c'", what,
				   id, id[0]);
	for (const char *p = id; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("_.+-", *p) == NULL)
			return vigil_throw(error, EINVAL,
					   "%s '%s' is not valid: only letters, digits and _.+- "
					   "are allowed",
					   what, id);
	}
	return TRUE;
}

char *state_dir_path(const char *root, const char *id)
{
	return g_build_filename(root, id, NULL);
}

gboolean state_dir_is_container(const char *dir)
{
	g_autofree char *lock = g_build_filename(dir, STATE_LOCK, NULL);

	return g_file_test(lock, G_FILE_TEST_IS_REGULAR);
}

int state_dir_create_locked(const char *root, const char *id, GError **error)
{
	g_autofree char *dir = state_dir_path(root, id);
	g_autofree char *tmp = g_build_filename(root, ".new-XXXXXX", NULL);
	g_autofree char *lock_path = NULL;
	vigil_autofd int fd = -1;

	if (g_mkdir_with_parents(root, 0700) < 0) {
		vigil_throw_errno(error, "create the state root '%s'", root);
		return -1;
	}
	if (g_mkdtemp_full(tmp, 0700) == NULL) {
		vigil_throw_errno(error, "create a directory in '%s'", root);
		return -1;
	}
	lock_path = g_build_filename(tmp, STATE_LOCK, NULL);
	fd = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 ||
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) < 0) {
		int errsv = errno;
		(void)state_dir_remove(tmp, NULL);
		if (errsv == EEXIST)
			vigil_throw(error, EEXIST, "container '%s' already exists", id);
		else
			vigil_throw_errsv(error, errsv, "create '%s'", dir);
		return -1;
	}
	return g_steal_fd(&fd);
}

int state_dir_lock(const char *dir, const char *id, GError **error)
{
	g_autofree char *path = g_build_filename(dir, STATE_LOCK, NULL);
	vigil_autofd int fd = -1;
	struct stat held, now;

	/* Never created here (state_dir_is_container()). */
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			vigil_throw(error, ENOENT, "no such container '%s'", id);
		else
			vigil_throw_errno(error, "open the lock of container '%s'", id);
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			vigil_throw_errno(error, "lock container '%s'", id);
			return -1;
		}
	}
	/* The holder we waited for may have deleted the container (and a new one may exist
	 * under the same name): only the lock file still at that path counts. */
	if (fstat(fd, &held) < 0 || stat(path, &now) < 0 || held.st_ino != now.st_ino ||
	    held.st_dev != now.st_dev) {
		vigil_throw(error, ENOENT, "no such container '%s'", id);
		return -1;
	}
	return g_steal_fd(&fd);
}

static gboolean remove_at(int dirfd, const char *name, GError **error);

static gboolean remove_children(int fd, const char *what, GError **error)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	gboolean ok = TRUE;

	if (d == NULL) {
		int errsv = errno;
		close(fd);
		return vigil_throw_errsv(error, errsv, "read '%s'", what);
	}
	while (ok && (errno = 0, e = readdir(d)) != NULL) {
		if (g_str_equal(e->d_name, ".") || g_str_equal(e->d_name, ".."))
			continue;
		ok = remove_at(dirfd(d), e->d_name, error);
	}
	closedir(d);
	return ok;
}

static gboolean remove_at(int dirfd, const char *name, GError **error)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return TRUE;
	if (errno != EISDIR && errno != EPERM)
		return vigil_throw_errno(error, "remove '%s'", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TRUE : vigil_throw_errno(error, "open '%s'", name);
	if (!remove_children(fd, name, error))
		return FALSE;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "remove '%s'", name);
	return TRUE;
}

gboolean state_dir_remove(const char *dir, GError **error)
{
	g_autofree char *parent = g_path_get_dirname(dir);
	g_autofree char *base = g_path_get_basename(dir);
	vigil_autofd int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (pfd < 0)
		return errno == ENOENT ? TRUE : vigil_throw_errno(error, "open '%s'", parent);
	if (!remove_at(pfd, base, error)) {
		g_prefix_error(error, "remove '%s': ", dir);
		return FALSE;
	}
	return TRUE;
}

char *state_dir_retire(const char *root, const char *id, GError **error)
{
	g_autofree char *dir = state_dir_path(root, id);

	for (int tries = 0; tries < 100; tries++) {
		g_autofree char *name =
			g_strdup_printf(STATE_TOMBSTONE_PREFIX "%s.%08x", id, g_random_int());
		g_autofree char *tomb = g_build_filename(root, name, NULL);

		if (renameat2(AT_FDCWD, dir, AT_FDCWD, tomb, RENAME_NOREPLACE) == 0)
			return g_steal_pointer(&tomb);
		if (errno != EEXIST) {
			vigil_throw_errno(error, "move '%s' out of the way", dir);
			return NULL;
		}
	}
	vigil_throw(error, EEXIST, "move '%s' out of the way: no free name", dir);
	return NULL;
}

void state_dir_sweep_tombstones(const char *root)
{
	g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = NULL;
		g_autoptr(GError) local = NULL;

		if (!g_str_has_prefix(name, STATE_TOMBSTONE_PREFIX))
			continue;
		path = g_build_filename(root, name, NULL);
		if (!state_dir_remove(path, &local))
			g_debug("%s", local->message);
	}
}
