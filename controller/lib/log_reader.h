/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * A log file read back by complete lines, forward or backward, a block at a time: memory
 * holds one block and the longest line, never the file, and `logs --tail N` reads only the
 * end it shows. Only the bytes the file had when it was opened are read (later ones are for
 * --follow), and only up to its last '\n': an unterminated last line is still being written.
 */

#define LOG_READER_BLOCK (64 * 1024)

/* What reading cost, for tests and benchmarks. */
typedef struct {
	guint64 bytes_read; /* from the files */
	gsize peak_buffer;  /* the largest buffer held */
} LogReadStats;

typedef struct {
	char *path;
	int fd;      /* -1: missing or not a regular file, read as empty */
	gint64 size; /* when opened */
} LogFile;

/* Open path for reading; a missing or unreadable file reads as empty, as it did before. */
void log_file_open(LogFile *f, const char *path);
void log_file_close(LogFile *f);

typedef enum {
	LOG_LINES_LINE,
	LOG_LINES_END,
	LOG_LINES_ERROR,
} LogLinesResult;

typedef struct {
	const LogFile *file;
	gboolean backward;
	gsize block;
	LogReadStats *stats; /* optional */
	char *buf;
	gsize cap;
	gint64 buf_off;     /* file offset of buf[0] */
	gsize head;         /* forward: buf[head, len) is not returned yet */
	gsize len;          /* backward: buf[0, len) is not returned yet */
	gint64 next;        /* forward: the file offset read next */
	gboolean found_end; /* backward: the bytes after the last '\n' are dropped */
} LogLines;

/* Lines of f from offset from (a line start) to its end; block 0 is LOG_READER_BLOCK (tests
 * pass small blocks to cross block edges often). */
void log_lines_init_forward(LogLines *it, const LogFile *f, gint64 from, gsize block,
			    LogReadStats *stats);
/* Lines of f from its last to its first. */
void log_lines_init_backward(LogLines *it, const LogFile *f, gsize block, LogReadStats *stats);

/* The next line, its '\n' included, valid until the next call, and its file offset. */
LogLinesResult log_lines_next(LogLines *it, const char **line, gsize *len, gint64 *offset,
			      GError **error);

void log_lines_clear(LogLines *it);
