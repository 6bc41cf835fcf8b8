/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "fdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "error_util.h"

void vigil_clear_fd(int *fd)
{
	int errsv = errno;

	if (*fd >= 0)
		(void)close(*fd); /* never retried: Linux frees the fd even on EINTR */
	*fd = -1;
	errno = errsv;
}

int fd_set_nonblock(int fd, gboolean nonblock)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	int want = nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	if (want != flags && fcntl(fd, F_SETFL, want) < 0)
		return -errno;
	return 0;
}

int fd_set_cloexec(int fd, gboolean cloexec)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -errno;
	int want = cloexec ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
	if (want != flags && fcntl(fd, F_SETFD, want) < 0)
		return -errno;
	return 0;
}

int fd_dup_cloexec(int fd)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	return r < 0 ? -errno : r;
}

int fd_write_all(int fd, const void *buf, gsize len, gsize *out_written)
{
	const char *p = buf;
	gsize done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int errsv = errno;
			if (out_written != NULL)
				*out_written = done;
			return -errsv;
		}
		done += (gsize)n;
	}
	if (out_written != NULL)
		*out_written = done;
	return 0;
}

static int wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int r = poll(&pfd, 1, -1);
		if (r >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int fd_write_all_blocking(int fd, const void *buf, gsize len)
{
	const char *p = buf;

	for (;;) {
		gsize written = 0;
		int r = fd_write_all(fd, p, len, &written);
		if (r != -EAGAIN)
			return r;
		p += written;
		len -= written;
		r = wait_fd(fd, POLLOUT);
		if (r < 0)
			return r;
	}
}

gssize fd_read_once(int fd, void *buf, gsize len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

char *fd_read_to_end(int fd, gsize max, gsize *out_len, GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	char buf[8192];

	while (s->len < max) {
		gssize n = fd_read_once(fd, buf, MIN(sizeof buf, max - s->len));
		if (n == -EAGAIN) {
			int r = wait_fd(fd, POLLIN);
			if (r < 0)
				return vigil_throw_errsv(error, -r, "poll"), NULL;
			continue;
		}
		if (n < 0)
			return vigil_throw_errsv(error, (int)-n, "read"), NULL;
		if (n == 0)
			break;
		g_string_append_len(s, buf, n);
	}
	if (out_len != NULL)
		*out_len = s->len;
	return g_string_free(g_steal_pointer(&s), FALSE);
}

int fd_parse(const char *s)
{
	char *end = NULL;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}
