/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "k8s_log.h"
#include "log_driver.h"
#include "log_file.h"
#include "log_lines.h"

/*
 * k8s-file (CRI log format, conmon.md §8.2): "<RFC 3339 local time> <stream> <F|P> <data>\n",
 * read back by podman logs and the kubelet.
 *
 * The hot path: one timestamp per chunk (date and offset cached per second), lines found
 * with memchr, each record's prefix copied into the file's batch and the line itself
 * written from the read buffer when long, one writev per chunk. A line split across reads
 * is merged into one record while it fits K8S_FILE_LINE_MAX (log_lines.h); podman joins
 * partial records anyway, so what it prints is the same as with conmon.
 */

/* Longest line kept together: a fragment plus what completes it up to this many bytes are
 * one record. 64 KiB is one read of the pipe, and 4x the line size containerd splits at. */
#define K8S_FILE_LINE_MAX (64 * 1024)

typedef struct {
	LogDriver base;
	LogFile *file;
	LogLines lines;
	K8sLogClock clock;
	char time[K8S_LOG_TIME_MAX];
	gsize time_len;
} K8sFile;

static void k8s_emit(gpointer data, int stream, const char *head, gsize head_len, const char *body,
		     gsize body_len, gboolean partial)
{
	K8sFile *k = data;
	char prefix[K8S_LOG_PREFIX_MAX];
	gsize n = k8s_log_format_prefix(prefix, k->time, k->time_len, stream, partial);

	if (!log_file_begin_record(k->file, n + head_len + body_len + (partial ? 1 : 0)))
		return;
	log_file_append(k->file, prefix, n, FALSE);
	log_file_append(k->file, head, head_len, FALSE);
	/* body is container output from the current chunk, unchanged until the flush */
	log_file_append(k->file, body, body_len, TRUE);
	if (partial)
		log_file_append(k->file, "\n", 1, FALSE);
}

static void set_time(K8sFile *k, const struct timespec *now)
{
	k->time_len = k8s_log_format_time(&k->clock, now, k->time);
}

static void k8s_write(LogDriver *driver, int stream, const char *buf, gsize len,
		      const struct timespec *now)
{
	K8sFile *k = (K8sFile *)driver;

	set_time(k, now);
	log_lines_feed(&k->lines, stream, buf, len);
	log_file_flush(k->file);
}

static gint64 k8s_pending_since(LogDriver *driver)
{
	return log_lines_pending_since(&((K8sFile *)driver)->lines);
}

static void k8s_flush_pending(LogDriver *driver, const struct timespec *now, gint64 started_before)
{
	K8sFile *k = (K8sFile *)driver;

	set_time(k, now);
	log_lines_flush(&k->lines, started_before);
	log_file_flush(k->file);
}

static void k8s_reopen(LogDriver *driver, const struct timespec *now)
{
	K8sFile *k = (K8sFile *)driver;

	/* A held fragment belongs to the file being closed: nothing may straddle two files. */
	k8s_flush_pending(driver, now, G_MAXINT64);
	log_file_reopen(k->file);
}

static void k8s_flush(LogDriver *driver, const struct timespec *now, gboolean sync)
{
	K8sFile *k = (K8sFile *)driver;

	k8s_flush_pending(driver, now, G_MAXINT64);
	if (sync)
		log_file_sync(k->file);
}

static void k8s_free(LogDriver *driver)
{
	K8sFile *k = (K8sFile *)driver;

	log_lines_clear(&k->lines);
	g_clear_pointer(&k->file, log_file_free);
	g_free(k);
}

static const LogDriverOps k8s_ops = {
	.name = "k8s-file",
	.write = k8s_write,
	.pending_since = k8s_pending_since,
	.flush_pending = k8s_flush_pending,
	.reopen = k8s_reopen,
	.flush = k8s_flush,
	.free = k8s_free,
};

LogDriver *k8s_file_driver_new(const MonitorConfig *cfg, const char *path, GError **error)
{
	LogFileOptions opts;
	LogFile *file;

	log_driver_file_options(cfg, path, &opts);
	file = log_file_open(&opts, error);
	if (file == NULL)
		return NULL;
	K8sFile *k = g_new0(K8sFile, 1);
	k->base.ops = &k8s_ops;
	k->file = file;
	log_lines_init(&k->lines, K8S_FILE_LINE_MAX, k8s_emit, k);
	return &k->base;
}
