/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/* Container output (a file the container cats) and the exact check of its k8s-file log. */

/* Printable, no spaces at the ends, varied enough that nothing downstream can shortcut it. */
static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -";

static guint64 xorshift(guint64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

BenchData *bench_data_new(const char *dir, const char *name, int mib, gsize line_bytes,
			  GError **error)
{
	g_autoptr(BenchData) d = g_new0(BenchData, 1);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *chunk = NULL;
	guint64 seed = 0x9e3779b97f4a7c15ULL ^ line_bytes;

	g_return_val_if_fail(line_bytes >= 2, NULL);
	d->path = g_build_filename(dir, name, NULL);
	d->lines = (guint64)mib * 1024 * 1024 / line_bytes;
	d->bytes = d->lines * line_bytes;
	vigil_autofd int fd =
		open(d->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		vigil_throw_errno(error, "create %s", d->path);
		return NULL;
	}
	/* Lines are built in a buffer of whole lines and written a megabyte at a time. */
	gsize per_buf = MAX((gsize)1, (1024 * 1024) / line_bytes);
	chunk = g_malloc(per_buf * line_bytes);
	for (guint64 l = 0; l < d->lines;) {
		gsize n = (gsize)MIN((guint64)per_buf, d->lines - l);
		for (gsize k = 0; k < n; k++) {
			char *line = chunk + k * line_bytes;
			guint64 r = 0;
			for (gsize i = 0; i + 1 < line_bytes; i++) {
				if (i % 10 == 0)
					r = xorshift(&seed);
				line[i] = alphabet[r & 63];
				r >>= 6;
			}
			/* no space at the ends of a line, so nothing could trim it unseen */
			if (line[0] == ' ')
				line[0] = '.';
			if (line[line_bytes - 2] == ' ')
				line[line_bytes - 2] = '.';
			line[line_bytes - 1] = '\n';
		}
		int r = fd_write_all(fd, chunk, n * line_bytes, NULL);
		if (r < 0) {
			vigil_throw_errsv(error, -r, "write %s", d->path);
			return NULL;
		}
		g_checksum_update(sum, (const guchar *)chunk, (gssize)(n * line_bytes));
		l += n;
	}
	d->sha256 = g_strdup(g_checksum_get_string(sum));
	return g_steal_pointer(&d);
}

void bench_data_free(BenchData *d)
{
	if (d == NULL)
		return;
	if (d->path != NULL)
		(void)unlink(d->path);
	g_free(d->path);
	g_free(d->sha256);
	g_free(d);
}

/* Parse "<time> <stream> <P|F> <payload>" without the newline; payload may be empty. */
static gboolean parse_record(const char *rec, gsize len, gboolean *out_full, const char **out_pay,
			     gsize *out_pay_len)
{
	const char *end = rec + len;
	const char *sp1 = memchr(rec, ' ', len);
	if (sp1 == NULL || sp1 == rec)
		return FALSE;
	const char *stream = sp1 + 1;
	const char *sp2 = memchr(stream, ' ', (gsize)(end - stream));
	if (sp2 == NULL || (gsize)(sp2 - stream) != strlen("stdout") ||
	    memcmp(stream, "stdout", strlen("stdout")) != 0)
		return FALSE;
	const char *tag = sp2 + 1;
	if (end - tag < 2 || (tag[0] != 'P' && tag[0] != 'F') || tag[1] != ' ')
		return FALSE;
	*out_full = tag[0] == 'F';
	*out_pay = tag + 2;
	*out_pay_len = (gsize)(end - (tag + 2));
	return TRUE;
}

gboolean bench_data_check_k8s_log(const BenchData *d, const char *log_path, guint64 *out_records,
				  GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GMappedFile) map = g_mapped_file_new(log_path, FALSE, &local);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint64 bytes = 0, lines = 0, records = 0;

	if (map == NULL)
		return vigil_throw(error, ENOENT, "%s", local->message);
	const char *p = g_mapped_file_get_contents(map);
	gsize size = g_mapped_file_get_length(map);
	const char *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		gboolean full;
		const char *pay;
		gsize pay_len;
		if (nl == NULL)
			return vigil_throw(error, EPROTO, "%s: last record has no newline",
					   log_path);
		if (!parse_record(p, (gsize)(nl - p), &full, &pay, &pay_len))
			return vigil_throw(error, EPROTO,
					   "%s: record %" G_GUINT64_FORMAT
					   " is not \"<time> stdout P|F <text>\": %.60s",
					   log_path, records + 1, p);
		g_checksum_update(sum, (const guchar *)pay, (gssize)pay_len);
		bytes += pay_len;
		if (full) {
			g_checksum_update(sum, (const guchar *)"\n", 1);
			bytes++;
			lines++;
		}
		records++;
		p = nl + 1;
	}
	*out_records = records;
	if (bytes != d->bytes || lines != d->lines)
		return vigil_throw(error, EPROTO,
				   "%s: %" G_GUINT64_FORMAT " bytes in %" G_GUINT64_FORMAT
				   " lines, container wrote %" G_GUINT64_FORMAT
				   " bytes in %" G_GUINT64_FORMAT " lines",
				   log_path, bytes, lines, d->bytes, d->lines);
	if (!g_str_equal(g_checksum_get_string(sum), d->sha256))
		return vigil_throw(error, EPROTO, "%s: same size, different bytes", log_path);
	return TRUE;
}
