/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/*
 * wait: how soon a waiter learns of a container's exit, and the CPU it uses for it.
 * Containers are made with vigilctl (create, start) under each monitor; a waiter starts and
 * is left WAIT_WINDOW_MS, plus a random part of a poll interval, to settle into its wait;
 * then the container's init is SIGKILLed and the bench stamps the exit file's arrival
 * (inotify) and the waiter's exit (its pidfd) in one poll(2) loop. "CPU from the kill" is
 * the waiter's time on a CPU from just before the kill to its exit (/proc/pid/schedstat,
 * read again while it is a zombie): waking, reporting, exiting. "CPU in all" (getrusage of
 * the reaped child) adds its start-up and whatever the wait itself cost over the window.
 *
 * The vigilmon column is always `vigilctl wait` over the monitor's control socket. The
 * conmon column is, per row group, what waiting costs without one:
 *   - `vigilctl wait` with conmon: the exit file, through inotify and a pidfd (no polling);
 *   - a poll of the exit file every 250 ms (podman wait's default --interval), done by a
 *     forked child doing nothing else: the cheapest a polling waiter can be.
 */

#define WAIT_MS          60000
#define WAIT_WINDOW_MS   2000
#define POLL_INTERVAL_MS 250

typedef enum {
	WAITER_VIGILCTL, /* vigilctl wait: the socket (vigilmon), the exit file (conmon) */
	WAITER_POLL,     /* a 250 ms stat loop on the exit file */
} WaiterKind;

typedef struct {
	WaiterKind conmon_waiter;
	const char *vigilctl;
} WaitFig;

/* vigilctl from the environment (VIGILCTL), else beside the monitor in a build tree
 * (build/monitor/vigilmon, build/controller/vigilctl), else on PATH. */
static char *find_vigilctl(Bench *bench)
{
	g_autofree char *dir = g_path_get_dirname(bench->mon[BENCH_VIGILMON].path);
	g_autofree char *sibling = g_build_filename(dir, "..", "controller", "vigilctl", NULL);

	if (g_getenv("VIGILCTL") != NULL)
		return g_strdup(g_getenv("VIGILCTL"));
	if (g_file_test(sibling, G_FILE_TEST_IS_EXECUTABLE))
		return g_canonicalize_filename(sibling, NULL);
	return g_find_program_in_path("vigilctl");
}

typedef struct {
	TestBundle *b;
	char *root;
	const char *vigilctl;
	const char *monitor;
} WaitCtr;

static void wait_ctr_free(WaitCtr *c)
{
	const char *rm[] = { "rm", "-rf", c->root, NULL };

	(void)testlib_run(rm, NULL, NULL, NULL);
	test_bundle_free(c->b);
	g_free(c->root);
	g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WaitCtr, wait_ctr_free)

static GPtrArray *ctl_argv(WaitCtr *c, const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(argv, g_strdup(c->vigilctl));
	g_ptr_array_add(argv, g_strdup_printf("--root=%s", c->root));
	g_ptr_array_add(argv, g_strdup_printf("--runtime-root=%s", c->b->runc_root));
	g_ptr_array_add(argv, g_strdup_printf("--monitor=%s", c->monitor));
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, g_strdup(*args));
	g_ptr_array_add(argv, NULL);
	return argv;
}

static gboolean ctl(WaitCtr *c, const char *const *args, char **out, GError **error)
{
	g_autoptr(GPtrArray) argv = ctl_argv(c, args);
	g_autofree char *err = NULL;
	int status = testlib_run((const char *const *)argv->pdata, NULL, out, &err);

	if (status != 0)
		return vigil_throw(error, EIO, "vigilctl %s: status %d: %s", args[0], status,
				   err != NULL ? g_strstrip(err) : "");
	return TRUE;
}

/* The container's pid, from vigilctl state --json. */
static pid_t ctr_pid(WaitCtr *c, GError **error)
{
	g_autofree char *out = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	JsonNode *root;

	if (!ctl(c, (const char *const[]){ "state", "--json", c->b->id, NULL }, &out, error))
		return 0;
	if (!json_parser_load_from_data(p, out, -1, NULL) ||
	    (root = json_parser_get_root(p)) == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return vigil_throw(error, EPROTO, "vigilctl state: not JSON"), 0;
	return (pid_t)json_object_get_int_member_with_default(json_node_get_object(root), "pid", 0);
}

/* A child that stats path every POLL_INTERVAL_MS until it exists; only async-signal-safe
 * calls after the fork. */
static pid_t start_poller(const char *path, GError **error)
{
	pid_t pid = fork();

	if (pid < 0)
		return vigil_throw_errno(error, "fork"), -1;
	if (pid == 0) {
		struct timespec ts = { 0, POLL_INTERVAL_MS * 1000000L };
		struct stat st;

		while (stat(path, &st) < 0)
			nanosleep(&ts, NULL);
		_exit(0);
	}
	return pid;
}

static pid_t start_vigilctl_wait(WaitCtr *c, GError **error)
{
	g_autoptr(GPtrArray) argv = ctl_argv(c, (const char *const[]){ "wait", c->b->id, NULL });
	GPid pid = 0;

	if (!g_spawn_async(NULL, (char **)argv->pdata, NULL,
			   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
			   error))
		return -1;
	return pid;
}

static double schedstat_s(pid_t pid)
{
	double s = 0;

	return bench_proc_cpu(pid, &s, NULL) ? s : 0;
}

typedef struct {
	gint64 dead;
	gint64 file;
	gint64 returned;
} Stamps;

/* Stamp the container's death, the exit file and the waiter's exit (left a zombie). */
static gboolean stamp(int ctr_fd, int inotify_fd, int waiter_fd, const char *name, Stamps *t,
		      GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;

	while (t->returned == 0) {
		struct pollfd p[3] = { { t->dead == 0 ? ctr_fd : -1, POLLIN, 0 },
				       { t->file == 0 ? inotify_fd : -1, POLLIN, 0 },
				       { waiter_fd, POLLIN, 0 } };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		int r;

		if (left <= 0)
			return vigil_throw(error, ETIMEDOUT, "the waiter did not return");
		r = poll(p, 3, (int)left);
		gint64 now = g_get_monotonic_time();
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vigil_throw_errno(error, "poll");
		if (p[0].revents != 0)
			t->dead = now;
		if (p[2].revents != 0)
			t->returned = now;
		if (p[1].revents != 0) {
			char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
			gssize n = read(inotify_fd, buf, sizeof buf);
			for (char *q = buf; n > 0 && q < buf + n;) {
				const struct inotify_event *ev = (const void *)q;
				if (ev->len > 0 && g_str_equal(ev->name, name))
					t->file = now;
				q += sizeof *ev + ev->len;
			}
		}
	}
	if (t->file == 0)
		t->file = t->returned;
	if (t->dead == 0 || t->dead > t->file)
		t->dead = t->file;
	return TRUE;
}

static gboolean bench_run_wait(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
			       GError **error)
{
	const WaitFig *fig = data;
	WaiterKind kind = mon == BENCH_VIGILMON ? WAITER_VIGILCTL : fig->conmon_waiter;
	g_autoptr(WaitCtr) c = g_new0(WaitCtr, 1);
	Stamps t = { 0 };
	struct rusage ru;
	int status = 0;

	c->b = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	c->root = g_build_filename(c->b->dir, "vigil", NULL);
	c->vigilctl = fig->vigilctl;
	c->monitor = bench->mon[mon].path;
	if (!ctl(c, (const char *const[]){ "create", "--bundle", c->b->bundle, c->b->id, NULL },
		 NULL, error) ||
	    !ctl(c, (const char *const[]){ "start", c->b->id, NULL }, NULL, error))
		return FALSE;
	pid_t pid = ctr_pid(c, error);
	if (pid <= 0)
		return FALSE;
	g_autofree char *exits = g_build_filename(c->root, c->b->id, "exits", NULL);
	g_autofree char *exit_file = g_build_filename(exits, c->b->id, NULL);
	vigil_autofd int ctr_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	vigil_autofd int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ctr_fd < 0 || ifd < 0 ||
	    inotify_add_watch(ifd, exits, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0)
		return vigil_throw_errno(error, "watch the container and '%s'", exits);

	pid_t waiter = kind == WAITER_POLL ? start_poller(exit_file, error)
					   : start_vigilctl_wait(c, error);
	if (waiter <= 0)
		return FALSE;
	vigil_autofd int waiter_fd = (int)syscall(SYS_pidfd_open, waiter, 0);
	/* Plus a random part of a poll interval: a fixed window would land the kill at the same
	 * phase of the poller's loop every time. */
	g_usleep((WAIT_WINDOW_MS + g_random_int_range(0, POLL_INTERVAL_MS)) * 1000);
	double cpu0 = schedstat_s(waiter);
	if (kill(pid, SIGKILL) < 0 || waiter_fd < 0)
		return vigil_throw_errno(error, "kill %d", (int)pid);
	gboolean ok = stamp(ctr_fd, ifd, waiter_fd, c->b->id, &t, error);
	double cpu1 = schedstat_s(waiter);
	if (!ok)
		(void)kill(waiter, SIGKILL);
	if (wait4(waiter, &status, 0, &ru) < 0)
		return vigil_throw_errno(error, "wait4 %d", (int)waiter);
	if (!ok)
		return FALSE;
	int want = kind == WAITER_POLL ? 0 : 128 + SIGKILL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want)
		return vigil_throw(error, EPROTO, "%s: the waiter ended with status 0x%x, want %d",
				   bench->mon[mon].name, status, want);
	v[0] = (double)(t.returned - t.file) / 1000.0;
	v[1] = (cpu1 - cpu0) * 1000.0;
	v[2] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
	return ctl(c, (const char *const[]){ "delete", "--force", c->b->id, NULL }, NULL, error);
}

static void wait_rows(Bench *bench, WaitFig *fig, const char *label)
{
	GArray *s[3][BENCH_N_MONITORS] = { { NULL } };
	g_autofree char *name = g_strdup_printf("wait (%s | socket)", label);
	g_autofree char *latency = g_strdup_printf("wait %s/socket: exit file -> return", label);
	g_autofree char *cpu = g_strdup_printf("wait %s/socket: CPU from the kill", label);
	g_autofree char *total = g_strdup_printf("wait %s/socket: CPU in all", label);

	bench_interleave(bench, name, bench->opt->reps, 3, bench_run_wait, fig, s);
	bench_table_add(bench->table, latency, "ms", s[0], BENCH_NO_TARGET);
	bench_table_add(bench->table, cpu, "ms", s[1], BENCH_NO_TARGET);
	bench_table_add(bench->table, total, "ms", s[2], BENCH_NO_TARGET);
}

void bench_fig_wait(Bench *bench)
{
	g_autofree char *vigilctl = find_vigilctl(bench);
	WaitFig fig = { .vigilctl = vigilctl };

	if (vigilctl == NULL) {
		bench_table_error(bench->table, "wait: vigilctl not found (set VIGILCTL)");
		return;
	}
	bench_table_note(bench->table,
			 "wait: the waiter starts, %d-%d ms later the container is SIGKILLed; "
			 "vigilmon's column is vigilctl wait on the control socket, conmon's "
			 "vigilctl wait on the exit file (inotify), or (poll) a stat of the "
			 "exit file every %d ms",
			 WAIT_WINDOW_MS, WAIT_WINDOW_MS + POLL_INTERVAL_MS, POLL_INTERVAL_MS);
	fig.conmon_waiter = WAITER_VIGILCTL;
	wait_rows(bench, &fig, "inotify");
	fig.conmon_waiter = WAITER_POLL;
	wait_rows(bench, &fig, "poll");
}
