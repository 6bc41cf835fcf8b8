/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "log_sink.h"

#include <errno.h>
#include <string.h>

#include "error_util.h"
#include "log_driver.h"
#include "source.h"

struct _LogSinks {
	GPtrArray *drivers; /* LogDriver* */
	gboolean passthrough;
	GMainContext *ctx;
	GSource *timer;
	/* what is configured, for the control socket's state */
	char *k8s_path;
	char *json_path;
	gboolean journald;
	LogSinksRotatedFunc on_rotated;
	gpointer on_rotated_data;
	guint64 rotations_seen;
};

typedef enum {
	SPEC_NONE,
	SPEC_K8S_FILE,
	SPEC_JSON_FILE,
	SPEC_JOURNALD,
	SPEC_PASSTHROUGH,
} SpecKind;

/* The file driver given by name with a required path ("k8s-file", "json-file"). */
static gboolean file_spec(const char *driver, const char *path, SpecKind kind, SpecKind *out_kind,
			  const char **out_path, GError **error)
{
	if (path == NULL || *path == '\0')
		return vigil_throw(error, EINVAL, "%s requires a filename", driver);
	*out_kind = kind;
	*out_path = path;
	return TRUE;
}

/* One -l value (docs/conmon-contract.md, "Log path grammar"). */
static gboolean parse_spec(const char *spec, SpecKind *out_kind, const char **out_path,
			   GError **error)
{
	const char *colon = strchr(spec, ':');
	g_autofree char *driver = colon ? g_strndup(spec, colon - spec) : g_strdup(spec);
	const char *path = colon ? colon + 1 : NULL;

	if (*spec == '\0' || g_str_equal(spec, ":"))
		return vigil_throw(error, EINVAL, "log-path must not be empty");
	if (*driver == '\0') {
		/* ":journald" is a file named journald */
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
	if (g_str_equal(driver, "k8s-file"))
		return file_spec(driver, path, SPEC_K8S_FILE, out_kind, out_path, error);
	if (g_str_equal(driver, "json-file"))
		return file_spec(driver, path, SPEC_JSON_FILE, out_kind, out_path, error);
	if (colon == NULL) {
		*out_kind = SPEC_K8S_FILE;
		*out_path = spec;
		return TRUE;
	}
	return vigil_throw(error, EINVAL, "No such log driver %s", driver);
}

static void drivers_free(GPtrArray *drivers)
{
	for (guint i = 0; i < drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(drivers, i);
		d->ops->free(d);
	}
	g_ptr_array_unref(drivers);
}

static gboolean add_driver(LogSinks *sinks, LogDriver *driver)
{
	if (driver == NULL)
		return FALSE;
	g_ptr_array_add(sinks->drivers, driver);
	return TRUE;
}

LogSinks *log_sinks_new(const LogConfig *cfg, GError **error)
{
	g_autoptr(LogSinks) sinks = g_new0(LogSinks, 1);
	const char *k8s_path = NULL, *json_path = NULL;
	gboolean journald = FALSE;

	sinks->drivers = g_ptr_array_new();
	if (cfg->log_paths == NULL || cfg->log_paths[0] == NULL)
		return vigil_throw(error, EINVAL, "Log driver not provided. Use --log-path"), NULL;
	if (cfg->log_line_max != 0 && (cfg->log_line_max < LOG_SINKS_LINE_MAX_MIN ||
				       cfg->log_line_max > LOG_SINKS_LINE_MAX_MAX))
		return vigil_throw(
			       error, EINVAL,
			       "--log-line-max must be between %d and %d bytes, got %" G_GINT64_FORMAT,
			       LOG_SINKS_LINE_MAX_MIN, LOG_SINKS_LINE_MAX_MAX, cfg->log_line_max),
		       NULL;
	for (char **p = cfg->log_paths; *p != NULL; p++) {
		SpecKind kind = SPEC_NONE;
		const char *path = NULL;
		if (!parse_spec(*p, &kind, &path, error))
			return NULL;
		if (kind == SPEC_K8S_FILE)
			k8s_path = path; /* several: the last one wins, as in conmon */
		else if (kind == SPEC_JSON_FILE)
			json_path = path;
		else if (kind == SPEC_PASSTHROUGH)
			sinks->passthrough = TRUE;
		else if (kind == SPEC_JOURNALD)
			journald = TRUE;
	}

	/* conmon's order: open the file, refuse journald-only options, then journald. */
	if (k8s_path != NULL && !add_driver(sinks, k8s_file_driver_new(cfg, k8s_path, error)))
		return NULL;
	if (json_path != NULL && !add_driver(sinks, json_file_driver_new(cfg, json_path, error)))
		return NULL;
	if (!journald && (k8s_path != NULL || json_path != NULL)) {
		const char *file_driver = k8s_path != NULL ? "k8s-file" : "json-file";
		if (cfg->log_tag != NULL)
			return vigil_throw(error, EINVAL, "%s doesn't support --log-tag",
					   file_driver),
			       NULL;
		if (cfg->log_labels != NULL && cfg->log_labels[0] != NULL)
			return vigil_throw(error, EINVAL, "%s doesn't support --log-label",
					   file_driver),
			       NULL;
	}
	if (journald && !add_driver(sinks, journald_driver_new(cfg, error)))
		return NULL;
	if (!journald && cfg->no_container_partial_message)
		g_warning("--no-container-partial-message has no effect without journald log "
			  "driver");
	sinks->k8s_path = g_strdup(k8s_path);
	sinks->json_path = g_strdup(json_path);
	sinks->journald = journald;
	return g_steal_pointer(&sinks);
}

gboolean log_sinks_is_passthrough(const LogSinks *sinks)
{
	return sinks->passthrough;
}

void log_sinks_stats(LogSinks *sinks, LogStats *out)
{
	*out = (LogStats){ 0 };
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		if (d->ops->stats != NULL)
			d->ops->stats(d, out);
	}
}

/* A file driver rotates inside a write once a file reaches its size limit: tell the
 * listener after any call that may have rotated. */
static void check_rotated(LogSinks *sinks)
{
	LogStats st;

	if (sinks->on_rotated == NULL)
		return;
	log_sinks_stats(sinks, &st);
	if (st.rotations == sinks->rotations_seen)
		return;
	sinks->rotations_seen = st.rotations;
	sinks->on_rotated(sinks->on_rotated_data);
}

static void drop_timer(LogSinks *sinks)
{
	source_drop(&sinks->timer);
}

static gboolean on_hold_expired(gpointer data);

/*
 * Arm the one-shot timer for the oldest held fragment. Once armed it is left alone until it
 * fires, even if the fragment was completed meanwhile: one spare wakeup is cheaper than
 * creating and destroying a source for every chunk that ends mid-line.
 */
static void arm_timer(LogSinks *sinks)
{
	gint64 oldest = 0;

	if (sinks->ctx == NULL || sinks->timer != NULL)
		return;
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		gint64 since = d->ops->pending_since(d);
		if (since != 0 && (oldest == 0 || since < oldest))
			oldest = since;
	}
	if (oldest == 0)
		return;
	gint64 due_ms = (oldest + LOG_SINKS_HOLD_MS * 1000 - g_get_monotonic_time()) / 1000;
	sinks->timer = g_timeout_source_new((guint)CLAMP(due_ms, 0, LOG_SINKS_HOLD_MS));
	g_source_set_callback(sinks->timer, on_hold_expired, sinks, NULL);
	g_source_set_static_name(sinks->timer, "vigil-log-hold");
	g_source_attach(sinks->timer, sinks->ctx);
}

static gboolean on_hold_expired(gpointer data)
{
	LogSinks *sinks = data;
	struct timespec now;
	/* what waited (about) its full time; 1 ms for the timer's own rounding */
	gint64 cutoff = g_get_monotonic_time() - (LOG_SINKS_HOLD_MS - 1) * 1000;

	g_clear_pointer(&sinks->timer, g_source_unref);
	clock_gettime(CLOCK_REALTIME, &now);
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		d->ops->flush_pending(d, &now, cutoff);
	}
	arm_timer(sinks);
	check_rotated(sinks);
	return G_SOURCE_REMOVE;
}

void log_sinks_set_rotated_func(LogSinks *sinks, LogSinksRotatedFunc func, gpointer user_data)
{
	LogStats st;

	log_sinks_stats(sinks, &st);
	sinks->rotations_seen = st.rotations;
	sinks->on_rotated = func;
	sinks->on_rotated_data = user_data;
}

void log_sinks_foreach(LogSinks *sinks, LogSinksEntryFunc func, gpointer user_data)
{
	if (sinks->k8s_path != NULL)
		func("k8s-file", sinks->k8s_path, user_data);
	if (sinks->json_path != NULL)
		func("json-file", sinks->json_path, user_data);
	if (sinks->journald)
		func("journald", NULL, user_data);
	if (sinks->passthrough)
		func("passthrough", NULL, user_data);
}

void log_sinks_attach(LogSinks *sinks, GMainContext *ctx)
{
	drop_timer(sinks);
	g_clear_pointer(&sinks->ctx, g_main_context_unref);
	if (ctx != NULL)
		sinks->ctx = g_main_context_ref(ctx);
	arm_timer(sinks);
}

void log_sinks_write(LogSinks *sinks, int stream, const char *buf, gsize len)
{
	struct timespec now;

	if (sinks->drivers->len == 0 || len == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		d->ops->write(d, stream, buf, len, &now);
	}
	arm_timer(sinks);
	check_rotated(sinks);
}

void log_sinks_reopen(LogSinks *sinks)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		if (d->ops->reopen != NULL)
			d->ops->reopen(d, &now);
	}
	check_rotated(sinks);
}

void log_sinks_flush(LogSinks *sinks, gboolean sync)
{
	struct timespec now;

	drop_timer(sinks);
	clock_gettime(CLOCK_REALTIME, &now);
	for (guint i = 0; i < sinks->drivers->len; i++) {
		LogDriver *d = g_ptr_array_index(sinks->drivers, i);
		d->ops->flush(d, &now, sync);
	}
	check_rotated(sinks);
}

void log_sinks_free(LogSinks *sinks)
{
	if (sinks == NULL)
		return;
	drop_timer(sinks);
	if (sinks->drivers != NULL) {
		/* Normally flushed already; if not (the monitor is failing), still lose nothing
		 * that was read. */
		log_sinks_flush(sinks, FALSE);
		drivers_free(sinks->drivers);
	}
	g_clear_pointer(&sinks->ctx, g_main_context_unref);
	g_free(sinks->k8s_path);
	g_free(sinks->json_path);
	g_free(sinks);
}
