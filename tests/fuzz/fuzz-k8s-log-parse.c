/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "attach_proto.h"
#include "k8s_log.h"

/*
 * k8s_log_parse_record() on any bytes: no crash, no read outside the input, and a record it
 * accepts formats back into a line that parses to the same record.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	K8sLogRecord r, again;

	if (!k8s_log_parse_record(line, size, &r, NULL))
		return 0;
	g_assert_true(r.stream == VIGIL_STREAM_STDOUT || r.stream == VIGIL_STREAM_STDERR);
	g_assert_true(r.time == line && r.time_len <= size);
	g_assert_true(r.content >= line && r.content + r.content_len <= line + size);
	g_assert_null(memchr(r.content, '\n', r.content_len));

	/* Formatted back as the k8s-file driver writes it: prefix, content, '\n'. */
	g_autoptr(GString) out = g_string_new(NULL);
	char prefix[K8S_LOG_PREFIX_MAX];
	gsize n = k8s_log_format_prefix(prefix, r.time, r.time_len, r.stream, r.partial);
	g_string_append_len(out, prefix, (gssize)n);
	g_string_append_len(out, r.content, (gssize)r.content_len);
	g_string_append_c(out, '\n');
	g_assert_true(k8s_log_parse_record(out->str, out->len, &again, NULL));
	g_assert_cmpint(again.stream, ==, r.stream);
	g_assert_cmpint(again.partial, ==, r.partial);
	g_assert_cmpint(again.time_ns, ==, r.time_ns);
	g_assert_cmpmem(again.content, again.content_len, r.content, r.content_len);
	return 0;
}
