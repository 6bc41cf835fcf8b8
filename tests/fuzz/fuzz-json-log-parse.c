/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "attach_proto.h"
#include "json_log.h"

/*
 * json_log_parse_record() on any bytes: no crash, no read outside the input, and what it
 * accepts (always valid UTF-8) survives our Docker-format writer and the parser unchanged.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	JsonLogRecord r, again;
	static const char time[] = "2026-11-28T21:18:14.5Z";

	if (!json_log_parse_record((const char *)data, size, &r, NULL))
		return 0;
	g_assert_true(r.stream == VIGIL_STREAM_STDOUT || r.stream == VIGIL_STREAM_STDERR);

	g_autoptr(GString) out = g_string_new(NULL);
	json_log_append_record(out, r.log->str, r.log->len, r.stream, time, strlen(time));
	g_assert_true(out->len > 0 && out->str[out->len - 1] == '\n');
	g_assert_null(memchr(out->str, '\n', out->len - 1));
	g_assert_true(json_log_parse_record(out->str, out->len, &again, NULL));
	g_assert_cmpint(again.stream, ==, r.stream);
	g_assert_cmpint(again.partial, ==, r.partial);
	g_assert_cmpmem(again.log->str, again.log->len, r.log->str, r.log->len);
	json_log_record_clear(&again);
	json_log_record_clear(&r);
	return 0;
}
