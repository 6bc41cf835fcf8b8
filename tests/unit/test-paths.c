/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "error_util.h"
#include "fdutil.h"
#include "paths.h"

typedef struct {
	char *dir;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
	f->dir = g_build_filename(g_get_tmp_dir(), "paths-XXXXXX", NULL);
	g_assert_nonnull(g_mkdtemp(f->dir));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	const char *argv[] = { "rm", "-rf", f->dir, NULL };

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
	g_free(f->dir);
}

static void assert_invalid_id(const char *id, const char *message)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(paths_validate_id(id, "Container UUID", &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_assert_cmpstr(error->message, ==, message);
}

static void test_validate_id(void)
{
	g_autofree char *longest = g_strnfill(NAME_MAX, 'a');
	g_autofree char *too_long = g_strnfill(NAME_MAX + 1, 'a');

	g_assert_true(paths_validate_id("abc", "id", NULL));
	g_assert_true(paths_validate_id("a.b-c_d", "id", NULL));
	g_assert_true(paths_validate_id("...", "id", NULL));
	g_assert_true(paths_validate_id(longest, "id", NULL));
	assert_invalid_id("", "Container UUID '' is not a valid file name");
	assert_invalid_id(NULL, "Container UUID '' is not a valid file name");
	assert_invalid_id(".", "Container UUID '.' is not a valid file name");
	assert_invalid_id("..", "Container UUID '..' is not a valid file name");
	assert_invalid_id("a/b", "Container UUID 'a/b' is not a valid file name");
	assert_invalid_id("../../etc", "Container UUID '../../etc' is not a valid file name");
	g_assert_false(paths_validate_id(too_long, "id", NULL));
}

static void test_symlink_name(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *name = paths_attach_symlink_name("/var/run/crio", "abc", &error);

	g_assert_no_error(error);
	g_assert_cmpstr(name, ==, "abc");
	/* a trailing '/' on the directory changes nothing */
	g_autofree char *again = paths_attach_symlink_name("/var/run/crio/", "abc", &error);
	g_assert_cmpstr(again, ==, "abc");

	g_assert_null(paths_attach_symlink_name("/var/run/crio", "a/b", &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
}

static void test_symlink_name_corner(void)
{
	g_test_summary("Compat: a <socket-dir>/<cuuid> of exactly 107 bytes loses its last byte");
	g_autoptr(GError) error = NULL;
	const char *dir = "/run/s";
	/* "/run/s/" is 7 bytes; a cuuid of 100 makes the joined path exactly 107 */
	g_autofree char *cuuid = g_strnfill(PATHS_SUN_PATH_MAX - 7, 'c');
	g_autofree char *shorter = g_strnfill(PATHS_SUN_PATH_MAX - 8, 'c');
	g_autofree char *longer = g_strnfill(PATHS_SUN_PATH_MAX - 6, 'c');

	g_assert_cmpuint(PATHS_SUN_PATH_MAX, ==, 107);
	g_autofree char *a = paths_attach_symlink_name(dir, cuuid, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(a, ==, shorter);
	/* one byte shorter or longer: unchanged */
	g_autofree char *b = paths_attach_symlink_name(dir, shorter, &error);
	g_assert_cmpstr(b, ==, shorter);
	g_autofree char *c = paths_attach_symlink_name(dir, longer, &error);
	g_assert_cmpstr(c, ==, longer);

	/* a one-byte cuuid that would lose its only byte: refused, never the parent's name */
	g_autofree char *d104 = g_strnfill(104, 'd');
	g_autofree char *dir105 = g_strconcat("/", d104, NULL);
	g_assert_null(paths_attach_symlink_name(dir105, "x", &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_assert_true(g_str_has_prefix(error->message,
				       "Container UUID 'x' leaves no name for the attach symlink"));
	g_clear_error(&error);
	/* nor "." */
	g_autofree char *dir104 = g_strconcat("/", d104 + 1, NULL);
	g_assert_null(paths_attach_symlink_name(dir104, ".y", &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
}

static void test_sockaddr_at(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	struct sockaddr_un addr;
	socklen_t len = 0;
	vigil_autofd int dirfd = paths_open_dir(f->dir, &error);

	g_assert_no_error(error);
	g_assert_cmpint(dirfd, >=, 0);
	g_assert_true(paths_sockaddr_at(dirfd, "attach", &addr, &len, &error));
	g_autofree char *want = g_strdup_printf("/proc/self/fd/%d/attach", dirfd);
	g_assert_cmpstr(addr.sun_path, ==, want);
	g_assert_cmpuint(len, ==, offsetof(struct sockaddr_un, sun_path) + strlen(want) + 1);

	/* binding through it creates the socket inside the directory */
	vigil_autofd int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(sock, (struct sockaddr *)&addr, len), ==, 0);
	g_autofree char *path = g_build_filename(f->dir, "attach", NULL);
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));

	g_autofree char *huge = g_strnfill(100, 'n');
	g_assert_false(paths_sockaddr_at(dirfd, huge, &addr, &len, &error));
	g_assert_error(error, VIGIL_ERROR, ENAMETOOLONG);

	g_clear_error(&error);
	g_autofree char *missing = g_build_filename(f->dir, "nope", NULL);
	g_assert_cmpint(paths_open_dir(missing, &error), ==, -1);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

static void test_symlinks(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	vigil_autofd int dirfd = paths_open_dir(f->dir, &error);
	g_autofree char *link = g_build_filename(f->dir, "cuuid", NULL);
	char buf[256];

	g_assert_true(paths_replace_symlink(dirfd, "cuuid", "/some/bundle", &error));
	g_assert_no_error(error);
	ssize_t n = readlink(link, buf, sizeof buf);
	g_assert_cmpmem(buf, n, "/some/bundle", 12);

	/* a stale link of an earlier run is replaced */
	g_assert_true(paths_replace_symlink(dirfd, "cuuid", "/other/bundle", &error));
	n = readlink(link, buf, sizeof buf);
	g_assert_cmpmem(buf, n, "/other/bundle", 13);

	/* removed only while it still points where we made it point */
	g_assert_false(paths_remove_symlink_if(dirfd, "cuuid", "/some/bundle"));
	g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	g_assert_true(paths_remove_symlink_if(dirfd, "cuuid", "/other/bundle"));
	g_assert_false(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	g_assert_false(paths_remove_symlink_if(dirfd, "cuuid", "/other/bundle"));

	/* a directory of that name is never removed */
	g_assert_cmpint(g_mkdir(link, 0700), ==, 0);
	g_assert_false(paths_replace_symlink(dirfd, "cuuid", "/x", &error));
	g_assert_nonnull(error);
	g_assert_true(g_file_test(link, G_FILE_TEST_IS_DIR));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/paths/validate-id", test_validate_id);
	g_test_add_func("/paths/symlink-name", test_symlink_name);
	g_test_add_func("/paths/symlink-name-107", test_symlink_name_corner);
	g_test_add("/paths/sockaddr-at", Fixture, NULL, fixture_setup, test_sockaddr_at,
		   fixture_teardown);
	g_test_add("/paths/symlinks", Fixture, NULL, fixture_setup, test_symlinks,
		   fixture_teardown);
	return g_test_run();
}
