/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/*
 * Attach throughput: 1 or 4 clients connect to the attach socket between create and start
 * (as `podman start --attach` does) and read with podman's 8193-byte buffer while the
 * container cats a file to stdout. The log driver is `none` so the figure is the attach
 * path alone. The clock runs from the first packet any client receives to the moment the
 * last client has all of the container's output; MB/s is per client (every client gets
 * every byte, so the monitor sends clients x that).
 */

#define WAIT_MS 300000
/* podman and CRI-O read with BufSize + 1 (docs/conmon-contract.md, "Attach socket framing"). */
#define CLIENT_BUF  8193
#define MAX_CLIENTS 16

typedef struct {
	const BenchData *data;
	int clients;
} AttachRun;

/* podman's way: O_PATH on the socket, connect to /proc/self/fd/N (no sun_path limit). */
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

/* Read all clients until each has every byte or its EOF; times in *t_first, *t_done. */
static gboolean read_clients(int *fds, int n, guint64 want, gint64 *t_first, gint64 *t_done,
			     GError **error)
{
	guint64 got[MAX_CLIENTS] = { 0 };
	gboolean done[MAX_CLIENTS] = { FALSE };
	int left = n;
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;
	static char buf[CLIENT_BUF];

	*t_first = 0;
	while (left > 0) {
		struct pollfd p[MAX_CLIENTS];
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ done[i] ? -1 : fds[i], POLLIN, 0 };
		int timeout = (int)((deadline - g_get_monotonic_time()) / 1000);
		if (timeout <= 0 || poll(p, (nfds_t)n, timeout) == 0)
			return vigil_throw(error, ETIMEDOUT, "attach clients: timed out");
		for (int i = 0; i < n; i++) {
			if (done[i] || p[i].revents == 0)
				continue;
			ssize_t r = recv(fds[i], buf, sizeof buf, MSG_TRUNC | MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (*t_first == 0 && r > 0)
				*t_first = g_get_monotonic_time();
			if (r > (ssize_t)sizeof buf)
				return vigil_throw(error, EMSGSIZE,
						   "attach client %d: %zd-byte message, podman "
						   "reads %d",
						   i, r, CLIENT_BUF);
			if (r > 0 && buf[0] != 2)
				return vigil_throw(error, EPROTO,
						   "attach client %d: stream byte %d", i, buf[0]);
			if (r > 0)
				got[i] += (guint64)r - 1;
			if (r <= 0 || got[i] >= want) {
				if (got[i] != want)
					return vigil_throw(
						error, EPROTO,
						"attach client %d: %" G_GUINT64_FORMAT
						" bytes, container wrote %" G_GUINT64_FORMAT,
						i, got[i], want);
				done[i] = TRUE;
				left--;
			}
		}
	}
	*t_done = g_get_monotonic_time();
	return TRUE;
}

static gboolean bench_run_attach(Bench *bench, BenchMonitorId mon, gpointer data, double *v,
				 GError **error)
{
	AttachRun *run = data;
	g_autoptr(BenchCtr) c = bench_ctr_new(
		bench, mon, (const char *const[]){ "cat", "/data", NULL }, run->data->path);
	g_autofree char *sock = g_build_filename(c->b->bundle, "attach", NULL);
	int fds[MAX_CLIENTS];
	int status = -1;
	gint64 t_first = 0, t_done = 0;
	gboolean ok = TRUE;

	if (!bench_ctr_create(c, NULL, "none", error))
		return FALSE;
	for (int i = 0; i < run->clients; i++)
		fds[i] = -1;
	for (int i = 0; ok && i < run->clients; i++) {
		fds[i] = attach_connect(sock, error);
		ok = fds[i] >= 0;
	}
	ok = ok && bench_ctr_start(c, error) &&
	     read_clients(fds, run->clients, run->data->bytes, &t_first, &t_done, error);
	for (int i = 0; i < run->clients; i++)
		vigil_clear_fd(&fds[i]);
	if (!ok)
		return FALSE;
	if (!bench_ctr_exit_status(c, WAIT_MS, &status, error) ||
	    !bench_ctr_wait_monitor(c, WAIT_MS, NULL, error))
		return FALSE;
	if (status != 0)
		return vigil_throw(error, EPROTO, "%s: exit status %d, want 0", c->mon->name,
				   status);
	if (t_done <= t_first)
		return vigil_throw(error, EPROTO, "%s: no output reached the clients",
				   c->mon->name);
	v[0] = ((double)run->data->bytes / 1e6) / ((double)(t_done - t_first) / 1e6);
	return TRUE;
}

void bench_fig_attach(Bench *bench, const BenchData *data, int clients)
{
	GArray *s[1][BENCH_N_MONITORS] = { { NULL } };
	AttachRun run = { .data = data, .clients = MIN(clients, MAX_CLIENTS) };
	g_autofree char *fig =
		g_strdup_printf("attach, %d client%s", run.clients, run.clients == 1 ? "" : "s");
	g_autofree char *row = g_strdup_printf("%s: MB/s each", fig);

	bench_interleave(bench, fig, bench->opt->reps, 1, bench_run_attach, &run, s);
	bench_table_add(bench->table, row, "MB/s", s[0], BENCH_NO_TARGET);
}
