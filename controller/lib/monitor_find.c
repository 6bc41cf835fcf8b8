/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_find.h"

#include <string.h>

#include "fdutil.h"
#include "proc.h"
#include "state_dir.h"

/* The value of option name (short or long) at argv[*i]: "-c X", "--cid X" or "--cid=X". */
static const char *option_value(const char *const *argv, gsize *i, const char *short_name,
				const char *long_name)
{
	const char *a = argv[*i];
	gsize n = strlen(long_name);

	if ((g_str_equal(a, short_name) || g_str_equal(a, long_name)) && argv[*i + 1] != NULL)
		return argv[++*i];
	if (strncmp(a, long_name, n) == 0 && a[n] == '=')
		return a + n + 1;
	return NULL;
}

gboolean monitor_find_match_argv(const char *const *argv, const char *dir, const char *id,
				 MonitorFound *out)
{
	const char *cid = NULL, *bundle = NULL, *runtime = NULL, *root = NULL, *v;

	for (gsize i = 0; argv[i] != NULL; i++) {
		if ((v = option_value(argv, &i, "-c", "--cid")) != NULL)
			cid = v;
		else if ((v = option_value(argv, &i, "-b", "--bundle")) != NULL)
			bundle = v;
		else if ((v = option_value(argv, &i, "-r", "--runtime")) != NULL)
			runtime = v;
		else if ((v = option_value(argv, &i, "--runtime-arg", "--runtime-arg")) != NULL &&
			 g_str_has_prefix(v, "--root="))
			root = v + strlen("--root=");
	}
	if (g_strcmp0(cid, id) != 0 || g_strcmp0(bundle, dir) != 0 || runtime == NULL ||
	    !g_path_is_absolute(runtime))
		return FALSE;
	g_free(out->runtime);
	g_free(out->runtime_root);
	out->runtime = g_strdup(runtime);
	out->runtime_root = g_strdup(root);
	return TRUE;
}

/* The command line of the process pinned by pidfd (pid), NUL-separated into a vector. */
static char **process_argv(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
	g_autofree char *text = NULL;
	gsize len = 0;
	GPtrArray *argv;

	if (!g_file_get_contents(path, &text, &len, NULL) || len == 0)
		return NULL;
	argv = g_ptr_array_new();
	for (gsize off = 0; off < len; off += strlen(text + off) + 1)
		g_ptr_array_add(argv, g_strdup(text + off));
	g_ptr_array_add(argv, NULL);
	return (char **)g_ptr_array_free(argv, FALSE);
}

gboolean monitor_find(const char *dir, const char *id, MonitorFound *out)
{
	g_autofree char *pidfile = g_build_filename(dir, STATE_MONITOR_PID, NULL);
	pid_t pid = proc_read_pidfile(pidfile);
	guint64 start = proc_start_time(pid);
	/* Opened first: the checks below are then about this very process. */
	vigil_autofd int pidfd = proc_pidfd_open(pid, start);
	g_auto(GStrv) argv = NULL;

	memset(out, 0, sizeof *out);
	if (pidfd < 0 || !proc_pidfd_alive(pidfd))
		return FALSE;
	argv = process_argv(pid);
	if (argv == NULL || !monitor_find_match_argv((const char *const *)argv, dir, id, out) ||
	    proc_start_time(pid) != start) {
		monitor_found_clear(out);
		return FALSE;
	}
	out->pid = pid;
	out->start_time = start;
	return TRUE;
}

void monitor_found_clear(MonitorFound *m)
{
	g_clear_pointer(&m->runtime, g_free);
	g_clear_pointer(&m->runtime_root, g_free);
	m->pid = 0;
	m->start_time = 0;
}
