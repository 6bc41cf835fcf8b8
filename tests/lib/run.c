/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib-private.h"
#include "testlib.h"

/* Commands run to completion, bounded in time, their output collected. */

int testlib_run(const char *const *argv, const char *input, char **out_stdout, char **out_stderr)
{
	g_autoptr(GError) error = NULL;
	int in_fd = -1, out_fd = -1, err_fd = -1;
	GPid pid;

	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
				      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
				      &pid, &in_fd, &out_fd, &err_fd, &error)) {
		g_printerr("# spawn %s: %s\n", argv[0], error->message);
		return 127;
	}
	/* Write input and read both outputs without deadlocking on full pipes. */
	GString *out = g_string_new(NULL), *err = g_string_new(NULL);
	gsize in_off = 0, in_len = input ? strlen(input) : 0;
	gint64 deadline = deadline_after(TESTLIB_RUN_TIMEOUT_MS);
	gboolean timed_out = FALSE;
	if (in_len == 0)
		close(in_fd), in_fd = -1;
	else
		fcntl(in_fd, F_SETFL, O_NONBLOCK);
	while (out_fd >= 0 || err_fd >= 0) {
		struct pollfd p[3] = { { out_fd, POLLIN, 0 },
				       { err_fd, POLLIN, 0 },
				       { in_fd, POLLOUT, 0 } };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		if (left <= 0) {
			timed_out = TRUE;
			break;
		}
		if (poll(p, 3, (int)left) < 0 && errno != EINTR)
			break;
		char buf[65536];
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &out_fd : &err_fd;
			if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(*fd, buf, sizeof buf);
			if (n > 0)
				g_string_append_len(i == 0 ? out : err, buf, n);
			else if (n == 0 || errno != EINTR)
				close(*fd), *fd = -1;
		}
		if (in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(in_fd, input + in_off, in_len - in_off);
			if (n > 0)
				in_off += (gsize)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len)
				close(in_fd), in_fd = -1;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (timed_out) {
		g_printerr("# %s still running after %d ms, killing it\n", argv[0],
			   TESTLIB_RUN_TIMEOUT_MS);
		kill(pid, SIGKILL);
		if (out_fd >= 0)
			close(out_fd);
		if (err_fd >= 0)
			close(err_fd);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out_stdout != NULL)
		*out_stdout = g_string_free(out, FALSE);
	else
		g_string_free(out, TRUE);
	if (out_stderr != NULL)
		*out_stderr = g_string_free(err, FALSE);
	else
		g_string_free(err, TRUE);
	if (timed_out)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int testlib_runc(TestBundle *b, char **out_stdout, char **out_stderr, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	va_list ap;
	const char *a;

	g_ptr_array_add(argv, (char *)"runc");
	g_ptr_array_add(argv, (char *)"--root");
	g_ptr_array_add(argv, b->runc_root);
	va_start(ap, out_stderr);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	return testlib_run((const char *const *)argv->pdata, NULL, out_stdout, out_stderr);
}
