/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A C++ engine includes the public headers and links the static library: every declaration
 * has C linkage (G_BEGIN_DECLS), so the calls below link against the C symbols instead of
 * mangled names that nothing defines. Also checks the version macros against the library.
 */
#include <cerrno>
#include <vigil/vigil.h>

static void test_cxx_links(void)
{
	GError *error = NULL;
	VigilConfig config = VIGIL_CONFIG_INIT;

	g_test_summary("the public headers compile as C++ and their functions link with C "
		       "linkage: version, status names, signals, a runtime refused with ENOENT");
	g_assert_cmpstr(vigil_status_to_string(VIGIL_STATUS_STOPPED), ==, "stopped");
	g_assert_cmpint(vigil_signal_parse("KILL"), ==, 9);
	config.runtime = "/nonexistent/vigil-test-runtime";
	g_assert_null(vigil_runtime_new(&config, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_error_free(error);
}

static void test_version(void)
{
	char compiled[64];

	g_test_summary("VIGIL_VERSION_* are the library's version: vigil_version() says the same, "
		       "and vigil_check_version() and VIGIL_CHECK_VERSION accept it and refuse "
		       "a later one");
	g_snprintf(compiled, sizeof compiled, "%d.%d.%d", VIGIL_VERSION_MAJOR, VIGIL_VERSION_MINOR,
		   VIGIL_VERSION_MICRO);
	g_assert_cmpstr(vigil_version(), ==, compiled);
	g_assert_cmpstr(VIGIL_VERSION_STRING, ==, compiled);
	g_assert_true(
		vigil_check_version(VIGIL_VERSION_MAJOR, VIGIL_VERSION_MINOR, VIGIL_VERSION_MICRO));
	g_assert_false(vigil_check_version(VIGIL_VERSION_MAJOR, VIGIL_VERSION_MINOR,
					   VIGIL_VERSION_MICRO + 1));
	g_assert_false(vigil_check_version(VIGIL_VERSION_MAJOR + 1, 0, 0));
	g_assert_true(
		VIGIL_CHECK_VERSION(VIGIL_VERSION_MAJOR, VIGIL_VERSION_MINOR, VIGIL_VERSION_MICRO));
	g_assert_true(VIGIL_CHECK_VERSION(0, 0, 0));
	g_assert_false(VIGIL_CHECK_VERSION(VIGIL_VERSION_MAJOR, VIGIL_VERSION_MINOR,
					   VIGIL_VERSION_MICRO + 1));
	g_assert_false(VIGIL_CHECK_VERSION(VIGIL_VERSION_MAJOR + 1, 0, 0));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/libvigil-cxx/links", test_cxx_links);
	g_test_add_func("/libvigil-cxx/version", test_version);
	return g_test_run();
}
