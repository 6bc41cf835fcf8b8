/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "module_config.h"
#include "monitor_options.h"
#include "runtime_child.h"

static char *argv_for(const char *console, ...)
{
	g_auto(MonitorConfig) cfg = { 0 };
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	va_list ap;
	const char *a;

	g_ptr_array_add(argv, (char *)"vigilmon");
	va_start(ap, console);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_assert_true(options_parse(&cfg, (int)argv->len - 1, (char **)argv->pdata, &error));
	g_assert_true(options_validate(&cfg, &error));
	RuntimeConfig runtime = module_config_runtime(&cfg);
	g_auto(GStrv) rt = runtime_build_argv(&runtime, console);
	return g_strjoinv(" ", rt);
}

/* docs/conmon-contract.md, "Runtime command lines": exact order */
static void test_create(void)
{
	g_autofree char *s =
		argv_for("/tmp/c.sock", "-c", "id", "-u", "id", "-r", "/bin/true", "-b", "/b", "-p",
			 "/pf", "-s", "--no-pivot", "--no-new-keyring", "--runtime-arg",
			 "--root=/r", "--runtime-opt", "--opt", "-l", "/l", NULL);
	g_assert_cmpstr(s, ==,
			"/bin/true --systemd-cgroup --root=/r create --bundle /b --pid-file /pf "
			"--no-pivot --no-new-keyring --opt --console-socket /tmp/c.sock id");
}

static void test_restore(void)
{
	g_autofree char *s = argv_for(NULL, "-c", "id", "-u", "id", "-r", "/bin/true", "-b", "/b",
				      "-p", "/pf", "--restore", "/ckpt", "--runtime-opt",
				      "--tcp-established", "--restore-arg", "--file-locks", NULL);
	g_assert_cmpstr(s, ==,
			"/bin/true restore --bundle /b --pid-file /pf --detach --image-path /ckpt "
			"--work-path /b --tcp-established --file-locks id");
}

static void test_exec(void)
{
	/* exec never gets --systemd-cgroup, --no-pivot or --no-new-keyring */
	g_autofree char *s = argv_for(NULL, "-c", "id", "-u", "sess", "-r", "/bin/true", "-p",
				      "/pf", "-e", "--exec-process-spec", "/spec.json", "-s",
				      "--no-pivot", "--runtime-arg", "--root=/r", "--runtime-opt",
				      "--preserve-fds", "--runtime-opt", "1", NULL);
	g_assert_cmpstr(s, ==,
			"/bin/true --root=/r exec --pid-file /pf --process /spec.json --detach "
			"--preserve-fds 1 id");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/runtime-argv/create", test_create);
	g_test_add_func("/runtime-argv/restore", test_restore);
	g_test_add_func("/runtime-argv/exec", test_exec);
	return g_test_run();
}
