/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmsg.h"
#include "error_util.h"
#include "fdutil.h"
#include "testlib.h"

static void test_autofd_closes(void)
{
	int raw;
	{
		vigil_autofd int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		raw = fd;
		g_assert_cmpint(fd, >=, 0);
	}
	g_assert_cmpint(fcntl(raw, F_GETFD), ==, -1);
	g_assert_cmpint(errno, ==, EBADF);
}

static void test_write_all_short_writes(void)
{
	int p[2];
	g_assert_cmpint(pipe2(p, O_CLOEXEC | O_NONBLOCK), ==, 0);
	vigil_autofd int r = p[0]; /* kept open: with no reader, writes would fail with EPIPE */
	vigil_autofd int w = p[1];
	g_autofree char *big = g_malloc0(1 << 20);
	gsize written = 0;

	/* a full non-blocking pipe stops with -EAGAIN and says how much went through */
	g_assert_cmpint(fd_write_all(w, big, 1 << 20, &written), ==, -EAGAIN);
	g_assert_cmpuint(written, >, 0);
	g_assert_cmpuint(written, <, 1 << 20);
	g_assert_cmpint(fcntl(r, F_GETFD), >=, 0);
}

static void test_read_to_end(void)
{
	int p[2];
	g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
	vigil_autofd int r = p[0];
	g_assert_cmpint(fd_write_all(p[1], "hello world", 11, NULL), ==, 0);
	close(p[1]);
	gsize len = 0;
	g_autofree char *got = fd_read_to_end(r, 5, &len, NULL);
	g_assert_cmpmem(got, len, "hello", 5);
}

static void test_parse(void)
{
	g_assert_cmpint(fd_parse("3"), ==, 3);
	g_assert_cmpint(fd_parse("0"), ==, 0);
	g_assert_cmpint(fd_parse(""), ==, -1);
	g_assert_cmpint(fd_parse("3x"), ==, -1);
	g_assert_cmpint(fd_parse("-1"), ==, -1);
	g_assert_cmpint(fd_parse(NULL), ==, -1);
	g_assert_cmpint(fd_parse("99999999999"), ==, -1);
}

static void test_dup_cloexec(void)
{
	vigil_autofd int fd = fd_dup_cloexec(1);
	g_assert_cmpint(fd, >=, 3);
	g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
}

static void test_cmsg_roundtrip(void)
{
	int sv[2];
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
	vigil_autofd int a = sv[0];
	vigil_autofd int b = sv[1];
	vigil_autofd int payload = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g_autoptr(GError) error = NULL;
	g_autofree char *name = NULL;

	testlib_send_fd(a, payload, "/dev/pts/7");
	vigil_autofd int got = cmsg_recv_fd(b, &name, &error);
	g_assert_no_error(error);
	g_assert_cmpint(got, >=, 0);
	g_assert_cmpstr(name, ==, "/dev/pts/7");
	g_assert_cmpint(fcntl(got, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);

	/* a message without an fd is an error, not a crash */
	g_assert_cmpint(write(a, "x", 1), ==, 1);
	g_assert_cmpint(cmsg_recv_fd(b, NULL, &error), ==, -1);
	g_assert_error(error, VIGIL_ERROR, EBADMSG);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fdutil/autofd-closes", test_autofd_closes);
	g_test_add_func("/fdutil/write-all-short", test_write_all_short_writes);
	g_test_add_func("/fdutil/read-to-end", test_read_to_end);
	g_test_add_func("/fdutil/parse", test_parse);
	g_test_add_func("/fdutil/dup-cloexec", test_dup_cloexec);
	g_test_add_func("/fdutil/cmsg-roundtrip", test_cmsg_roundtrip);
	return g_test_run();
}
