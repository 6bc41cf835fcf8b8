/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An engine's smallest use of the installed libvigil, built by install.sh with nothing but
 * `pkg-config --cflags --libs vigil`: create, start, wait for and delete one container.
 * Prints the monitor the library chose and the container's exit code.
 */
#include <stdio.h>
#include <vigil/vigil.h>

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilRuntime) rt = NULL;
	VigilConfig config = VIGIL_CONFIG_INIT;
	VigilCreateOptions create = VIGIL_CREATE_OPTIONS_INIT;
	int code = -1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s ROOT BUNDLE ID\n", argv[0]);
		return 2;
	}
	if (!VIGIL_CHECK_VERSION(0, 1, 0) ||
	    !vigil_check_version(VIGIL_VERSION_MAJOR, VIGIL_VERSION_MINOR, VIGIL_VERSION_MICRO)) {
		fprintf(stderr, "libvigil %s is not the %s of the headers\n", vigil_version(),
			VIGIL_VERSION_STRING);
		return 1;
	}
	config.root = argv[1];
	create.bundle = argv[2];
	rt = vigil_runtime_new(&config, &error);
	if (rt == NULL || !vigil_runtime_create_container(rt, argv[3], &create, &error) ||
	    !vigil_runtime_start_container(rt, argv[3], &error) ||
	    !vigil_runtime_wait(rt, argv[3], NULL, 60 * 1000, &code, &error) ||
	    !vigil_runtime_delete_container(rt, argv[3], FALSE, &error)) {
		fprintf(stderr, "engine: %s\n", error->message);
		return 1;
	}
	printf("monitor %s\nexit %d\n", vigil_runtime_monitor(rt), code);
	return 0;
}
