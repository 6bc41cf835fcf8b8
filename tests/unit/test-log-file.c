/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "error_util.h"
#include "log_file.h"

typedef struct {
	char *dir;
	char *path;
	LogFileOptions opts;
	GPtrArray *garbage; /* strings rec() made */
} Fixture;

static Fixture *current;

static void setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("log-file-XXXXXX", NULL);
	f->path = g_build_filename(f->dir, "ctr.log", NULL);
	f->opts = (LogFileOptions){ .path = f->path, .max_files = 1 };
	f->garbage = g_ptr_array_new_with_free_func(g_free);
	current = f;
}

static void teardown(Fixture *f, gconstpointer data)
{
	const char *argv[] = { "rm", "-rf", f->dir, NULL };

	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
		     NULL);
	g_free(f->dir);
	g_free(f->path);
	g_ptr_array_unref(f->garbage);
	current = NULL;
}

static char *slurp(const char *path)
{
	char *s = NULL;

	if (!g_file_get_contents(path, &s, NULL, NULL))
		return NULL;
	return s;
}

static char *sibling(Fixture *f, const char *suffix)
{
	return g_strconcat(f->path, suffix, NULL);
}

/* One record of exactly len bytes: "<tag><padding>\n". */
static void put(LogFile *file, const char *tag, gsize len)
{
	g_autofree char *r = g_malloc(len);

	memset(r, '.', len);
	memcpy(r, tag, MIN(strlen(tag), len - 1));
	r[len - 1] = '\n';
	if (log_file_begin_record(file, len))
		log_file_append(file, r, len, FALSE);
	log_file_flush(file);
}

/* The bytes put() writes; freed with the fixture. */
static const char *rec(const char *tag, gsize len)
{
	char *r = g_malloc0(len + 1);

	memset(r, '.', len);
	memcpy(r, tag, MIN(strlen(tag), len - 1));
	r[len - 1] = '\n';
	g_ptr_array_add(current->garbage, r);
	return r;
}

/* Pieces of several records, copied and referenced, come out in order in one batch. */
static void test_batch(Fixture *f, gconstpointer data)
{
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	g_autofree char *big = g_malloc(10000);
	g_autoptr(GString) want = g_string_new(NULL);

	memset(big, 'x', 10000);
	big[9999] = '\n';
	for (int i = 0; i < 3; i++) {
		g_assert_true(log_file_begin_record(file, 4 + 10000));
		log_file_append(file, "pre ", 4, FALSE);
		log_file_append(file, big, 10000, TRUE);
		g_string_append(want, "pre ");
		g_string_append_len(want, big, 10000);
	}
	for (int i = 0; i < 5000; i++) {
		g_assert_true(log_file_begin_record(file, 2));
		log_file_append(file, "s\n", 2, FALSE);
		g_string_append(want, "s\n");
	}
	log_file_flush(file);
	g_autofree char *got = slurp(f->path);
	g_assert_cmpstr(got, ==, want->str);

	struct stat st;
	g_assert_cmpint(stat(f->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0640);
}

/* Truncate mode: the file is recreated (a new inode, as CRI-O waits for) before a record
 * would pass the limit; the counters start at the existing size. */
static void test_truncate(Fixture *f, gconstpointer data)
{
	const char *old = rec("old", 90);
	g_assert_true(g_file_set_contents(f->path, old, -1, NULL));
	struct stat before, after;
	g_assert_cmpint(stat(f->path, &before), ==, 0);

	f->opts.size_max = 100;
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	put(file, "a", 20);
	g_assert_cmpint(stat(f->path, &after), ==, 0);
	g_assert_cmpint(before.st_ino, !=, after.st_ino);
	put(file, "b", 40);
	put(file, "c", 40);
	g_autofree char *want1 = g_strconcat(rec("a", 20), rec("b", 40), rec("c", 40), NULL);
	g_autofree char *got1 = slurp(f->path);
	g_assert_cmpstr(got1, ==, want1);
	/* bigger than the limit: still written whole, into a fresh file */
	put(file, "huge", 250);
	g_autofree char *got2 = slurp(f->path);
	const char *want2 = rec("huge", 250);
	g_assert_cmpstr(got2, ==, want2);
	put(file, "d", 10);
	g_autofree char *got3 = slurp(f->path);
	const char *want3 = rec("d", 10);
	g_assert_cmpstr(got3, ==, want3);
	g_autofree char *tmp = sibling(f, ".tmp");
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
}

/* Rotate mode: exactly keep backups, .1 newest; nothing lost but what was rotated out. */
static void test_rotate_generations(Fixture *f, gconstpointer data)
{
	int keep = GPOINTER_TO_INT(data);

	f->opts.size_max = 100;
	f->opts.rotate = TRUE;
	f->opts.max_files = keep;
	/* stale backups from a run with a larger --log-max-files */
	g_autofree char *stale = g_strdup_printf("%s.%d", f->path, keep + 3);
	g_assert_true(g_file_set_contents(stale, "stale\n", -1, NULL));
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	/* 2 records of 50 per file: generation g holds records 2g, 2g+1 */
	for (int i = 0; i < 12; i++) {
		g_autofree char *tag = g_strdup_printf("r%d", i);
		put(file, tag, 50);
	}
	for (int g = 0; g <= keep + 1; g++) {
		g_autofree char *path =
			g == 0 ? g_strdup(f->path) : g_strdup_printf("%s.%d", f->path, g);
		g_autofree char *got = slurp(path);
		if (g > keep) {
			g_assert_null(got);
			continue;
		}
		int first = 10 - 2 * g;
		g_autofree char *t1 = g_strdup_printf("r%d", first);
		g_autofree char *t2 = g_strdup_printf("r%d", first + 1);
		g_autofree char *want = g_strconcat(rec(t1, 50), rec(t2, 50), NULL);
		g_assert_cmpstr(got, ==, want);
	}
	g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
	g_autofree char *fresh = sibling(f, ".new");
	g_assert_false(g_file_test(fresh, G_FILE_TEST_EXISTS));
}

/* ctl "2" after kubelet renamed the file away: a new file at the path, no byte lost or
 * written twice. */
static void test_reopen_after_rename(Fixture *f, gconstpointer data)
{
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	g_autofree char *moved = sibling(f, ".20260101-000000");

	put(file, "before", 20);
	g_assert_cmpint(g_rename(f->path, moved), ==, 0);
	put(file, "late", 20); /* still the old file: the reopen has not come yet */
	log_file_reopen(file);
	g_assert_true(g_file_test(f->path, G_FILE_TEST_EXISTS));
	put(file, "after", 20);
	g_autofree char *old = slurp(moved);
	g_autofree char *cur = slurp(f->path);
	g_autofree char *want_old = g_strconcat(rec("before", 20), rec("late", 20), NULL);
	const char *want_cur = rec("after", 20);
	g_assert_cmpstr(old, ==, want_old);
	g_assert_cmpstr(cur, ==, want_cur);

	/* rotate mode: reopen is a rotation */
	f->opts.rotate = TRUE;
	g_autoptr(LogFile) rot = log_file_open(&f->opts, NULL);
	log_file_reopen(rot);
	g_autofree char *one = sibling(f, ".1");
	g_autofree char *got1 = slurp(one);
	g_assert_cmpstr(got1, ==, want_cur);
	g_autofree char *now = slurp(f->path);
	g_assert_cmpstr(now, ==, "");
}

/* --log-global-size-max: the existing size counts; records stop once it is reached. */
static void test_global_cap(Fixture *f, gconstpointer data)
{
	g_assert_true(g_file_set_contents(f->path, "0123456789\n", -1, NULL));
	f->opts.global_size_max = 100;
	f->opts.size_max = 50; /* truncations do not reset the global count */
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	int written = 0;

	for (int i = 0; i < 10; i++) {
		if (log_file_begin_record(file, 30)) {
			log_file_append(file, "............................x\n", 30, FALSE);
			written++;
		}
	}
	log_file_flush(file);
	/* 11, 41, 71 are below 100, 101 is not */
	g_assert_cmpint(written, ==, 3);
}

static void test_allowlist(Fixture *f, gconstpointer data)
{
	g_autofree char *inside = g_build_filename(f->dir, "pods", NULL);
	g_autofree char *link = g_build_filename(inside, "link.log", NULL);
	g_autofree char *path = g_build_filename(inside, "ctr.log", NULL);
	char *allow[] = { inside, NULL };
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir(inside, 0755), ==, 0);
	f->opts.allowlist = allow;
	/* outside: refused at open, nothing created */
	g_assert_null(log_file_open(&f->opts, &error));
	g_assert_error(error, VIGIL_ERROR, EPERM);
	g_assert_true(strstr(error->message, "--log-allowlist-dir") != NULL);
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
	g_clear_error(&error);
	/* "pods/../ctr.log" is outside too, whatever the spelling */
	g_autofree char *sneaky = g_build_filename(inside, "..", "ctr.log", NULL);
	f->opts.path = sneaky;
	g_assert_null(log_file_open(&f->opts, &error));
	g_clear_error(&error);
	/* inside: fine */
	f->opts.path = path;
	LogFile *ok = log_file_open(&f->opts, &error);
	g_assert_no_error(error);
	log_file_free(ok);
	/* a symlink inside, pointing out: refused */
	g_assert_cmpint(symlink(f->path, link), ==, 0);
	f->opts.path = link;
	g_assert_null(log_file_open(&f->opts, &error));
	g_assert_error(error, VIGIL_ERROR, ELOOP);
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
}

static void test_open_errors(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *missing = g_build_filename(f->dir, "no", "such", "dir.log", NULL);

	f->opts.path = missing;
	g_assert_null(log_file_open(&f->opts, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_assert_true(g_str_has_prefix(error->message, "Failed to open log file "));
	g_clear_error(&error);
	f->opts.path = f->dir;
	g_assert_null(log_file_open(&f->opts, &error));
	g_assert_error(error, VIGIL_ERROR, EISDIR);
}

/*
 * A write that fails (here RLIMIT_FSIZE; on a node, a full disk): the record that did not
 * fit is cut off again, the failure is reported once, further records are dropped, and
 * when writing works again one line says how much was lost.
 */
static void test_write_failure(Fixture *f, gconstpointer data)
{
	struct rlimit saved, small;
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);

	g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &saved), ==, 0);
	signal(SIGXFSZ, SIG_IGN);
	small = saved;
	small.rlim_cur = 1000;
	g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &small), ==, 0);

	for (int i = 0; i < 3; i++)
		put(file, "fits", 300);
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "log file *: File too large; dropping container output*");
	put(file, "torn", 300); /* 100 bytes would fit: they must not stay */
	put(file, "dropped", 300);
	g_test_assert_expected_messages();
	g_autofree char *partial = slurp(f->path);
	g_assert_cmpuint(strlen(partial), ==, 900);

	g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &saved), ==, 0);
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "log file *: writing works again after * s (File too large); 600 "
			      "bytes of log output were lost");
	put(file, "back", 300);
	g_test_assert_expected_messages();
	signal(SIGXFSZ, SIG_DFL);

	g_autofree char *got = slurp(f->path);
	g_autofree char *want = g_strconcat(rec("fits", 300), rec("fits", 300), rec("fits", 300),
					    rec("back", 300), NULL);
	g_assert_cmpstr(got, ==, want);
}

/* /dev/full: every write fails; one warning however many records. */
static void test_dev_full(Fixture *f, gconstpointer data)
{
	f->opts.path = "/dev/full";
	f->opts.size_max = 10; /* not a regular file: no limits, no rotation */
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);

	g_assert_nonnull(file);
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "log file /dev/full: No space left on device; dropping*");
	for (int i = 0; i < 20; i++)
		put(file, "x", 30);
	log_file_sync(file);
	g_test_assert_expected_messages();
}

/* A batch written out to make room ends inside a record; when that write fails, the rest of
 * the record must not follow later as a line without its start. */
static void test_write_failure_mid_record(Fixture *f, gconstpointer data)
{
	struct rlimit saved, small;
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	const gsize big_len = 256 * 1024 + 50; /* fills the batch buffer, then 50 bytes more */
	g_autofree char *big = g_malloc(big_len);

	memset(big, 'b', big_len);
	big[big_len - 1] = '\n';
	g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &saved), ==, 0);
	signal(SIGXFSZ, SIG_IGN);
	small = saved;
	small.rlim_cur = 1000;
	g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &small), ==, 0);

	for (int i = 0; i < 3; i++)
		put(file, "fits", 300);
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "log file *: File too large; dropping container output*");
	g_assert_true(log_file_begin_record(file, big_len));
	log_file_append(file, big, big_len, FALSE);
	log_file_flush(file);
	g_test_assert_expected_messages();
	/* the 50 bytes after the failed batch would fit under the limit: they must not land */
	g_test_expect_message("vigilmon", G_LOG_LEVEL_WARNING,
			      "log file *: writing works again after * s (File too large); 262194 "
			      "bytes of log output were lost");
	put(file, "after", 50);
	g_test_assert_expected_messages();
	g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &saved), ==, 0);
	signal(SIGXFSZ, SIG_DFL);

	g_autofree char *got = slurp(f->path);
	g_autofree char *want = g_strconcat(rec("fits", 300), rec("fits", 300), rec("fits", 300),
					    rec("after", 50), NULL);
	g_assert_cmpstr(got, ==, want);
}

/* More pieces than one batch holds, copied prefixes between referenced bodies: the batch
 * written out to make room must not take a copied piece's bytes with it, nor let the next
 * copies overwrite them. */
static void test_batch_full_of_pieces(Fixture *f, gconstpointer data)
{
	g_autoptr(LogFile) file = log_file_open(&f->opts, NULL);
	g_autofree char *body = g_malloc(3000);
	g_autoptr(GString) want = g_string_new(NULL);

	memset(body, 'x', 3000);
	body[2999] = '\n';
	for (int i = 0; i < 200; i++) {
		g_autofree char *prefix = g_strdup_printf("record %d%*s:", i, i % 17, "");
		gsize plen = strlen(prefix);
		g_assert_true(log_file_begin_record(file, plen + 3000));
		log_file_append(file, prefix, plen, FALSE);
		log_file_append(file, body, 3000, TRUE);
		g_string_append(want, prefix);
		g_string_append_len(want, body, 3000);
	}
	log_file_flush(file);
	g_autofree char *got = slurp(f->path);
	/* 600 KB: compared without printing them */
	g_assert_cmpuint(strlen(got), ==, want->len);
	g_assert_cmpint(memcmp(got, want->str, want->len), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/log-file/batch", Fixture, NULL, setup, test_batch, teardown);
	g_test_add("/log-file/truncate", Fixture, NULL, setup, test_truncate, teardown);
	g_test_add("/log-file/rotate-keep-1", Fixture, GINT_TO_POINTER(1), setup,
		   test_rotate_generations, teardown);
	g_test_add("/log-file/rotate-keep-3", Fixture, GINT_TO_POINTER(3), setup,
		   test_rotate_generations, teardown);
	g_test_add("/log-file/reopen-after-rename", Fixture, NULL, setup, test_reopen_after_rename,
		   teardown);
	g_test_add("/log-file/global-cap", Fixture, NULL, setup, test_global_cap, teardown);
	g_test_add("/log-file/allowlist", Fixture, NULL, setup, test_allowlist, teardown);
	g_test_add("/log-file/open-errors", Fixture, NULL, setup, test_open_errors, teardown);
	g_test_add("/log-file/write-failure", Fixture, NULL, setup, test_write_failure, teardown);
	g_test_add("/log-file/write-failure-mid-record", Fixture, NULL, setup,
		   test_write_failure_mid_record, teardown);
	g_test_add("/log-file/batch-full-of-pieces", Fixture, NULL, setup,
		   test_batch_full_of_pieces, teardown);
	g_test_add("/log-file/dev-full", Fixture, NULL, setup, test_dev_full, teardown);
	return g_test_run();
}
