/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/*
 * Exit under load (issue 14): CRI-O gives the exit file about 5 s once the runtime reports the
 * container stopped, then reports exit code 255; podman waits for it too. So the exit file
 * must come soon after the container's death whatever its output is doing.
 *
 * The container cats a file of 100-byte lines to stdout in a loop, into a k8s-file log. Two
 * rows, death -> exit file (death: the container's init polled dead through its pidfd):
 * - flood: SIGKILL once the log holds a gigabyte, the pipe full and the page cache dirty;
 * - flood + a client that does not read: an attach client connected before the start that
 *   never reads. Output then waits for it (both monitors give every client every byte), so
 *   the container is killed once its log stopped growing. conmon writes to clients with
 *   blocking writes and may never get to its exit file: the wait is bounded (STALLED_MS) and
 *   a run that hits the bound is reported under the table, not counted.
 */

#define FLOOD_LOG_BYTES (1024LL * 1024 * 1024)
#define FLOOD_WAIT_MS   300000
/* The log has stopped growing for this long: output waits for the client. */
#define STILL_MS 300
/* How long a run waits for the exit file after the death. */
#define STALLED_MS 10000
#define WAIT_MS    60000

typedef struct {
	const BenchData *data;
	gboolean client;
} FloodRun;

static gint64 file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (gint64)st.st_size : 0;
}

/* Until the log holds FLOOD_LOG_BYTES or (with a stalled client) stops growing. */
static gboolean wait_for_flood(BenchCtr *c, gboolean stall, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)FLOOD_WAIT_MS * 1000;
	gint64 last = -1, still_since = 0;

	for (;;) {
		gint64 size = file_size(c->log_path);
		gint64 now = g_get_monotonic_time();
		if (size >= FLOOD_LOG_BYTES)
			return TRUE;
		if (size != last) {
			last = size;
			still_since = now;
		} else if (stall && size > 0 && now - still_since >= STILL_MS * 1000) {
			return TRUE;
		}
		if (now > deadline)
			return vigil_throw(error, ETIMEDOUT,
					   "%s: log at %" G_GINT64_FORMAT " bytes", c->mon->name,
					   size);
		g_usleep(10 * 1000);
	}
}

static int attach_connect(const char *path, GError **error)
{
	vigil_autofd int pfd = open(path, O_PATH | O_CLOEXEC);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (pfd < 0) {
		vigil_throw_errno(error, "open %s", path);
		return -1;
	}
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", pfd);
	vigil_autofd int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		vigil_throw_errno(error, "connect %s", path);
		return -1;
	}
	return g_steal_fd(&fd);
}

/* One run: *out_ms death -> exit file, or *out_stalled when none came within STALLED_MS. */
static gboolean run_once(Bench *bench, BenchMonitorId mon, const FloodRun *run, double *out_ms,
			 gboolean *out_stalled, GError **error)
{
	g_autoptr(BenchCtr) c = bench_ctr_new(
		bench, mon,
		(const char *const[]){ "sh", "-c", "while :; do cat /data; done", NULL },
		run->data->path);
	g_autoptr(BenchWatch) w = bench_watch_new(c->exit_dir, error);
	vigil_autofd int client = -1;
	int status = -1;

	*out_stalled = FALSE;
	if (w == NULL || !bench_ctr_create(c, NULL, "k8s", error))
		return FALSE;
	if (run->client) {
		g_autofree char *sock = g_build_filename(c->b->bundle, "attach", NULL);
		client = attach_connect(sock, error);
		if (client < 0)
			return FALSE;
	}
	if (!bench_ctr_start(c, error) || !wait_for_flood(c, run->client, error))
		return FALSE;
	vigil_autofd int pidfd = (int)syscall(SYS_pidfd_open, c->ctr_pid, 0);
	if (pidfd < 0)
		return vigil_throw_errno(error, "pidfd_open %d", (int)c->ctr_pid);
	gint64 t_dead = 0;
	if (kill(c->ctr_pid, SIGKILL) < 0)
		return vigil_throw_errno(error, "kill %d", (int)c->ctr_pid);
	gint64 t1 = bench_watch_wait_pidfd(w, c->b->id, pidfd, &t_dead, STALLED_MS);
	if (t1 < 0) {
		/* let it go: a monitor blocked on the client gets EPIPE and finishes */
		*out_stalled = TRUE;
		return TRUE;
	}
	if (t_dead == 0 || t_dead > t1)
		t_dead = t1;
	if (!bench_ctr_exit_status(c, WAIT_MS, &status, error))
		return FALSE;
	if (status != 128 + SIGKILL)
		return vigil_throw(error, EPROTO, "%s: exit status %d, want %d", c->mon->name,
				   status, 128 + SIGKILL);
	*out_ms = (double)(t1 - t_dead) / 1000.0;
	vigil_clear_fd(&client);
	return bench_ctr_wait_monitor(c, WAIT_MS, NULL, error);
}

static void flood_row(Bench *bench, const FloodRun *run, const char *row)
{
	GArray *s[BENCH_N_MONITORS];
	int stalled[BENCH_N_MONITORS] = { 0 };

	for (int m = 0; m < BENCH_N_MONITORS; m++)
		s[m] = g_array_new(FALSE, FALSE, sizeof(double));
	for (int rep = 0; rep < bench->opt->reps; rep++) {
		for (int slot = 0; slot < BENCH_N_MONITORS; slot++) {
			BenchMonitorId m = bench_order(rep, slot);
			g_autoptr(GError) error = NULL;
			gboolean stall = FALSE;
			double ms = 0;

			if (!run_once(bench, m, run, &ms, &stall, &error)) {
				bench_table_error(bench->table, "%s: %s run %d: %s", row,
						  bench->mon[m].name, rep + 1, error->message);
				continue;
			}
			if (stall) {
				stalled[m]++;
				fprintf(stderr, "# %s: %s %d/%d: no exit file within %d ms\n", row,
					bench->mon[m].name, rep + 1, bench->opt->reps, STALLED_MS);
				continue;
			}
			g_array_append_val(s[m], ms);
			fprintf(stderr, "# %s: %s %d/%d: %.4g\n", row, bench->mon[m].name, rep + 1,
				bench->opt->reps, ms);
		}
	}
	bench_table_add(bench->table, row, "ms", s, (BenchTarget){ BENCH_TARGET_VALUE_MAX, 1000 });
	for (int m = 0; m < BENCH_N_MONITORS; m++) {
		if (stalled[m] > 0)
			bench_table_note(bench->table,
					 "%s: %s wrote no exit file within %d s of the death in %d "
					 "of %d runs (blocked on the client that does not read)",
					 row, bench->mon[m].name, STALLED_MS / 1000, stalled[m],
					 bench->opt->reps);
	}
}

void bench_fig_flood_exit(Bench *bench)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BenchData) data = bench_data_new(bench->work, "flood.data", 64, 100, &error);

	if (data == NULL) {
		bench_table_error(bench->table, "flood output: %s", error->message);
		return;
	}
	flood_row(bench, &(FloodRun){ data, FALSE }, "exit: death -> exit file, 1 GiB log flood");
	flood_row(bench, &(FloodRun){ data, TRUE },
		  "exit: death -> exit file, flood + client not reading");
}
