/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "seccomp_plugins.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "error_util.h"

/* crun's plugin ABI (src/libcrun/seccomp_notify_plugin.h), which conmon 2.x also used: the
 * values and the configuration layout are a contract with existing plugins. */
#define PLUGIN_NOT_HANDLED                0
#define PLUGIN_SEND_RESPONSE              1
#define PLUGIN_DELAYED_RESPONSE           2
#define PLUGIN_SEND_RESPONSE_AND_CONTINUE 3
#define PLUGIN_API_VERSION                1

typedef struct {
	const char *runtime_root_path;
	const char *name;
	const char *bundle_path;
	const char *oci_config_path;
} PluginConf;

typedef int (*PluginVersionFn)(void);
typedef int (*PluginStartFn)(void **opaque, PluginConf *conf, size_t conf_size);
typedef int (*PluginHandleFn)(void *opaque, struct seccomp_notif_sizes *sizes,
			      struct seccomp_notif *req, struct seccomp_notif_resp *resp,
			      int seccomp_fd, int *handled);
typedef int (*PluginStopFn)(void *opaque);

typedef struct {
	char *path;
	void *handle;
	void *opaque;
	PluginHandleFn handle_request;
	PluginStopFn stop;
} Plugin;

struct _SeccompPlugins {
	GArray *list; /* Plugin */
};

gboolean seccomp_plugins_answer(SeccompPlugins *plugins, struct seccomp_notif_sizes *sizes,
				struct seccomp_notif *req, struct seccomp_notif_resp *resp, int fd)
{
	int handled = PLUGIN_NOT_HANDLED;

	for (guint i = 0; i < plugins->list->len && handled == PLUGIN_NOT_HANDLED; i++) {
		Plugin *p = &g_array_index(plugins->list, Plugin, i);
		int r = p->handle_request(p->opaque, sizes, req, resp, fd, &handled);
		if (r < 0) {
			g_warning("seccomp notify plugin %s failed: %s, answering ENOSYS", p->path,
				  g_strerror(-r));
			handled = PLUGIN_NOT_HANDLED;
			break;
		}
	}
	switch (handled) {
	case PLUGIN_DELAYED_RESPONSE:
		return FALSE;
	case PLUGIN_SEND_RESPONSE_AND_CONTINUE:
		resp->flags |= SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case PLUGIN_SEND_RESPONSE:
		break;
	default:
		resp->error = -ENOSYS;
		resp->val = 0;
		resp->flags = 0;
		break;
	}
	resp->id = req->id;
	return TRUE;
}

static gboolean plugin_sym(Plugin *p, const char *name, void *out_fn, gboolean required,
			   GError **error)
{
	void *sym = dlsym(p->handle, name);

	if (sym == NULL && required)
		return vigil_throw(error, ENOSYS, "seccomp notify plugin %s lacks %s", p->path,
				   name);
	/* POSIX: a dlsym result converts to the function pointer type. */
	memcpy(out_fn, &sym, sizeof sym);
	return TRUE;
}

static gboolean plugin_load(SeccompPlugins *plugins, const char *path, PluginConf *conf,
			    GError **error)
{
	Plugin p = { .path = g_strdup(path) };
	PluginVersionFn version = NULL;
	PluginStartFn start = NULL;

	p.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	/* Appended before any check, so seccomp_plugins_free() cleans up a half-loaded one. */
	g_array_append_val(plugins->list, p);
	if (p.handle == NULL)
		return vigil_throw(error, ENOENT, "load seccomp notify plugin %s: %s", path,
				   dlerror());
	if (!plugin_sym(&p, "run_oci_seccomp_notify_version", &version, FALSE, error) ||
	    !plugin_sym(&p, "run_oci_seccomp_notify_start", &start, FALSE, error) ||
	    !plugin_sym(&p, "run_oci_seccomp_notify_handle_request", &p.handle_request, TRUE,
			error) ||
	    !plugin_sym(&p, "run_oci_seccomp_notify_stop", &p.stop, FALSE, error))
		return FALSE;
	if (version != NULL && version() != PLUGIN_API_VERSION)
		return vigil_throw(error, ENOTSUP, "seccomp notify plugin %s has API version %d",
				   path, version());
	if (start != NULL) {
		int r = start(&p.opaque, conf, sizeof *conf);
		if (r < 0)
			return vigil_throw_errsv(error, -r, "start seccomp notify plugin %s", path);
	}
	/* Started: from here on it is stopped at the end. */
	g_array_index(plugins->list, Plugin, plugins->list->len - 1) = p;
	return TRUE;
}

SeccompPlugins *seccomp_plugins_load(const SeccompConfig *cfg, GError **error)
{
	g_autoptr(SeccompPlugins) plugins = g_new0(SeccompPlugins, 1);
	const char *list = cfg->seccomp_notify_plugins != NULL
				   ? cfg->seccomp_notify_plugins
				   : g_getenv("CONMON_SECCOMP_NOTIFY_PLUGINS");
	g_autofree char *config_json =
		cfg->bundle != NULL ? g_build_filename(cfg->bundle, "config.json", NULL) : NULL;
	PluginConf conf = {
		.runtime_root_path = cfg->runtime_root,
		.name = cfg->cid,
		.bundle_path = cfg->bundle,
		.oci_config_path = config_json,
	};
	g_auto(GStrv) paths = g_strsplit(list != NULL ? list : "", ":", -1);

	plugins->list = g_array_new(FALSE, TRUE, sizeof(Plugin));
	for (char **p = paths; *p != NULL; p++) {
		if (**p != '\0' && !plugin_load(plugins, *p, &conf, error))
			return NULL;
	}
	return g_steal_pointer(&plugins);
}

void seccomp_plugins_free(SeccompPlugins *plugins)
{
	if (plugins == NULL)
		return;
	for (guint i = 0; i < plugins->list->len; i++) {
		Plugin *p = &g_array_index(plugins->list, Plugin, i);
		if (p->stop != NULL)
			p->stop(p->opaque);
		if (p->handle != NULL)
			dlclose(p->handle);
		g_free(p->path);
	}
	g_array_unref(plugins->list);
	g_free(plugins);
}
