/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "error_util.h"
#include "fdutil.h"

/* What /proc says about a monitor: memory, context switches, CPU time. */

static char *proc_read(pid_t pid, const char *what, GError **error)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int)pid, what);
	g_autoptr(GError) local = NULL;
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &local)) {
		vigil_throw(error, ENOENT, "%s: %s", path, local->message);
		return NULL;
	}
	return text;
}

/* The number after "key:" on its line, or FALSE if the key is not there. */
static gboolean field_u64(const char *text, const char *key, guint64 *out)
{
	for (const char *l = text; l != NULL && *l != '\0'; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (g_str_has_prefix(l, key) && l[strlen(key)] == ':') {
			*out = g_ascii_strtoull(l + strlen(key) + 1, NULL, 10);
			return TRUE;
		}
	}
	return FALSE;
}

gboolean bench_proc_mem(pid_t pid, guint64 *out_pss_kb, guint64 *out_rss_kb, GError **error)
{
	g_autofree char *text = proc_read(pid, "smaps_rollup", error);

	if (text == NULL)
		return FALSE;
	if (!field_u64(text, "Pss", out_pss_kb) || !field_u64(text, "Rss", out_rss_kb))
		return vigil_throw(error, EPROTO, "/proc/%d/smaps_rollup: no Pss/Rss", (int)pid);
	return TRUE;
}

gboolean bench_proc_ctxt_switches(pid_t pid, guint64 *out, GError **error)
{
	g_autofree char *task_dir = g_strdup_printf("/proc/%d/task", (int)pid);
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) dir = g_dir_open(task_dir, 0, &local);
	const char *tid;

	if (dir == NULL)
		return vigil_throw(error, ENOENT, "%s", local->message);
	*out = 0;
	/* GLib may start helper threads; a wakeup of any of them is a wakeup of the monitor. */
	while ((tid = g_dir_read_name(dir)) != NULL) {
		g_autofree char *what = g_strdup_printf("task/%s/status", tid);
		g_autofree char *text = proc_read(pid, what, error);
		guint64 vol = 0, nonvol = 0;
		if (text == NULL)
			return FALSE;
		if (!field_u64(text, "voluntary_ctxt_switches", &vol) ||
		    !field_u64(text, "nonvoluntary_ctxt_switches", &nonvol))
			return vigil_throw(error, EPROTO, "/proc/%d/%s: no ctxt_switches", (int)pid,
					   what);
		*out += vol + nonvol;
	}
	return TRUE;
}

gboolean bench_proc_cpu(pid_t pid, double *out_seconds, GError **error)
{
	/* schedstat's first field is the time on a CPU in ns (user+sys), where stat's utime and
	 * stime come in 10 ms ticks, too coarse for a run of a fraction of a second. It is the
	 * main thread's: both monitors run one thread. */
	g_autofree char *text = proc_read(pid, "schedstat", error);

	if (text == NULL)
		return FALSE;
	char *end = NULL;
	guint64 ns = g_ascii_strtoull(text, &end, 10);
	if (end == text)
		return vigil_throw(error, EPROTO, "/proc/%d/schedstat: malformed", (int)pid);
	*out_seconds = (double)ns / 1e9;
	return TRUE;
}

gboolean bench_proc_wait_exit_nowait(pid_t pid, int timeout_ms, GError **error)
{
	/* A pidfd polls readable when the process exits; waitid(WNOWAIT) then leaves the zombie
	 * in place, so its /proc/pid/stat can still be read. */
	vigil_autofd int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { pfd, POLLIN, 0 };
	siginfo_t si = { 0 };

	if (pfd < 0)
		return vigil_throw_errno(error, "pidfd_open %d", (int)pid);
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return vigil_throw(error, ETIMEDOUT, "pid %d still running after %d ms", (int)pid,
				   timeout_ms);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		return vigil_throw_errno(error, "waitid %d", (int)pid);
	return TRUE;
}
