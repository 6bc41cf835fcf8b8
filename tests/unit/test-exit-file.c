/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "error_util.h"
#include "exit_file.h"

typedef struct {
	char *dir;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("exit-file-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	const char *name;

	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(f->dir, name, NULL);
		g_remove(p);
	}
	g_rmdir(f->dir);
	g_free(f->dir);
}

static void test_write_exact_bytes(Fixture *f, gconstpointer data)
{
	static const int values[] = { 0, 3, 137, -1, 255 };
	static const char *const texts[] = { "0", "3", "137", "-1", "255" };

	for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *path = g_build_filename(f->dir, "ctr", NULL);
		g_autofree char *got = NULL;
		gsize len;
		struct stat st;

		g_assert_true(exit_file_write(f->dir, "ctr", values[i], &error));
		g_assert_no_error(error);
		g_assert_true(g_file_get_contents(path, &got, &len, NULL));
		/* podman and CRI-O parse the bare number: no newline */
		g_assert_cmpmem(got, len, texts[i], strlen(texts[i]));
		g_assert_cmpint(stat(path, &st), ==, 0);
		g_assert_cmpint(st.st_mode & 0777, ==, 0644);
	}
	/* no temp file left behind */
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	int n = 0;
	while (g_dir_read_name(d) != NULL)
		n++;
	g_assert_cmpint(n, ==, 1);
}

static void test_roundtrip(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "x", NULL);
	int status = 0;

	g_assert_true(exit_file_write(f->dir, "x", 42, &error));
	g_assert_true(exit_file_read(path, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 42);
}

static void test_sync(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(exit_file_write(f->dir, "s", 5, &error));
	g_assert_true(exit_file_sync(f->dir, "s", &error));
	g_assert_no_error(error);
	/* a file that is not there is an error, not a crash */
	g_assert_false(exit_file_sync(f->dir, "absent", &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

static void test_missing_is_enoent(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "nope", NULL);
	int status = 7;

	g_assert_false(exit_file_read(path, &status, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_assert_cmpint(status, ==, 7);
}

static void test_bad_name(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(exit_file_write(f->dir, "../escape", 0, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
}

/* Any id the monitor accepts (up to NAME_MAX bytes, one path component) gets its exit file:
 * the temporary name must fit NAME_MAX too, or podman waits for an exit that never comes. */
static void test_longest_name(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *name = g_strnfill(NAME_MAX, 'a');
	g_autofree char *path = g_build_filename(f->dir, name, NULL);
	int status = 0;

	g_assert_true(exit_file_write(f->dir, name, 137, &error));
	g_assert_no_error(error);
	g_assert_true(exit_file_read(path, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 137);
	g_assert_true(exit_file_sync(f->dir, name, &error));
	g_assert_no_error(error);
	/* and the same for a name just short of the limit, where the old scheme overflowed */
	g_autofree char *shorter = g_strnfill(NAME_MAX - 10, 'b');
	g_assert_true(exit_file_write(f->dir, shorter, 3, &error));
	g_assert_no_error(error);
	/* no temp file left behind */
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	int n = 0;
	while (g_dir_read_name(d) != NULL)
		n++;
	g_assert_cmpint(n, ==, 2);
}

static int count_entries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	int n = 0;

	while (g_dir_read_name(d) != NULL)
		n++;
	return n;
}

static void assert_file_holds(const char *dir, const char *name, const char *want)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *got = NULL;
	gsize len;

	g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
		      !g_file_test(path, G_FILE_TEST_IS_SYMLINK));
	g_assert_true(g_file_get_contents(path, &got, &len, NULL));
	g_assert_cmpmem(got, len, want, strlen(want));
}

/* Before the fix the temporary name was ".<name>.<pid>.tmp": anyone able to write into the
 * exit directory could occupy it ahead of time. A symlink or directory there made the write
 * fail (podman then waits for an exit that never comes), and a hard link to another file
 * made the monitor overwrite that file. No planted entry may matter now, on either path. */
static void test_planted_temp_name(Fixture *f, gconstpointer data)
{
	ExitFileFlags flags = GPOINTER_TO_INT(data);
	g_autofree char *old_tmp = g_strdup_printf(".ctr.%u.tmp", (unsigned)getpid());
	g_autofree char *planted = g_build_filename(f->dir, old_tmp, NULL);
	g_autofree char *victim = g_build_filename(f->dir, "victim", NULL);
	g_autofree char *outside = g_build_filename(f->dir, "outside", NULL);
	enum {
		SYMLINK,
		DANGLING,
		DIRECTORY,
		HARDLINK
	} kinds[] = { SYMLINK, DANGLING, DIRECTORY, HARDLINK };

	for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *status = g_strdup_printf("%zu", 10 + i);

		g_assert_true(g_file_set_contents(victim, "precious", -1, NULL));
		switch (kinds[i]) {
		case SYMLINK:
			g_assert_cmpint(symlink(victim, planted), ==, 0);
			break;
		case DANGLING:
			g_assert_cmpint(symlink(outside, planted), ==, 0);
			break;
		case DIRECTORY:
			g_assert_cmpint(mkdir(planted, 0755), ==, 0);
			break;
		case HARDLINK:
			g_assert_cmpint(link(victim, planted), ==, 0);
			break;
		}
		g_assert_true(
			exit_file_write_data(f->dir, "ctr", status, strlen(status), flags, &error));
		g_assert_no_error(error);
		assert_file_holds(f->dir, "ctr", status);
		assert_file_holds(f->dir, "victim", "precious");
		g_assert_false(g_file_test(outside, G_FILE_TEST_EXISTS));
		/* the planted entry, the victim, the exit file: nothing else left behind */
		g_assert_cmpint(count_entries(f->dir), ==, 3);
		g_assert_cmpint(g_remove(planted), ==, 0);
	}
}

/* A symlink at the exit file's own name is replaced, not followed: the target survives. */
static void test_symlink_at_name(Fixture *f, gconstpointer data)
{
	ExitFileFlags flags = GPOINTER_TO_INT(data);
	g_autoptr(GError) error = NULL;
	g_autofree char *victim = g_build_filename(f->dir, "victim", NULL);
	g_autofree char *link_path = g_build_filename(f->dir, "ctr", NULL);

	g_assert_true(g_file_set_contents(victim, "precious", -1, NULL));
	g_assert_cmpint(symlink(victim, link_path), ==, 0);
	g_assert_true(exit_file_write_data(f->dir, "ctr", "137", 3, flags, &error));
	g_assert_no_error(error);
	assert_file_holds(f->dir, "ctr", "137");
	assert_file_holds(f->dir, "victim", "precious");
	g_assert_cmpint(count_entries(f->dir), ==, 2);
}

/* An older exit file is replaced whole, as before, on both paths. */
static void test_replaces_existing(Fixture *f, gconstpointer data)
{
	ExitFileFlags flags = GPOINTER_TO_INT(data);
	g_autoptr(GError) error = NULL;

	g_assert_true(exit_file_write_data(f->dir, "ctr", "12345", 5, flags, &error));
	g_assert_true(exit_file_write_data(f->dir, "ctr", "0", 1, flags, &error));
	g_assert_no_error(error);
	assert_file_holds(f->dir, "ctr", "0");
	g_assert_cmpint(count_entries(f->dir), ==, 1);
	/* an unwritable directory is a clear error, not a crash */
	g_autofree char *missing = g_build_filename(f->dir, "missing", NULL);
	g_assert_false(exit_file_write_data(missing, "ctr", "0", 1, flags, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

static void test_parse(void)
{
	static const struct {
		const char *in;
		gboolean ok;
		int value;
	} cases[] = {
		{ "0", TRUE, 0 },
		{ "137\n", TRUE, 137 },
		{ " -1 ", TRUE, -1 },
		{ "", FALSE, 0 },
		{ "abc", FALSE, 0 },
		{ "12x", FALSE, 0 },
		{ "99999999999", FALSE, 0 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		int v = -12345;
		gboolean ok = exit_file_parse(cases[i].in, strlen(cases[i].in), &v, &error);
		g_assert_cmpint(ok, ==, cases[i].ok);
		if (ok)
			g_assert_cmpint(v, ==, cases[i].value);
		else
			g_assert_error(error, VIGIL_ERROR, EINVAL);
	}
}

static void test_oom_file(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "oom", NULL);

	g_assert_true(oom_file_create(f->dir, &error));
	g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	/* idempotent */
	g_assert_true(oom_file_create(f->dir, &error));
	g_assert_no_error(error);
	assert_file_holds(f->dir, "oom", "");
}

/* A symlink planted at "oom" made the marker fail (O_NOFOLLOW: ELOOP), so podman never saw
 * the OOM; a FIFO there blocked the monitor in open(). Both are replaced now. */
static void test_oom_file_planted(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "oom", NULL);
	g_autofree char *outside = g_build_filename(f->dir, "outside", NULL);

	g_assert_cmpint(symlink(outside, path), ==, 0);
	g_assert_true(oom_file_create(f->dir, &error));
	g_assert_no_error(error);
	assert_file_holds(f->dir, "oom", "");
	g_assert_false(g_file_test(outside, G_FILE_TEST_EXISTS));
	g_assert_cmpint(g_remove(path), ==, 0);

	g_assert_cmpint(mkfifo(path, 0644), ==, 0);
	g_assert_true(oom_file_create(f->dir, &error));
	g_assert_no_error(error);
	assert_file_holds(f->dir, "oom", "");
	g_assert_cmpint(count_entries(f->dir), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add("/exit-file/write-exact-bytes", Fixture, NULL, setup, test_write_exact_bytes,
		   teardown);
	g_test_add("/exit-file/sync", Fixture, NULL, setup, test_sync, teardown);
	g_test_add("/exit-file/roundtrip", Fixture, NULL, setup, test_roundtrip, teardown);
	g_test_add("/exit-file/missing-is-enoent", Fixture, NULL, setup, test_missing_is_enoent,
		   teardown);
	g_test_add("/exit-file/bad-name", Fixture, NULL, setup, test_bad_name, teardown);
	g_test_add("/exit-file/longest-name", Fixture, NULL, setup, test_longest_name, teardown);
	g_test_add("/exit-file/oom", Fixture, NULL, setup, test_oom_file, teardown);
	g_test_add("/exit-file/oom-planted", Fixture, NULL, setup, test_oom_file_planted, teardown);
	static const struct {
		const char *path;
		ExitFileFlags flags;
	} paths[] = { { "tmpfile", 0 }, { "named", EXIT_FILE_NO_TMPFILE } };
	for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
		gconstpointer flags = GINT_TO_POINTER(paths[i].flags);
		g_autofree char *planted =
			g_strdup_printf("/exit-file/%s/planted-temp-name", paths[i].path);
		g_autofree char *at_name =
			g_strdup_printf("/exit-file/%s/symlink-at-name", paths[i].path);
		g_autofree char *replaces =
			g_strdup_printf("/exit-file/%s/replaces-existing", paths[i].path);
		g_test_add(planted, Fixture, flags, setup, test_planted_temp_name, teardown);
		g_test_add(at_name, Fixture, flags, setup, test_symlink_at_name, teardown);
		g_test_add(replaces, Fixture, flags, setup, test_replaces_existing, teardown);
	}
	g_test_add_func("/exit-file/parse", test_parse);
	return g_test_run();
}
