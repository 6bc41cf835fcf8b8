/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "container.h"

#include "error_util.h"
#include "fdutil.h"
#include "state_dir.h"
#include "state_record.h"
#include "status.h"

static const char *const status_names[] = {
	[VIGIL_STATUS_UNKNOWN] = "unknown", [VIGIL_STATUS_CREATING] = "creating",
	[VIGIL_STATUS_CREATED] = "created", [VIGIL_STATUS_RUNNING] = "running",
	[VIGIL_STATUS_PAUSED] = "paused",   [VIGIL_STATUS_STOPPED] = "stopped",
};

const char *vigil_status_to_string(VigilStatus status)
{
	if ((guint)status >= G_N_ELEMENTS(status_names))
		return "unknown";
	return status_names[status];
}

VigilStatus container_status_parse(const char *s)
{
	for (guint i = 0; s != NULL && i < G_N_ELEMENTS(status_names); i++) {
		if (g_str_equal(s, status_names[i]))
			return (VigilStatus)i;
	}
	return VIGIL_STATUS_UNKNOWN;
}

VigilContainer *container_new(const char *id, const char *state_dir)
{
	VigilContainer *ctr = g_new0(VigilContainer, 1);

	ctr->id = g_strdup(id);
	ctr->state_dir = g_strdup(state_dir);
	return ctr;
}

void vigil_container_free(VigilContainer *ctr)
{
	if (ctr == NULL)
		return;
	g_free(ctr->id);
	g_free(ctr->name);
	g_free(ctr->bundle);
	g_free(ctr->state_dir);
	g_free(ctr->runtime);
	g_free(ctr->runtime_root);
	g_free(ctr->monitor);
	g_free(ctr->exit_dir);
	g_free(ctr->persist_dir);
	g_free(ctr->log_driver);
	g_free(ctr->log_path);
	g_free(ctr);
}

char *container_file(const VigilContainer *ctr, const char *name)
{
	return g_build_filename(ctr->state_dir, name, NULL);
}

char *container_exit_file(const VigilContainer *ctr)
{
	return g_build_filename(ctr->exit_dir, ctr->id, NULL);
}

ContainerHandle *container_open(VigilRuntime *rt, const char *id, VigilUpdateFlags flags,
				GError **error)
{
	g_autoptr(ContainerHandle) h = g_new0(ContainerHandle, 1);
	g_autofree char *dir = NULL;
	g_autofree char *record = NULL;
	gboolean changed = FALSE;

	h->lock_fd = -1;
	h->rt = rt;
	if (!state_id_validate(id, "container id", error))
		return NULL;
	/* Whatever a delete killed half-way left; the id itself is free or intact. */
	state_dir_sweep_tombstones(vigil_runtime_root(rt));
	dir = state_dir_path(vigil_runtime_root(rt), id);
	h->lock_fd = state_dir_lock(dir, id, error);
	if (h->lock_fd < 0)
		return NULL;
	record = g_build_filename(dir, STATE_RECORD, NULL);
	h->ctr = state_record_load(record, id, dir, error);
	if (h->ctr == NULL)
		return NULL;
	if (!status_reconcile(rt, h->ctr, flags, &changed, error))
		return NULL;
	if (changed && !container_save(h, error))
		return NULL;
	return g_steal_pointer(&h);
}

gboolean container_save(ContainerHandle *h, GError **error)
{
	g_autofree char *record = container_file(h->ctr, STATE_RECORD);

	return state_record_save(h->ctr, record, error);
}

void container_handle_free(ContainerHandle *h)
{
	if (h == NULL)
		return;
	g_clear_pointer(&h->ctr, vigil_container_free);
	vigil_clear_fd(&h->lock_fd);
	g_free(h);
}

const char *vigil_container_get_id(const VigilContainer *ctr)
{
	return ctr->id;
}

const char *vigil_container_get_name(const VigilContainer *ctr)
{
	return ctr->name != NULL ? ctr->name : ctr->id;
}

const char *vigil_container_get_bundle(const VigilContainer *ctr)
{
	return ctr->bundle;
}

const char *vigil_container_get_state_dir(const VigilContainer *ctr)
{
	return ctr->state_dir;
}

VigilStatus vigil_container_get_status(const VigilContainer *ctr)
{
	return ctr->status;
}

int vigil_container_get_pid(const VigilContainer *ctr)
{
	return ctr->pid;
}

int vigil_container_get_monitor_pid(const VigilContainer *ctr)
{
	return ctr->monitor_pid;
}

gboolean vigil_container_get_exit_code(const VigilContainer *ctr, int *out_code)
{
	if (!ctr->has_exit_code)
		return FALSE;
	if (out_code != NULL)
		*out_code = ctr->exit_code;
	return TRUE;
}

gboolean vigil_container_get_oom_killed(const VigilContainer *ctr)
{
	return ctr->oom_killed;
}

gint64 vigil_container_get_created(const VigilContainer *ctr)
{
	return ctr->created;
}

gint64 vigil_container_get_started(const VigilContainer *ctr)
{
	return ctr->started;
}

gint64 vigil_container_get_finished(const VigilContainer *ctr)
{
	return ctr->finished;
}

const char *vigil_container_get_runtime(const VigilContainer *ctr)
{
	return ctr->runtime;
}

gboolean vigil_container_get_terminal(const VigilContainer *ctr)
{
	return ctr->terminal;
}

const char *vigil_container_get_log_path(const VigilContainer *ctr)
{
	return ctr->log_path;
}

const char *vigil_container_get_log_driver(const VigilContainer *ctr)
{
	return ctr->log_driver;
}

const char *vigil_container_get_exit_dir(const VigilContainer *ctr)
{
	return ctr->exit_dir;
}

const char *vigil_container_get_persist_dir(const VigilContainer *ctr)
{
	return ctr->persist_dir;
}

int vigil_container_get_stop_signal(const VigilContainer *ctr)
{
	return ctr->stop_signal;
}

const char *vigil_container_get_runtime_root(const VigilContainer *ctr)
{
	return ctr->runtime_root;
}

const char *vigil_container_get_monitor(const VigilContainer *ctr)
{
	return ctr->monitor;
}
