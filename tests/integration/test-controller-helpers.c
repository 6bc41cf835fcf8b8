/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "test-controller-helpers.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ctl_monitor(void)
{
	const char *alt = g_getenv("VIGIL_TEST_MONITOR");

	return alt != NULL ? alt : testlib_vigilmon();
}

Ctl *ctl_new(const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	VigilConfig config = VIGIL_CONFIG_INIT;
	Ctl *c;

	if (!testlib_require_runc())
		return NULL;
	if (!testlib_require_program(ctl_monitor()))
		return NULL;
	c = g_new0(Ctl, 1);
	c->b = test_bundle_new(argv);
	c->root = g_build_filename(c->b->dir, "vigil", NULL);
	config.root = c->root;
	config.runtime_root = c->b->runc_root;
	config.monitor = ctl_monitor();
	c->rt = vigil_runtime_new(&config, &error);
	g_assert_no_error(error);
	return c;
}

void ctl_free(Ctl *c)
{
	if (c == NULL)
		return;
	/* Whatever state the test left: gone, with its monitor. */
	(void)vigil_runtime_delete_container(c->rt, c->b->id, TRUE, NULL);
	g_clear_pointer(&c->rt, vigil_runtime_free);
	test_bundle_free(c->b);
	g_free(c->root);
	g_free(c);
}

void ctl_create(Ctl *c)
{
	VigilCreateOptions o = VIGIL_CREATE_OPTIONS_INIT;
	g_autoptr(GError) error = NULL;

	o.bundle = c->b->bundle;
	g_assert_true(vigil_runtime_create_container(c->rt, c->b->id, &o, &error));
	g_assert_no_error(error);
}

int ctl_wait(Ctl *c)
{
	g_autoptr(GError) error = NULL;
	int code = G_MININT;

	g_assert_true(vigil_runtime_wait(c->rt, c->b->id, NULL, CTL_WAIT_MS, &code, &error));
	g_assert_no_error(error);
	return code;
}

gboolean ctl_require_attach(Ctl *c)
{
	g_autofree char *path = vigil_runtime_attach_socket_path(c->rt, c->b->id, NULL);
	struct stat st;

	return testlib_require_monitor_feature(path != NULL && stat(path, &st) == 0 &&
						       S_ISSOCK(st.st_mode),
					       "made no attach socket (attach: issue 4)");
}

gboolean ctl_require_attach_cli(int status, const char *err)
{
	return testlib_require_monitor_feature(status != 125 || err == NULL ||
						       strstr(err, "attach socket") == NULL,
					       "made no attach socket (attach: issue 4)");
}

static GPtrArray *cli_argv(Ctl *c, const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(argv, g_strdup(testlib_vigilctl()));
	g_ptr_array_add(argv, g_strdup_printf("--root=%s", c->root));
	g_ptr_array_add(argv, g_strdup_printf("--runtime-root=%s", c->b->runc_root));
	g_ptr_array_add(argv, g_strdup_printf("--monitor=%s", ctl_monitor()));
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, g_strdup(*args));
	g_ptr_array_add(argv, NULL);
	return argv;
}

int ctl_cliv(Ctl *c, const char *const *env, const char *input, char **out, char **err,
	     const char *const *args)
{
	g_autoptr(GPtrArray) argv = cli_argv(c, args);
	g_autoptr(GPtrArray) full = g_ptr_array_new();

	if (env == NULL)
		return testlib_run((const char *const *)argv->pdata, input, out, err);
	/* env(1) puts the extra variables in front, for the crash-point tests. */
	g_ptr_array_add(full, (char *)"env");
	for (; *env != NULL; env++)
		g_ptr_array_add(full, (char *)*env);
	for (guint i = 0; i < argv->len; i++)
		g_ptr_array_add(full, g_ptr_array_index(argv, i));
	return testlib_run((const char *const *)full->pdata, input, out, err);
}

int ctl_cli(Ctl *c, const char *input, char **out, char **err, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	va_list ap;
	const char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(args, (char *)a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	int status = ctl_cliv(c, NULL, input, out, err, (const char *const *)args->pdata);
	if (err != NULL && *err != NULL && **err != '\0')
		g_test_message("vigilctl stderr: %s", *err);
	return status;
}

GPid ctl_cli_async(Ctl *c, const char *const *args)
{
	g_autoptr(GPtrArray) argv = cli_argv(c, args);
	g_autoptr(GError) error = NULL;
	GPid pid = 0;

	g_assert_true(g_spawn_async(NULL, (char **)argv->pdata, NULL,
				    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
				    NULL, &pid, &error));
	g_assert_no_error(error);
	return pid;
}

const char *ctl_status(Ctl *c)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = vigil_runtime_update_container_status(
		c->rt, c->b->id, VIGIL_UPDATE_DEFAULT, &error);

	g_assert_no_error(error);
	return vigil_status_to_string(vigil_container_get_status(ctr));
}

gboolean ctl_skip_if_conmon_before(const char *version, const char *why)
{
	g_autofree char *base = g_path_get_basename(ctl_monitor());
	g_autofree char *out = NULL;
	const char *argv[] = { ctl_monitor(), "--version", NULL };
	guint have[3] = { 0 }, want[3] = { 0 };

	/* vigilmon also says "conmon version", with the protocol level it implements. */
	if (!g_str_equal(base, "conmon") || testlib_run(argv, NULL, &out, NULL) != 0 ||
	    sscanf(out, "conmon version %u.%u.%u", &have[0], &have[1], &have[2]) != 3 ||
	    sscanf(version, "%u.%u.%u", &want[0], &want[1], &want[2]) != 3)
		return FALSE;
	for (int i = 0; i < 3; i++) {
		if (have[i] != want[i]) {
			if (have[i] > want[i])
				return FALSE;
			break;
		}
		if (i == 2)
			return FALSE;
	}
	testlib_skip("conmon %u.%u.%u: %s", have[0], have[1], have[2], why);
	return TRUE;
}
