/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>

#include "container.h"
#include "error_util.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"
#include "status.h"

static gint by_id(gconstpointer a, gconstpointer b)
{
	const VigilContainer *x = *(VigilContainer *const *)a;
	const VigilContainer *y = *(VigilContainer *const *)b;

	return g_strcmp0(x->id, y->id);
}

/* Without locks: a list must not wait for a stop in progress, and records are replaced
 * atomically. Statuses are refreshed from the exit files only, and not saved. */
GPtrArray *vigil_runtime_list_containers(VigilRuntime *rt, GError **error)
{
	g_autoptr(GPtrArray) list =
		g_ptr_array_new_with_free_func((GDestroyNotify)vigil_container_free);
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) d = NULL;
	const char *name;

	g_return_val_if_fail(rt != NULL, NULL);
	state_dir_sweep_tombstones(rt->root);
	d = g_dir_open(rt->root, 0, &local);
	if (d == NULL) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&list);
		vigil_throw(error, EIO, "list '%s': %s", rt->root, local->message);
		return NULL;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *dir = NULL, *record = NULL;
		VigilContainer *ctr;

		if (!state_id_validate(name, "container id", NULL))
			continue;
		dir = state_dir_path(rt->root, name);
		if (!state_dir_is_container(dir))
			continue;
		record = g_build_filename(dir, STATE_RECORD, NULL);
		ctr = state_record_load(record, name, dir, NULL);
		if (ctr != NULL) {
			status_peek(ctr);
		} else {
			/* A record that cannot be read is shown, not hidden: delete -f still
			 * works on it, and state says what is wrong. */
			ctr = container_new(name, dir);
			ctr->status = VIGIL_STATUS_UNKNOWN;
		}
		g_ptr_array_add(list, ctr);
	}
	g_ptr_array_sort(list, by_id);
	return g_steal_pointer(&list);
}
