/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>

#include <glib.h>

int main(int argc, char **argv)
{
	if (argc == 2 && g_str_equal(argv[1], "--version")) {
		g_print("vigilctl version %s\ncommit: %s\n", VIGIL_VERSION, VIGIL_GIT_COMMIT);
		return EXIT_SUCCESS;
	}
	g_printerr("vigilctl: the controller is not built yet; only --version works\n");
	return EXIT_FAILURE;
}
