/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "output_hold.h"

/*
 * The runtime phase lasts until `runc create/exec --detach` returns: milliseconds, and only
 * an exec'd process can write in it. Beyond this bound output is passed on at once, which
 * only a runtime that writes megabytes and then fails would notice.
 */
#define OUTPUT_HOLD_MAX (1024 * 1024)

struct _OutputHold {
	GByteArray *data; /* records: stream byte, gsize length, bytes */
};

OutputHold *output_hold_new(void)
{
	OutputHold *hold = g_new0(OutputHold, 1);

	hold->data = g_byte_array_new();
	return hold;
}

gboolean output_hold_add(OutputHold *hold, int stream, const char *buf, gsize len)
{
	guint8 s = (guint8)stream;

	if (hold->data->len + len > OUTPUT_HOLD_MAX)
		return FALSE;
	g_byte_array_append(hold->data, &s, 1);
	g_byte_array_append(hold->data, (const guint8 *)&len, sizeof len);
	g_byte_array_append(hold->data, (const guint8 *)buf, (guint)len);
	return TRUE;
}

void output_hold_release(OutputHold *hold, OutputHoldFunc func, gpointer user_data)
{
	g_autoptr(GByteArray) data = g_steal_pointer(&hold->data);
	gsize off = 0;

	hold->data = g_byte_array_new();
	while (off < data->len) {
		gsize len;
		int stream = data->data[off];
		memcpy(&len, data->data + off + 1, sizeof len);
		off += 1 + sizeof len;
		func(stream, (const char *)data->data + off, len, user_data);
		off += len;
	}
}

void output_hold_free(OutputHold *hold)
{
	if (hold == NULL)
		return;
	g_byte_array_unref(hold->data);
	g_free(hold);
}
