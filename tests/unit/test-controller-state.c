/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "fdutil.h"
#include "state_dir.h"
#include "state_record.h"

typedef struct {
	char *root;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	f->root = g_dir_make_tmp("vigil-state-XXXXXX", NULL);
	g_assert_nonnull(f->root);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_assert_true(state_dir_remove(f->root, NULL));
	g_free(f->root);
}

static VigilContainer *sample(void)
{
	VigilContainer *c = container_new("web1", "/run/vigil/web1");

	c->name = g_strdup("web");
	c->bundle = g_strdup("/b");
	c->runtime = g_strdup("/usr/sbin/runc");
	c->runtime_root = g_strdup("/run/vigil/.runtime/runc");
	c->monitor = g_strdup("/usr/libexec/vigil/vigilmon");
	c->status = VIGIL_STATUS_STOPPED;
	c->pid = 42;
	c->monitor_pid = 41;
	c->monitor_start = 123456;
	c->has_exit_code = TRUE;
	c->exit_code = 137;
	c->oom_killed = TRUE;
	c->terminal = TRUE;
	c->stop_signal = 15;
	c->exit_dir = g_strdup("/run/vigil/web1/exits");
	c->persist_dir = g_strdup("/run/vigil/web1");
	c->log_driver = g_strdup("k8s-file");
	c->log_path = g_strdup("/run/vigil/web1/ctr.log");
	c->created = G_GINT64_CONSTANT(1764410400123456);
	c->started = G_GINT64_CONSTANT(1764410401000000);
	return c;
}

static void test_record_bytes(void)
{
	g_autoptr(VigilContainer) c = sample();
	g_autofree char *json = state_record_to_json(c);

	g_test_summary("state.json: fixed key order, RFC 3339 UTC times, unset ones left out");
	g_assert_cmpstr(json, ==,
			"{\n"
			"  \"version\" : 1,\n"
			"  \"id\" : \"web1\",\n"
			"  \"name\" : \"web\",\n"
			"  \"bundle\" : \"/b\",\n"
			"  \"runtime\" : \"/usr/sbin/runc\",\n"
			"  \"runtime_root\" : \"/run/vigil/.runtime/runc\",\n"
			"  \"monitor\" : \"/usr/libexec/vigil/vigilmon\",\n"
			"  \"status\" : \"stopped\",\n"
			"  \"pid\" : 42,\n"
			"  \"monitor_pid\" : 41,\n"
			"  \"monitor_start\" : 123456,\n"
			"  \"exit_code\" : 137,\n"
			"  \"oom_killed\" : true,\n"
			"  \"terminal\" : true,\n"
			"  \"stdin\" : false,\n"
			"  \"stop_signal\" : 15,\n"
			"  \"exit_dir\" : \"/run/vigil/web1/exits\",\n"
			"  \"persist_dir\" : \"/run/vigil/web1\",\n"
			"  \"log_driver\" : \"k8s-file\",\n"
			"  \"log_path\" : \"/run/vigil/web1/ctr.log\",\n"
			"  \"created\" : \"2025-11-29T10:00:00.123456Z\",\n"
			"  \"started\" : \"2025-11-29T10:00:01.000000Z\"\n"
			"}\n");
}

static void test_record_round_trip(void)
{
	g_autoptr(VigilContainer) c = sample();
	g_autofree char *json = state_record_to_json(c);
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) back =
		state_record_parse(json, strlen(json), "web1", "/run/vigil/web1", &error);

	g_assert_no_error(error);
	g_autofree char *again = state_record_to_json(back);
	g_assert_cmpstr(again, ==, json);
	g_assert_cmpstr(vigil_container_get_state_dir(back), ==, "/run/vigil/web1");
	int code = 0;
	g_assert_true(vigil_container_get_exit_code(back, &code));
	g_assert_cmpint(code, ==, 137);
	g_assert_cmpint(vigil_container_get_finished(back), ==, 0);
}

static void test_record_bad(void)
{
	const char *bad[] = {
		"",
		"[]",
		"{\"version\": 2, \"id\": \"web1\"}",
		"{\"version\": 1, \"id\": \"other\"}",
		"{\"version\": 1, \"id\": \"web1\"",
	};

	g_test_summary("a corrupt record is EPROTO with the container named, never a crash");
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VigilContainer) c =
			state_record_parse(bad[i], strlen(bad[i]), "web1", "/s", &error);
		g_assert_null(c);
		g_assert_error(error, VIGIL_ERROR, EPROTO);
		g_assert_nonnull(strstr(error->message, "'web1'"));
	}
	/* Wrong types fall back to defaults rather than failing. */
	const char *odd = "{\"version\": 1, \"id\": \"web1\", \"pid\": \"x\", \"status\": 3}";
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) c = state_record_parse(odd, strlen(odd), "web1", "/s", &error);
	g_assert_no_error(error);
	g_assert_cmpint(c->pid, ==, 0);
	g_assert_cmpint(c->status, ==, VIGIL_STATUS_UNKNOWN);
	g_assert_cmpstr(c->exit_dir, ==, "/s/exits");
}

static void expect_corrupt(const char *text, const char *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) c = state_record_parse(text, strlen(text), "web1", "/s", &error);
	g_autofree char *want = g_strconcat(
		"state record of container 'web1' is corrupt: '/s/state.json': ", why, NULL);

	g_assert_null(c);
	g_assert_error(error, VIGIL_ERROR, EPROTO);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_record_not_utf8(void)
{
	g_test_summary("json-glib decodes a lone low surrogate or a broken \\u escape to "
		       "bytes that are not UTF-8: the record is corrupt, naming the field "
		       "(saved, it could not be read again)");
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", \"name\": \"a\\udffdb\"}",
		       "string not UTF-8 at name");
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", \"log_path\": \"\\ud80log\"}",
		       "string not UTF-8 at log_path");
	/* Members this version does not know are checked too. */
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", \"x\": {\"y\": [1, \"\\udffd.\"]}}",
		       "string not UTF-8 at x.y[1]");
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", \"\\udffd.\": 1}",
		       "member name not UTF-8 at the top level");
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", \"x\": 1e999}",
		       "number out of range at x");

	/* A surrogate pair is one character, and UTF-8. */
	const char *pair = "{\"version\": 1, \"id\": \"web1\", \"name\": \"\\ud83d\\ude00\"}";
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) c = state_record_parse(pair, strlen(pair), "web1", "/s", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(c->name, ==, "\xf0\x9f\x98\x80");
}

static void test_record_times_range(void)
{
	const char *last = "{\"version\": 1, \"id\": \"web1\", "
			   "\"finished\": \"9999-12-31T23:59:59.999999Z\"}";
	g_autoptr(GError) error = NULL;

	g_test_summary("a time past the year 9999 in UTC cannot be stored: the record is "
		       "corrupt, naming the field; the last one that can round-trips");
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", "
		       "\"created\": \"9999-12-31T23:59:59.999999-12:00\"}",
		       "created '9999-12-31T23:59:59.999999-12:00' is past the year 9999 (UTC)");
	expect_corrupt("{\"version\": 1, \"id\": \"web1\", "
		       "\"started\": \"9999-12-31T23:00:00-01:00\"}",
		       "started '9999-12-31T23:00:00-01:00' is past the year 9999 (UTC)");
	g_autoptr(VigilContainer) c = state_record_parse(last, strlen(last), "web1", "/s", &error);
	g_assert_no_error(error);
	g_assert_cmpint(c->finished, ==, G_GINT64_CONSTANT(253402300799999999));
	g_autofree char *json = state_record_to_json(c);
	g_assert_nonnull(strstr(json, "\"finished\" : \"9999-12-31T23:59:59.999999Z\""));
	g_autoptr(VigilContainer) back =
		state_record_parse(json, strlen(json), "web1", "/s", &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->finished, ==, c->finished);
}

static void test_record_save_refuses(Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_build_filename(f->root, "state.json", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *want = NULL;
	g_autoptr(VigilContainer) c = sample();

	g_test_summary("a record that could not be read back is never written: a string "
		       "that is not UTF-8, a time past 9999; EINVAL naming the field");
	g_free(c->bundle);
	c->bundle = g_strdup("/b\xffx");
	g_assert_false(state_record_save(c, path, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	want = g_strdup_printf("write '%s': bundle '/b\\377x' is not UTF-8", path);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	g_free(c->bundle);
	c->bundle = g_strdup("/b");
	c->finished = G_GINT64_CONSTANT(253402300800000000);
	g_assert_false(state_record_save(c, path, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	want = g_strdup_printf("write '%s': finished is past the year 9999", path);
	g_assert_cmpstr(error->message, ==, want);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_record_save_load(Fixture *f, gconstpointer data)
{
	g_autoptr(VigilContainer) c = sample();
	g_autofree char *path = g_build_filename(f->root, "state.json", NULL);
	g_autoptr(GError) error = NULL;
	struct stat st;

	g_assert_true(state_record_save(c, path, &error));
	g_assert_no_error(error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_autoptr(VigilContainer) back = state_record_load(path, "web1", f->root, &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->pid, ==, 42);
	/* No temporary file is left behind. */
	g_autoptr(GDir) d = g_dir_open(f->root, 0, NULL);
	g_assert_cmpstr(g_dir_read_name(d), ==, "state.json");
	g_assert_null(g_dir_read_name(d));

	/* A directory without a record: its creator died before writing one. */
	g_autofree char *missing = g_build_filename(f->root, "nothing.json", NULL);
	g_autoptr(VigilContainer) bare = state_record_load(missing, "x", f->root, &error);
	g_assert_no_error(error);
	g_assert_cmpint(bare->status, ==, VIGIL_STATUS_CREATING);
}

static void test_ids(void)
{
	const char *good[] = { "a", "web-1", "A_b.c+d", "0123456789abcdef" };
	const char *bad[] = { "", ".", "..", ".hidden", "-x", "a/b", "a b", "a\nb", "é" };
	g_autofree char *longest = g_strnfill(128, 'x');
	g_autofree char *too_long = g_strnfill(129, 'x');

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_true(state_id_validate(good[i], "id", NULL));
	g_assert_true(state_id_validate(longest, "id", NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(state_id_validate(bad[i], "container id", &error));
		g_assert_error(error, VIGIL_ERROR, EINVAL);
	}
	g_assert_false(state_id_validate(too_long, "id", NULL));
	g_assert_false(state_id_validate(NULL, "id", NULL));
}

static void test_dir_create(Fixture *f, gconstpointer data)
{
	g_autofree char *root = g_build_filename(f->root, "a", "b", NULL);
	g_autoptr(GError) error = NULL;
	struct stat st;

	g_test_summary("a new container directory appears already locked; a second create of "
		       "the id is EEXIST and leaves nothing behind");
	vigil_autofd int fd = state_dir_create_locked(root, "c1", &error);
	g_assert_no_error(error);
	g_assert_cmpint(fd, >=, 0);
	g_autofree char *dir = state_dir_path(root, "c1");
	g_assert_cmpint(stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_autofree char *lock = g_build_filename(dir, STATE_LOCK, NULL);
	vigil_autofd int probe = open(lock, O_RDWR | O_CLOEXEC);
	g_assert_cmpint(flock(probe, LOCK_EX | LOCK_NB), ==, -1);
	g_assert_cmpint(state_dir_create_locked(root, "c1", &error), ==, -1);
	g_assert_error(error, VIGIL_ERROR, EEXIST);
	g_assert_cmpstr(error->message, ==, "container 'c1' already exists");
	g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
	g_assert_cmpstr(g_dir_read_name(d), ==, "c1");
	g_assert_null(g_dir_read_name(d));
}

/* TRUE once /proc/locks shows a waiter ("->") for the lock file's inode. */
static gboolean has_waiter(ino_t ino)
{
	g_autofree char *locks = NULL;
	g_autofree char *suffix = g_strdup_printf(":%lu ", (unsigned long)ino);

	if (!g_file_get_contents("/proc/locks", &locks, NULL, NULL))
		return FALSE;
	g_auto(GStrv) lines = g_strsplit(locks, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		if (strstr(*l, "->") != NULL && strstr(*l, suffix) != NULL)
			return TRUE;
	}
	return FALSE;
}

typedef struct {
	const char *dir;
	int fd;
	GError *error;
} Locker;

static gpointer lock_thread(gpointer data)
{
	Locker *l = data;

	l->fd = state_dir_lock(l->dir, "c1", &l->error);
	return NULL;
}

static ino_t lock_inode(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, STATE_LOCK, NULL);
	struct stat st;

	g_assert_cmpint(stat(path, &st), ==, 0);
	return st.st_ino;
}

static void wait_for_waiter(ino_t ino)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	/* Only a hang guard: the waiter shows up as soon as the thread blocks. */
	while (!has_waiter(ino)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(1000);
	}
}

static void test_lock_serialises(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = state_dir_path(f->root, "c1");
	Locker l = { dir, -1, NULL };

	g_test_summary("a second locker waits for the first (threads and processes alike)");
	vigil_autofd int fd = state_dir_create_locked(f->root, "c1", &error);
	g_assert_cmpint(fd, >=, 0);
	/* Another open file description cannot take it meanwhile. */
	g_autofree char *path = g_build_filename(dir, STATE_LOCK, NULL);
	vigil_autofd int probe = open(path, O_RDWR | O_CLOEXEC);
	g_assert_cmpint(flock(probe, LOCK_EX | LOCK_NB), ==, -1);
	g_assert_cmpint(errno, ==, EWOULDBLOCK);

	GThread *t = g_thread_new("locker", lock_thread, &l);
	wait_for_waiter(lock_inode(dir));
	g_assert_cmpint(l.fd, ==, -1);
	vigil_clear_fd(&fd);
	g_thread_join(t);
	g_assert_no_error(l.error);
	g_assert_cmpint(l.fd, >=, 0);
	vigil_clear_fd(&l.fd);
}

static void test_lock_sees_delete(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = state_dir_path(f->root, "c1");
	Locker l = { dir, -1, NULL };

	g_test_summary("a locker that waited for a delete finds the container gone, even when "
		       "a new one took the name");
	vigil_autofd int fd = state_dir_create_locked(f->root, "c1", &error);
	g_assert_cmpint(fd, >=, 0);
	GThread *t = g_thread_new("locker", lock_thread, &l);
	wait_for_waiter(lock_inode(dir));
	/* Delete while holding the lock, and create the same id again. */
	g_assert_true(state_dir_remove(dir, &error));
	vigil_autofd int fresh = state_dir_create_locked(f->root, "c1", &error);
	g_assert_cmpint(fresh, >=, 0);
	vigil_clear_fd(&fresh);
	vigil_clear_fd(&fd);
	g_thread_join(t);
	g_assert_cmpint(l.fd, ==, -1);
	g_assert_error(l.error, VIGIL_ERROR, ENOENT);
	g_assert_cmpstr(l.error->message, ==, "no such container 'c1'");
	g_clear_error(&l.error);

	/* And without a directory at all. */
	g_autofree char *none = state_dir_path(f->root, "none");
	g_assert_cmpint(state_dir_lock(none, "none", &error), ==, -1);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_clear_error(&error);

	/* A directory that is not a container's (no lock: a container's directory is renamed
	 * into place with its lock inside) is left as it was. */
	g_autofree char *other = state_dir_path(f->root, "other");
	g_autofree char *other_lock = g_build_filename(other, STATE_LOCK, NULL);
	g_assert_cmpint(g_mkdir_with_parents(other, 0700), ==, 0);
	g_assert_cmpint(state_dir_lock(other, "other", &error), ==, -1);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_assert_false(g_file_test(other_lock, G_FILE_TEST_EXISTS));
}

static void test_remove_no_follow(Fixture *f, gconstpointer data)
{
	g_autofree char *outside = g_build_filename(f->root, "outside", NULL);
	g_autofree char *keep = g_build_filename(outside, "keep", NULL);
	g_autofree char *dir = g_build_filename(f->root, "ctr", NULL);
	g_autofree char *sub = g_build_filename(dir, "sub", "deeper", NULL);
	g_autofree char *link = g_build_filename(dir, "sub", "link", NULL);
	g_autoptr(GError) error = NULL;

	g_test_summary("removing a state directory never follows a symlink out of it");
	g_assert_cmpint(g_mkdir_with_parents(outside, 0700), ==, 0);
	g_assert_true(g_file_set_contents(keep, "x", 1, NULL));
	g_assert_cmpint(g_mkdir_with_parents(sub, 0700), ==, 0);
	g_assert_cmpint(symlink(outside, link), ==, 0);
	g_assert_true(state_dir_remove(dir, &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(keep, G_FILE_TEST_EXISTS));
	/* Gone already is fine. */
	g_assert_true(state_dir_remove(dir, &error));
}

static void test_retire(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = state_dir_path(f->root, "c1");
	g_autofree char *keep = state_dir_path(f->root, "c2");
	g_autofree char *runtime = g_build_filename(f->root, ".runtime", NULL);
	Locker l = { dir, -1, NULL };

	g_test_summary("a delete moves the directory to a tombstone in one rename: the id is "
		       "free at once, a waiting locker finds it gone, a sweep removes only "
		       "tombstones");
	vigil_autofd int fd = state_dir_create_locked(f->root, "c1", &error);
	g_assert_cmpint(fd, >=, 0);
	vigil_autofd int other = state_dir_create_locked(f->root, "c2", &error);
	g_assert_cmpint(other, >=, 0);
	g_assert_cmpint(g_mkdir_with_parents(runtime, 0700), ==, 0);
	GThread *t = g_thread_new("locker", lock_thread, &l);
	wait_for_waiter(lock_inode(dir));
	g_autofree char *tomb = state_dir_retire(f->root, "c1", &error);
	g_assert_no_error(error);
	g_autofree char *base = g_path_get_basename(tomb);
	g_assert_true(g_str_has_prefix(base, STATE_TOMBSTONE_PREFIX "c1."));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(tomb, G_FILE_TEST_IS_DIR));
	/* The id can be created again before the tombstone is gone. */
	vigil_autofd int fresh = state_dir_create_locked(f->root, "c1", &error);
	g_assert_cmpint(fresh, >=, 0);
	vigil_clear_fd(&fd);
	g_thread_join(t);
	g_assert_error(l.error, VIGIL_ERROR, ENOENT);
	g_clear_error(&l.error);

	state_dir_sweep_tombstones(f->root);
	g_assert_false(g_file_test(tomb, G_FILE_TEST_EXISTS));
	g_assert_true(state_dir_is_container(dir));
	g_assert_true(state_dir_is_container(keep));
	g_assert_true(g_file_test(runtime, G_FILE_TEST_IS_DIR));
	g_autofree char *none = state_dir_retire(f->root, "none", &error);
	g_assert_null(none);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/controller-state/record-bytes", test_record_bytes);
	g_test_add_func("/controller-state/record-round-trip", test_record_round_trip);
	g_test_add_func("/controller-state/record-bad", test_record_bad);
	g_test_add_func("/controller-state/record-not-utf8", test_record_not_utf8);
	g_test_add_func("/controller-state/record-times-range", test_record_times_range);
	g_test_add("/controller-state/record-save-refuses", Fixture, NULL, setup,
		   test_record_save_refuses, teardown);
	g_test_add("/controller-state/record-save-load", Fixture, NULL, setup,
		   test_record_save_load, teardown);
	g_test_add_func("/controller-state/ids", test_ids);
	g_test_add("/controller-state/dir-create", Fixture, NULL, setup, test_dir_create, teardown);
	g_test_add("/controller-state/lock-serialises", Fixture, NULL, setup, test_lock_serialises,
		   teardown);
	g_test_add("/controller-state/lock-sees-delete", Fixture, NULL, setup,
		   test_lock_sees_delete, teardown);
	g_test_add("/controller-state/remove-no-follow", Fixture, NULL, setup,
		   test_remove_no_follow, teardown);
	g_test_add("/controller-state/retire", Fixture, NULL, setup, test_retire, teardown);
	return g_test_run();
}
