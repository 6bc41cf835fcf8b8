/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/*
 * Replays fuzz inputs through a target without libFuzzer, so every build runs the corpus as
 * an ordinary test (`meson test --suite fuzz`); the systemd/GLib pattern. Arguments are
 * files or directories of files. No input at all is a failure: a misnamed corpus must not
 * pass silently.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean run_file(const char *path)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return FALSE;
	}
	/* A copy of exactly len bytes, so ASan sees any read past the input; never NULL, even
	 * for an empty file, as libFuzzer passes it (g_memdup2 would give NULL for len 0). */
	uint8_t *copy = malloc(len);
	g_assert_nonnull(copy);
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return TRUE;
}

int main(int argc, char **argv)
{
	guint ran = 0;

	for (int i = 1; i < argc; i++) {
		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
			g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
			const char *name;
			while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
				g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
			for (guint j = 0; j < names->len; j++) {
				if (!run_file(g_ptr_array_index(names, j)))
					return EXIT_FAILURE;
				ran++;
			}
		} else {
			if (!run_file(argv[i]))
				return EXIT_FAILURE;
			ran++;
		}
	}
	printf("%u inputs\n", ran);
	return ran > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
