/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "error_util.h"
#include "fuzz-glib.h"
#include "sync_decode.h"
#include "sync_msg.h"

/*
 * What the controller reads from a monitor's sync pipe (docs/conmon-contract.md,
 * "Sync pipe messages"), as a monitor that is broken, or not ours, may write it. sync_decode() on
 * the whole input: a value and perhaps a message, or EPROTO, and a message it accepts survives the
 * monitor's own writer (sync_msg_format) unchanged. Then the same bytes through sync_reader_next(),
 * as the controller reads the pipe: every complete line decodes exactly as sync_decode() decodes it
 * alone, and the unterminated rest is EPIPE (the monitor closed its end).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* sync_decode.c's bound on one line; the reader's line-splitting check below stays under it
 * so that no "too long" refusal depends on how reads happened to fall. */
#define LINE_MAX_BYTES (64 * 1024)

static gboolean decode(const char *line, gsize len, int *out_value, char **out_message)
{
	GError *error = NULL;
	int value = 12345;
	char *message = (char *)"untouched";
	gboolean ok = sync_decode(line, len, &value, &message, &error);

	if (!ok) {
		g_assert_nonnull(error);
		g_assert_true(error->domain == VIGIL_ERROR);
		g_assert_cmpint(error->code, ==, EPROTO);
		g_assert_cmpint(value, ==, 12345);
		g_assert_cmpstr(message, ==, "untouched");
		g_error_free(error);
		*out_message = NULL;
		return FALSE;
	}
	g_assert_no_error(error);
	g_assert_true(message == NULL || g_utf8_validate(message, -1, NULL));
	*out_value = value;
	*out_message = message;
	return TRUE;
}

static void check_round_trip(int value, const char *message)
{
	g_autofree char *line = sync_msg_format(SYNC_KEY_DATA, value, message, -1);
	g_autofree char *again_message = NULL;
	int again = 0;

	g_assert_true(decode(line, strlen(line), &again, &again_message));
	g_assert_cmpint(again, ==, value);
	/* The writer leaves out an empty message. */
	if (message != NULL && message[0] != '\0')
		g_assert_cmpstr(again_message, ==, message);
	else
		g_assert_null(again_message);
}

static void check_reader(const char *data, gsize size)
{
	int fd = memfd_create("vigil-fuzz-sync", MFD_CLOEXEC);

	if (fd < 0)
		return; /* no memfd (old kernel): sync_decode was checked above */
	g_assert_cmpint(write(fd, data, size), ==, (gssize)size);
	g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
	g_autoptr(SyncReader) r = sync_reader_new(fd);

	const char *line = data, *end = data + size, *nl;
	while ((nl = memchr(line, '\n', (gsize)(end - line))) != NULL) {
		gsize len = (gsize)(nl - line) + 1;
		int want = 0, got = 0;
		g_autofree char *want_message = NULL;
		g_autofree char *got_message = NULL;
		g_autoptr(GError) error = NULL;
		gboolean want_ok = decode(line, len, &want, &want_message);
		gboolean got_ok = sync_reader_next(r, -1, &got, &got_message, &error);

		g_assert_cmpint(got_ok, ==, want_ok);
		if (got_ok) {
			g_assert_cmpint(got, ==, want);
			g_assert_cmpstr(got_message, ==, want_message);
		} else {
			g_assert_error(error, VIGIL_ERROR, EPROTO);
		}
		line = nl + 1;
	}
	int value = 0;
	g_autofree char *message = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_false(sync_reader_next(r, -1, &value, &message, &error));
	g_assert_error(error, VIGIL_ERROR, EPIPE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int value = 0;
	g_autofree char *message = NULL;

	fuzz_glib_fatal_criticals();
	if (decode((const char *)data, size, &value, &message))
		check_round_trip(value, message);
	if (size <= LINE_MAX_BYTES)
		check_reader((const char *)data, size);
	return 0;
}
