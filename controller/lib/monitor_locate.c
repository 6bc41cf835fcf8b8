/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_locate.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>

char *monitor_locate_in(const char *dir, const char *rel)
{
	g_autofree char *path = NULL;

	if (dir == NULL || rel == NULL || *rel == '\0')
		return NULL;
	path = g_build_filename(dir, rel, NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) || g_file_test(path, G_FILE_TEST_IS_DIR))
		return NULL;
	return g_canonicalize_filename(path, NULL);
}

/* Any object of this file: its address says which loaded object holds this code (a function's
 * address would do, but ISO C has no function-to-data pointer conversion). */
static const char locate_anchor = 0;

/* The directory of the shared object this code was loaded from, symlinks resolved (a
 * merged /usr loads /lib/x86_64-linux-gnu/..., whose ../.. is not the prefix); NULL when it
 * is part of the main program (a static link), whose link map has an empty name. */
static char *shared_object_dir(void)
{
	struct link_map *map = NULL;
	Dl_info info;
	g_autofree char *real = NULL;

	if (dladdr1(&locate_anchor, &info, (void **)&map, RTLD_DL_LINKMAP) == 0 || map == NULL ||
	    map->l_name == NULL || map->l_name[0] == '\0')
		return NULL;
	real = realpath(map->l_name, NULL);
	if (real == NULL)
		return NULL;
	return g_path_get_dirname(real);
}

static char *program_dir(void)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);

	return self != NULL ? g_path_get_dirname(self) : NULL;
}

char *monitor_locate_installed(void)
{
	g_autofree char *lib_dir = shared_object_dir();
	g_autofree char *exe_dir = NULL;

	if (lib_dir != NULL)
		return monitor_locate_in(lib_dir, VIGIL_MONITOR_FROM_LIBDIR);
	exe_dir = program_dir();
	return monitor_locate_in(exe_dir, VIGIL_MONITOR_FROM_BINDIR);
}
