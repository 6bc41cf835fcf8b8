/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "sync_msg.h"

#include "json_writer.h"

SyncKey sync_key_for(gboolean api_v1, gboolean exec)
{
	if (api_v1)
		return SYNC_KEY_DATA;
	return exec ? SYNC_KEY_EXIT_CODE : SYNC_KEY_PID;
}

const char *sync_key_name(SyncKey key)
{
	switch (key) {
	case SYNC_KEY_PID:
		return "pid";
	case SYNC_KEY_EXIT_CODE:
		return "exit_code";
	case SYNC_KEY_DATA:
	default:
		return "data";
	}
}

char *sync_msg_format(SyncKey key, int value, const char *message, gssize message_len)
{
	GString *s = g_string_sized_new(64);

	g_string_append_printf(s, "{\"%s\": %d", sync_key_name(key), value);
	if (message != NULL && message_len != 0 && *message != '\0') {
		g_string_append(s, ", \"message\": ");
		json_append_string(s, message, message_len);
	}
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}
