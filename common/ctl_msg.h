/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The line grammar of the ctl and winsz FIFOs in the bundle (docs/conmon-contract.md,
 * "ctl and winsz FIFOs"). podman writes "1 <height> <width>\n" to resize (AttachResize,
 * ExecAttachResize); CRI-O also writes "2 0 0\n" to have the log reopened (ReopenContainerLog,
 * kubelet's rotation). winsz takes "<height> <width>\n".
 *
 * Compat: numbers are read like conmon's scanf("%d %d %d"): optional whitespace, an optional
 * sign, decimal digits (leading zeros fine, no hex); anything after the last number is
 * ignored ("1 2 2 3" is 1 2 2; "1 10.5 20" fails on ".5"). Unlike scanf, a number that
 * does not fit an int is an error rather than undefined.
 */

/* conmon's WIN_RESIZE_EVENT and REOPEN_LOGS_EVENT: engines compile these numbers in. */
typedef enum {
	CTL_MSG_RESIZE = 1,
	CTL_MSG_REOPEN_LOGS = 2,
} CtlMsgType;

/* conmon rejects sizes outside 0..1000, for every message type. */
#define CTL_MSG_SIZE_MAX 1000

/* The longest line taken (conmon's 200-byte line buffer); longer lines are discarded whole. */
#define CTL_MSG_LINE_MAX 199

typedef struct {
	CtlMsgType type;
	int height; /* rows; for REOPEN_LOGS the unused second number */
	int width;  /* columns; for REOPEN_LOGS the unused third number */
} CtlMsg;

/* One ctl line (without its '\n'; may hold any bytes). EINVAL for a malformed line or an
 * unknown type, ERANGE for sizes outside 0..CTL_MSG_SIZE_MAX or numbers beyond int. */
gboolean ctl_msg_parse(const char *line, gsize len, CtlMsg *out, GError **error);

/* One winsz line "<height> <width>"; out->type is CTL_MSG_RESIZE. Errors as above. */
gboolean ctl_msg_parse_winsz(const char *line, gsize len, CtlMsg *out, GError **error);

/*
 * Splits a byte stream from a FIFO into lines. A line longer than CTL_MSG_LINE_MAX is
 * dropped up to and including its newline (conmon drops only the first 199 bytes and then
 * parses the rest of such a line as if it were a new one).
 */
typedef struct {
	char buf[CTL_MSG_LINE_MAX];
	gsize len;
	gboolean discarding; /* inside an over-long line */
} CtlLineBuf;

/* line == NULL (len 0): one over-long line was dropped. line is not NUL-terminated. */
typedef void (*CtlLineFunc)(const char *line, gsize len, gpointer user_data);

/* Feed bytes; on_line is called for every complete line, in order. */
void ctl_line_buf_feed(CtlLineBuf *lb, const char *data, gsize len, CtlLineFunc on_line,
		       gpointer user_data);
