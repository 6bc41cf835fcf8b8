/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "error_util.h"
#include "fuzz-glib.h"
#include "monitor_options.h"
#include "paths.h"

/*
 * vigilmon's command line (docs/conmon-contract.md, "Command line"), as an engine, or anyone who
 * can start the monitor, may give it: the input cut at NUL bytes is argv[1..]. options_parse() then
 * options_validate(), the two calls main() makes before it daemonizes. Each gives a config or a
 * GError with a message, never a GLib critical (made fatal here); the caller's argv is left as it
 * was; a config that validates has the fields the monitor relies on: a cid that is one path
 * component, a uuid unless legacy exec, a runtime, an exec spec for exec, no empty path,
 * non-negative counts and delays.
 *
 * GOption answers --help, --help-all, --help-<group>, -? and -h (we have no -h) by printing
 * and calling exit(); such inputs are skipped, since they end the process by design.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean asks_for_help(const char *arg)
{
	if (arg[0] != '-')
		return FALSE;
	if (arg[1] == '-')
		return g_str_has_prefix(arg + 2, "help");
	return strchr(arg + 1, 'h') != NULL || strchr(arg + 1, '?') != NULL;
}

static void check_paths_given(const char *const *paths, gsize n)
{
	for (gsize i = 0; i < n; i++)
		g_assert_true(paths[i] == NULL || paths[i][0] != '\0');
}

static void check_valid(const MonitorConfig *cfg)
{
	const char *const paths[] = {
		cfg->bundle,
		cfg->container_pidfile,
		cfg->conmon_pidfile,
		cfg->exit_dir,
		cfg->persist_dir,
		cfg->socket_dir_path,
		cfg->exec_process_spec,
		cfg->restore,
		cfg->exit_command,
		cfg->sdnotify_socket,
		cfg->seccomp_notify_socket,
	};

	g_assert_nonnull(cfg->cid);
	g_assert_true(paths_validate_id(cfg->cid, "cid", NULL));
	g_assert_true(cfg->cuuid != NULL || options_is_legacy_exec(cfg));
	g_assert_nonnull(cfg->runtime);
	g_assert_true(!cfg->exec || cfg->exec_process_spec != NULL);
	g_assert_true(!cfg->exec || cfg->restore == NULL);
	g_assert_true(!cfg->exec_attach || (cfg->exec && cfg->api_version));
	g_assert_nonnull(cfg->cwd);
	g_assert_true(cfg->bundle != NULL || cfg->exec);
	g_assert_nonnull(cfg->container_pidfile);
	g_assert_nonnull(cfg->socket_dir_path);
	check_paths_given(paths, G_N_ELEMENTS(paths));
	g_assert_cmpint(cfg->log_max_files, >=, 0);
	g_assert_true(!cfg->log_rotate || cfg->log_max_files > 0);
	g_assert_cmpint(cfg->exit_delay, >=, 0);
	g_assert_cmpint(cfg->log_level, >=, DIAG_LEVEL_ERROR);
	g_assert_cmpint(cfg->log_level, <=, DIAG_LEVEL_TRACE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	const char *p = (const char *)data, *end = p + size;

	fuzz_glib_fatal_criticals();
	g_ptr_array_add(argv, g_strdup("vigilmon"));
	while (p < end) {
		const char *nul = memchr(p, '\0', (gsize)(end - p));
		const char *stop = nul != NULL ? nul : end;
		g_ptr_array_add(argv, g_strndup(p, (gsize)(stop - p)));
		p = nul != NULL ? nul + 1 : end;
	}
	for (guint i = 1; i < argv->len; i++) {
		if (asks_for_help(g_ptr_array_index(argv, i)))
			return 0;
	}
	g_auto(GStrv) before = g_new0(char *, argv->len + 1);
	for (guint i = 0; i < argv->len; i++)
		before[i] = g_strdup(g_ptr_array_index(argv, i));

	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GError) error = NULL;
	gboolean ok = options_parse(&cfg, (int)argv->len, (char **)argv->pdata, &error);

	/* options_parse() works on a copy: the caller's vector and strings are untouched. */
	for (guint i = 0; i < argv->len; i++)
		g_assert_cmpstr(g_ptr_array_index(argv, i), ==, before[i]);
	if (!ok) {
		g_assert_nonnull(error);
		g_assert_cmpuint(strlen(error->message), >, 0);
		return 0;
	}
	g_assert_no_error(error);
	if (!options_validate(&cfg, &error)) {
		g_assert_true(error->domain == VIGIL_ERROR);
		g_assert_cmpuint(strlen(error->message), >, 0);
		/* One line, unless a value it quotes brought its own newline. */
		if (memchr(data, '\n', size) == NULL)
			g_assert_null(strchr(error->message, '\n'));
		return 0;
	}
	g_assert_no_error(error);
	check_valid(&cfg);
	return 0;
}
