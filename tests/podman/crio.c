/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "crio.h"

#include <string.h>

const char *crio_conmon_path(void)
{
	const char *p = g_getenv("CONMON");

	return p != NULL ? p : "/usr/bin/conmon";
}

gboolean crio_require_tools(void)
{
	return testlib_require_runc() && testlib_require_program(crio_conmon_path());
}

/* Which monitor test_monitor_start() runs: the reference or the build under test. */
void crio_use_monitor(gboolean reference)
{
	if (reference)
		g_setenv("VIGIL_TEST_MONITOR", crio_conmon_path(), TRUE);
	else
		g_unsetenv("VIGIL_TEST_MONITOR");
}

/* A sync line with its pid (a number that differs per run) replaced by "N". */
char *crio_sync_shape(const char *line)
{
	g_autoptr(GRegex) re = g_regex_new("^(\\{\"(pid|data)\": )[1-9][0-9]*\\}", 0, 0, NULL);

	if (line == NULL)
		return g_strdup("(none)");
	return g_regex_replace(re, line, -1, 0, "\\1N}", 0, NULL);
}

/* The k8s-file records of one stream, timestamps removed: "F out:hello\n…". */
char *crio_log_stream(const char *path, const char *stream)
{
	g_autofree char *text = testlib_read_file(path);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *marker = g_strdup_printf(" %s ", stream);

	if (text == NULL)
		return g_strdup("(no file)");
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char *at = strstr(*l, marker);
		if (at != NULL)
			g_string_append_printf(out, "%s|", at + strlen(marker));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* CRI-O's container argv (runtime_oci.go), legacy protocol: testlib's, -i for stdin. */
TestMonitor *crio_start_container(TestBundle *b, const char *sockdir, gboolean stdin_pipe)
{
	return test_monitor_start_crio(b, NULL, sockdir,
				       (const char *const[]){ stdin_pipe ? "-i" : NULL, NULL });
}

void crio_compare(char *(*scenario)(gboolean reference), const char *expected_reference,
		  const char *expected_vigilmon_extra)
{
	if (!crio_require_tools())
		return;
	g_autofree char *ref = scenario(TRUE);
	g_autofree char *vig = scenario(FALSE);
	g_autofree char *want_vig = g_strconcat(expected_reference, expected_vigilmon_extra, NULL);

	g_test_message("conmon:\n%s", ref);
	g_test_message("vigilmon:\n%s", vig);
	/* the reference behaves as documented, so the comparison below means something */
	g_assert_cmpstr(ref, ==, expected_reference);
	g_assert_cmpstr(vig, ==, want_vig);
}
