/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "log_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"

void log_file_open(LogFile *f, const char *path)
{
	struct stat st;

	f->path = g_strdup(path);
	f->size = 0;
	/* O_NONBLOCK: a FIFO in the log's place must not hang the open; it is not read. */
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f->fd >= 0 && (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)))
		vigil_clear_fd(&f->fd);
	if (f->fd >= 0)
		f->size = st.st_size;
}

void log_file_close(LogFile *f)
{
	vigil_clear_fd(&f->fd);
	g_clear_pointer(&f->path, g_free);
}

static void init(LogLines *it, const LogFile *f, gsize block, LogReadStats *stats)
{
	*it = (LogLines){
		.file = f,
		.block = block > 0 ? block : LOG_READER_BLOCK,
		.stats = stats,
	};
}

void log_lines_init_forward(LogLines *it, const LogFile *f, gint64 from, gsize block,
			    LogReadStats *stats)
{
	init(it, f, block, stats);
	it->buf_off = it->next = from;
}

void log_lines_init_backward(LogLines *it, const LogFile *f, gsize block, LogReadStats *stats)
{
	init(it, f, block, stats);
	it->backward = TRUE;
	it->buf_off = f->size;
}

void log_lines_clear(LogLines *it)
{
	g_clear_pointer(&it->buf, g_free);
	it->cap = it->head = it->len = 0;
}

static void ensure_room(LogLines *it, gsize need)
{
	if (need <= it->cap)
		return;
	it->cap = MAX(need, it->cap * 2);
	it->buf = g_realloc(it->buf, it->cap);
	if (it->stats != NULL)
		it->stats->peak_buffer = MAX(it->stats->peak_buffer, it->cap);
}

/* Up to len bytes at offset into buf: the count, 0 at the end of the file, -1 on error. */
static gssize read_at(LogLines *it, char *buf, gsize len, gint64 offset, GError **error)
{
	gssize n;

	if (it->file->fd < 0)
		return 0;
	do
		n = pread(it->file->fd, buf, len, offset);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		vigil_throw_errno(error, "read '%s'", it->file->path);
		return -1;
	}
	if (it->stats != NULL)
		it->stats->bytes_read += (guint64)n;
	return n;
}

static LogLinesResult next_forward(LogLines *it, const char **line, gsize *len, gint64 *offset,
				   GError **error)
{
	for (;;) {
		gsize avail = it->len - it->head;
		/* No buffer yet before the first read: no arithmetic on NULL (UBSan). */
		char *p = it->buf != NULL ? it->buf + it->head : NULL;
		const char *nl = avail > 0 ? memchr(p, '\n', avail) : NULL;

		if (nl != NULL) {
			*line = p;
			*len = (gsize)(nl - p) + 1;
			*offset = it->buf_off + (gint64)it->head;
			it->head += *len;
			return LOG_LINES_LINE;
		}
		if (it->next >= it->file->size)
			return LOG_LINES_END;
		/* Keep the unfinished line at the front, then read the next block after it. */
		if (avail > 0)
			memmove(it->buf, p, avail);
		it->buf_off += (gint64)it->head;
		it->head = 0;
		it->len = avail;
		gsize want = (gsize)MIN((gint64)it->block, it->file->size - it->next);
		ensure_room(it, avail + want);
		gssize n = read_at(it, it->buf + avail, want, it->next, error);
		if (n < 0)
			return LOG_LINES_ERROR;
		/* Shorter than when opened (truncated): what is left is all there is. */
		if (n == 0)
			return LOG_LINES_END;
		it->len += (gsize)n;
		it->next += n;
	}
}

/* Put the block before buf[0] in front of the unreturned bytes. */
static LogLinesResult prepend_block(LogLines *it, GError **error)
{
	gsize want = (gsize)MIN((gint64)it->block, it->buf_off);
	gsize got = 0;

	ensure_room(it, it->len + want);
	if (it->len > 0)
		memmove(it->buf + want, it->buf, it->len);
	while (got < want) {
		gssize n = read_at(it, it->buf + got, want - got,
				   it->buf_off - (gint64)want + (gint64)got, error);
		if (n < 0)
			return LOG_LINES_ERROR;
		if (n == 0)
			return LOG_LINES_END; /* truncated under us */
		got += (gsize)n;
	}
	it->buf_off -= (gint64)want;
	it->len += want;
	return LOG_LINES_LINE;
}

static LogLinesResult next_backward(LogLines *it, const char **line, gsize *len, gint64 *offset,
				    GError **error)
{
	for (;;) {
		if (!it->found_end) {
			/* Whatever follows the last '\n' is a line still being written. */
			const char *nl = it->len > 0 ? memrchr(it->buf, '\n', it->len) : NULL;
			if (nl != NULL) {
				it->len = (gsize)(nl - it->buf) + 1;
				it->found_end = TRUE;
				continue;
			}
			it->len = 0;
		} else if (it->len > 0) {
			/* The line ends at buf[len - 1]; it starts after the '\n' before that. */
			const char *nl = it->len > 1 ? memrchr(it->buf, '\n', it->len - 1) : NULL;
			if (nl != NULL || it->buf_off == 0) {
				gsize start = nl != NULL ? (gsize)(nl - it->buf) + 1 : 0;
				*line = it->buf + start;
				*len = it->len - start;
				*offset = it->buf_off + (gint64)start;
				it->len = start;
				return LOG_LINES_LINE;
			}
		}
		if (it->buf_off == 0)
			return LOG_LINES_END;
		LogLinesResult r = prepend_block(it, error);
		if (r != LOG_LINES_LINE)
			return r;
	}
}

LogLinesResult log_lines_next(LogLines *it, const char **line, gsize *len, gint64 *offset,
			      GError **error)
{
	return it->backward ? next_backward(it, line, len, offset, error)
			    : next_forward(it, line, len, offset, error);
}
