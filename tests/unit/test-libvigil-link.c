/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An engine whose own functions are named like libvigil's internal ones (container_new,
 * bundle_load, fd_write_all, vigil_throw: names from its controller/lib and common/) links
 * the static library and keeps its own: the library defines no global outside its public
 * vigil_ API. Built against libvigil.a alone, as an engine would link it; before the library
 * hid its internals this program did not link (multiple definition of container_new).
 */
#include <errno.h>
#include <signal.h>
#include <vigil/vigil.h>

int container_new(void);
int bundle_load(void);
int fd_write_all(void);
int vigil_throw(void);

int container_new(void)
{
	return 1;
}

int bundle_load(void)
{
	return 2;
}

int fd_write_all(void)
{
	return 3;
}

int vigil_throw(void)
{
	return 4;
}

static void test_own_names(void)
{
	g_autoptr(GError) error = NULL;
	VigilConfig config = VIGIL_CONFIG_INIT;
	VigilRuntime *rt;

	g_test_summary("a program defining container_new, bundle_load, fd_write_all and "
		       "vigil_throw links libvigil.a, and each name calls its own");
	g_assert_cmpint(container_new() + bundle_load() + fd_write_all() + vigil_throw(), ==, 10);
	/* The library's code still reaches its own (now local) helpers. */
	g_assert_cmpint(vigil_signal_parse("TERM"), ==, SIGTERM);
	g_assert_cmpstr(vigil_status_to_string(VIGIL_STATUS_RUNNING), ==, "running");
	config.runtime = "/nonexistent/vigil-test-runtime";
	rt = vigil_runtime_new(&config, &error);
	g_assert_null(rt);
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/libvigil-link/own-names", test_own_names);
	return g_test_run();
}
