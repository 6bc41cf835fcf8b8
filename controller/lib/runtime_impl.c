/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "runtime_impl.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "error_util.h"
#include "monitor_locate.h"

static const char *const extra_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					  "/usr/bin",        "/sbin",          "/bin" };

char *runtime_find_program(const char *program)
{
	char *found;

	if (strchr(program, '/') != NULL) {
		if (!g_file_test(program, G_FILE_TEST_IS_EXECUTABLE) ||
		    g_file_test(program, G_FILE_TEST_IS_DIR))
			return NULL;
		return g_canonicalize_filename(program, NULL);
	}
	found = g_find_program_in_path(program);
	if (found != NULL)
		return found;
	for (gsize i = 0; i < G_N_ELEMENTS(extra_dirs); i++) {
		g_autofree char *p = g_build_filename(extra_dirs[i], program, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_EXECUTABLE))
			return g_steal_pointer(&p);
	}
	return NULL;
}

/* The monitor: the configured one, else $VIGIL_MONITOR, else the vigilmon installed beside
 * this code (a DESTDIR or moved install finds its own), else the one at the configured
 * prefix, else vigilmon on PATH. */
static char *find_monitor(const char *configured, GError **error)
{
	char *path;

	if (configured == NULL && g_getenv("VIGIL_MONITOR") != NULL)
		configured = g_getenv("VIGIL_MONITOR");
	if (configured != NULL) {
		path = runtime_find_program(configured);
		if (path == NULL)
			vigil_throw(error, ENOENT, "monitor '%s' not found", configured);
		return path;
	}
	path = monitor_locate_installed();
	if (path != NULL)
		return path;
	if (g_file_test(VIGIL_MONITOR_PATH, G_FILE_TEST_IS_EXECUTABLE))
		return g_strdup(VIGIL_MONITOR_PATH);
	path = runtime_find_program("vigilmon");
	if (path == NULL)
		vigil_throw(error, ENOENT,
			    "monitor 'vigilmon' not found (looked beside the installed program, "
			    "in '%s' and on PATH; set VIGIL_MONITOR or the monitor option)",
			    VIGIL_MONITOR_PATH);
	return path;
}

VigilRuntime *vigil_runtime_new(const VigilConfig *config, GError **error)
{
	static const VigilConfig defaults = VIGIL_CONFIG_INIT;
	g_autoptr(VigilRuntime) rt = g_new0(VigilRuntime, 1);
	const char *runtime;

	if (config == NULL)
		config = &defaults;
	g_mutex_init(&rt->probe_lock);
	runtime = config->runtime != NULL ? config->runtime : "runc";
	rt->path = runtime_find_program(runtime);
	if (rt->path == NULL) {
		vigil_throw(error, ENOENT, "OCI runtime '%s' not found", runtime);
		return NULL;
	}
	rt->name = g_path_get_basename(rt->path);
	rt->root = g_canonicalize_filename(config->root != NULL ? config->root : VIGIL_DEFAULT_ROOT,
					   NULL);
	if (config->runtime_root != NULL)
		rt->runtime_root = g_canonicalize_filename(config->runtime_root, NULL);
	else
		rt->runtime_root = g_build_filename(rt->root, ".runtime", rt->name, NULL);
	rt->monitor = find_monitor(config->monitor, error);
	if (rt->monitor == NULL)
		return NULL;
	rt->monitor_log_level = g_strdup(config->monitor_log_level);
	return g_steal_pointer(&rt);
}

void vigil_runtime_free(VigilRuntime *rt)
{
	if (rt == NULL)
		return;
	g_free(rt->name);
	g_free(rt->path);
	g_free(rt->root);
	g_free(rt->runtime_root);
	g_free(rt->monitor);
	g_free(rt->monitor_log_level);
	g_free(rt->checkpoint_reason);
	g_mutex_clear(&rt->probe_lock);
	g_free(rt);
}

const char *vigil_runtime_name(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, NULL);
	return rt->name;
}

const char *vigil_runtime_path(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, NULL);
	return rt->path;
}

const char *vigil_runtime_root(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, NULL);
	return rt->root;
}

const char *vigil_runtime_monitor(VigilRuntime *rt)
{
	g_return_val_if_fail(rt != NULL, NULL);
	return rt->monitor;
}

void runtime_cmd_for(VigilRuntime *rt, const VigilContainer *ctr, RuntimeCmd *out)
{
	const char *path = ctr != NULL && ctr->runtime != NULL ? ctr->runtime : rt->path;

	out->path = path;
	out->root = ctr != NULL && ctr->runtime != NULL ? ctr->runtime_root : rt->runtime_root;
	/* runc and crun take --log-format json; other runtimes are asked (once per rt). */
	if (g_str_has_suffix(path, "/runc") || g_str_has_suffix(path, "/crun") ||
	    !g_str_equal(path, rt->path))
		out->json_errors = TRUE;
	else
		out->json_errors = vigil_runtime_supports_json_errors(rt);
}

char *runtime_program_version(const char *program, gboolean join_lines)
{
	const char *argv[] = { program, "--version", NULL };
	g_autofree char *out = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
			  NULL, &status, NULL) ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	g_strstrip(out);
	if (!join_lines) {
		char *nl = strchr(out, '\n');
		if (nl != NULL)
			*nl = '\0';
		return g_steal_pointer(&out);
	}
	/* podman shows conmon's two lines joined by ", ". */
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	return g_strjoinv(", ", lines);
}
