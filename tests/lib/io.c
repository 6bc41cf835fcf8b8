/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib-private.h"
#include "testlib.h"

/* Talking to a running monitor and waiting for what it does: the attach socket, the FIFOs,
 * lines, files and pids. */

int testlib_attach_connect(const char *path)
{
	int pfd = open(path, O_PATH | O_CLOEXEC);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (pfd < 0) {
		g_test_message("open %s: %s", path, g_strerror(errno));
		return -1;
	}
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", pfd);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
	int errsv = errno;
	close(pfd);
	if (r < 0) {
		g_test_message("connect %s: %s", path, g_strerror(errsv));
		close(fd);
		return -1;
	}
	return fd;
}

void testlib_send_str(int fd, const char *s)
{
	g_assert_cmpint(send(fd, s, strlen(s), MSG_NOSIGNAL), ==, (gssize)strlen(s));
}

void testlib_write_fifo(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
	close(fd);
}

char *testlib_read_line(int fd, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);
	GString *s = g_string_new(NULL);

	/* SEQPACKET messages arrive whole; pipes may split, so read until a newline. */
	while (strchr(s->str, '\n') == NULL) {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		g_string_append_len(s, buf, n);
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

gboolean testlib_wait_for_file(const char *path, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);

	while (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(5000);
	}
	return TRUE;
}

gboolean testlib_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);

	for (;;) {
		g_autofree char *text = testlib_read_file(path);
		if (text != NULL && strstr(text, needle) != NULL)
			return TRUE;
		if (g_get_monotonic_time() > deadline) {
			g_test_message("%s has no \"%s\" after %d ms: %s", path, needle, timeout_ms,
				       text != NULL ? text : "(no file)");
			return FALSE;
		}
		g_usleep(10000);
	}
}

int testlib_wait_pid(pid_t pid, int timeout_ms)
{
	gint64 deadline = deadline_after(timeout_ms);

	for (;;) {
		int status = 0;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			testlib_cleanup_forget_monitor(pid);
			return status;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (g_get_monotonic_time() > deadline) {
			g_printerr("# pid %d did not exit in %d ms, killing it\n", (int)pid,
				   timeout_ms);
			kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			testlib_cleanup_forget_monitor(pid);
			return -1;
		}
		g_usleep(2000);
	}
}

int testlib_read_exit_file(TestBundle *b, int timeout_ms)
{
	g_autofree char *path = g_build_filename(b->exit_dir, b->id, NULL);

	if (!testlib_wait_for_file(path, timeout_ms))
		return G_MININT;
	g_autofree char *text = testlib_read_file(path);
	return text != NULL ? atoi(text) : G_MININT;
}

char *testlib_read_file(const char *path)
{
	char *contents = NULL;

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

struct _TestFdFill {
	struct rlimit saved;
	GArray *fds;
};

TestFdFill *testlib_fds_exhaust(void)
{
	TestFdFill *fill = g_new0(TestFdFill, 1);
	struct rlimit low;

	fill->fds = g_array_new(FALSE, FALSE, sizeof(int));
	g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &fill->saved), ==, 0);
	low = fill->saved;
	low.rlim_cur = 256;
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &low), ==, 0);
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		g_array_append_val(fill->fds, fd);
	}
	g_assert_cmpint(errno, ==, EMFILE);
	return fill;
}

void testlib_fds_release(TestFdFill *fill)
{
	if (fill == NULL)
		return;
	for (guint i = 0; i < fill->fds->len; i++)
		close(g_array_index(fill->fds, int, i));
	g_array_unref(fill->fds);
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &fill->saved), ==, 0);
	g_free(fill);
}

void testlib_send_fd(int sock, int fd, const char *name)
{
	const char *payload = (name != NULL && *name != '\0') ? name : "fd";
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = strlen(payload) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof u.buf,
	};
	ssize_t r;

	memset(&u, 0, sizeof u);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	g_assert_cmpint(r, ==, (ssize_t)iov.iov_len);
}
