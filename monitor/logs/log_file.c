/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "log_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"
#include "log_failure.h"
#include "rotate.h"

/*
 * One batch is at most this much copied data plus referenced pieces: a 64 KiB chunk of short
 * lines (prefixes add ~45 bytes a line) fits in one write. malloc'd on first use; only the
 * pages a container's output actually touches become resident.
 */
#define LOG_FILE_BUF (256 * 1024)
#define LOG_FILE_IOV 128
/* Stable pieces at least this long are written from where they are rather than copied. */
#define LOG_FILE_REF_MIN 2048
/*
 * Writeback of the file is started after every this many bytes (see start_writeback). The
 * kernel would start it only at its dirty thresholds (10% of RAM) or after 30 s, so a
 * container's whole output waited for the fsync at its exit, which then wrote it all while
 * podman waited for the exit file. Measured with tests/bench (docs/performance.md): +11%
 * k8s-file throughput for 100-byte lines, +24% for 64 KiB lines, monitor CPU unchanged.
 */
#define LOG_FILE_WRITEBACK (4 * 1024 * 1024)

struct _LogFile {
	char *what; /* "log file <path>", for the monitor's own messages */
	char *base;
	int dirfd;
	int fd;
	gboolean regular; /* limits and rotation only make sense for a regular file */
	gboolean nofollow;

	gint64 size_max;
	gint64 global_max;
	gboolean rotate;
	int max_files;
	gint64 file_bytes;  /* in the current file */
	gint64 total_bytes; /* ever, for global_max */

	char *buf;
	gsize buf_used;
	struct iovec iov[LOG_FILE_IOV];
	int iovcnt;
	gsize batch_len;
	gsize torn; /* bytes after the last '\n' we wrote: a record begun, not finished */
	/* a failed write took the start of the current record: drop the rest of it too */
	gboolean dropping;
	/* written since writeback was last started */
	gsize unflushed;
	LogFailure failure;
	guint64 rotations; /* files reopened, truncated or rotated */
};

LogFile *log_file_open(const LogFileOptions *opts, GError **error)
{
	g_autoptr(LogFile) f = g_new0(LogFile, 1);
	g_autofree char *dir = g_path_get_dirname(opts->path);
	struct stat st;

	f->dirfd = -1;
	f->fd = -1;
	f->what = g_strdup_printf("log file %s", opts->path);
	f->base = g_path_get_basename(opts->path);
	f->size_max = opts->size_max;
	f->global_max = opts->global_size_max;
	f->rotate = opts->rotate;
	f->max_files = MAX(opts->max_files, 1);

	if (g_str_has_suffix(opts->path, "/") || g_str_equal(f->base, ".") ||
	    g_str_equal(f->base, ".."))
		return vigil_throw(error, EISDIR, "Failed to open log file %s: %s", opts->path,
				   g_strerror(EISDIR)),
		       NULL;
	if (opts->allowlist != NULL && opts->allowlist[0] != NULL) {
		if (!rotate_check_allowlist(dir, opts->allowlist, error))
			return NULL;
		f->nofollow = TRUE;
	}
	f->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0 || (f->fd = rotate_open_append(f->dirfd, f->base, f->nofollow)) < 0)
		return vigil_throw_errno(error, "Failed to open log file %s", opts->path), NULL;
	if (fstat(f->fd, &st) < 0)
		return vigil_throw_errno(error, "Failed to open log file %s", opts->path), NULL;
	f->regular = S_ISREG(st.st_mode);
	/* Restarts of the same container keep counting where the last run stopped (conmon
	 * 2.1.10; conmon#266). */
	if (f->regular) {
		f->file_bytes = st.st_size;
		f->total_bytes = st.st_size;
	}
	return g_steal_pointer(&f);
}

/* Where the last '\n' among the first len batch bytes is: its offset + 1, or 0 if none. */
static gsize batch_last_newline(LogFile *f, gsize len)
{
	gsize starts[LOG_FILE_IOV];
	gsize off = 0;

	for (int i = 0; i < f->iovcnt; i++) {
		starts[i] = off;
		off += f->iov[i].iov_len;
	}
	for (int i = f->iovcnt - 1; i >= 0; i--) {
		if (starts[i] >= len)
			continue;
		gsize n = MIN(f->iov[i].iov_len, len - starts[i]);
		const char *nl = memrchr(f->iov[i].iov_base, '\n', n);
		if (nl != NULL)
			return starts[i] + (gsize)(nl - (const char *)f->iov[i].iov_base) + 1;
	}
	return 0;
}

/* After len batch bytes reached the file: how much of a record is left hanging there. */
static void note_written(LogFile *f, gsize len)
{
	if (len == 0)
		return;
	gsize boundary = batch_last_newline(f, len);
	f->torn = boundary > 0 ? len - boundary : f->torn + len;
}

/* Cut a half-written record off the end of the file; returns the bytes removed. */
static gsize cut_torn(LogFile *f)
{
	struct stat st;
	gsize n = f->torn;

	if (n == 0 || !f->regular || fstat(f->fd, &st) < 0 || (guint64)st.st_size < n)
		return 0;
	if (ftruncate(f->fd, st.st_size - (off_t)n) < 0)
		return 0;
	f->torn = 0;
	return n;
}

/*
 * Have the kernel start writing what is dirty, without waiting for it (SYNC_FILE_RANGE_WRITE
 * only submits; PostgreSQL's and RocksDB's *_flush_after do the same). The disk then works
 * while the container runs, and log_file_sync() at its exit finds at most the last few MiB.
 */
static void start_writeback(LogFile *f, gsize written)
{
	if (!f->regular)
		return;
	f->unflushed += written;
	if (f->unflushed < LOG_FILE_WRITEBACK)
		return;
	f->unflushed = 0;
	(void)sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/* len bytes counted by log_file_begin_record() did not reach the file. */
static void lose(LogFile *f, int err, gsize len)
{
	f->file_bytes = MAX(f->file_bytes - (gint64)len, 0);
	f->total_bytes = MAX(f->total_bytes - (gint64)len, 0);
	log_failure_hit(&f->failure, f->what, err, len);
}

static void batch_reset(LogFile *f)
{
	f->iovcnt = 0;
	f->buf_used = 0;
	f->batch_len = 0;
}

void log_file_flush(LogFile *f)
{
	struct iovec work[LOG_FILE_IOV];
	struct iovec *iov = work;
	int cnt = f->iovcnt;
	gsize written = 0;
	int err = 0;

	if (cnt == 0)
		return;
	memcpy(work, f->iov, sizeof(struct iovec) * (gsize)cnt);
	while (cnt > 0) {
		ssize_t n = writev(f->fd, iov, MIN(cnt, IOV_MAX));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		written += (gsize)n;
		while (cnt > 0 && (gsize)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (gsize)n;
		}
	}
	note_written(f, written);
	start_writeback(f, written);
	if (err == 0) {
		log_failure_clear(&f->failure, f->what);
	} else {
		const struct iovec *last = &f->iov[f->iovcnt - 1];
		/* A batch written out to make room can end inside a record; were the rest of
		 * that record written later, it would be a line without its start. */
		f->dropping = ((const char *)last->iov_base)[last->iov_len - 1] != '\n';
		lose(f, err, f->batch_len - written + cut_torn(f));
	}
	batch_reset(f);
}

static void add_iov(LogFile *f, const void *data, gsize len)
{
	f->iov[f->iovcnt].iov_base = (void *)data;
	f->iov[f->iovcnt].iov_len = len;
	f->iovcnt++;
	f->batch_len += len;
}

void log_file_append(LogFile *f, const void *data, gsize len, gboolean stable)
{
	const char *p = data;
	gboolean copy = !stable || len < LOG_FILE_REF_MIN;

	if (copy && f->buf == NULL)
		f->buf = g_malloc(LOG_FILE_BUF);
	while (len > 0) {
		/* Room first: a flush empties buf, so it must not come between the copy and
		 * the iovec that points at it. */
		if (f->iovcnt == LOG_FILE_IOV || (copy && f->buf_used == LOG_FILE_BUF))
			log_file_flush(f);
		if (f->dropping) {
			lose(f, f->failure.err, len);
			return;
		}
		if (!copy) {
			add_iov(f, p, len);
			return;
		}
		gsize n = MIN(len, LOG_FILE_BUF - f->buf_used);
		char *dst = f->buf + f->buf_used;
		struct iovec *last = f->iovcnt > 0 ? &f->iov[f->iovcnt - 1] : NULL;
		memcpy(dst, p, n);
		f->buf_used += n;
		if (last != NULL && (char *)last->iov_base + last->iov_len == dst) {
			last->iov_len += n;
			f->batch_len += n;
		} else {
			add_iov(f, dst, n);
		}
		p += n;
		len -= n;
	}
}

/* Truncate (recreate) or rotate, after writing out what belongs to the old file. */
static void cycle(LogFile *f)
{
	g_autoptr(GError) error = NULL;
	int fd;

	log_file_flush(f);
	if (!f->regular)
		fd = rotate_open_append(f->dirfd, f->base, f->nofollow);
	else if (f->rotate)
		fd = rotate_shift(f->dirfd, f->base, f->max_files, &error);
	else
		fd = rotate_recreate(f->dirfd, f->base, &error);
	if (fd < 0) {
		/* Keep writing to the old file; try again after another size_max bytes. */
		g_warning("%s: cannot %s it: %s", f->what, f->rotate ? "rotate" : "reopen",
			  error != NULL ? error->message : g_strerror(errno));
		f->file_bytes = 0;
		return;
	}
	vigil_clear_fd(&f->fd);
	f->fd = fd;
	f->file_bytes = 0;
	f->torn = 0;
	f->rotations++;
}

gboolean log_file_begin_record(LogFile *f, gsize len)
{
	f->dropping = FALSE;
	if (f->global_max > 0 && f->total_bytes >= f->global_max)
		return FALSE;
	if (f->size_max > 0 && f->regular && f->file_bytes > 0 &&
	    f->file_bytes + (gint64)len > f->size_max)
		cycle(f);
	f->file_bytes += (gint64)len;
	f->total_bytes += (gint64)len;
	return TRUE;
}

void log_file_reopen(LogFile *f)
{
	cycle(f);
}

void log_file_sync(LogFile *f)
{
	log_file_flush(f);
	/* EINVAL/EROFS: a log "file" like /dev/null cannot be synced, and need not be. */
	if (fsync(f->fd) < 0 && errno != EINVAL && errno != EROFS)
		g_warning("Failed to sync %s: %s", f->what, g_strerror(errno));
}

guint64 log_file_rotations(const LogFile *f)
{
	return f->rotations;
}

guint64 log_file_lost_bytes(const LogFile *f)
{
	return f->failure.total_lost_bytes;
}

void log_file_free(LogFile *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		log_file_flush(f);
	vigil_clear_fd(&f->fd);
	vigil_clear_fd(&f->dirfd);
	g_free(f->buf);
	g_free(f->what);
	g_free(f->base);
	g_free(f);
}
