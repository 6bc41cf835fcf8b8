/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "diag.h"

#include <stdio.h>
#include <syslog.h>

typedef struct {
	char tag;          /* stderr: [conmon:<tag>] */
	const char *label; /* syslog: conmon's function-style label */
	int prio;
} LevelStyle;

static DiagLevel level_of(GLogLevelFlags flags, LevelStyle *out)
{
	/* Compat: conmon logs errors at LOG_ERR and everything else at LOG_INFO. */
	if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
		*out = (LevelStyle){ 'e', "error", LOG_ERR };
		return DIAG_LEVEL_ERROR;
	}
	if (flags & G_LOG_LEVEL_WARNING) {
		*out = (LevelStyle){ 'w', "nwarn", LOG_INFO };
		return DIAG_LEVEL_WARN;
	}
	if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) {
		*out = (LevelStyle){ 'i', "ninfo", LOG_INFO };
		return DIAG_LEVEL_INFO;
	}
	*out = (LevelStyle){ 'd', "ndebug", LOG_INFO };
	return DIAG_LEVEL_DEBUG;
}

static void emit(const DiagConfig *cfg, const LevelStyle *style, const char *message)
{
	fprintf(stderr, "[conmon:%c]: %s\n", style->tag, message);
	fflush(stderr);
	if (cfg->syslog) {
		/* Compat: conmon's syslog prefix, 20 chars of the id (and log tag). */
		g_autofree char *who =
			cfg->log_tag != NULL
				? g_strdup_printf("%s: %s", cfg->cid ? cfg->cid : "", cfg->log_tag)
				: g_strdup(cfg->cid ? cfg->cid : "");
		syslog(style->prio, "conmon %.20s <%s>: %s", who, style->label, message);
	}
}

static GLogWriterOutput writer(GLogLevelFlags flags, const GLogField *fields, gsize n_fields,
			       gpointer user_data)
{
	const DiagConfig *cfg = user_data;
	const char *message = NULL;
	LevelStyle style;

	if (level_of(flags, &style) > cfg->log_level)
		return G_LOG_WRITER_HANDLED;
	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, "MESSAGE")) {
			message = fields[i].value;
			break;
		}
	}
	emit(cfg, &style, message != NULL ? message : "");
	return G_LOG_WRITER_HANDLED;
}

void diag_init(const DiagConfig *cfg)
{
	g_log_set_writer_func(writer, (gpointer)cfg, NULL);
}

void diag_fatal(const DiagConfig *cfg, const char *message)
{
	static const LevelStyle fatal_style = { 'e', "error", LOG_ERR };

	emit(cfg, &fatal_style, message);
}
