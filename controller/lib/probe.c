/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "runtime_impl.h"

/*
 * The Supports* methods ask the programs themselves, once per runtime object: the answer
 * depends on what is installed and on the host (CRIU needs kernel features), not on the
 * runtime's name.
 */

static char *run_capture(const char *const *argv, int *out_status)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *text = runtime_cmd_argv_text(argv);

	*out_status = -1;
	g_debug("probing: %s", text);
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
			  out_status, NULL))
		return NULL;
	return g_strconcat(out, err, NULL);
}

/* Fill json_errors and no_cgroups from `<runtime> --help`; probe_lock held. */
static void probe_help(VigilRuntime *rt)
{
	const char *argv[] = { rt->path, "--help", NULL };
	int status;
	g_autofree char *help = NULL;

	if (rt->json_errors != PROBE_UNKNOWN)
		return;
	help = run_capture(argv, &status);
	rt->json_errors =
		help != NULL && strstr(help, "--log-format") != NULL ? PROBE_YES : PROBE_NO;
	/* crun's --cgroup-manager=disabled runs without cgroups; runc has no such mode. */
	rt->no_cgroups =
		help != NULL && strstr(help, "--cgroup-manager") != NULL ? PROBE_YES : PROBE_NO;
	/* Both list their commands in --help. */
	if (help == NULL || strstr(help, "checkpoint") == NULL) {
		rt->checkpoint = PROBE_NO;
		rt->checkpoint_reason = g_strdup_printf("%s has no checkpoint command", rt->name);
	}
}

static void probe_criu(VigilRuntime *rt)
{
	g_autofree char *criu = NULL;
	g_autofree char *out = NULL;
	int status;

	if (rt->checkpoint != PROBE_UNKNOWN)
		return;
	criu = runtime_find_program("criu");
	if (criu == NULL) {
		rt->checkpoint = PROBE_NO;
		rt->checkpoint_reason = g_strdup("criu is not installed");
		return;
	}
	/* `criu check` tries the kernel features a dump needs; a version check alone would say
	 * yes on hosts where every checkpoint then fails. */
	const char *argv[] = { criu, "check", NULL };
	out = run_capture(argv, &status);
	if (out != NULL && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rt->checkpoint = PROBE_YES;
		return;
	}
	rt->checkpoint = PROBE_NO;
	g_autofree char *last = NULL;
	if (out != NULL) {
		g_auto(GStrv) lines = g_strsplit(g_strstrip(out), "\n", -1);
		guint n = g_strv_length(lines);
		last = n > 0 ? g_strdup(lines[n - 1]) : NULL;
	}
	rt->checkpoint_reason = g_strdup_printf("'criu check' failed%s%s", last != NULL ? ": " : "",
						last != NULL ? last : "");
}

gboolean vigil_runtime_supports_json_errors(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, FALSE);
	g_mutex_lock(&rt->probe_lock);
	probe_help(rt);
	gboolean yes = rt->json_errors == PROBE_YES;
	g_mutex_unlock(&rt->probe_lock);
	return yes;
}

gboolean vigil_runtime_supports_no_cgroups(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, FALSE);
	g_mutex_lock(&rt->probe_lock);
	probe_help(rt);
	gboolean yes = rt->no_cgroups == PROBE_YES;
	g_mutex_unlock(&rt->probe_lock);
	return yes;
}

gboolean vigil_runtime_supports_checkpoint(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, FALSE);
	g_mutex_lock(&rt->probe_lock);
	probe_help(rt);
	probe_criu(rt);
	gboolean yes = rt->checkpoint == PROBE_YES;
	g_mutex_unlock(&rt->probe_lock);
	return yes;
}

char *runtime_checkpoint_unsupported_reason(VigilRuntime *rt)
{
	g_mutex_lock(&rt->probe_lock);
	char *reason = g_strdup(rt->checkpoint_reason);
	g_mutex_unlock(&rt->probe_lock);
	return reason;
}
