/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "k8s_log.h"
#include "line_file.h"

/*
 * k8s-file (CRI log format, docs/conmon-contract.md, "k8s-file format"):
 * "<RFC 3339 local time> <stream> <F|P> <data>\n", read back by podman logs and the kubelet.
 *
 * The hot path: one timestamp per chunk (date and offset cached per second), lines found
 * with memchr, each record's prefix copied into the file's batch and the line itself
 * written from the read buffer when long, one writev per chunk. A line split across reads
 * is merged into one record while it fits K8S_FILE_LINE_MAX (log_lines.h); podman joins
 * partial records anyway, so what it prints is the same as with conmon.
 */

/* Longest line kept together by default (--log-line-max): a fragment plus what completes it
 * up to this many bytes are one record. 64 KiB is one read of the pipe, and 4x the line size
 * containerd splits at. */
#define K8S_FILE_LINE_MAX (64 * 1024)

typedef struct {
	LineFile lf;
	K8sLogClock clock;
} K8sFile;

G_STATIC_ASSERT(K8S_LOG_TIME_MAX <= LINE_FILE_TIME_MAX);

static gsize k8s_format_time(LineFile *lf, const struct timespec *now, char *buf)
{
	return k8s_log_format_time(&((K8sFile *)lf)->clock, now, buf);
}

static void k8s_emit(gpointer data, int stream, const char *head, gsize head_len, const char *body,
		     gsize body_len, gboolean partial)
{
	LineFile *lf = data;
	char prefix[K8S_LOG_PREFIX_MAX];
	gsize n = k8s_log_format_prefix(prefix, lf->time, lf->time_len, stream, partial);

	if (!log_file_begin_record(lf->file, n + head_len + body_len + (partial ? 1 : 0)))
		return;
	log_file_append(lf->file, prefix, n, FALSE);
	log_file_append(lf->file, head, head_len, FALSE);
	/* body is container output from the current chunk, unchanged until the flush */
	log_file_append(lf->file, body, body_len, TRUE);
	if (partial)
		log_file_append(lf->file, "\n", 1, FALSE);
}

static void k8s_free(LogDriver *driver)
{
	K8sFile *k = (K8sFile *)driver;

	line_file_clear(&k->lf);
	g_free(k);
}

static const LogDriverOps k8s_ops = {
	.write = line_file_write,
	.pending_since = line_file_pending_since,
	.flush_pending = line_file_flush_pending,
	.reopen = line_file_reopen,
	.flush = line_file_flush,
	.free = k8s_free,
	.stats = line_file_stats,
};

LogDriver *k8s_file_driver_new(const LogConfig *cfg, const char *path, GError **error)
{
	g_autofree K8sFile *k = g_new0(K8sFile, 1);

	if (!line_file_init(&k->lf, &k8s_ops, cfg, path,
			    log_driver_line_max(cfg, K8S_FILE_LINE_MAX), k8s_format_time, k8s_emit,
			    error))
		return NULL;
	return &g_steal_pointer(&k)->lf.base;
}
