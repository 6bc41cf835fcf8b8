/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/*
 * Release (issue 13): N containers exit together, and every monitor writes its exit file at
 * once; all N go to one exit directory, as podman's do. Two ways to release them:
 *  - fifo: all created and started, each blocked reading one FIFO (hard-linked into every
 *    rootfs as /data); released when the benchmark closes the only writer, so every reader
 *    sees EOF at the same moment and exits with its own code.
 *  - start: all created, none started; released by N `runc start` run at once (podman start
 *    of many containers), each container exiting with its own code as soon as it runs.
 * The clock runs from the release to the last exit file; per container, from its init's
 * death (pidfd readable) to its exit file, the exit-latency figure's method for each of the
 * N at once.
 */

typedef enum {
	RELEASE_FIFO,
	RELEASE_START,
} ReleaseMode;

#define WAIT_MS 120000

static int expected_code(guint i)
{
	return 1 + (int)(i % 250);
}

/* Every container holds the FIFO as its stdin, i.e. sits in `read` (or is about to). */
static gboolean wait_blocked(GPtrArray *ctrs, const struct stat *fifo, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;

	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		g_autofree char *fd0 = g_strdup_printf("/proc/%d/fd/0", (int)c->ctr_pid);
		struct stat st;
		while (stat(fd0, &st) < 0 || st.st_ino != fifo->st_ino ||
		       st.st_dev != fifo->st_dev) {
			if (g_get_monotonic_time() > deadline)
				return vigil_throw(error, ETIMEDOUT,
						   "%s: container %u never opened the FIFO",
						   c->mon->name, i);
			g_usleep(2000);
		}
	}
	return TRUE;
}

typedef struct {
	guint n;
	struct pollfd *p;  /* p[0]: inotify on the exit dir, p[1 + i]: container i's pidfd */
	gint64 *dead;      /* when container i's init died */
	gint64 *file;      /* when its exit file appeared */
	GHashTable *index; /* exit file name -> 1 + i */
	guint files;
} Burst;

static void burst_clear(Burst *b)
{
	for (guint i = 0; b->p != NULL && i <= b->n; i++) {
		if (b->p[i].fd < -1)
			b->p[i].fd =
				-b->p[i].fd - 1; /* a pidfd burst_track() took out of the set */
		vigil_clear_fd(&b->p[i].fd);
	}
	g_free(b->p);
	g_free(b->dead);
	g_free(b->file);
	g_clear_pointer(&b->index, g_hash_table_unref);
}

static gboolean burst_init(Burst *b, GPtrArray *ctrs, const char *exit_dir, GError **error)
{
	b->n = ctrs->len;
	b->p = g_new0(struct pollfd, b->n + 1);
	b->dead = g_new0(gint64, b->n);
	b->file = g_new0(gint64, b->n);
	b->index = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i <= b->n; i++)
		b->p[i].fd = -1;
	b->p[0].fd = inotify_init1(IN_CLOEXEC);
	if (b->p[0].fd < 0)
		return vigil_throw_errno(error, "inotify_init1");
	b->p[0].events = POLLIN;
	if (inotify_add_watch(b->p[0].fd, exit_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		return vigil_throw_errno(error, "inotify_add_watch %s", exit_dir);
	for (guint i = 0; i < b->n; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		b->p[1 + i].fd = (int)syscall(SYS_pidfd_open, c->ctr_pid, 0);
		if (b->p[1 + i].fd < 0)
			return vigil_throw_errno(error, "pidfd_open %d", (int)c->ctr_pid);
		b->p[1 + i].events = POLLIN;
		g_hash_table_insert(b->index, c->b->id, GUINT_TO_POINTER(1 + i));
	}
	return TRUE;
}

static void burst_read_events(Burst *b, gint64 now)
{
	union {
		struct inotify_event ev;
		char buf[16384];
	} u;
	ssize_t n = read(b->p[0].fd, u.buf, sizeof u.buf);

	for (char *q = u.buf; n > 0 && q < u.buf + n;) {
		struct inotify_event *ev = (struct inotify_event *)(void *)q;
		guint at =
			ev->len > 0 ? GPOINTER_TO_UINT(g_hash_table_lookup(b->index, ev->name)) : 0;
		if (at > 0 && b->file[at - 1] == 0) {
			b->file[at - 1] = now;
			b->files++;
		}
		q += sizeof *ev + ev->len;
	}
}

/* Stamp deaths and exit files as they happen, until every exit file is there. One poll(2)
 * loop stamps both, as in the exit-latency figure. */
static gboolean burst_track(Burst *b, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;

	while (b->files < b->n) {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		if (left <= 0)
			return vigil_throw(error, ETIMEDOUT, "%u of %u exit files after %d ms",
					   b->files, b->n, WAIT_MS);
		int r = poll(b->p, b->n + 1, (int)left);
		gint64 now = g_get_monotonic_time();
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vigil_throw_errno(error, "poll");
		for (guint i = 0; i < b->n; i++) {
			if (b->p[1 + i].revents == 0)
				continue;
			b->dead[i] = now;
			/* Negative: poll() skips it from now on; burst_clear() closes it. */
			b->p[1 + i].fd = -(b->p[1 + i].fd + 1);
		}
		if (b->p[0].revents != 0)
			burst_read_events(b, now);
	}
	return TRUE;
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* v[0..3]: release -> last exit file, release -> last death, death -> exit file median and
 * max, in ms. */
static void burst_figures(Burst *b, gint64 t0, double *v)
{
	g_autofree double *lat = g_new(double, b->n);
	gint64 last_file = t0, last_dead = t0;

	for (guint i = 0; i < b->n; i++) {
		/* Both stamped in one wakeup, or the pidfd not seen first: no gap to show. */
		gint64 dead = b->dead[i] == 0 || b->dead[i] > b->file[i] ? b->file[i] : b->dead[i];
		lat[i] = (double)(b->file[i] - dead) / 1000.0;
		last_file = MAX(last_file, b->file[i]);
		last_dead = MAX(last_dead, dead);
	}
	qsort(lat, b->n, sizeof *lat, (int (*)(const void *, const void *))cmp_double);
	v[0] = (double)(last_file - t0) / 1000.0;
	v[1] = (double)(last_dead - t0) / 1000.0;
	v[2] = b->n % 2 ? lat[b->n / 2] : (lat[b->n / 2 - 1] + lat[b->n / 2]) / 2;
	v[3] = lat[b->n - 1];
}

/* Every exit code right; the monitors' own CPU time (start-up to exit, summed) in *out_cpu. */
static gboolean check_codes(GPtrArray *ctrs, double *out_cpu, GError **error)
{
	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		int status = G_MININT;
		if (!bench_ctr_exit_status(c, WAIT_MS, &status, error))
			return FALSE;
		if (status != expected_code(i))
			return vigil_throw(error, EPROTO, "%s: container %u exited %d, want %d",
					   c->mon->name, i, status, expected_code(i));
	}
	*out_cpu = 0;
	for (guint i = 0; i < ctrs->len; i++) {
		double cpu = 0;
		if (!bench_ctr_wait_monitor(g_ptr_array_index(ctrs, i), WAIT_MS, &cpu, error))
			return FALSE;
		*out_cpu += cpu;
	}
	return TRUE;
}

/* N `runc start` at once; their pids in starters (reaped by wait_starters). */
static gboolean spawn_starters(GPtrArray *ctrs, GArray *starters, GError **error)
{
	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		const char *argv[] = { "runc", "--root", c->b->runc_root, "start", c->b->id, NULL };
		GPid pid;
		if (!g_spawn_async(NULL, (char **)argv, NULL,
				   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
					   G_SPAWN_STDOUT_TO_DEV_NULL,
				   NULL, NULL, &pid, error))
			return FALSE;
		g_array_append_val(starters, pid);
	}
	return TRUE;
}

static gboolean wait_starters(GArray *starters, GError **error)
{
	gboolean ok = TRUE;

	for (guint i = 0; i < starters->len; i++) {
		int w = testlib_wait_pid(g_array_index(starters, GPid, i), WAIT_MS);
		if (ok && (w == -1 || !WIFEXITED(w) || WEXITSTATUS(w) != 0))
			ok = vigil_throw(error, EPROTO, "runc start %u: wait status %d", i, w);
	}
	g_array_set_size(starters, 0);
	return ok;
}

static gboolean run_release(Bench *bench, BenchMonitorId mon, ReleaseMode mode, GPtrArray *ctrs,
			    const char *exit_dir, const char *fifo, double *v, GError **error)
{
	g_autoptr(GArray) starters = g_array_new(FALSE, FALSE, sizeof(GPid));
	int n = bench->opt->release_count;
	vigil_autofd int writer = -1;
	struct stat fifo_st;
	Burst b = { 0 };

	if (mkfifo(fifo, 0644) < 0)
		return vigil_throw_errno(error, "mkfifo %s", fifo);
	/* O_RDWR never blocks on a FIFO: the containers' opens then find a writer and do not
	 * block either; they wait in read() until this, the only writer, is closed. */
	writer = open(fifo, O_RDWR | O_CLOEXEC);
	if (writer < 0 || fstat(writer, &fifo_st) < 0)
		return vigil_throw_errno(error, "open %s", fifo);
	for (int i = 0; i < n; i++) {
		g_autofree char *script =
			g_strdup_printf("%sexit %d", mode == RELEASE_FIFO ? "read x < /data; " : "",
					expected_code((guint)i));
		const char *argv[] = { "sh", "-c", script, NULL };
		g_ptr_array_add(ctrs, bench_ctr_new(bench, mon, argv, fifo));
	}
	fprintf(stderr, "# release: %s: starting %d containers\n", bench->mon[mon].name, n);
	gint64 t_create = g_get_monotonic_time();
	for (guint i = 0; i < ctrs->len; i++) {
		BenchCtr *c = g_ptr_array_index(ctrs, i);
		if (!bench_ctr_create(c, exit_dir, "k8s", error) ||
		    (mode == RELEASE_FIFO && !bench_ctr_start(c, error)))
			return FALSE;
	}
	v[4] = (double)(g_get_monotonic_time() - t_create) / 1e6;
	if (mode == RELEASE_FIFO && !wait_blocked(ctrs, &fifo_st, error))
		return FALSE;
	/* Let the last runc start and every monitor settle: the release meets idle monitors. */
	g_usleep(500 * 1000);
	gboolean ok = burst_init(&b, ctrs, exit_dir, error);
	gint64 t0 = g_get_monotonic_time();
	if (ok) {
		vigil_clear_fd(&writer);
		if (mode == RELEASE_START)
			ok = spawn_starters(ctrs, starters, error);
		ok = burst_track(&b, error) && ok;
	}
	ok = wait_starters(starters, ok ? error : NULL) && ok;
	if (ok)
		burst_figures(&b, t0, v);
	burst_clear(&b);
	return ok && check_codes(ctrs, &v[5], error);
}

static gboolean bench_run_release(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				  GError **error)
{
	const ReleaseMode *mode = data;
	g_autoptr(GPtrArray) ctrs = g_ptr_array_new_with_free_func((GDestroyNotify)bench_ctr_free);
	g_autofree char *exit_dir = g_build_filename(bench->run_root, "release-XXXXXX", NULL);
	g_autofree char *fifo = NULL;

	if (g_mkdtemp(exit_dir) == NULL)
		return vigil_throw_errno(error, "mkdtemp %s", exit_dir);
	fifo = g_strdup_printf("%s/release-%s.fifo", bench->work, strrchr(exit_dir, '-') + 1);
	gboolean ok = run_release(bench, mon, *mode, ctrs, exit_dir, fifo, v, error);
	/* Anything still blocked (a failed run) is killed by runc delete -f here. */
	fprintf(stderr, "# release: %s: removing %u containers\n", bench->mon[mon].name, ctrs->len);
	g_clear_pointer(&ctrs, g_ptr_array_unref);
	(void)unlink(fifo);
	const char *rm[] = { "rm", "-rf", exit_dir, NULL };
	(void)testlib_run(rm, NULL, NULL, NULL);
	return ok;
}

static void release_rows(Bench *bench, ReleaseMode mode)
{
	GArray *s[6][BENCH_N_MONITORS] = { { NULL } };
	int n = bench->opt->release_count;
	const char *how = mode == RELEASE_FIFO ? "fifo" : "start";
	g_autofree char *fig = g_strdup_printf("release (%s), %d containers", how, n);
	g_autofree char *last = g_strdup_printf("release %d %s: -> last exit file", n, how);
	g_autofree char *dead = g_strdup_printf("release %d %s: -> last death", n, how);
	g_autofree char *med = g_strdup_printf("release %d %s: death -> exit, median", n, how);
	g_autofree char *max = g_strdup_printf("release %d %s: death -> exit, max", n, how);
	g_autofree char *create = g_strdup_printf("release %d %s: create%s all", n, how,
						  mode == RELEASE_FIFO ? "+start" : "");
	g_autofree char *cpu = g_strdup_printf("release %d %s: monitors' CPU", n, how);

	bench_interleave(bench, fig, bench->opt->burst_reps, 6, bench_run_release, &mode, s);
	bench_table_add(bench->table, last, "ms", s[0],
			(BenchTarget){ BENCH_TARGET_RATIO_MAX, 1.0 });
	bench_table_add(bench->table, dead, "ms", s[1], BENCH_NO_TARGET);
	bench_table_add(bench->table, med, "ms", s[2], BENCH_NO_TARGET);
	bench_table_add(bench->table, max, "ms", s[3], BENCH_NO_TARGET);
	bench_table_add(bench->table, create, "s", s[4], BENCH_NO_TARGET);
	bench_table_add(bench->table, cpu, "s", s[5], BENCH_NO_TARGET);
}

void bench_fig_release(Bench *bench)
{
	release_rows(bench, RELEASE_FIFO);
	release_rows(bench, RELEASE_START);
}
