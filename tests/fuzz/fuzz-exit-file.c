/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "error_util.h"
#include "exit_file.h"
#include "fuzz-glib.h"

/*
 * An exit file's content, as anyone who can write the exit directory may leave it:
 * exit_file_parse() gives a status or a VIGIL_ERROR, never both and never neither; a status
 * it gives is what the text says (optional sign, decimal digits, surrounding whitespace) and
 * survives the monitor's own "%d" format; exit_file_read() of the same bytes in a file agrees
 * with the parser on every input short enough to be read whole.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What exit_file_read() reads in one go (exit_file.c's buffer). */
#define READ_MAX 64

/* Whether s, cut at its first NUL, is whitespace, an optional sign, one or more decimal
 * digits and whitespace: the only text that may give a status. (Whitespace as C's isspace,
 * which strtol skips before the number, includes \v where g_strstrip does not.) */
static gboolean looks_numeric(const char *s, gsize len)
{
	g_autofree char *t = g_strndup(s, len);
	const char *p = t;

	while (*p != '\0' && strchr(" \t\n\v\f\r", *p) != NULL)
		p++;
	if (*p == '+' || *p == '-')
		p++;
	if (!g_ascii_isdigit(*p))
		return FALSE;
	while (g_ascii_isdigit(*p))
		p++;
	while (*p != '\0' && strchr(" \t\n\v\f\r", *p) != NULL)
		p++;
	return *p == '\0';
}

static void check_parse(const char *buf, gsize len, gboolean *out_ok, int *out_status)
{
	GError *error = NULL;
	int status = 12345;
	gboolean ok = exit_file_parse(buf, len, &status, &error);

	if (ok) {
		g_assert_no_error(error);
		g_assert_true(looks_numeric(buf, len));
		char again[16];
		int n = g_snprintf(again, sizeof again, "%d", status);
		int status2 = 0;
		g_assert_true(exit_file_parse(again, (gsize)n, &status2, NULL));
		g_assert_cmpint(status2, ==, status);
	} else {
		g_assert_nonnull(error);
		g_assert_true(error->domain == VIGIL_ERROR);
		g_assert_cmpint(error->code, ==, EINVAL);
		g_assert_cmpint(status, ==, 12345);
		g_assert_cmpuint(strlen(error->message), >, 0);
		g_error_free(error);
	}
	*out_ok = ok;
	*out_status = status;
}

/* The same bytes as a file: a memfd opened again through /proc, so no directory is made. */
static void check_read(const char *buf, gsize len, gboolean parse_ok, int parse_status)
{
	int fd = memfd_create("vigil-fuzz-exit", MFD_CLOEXEC);
	GError *error = NULL;
	int status = 12345;

	if (fd < 0)
		return; /* no memfd (old kernel): the parser was checked above */
	g_assert_cmpint(write(fd, buf, len), ==, (gssize)len);
	g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);
	gboolean ok = exit_file_read(path, &status, &error);
	close(fd);

	g_assert_true(ok == (error == NULL));
	if (len <= READ_MAX) {
		g_assert_cmpint(ok, ==, parse_ok);
		if (ok)
			g_assert_cmpint(status, ==, parse_status);
	}
	g_clear_error(&error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gboolean ok;
	int status;

	fuzz_glib_fatal_criticals();
	check_parse((const char *)data, size, &ok, &status);
	check_read((const char *)data, size, ok, status);
	return 0;
}
