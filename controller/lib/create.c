/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "create.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "container.h"
#include "crash_point.h"
#include "error_util.h"
#include "fdutil.h"
#include "monitor_args.h"
#include "monitor_launch.h"
#include "monitor_spawn.h"
#include "proc.h"
#include "runtime_impl.h"
#include "state_dir.h"
#include "state_record.h"

gboolean create_log_drivers_check(const char *const *drivers, GError **error)
{
	for (; drivers != NULL && *drivers != NULL; drivers++) {
		const char *colon = strchr(*drivers, ':');
		g_autofree char *kind =
			colon != NULL ? g_strndup(*drivers, colon - *drivers) : g_strdup(*drivers);
		gboolean file = g_str_equal(kind, "k8s-file") || g_str_equal(kind, "json-file");
		gboolean keyword = g_str_equal(kind, "journald") ||
				   g_str_equal(kind, "passthrough") || g_str_equal(kind, "none");

		/* The monitor would take a bare word for a file name ("json-file", a typo) and
		 * refuse an unknown "x:PATH" only once it runs: neither is a driver here. */
		if ((file && (colon == NULL || colon[1] != '\0')) || (keyword && colon == NULL))
			continue;
		return vigil_throw(error, EINVAL,
				   "--log-driver '%s' is not a log driver (k8s-file[:PATH], "
				   "json-file[:PATH], journald, passthrough or none)",
				   *drivers);
	}
	return TRUE;
}

char **create_log_drivers(const VigilCreateOptions *o, const char *dir, char **out_driver,
			  char **out_path)
{
	g_autoptr(GPtrArray) drivers = g_ptr_array_new_with_free_func(g_free);

	*out_driver = NULL;
	*out_path = NULL;
	if (o->log_drivers == NULL || o->log_drivers[0] == NULL) {
		*out_driver = g_strdup("k8s-file");
		*out_path = g_build_filename(dir, STATE_LOG, NULL);
		g_ptr_array_add(drivers, g_strconcat("k8s-file:", *out_path, NULL));
	}
	/* Checked by create_log_drivers_check(): a file driver is "k8s-file" or "json-file",
	 * with or without ":PATH"; anything else goes to the monitor as it is. */
	for (const char *const *d = o->log_drivers; d != NULL && *d != NULL; d++) {
		const char *colon = strchr(*d, ':');
		g_autofree char *name = colon != NULL ? g_strndup(*d, colon - *d) : g_strdup(*d);
		g_autofree char *abs = NULL;

		if (!g_str_equal(name, "k8s-file") && !g_str_equal(name, "json-file")) {
			g_ptr_array_add(drivers, g_strdup(*d));
			continue;
		}
		/* Without a path, the default log in the state directory, in that format. */
		abs = colon != NULL ? g_canonicalize_filename(colon + 1, NULL)
				    : g_build_filename(dir, STATE_LOG, NULL);
		g_ptr_array_add(drivers, g_strconcat(name, ":", abs, NULL));
		if (*out_path == NULL) {
			*out_driver = g_steal_pointer(&name);
			*out_path = g_steal_pointer(&abs);
		}
	}
	g_ptr_array_add(drivers, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&drivers), FALSE);
}

/* Undo a create that failed after the monitor started. Until the runtime reported the
 * container the monitor may still be running `create`: it must finish (it exits after
 * reporting the failure) before the runtime is told to forget the container. A container
 * that was created keeps its monitor alive, so it goes first and the monitor follows it. */
static void discard_monitor(VigilRuntime *rt, VigilContainer *ctr, gboolean created)
{
	const char *args[] = { "delete", "--force", ctr->id, NULL };
	RuntimeCmd cmd;

	runtime_cmd_for(rt, ctr, &cmd);
	if (created)
		(void)runtime_cmd_run(&cmd, args, NULL, NULL);
	proc_wait_or_kill(ctr->monitor_pid, ctr->monitor_start, MONITOR_EXIT_TIMEOUT_S);
	if (!created)
		(void)runtime_cmd_run(&cmd, args, NULL, NULL);
}

static VigilContainer *new_record(VigilRuntime *rt, const char *id, const char *dir, Bundle *bundle,
				  const VigilCreateOptions *o)
{
	VigilContainer *ctr = container_new(id, dir);

	ctr->name = g_strdup(o->name != NULL ? o->name : id);
	ctr->bundle = g_strdup(bundle->dir);
	ctr->runtime = g_strdup(rt->path);
	ctr->runtime_root = g_strdup(rt->runtime_root);
	ctr->monitor = g_strdup(rt->monitor);
	ctr->status = VIGIL_STATUS_CREATING;
	ctr->terminal = o->terminal || bundle_terminal(bundle);
	ctr->stdin_ = o->stdin_;
	ctr->stop_signal = o->stop_signal > 0               ? o->stop_signal
			   : bundle_stop_signal(bundle) > 0 ? bundle_stop_signal(bundle)
							    : SIGTERM;
	ctr->exit_dir = o->exit_dir != NULL ? g_canonicalize_filename(o->exit_dir, NULL)
					    : g_build_filename(dir, STATE_EXITS, NULL);
	ctr->persist_dir = o->persist_dir != NULL ? g_canonicalize_filename(o->persist_dir, NULL)
						  : g_strdup(dir);
	ctr->created = g_get_real_time();
	return ctr;
}

static gboolean spawn_and_sync(VigilRuntime *rt, VigilContainer *ctr, const char *record,
			       const VigilCreateOptions *o, char **drivers, GError **error)
{
	g_autofree char *pidfile = container_file(ctr, STATE_MONITOR_PID);
	g_autoptr(MonitorProcess) m = NULL;
	g_autoptr(GPtrArray) args = NULL;
	MonitorArgsBase base;
	VigilCreateOptions effective = *o;

	monitor_launch_args_base(rt, ctr, &base);
	base.cuuid = ctr->id;
	base.dir = ctr->state_dir;
	base.exit_dir = ctr->exit_dir;
	base.persist_dir = ctr->persist_dir;
	/* The terminal the runtime's config.json asks for (the option, else the bundle's): the
	 * runtime refuses a terminal it cannot hand to a console socket, so the monitor must
	 * make one (-t) whenever the config says so, and never otherwise. */
	effective.terminal = ctr->terminal;
	args = monitor_args_create(&base, &effective, (const char *const *)drivers);
	m = monitor_spawn(rt->monitor, args, o->preserve_fds, FALSE, pidfile, error);
	if (m == NULL)
		return FALSE;
	ctr->monitor_pid = m->pid;
	ctr->monitor_start = m->start_time;
	if (!state_record_save(ctr, record, error))
		return FALSE;
	crash_point("after-spawn");
	return monitor_launch_read_pid(m, ctr->state_dir, ctr->runtime, &ctr->pid, error);
}

/* state.json and the runtime's config.json are JSON, which holds only UTF-8: a path that is
 * not would be saved as bytes no JSON parser reads (and runc reads U+FFFD in their place).
 * Checked before anything is made, naming the option the value came from. */
static gboolean check_utf8(VigilRuntime *rt, const VigilContainer *ctr, GError **error)
{
	/* The state root first: the default paths below are made from it. */
	const struct {
		const char *option;
		const char *value;
	} values[] = {
		{ "--root", rt->root },
		{ "--runtime", ctr->runtime },
		{ "--runtime-root", ctr->runtime_root },
		{ "--monitor", ctr->monitor },
		{ "--bundle", ctr->bundle },
		{ "--name", ctr->name },
		{ "--exit-dir", ctr->exit_dir },
		{ "--persist-dir", ctr->persist_dir },
		{ "--log-path", ctr->log_path },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
		if (values[i].value != NULL && !g_utf8_validate(values[i].value, -1, NULL)) {
			g_autofree char *shown = g_strescape(values[i].value, NULL);
			return vigil_throw(error, EINVAL,
					   "%s '%s' is not UTF-8 (the JSON records cannot hold it)",
					   values[i].option, shown);
		}
	}
	return TRUE;
}

static gboolean create_locked(VigilRuntime *rt, VigilContainer *ctr, Bundle *bundle,
			      const VigilCreateOptions *o, GError **error)
{
	g_autofree char *record = container_file(ctr, STATE_RECORD);
	g_autofree char *config = container_file(ctr, STATE_CONFIG);
	g_auto(GStrv) drivers =
		create_log_drivers(o, ctr->state_dir, &ctr->log_driver, &ctr->log_path);

	if (!check_utf8(rt, ctr, error))
		return FALSE;
	if (g_mkdir_with_parents(ctr->exit_dir, 0700) < 0)
		return vigil_throw_errno(error, "create '%s'", ctr->exit_dir);
	if (g_mkdir_with_parents(ctr->persist_dir, 0700) < 0)
		return vigil_throw_errno(error, "create '%s'", ctr->persist_dir);
	if (g_mkdir_with_parents(ctr->runtime_root, 0700) < 0)
		return vigil_throw_errno(error, "create '%s'", ctr->runtime_root);
	if (!bundle_write_copy(bundle, config, ctr->terminal, error) ||
	    !state_record_save(ctr, record, error))
		return FALSE;
	crash_point("after-record");

	if (!spawn_and_sync(rt, ctr, record, o, drivers, error)) {
		discard_monitor(rt, ctr, FALSE);
		return FALSE;
	}
	ctr->status = o->restore != NULL ? VIGIL_STATUS_RUNNING : VIGIL_STATUS_CREATED;
	if (o->restore != NULL)
		ctr->started = g_get_real_time();
	/* The caller removes the state directory on failure: nothing may outlive it. */
	if (!state_record_save(ctr, record, error)) {
		discard_monitor(rt, ctr, TRUE);
		return FALSE;
	}
	return TRUE;
}

static gboolean create_container(VigilRuntime *rt, const char *id, const VigilCreateOptions *o,
				 GError **error)
{
	g_autoptr(Bundle) bundle = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	g_autofree char *dir = NULL;
	vigil_autofd int lock = -1;

	if (!state_id_validate(id, "container id", error))
		return FALSE;
	if (o->bundle == NULL)
		return vigil_throw(error, EINVAL, "no bundle given");
	if (o->restore != NULL && o->restore->image_path == NULL)
		return vigil_throw(error, EINVAL, "no checkpoint image path given");
	if (!create_log_drivers_check(o->log_drivers, error) ||
	    !monitor_launch_preserve_fds_check(o->preserve_fds, error))
		return FALSE;
	bundle = bundle_load(o->bundle, error);
	if (bundle == NULL)
		return FALSE;
	state_dir_sweep_tombstones(rt->root);
	lock = state_dir_create_locked(rt->root, id, error);
	if (lock < 0)
		return FALSE;
	dir = state_dir_path(rt->root, id);
	ctr = new_record(rt, id, dir, bundle, o);
	if (!create_locked(rt, ctr, bundle, o, error)) {
		g_autoptr(GError) rm = NULL;
		if (!state_dir_remove(dir, &rm))
			g_debug("%s", rm->message);
		return FALSE;
	}
	return TRUE;
}

gboolean vigil_runtime_create_container(VigilRuntime *rt, const char *id,
					const VigilCreateOptions *options, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL && options != NULL, FALSE);
	if (!create_container(rt, id, options, error)) {
		g_prefix_error(error, "%s '%s': ", options->restore != NULL ? "restore" : "create",
			       id);
		return FALSE;
	}
	return TRUE;
}
