/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "exit_file.h"
#include "fdutil.h"

/* One container under one monitor, started exactly as podman starts conmon. */

#define SYNC_TIMEOUT_MS 60000

BenchCtr *bench_ctr_new(Bench *bench, BenchMonitorId mon, const char *const *argv, const char *data)
{
	BenchCtr *c = g_new0(BenchCtr, 1);

	c->mon = &bench->mon[mon];
	c->b = test_bundle_new(argv);
	if (data != NULL) {
		g_autofree char *dst = g_build_filename(c->b->bundle, "rootfs", "data", NULL);
		/* A hard link: every bundle shares one copy, and the page cache holds it warm. */
		if (link(data, dst) < 0)
			g_error("link %s %s: %s", data, dst, g_strerror(errno));
	}
	if (bench->opt->log_dir != NULL) {
		g_autofree char *name = g_strdup_printf("%s.log", c->b->id);
		c->log_path = g_build_filename(bench->opt->log_dir, name, NULL);
	} else {
		c->log_path = g_strdup(c->b->log_path);
	}
	c->no_sync_log = bench->opt->no_sync_log;
	c->run_dir = g_build_filename(bench->run_root, c->b->id, NULL);
	c->persist_dir = g_build_filename(c->run_dir, "persist", NULL);
	c->exit_dir = g_build_filename(c->run_dir, "exits", NULL);
	if (g_mkdir_with_parents(c->persist_dir, 0755) < 0 ||
	    g_mkdir_with_parents(c->exit_dir, 0755) < 0)
		g_error("mkdir %s: %s", c->run_dir, g_strerror(errno));
	return c;
}

/* podman's argv (docs/conmon-contract.md, "Engine command lines") without the parts that are
 * podman's own work (the exit command runs podman itself). --log-level warning is podman's default
 * level. */
gboolean bench_ctr_create(BenchCtr *c, const char *exit_dir, const char *log, GError **error)
{
	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *log_arg = g_str_equal(log, "k8s")
					   ? g_strdup_printf("k8s-file:%s", c->log_path)
					   : g_strdup(log);
	if (exit_dir != NULL) {
		g_free(c->exit_dir);
		c->exit_dir = g_strdup(exit_dir);
	}
	const char *args[] = { "--api-version",
			       "1",
			       "-c",
			       "@ID@",
			       "-u",
			       "@ID@",
			       "-r",
			       runc,
			       "-b",
			       "@BUNDLE@",
			       "-p",
			       "@PIDFILE@",
			       "-n",
			       "@ID@",
			       "--exit-dir",
			       c->exit_dir,
			       "--persist-dir",
			       c->persist_dir,
			       "--full-attach",
			       "-l",
			       log_arg,
			       "--log-level",
			       "warning",
			       "--syslog",
			       "--conmon-pidfile",
			       "@CONMONPID@",
			       "--runtime-arg",
			       "--root=@RUNCROOT@",
			       c->no_sync_log ? "--no-sync-log" : NULL,
			       NULL };

	c->tm = test_monitor_start_with(c->mon->path, c->b, args, FALSE, FALSE);
	if (c->tm->launcher_status != 0)
		return vigil_throw(error, EPROTO, "%s: launcher exited %d: %s", c->mon->name,
				   c->tm->launcher_status, c->tm->launcher_stderr);
	c->monitor_pid = c->tm->monitor_pid;
	if (c->monitor_pid <= 0)
		return vigil_throw(error, EPROTO, "%s: no --conmon-pidfile", c->mon->name);
	g_autofree char *line = testlib_read_line(c->tm->sync_fd, SYNC_TIMEOUT_MS);
	if (line == NULL || !g_str_has_prefix(line, "{\"data\": "))
		return vigil_throw(error, EPROTO, "%s: sync pipe: %s", c->mon->name,
				   line != NULL ? line : "nothing");
	c->ctr_pid = (pid_t)atoi(line + strlen("{\"data\": "));
	if (c->ctr_pid <= 0)
		return vigil_throw(error, EPROTO, "%s: create failed: %s", c->mon->name, line);
	return TRUE;
}

gboolean bench_ctr_start(BenchCtr *c, GError **error)
{
	g_autofree char *err = NULL;

	if (testlib_runc(c->b, NULL, &err, "start", c->b->id, NULL) != 0)
		return vigil_throw(error, EPROTO, "%s: runc start: %s", c->mon->name, err);
	return TRUE;
}

gboolean bench_ctr_exit_status(BenchCtr *c, int timeout_ms, int *out_status, GError **error)
{
	g_autofree char *path = g_build_filename(c->exit_dir, c->b->id, NULL);

	if (!testlib_wait_for_file(path, timeout_ms))
		return vigil_throw(error, ETIMEDOUT, "%s: no exit file %s after %d ms",
				   c->mon->name, path, timeout_ms);
	return exit_file_read(path, out_status, error);
}

gboolean bench_ctr_wait_monitor(BenchCtr *c, int timeout_ms, double *out_cpu, GError **error)
{
	if (c->reaped)
		return vigil_throw(error, ECHILD, "%s: monitor already reaped", c->mon->name);
	if (!bench_proc_wait_exit_nowait(c->monitor_pid, timeout_ms, error))
		return FALSE;
	gboolean ok = out_cpu == NULL || bench_proc_cpu(c->monitor_pid, out_cpu, error);
	(void)testlib_wait_pid(c->monitor_pid, timeout_ms);
	c->reaped = TRUE;
	/* test_bundle_free kills the pid in this file if it runs: it may belong to someone
	 * else by now. */
	(void)unlink(c->b->conmon_pidfile);
	return ok;
}

void bench_ctr_free(BenchCtr *c)
{
	if (c == NULL)
		return;
	if (c->reaped)
		(void)unlink(c->b->conmon_pidfile);
	/* runc delete -f, then the monitor (reaped here if it already exited). */
	test_bundle_free(c->b);
	test_monitor_free(c->tm);
	(void)unlink(c->log_path);
	const char *rm[] = { "rm", "-rf", c->run_dir, NULL };
	(void)testlib_run(rm, NULL, NULL, NULL);
	g_free(c->run_dir);
	g_free(c->persist_dir);
	g_free(c->exit_dir);
	g_free(c->log_path);
	g_free(c);
}

/* ---- exit-file watch ---- */

struct _BenchWatch {
	int fd;
	char *dir;
};

BenchWatch *bench_watch_new(const char *dir, GError **error)
{
	g_autoptr(BenchWatch) w = g_new0(BenchWatch, 1);

	w->dir = g_strdup(dir);
	w->fd = inotify_init1(IN_CLOEXEC);
	if (w->fd < 0) {
		vigil_throw_errno(error, "inotify_init1");
		return NULL;
	}
	/* conmon renames a temporary into place (g_file_set_contents), so does vigilmon;
	 * IN_CLOSE_WRITE covers a monitor that writes the file in place. */
	if (inotify_add_watch(w->fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		vigil_throw_errno(error, "inotify_add_watch %s", dir);
		return NULL;
	}
	return g_steal_pointer(&w);
}

void bench_watch_free(BenchWatch *w)
{
	if (w == NULL)
		return;
	vigil_clear_fd(&w->fd);
	g_free(w->dir);
	g_free(w);
}

gint64 bench_watch_wait(BenchWatch *w, const char *name, int timeout_ms)
{
	return bench_watch_wait_pidfd(w, name, -1, NULL, timeout_ms);
}

gint64 bench_watch_wait_pidfd(BenchWatch *w, const char *name, int pidfd, gint64 *out_exited,
			      int timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_autofree char *path = g_build_filename(w->dir, name, NULL);

	if (access(path, F_OK) == 0)
		return g_get_monotonic_time();
	for (;;) {
		union {
			struct inotify_event ev;
			char buf[4096];
		} u;
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p[2] = { { w->fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		if (left <= 0)
			return -1;
		int r = poll(p, 2, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (p[1].revents != 0) {
			/* The process is dead (a zombie): stamp it once, stop watching it. */
			*out_exited = g_get_monotonic_time();
			pidfd = -1;
		}
		if (p[0].revents == 0)
			continue;
		ssize_t n = read(w->fd, u.buf, sizeof u.buf);
		gint64 now = g_get_monotonic_time();
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (char *q = u.buf; q < u.buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)(void *)q;
			if (ev->len > 0 && g_str_equal(ev->name, name))
				return now;
			q += sizeof *ev + ev->len;
		}
	}
}
