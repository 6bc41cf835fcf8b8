/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "log_sink.h"

#include <errno.h>

#include "error.h"
#include "log_driver.h"

struct _LogSinks {
	GPtrArray *drivers; /* LogDriver* */
	gboolean passthrough;
};

typedef enum {
	SPEC_NONE,
	SPEC_K8S_FILE,
	SPEC_JOURNALD,
	SPEC_PASSTHROUGH,
} SpecKind;

/*
 * One -l value (conmon.md §8.1). Unlike conmon, only the first ':' separates driver and
 * path, so "k8s-file:/a:b" logs to "/a:b" instead of silently to "/a".
 */
static gboolean parse_spec(const char *spec, SpecKind *out_kind, const char **out_path,
			   GError **error)
{
	const char *colon = strchr(spec, ':');
	g_autofree char *driver = colon ? g_strndup(spec, colon - spec) : g_strdup(spec);
	const char *path = colon ? colon + 1 : NULL;

	if (*spec == '\0' || g_str_equal(spec, ":"))
		return vigil_throw(error, EINVAL, "log-path must not be empty");
	if (*driver == '\0') {
		*out_kind = SPEC_K8S_FILE;
		*out_path = path;
		return TRUE;
	}
	if (g_str_equal(driver, "none") || g_str_equal(driver, "off") ||
	    g_str_equal(driver, "null")) {
		*out_kind = SPEC_NONE;
		return TRUE;
	}
	if (g_str_equal(driver, "passthrough")) {
		*out_kind = SPEC_PASSTHROUGH;
		return TRUE;
	}
	if (g_str_equal(driver, "journald")) {
		*out_kind = SPEC_JOURNALD;
		return TRUE;
	}
	if (g_str_equal(driver, "k8s-file")) {
		if (path == NULL || *path == '\0')
			return vigil_throw(error, EINVAL, "k8s-file requires a filename");
		*out_kind = SPEC_K8S_FILE;
		*out_path = path;
		return TRUE;
	}
	if (colon == NULL) {
		*out_kind = SPEC_K8S_FILE;
		*out_path = spec;
		return TRUE;
	}
	return vigil_throw(error, EINVAL, "No such log driver %s", driver);
}

LogSinks *log_sinks_new(const MonitorConfig *cfg, GError **error)
{
	g_autoptr(LogSinks) sinks = g_new0(LogSinks, 1);
	const char *k8s_path = NULL;

	sinks->drivers = g_ptr_array_new();
	if (cfg->log_paths == NULL || cfg->log_paths[0] == NULL)
		return vigil_throw(error, EINVAL, "Log driver not provided. Use --log-path"), NULL;
	for (char **p = cfg->log_paths; *p != NULL; p++) {
		SpecKind kind = SPEC_NONE;
		const char *path = NULL;
		if (!parse_spec(*p, &kind, &path, error))
			return NULL;
		switch (kind) {
		case SPEC_K8S_FILE:
			k8s_path = path; /* several: the last one wins, as in conmon */
			break;
		case SPEC_PASSTHROUGH:
			sinks->passthrough = TRUE;
			break;
		case SPEC_JOURNALD:
			return vigil_throw(error, ENOTSUP,
					   "journald log driver is not available yet"),
			       NULL;
		case SPEC_NONE:
			break;
		}
	}
	if (k8s_path != NULL) {
		LogDriver *d = k8s_file_driver_new(cfg, k8s_path, error);
		if (d == NULL)
			return NULL;
		g_ptr_array_add(sinks->drivers, d);
	}
	return g_steal_pointer(&sinks);
}

gboolean log_sinks_is_passthrough(const LogSinks *sinks)
{
	return sinks->passthrough;
}

void log_sinks_write(LogSinks *sinks, int stream, const char *buf, gsize len)
{
	struct timespec now;

	if (sinks->drivers->len == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		d->ops->write(d, stream, buf, len, &now);
	}
}

void log_sinks_reopen(LogSinks *sinks)
{
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		if (d->ops->reopen != NULL)
			d->ops->reopen(d);
	}
}

void log_sinks_flush(LogSinks *sinks, gboolean sync)
{
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		d->ops->flush(d, sync);
	}
}

void log_sinks_free(LogSinks *sinks)
{
	if (sinks == NULL)
		return;
	for (guint i = 0; sinks->drivers != NULL && i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		d->ops->free(d);
	}
	g_clear_pointer(&sinks->drivers, g_ptr_array_unref);
	g_free(sinks);
}
