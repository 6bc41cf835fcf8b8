/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctl_msg.h"

/*
 * The ctl/winsz FIFO reader (docs/conmon-contract.md, "ctl and winsz FIFOs"): any bytes, cut into
 * reads anywhere, go through the line splitter and both grammars. Nothing may crash, read past a
 * line, or accept a message outside the grammar's ranges.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, gsize len, gpointer user_data)
{
	CtlMsg msg;
	GError *error = NULL;

	if (line == NULL) {
		if (len != 0)
			abort();
		return;
	}
	if (len > CTL_MSG_LINE_MAX || memchr(line, '\n', len) != NULL)
		abort();
	/* Parse a private copy so ASan sees any read past len. */
	char *copy = g_memdup2(line, len);
	if (ctl_msg_parse(copy, len, &msg, &error)) {
		if (msg.type != CTL_MSG_RESIZE && msg.type != CTL_MSG_REOPEN_LOGS)
			abort();
		if (msg.height < 0 || msg.height > CTL_MSG_SIZE_MAX || msg.width < 0 ||
		    msg.width > CTL_MSG_SIZE_MAX)
			abort();
	} else if (error == NULL || error->message[0] == '\0') {
		abort();
	}
	g_clear_error(&error);
	if (ctl_msg_parse_winsz(copy, len, &msg, &error)) {
		if (msg.type != CTL_MSG_RESIZE || msg.height < 0 || msg.height > CTL_MSG_SIZE_MAX ||
		    msg.width < 0 || msg.width > CTL_MSG_SIZE_MAX)
			abort();
	} else if (error == NULL) {
		abort();
	}
	g_clear_error(&error);
	g_free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CtlLineBuf lb = { 0 };
	size_t off = 0;

	/* The first byte picks the read size, as a FIFO may deliver any split. */
	if (size == 0)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	for (off = 1; off < size; off += step)
		ctl_line_buf_feed(&lb, (const char *)data + off, MIN(step, size - off), check_line,
				  NULL);
	return 0;
}
