/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "attach_proto.h"
#include "error.h"
#include "fdutil.h"
#include "log_driver.h"

/*
 * k8s-file (CRI log format, conmon.md §8.2): "<RFC3339Nano local time> <stream> <F|P> <data>\n".
 * Basic version: no size limits or rotation yet.
 */
typedef struct {
	LogDriver base;
	char *path;
	int fd;
	GString *out;
	gboolean warned;
} K8sFile;

static void format_time(const struct timespec *ts, char *buf, gsize size)
{
	struct tm tm;
	char date[32], zone[8];

	localtime_r(&ts->tv_sec, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof zone, "%z", &tm);
	/* %z gives +hhmm; RFC 3339 wants +hh:mm */
	g_snprintf(buf, size, "%s.%09ld%.3s:%.2s", date, ts->tv_nsec, zone, zone + 3);
}

static void k8s_write(LogDriver *driver, int stream, const char *buf, gsize len,
		      const struct timespec *now)
{
	K8sFile *k = (K8sFile *)driver;
	char ts[48];
	const char *name = stream == VIGIL_STREAM_STDERR ? "stderr" : "stdout";
	const char *p = buf, *end = buf + len;

	format_time(now, ts, sizeof ts);
	g_string_truncate(k->out, 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		gboolean full = nl != NULL;
		const char *stop = full ? nl + 1 : end;
		g_string_append_printf(k->out, "%s %s %c ", ts, name, full ? 'F' : 'P');
		g_string_append_len(k->out, p, stop - p);
		if (!full)
			g_string_append_c(k->out, '\n');
		p = stop;
	}
	int r = fd_write_all(k->fd, k->out->str, k->out->len, NULL);
	if (r < 0 && !k->warned) {
		k->warned = TRUE;
		g_warning("write log file '%s': %s", k->path, g_strerror(-r));
	}
}

static void k8s_flush(LogDriver *driver, gboolean sync)
{
	K8sFile *k = (K8sFile *)driver;

	if (sync && fsync(k->fd) < 0)
		g_warning("fsync log file '%s': %s", k->path, g_strerror(errno));
}

static void k8s_free(LogDriver *driver)
{
	K8sFile *k = (K8sFile *)driver;

	vigil_clear_fd(&k->fd);
	g_string_free(k->out, TRUE);
	g_free(k->path);
	g_free(k);
}

static const LogDriverOps k8s_ops = {
	.name = "k8s-file",
	.write = k8s_write,
	.flush = k8s_flush,
	.free = k8s_free,
};

LogDriver *k8s_file_driver_new(const MonitorConfig *cfg, const char *path, GError **error)
{
	K8sFile *k = g_new0(K8sFile, 1);

	k->base.ops = &k8s_ops;
	k->path = g_strdup(path);
	k->out = g_string_sized_new(4096);
	k->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (k->fd < 0) {
		vigil_throw_errno(error, "Failed to open log file '%s'", path);
		k8s_free(&k->base);
		return NULL;
	}
	return &k->base;
}
