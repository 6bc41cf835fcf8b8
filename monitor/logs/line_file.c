/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "line_file.h"

gboolean line_file_init(LineFile *lf, const LogDriverOps *ops, const LogConfig *cfg,
			const char *path, gsize line_max, LineFileFormatTime format_time,
			LogLinesEmit emit, GError **error)
{
	const LogFileOptions opts = {
		.path = path,
		.size_max = cfg->log_size_max,
		.global_size_max = cfg->log_global_size_max,
		.rotate = cfg->log_rotate,
		.max_files = cfg->log_max_files,
		.allowlist = cfg->log_allowlist_dirs,
	};

	lf->file = log_file_open(&opts, error);
	if (lf->file == NULL)
		return FALSE;
	lf->base.ops = ops;
	lf->format_time = format_time;
	log_lines_init(&lf->lines, line_max, emit, lf);
	return TRUE;
}

void line_file_clear(LineFile *lf)
{
	log_lines_clear(&lf->lines);
	g_clear_pointer(&lf->file, log_file_free);
}

/* One time for every record a chunk completes: formatting it per line would cost more. */
static void set_time(LineFile *lf, const struct timespec *now)
{
	lf->time_len = lf->format_time(lf, now, lf->time);
}

void line_file_write(LogDriver *driver, int stream, const char *buf, gsize len,
		     const struct timespec *now)
{
	LineFile *lf = (LineFile *)driver;

	set_time(lf, now);
	log_lines_feed(&lf->lines, stream, buf, len);
	log_file_flush(lf->file);
}

gint64 line_file_pending_since(LogDriver *driver)
{
	return log_lines_pending_since(&((LineFile *)driver)->lines);
}

void line_file_flush_pending(LogDriver *driver, const struct timespec *now, gint64 started_before)
{
	LineFile *lf = (LineFile *)driver;

	set_time(lf, now);
	log_lines_flush(&lf->lines, started_before);
	log_file_flush(lf->file);
}

void line_file_reopen(LogDriver *driver, const struct timespec *now)
{
	/* A held fragment belongs to the file being closed: nothing may straddle two files. */
	line_file_flush_pending(driver, now, G_MAXINT64);
	log_file_reopen(((LineFile *)driver)->file);
}

void line_file_flush(LogDriver *driver, const struct timespec *now, gboolean sync)
{
	line_file_flush_pending(driver, now, G_MAXINT64);
	if (sync)
		log_file_sync(((LineFile *)driver)->file);
}

void line_file_stats(LogDriver *driver, LogStats *sum)
{
	const LogFile *file = ((LineFile *)driver)->file;

	sum->dropped_bytes += log_file_lost_bytes(file);
	sum->rotations += log_file_rotations(file);
}
